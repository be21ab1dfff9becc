"""Outreach sessions and trainings from the CSV file a union's staff keep, one session a row.

The header names the columns, in any order::

    id,kind,unit,day,topic,members,actors,hours,note
    TT-2023-01,tuyên truyền,c-02221,15/03/2023,Mục đích của tổ hội nghề nghiệp,f-1;f-2;f-7,cb-c-02221,2,
    TH-2023-01,training,d-072,2023-04-02,Kỹ năng điều hành tổ hội,f-1,,"1,5",Hội trường huyện

``id``, ``kind``, ``unit``, ``day`` and ``topic`` are required; ``members`` and ``actors`` (ids separated by
``;``), ``hours`` and ``note`` may be left out or empty.  ``kind`` is ``outreach`` or ``training``, or in
Vietnamese ``tuyên truyền`` or ``tập huấn`` (with or without accents); ``day`` is ``YYYY-MM-DD`` or
``DD/MM/YYYY``; ``hours`` may use a decimal comma.  The file is UTF-8 (a spreadsheet's byte-order mark is fine),
separated by commas, or by semicolons or tabs when the header is.

Every bad row is reported, each with its ``file:line`` (code HNG-W019), in one :class:`OutreachError`.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from hoinghe.errors import Diagnostic, NotFound, SourceLocation
from hoinghe.i18n import Text
from hoinghe.outreach.model import OutreachError
from hoinghe.records import Activity, ActivityKind
from hoinghe.storage.base import Store

__all__ = ["COLUMNS", "REQUIRED", "read_activities"]

#: Every column the file may have, in the order a new file lists them.
COLUMNS = ("id", "kind", "unit", "day", "topic", "members", "actors", "hours", "note")
#: The columns a file must have.
REQUIRED = ("id", "kind", "unit", "day", "topic")

_KINDS: dict[str, ActivityKind] = {
    "outreach": "outreach",
    "tuyen truyen": "outreach",
    "training": "training",
    "tap huan": "training",
}
_CODE = "HNG-W019"


def _plain(text: str) -> str:
    """``Tuyên_truyền`` -> ``tuyen truyen``: lower case, no accents, ``_`` and runs of spaces as one space."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().replace("_", " ").split())


def _day(text: str) -> dt.date:
    if "/" in text:
        day, month, year = (int(part) for part in text.split("/"))
        return dt.date(year, month, day)
    return dt.date.fromisoformat(text)


def _hours(text: str) -> float | None:
    if not text:
        return None
    value = float(text.replace(",", "."))
    if not math.isfinite(value) or value <= 0:
        msg = Text("hours phải là số dương", "hours must be a positive number")
        raise ValueError(msg)
    return value


def _ids(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(part.strip() for part in text.split(";") if part.strip()))


class _Reader:
    """Reads one file, collecting a diagnostic per problem."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Diagnostic] = []

    def problem(self, line: int, message: Text, path: str = "$") -> None:
        self.problems.append(Diagnostic(_CODE, message, path, SourceLocation(str(self.path), line, 1)))

    def rows(self, text: str) -> Iterator[tuple[int, dict[str, str]]]:
        lines = text.splitlines()
        first = lines[0] if lines else ""
        delimiter = max(",;\t", key=first.count)
        reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter, strict=True)
        try:
            header = [name.strip().lower() for name in next(reader, [])]
            if not self._header(header):
                return
            for fields in reader:
                if not any(f.strip() for f in fields):
                    continue  # a blank line
                if len(fields) != len(header):
                    self.problem(
                        reader.line_num,
                        Text(
                            f"dòng có {len(fields)} trường trong khi dòng tiêu đề có {len(header)} cột",
                            f"{len(fields)} fields where the header has {len(header)} columns",
                        ),
                    )
                    continue
                yield (
                    reader.line_num,
                    {name: value.strip() for name, value in zip(header, fields, strict=True)},
                )
        except csv.Error as exc:
            self.problem(reader.line_num, Text(f"không phải CSV: {exc}", f"not CSV: {exc}"))

    def _header(self, header: list[str]) -> bool:
        if not any(header):
            columns = ",".join(COLUMNS)
            self.problem(
                1,
                Text(
                    f"thiếu dòng tiêu đề; dòng đầu tiên phải ghi tên các cột: {columns}",
                    f"no header row; the first line names the columns: {columns}",
                ),
            )
            return False
        unknown = [name for name in header if name not in COLUMNS]
        missing = [name for name in REQUIRED if name not in header]
        repeated = sorted({name for name in header if header.count(name) > 1})
        columns, required = ", ".join(COLUMNS), ", ".join(REQUIRED)
        for name in unknown:
            self.problem(
                1,
                Text(
                    f"không có cột {name!r}; các cột là {columns}",
                    f"unknown column {name!r}; the columns are {columns}",
                ),
            )
        if missing:
            lacking = ", ".join(missing)
            self.problem(
                1,
                Text(
                    f"dòng tiêu đề thiếu cột {lacking}; các cột bắt buộc: {required}",
                    f"the header lacks {lacking}; required: {required}",
                ),
            )
        if repeated:
            twice = ", ".join(repeated)
            self.problem(1, Text(f"dòng tiêu đề ghi cột {twice} hai lần", f"the header names {twice} twice"))
        return not (unknown or missing or repeated)

    def activity(self, line: int, row: dict[str, str], index: int) -> Activity | None:
        where = f"$[{index}]"
        found = len(self.problems)
        for name in REQUIRED:
            if not row.get(name):
                self.problem(line, Text(f"cột {name} để trống", f"{name} is empty"), f"{where}.{name}")
        kind = _KINDS.get(_plain(row.get("kind", "")))
        if row.get("kind") and kind is None:
            self.problem(
                line,
                Text(
                    f"kind {row['kind']!r} không phải tuyên truyền (outreach) hay tập huấn (training)",
                    f"kind {row['kind']!r} is neither outreach (tuyên truyền) nor training (tập huấn)",
                ),
                f"{where}.kind",
            )
        day = hours = None
        if row.get("day"):
            try:
                day = _day(row["day"])
            except ValueError:
                self.problem(
                    line,
                    Text(
                        f"day {row['day']!r} không phải ngày; hãy ghi 2023-03-15 hoặc 15/03/2023",
                        f"day {row['day']!r} is not a date; write 2023-03-15 or 15/03/2023",
                    ),
                    f"{where}.day",
                )
        try:
            hours = _hours(row.get("hours", ""))
        except ValueError:
            self.problem(
                line,
                Text(
                    f"hours {row['hours']!r} không phải số dương (2, 1.5 hoặc 1,5)",
                    f"hours {row['hours']!r} is not a positive number (2, 1.5 or 1,5)",
                ),
                f"{where}.hours",
            )
        if len(self.problems) > found or kind is None or day is None:
            return None
        return Activity(
            id=row["id"],
            kind=kind,
            unit=row["unit"],
            day=day,
            topic=row["topic"],
            members=_ids(row.get("members", "")),
            actors=_ids(row.get("actors", "")),
            hours=hours,
            note=row.get("note") or None,
        )


def read_activities(path: str | os.PathLike[str], *, store: Store | None = None) -> list[Activity]:
    """The activities of a CSV file (see the module docstring), in the file's order.

    Args:
        path: the file.
        store: when given, every unit, member and actor named must be kept in it too (a mistyped id would
            quietly lower the coverage).

    Raises:
        OutreachError: the file cannot be read, or has bad rows: every problem is listed, each at its line.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        msg = Text(f"không đọc được tệp {file}: {exc.strerror}", f"cannot read {file}: {exc.strerror}")
        raise OutreachError(msg) from exc
    except UnicodeDecodeError as exc:
        msg = Text(
            f"tệp {file} không phải văn bản UTF-8 (byte {exc.start}); hãy lưu lại dưới dạng CSV UTF-8",
            f"{file} is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8",
        )
        raise OutreachError(msg) from exc
    reader = _Reader(file)
    out: list[Activity] = []
    lines: dict[str, int] = {}
    for index, (line, row) in enumerate(reader.rows(text)):
        activity = reader.activity(line, row, index)
        if activity is None:
            continue
        if activity.id in lines:
            reader.problem(
                line,
                Text(
                    f"id {activity.id!r} đã được dùng ở dòng {lines[activity.id]}",
                    f"id {activity.id!r} is used on line {lines[activity.id]} too",
                ),
                f"$[{index}].id",
            )
            continue
        lines[activity.id] = line
        out.append(activity)
    if store is not None and not reader.problems:
        _check_names(reader, out, lines, store)
    if reader.problems:
        count = len(reader.problems)
        msg = Text(
            f"{count} lỗi trong tệp {file}; không dòng nào được đọc",
            f"{count} problem{'s' if count != 1 else ''} in {file}; nothing was read",
        )
        raise OutreachError(msg, reader.problems)
    return out


def _check_names(reader: _Reader, activities: list[Activity], lines: dict[str, int], store: Store) -> None:
    members = store.members_by_id({m for a in activities for m in a.members})
    known: dict[tuple[str, str], bool] = {}

    def kept(kind: str, key: str) -> bool:
        if (kind, key) not in known:
            try:
                store.unit(key) if kind == "unit" else store.actor(key)
            except NotFound:
                known[kind, key] = False
            else:
                known[kind, key] = True
        return known[kind, key]

    for index, activity in enumerate(activities):
        line, where = lines[activity.id], f"$[{index}]"
        if not kept("unit", activity.unit):
            reader.problem(
                line,
                Text(
                    f"không có đơn vị {activity.unit!r} trong cơ sở dữ liệu",
                    f"no unit {activity.unit!r} in the database",
                ),
                f"{where}.unit",
            )
        absent = [m for m in activity.members if m not in members]
        if absent:
            names = ", ".join(map(repr, absent))
            reader.problem(
                line,
                Text(f"không có hội viên {names} trong cơ sở dữ liệu", f"no member {names} in the database"),
                f"{where}.members",
            )
        absent = [a for a in activity.actors if not kept("actor", a)]
        if absent:
            names = ", ".join(map(repr, absent))
            reader.problem(
                line,
                Text(
                    f"không có người thực hiện {names} trong cơ sở dữ liệu",
                    f"no actor {names} in the database",
                ),
                f"{where}.actors",
            )

"""A report as CSV: one row per unit per target, for spreadsheets and programs.

Column names and values are the same in both languages (ids, numbers, ``true``/``false``); only the unit names are
text from the store.  A name a spreadsheet would read as a formula (``=...``, ``+...``, ``-...``, ``@...``) is
written with a leading apostrophe, so opening the file cannot run it.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the report module imports this one when it renders
    from hoinghe.reports.model import Report

__all__ = ["COLUMNS", "render"]

#: The header row.
COLUMNS = (
    "target",
    "level",
    "unit",
    "name",
    "province",
    "district",
    "founded",
    "min",
    "max",
    "met",
    "active",
)

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str | None) -> str:
    if value is None:
        return ""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def render(report: Report) -> str:
    """The report's rows as CSV text (RFC 4180: quoted as needed, CRLF line ends)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for target in report.targets:
        for row in target.rows:
            writer.writerow(
                (
                    target.id,
                    target.per,
                    _text(row.unit),
                    _text(row.name),
                    _text(row.province),
                    _text(row.district),
                    row.founded,
                    target.min,
                    "" if target.max is None else target.max,
                    "true" if row.met else "false",
                    row.active,
                )
            )
    return out.getvalue()

"""Records as JSON text, with a payload version, and the chain of migrations that reads older payloads.

Every stored payload is a JSON object carrying ``"v"``: the version of its layout.  Reading a payload written by an
older hoinghe runs it through :data:`MIGRATIONS` (one function per step, oldest first) before structuring it, so a
database written years ago still loads (RELIABILITY D-8).  Writing always uses :data:`PAYLOAD_VERSION`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import cattrs
import cattrs.errors

from hoinghe.errors import StorageError
from hoinghe.i18n import Text
from hoinghe.org.frozen import FrozenDict
from hoinghe.org.model import Actor, Member, Unit
from hoinghe.records import Activity, Case, Event, IdempotencyRecord, OutboxMessage, Timer, VersionRecord

__all__ = [
    "MIGRATIONS",
    "PAYLOAD_VERSION",
    "decode",
    "decode_text",
    "encode",
    "encode_text",
    "from_payload",
    "to_payload",
]

#: The layout version written today.
PAYLOAD_VERSION = 1

Payload = dict[str, Any]
_R = TypeVar("_R")

#: record kind -> {version: function upgrading a payload of that version to the next}.  Empty while there has been
#: one layout; a change to a record's fields adds a step here (and a test with a payload of the old layout).
MIGRATIONS: dict[str, dict[int, Callable[[Payload], Payload]]] = {}

_KINDS: dict[type, str] = {
    Unit: "unit",
    Member: "member",
    Actor: "actor",
    Case: "case",
    Event: "event",
    Timer: "timer",
    OutboxMessage: "outbox",
    IdempotencyRecord: "idempotency",
    VersionRecord: "version",
    Activity: "activity",
}

# What each kind of record is called in messages.
_TITLES: dict[str, Text] = {
    "unit": Text("đơn vị", "unit"),
    "member": Text("hội viên", "member"),
    "actor": Text("người thực hiện", "actor"),
    "case": Text("hồ sơ", "case"),
    "event": Text("sự kiện", "event"),
    "timer": Text("hẹn giờ", "timer"),
    "outbox": Text("thông báo trong hộp thư đi", "outbox"),
    "idempotency": Text("khóa chống trùng lặp", "idempotency"),
    "version": Text("phiên bản định nghĩa", "version"),
    "activity": Text("hoạt động tuyên truyền, tập huấn", "activity"),
}


def _converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=False)
    conv.register_unstructure_hook(dt.datetime, dt.datetime.isoformat)
    conv.register_structure_hook(dt.datetime, lambda v, _: dt.datetime.fromisoformat(v))
    conv.register_unstructure_hook(dt.date, dt.date.isoformat)
    conv.register_structure_hook(dt.date, lambda v, _: dt.date.fromisoformat(v))
    conv.register_unstructure_hook(FrozenDict, lambda d: {k: conv.unstructure(v) for k, v in d.items()})
    # Case and event data, unit leaders: plain JSON in, frozen by the records' own converters.
    plain = {dict[str, Any], dict[str, tuple[str, ...]]}
    conv.register_structure_hook_func(lambda t: t in plain, lambda v, _: v)
    return conv


_CONVERTER = _converter()


def to_payload(record: object) -> Payload:
    """The record as a JSON-ready dict with its layout version."""
    payload: Payload = _CONVERTER.unstructure(record)
    payload["v"] = PAYLOAD_VERSION
    return payload


def from_payload(cls: type[_R], payload: object) -> _R:
    """The record of type ``cls`` from a payload of any known layout version.

    Raises:
        StorageError: the payload is newer than this hoinghe, or does not fit the record.
    """
    kind = _KINDS[cls]
    what = _TITLES[kind]
    if not isinstance(payload, Mapping):
        msg = Text(
            f"bản ghi {what.vi} trong kho dữ liệu không phải đối tượng JSON mà là {type(payload).__name__}",
            f"a stored {what.get('en')} is not a JSON object but {type(payload).__name__}",
        )
        raise StorageError(msg)
    body = dict(payload)
    version = body.pop("v", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        msg = Text(
            f"bản ghi {what.vi} trong kho dữ liệu không có phiên bản bố cục hợp lệ ({version!r}); "
            "phiên bản bắt đầu từ 1",
            f"a stored {what.get('en')} has no valid layout version ({version!r}); versions start at 1",
        )
        raise StorageError(msg)
    if version > PAYLOAD_VERSION:
        msg = Text(
            f"bản ghi {what.vi} trong kho dữ liệu có phiên bản bố cục {version}; bản hoinghe này chỉ đọc được "
            f"đến {PAYLOAD_VERSION}: hãy nâng cấp hoinghe",
            f"a stored {what.get('en')} has layout version {version}; this hoinghe reads up to "
            f"{PAYLOAD_VERSION}: upgrade hoinghe",
        )
        raise StorageError(msg)
    steps = MIGRATIONS.get(kind, {})
    while version < PAYLOAD_VERSION:
        step = steps.get(version)
        if step is None:
            msg = Text(
                f"không có bước chuyển bản ghi {what.vi} từ bố cục {version} sang {version + 1}",
                f"no migration of a stored {what.get('en')} from layout {version} to {version + 1}",
            )
            raise StorageError(msg)
        body = step(body)
        version += 1
    try:
        return _CONVERTER.structure(body, cls)
    except (cattrs.errors.CattrsError, ValueError, TypeError, KeyError) as exc:
        msg = Text(
            f"bản ghi {what.vi} trong kho dữ liệu không khớp với cấu trúc bản ghi: {exc}",
            f"a stored {what.get('en')} does not fit its record: {exc}",
        )
        raise StorageError(msg) from exc


def encode(record: object) -> str:
    """The record as canonical JSON text (sorted keys, so equal records give equal text)."""
    return json.dumps(to_payload(record), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def decode(cls: type[_R], text: str) -> _R:
    """The record of type ``cls`` from JSON text written by :func:`encode`, of this or an older layout."""
    try:
        payload = json.loads(text)
    except ValueError as exc:
        what = _TITLES[_KINDS[cls]]
        msg = Text(
            f"bản ghi {what.vi} trong kho dữ liệu không phải JSON: {exc}",
            f"a stored {what.get('en')} is not JSON: {exc}",
        )
        raise StorageError(msg) from exc
    return from_payload(cls, payload)


def encode_text(text: Text) -> str:
    """A message in both languages as JSON text (``{"en": ..., "vi": ...}``), for a text column."""
    return json.dumps(text.to_json(), sort_keys=True, ensure_ascii=False)


def decode_text(stored: str) -> Text:
    """A message kept by :func:`encode_text`; any other text (written by an older hoinghe) reads the same in both."""
    if stored.startswith("{"):
        try:
            found = json.loads(stored)
        except ValueError:
            found = None
        if isinstance(found, dict) and isinstance(found.get("vi"), str) and isinstance(found.get("en"), str):
            return Text(found["vi"], found["en"])
    return Text.same(stored)

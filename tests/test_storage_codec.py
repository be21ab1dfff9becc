"""Stored payloads round-trip, are canonical, and load from older layouts through the migrations (RELIABILITY D-8)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hoinghe import StorageError
from hoinghe.org.model import Actor, Member, RoleGrant, Unit
from hoinghe.records import (
    Activity,
    Approval,
    Case,
    Document,
    Event,
    IdempotencyRecord,
    OutboxMessage,
    Timer,
    VersionRecord,
)
from hoinghe.storage import codec
from hoinghe.storage.codec import decode, encode, from_payload, to_payload

T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
CASE = Case("k1", "wf", "h", "u1", "draft", 1, T0, T0, "a1")

# ------------------------------------------------------------------------------------------------ strategies

TEXT = st.text(max_size=12)
IDS = st.text(min_size=1, max_size=12)
OPTIONAL = st.none() | TEXT
DATES = st.dates()
# Naive datetimes, UTC, and fixed offsets in whole seconds (old local mean times had seconds).  Not microseconds:
# Python 3.11's fromisoformat reads "+00:00:00.000001" as "+00:00", a quirk of Python's no offset in use has.
OFFSETS = st.integers(-86399, 86399).map(lambda s: dt.timezone(dt.timedelta(seconds=s)))
ZONES = st.none() | st.just(dt.UTC) | OFFSETS
MOMENTS = st.datetimes(timezones=ZONES)
# JSON as json.loads gives it back: objects and arrays (lists), no NaN (which equals nothing, itself included).
JSON: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=10,
)
OBJECTS = st.dictionaries(TEXT, JSON, max_size=4)
STATUSES = st.sampled_from(["proposed", "active", "merged", "split", "dissolved", "converted"])
TUPLES = st.lists(TEXT, max_size=3).map(tuple)

UNITS = st.builds(
    Unit,
    id=IDS,
    level=IDS,
    name=TEXT,
    parent=OPTIONAL,
    kind=OPTIONAL,
    trade=OPTIONAL,
    status=STATUSES,
    founded_on=st.none() | DATES,
    members=TUPLES,
    leaders=st.dictionaries(TEXT, TEXT | TUPLES, max_size=3),
    successor=OPTIONAL,
    rating=OPTIONAL,
    meetings=st.lists(DATES, max_size=3).map(tuple),
    term_start=st.none() | DATES,
)
MEMBERS = st.builds(
    Member,
    id=IDS,
    name=TEXT,
    birth_date=st.none() | DATES,
    commune=TEXT,
    union_member_since=st.none() | DATES,
    trades=TUPLES,
)
ACTORS = st.builds(
    Actor,
    id=IDS,
    name=TEXT,
    grants=st.lists(st.builds(RoleGrant, IDS, IDS), max_size=3).map(tuple),
    member=OPTIONAL,
)
DOCUMENTS = st.lists(st.builds(Document, IDS, TEXT, OPTIONAL, OPTIONAL), max_size=3).map(tuple)
CASES = st.builds(
    Case,
    id=IDS,
    workflow=IDS,
    definition=TEXT,
    subject=IDS,
    state=IDS,
    version=st.integers(0, 10**6),
    opened_at=MOMENTS,
    entered_at=MOMENTS,
    proposer=IDS,
    closed=st.booleans(),
    data=OBJECTS,
    documents=DOCUMENTS,
    approvals=st.lists(st.builds(Approval, IDS, IDS, IDS, MOMENTS), max_size=2).map(tuple),
)
EVENTS = st.builds(
    Event,
    case_id=IDS,
    seq=st.integers(1, 10**6),
    kind=st.sampled_from(["opened", "fired", "approved", "reminded", "migrated", "refused"]),
    at=MOMENTS,
    actor=IDS,
    state=IDS,
    final=st.booleans(),
    transition=OPTIONAL,
    from_state=OPTIONAL,
    documents=DOCUMENTS,
    data=OBJECTS,
    effects=TUPLES,
    rules=TUPLES,
    warnings=TUPLES,
    refusal=TUPLES,
    body=OPTIONAL,
    workflow=OPTIONAL,
    subject=OPTIONAL,
    definition=OPTIONAL,
    idempotency_key=OPTIONAL,
)
TIMERS = st.builds(
    Timer,
    id=IDS,
    case_id=IDS,
    transition=IDS,
    due=MOMENTS,
    then=st.sampled_from(["notify", "fire"]),
    target=OPTIONAL,
    version=st.integers(0, 10**6),
)
MESSAGES = st.builds(
    OutboxMessage, key=IDS, case_id=IDS, seq=st.integers(1, 10**6), topic=IDS, payload=OBJECTS
)
KEYS = st.builds(IdempotencyRecord, IDS, TEXT, IDS, st.integers(1, 10**6))
VERSIONS = st.builds(VersionRecord, IDS, IDS, OBJECTS, st.lists(OBJECTS, max_size=2).map(tuple))
ACTIVITIES = st.builds(
    Activity,
    id=IDS,
    kind=st.sampled_from(["outreach", "training"]),
    unit=IDS,
    day=DATES,
    topic=TEXT,
    members=TUPLES,
    actors=TUPLES,
    hours=st.none() | st.floats(allow_nan=False, allow_infinity=False),
    note=OPTIONAL,
)

RECORDS = {
    Unit: UNITS,
    Member: MEMBERS,
    Actor: ACTORS,
    Case: CASES,
    Event: EVENTS,
    Timer: TIMERS,
    OutboxMessage: MESSAGES,
    IdempotencyRecord: KEYS,
    VersionRecord: VERSIONS,
    Activity: ACTIVITIES,
}
KINDS = pytest.mark.parametrize("cls", list(RECORDS), ids=lambda cls: cls.__name__)


def test_every_stored_record_type_is_covered():
    assert set(RECORDS) == set(codec._KINDS)


# ------------------------------------------------------------------------------------------------ round trips


@KINDS
@settings(max_examples=60)
@given(data=st.data())
def test_a_record_survives_json(cls, data):
    record = data.draw(RECORDS[cls])
    payload = to_payload(record)
    assert payload["v"] == codec.PAYLOAD_VERSION
    text = json.dumps(payload)
    back = from_payload(cls, json.loads(text))
    assert type(back) is cls
    assert back == record
    assert decode(cls, encode(record)) == record


@KINDS
@settings(max_examples=40)
@given(data=st.data())
def test_encoding_is_canonical(cls, data):
    record = data.draw(RECORDS[cls])
    text = encode(record)
    assert encode(decode(cls, text)) == text
    # The same record built again with its mappings in another order: equal, and written the same.
    again = from_payload(cls, _reordered(json.loads(text)))
    assert again == record
    assert encode(again) == text


def _reordered(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reordered(v) for k, v in reversed(value.items())}
    if isinstance(value, list):
        return [_reordered(v) for v in value]
    return value


def test_leaders_written_as_one_id_or_a_list_encode_the_same():
    one = Unit("g1", "group", "Tổ hội cam", "c1", leaders={"group_leader": "m1"})
    listed = Unit("g1", "group", "Tổ hội cam", "c1", leaders={"group_leader": ["m1"]})
    assert one == listed
    assert encode(one) == encode(listed)


def test_a_case_keeps_its_frozen_data_after_a_round_trip():
    case = attrs.evolve(CASE, data={"members": ["m1", "m2"], "leaders": {"group_leader": "m1"}})
    back = decode(Case, encode(case))
    assert back.data["members"] == ("m1", "m2")
    with pytest.raises(TypeError):
        back.data["members"] = ()  # type: ignore[index]


# ------------------------------------------------------------------------------------------------ versions


def test_a_payload_from_a_newer_hoinghe_is_refused_naming_its_version():
    payload = to_payload(Member("m1", "Nguyễn Văn A", None, "c1", None))
    payload["v"] = codec.PAYLOAD_VERSION + 1
    with pytest.raises(
        StorageError, match=rf"member has layout version {codec.PAYLOAD_VERSION + 1}\b.*upgrade hoinghe"
    ):
        from_payload(Member, payload)
    with pytest.raises(StorageError, match="layout version"):
        decode(Member, json.dumps(payload))


@pytest.mark.parametrize("version", ["1", 1.0, None, [1]])
def test_a_layout_version_that_is_not_a_number_is_refused(version):
    payload = {**to_payload(Member("m1", "Nguyễn Văn A", None, "c1", None)), "v": version}
    with pytest.raises(StorageError, match="layout version"):
        from_payload(Member, payload)


def _renamed(payload: dict[str, Any]) -> dict[str, Any]:
    """Layout 1 -> 2 of a member: ``full_name`` became ``name``."""
    payload["name"] = payload.pop("full_name")
    return payload


OLD_MEMBER = {
    "v": 1,
    "id": "m1",
    "full_name": "Nguyễn Văn A",
    "birth_date": "1980-01-02",
    "commune": "c1",
    "union_member_since": None,
    "trades": ["cam"],
}
MEMBER = Member("m1", "Nguyễn Văn A", dt.date(1980, 1, 2), "c1", None, ("cam",))


def test_an_older_payload_loads_through_the_migrations(monkeypatch):
    monkeypatch.setattr(codec, "PAYLOAD_VERSION", 2)
    monkeypatch.setitem(codec.MIGRATIONS, "member", {1: _renamed})
    assert from_payload(Member, OLD_MEMBER) == MEMBER
    assert decode(Member, json.dumps(OLD_MEMBER)) == MEMBER
    unversioned = {k: v for k, v in OLD_MEMBER.items() if k != "v"}  # written before payloads carried "v"
    assert from_payload(Member, unversioned) == MEMBER
    # Written today: layout 2, read without a step.
    assert to_payload(MEMBER)["v"] == 2
    assert decode(Member, encode(MEMBER)) == MEMBER
    # Other kinds have no step and are read as they are.
    unit = Unit("g1", "group", "Tổ hội cam", "c1")
    assert from_payload(Unit, {**to_payload(unit), "v": 2}) == unit


def test_the_migrations_run_in_order(monkeypatch):
    steps = []

    def one(payload):
        steps.append(1)
        return _renamed(payload)

    def two(payload):
        steps.append(2)
        payload["trades"] = [t.upper() for t in payload["trades"]]
        return payload

    monkeypatch.setattr(codec, "PAYLOAD_VERSION", 3)
    monkeypatch.setitem(codec.MIGRATIONS, "member", {1: one, 2: two})
    assert from_payload(Member, OLD_MEMBER) == attrs.evolve(MEMBER, trades=("CAM",))
    assert steps == [1, 2]
    # A layout-2 payload takes step 2 only.
    assert from_payload(Member, {**to_payload(MEMBER), "v": 2}) == attrs.evolve(MEMBER, trades=("CAM",))
    assert steps == [1, 2, 2]


def test_an_older_payload_without_its_migration_fails(monkeypatch):
    monkeypatch.setattr(codec, "PAYLOAD_VERSION", 2)
    monkeypatch.setitem(codec.MIGRATIONS, "member", {})
    with pytest.raises(StorageError, match="no migration"):
        from_payload(Member, OLD_MEMBER)


def test_a_missing_migration_step_is_a_storage_error(monkeypatch):
    monkeypatch.setattr(codec, "PAYLOAD_VERSION", 2)
    monkeypatch.setitem(codec.MIGRATIONS, "member", {})
    with pytest.raises(StorageError, match="from layout 1 to 2"):
        from_payload(Member, OLD_MEMBER)


@pytest.mark.parametrize("version", [0, -1, True, "1"])
def test_a_layout_version_that_is_not_one_is_a_storage_error(version):
    with pytest.raises(StorageError, match="no valid layout version"):
        from_payload(Member, {**to_payload(MEMBER), "v": version})


# ------------------------------------------------------------------------------------------------ garbage


@pytest.mark.parametrize(
    "payload",
    [
        {"v": 1},
        {"v": 1, "id": "m1"},
        {**to_payload(MEMBER), "birth_date": "not a date"},
        {**to_payload(MEMBER), "birth_date": 19800102},
        {**to_payload(MEMBER), "trades": 7},
    ],
    ids=["empty", "missing fields", "bad date", "date as a number", "trades as a number"],
)
def test_a_payload_that_does_not_fit_its_record_is_a_storage_error(payload):
    with pytest.raises(StorageError, match="a stored member does not fit its record"):
        from_payload(Member, payload)


@pytest.mark.parametrize(
    ("cls", "record", "field"),
    [
        (Case, CASE, "opened_at"),
        (Case, CASE, "version"),
        (Event, decode(Event, encode(Event("k1", 1, "opened", T0, "a1", "draft"))), "seq"),
        (Timer, Timer("t1", "k1", "go", T0, "notify", None, 1), "due"),
        (Unit, Unit("g1", "group", "Tổ hội", "c1", meetings=(dt.date(2026, 1, 5),)), "meetings"),
    ],
)
def test_a_field_of_the_wrong_shape_is_a_storage_error(cls, record, field):
    payload = {**to_payload(record), field: ["not", {"a": "value"}]}
    with pytest.raises(StorageError, match="does not fit its record"):
        from_payload(cls, payload)


def _required(cls: type) -> list[str]:
    return [f.name for f in attrs.fields(cls) if f.default is attrs.NOTHING]


@KINDS
@settings(max_examples=20)
@given(data=st.data())
def test_a_payload_missing_required_fields_is_a_storage_error(cls, data):
    payload = to_payload(data.draw(RECORDS[cls]))
    for name in data.draw(st.lists(st.sampled_from(_required(cls)), min_size=1, unique=True)):
        del payload[name]
    with pytest.raises(StorageError, match="does not fit its record"):
        from_payload(cls, payload)


@pytest.mark.parametrize("cls", [Member, Case], ids=lambda cls: cls.__name__)
def test_a_payload_with_an_unknown_field_is_a_storage_error(cls):
    record = MEMBER if cls is Member else CASE
    with pytest.raises(StorageError):
        from_payload(cls, {**to_payload(record), "surplus": 1})


@pytest.mark.parametrize("text", ["", "{", "not json", "{'v': 1}"])
def test_text_that_is_not_json_is_a_storage_error(text):
    with pytest.raises(StorageError, match="not JSON"):
        decode(Member, text)


@pytest.mark.parametrize("text", ["[1, 2]", '"m1"', "1", "null"])
def test_json_that_is_not_an_object_is_a_storage_error(text):
    with pytest.raises(StorageError):
        decode(Member, text)

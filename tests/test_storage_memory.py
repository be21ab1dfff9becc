"""The memory store keeps its promises: whole commits or none, compare-and-set on case version and units."""

from __future__ import annotations

import datetime as dt

import pytest

from hoinghe import ConflictError, Member, MemoryStore, NotFound, Unit
from hoinghe.records import (
    Case,
    Commit,
    Event,
    IdempotencyRecord,
    OutboxMessage,
    Timer,
    UnitChange,
    VersionRecord,
)

T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def case(version: int = 1, state: str = "s0") -> Case:
    return Case("k", "wf", "h", "u", state, version, T0, T0, "a")


def opened() -> Event:
    return Event("k", 1, "opened", T0, "a", "s0", workflow="wf", subject="u", definition="h")


def timer(name: str, hours: int, version: int = 1) -> Timer:
    return Timer(name, "k", "go", T0 + dt.timedelta(hours=hours), "notify", "go", version)


def test_a_commit_lands_whole():
    store = MemoryStore()
    unit = Unit("u", "group", "Tổ", None, kind="professional", status="proposed", members=("m1",))
    store.commit(
        Commit(
            case(),
            (opened(),),
            0,
            units=(UnitChange(None, unit),),
            timers=(timer("t1", 5),),
            outbox=(OutboxMessage("k:1:x", "k", 1, "x"),),
            idempotency=IdempotencyRecord("key", "fp", "k", 1),
        )
    )
    assert store.case("k") == case()
    assert store.events("k") == [opened()]
    assert store.unit("u") == unit
    assert [t.id for t in store.timers("k")] == ["t1"]
    assert [m.key for m in store.outbox()] == ["k:1:x"]
    assert store.idempotency("key") == IdempotencyRecord("key", "fp", "k", 1)


def test_a_stale_version_conflicts_and_writes_nothing():
    store = MemoryStore()
    store.commit(Commit(case(), (opened(),), 0))
    with pytest.raises(ConflictError) as conflict:
        store.commit(Commit(case(), (opened(),), 0))  # well formed, but the case is at version 1 already
    assert (conflict.value.expected, conflict.value.actual) == (0, 1)
    assert store.events("k") == [opened()]


def test_a_unit_changed_since_it_was_read_conflicts_and_writes_nothing():
    store = MemoryStore()
    read = Unit("u", "group", "Tổ", None, kind="professional")
    store.put_org(units=[read])
    store.put_org(units=[Unit("u", "group", "Tổ (đổi tên)", None, kind="professional")])
    with pytest.raises(ConflictError, match="unit u changed"):
        store.commit(Commit(case(), (opened(),), 0, units=(UnitChange(read, Unit("u", "group", "X", None)),)))
    with pytest.raises(NotFound):
        store.case("k")
    assert store.unit("u").name == "Tổ (đổi tên)"


def test_a_key_taken_meanwhile_conflicts():
    store = MemoryStore()
    store.commit(Commit(case(), (opened(),), 0, idempotency=IdempotencyRecord("key", "fp", "k", 1)))
    other = Case("k2", "wf", "h", "u", "s0", 1, T0, T0, "a")
    event = Event("k2", 1, "opened", T0, "a", "s0", workflow="wf", subject="u", definition="h")
    with pytest.raises(ConflictError, match="idempotency key"):
        store.commit(Commit(other, (event,), 0, idempotency=IdempotencyRecord("key", "fp2", "k2", 1)))
    with pytest.raises(NotFound):
        store.case("k2")


def test_events_must_continue_the_sequence():
    store = MemoryStore()
    store.commit(Commit(case(), (opened(),), 0))
    with pytest.raises(ValueError, match="do not continue"):
        store.commit(Commit(case(3), (Event("k", 3, "fired", T0, "a", "s1"),), 1))


def test_timers_come_due_in_order_and_are_replaced_per_case():
    store = MemoryStore()
    store.commit(Commit(case(), (opened(),), 0, timers=(timer("late", 9), timer("early", 2))))
    assert [t.id for t in store.due_timers(T0 + dt.timedelta(hours=10))] == ["early", "late"]
    assert [t.id for t in store.due_timers(T0 + dt.timedelta(hours=3))] == ["early"]
    second = Event("k", 2, "fired", T0, "a", "s1")
    store.commit(Commit(case(2, "s1"), (second,), 1, timers=(timer("next", 4, 2),)))
    assert [t.id for t in store.due_timers(T0 + dt.timedelta(hours=10))] == ["next"]
    third = Event("k", 3, "reminded", T0, "system", "s1")
    store.commit(Commit(case(3, "s1"), (third,), 2, done_timers=("next",)))
    assert store.due_timers(T0 + dt.timedelta(days=10)) == []
    assert store.timers("k") == []


def test_memberships_follow_unit_changes():
    store = MemoryStore()
    store.put_org(members=[Member("m1", "A", None, "c", None)])
    store.put_org(units=[Unit("g1", "group", "G1", None, members=("m1",)), Unit("g2", "group", "G2", None)])
    assert [u.id for u in store.memberships("m1")] == ["g1"]
    store.put_org(units=[Unit("g1", "group", "G1", None), Unit("g2", "group", "G2", None, members=("m1",))])
    assert [u.id for u in store.memberships("m1")] == ["g2"]
    assert store.memberships("m1", status="dissolved") == []
    with pytest.raises(NotFound):
        store.memberships("nobody")


def test_versions_are_kept_once_by_hash():
    store = MemoryStore()
    store.put_version(VersionRecord("h", "wf", {"id": "wf"}, ()))
    store.put_version(VersionRecord("h", "wf", {"id": "changed"}, ()))
    assert store.version("h").workflow == {"id": "wf"}
    with pytest.raises(NotFound, match="definition version"):
        store.version("other")


def test_unknown_records_are_not_found():
    store = MemoryStore()
    for lookup in (store.unit, store.member, store.actor, store.case, store.events):
        with pytest.raises(NotFound):
            lookup("x")

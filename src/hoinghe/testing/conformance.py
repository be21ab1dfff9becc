"""A conformance suite for storage backends: every promise of :class:`~hoinghe.storage.Store`, on any store.

Two parts, both run by pytest:

- :class:`StoreConformance`: example tests, one per promise of the ``Store`` docstrings (lookups and ``NotFound``,
  upserts, filters and their order, commits whole or not at all, compare-and-set on the case version, on units
  and on idempotency keys, timers, the outbox, definition versions, batches).  Subclass it and say how to make an
  empty store; pytest collects the ``test_*`` methods of the subclass.
- :class:`StoreComparison`: a Hypothesis state machine that applies the same random operations to the reference
  :class:`~hoinghe.storage.MemoryStore` and to the store under test (organisation imports, commits with valid and
  stale versions, right and wrong unit reads, taken idempotency keys, events out of sequence, timers, outbox
  messages, batches that end well or raise) and checks after every step that every read agrees, and that each
  operation raised the same error class on both.

Usage, in a test module of a third-party backend::

    from hypothesis import settings

    from hoinghe.testing import StoreComparison, StoreConformance
    from my_backend import MyStore


    class TestMyStore(StoreConformance):
        def make_store(self) -> MyStore:
            return MyStore("my://test")  # a new, empty store for each test


    class MyStoreComparison(StoreComparison):
        def make_store(self) -> MyStore:
            return MyStore("my://test")


    TestMyStoreAgrees = MyStoreComparison.TestCase
    TestMyStoreAgrees.settings = settings(max_examples=25, stateful_step_count=20, deadline=None)

Both close each store when done with it through ``close_store``, which calls the store's ``close()`` when it has
one; override it to drop a database too.

Only what the protocol promises is checked.  In particular the order of :meth:`~hoinghe.storage.Store.memberships`
is not promised, so it is compared as a set.  Commits are built the way the engine builds them: at most one change
per unit, timers and outbox messages of the committed case, events that continue ``expected_version`` (a commit
whose events are out of sequence is otherwise valid, since which of two faults a store reports first is not
promised either).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal, TypeVar

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from hoinghe.errors import ConflictError, NotFound
from hoinghe.org.hierarchy import UNIT_KINDS, Hierarchy, Level
from hoinghe.org.model import Actor, Member, RoleGrant, Unit, UnitStatus
from hoinghe.org.text import Text
from hoinghe.records import (
    Activity,
    ActivityKind,
    Case,
    Commit,
    Event,
    IdempotencyRecord,
    OutboxMessage,
    Timer,
    UnitChange,
    VersionRecord,
)
from hoinghe.storage.base import Store
from hoinghe.storage.memory import MemoryStore
from hoinghe.testing.stateful import expect as _expect
from hoinghe.testing.strategies import case_data, members

__all__ = ["StoreComparison", "StoreConformance"]

#: The moment the suite's records happen around.
T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
_HOUR = dt.timedelta(hours=1)
#: Far enough ahead that every timer of the suite is due.
_FAR = T0 + dt.timedelta(days=3650)
#: Hanoi's offset: the same instant written another way must sort and compare as that instant.
_HANOI = dt.timezone(dt.timedelta(hours=7))
_E = TypeVar("_E", bound=Exception)

#: A two-level hierarchy for :meth:`Store.org`: stores keep units of any level; the snapshot only carries it.
_HIERARCHY = Hierarchy(
    (
        Level("commune", Text("Xã", "Commune")),
        Level("group", Text("Tổ hội", "Group"), kinds=UNIT_KINDS, parents=("commune",)),
    )
)


def _equal(actual: object, expected: object, what: str) -> None:
    _expect(actual == expected, f"{what}: expected {expected!r}, got {actual!r}")


@contextlib.contextmanager
def _raises(kind: type[_E]) -> Iterator[list[_E]]:
    """Expect the block to raise ``kind``; the caught error is put in the yielded list."""
    caught: list[_E] = []
    try:
        yield caught
    except kind as exc:
        caught.append(exc)
        return
    msg = f"expected {kind.__name__}, but nothing was raised"
    raise AssertionError(msg)


# --------------------------------------------------------------------------------------------- records


def _unit(
    unit_id: str,
    *,
    level: str = "group",
    name: str | None = None,
    kind: str | None = "professional",
    status: UnitStatus = "active",
    members: tuple[str, ...] = (),
    parent: str | None = "c1",
) -> Unit:
    return Unit(
        unit_id,
        level,
        name or f"Tổ hội {unit_id}",
        parent,
        kind=kind if level == "group" else None,
        trade="cam" if kind == "professional" and level == "group" else None,
        status=status,
        members=members,
        leaders={"group_leader": members[:1]} if members else {},
    )


def _member(member_id: str, name: str = "") -> Member:
    return Member(
        member_id, name or f"Nông dân {member_id}", dt.date(1980, 1, 2), "c1", dt.date(2010, 1, 1), ("cam",)
    )


def _actor(actor_id: str, unit_id: str = "u1") -> Actor:
    return Actor(actor_id, f"Cán bộ {actor_id}", (RoleGrant("group_leader", unit_id),), member="m1")


def _case(
    case_id: str = "k1",
    version: int = 1,
    *,
    workflow: str = "wf-a",
    subject: str = "u1",
    state: str = "draft",
    closed: bool = False,
    data: Mapping[str, Any] | None = None,
) -> Case:
    return Case(
        case_id, workflow, "h", subject, state, version, T0, T0, "a1", closed=closed, data=dict(data or {})
    )


def _event(
    case_id: str, seq: int, *, state: str = "draft", final: bool = False, at: dt.datetime = T0
) -> Event:
    if seq == 1:
        return Event(
            case_id, 1, "opened", at, "a1", state, final=final, workflow="wf-a", subject="u1", definition="h"
        )
    return Event(case_id, seq, "fired", at, "a1", state, final=final, transition="go", from_state="draft")


def _events(case_id: str, after: int, count: int = 1, *, state: str = "draft") -> tuple[Event, ...]:
    return tuple(_event(case_id, seq, state=state) for seq in range(after + 1, after + 1 + count))


def _timer(timer_id: str, case_id: str, due: dt.datetime, version: int = 1) -> Timer:
    return Timer(timer_id, case_id, "go", due, "notify", None, version)


def _message(case_id: str, seq: int, topic: str = "mail", channel: str = "log") -> OutboxMessage:
    return OutboxMessage(f"{case_id}:{seq}:{topic}", case_id, seq, topic, {"to": "m1"}, channel=channel)


def _key(name: str, case_id: str, seq: int) -> IdempotencyRecord:
    return IdempotencyRecord(name, f"fp-{name}", case_id, seq)


def _activity(
    activity_id: str,
    day: dt.date,
    *,
    kind: ActivityKind = "outreach",
    unit: str = "c1",
    topic: str = "Mục đích, ý nghĩa của tổ hội nghề nghiệp",
) -> Activity:
    return Activity(
        activity_id,
        kind,
        unit,
        day,
        topic,
        members=("m1", "m2"),
        actors=("a1",),
        hours=2.5,
        note="Nhà văn hóa",
    )


def _version(version_hash: str, title: str = "Thành lập tổ hội") -> VersionRecord:
    # Plain JSON (lists, not tuples): what a store gives back is what it was given.
    return VersionRecord(
        version_hash, "wf-a", {"id": "wf-a", "title": title, "states": ["draft", "done"]}, ()
    )


def _read(lookup: Callable[[str], object], key: str) -> object:
    """What a lookup returns, or the kind and key of its ``NotFound``."""
    try:
        return lookup(key)
    except NotFound as exc:
        return ("NotFound", exc.key)


def _memberships(store: Store, member_id: str, status: UnitStatus | None = None) -> object:
    """The ids of the units the member is in, in the order the units were first added, or ``NotFound``."""
    try:
        return [u.id for u in store.memberships(member_id, status=status)]
    except NotFound as exc:
        return ("NotFound", exc.key)


def _contents(
    store: Store,
    *,
    cases: Sequence[str] = ("k1", "k2", "k3"),
    units: Sequence[str] = ("u1", "u2", "u3"),
    people: Sequence[str] = ("m1", "m2", "m3"),
    keys: Sequence[str] = ("key-1", "key-2", "key-3"),
    hashes: Sequence[str] = ("h1", "h2"),
) -> dict[str, object]:
    """Everything a reader can see of the suite's records, to show that a refused write changed nothing."""
    out: dict[str, object] = {
        "cases()": list(store.cases()),
        "units()": list(store.units()),
        "outbox()": store.outbox(),
        "due_timers(far)": store.due_timers(_FAR),
        "activities()": store.activities(),
    }
    for case_id in cases:
        out[f"case({case_id})"] = _read(store.case, case_id)
        out[f"events({case_id})"] = _read(store.events, case_id)
        out[f"timers({case_id})"] = store.timers(case_id)
    for unit_id in units:
        out[f"unit({unit_id})"] = _read(store.unit, unit_id)
    for member_id in people:
        out[f"member({member_id})"] = _read(store.member, member_id)
        out[f"memberships({member_id})"] = _memberships(store, member_id)
    for key in keys:
        out[f"idempotency({key})"] = store.idempotency(key)
    for version_hash in hashes:
        out[f"version({version_hash})"] = _read(store.version, version_hash)
    return out


def _same(actual: Mapping[str, object], expected: Mapping[str, object], context: str) -> None:
    """Every read agrees; the message names the first that does not."""
    for label, value in expected.items():
        got = actual.get(label)
        _expect(got == value, f"{context}: {label} differs\n  expected: {value!r}\n  got:      {got!r}")


# --------------------------------------------------------------------------------------------- the suite


class StoreConformance:
    """Example tests of every promise a :class:`~hoinghe.storage.Store` makes; subclass it and override
    :meth:`make_store`.

    Each test gets a new store from :meth:`make_store` (made on first use of :attr:`store`, so pytest fixtures of
    the subclass have run by then) and hands it to :meth:`close_store` afterwards.
    """

    _store: Store | None = None

    def make_store(self) -> Store:
        """A new, empty store; called once per test."""
        msg = f"{type(self).__name__} must override make_store() to return a new, empty store"
        raise NotImplementedError(msg)

    def close_store(self, store: Store) -> None:
        """Release a store made by :meth:`make_store`; calls its ``close()`` when it has one."""
        close = getattr(store, "close", None)
        if callable(close):
            close()

    @property
    def store(self) -> Store:
        """The store of the running test."""
        if self._store is None:
            self._store = self.make_store()
        return self._store

    def teardown_method(self, method: object) -> None:
        """Close the test's store (pytest calls it after each test method)."""
        del method
        store, self._store = self._store, None
        if store is not None:
            self.close_store(store)

    # ----------------------------------------------------------------------------------- helpers

    def _org(self) -> None:
        """Three members, a commune and two groups (u1 professional and active, u2 residential and proposed)."""
        self.store.put_org(
            members=[_member("m1"), _member("m2"), _member("m3")],
            units=[
                _unit("c1", level="commune", parent=None),
                _unit("u1", members=("m1", "m2")),
                _unit("u2", kind="residential", status="proposed", members=("m2",)),
            ],
            actors=[_actor("a1"), _actor("a2", "u2")],
        )

    def _open(self, case_id: str = "k1", **commit: Any) -> Case:
        """Commit a new case at version 1 (with any other parts of a commit given) and return it."""
        case = _case(case_id, 1, **commit.pop("case", {}))
        self.store.commit(Commit(case, (_event(case_id, 1),), 0, **commit))
        return case

    def _advance(self, case: Case, count: int = 1, *, state: str = "review", **commit: Any) -> Case:
        """Commit ``count`` more events on ``case``, read at its version, and return the case after them."""
        after = attrs.evolve(case, version=case.version + count, state=state)
        events = _events(case.id, case.version, count, state=state)
        self.store.commit(Commit(after, events, case.version, **commit))
        return after

    # ----------------------------------------------------------------------------------- organisation

    def test_unknown_ids_are_not_found(self) -> None:
        store = self.store
        self._org()
        lookups: list[Callable[[str], object]] = [
            store.unit,
            store.member,
            store.actor,
            store.case,
            store.events,
            store.memberships,
            store.version,
        ]
        for lookup in lookups:
            with _raises(NotFound) as caught:
                lookup("nobody")
            _equal(caught[0].key, "nobody", f"the key of {lookup.__name__}'s NotFound")
        _equal(store.idempotency("nobody"), None, "an unknown idempotency key")

    def test_put_org_reads_back_what_was_put(self) -> None:
        unit = _unit("u1", members=("m1",))
        member, actor = _member("m1"), _actor("a1")
        self.store.put_org(units=[unit], members=[member], actors=[actor])
        _equal(self.store.unit("u1"), unit, "unit")
        _equal(self.store.member("m1"), member, "member")
        _equal(self.store.actor("a1"), actor, "actor")
        _equal(list(self.store.units()), [unit], "units()")

    def test_put_org_replaces_by_id_keeping_the_order(self) -> None:
        self.store.put_org(units=[_unit("u3"), _unit("u1"), _unit("u2")], members=[_member("m1")])
        renamed = _unit("u1", name="Tổ hội cam Đoài", status="dissolved")
        self.store.put_org(units=[renamed], members=[_member("m1", "Nguyễn Văn B")], actors=[_actor("a1")])
        self.store.put_org(actors=[_actor("a1", "u3")])
        _equal([u.id for u in self.store.units()], ["u3", "u1", "u2"], "units() after a replacement")
        _equal(self.store.unit("u1"), renamed, "the replaced unit")
        _equal(self.store.member("m1").name, "Nguyễn Văn B", "the replaced member's name")
        _equal(
            self.store.actor("a1").grants, (RoleGrant("group_leader", "u3"),), "the replaced actor's grants"
        )

    def test_units_filter_by_level_kind_and_status_in_insertion_order(self) -> None:
        units = [
            _unit("g1"),
            _unit("c1", level="commune", parent=None),
            _unit("g2", kind="residential"),
            _unit("g3", status="proposed"),
            _unit("g4", kind="residential", status="dissolved"),
            _unit("g5"),
        ]
        self.store.put_org(units=units)

        def ids(**filters: Any) -> list[str]:
            return [u.id for u in self.store.units(**filters)]

        _equal(ids(), ["g1", "c1", "g2", "g3", "g4", "g5"], "units()")
        _equal(ids(level="group"), ["g1", "g2", "g3", "g4", "g5"], "units(level=group)")
        _equal(ids(level="commune"), ["c1"], "units(level=commune)")
        _equal(ids(kind="residential"), ["g2", "g4"], "units(kind=residential)")
        _equal(ids(status="active"), ["g1", "c1", "g2", "g5"], "units(status=active)")
        _equal(ids(level="group", kind="professional", status="active"), ["g1", "g5"], "all three filters")
        _equal(ids(level="province"), [], "a level with no units")
        _equal(ids(kind="professional", status="dissolved"), [], "filters no unit meets together")

    def test_memberships_follow_units_put(self) -> None:
        store = self.store
        store.put_org(members=[_member("m1"), _member("m2")])
        store.put_org(units=[_unit("g1", members=("m1", "m2")), _unit("g2", members=("m2",)), _unit("g3")])
        _equal(_memberships(store, "m1"), ["g1"], "m1's units")
        _equal(_memberships(store, "m2"), ["g1", "g2"], "m2's units")
        store.put_org(units=[_unit("g1", members=("m2",)), _unit("g3", members=("m1",), status="dissolved")])
        _equal(_memberships(store, "m1"), ["g3"], "m1's units after g1 dropped m1 and g3 took m1")
        _equal(_memberships(store, "m2"), ["g1", "g2"], "m2's units after g1 changed")
        _equal(_memberships(store, "m1", "active"), [], "m1's active units")
        _equal(_memberships(store, "m1", "dissolved"), ["g3"], "m1's dissolved units")
        _equal(_memberships(store, "m2", "active"), ["g1", "g2"], "m2's active units")

    def test_memberships_list_units_in_the_order_they_were_first_added(self) -> None:
        store = self.store
        store.put_org(members=[_member("m1")])
        store.put_org(units=[_unit("g1"), _unit("g2", members=("m1",))])
        store.put_org(units=[_unit("g1", members=("m1",))])  # joins g1 after g2, but g1 came first
        _equal(_memberships(store, "m1"), ["g1", "g2"], "m1's units")

    def test_a_commit_changing_one_unit_twice_is_refused(self) -> None:
        self._org()
        before = self.store.unit("u1")
        first, second = attrs.evolve(before, name="A"), attrs.evolve(before, name="B")
        seen = _contents(self.store)
        try:
            self._open(units=(UnitChange(before, first), UnitChange(first, second)))
        except ValueError:
            pass
        else:
            msg = "a commit changing a unit twice was accepted"
            raise AssertionError(msg)
        _equal(_contents(self.store), seen, "the store after the refused commit")

    def test_memberships_of_a_member_in_no_unit_are_empty(self) -> None:
        self.store.put_org(members=[_member("m3")], units=[_unit("g1", members=("m1",))])
        _equal(self.store.memberships("m3"), [], "memberships of a member in no unit")

    def test_memberships_follow_committed_unit_changes(self) -> None:
        self._org()
        before = self.store.unit("u1")
        moved = attrs.evolve(before, members=("m3",), status="dissolved")
        founded = _unit("u3", members=("m1",))
        self._open(units=(UnitChange(before, moved), UnitChange(None, founded)))
        _equal(self.store.unit("u1"), moved, "the changed unit")
        _equal(self.store.unit("u3"), founded, "the new unit")
        _equal(_memberships(self.store, "m1"), ["u3"], "m1's units")
        _equal(_memberships(self.store, "m2"), ["u2"], "m2's units")
        _equal(_memberships(self.store, "m3", "dissolved"), ["u1"], "m3's dissolved units")
        _equal([u.id for u in self.store.units()], ["c1", "u1", "u2", "u3"], "units() after the commit")

    def test_org_snapshot_holds_every_record(self) -> None:
        self._org()
        org = self.store.org(_HIERARCHY)
        _equal(dict(org.units), {u.id: u for u in self.store.units()}, "the snapshot's units")
        _equal(
            dict(org.members), {m: self.store.member(m) for m in ("m1", "m2", "m3")}, "the snapshot's members"
        )
        _equal(dict(org.actors), {a: self.store.actor(a) for a in ("a1", "a2")}, "the snapshot's actors")
        _equal(org.hierarchy, _HIERARCHY, "the snapshot's hierarchy")

    # ----------------------------------------------------------------------------------- commits

    def test_a_commit_lands_whole(self) -> None:
        self._org()
        store = self.store
        before = store.unit("u2")
        after = attrs.evolve(before, status="active", members=("m2", "m3"))
        newcomer = _member("m4")
        case = _case("k1", 1, data={"members": ["m2", "m3"]})
        opened = _event("k1", 1)
        timers = (_timer("k1-t1", "k1", T0 + 5 * _HOUR), _timer("k1-t2", "k1", T0 + 2 * _HOUR))
        outbox = (_message("k1", 1, "mail"), _message("k1", 1, "sms"))
        key = _key("key-1", "k1", 1)
        store.commit(
            Commit(
                case,
                (opened,),
                0,
                units=(UnitChange(before, after),),
                members=(newcomer,),
                timers=timers,
                outbox=outbox,
                idempotency=key,
            )
        )
        _equal(store.case("k1"), case, "the case")
        _equal(store.events("k1"), [opened], "the events")
        _equal(store.unit("u2"), after, "the changed unit")
        _equal(store.member("m4"), newcomer, "the new member")
        _equal(store.timers("k1"), [timers[1], timers[0]], "the timers, earliest first")
        _equal(store.outbox(), list(outbox), "the outbox")
        _equal(store.idempotency("key-1"), key, "the idempotency record")
        _equal(list(store.cases()), [case], "cases()")

    def test_events_read_after_a_sequence_number(self) -> None:
        case = self._advance(self._open(), 2)
        events = self.store.events("k1")
        _equal([e.seq for e in events], [1, 2, 3], "events()")
        _equal(events, [_event("k1", 1), *_events("k1", 1, 2, state="review")], "the events as committed")
        _equal(self.store.events("k1", after=1), events[1:], "events(after=1)")
        _equal(self.store.events("k1", after=case.version), [], "events after the last")
        _equal(self.store.case("k1"), case, "the case")

    def test_cases_filter_in_the_order_they_were_opened(self) -> None:
        first = self._open("k1")
        self._open("k2", case={"workflow": "wf-b", "subject": "u2"})
        self._open("k3", case={"subject": "u2", "state": "done", "closed": True})
        self._advance(first, state="review")

        def ids(**filters: Any) -> list[str]:
            return [c.id for c in self.store.cases(**filters)]

        _equal(ids(), ["k1", "k2", "k3"], "cases() after k1 moved on")
        _equal(ids(workflow="wf-a"), ["k1", "k3"], "cases(workflow=wf-a)")
        _equal(ids(subject="u2"), ["k2", "k3"], "cases(subject=u2)")
        _equal(ids(state="review"), ["k1"], "cases(state=review), the state k1 moved to")
        _equal(ids(state="draft"), ["k2"], "cases(state=draft), which k1 left")
        _equal(ids(closed=True), ["k3"], "cases(closed=True)")
        _equal(ids(closed=False), ["k1", "k2"], "cases(closed=False)")
        _equal(ids(workflow="wf-a", subject="u2", closed=True), ["k3"], "several filters")
        _equal(ids(workflow="wf-b", state="done"), [], "filters no case meets together")
        _equal(self.store.case("k1").state, "review", "k1's state")

    def _refused_commit(self, case: Case) -> Commit:
        """A commit that touches everything: the caller makes it stale, late or out of sequence."""
        unit = self.store.unit("u2")
        return Commit(
            attrs.evolve(case, version=case.version + 1, state="review"),
            _events(case.id, case.version, state="review"),
            case.version,
            units=(UnitChange(unit, attrs.evolve(unit, status="active", members=("m3",))),),
            members=(_member("m9"),),
            timers=(_timer(f"{case.id}-t9", case.id, T0 + _HOUR),),
            outbox=(_message(case.id, case.version + 1),),
            idempotency=_key("key-3", case.id, case.version + 1),
            done_timers=("k1-t1",),
        )

    def test_a_stale_expected_version_conflicts_and_writes_nothing(self) -> None:
        self._org()
        case = self._open(timers=(_timer("k1-t1", "k1", T0 + _HOUR),))
        self._advance(case)  # another decision moved the case to version 2
        seen = _contents(self.store, people=("m1", "m2", "m3", "m9"))
        with _raises(ConflictError) as caught:
            self.store.commit(self._refused_commit(case))
        _equal((caught[0].expected, caught[0].actual), (1, 2), "the conflict's expected and actual versions")
        _same(_contents(self.store, people=("m1", "m2", "m3", "m9")), seen, "after a stale commit")

    def test_an_expected_version_ahead_of_the_case_conflicts(self) -> None:
        self._org()
        case = self._open()
        seen = _contents(self.store)
        with _raises(ConflictError):
            self.store.commit(Commit(attrs.evolve(case, version=5), _events("k1", 4), 4))
        with _raises(ConflictError):
            self.store.commit(self._refused_commit(attrs.evolve(case, id="k2")))  # k2 was never opened
        _same(_contents(self.store), seen, "after commits ahead of the cases")

    def test_a_new_case_whose_id_exists_conflicts(self) -> None:
        self._org()
        case = self._advance(self._open(), 2)
        seen = _contents(self.store)
        with _raises(ConflictError) as caught:
            self.store.commit(
                Commit(
                    _case("k1", 1, workflow="wf-b"), (_event("k1", 1),), 0, outbox=(_message("k1", 1, "sms"),)
                )
            )
        _equal(caught[0].expected, 0, "the conflict's expected version")
        _same(_contents(self.store), seen, "after opening a case twice")
        _equal(self.store.case("k1"), case, "the case")

    def test_a_unit_changed_since_it_was_read_conflicts_and_writes_nothing(self) -> None:
        self._org()
        read = self.store.unit("u1")
        self.store.put_org(units=[attrs.evolve(read, name="Tổ hội cam (đổi tên)")])
        seen = _contents(self.store)
        change = UnitChange(read, attrs.evolve(read, members=("m3",)))
        founding = UnitChange(None, _unit("u3", members=("m3",)))
        with _raises(ConflictError):
            self._open(units=(founding, change), idempotency=_key("key-1", "k1", 1))
        _same(_contents(self.store), seen, "after a commit on a unit changed meanwhile")
        _equal(self.store.unit("u1").name, "Tổ hội cam (đổi tên)", "the unit as changed meanwhile")

    def test_a_unit_made_since_the_decision_read_conflicts(self) -> None:
        self._org()
        seen = _contents(self.store)
        with _raises(ConflictError):
            self._open(units=(UnitChange(None, _unit("u1", name="Tổ hội mới")),))
        _same(_contents(self.store), seen, "after founding a unit that exists")

    def test_a_unit_read_in_an_open_case_is_checked_too(self) -> None:
        self._org()
        case = self._open()
        read = self.store.unit("u2")
        self.store.put_org(units=[attrs.evolve(read, status="dissolved")])
        seen = _contents(self.store)
        with _raises(ConflictError):
            self._advance(case, units=(UnitChange(read, attrs.evolve(read, status="active")),))
        _same(_contents(self.store), seen, "after advancing a case on a unit changed meanwhile")

    def test_a_taken_idempotency_key_conflicts_and_writes_nothing(self) -> None:
        self._org()
        first = _key("key-1", "k1", 1)
        self._open(idempotency=first)
        seen = _contents(self.store)
        with _raises(ConflictError):
            self._open("k2", idempotency=_key("key-1", "k2", 1), outbox=(_message("k2", 1),))
        with _raises(ConflictError):
            self._advance(self.store.case("k1"), idempotency=_key("key-1", "k1", 2))
        _same(_contents(self.store), seen, "after reusing an idempotency key")
        _equal(self.store.idempotency("key-1"), first, "the key's first record")

    def test_events_must_continue_the_sequence(self) -> None:
        self._org()
        case = self._open()
        seen = _contents(self.store)
        wrong = [
            Commit(attrs.evolve(case, version=3), (_event("k1", 3),), 1),  # a gap
            Commit(attrs.evolve(case, version=3), (_event("k1", 2), _event("k1", 3), _event("k1", 3)), 1),
            Commit(attrs.evolve(case, version=1), (_event("k1", 1),), 1),  # an event again
            Commit(
                attrs.evolve(case, version=3), (_event("k1", 2),), 1
            ),  # the case is not where the events end
            Commit(_case("k2", 2), (_event("k2", 2),), 0),  # a new case starting at 2
        ]
        for commit in wrong:
            with _raises(ValueError):
                self.store.commit(commit)
        _same(_contents(self.store), seen, "after commits whose events do not continue the case")

    def test_members_of_a_commit_are_added_and_replaced(self) -> None:
        self._org()
        case = self._open(members=(_member("m4"),))
        self._advance(case, members=(_member("m1", "Trần Thị C"), _member("m5")))
        _equal(self.store.member("m4"), _member("m4"), "a member added by a commit")
        _equal(self.store.member("m1").name, "Trần Thị C", "a member replaced by a commit")
        _equal(self.store.member("m5"), _member("m5"), "another member added")

    # ----------------------------------------------------------------------------------- timers

    def test_timers_are_replaced_per_case(self) -> None:
        early, late = _timer("k1-t1", "k1", T0 + _HOUR), _timer("k1-t2", "k1", T0 + 9 * _HOUR)
        other = _timer("k2-t1", "k2", T0 + 3 * _HOUR)
        case = self._open(timers=(late, early))
        self._open("k2", timers=(other,))
        _equal(self.store.timers("k1"), [early, late], "k1's timers, earliest first")
        case = self._advance(case, timers=None)
        _equal(self.store.timers("k1"), [early, late], "k1's timers after a commit that leaves them")
        moved = _timer("k1-t3", "k1", T0 + 4 * _HOUR, version=2)
        case = self._advance(case, timers=(moved,))
        _equal(self.store.timers("k1"), [moved], "k1's timers after a commit that replaces them")
        _equal(self.store.timers("k2"), [other], "k2's timers, untouched by k1's commits")
        self._advance(case, timers=())
        _equal(self.store.timers("k1"), [], "k1's timers after a commit that clears them")
        _equal(self.store.due_timers(_FAR), [other], "due timers")
        _equal(self.store.timers("k9"), [], "the timers of an unknown case")

    def test_done_timers_are_removed(self) -> None:
        mine = (_timer("k1-t1", "k1", T0 + _HOUR), _timer("k1-t2", "k1", T0 + 2 * _HOUR))
        theirs = (_timer("k2-t1", "k2", T0 + 3 * _HOUR), _timer("k2-t2", "k2", T0 + 4 * _HOUR))
        case = self._open(timers=mine)
        self._open("k2", timers=theirs)
        self._advance(case, done_timers=("k1-t1", "k2-t2", "no-such-timer"))
        _equal(self.store.timers("k1"), [mine[1]], "k1's timers after one was done")
        _equal(self.store.timers("k2"), [theirs[0]], "k2's timers after one was done by k1's commit")
        _equal(self.store.due_timers(_FAR), [mine[1], theirs[0]], "due timers")

    def test_due_timers_come_earliest_first_ties_by_id_up_to_now(self) -> None:
        at_3 = T0 + 3 * _HOUR
        timers = (
            _timer("k1-d", "k1", at_3),
            _timer("k1-a", "k1", T0 + 5 * _HOUR),
            _timer("k1-c", "k1", at_3.astimezone(_HANOI)),  # the same instant, written in Hanoi time
            _timer("k1-b", "k1", T0 + _HOUR),
        )
        self._open(timers=timers[:2])
        self._open("k2", timers=(_timer("k2-a", "k2", at_3),))
        self._advance(self.store.case("k1"), timers=timers)

        def ids(now: dt.datetime) -> list[str]:
            return [t.id for t in self.store.due_timers(now)]

        _equal(ids(T0), [], "due timers before the first is due")
        _equal(ids(T0 + _HOUR), ["k1-b"], "due timers exactly when the first is due")
        _equal(ids(at_3 - dt.timedelta(microseconds=1)), ["k1-b"], "due timers just before three are")
        _equal(ids(at_3), ["k1-b", "k1-c", "k1-d", "k2-a"], "due timers at a tie, by id")
        _equal(
            ids(at_3.astimezone(_HANOI)), ["k1-b", "k1-c", "k1-d", "k2-a"], "the same instant in Hanoi time"
        )
        _equal(ids(_FAR), ["k1-b", "k1-c", "k1-d", "k2-a", "k1-a"], "every due timer")
        _equal([t.id for t in self.store.timers("k1")], ["k1-b", "k1-c", "k1-d", "k1-a"], "k1's timers")

    # ----------------------------------------------------------------------------------- outbox, versions

    def test_the_outbox_keeps_commit_order(self) -> None:
        self._org()
        first = self._open(outbox=(_message("k1", 1, "sms"), _message("k1", 1, "mail")))
        self._open("k2", outbox=(_message("k2", 1),))
        self._advance(first, outbox=(_message("k1", 2),))
        with _raises(ConflictError):  # a refused commit adds nothing
            self.store.commit(self._refused_commit(first))
        _equal(
            [m.key for m in self.store.outbox()],
            ["k1:1:sms", "k1:1:mail", "k2:1:mail", "k1:2:mail"],
            "the outbox",
        )
        _equal(self.store.outbox()[0], _message("k1", 1, "sms"), "an outbox message")

    # ----------------------------------------------------------------------------------- the relay's side

    def _outbox_of_two_cases(self) -> None:
        """k1 with three messages (seq 1, 1, 2) and k2 with one, committed in the order k1, k2, k1."""
        self._org()
        first = self._open(outbox=(_message("k1", 1, "sms"), _message("k1", 1, "mail")))
        self._open("k2", outbox=(_message("k2", 1),))
        self._advance(first, outbox=(_message("k1", 2),))

    def _claim(self, worker: str, at: dt.datetime = T0, limit: int = 100) -> list[str]:
        return [s.message.key for s in self.store.claim_outbox(worker, at, lease=_HOUR, limit=limit)]

    def test_a_claim_takes_whole_cases_in_commit_order_and_leases_them(self) -> None:
        self._outbox_of_two_cases()
        _equal(self._claim("w1", limit=3), ["k1:1:sms", "k1:1:mail", "k2:1:mail"], "w1's claim")
        claimed = self.store.claim_outbox("w2", T0, lease=_HOUR)
        # k1's last message is not k1's oldest pending one: nobody else may take it while w1 holds k1.
        _equal(claimed, [], "w2's claim while w1 holds both cases")
        status = self.store.outbox_status(T0)
        _equal((status.pending, status.leased, status.due, status.delivered), (4, 3, 1, 0), "the counts")

    def test_a_delivered_message_leaves_the_outbox_and_frees_its_case(self) -> None:
        self._outbox_of_two_cases()
        self._claim("w1", limit=1)
        self.store.outbox_delivered("k1:1:sms", T0)
        self.store.outbox_delivered("k1:1:sms", T0 + _HOUR)  # again: harmless
        _equal([m.key for m in self.store.outbox()], ["k1:1:mail", "k2:1:mail", "k1:2:mail"], "the outbox")
        _equal(self._claim("w2"), ["k1:1:mail", "k2:1:mail", "k1:2:mail"], "w2's claim")
        _equal(self.store.outbox_status(T0).delivered, 1, "delivered")

    def test_a_failed_message_holds_its_case_back_until_its_retry_time(self) -> None:
        self._outbox_of_two_cases()
        self._claim("w1")
        self.store.outbox_failed("k1:1:sms", T0, "503 from the sink", retry_at=T0 + 2 * _HOUR)
        self.store.release_outbox("w1", ["k1:1:mail", "k1:2:mail", "k2:1:mail"])
        _equal(self._claim("w2", T0 + _HOUR), ["k2:1:mail"], "the claim before the retry time")
        again = self.store.claim_outbox("w2", T0 + 2 * _HOUR, lease=_HOUR)
        # In commit order; w2's lease on k2 ran out at the same time.
        _equal(
            [s.message.key for s in again],
            ["k1:1:sms", "k1:1:mail", "k2:1:mail", "k1:2:mail"],
            "after the retry time",
        )
        _equal((again[0].attempts, again[0].last_error), (1, "503 from the sink"), "the failed attempt")
        status = self.store.outbox_status(T0 + 2 * _HOUR)
        _equal((status.retrying, status.failed), (1, 0), "retrying and failed")
        _equal([p.message.key for p in status.problems], ["k1:1:sms"], "the problems")

    def test_each_channel_of_a_case_is_a_stream_of_its_own(self) -> None:
        self._org()
        first = self._open(outbox=(_message("k1", 1, "a", "email"), _message("k1", 1, "b", "webhook")))
        self._advance(first, outbox=(_message("k1", 2, "c", "email"), _message("k1", 2, "d", "webhook")))
        _equal(self._claim("w1", limit=1), ["k1:1:a"], "w1's claim of one message")
        # The webhook stream's head is free while w1 holds the email stream.
        _equal(self._claim("w2"), ["k1:1:b", "k1:2:d"], "w2's claim")
        self.store.outbox_failed("k1:1:a", T0, "mailbox full", retry_at=T0 + _HOUR)
        _equal(self._claim("w3"), [], "the email stream waits for its retry; the webhook one is w2's")

    def test_a_message_given_up_no_longer_holds_its_case_and_can_be_retried(self) -> None:
        self._outbox_of_two_cases()
        self._claim("w1")
        self.store.outbox_failed("k1:1:sms", T0, "no such mailbox", retry_at=None)
        self.store.release_outbox("w1", ["k1:1:mail", "k1:2:mail", "k2:1:mail"])
        _equal(self._claim("w2"), ["k1:1:mail", "k2:1:mail", "k1:2:mail"], "the claim after giving up")
        status = self.store.outbox_status(T0)
        _equal((status.pending, status.failed), (3, 1), "pending and failed")
        _equal(status.problems[0].failed, T0, "when it was given up")
        _equal(self.store.outbox()[0].key, "k1:1:sms", "a given-up message stays in the outbox")
        _equal(self.store.retry_outbox(["k2:1:mail"]), 0, "retrying a message that did not fail")
        _equal(self.store.retry_outbox(), 1, "retrying what was given up")
        _equal(self.store.outbox_status(T0).failed, 0, "failed after the retry")

    def test_a_lease_runs_out_and_only_its_holder_releases_it(self) -> None:
        self._outbox_of_two_cases()
        self._claim("w1", limit=1)
        self.store.release_outbox("w2", ["k1:1:sms"])  # not w2's to give back
        _equal(self._claim("w2"), ["k2:1:mail"], "w2's claim while w1's lease runs")
        later = T0 + _HOUR / 2
        _equal(self._claim("w3", later), [], "w3's claim while both leases run")
        _equal(
            self._claim("w3", T0 + _HOUR),
            ["k1:1:sms", "k1:1:mail", "k2:1:mail", "k1:2:mail"],
            "after both leases ran out",
        )

    def test_holders_are_the_actors_granted_a_role_at_a_unit(self) -> None:
        self._org()
        _equal([a.id for a in self.store.holders("group_leader", "u1")], ["a1"], "u1's leader")
        moved = attrs.evolve(_actor("a1"), grants=(RoleGrant("group_leader", "u2"),))
        self.store.put_org(actors=[moved, _actor("a0", "u2")])
        _equal(self.store.holders("group_leader", "u1"), [], "u1's leaders after a1 moved")
        _equal([a.id for a in self.store.holders("group_leader", "u2")], ["a0", "a1", "a2"], "u2's leaders")
        _equal(self.store.holders("chair", "u2"), [], "a role nobody holds")

    def test_versions_are_kept_once_by_hash(self) -> None:
        kept = _version("h1")
        self.store.put_version(kept)
        self.store.put_version(_version("h1", "Một tiêu đề khác"))
        self.store.put_version(_version("h2", "Giải thể tổ hội"))
        _equal(self.store.version("h1"), kept, "the version kept first")
        _equal(self.store.version("h2").workflow["title"], "Giải thể tổ hội", "another version")

    # ----------------------------------------------------------------------------------- outreach, training

    def test_activities_read_back_by_day_then_id(self) -> None:
        self._org()
        day = dt.date(2023, 3, 15)
        bare = Activity("t-9", "training", "u1", day, "Kỹ năng điều hành tổ hội")
        put = [
            _activity("o-2", day),
            _activity("o-10", day - dt.timedelta(days=1)),
            bare,
            _activity("o-1", day),
        ]
        self.store.put_activities(put)
        found = self.store.activities()
        _equal([a.id for a in found], ["o-10", "o-1", "o-2", "t-9"], "activities() by day, then id")
        _equal(found[0], put[1], "an activity read back whole")
        _equal(found[-1], bare, "an activity with no attendance, hours or note")
        _equal(self.store.activities(kind="training"), [bare], "activities(kind=training)")

    def test_activities_filter_by_unit_kind_and_days_inclusive(self) -> None:
        self._org()
        first, mid, last = dt.date(2022, 1, 1), dt.date(2022, 6, 30), dt.date(2022, 12, 31)
        self.store.put_activities(
            [
                _activity("a", first),
                _activity("b", mid, unit="u1"),
                _activity("c", mid, kind="training"),
                _activity("d", last, kind="training", unit="u2"),
            ]
        )

        def ids(**filters: Any) -> list[str]:
            return [a.id for a in self.store.activities(**filters)]

        _equal(ids(since=mid), ["b", "c", "d"], "since (inclusive)")
        _equal(ids(until=mid), ["a", "b", "c"], "until (inclusive)")
        _equal(ids(since=mid, until=mid), ["b", "c"], "one day")
        _equal(ids(unit="c1"), ["a", "c"], "unit=c1")
        _equal(ids(unit="u2", kind="training", since=last), ["d"], "every filter")
        _equal(ids(unit="u1", kind="training"), [], "filters no activity meets together")
        _equal(ids(unit="nowhere"), [], "a unit with no activity")

    def test_put_activities_replaces_by_id_and_the_last_of_a_repeated_id_wins(self) -> None:
        self._org()
        day = dt.date(2023, 5, 5)
        self.store.put_activities([_activity("a", day), _activity("b", day)])
        moved = _activity("a", day + dt.timedelta(days=3), kind="training", unit="u2", topic="Đổi chủ đề")
        self.store.put_activities([_activity("a", day, topic="bỏ qua"), moved])
        _equal(self.store.activities(), [_activity("b", day), moved], "activities() after the replacement")
        _equal(self.store.activities(unit="c1"), [_activity("b", day)], "the old unit no longer lists it")
        _equal(self.store.activities(kind="training", unit="u2"), [moved], "the new unit and kind list it")
        self.store.put_activities([])
        _equal(len(self.store.activities()), 2, "activities() after putting none")

    def test_an_activity_of_an_unknown_unit_is_refused_and_nothing_is_written(self) -> None:
        self._org()
        day = dt.date(2023, 5, 5)
        self.store.put_activities([_activity("a", day)])
        with _raises(NotFound) as caught:
            self.store.put_activities([_activity("a", day, topic="mới"), _activity("b", day, unit="c-gone")])
        _equal((caught[0].kind.get("en"), caught[0].key), ("unit", "c-gone"), "the NotFound")
        _equal(self.store.activities(), [_activity("a", day)], "activities() after the refusal")

    def test_activities_land_with_their_batch_or_not_at_all(self) -> None:
        self._org()
        day = dt.date(2023, 5, 5)
        with contextlib.suppress(_Abort), self.store.batch():
            self.store.put_activities([_activity("a", day)])
            _equal([a.id for a in self.store.activities()], ["a"], "activities() in the batch")
            raise _Abort
        _equal(self.store.activities(), [], "activities() after the batch raised")
        with self.store.batch():
            self.store.put_activities([_activity("a", day)])
            self._open()
        _equal([a.id for a in self.store.activities()], ["a"], "activities() after the batch")

    # ----------------------------------------------------------------------------------- batches

    def test_a_batch_lands_together(self) -> None:
        self._org()
        with self.store.batch():
            first = self._open(
                timers=(_timer("k1-t1", "k1", T0 + _HOUR),), idempotency=_key("key-1", "k1", 1)
            )
            self._open("k2", outbox=(_message("k2", 1),))
            self._advance(first)
            self.store.put_org(units=[_unit("u3")])
            self.store.put_version(_version("h1"))
        _equal([c.id for c in self.store.cases()], ["k1", "k2"], "the batch's cases")
        _equal(self.store.case("k1").version, 2, "k1's version")
        _equal([e.seq for e in self.store.events("k1")], [1, 2], "k1's events")
        _equal([t.id for t in self.store.due_timers(_FAR)], ["k1-t1"], "the batch's timers")
        _equal([m.key for m in self.store.outbox()], ["k2:1:mail"], "the batch's outbox")
        _equal(self.store.idempotency("key-1"), _key("key-1", "k1", 1), "the batch's key")
        _equal(self.store.unit("u3"), _unit("u3"), "the batch's unit")
        _equal(self.store.version("h1"), _version("h1"), "the batch's version")

    def test_an_exception_in_a_batch_rolls_everything_back(self) -> None:
        self._org()
        case = self._open(timers=(_timer("k1-t1", "k1", T0 + _HOUR),))
        seen = _contents(self.store, people=("m1", "m2", "m3", "m9"))
        with contextlib.suppress(_Abort), self.store.batch():
            self.store.commit(self._refused_commit(case))  # lands in the batch
            self._open("k2", idempotency=_key("key-1", "k2", 1), outbox=(_message("k2", 1),))
            self.store.put_org(units=[_unit("u1", name="Đổi tên")], members=[_member("m1", "Lê Văn D")])
            self.store.put_version(_version("h1"))
            raise _Abort
        _same(_contents(self.store, people=("m1", "m2", "m3", "m9")), seen, "after a batch that raised")
        self._advance(case)  # the store goes on working
        _equal(self.store.case("k1").version, 2, "k1's version after the next commit")

    def test_a_conflict_caught_in_a_batch_undoes_only_that_commit(self) -> None:
        self._org()
        case = self._open(idempotency=_key("key-1", "k1", 1))
        read = self.store.unit("u2")
        self.store.put_org(units=[attrs.evolve(read, name="Đổi tên")])
        with self.store.batch():
            self._open("k2", outbox=(_message("k2", 1),))
            moved = self._advance(case, outbox=(_message("k1", 2),))
            with _raises(ConflictError):  # stale
                self.store.commit(self._refused_commit(case))
            with _raises(ConflictError):  # a taken key
                self._open("k3", idempotency=_key("key-1", "k3", 1), outbox=(_message("k3", 1),))
            with _raises(ConflictError):  # a unit changed meanwhile
                self._advance(moved, units=(UnitChange(read, attrs.evolve(read, status="active")),))
            with _raises(ValueError):  # events out of sequence
                self.store.commit(Commit(attrs.evolve(moved, version=4), (_event("k1", 4),), 2))
            self._advance(moved, outbox=(_message("k1", 3),))
        _equal([c.id for c in self.store.cases()], ["k1", "k2"], "the cases")
        _equal([e.seq for e in self.store.events("k1")], [1, 2, 3], "k1's events")
        _equal([m.key for m in self.store.outbox()], ["k2:1:mail", "k1:2:mail", "k1:3:mail"], "the outbox")
        _equal(self.store.unit("u2").status, "proposed", "the unit the refused commit would have changed")
        _equal(self.store.idempotency("key-1"), _key("key-1", "k1", 1), "the key")

    def test_an_uncaught_conflict_rolls_the_batch_back(self) -> None:
        self._org()
        case = self._open()
        seen = _contents(self.store)
        with _raises(ConflictError), self.store.batch():
            self._open("k2")
            self.store.commit(Commit(attrs.evolve(case, version=3), _events("k1", 2), 2))
        _same(_contents(self.store), seen, "after a batch a conflict ended")

    def test_nested_batches_join_the_outer_one(self) -> None:
        self._org()
        with contextlib.suppress(_Abort), self.store.batch():
            self._open("k1")
            with self.store.batch():
                self._open("k2")
            _equal([c.id for c in self.store.cases()], ["k1", "k2"], "the cases inside the outer batch")
            raise _Abort
        _equal(list(self.store.cases()), [], "the cases after the outer batch raised")
        with self.store.batch():
            with self.store.batch():
                self._open("k2")
            self._open("k3")
        _equal([c.id for c in self.store.cases()], ["k2", "k3"], "the cases after both batches ended")

    def test_reads_in_a_batch_see_its_writes(self) -> None:
        self._org()
        with contextlib.suppress(_Abort), self.store.batch():
            before = self.store.unit("u2")
            after = attrs.evolve(before, status="active", members=("m3",))
            timer = _timer("k1-t1", "k1", T0 + _HOUR)
            case = self._open(
                units=(UnitChange(before, after),),
                timers=(timer,),
                outbox=(_message("k1", 1),),
                idempotency=_key("key-1", "k1", 1),
            )
            case = self._advance(case)
            self.store.put_org(members=[_member("m7")], actors=[_actor("a7")])
            self.store.put_version(_version("h1"))
            _equal(self.store.case("k1"), case, "the case in the batch")
            _equal([e.seq for e in self.store.events("k1")], [1, 2], "its events in the batch")
            _equal(list(self.store.cases(state="review")), [case], "cases() in the batch")
            _equal(self.store.unit("u2"), after, "the unit in the batch")
            _equal(
                [u.id for u in self.store.units(status="active")], ["c1", "u1", "u2"], "units() in the batch"
            )
            _equal(_memberships(self.store, "m3"), ["u2"], "memberships in the batch")
            _equal(self.store.timers("k1"), [timer], "timers in the batch")
            _equal(self.store.due_timers(_FAR), [timer], "due timers in the batch")
            _equal(self.store.outbox(), [_message("k1", 1)], "the outbox in the batch")
            _equal(self.store.idempotency("key-1"), _key("key-1", "k1", 1), "the key in the batch")
            _equal(self.store.member("m7"), _member("m7"), "a member in the batch")
            _equal(self.store.actor("a7"), _actor("a7"), "an actor in the batch")
            _equal(self.store.version("h1"), _version("h1"), "a version in the batch")
            raise _Abort
        _equal(list(self.store.cases()), [], "the cases after the batch raised")


class _Abort(Exception):
    """Raised in a batch to make it roll back."""


# --------------------------------------------------------------------------------------------- comparison

_CASES = ("k1", "k2", "k3")
_UNITS = ("u1", "u2", "u3")
_MEMBERS = ("m1", "m2", "m3")
_ACTORS = ("a1", "a2")
_KEYS = ("key-1", "key-2", "key-3")
_HASHES = ("h1", "h2")
_LEVELS = ("commune", "group")
_KINDS = ("residential", "professional")
_STATUSES: tuple[UnitStatus, ...] = ("proposed", "active", "dissolved")
_WORKFLOWS = ("wf-a", "wf-b")
_STATES = ("draft", "review", "done")
_TOPICS = ("mail", "sms")
#: When things are due: few, so ties happen, and one instant written twice (UTC and Hanoi time).
_MOMENTS = (T0, T0 + 6 * _HOUR, (T0 + 6 * _HOUR).astimezone(_HANOI), T0 + 24 * _HOUR)
#: When due timers are asked for: at the first moment, at the tie, and after all of them.
_NOWS = (T0, T0 + 6 * _HOUR, _FAR)

#: What goes wrong with a commit: nothing, a version behind or ahead of the case's, a unit that changed since it
#: was read, or events that do not continue the case.
_Fault = Literal["none", "stale", "ahead", "unit", "sequence"]


@attrs.frozen
class _Shape:
    """A unit without its id: the same shape is given the id of whichever unit a plan changes."""

    level: str
    name: str
    parent: str | None
    kind: str
    status: UnitStatus
    members: tuple[str, ...]

    def unit(self, unit_id: str) -> Unit:
        return _unit(
            unit_id,
            level=self.level,
            name=self.name,
            parent=self.parent,
            kind=self.kind,
            status=self.status,
            members=self.members,
        )


@attrs.frozen
class _Import:
    """A ``put_org``."""

    units: tuple[Unit, ...]
    members: tuple[Member, ...]
    actors: tuple[Actor, ...]


@attrs.frozen
class _TimerPlan:
    name: str
    due: dt.datetime
    then: Literal["notify", "fire"]


@attrs.frozen
class _ChangePlan:
    """A change to a unit; ``wrong`` and ``forget`` say what a wrong read of it was, when the plan wants one."""

    unit_id: str
    after: _Shape
    wrong: _Shape
    forget: bool


@attrs.frozen
class _CommitPlan:
    """A decision on a case, drawn before the state it applies to is known; see :meth:`StoreComparison.commit_of`."""

    case: str
    fault: _Fault
    offset: int
    count: int
    gap: bool
    back: bool
    state: str
    at: dt.datetime
    workflow: str
    subject: str
    data: dict[str, Any]
    timers: tuple[_TimerPlan, ...] | None
    done: tuple[int, ...]
    topics: tuple[str, ...]
    key: str | None
    changes: int
    units: tuple[_ChangePlan, ...]
    members: tuple[Member, ...]


_SHAPES = st.builds(
    _Shape,
    st.sampled_from(_LEVELS),
    st.sampled_from(("Tổ hội cam", "Chi hội lúa")),
    st.sampled_from((None, "c1")),
    st.sampled_from(_KINDS),
    st.sampled_from(_STATUSES),
    st.lists(st.sampled_from(_MEMBERS), unique=True, max_size=3).map(tuple),
)
_PEOPLE = st.lists(members(("c1",), ids=st.sampled_from(_MEMBERS)), max_size=2, unique_by=lambda m: m.id).map(
    tuple
)
_OFFICERS = st.builds(
    Actor,
    st.sampled_from(_ACTORS),
    st.sampled_from(("Cán bộ hội", "Chủ tịch xã")),
    st.lists(
        st.builds(RoleGrant, st.sampled_from(("group_leader", "commune_standing")), st.sampled_from(_UNITS)),
        unique=True,
        max_size=2,
    ).map(tuple),
    st.none() | st.sampled_from(_MEMBERS),
)
_IMPORTS = st.builds(
    _Import,
    st.lists(st.tuples(st.sampled_from(_UNITS), _SHAPES), max_size=3, unique_by=lambda p: p[0]).map(
        lambda pairs: tuple(shape.unit(unit_id) for unit_id, shape in pairs)
    ),
    _PEOPLE,
    st.lists(_OFFICERS, max_size=2, unique_by=lambda a: a.id).map(tuple),
)
_VERSIONS = st.builds(
    VersionRecord,
    st.sampled_from(_HASHES),
    st.sampled_from(_WORKFLOWS),
    st.fixed_dictionaries({"id": st.just("wf"), "title": st.sampled_from(("Thành lập", "Giải thể"))}),
    st.lists(st.fixed_dictionaries({"id": st.sampled_from(("core", "vn"))}), max_size=2).map(tuple),
)
_COMMITS = st.builds(
    _CommitPlan,
    case=st.sampled_from(_CASES),
    fault=st.sampled_from(("none", "none", "none", "stale", "ahead", "unit", "sequence")),
    offset=st.integers(0, 3),
    count=st.integers(0, 2),
    gap=st.booleans(),
    back=st.booleans(),
    state=st.sampled_from(_STATES),
    at=st.sampled_from(_MOMENTS),
    workflow=st.sampled_from(_WORKFLOWS),
    subject=st.sampled_from(_UNITS),
    data=case_data(_MEMBERS, leader_roles=("group_leader",), ratings=("good", "weak")),
    timers=st.none()
    | st.lists(
        st.builds(
            _TimerPlan, st.sampled_from(("t1", "t2", "t3")), st.sampled_from(_MOMENTS), st.just("notify")
        ),
        max_size=2,
        unique_by=lambda t: t.name,
    ).map(tuple),
    done=st.lists(st.integers(0, 9), max_size=2).map(tuple),
    topics=st.lists(st.sampled_from(_TOPICS), unique=True, max_size=2).map(tuple),
    key=st.none() | st.sampled_from(_KEYS),
    changes=st.integers(0, 2),
    units=st.lists(
        st.builds(_ChangePlan, st.sampled_from(_UNITS), _SHAPES, _SHAPES, st.booleans()),
        min_size=1,
        max_size=2,
        unique_by=lambda c: c.unit_id,
    ).map(tuple),
    members=_PEOPLE,
)
_Write = _Import | VersionRecord | _CommitPlan
#: One write of a batch: a commit more often than not.
_WRITES: st.SearchStrategy[_Write] = st.one_of(_COMMITS, _COMMITS, _IMPORTS, _VERSIONS)


@attrs.frozen
class _Op:
    """One write, applied alike to both stores."""

    label: str
    apply: Callable[[Store], object]


def _attempt(op: _Op, store: Store) -> Exception | None:
    """Apply ``op``; the error it raised, if any."""
    try:
        op.apply(store)
    except Exception as exc:  # noqa: BLE001 - any error is an outcome to compare with the reference's
        return exc
    return None


def _same_outcome(op: _Op, expected: Exception | None, got: Exception | None) -> None:
    _expect(
        type(expected) is type(got),
        f"{op.label}: the reference store gave {expected!r}, the store under test {got!r}",
    )


def _reads(store: Store) -> dict[str, object]:
    """Every read of the protocol, over every id the comparison uses."""
    return {**_org_reads(store), **_case_reads(store)}


def _org_reads(store: Store) -> dict[str, object]:
    out: dict[str, object] = {
        "units()": list(store.units()),
        "units(level=group)": list(store.units(level="group")),
        "units(kind=residential)": list(store.units(kind="residential")),
        "units(status=active)": list(store.units(status="active")),
        "units(status=dissolved)": list(store.units(status="dissolved")),
        "units(group, professional, active)": list(
            store.units(level="group", kind="professional", status="active")
        ),
        "memberships(m1, active)": _memberships(store, "m1", "active"),
    }
    for unit_id in _UNITS:
        out[f"unit({unit_id})"] = _read(store.unit, unit_id)
    for member_id in _MEMBERS:
        out[f"member({member_id})"] = _read(store.member, member_id)
        out[f"memberships({member_id})"] = _memberships(store, member_id)
    for actor_id in _ACTORS:
        out[f"actor({actor_id})"] = _read(store.actor, actor_id)
    return out


def _case_reads(store: Store) -> dict[str, object]:
    out: dict[str, object] = {
        "cases()": list(store.cases()),
        "cases(workflow=wf-b)": list(store.cases(workflow="wf-b")),
        "cases(subject=u2)": list(store.cases(subject="u2")),
        "cases(state=review)": list(store.cases(state="review")),
        "cases(closed=True)": list(store.cases(closed=True)),
        "cases(closed=False)": list(store.cases(closed=False)),
        "cases(wf-a, u1, open)": list(store.cases(workflow="wf-a", subject="u1", closed=False)),
        "events(k1, after=1)": _read(lambda c: store.events(c, after=1), "k1"),
        "outbox()": store.outbox(),
    }
    for case_id in _CASES:
        out[f"case({case_id})"] = _read(store.case, case_id)
        out[f"events({case_id})"] = _read(store.events, case_id)
        out[f"timers({case_id})"] = store.timers(case_id)
    for now in _NOWS:
        out[f"due_timers({now.isoformat()})"] = store.due_timers(now)
    for key in _KEYS:
        out[f"idempotency({key})"] = store.idempotency(key)
    for version_hash in _HASHES:
        out[f"version({version_hash})"] = _read(store.version, version_hash)
    return out


class StoreComparison(RuleBasedStateMachine):
    """Applies the same random writes to a :class:`~hoinghe.storage.MemoryStore` and to :meth:`make_store`'s
    store, and checks that they agree on every read and on which writes fail, and how.

    Override :meth:`make_store` (and :meth:`close_store` if closing is not enough), then run ``TestCase``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.reference = MemoryStore()
        self.store = self.make_store()

    def make_store(self) -> Store:
        """A new, empty store for one run; a :class:`~hoinghe.storage.MemoryStore` (the reference itself) here."""
        return MemoryStore()

    def close_store(self, store: Store) -> None:
        """Release a store made by :meth:`make_store`; calls its ``close()`` when it has one."""
        close = getattr(store, "close", None)
        if callable(close):
            close()

    def teardown(self) -> None:
        self.close_store(self.store)

    # ----------------------------------------------------------------------------------- writes

    def _version_of(self, case_id: str) -> int:
        try:
            return self.reference.case(case_id).version
        except NotFound:
            return 0

    def _unit_or_none(self, unit_id: str) -> Unit | None:
        try:
            return self.reference.unit(unit_id)
        except NotFound:
            return None

    def _changes(self, plan: _CommitPlan) -> tuple[UnitChange, ...]:
        if plan.fault == "sequence":
            return ()
        changes = []
        for i, change in enumerate(plan.units[: max(plan.changes, int(plan.fault == "unit"))]):
            before = self._unit_or_none(change.unit_id)
            if plan.fault == "unit" and i == 0:
                if before is None:
                    before = change.wrong.unit(change.unit_id)
                else:
                    before = None if change.forget else attrs.evolve(before, name=f"{before.name} (cũ)")
            changes.append(UnitChange(before, change.after.unit(change.unit_id)))
        return tuple(changes)

    def commit_of(self, plan: _CommitPlan) -> Commit:
        """The commit ``plan`` makes against the reference's state now: with its fault, if it has one."""
        actual = self._version_of(plan.case)
        expected = actual
        if plan.fault == "stale" and actual > 0:
            expected = plan.offset % actual
        elif plan.fault in {"stale", "ahead"}:
            expected = actual + 1 + plan.offset % 2
        count = max(plan.count, 1) if expected == 0 or plan.fault == "sequence" else plan.count
        first, version = expected + 1, expected + count
        if plan.fault == "sequence" and plan.gap:
            first += -1 if plan.back and expected > 0 else 1
            version = first + count - 1
        elif plan.fault == "sequence":
            version += 1  # the events are right, the case's version is not
        closed = plan.state == "done"
        case = Case(
            plan.case,
            plan.workflow,
            "h",
            plan.subject,
            plan.state,
            version,
            T0,
            plan.at,
            "a1",
            closed,
            plan.data,
        )
        events = tuple(
            attrs.evolve(_event(plan.case, seq, state=plan.state, final=closed, at=plan.at), data=case.data)
            for seq in range(first, first + count)
        )
        last = events[-1].seq if events else version
        timers = (
            None
            if plan.timers is None
            else tuple(
                Timer(f"{plan.case}-{t.name}", plan.case, "go", t.due, t.then, None, version)
                for t in plan.timers
            )
        )
        pending = [*(t.id for t in self.reference.due_timers(_FAR)), "no-such-timer"]
        key = plan.key if plan.fault != "sequence" else None
        return Commit(
            case,
            events,
            expected,
            units=self._changes(plan),
            members=plan.members,
            timers=timers,
            outbox=tuple(_message(plan.case, last, topic) for topic in plan.topics) if events else (),
            idempotency=None if key is None else IdempotencyRecord(key, "fp", plan.case, last),
            done_timers=tuple(dict.fromkeys(pending[i % len(pending)] for i in plan.done)),
        )

    def _op(self, write: _Write) -> _Op:
        if isinstance(write, _Import):
            label = f"put_org({[u.id for u in write.units]}, {[m.id for m in write.members]}, {[a.id for a in write.actors]})"
            return _Op(
                label,
                lambda store: store.put_org(units=write.units, members=write.members, actors=write.actors),
            )
        if isinstance(write, VersionRecord):
            return _Op(f"put_version({write.hash})", lambda store: store.put_version(write))
        commit = self.commit_of(write)
        seqs = [e.seq for e in commit.events]
        label = f"commit({commit.case.id} at {commit.expected_version}, events {seqs}, fault {write.fault})"
        return _Op(label, lambda store: store.commit(commit))

    def _apply(self, write: _Write) -> None:
        op = self._op(write)
        expected = _attempt(op, self.reference)
        _same_outcome(op, expected, _attempt(op, self.store))

    # ----------------------------------------------------------------------------------- rules

    @rule(write=_IMPORTS)
    def put_org(self, write: _Import) -> None:
        self._apply(write)

    @rule(write=_VERSIONS)
    def put_version(self, write: VersionRecord) -> None:
        self._apply(write)

    @rule(write=_COMMITS)
    def commit(self, write: _CommitPlan) -> None:
        self._apply(write)

    @rule(writes=st.lists(_WRITES, min_size=1, max_size=3), fail=st.booleans(), nested=st.booleans())
    def batch(self, writes: list[_Write], *, fail: bool, nested: bool) -> None:
        """Writes in a batch (inside a nested one too, perhaps) that ends well or raises; reads in it agree too."""
        ops: list[_Op] = []
        outcomes: list[Exception | None] = []
        views: list[dict[str, object]] = []

        def on_reference() -> None:
            for write in writes:
                ops.append(self._op(write))
                outcomes.append(_attempt(ops[-1], self.reference))
                views.append(_reads(self.reference))

        def on_store() -> None:
            for op, expected, view in zip(ops, outcomes, views, strict=True):
                _same_outcome(op, expected, _attempt(op, self.store))
                _same(_reads(self.store), view, f"in a batch, after {op.label}")

        _in_batch(self.reference, on_reference, fail=fail, nested=nested)
        _in_batch(self.store, on_store, fail=fail, nested=nested)

    @invariant()
    def stores_agree(self) -> None:
        _same(_reads(self.store), _reads(self.reference), "the store under test and the reference")


def _in_batch(store: Store, block: Callable[[], None], *, fail: bool, nested: bool) -> None:
    """Run ``block`` in a batch of ``store`` (inside a nested one too, if asked), raising at the end if ``fail``."""
    with contextlib.suppress(_Abort), store.batch():
        if nested:
            with store.batch():
                block()
        else:
            block()
        if fail:
            raise _Abort

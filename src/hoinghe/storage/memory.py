"""The reference store: everything in dicts, guarded by one lock.  Short enough to be obviously right.

It is the oracle the other backends are compared with, and the default store of tests and simulations.
Nothing survives the process.
"""

from __future__ import annotations

import bisect
import contextlib
import threading
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta

import attrs

from hoinghe.errors import ConflictError, NotFound
from hoinghe.i18n import Text
from hoinghe.org.hierarchy import Hierarchy
from hoinghe.org.model import Actor, Member, Unit, UnitStatus
from hoinghe.org.registry import Org
from hoinghe.records import (
    Activity,
    ActivityKind,
    Case,
    Commit,
    Event,
    IdempotencyRecord,
    OutboxMessage,
    OutboxState,
    OutboxStatus,
    Timer,
    VersionRecord,
    check_shape,
)
from hoinghe.storage._wording import ACTOR, CASE, MEMBER, UNIT, VERSION, stale_case, unit_changed

__all__ = ["MemoryStore"]

#: The attributes that hold the store's contents, copied at the start of a batch to roll back to.
_STATE = (
    "_units",
    "_unit_order",
    "_members",
    "_actors",
    "_holders",
    "_memberships",
    "_cases",
    "_cases_by_subject",
    "_case_order",
    "_events",
    "_timers",
    "_timers_by_case",
    "_due",
    "_outbox",
    "_leases",
    "_delivered",
    "_keys",
    "_versions",
    "_activities",
)


def _copy(value: object) -> object:
    """A copy deep enough to roll back: containers of containers are copied, records are shared (immutable)."""
    if isinstance(value, dict):
        return {k: _copy(v) if isinstance(v, dict | list) else v for k, v in value.items()}
    if isinstance(value, list):
        return list(value)
    return value


class MemoryStore:
    """A thread-safe store in memory.  See :class:`~hoinghe.storage.Store` for what each method promises.

    Reads of single records take no lock: a dict lookup is atomic, and records are immutable.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._units: dict[str, Unit] = {}
        self._unit_order: dict[str, int] = {}
        self._members: dict[str, Member] = {}
        self._actors: dict[str, Actor] = {}
        self._holders: dict[tuple[str, str], dict[str, None]] = {}  # (role, unit) -> actor ids
        self._memberships: dict[str, dict[str, None]] = {}
        self._cases: dict[str, Case] = {}
        self._cases_by_subject: dict[str, dict[str, None]] = {}  # subject -> ids of its cases
        self._case_order: dict[str, int] = {}  # case id -> when it was first written
        self._events: dict[str, list[Event]] = {}
        self._timers: dict[str, Timer] = {}
        self._timers_by_case: dict[str, list[str]] = {}
        self._due: list[tuple[datetime, str]] = []  # sorted; entries of removed timers are skipped lazily
        # Messages not delivered yet (given-up ones included), in commit order, with the relay's bookkeeping.
        self._outbox: dict[str, OutboxState] = {}
        self._leases: dict[str, tuple[str, datetime]] = {}  # key -> (worker, until)
        self._delivered = 0
        self._keys: dict[str, IdempotencyRecord] = {}
        self._versions: dict[str, VersionRecord] = {}
        self._activities: dict[str, Activity] = {}
        self._in_batch = False

    def __repr__(self) -> str:
        return f"<MemoryStore: {len(self._units)} units, {len(self._cases)} cases>"

    # ----------------------------------------------------------------------------------- organisation

    def unit(self, unit_id: str) -> Unit:
        try:
            return self._units[unit_id]
        except KeyError:
            raise NotFound(UNIT, unit_id) from None

    def member(self, member_id: str) -> Member:
        try:
            return self._members[member_id]
        except KeyError:
            raise NotFound(MEMBER, member_id) from None

    def actor(self, actor_id: str) -> Actor:
        try:
            return self._actors[actor_id]
        except KeyError:
            raise NotFound(ACTOR, actor_id) from None

    def holders(self, role: str, unit_id: str) -> list[Actor]:
        with self._lock:
            return [self._actors[a] for a in sorted(self._holders.get((role, unit_id), ()))]

    def members_by_id(self, member_ids: Iterable[str]) -> dict[str, Member]:
        members = self._members
        return {m: members[m] for m in member_ids if m in members}

    def memberships(self, member_id: str, *, status: UnitStatus | None = None) -> list[Unit]:
        self.member(member_id)
        # In the order the units were first added, as every store lists them.
        ids = sorted(self._memberships.get(member_id, ()), key=self._unit_order.__getitem__)
        units = [self._units[u] for u in ids]
        return [u for u in units if status is None or u.status == status]

    def put_org(
        self, *, units: Iterable[Unit] = (), members: Iterable[Member] = (), actors: Iterable[Actor] = ()
    ) -> None:
        units, members, actors = list(units), list(members), list(actors)
        with self._lock:
            self._members.update((m.id, m) for m in members)
            for actor in actors:
                old = self._actors.get(actor.id)
                for grant in () if old is None else old.grants:
                    self._holders.get((grant.role, grant.unit), {}).pop(actor.id, None)
                self._actors[actor.id] = actor
                for grant in actor.grants:
                    self._holders.setdefault((grant.role, grant.unit), {})[actor.id] = None
            for unit in units:
                self._put_unit(unit)

    def _put_unit(self, unit: Unit) -> None:
        old = self._units.get(unit.id)
        if old is not None:
            for member_id in old.members:
                self._memberships.get(member_id, {}).pop(unit.id, None)
        self._units[unit.id] = unit
        self._unit_order.setdefault(unit.id, len(self._unit_order))
        for member_id in unit.members:
            self._memberships.setdefault(member_id, {})[unit.id] = None

    def units(
        self, *, level: str | None = None, kind: str | None = None, status: UnitStatus | None = None
    ) -> Iterator[Unit]:
        with self._lock:
            units = list(self._units.values())
        for unit in units:
            if (
                (level is None or unit.level == level)
                and (kind is None or unit.kind == kind)
                and (status is None or unit.status == status)
            ):
                yield unit

    def org(self, hierarchy: Hierarchy) -> Org:
        with self._lock:
            return Org(hierarchy, self._units, self._members, self._actors)

    # ----------------------------------------------------------------------------------- cases

    def case(self, case_id: str) -> Case:
        try:
            return self._cases[case_id]
        except KeyError:
            raise NotFound(CASE, case_id) from None

    def cases(
        self,
        *,
        workflow: str | None = None,
        subject: str | None = None,
        state: str | None = None,
        closed: bool | None = None,
    ) -> Iterator[Case]:
        with self._lock:
            if subject is None:
                cases = list(self._cases.values())
            else:  # a unit's cases are few: read them through the index, not by scanning every case
                ids = sorted(self._cases_by_subject.get(subject, ()), key=self._case_order.__getitem__)
                cases = [self._cases[i] for i in ids]
        for case in cases:
            if (
                (workflow is None or case.workflow == workflow)
                and (subject is None or case.subject == subject)
                and (state is None or case.state == state)
                and (closed is None or case.closed == closed)
            ):
                yield case

    def events(self, case_id: str, *, after: int = 0) -> list[Event]:
        with self._lock:
            try:
                return self._events[case_id][after:]
            except KeyError:
                raise NotFound(CASE, case_id) from None

    def commit(self, commit: Commit) -> None:
        case = commit.case
        with self._lock:
            self._check(commit)
            for change in commit.units:
                self._put_unit(change.after)
            self._members.update((m.id, m) for m in commit.members)
            self._index_case(case)
            self._cases[case.id] = case
            self._events.setdefault(case.id, []).extend(commit.events)
            if commit.timers is not None:
                for timer_id in self._timers_by_case.pop(case.id, ()):
                    self._timers.pop(timer_id, None)
                for timer in commit.timers:
                    self._timers[timer.id] = timer
                    self._timers_by_case.setdefault(case.id, []).append(timer.id)
                    bisect.insort(self._due, (timer.due, timer.id))
            for timer_id in commit.done_timers:
                self._timers.pop(timer_id, None)
            self._outbox.update((m.key, OutboxState(m)) for m in commit.outbox)
            if commit.idempotency is not None:
                self._keys[commit.idempotency.key] = commit.idempotency

    def _index_case(self, case: Case) -> None:
        """Keep the index of cases by subject (a commit may move a case to another subject)."""
        old = self._cases.get(case.id)
        if old is None:
            self._case_order[case.id] = len(self._case_order)
        elif old.subject != case.subject:
            self._cases_by_subject[old.subject].pop(case.id, None)
        self._cases_by_subject.setdefault(case.subject, {})[case.id] = None

    def _check(self, commit: Commit) -> None:
        check_shape(commit)  # a malformed commit is the caller's bug: reported before any conflict
        case = commit.case
        stored = self._cases.get(case.id)
        actual = 0 if stored is None else stored.version
        if actual != commit.expected_version:
            raise stale_case(case.id, actual, commit.expected_version)
        for change in commit.units:
            if self._units.get(change.after.id) != change.before:
                raise unit_changed(change.after.id, case.id)
        key = commit.idempotency
        if key is not None and key.key in self._keys:
            msg = Text(
                f"khóa chống trùng lặp {key.key!r} đã được một yêu cầu khác dùng trong lúc đó",
                f"idempotency key {key.key!r} was used meanwhile",
            )
            raise ConflictError(msg)

    def idempotency(self, key: str) -> IdempotencyRecord | None:
        return self._keys.get(key)

    def session(self) -> contextlib.nullcontext[None]:
        """Nothing to share: every read is a dict lookup."""
        return contextlib.nullcontext()

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Hold the store for the block; if the block raises, put everything back as it was."""
        with self._lock:
            if self._in_batch:
                yield
                return
            saved = {name: _copy(getattr(self, name)) for name in _STATE}
            self._in_batch = True
            try:
                yield
            except BaseException:
                for name, value in saved.items():
                    setattr(self, name, value)
                raise
            finally:
                self._in_batch = False

    # ----------------------------------------------------------------------------------- timers, outbox

    def due_timers(self, now: datetime) -> list[Timer]:
        with self._lock:
            end = bisect.bisect_right(self._due, (now, "\U0010ffff"))
            live: dict[str, datetime] = {}
            for due, timer_id in self._due[:end]:
                timer = self._timers.get(timer_id)
                if timer is not None and timer.due == due:
                    live[timer_id] = due
            # Entries of timers since replaced or done are dropped here, so the list does not grow without bound.
            self._due[:end] = sorted((due, timer_id) for timer_id, due in live.items())
            return [self._timers[timer_id] for _, timer_id in self._due[: len(live)]]

    def timers(self, case_id: str) -> list[Timer]:
        with self._lock:
            timers = [self._timers[t] for t in self._timers_by_case.get(case_id, ()) if t in self._timers]
        return sorted(timers, key=lambda t: (t.due, t.id))

    def outbox(self) -> list[OutboxMessage]:
        with self._lock:
            return [state.message for state in self._outbox.values()]

    # ----------------------------------------------------------------------------------- the relay's side

    def _leased(self, key: str, now: datetime) -> str | None:
        lease = self._leases.get(key)
        return lease[0] if lease is not None and lease[1] > now else None

    def claim_outbox(
        self, worker: str, now: datetime, *, lease: timedelta, limit: int = 100
    ) -> list[OutboxState]:
        with self._lock:
            taken: list[OutboxState] = []
            chosen: set[tuple[str, str]] = set()
            blocked: set[tuple[str, str]] = set()
            for key, state in self._outbox.items():
                if len(taken) >= limit:
                    break
                stream = (state.message.case_id, state.message.channel)
                if state.failed is not None or stream in blocked:
                    continue
                if stream not in chosen:  # the oldest pending message of the case on this channel
                    waiting = state.next_attempt is not None and state.next_attempt > now
                    if waiting or self._leased(key, now) is not None:
                        blocked.add(stream)
                        continue
                    chosen.add(stream)
                taken.append(attrs.evolve(state, leased_to=worker))
            until = now + lease
            for state in taken:
                self._leases[state.message.key] = (worker, until)
            return taken

    def outbox_delivered(self, key: str, at: datetime) -> None:  # noqa: ARG002 - kept for the SQL stores
        with self._lock:
            if self._outbox.pop(key, None) is not None:
                self._delivered += 1
            self._leases.pop(key, None)

    def outbox_failed(self, key: str, at: datetime, error: Text | str, *, retry_at: datetime | None) -> None:
        with self._lock:
            state = self._outbox.get(key)
            self._leases.pop(key, None)
            if state is None:
                return
            self._outbox[key] = attrs.evolve(
                state,
                attempts=state.attempts + 1,
                error=error,
                next_attempt=retry_at,
                failed=at if retry_at is None else None,
            )

    def release_outbox(self, worker: str, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                lease = self._leases.get(key)
                if lease is not None and lease[0] == worker:
                    del self._leases[key]

    def outbox_status(self, now: datetime, *, limit: int = 20) -> OutboxStatus:
        with self._lock:
            states = list(self._outbox.values())
            leased = {key for key in self._outbox if self._leased(key, now) is not None}
            delivered = self._delivered
        pending = [s for s in states if s.failed is None]
        retrying = [s for s in pending if s.attempts > 0]
        due = [
            s
            for s in pending
            if s.message.key not in leased and (s.next_attempt is None or s.next_attempt <= now)
        ]
        problems = [
            attrs.evolve(s, leased_to=self._leased(s.message.key, now))
            for s in states
            if s.failed is not None or s.attempts > 0
        ]
        stamps = [s.message.at for s in pending if s.message.at is not None]
        return OutboxStatus(
            pending=len(pending),
            due=len(due),
            leased=len(leased),
            retrying=len(retrying),
            failed=len(states) - len(pending),
            delivered=delivered,
            oldest_pending=min(stamps, default=None),
            problems=tuple(problems[:limit]),
        )

    def retry_outbox(self, keys: Iterable[str] | None = None) -> int:
        with self._lock:
            wanted = None if keys is None else set(keys)
            count = 0
            for key, state in self._outbox.items():
                if state.failed is not None and (wanted is None or key in wanted):
                    self._outbox[key] = attrs.evolve(state, failed=None, next_attempt=None)
                    count += 1
            return count

    # ----------------------------------------------------------------------------------- versions

    def put_version(self, record: VersionRecord) -> None:
        with self._lock:
            self._versions.setdefault(record.hash, record)

    def version(self, version_hash: str) -> VersionRecord:
        try:
            return self._versions[version_hash]
        except KeyError:
            raise NotFound(VERSION, version_hash) from None

    # ----------------------------------------------------------------------------------- outreach, training

    def put_activities(self, activities: Iterable[Activity]) -> None:
        activities = list(activities)
        with self._lock:
            for activity in activities:
                if activity.unit not in self._units:
                    raise NotFound(UNIT, activity.unit)
            self._activities.update((a.id, a) for a in activities)

    def activities(
        self,
        *,
        unit: str | None = None,
        kind: ActivityKind | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> list[Activity]:
        with self._lock:
            found = list(self._activities.values())
        return sorted(
            (
                a
                for a in found
                if (unit is None or a.unit == unit)
                and (kind is None or a.kind == kind)
                and (since is None or a.day >= since)
                and (until is None or a.day <= until)
            ),
            key=lambda a: (a.day, a.id),
        )

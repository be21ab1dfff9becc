"""The storage port: what the engine needs from wherever cases and the organisation are kept.

A store keeps the organisation (units, members, actors), the outreach sessions and trainings held, the cases with their append-only events, timers, outbox
messages, idempotency keys and the definition versions cases run on.  :class:`~hoinghe.storage.memory.MemoryStore`
is the reference implementation; every other backend must behave the same (the conformance suite in
:mod:`hoinghe.testing` checks it).

Reads may run outside a transaction.  :meth:`Store.commit` is the one write of a decision: all of it or nothing,
and only if the case is still at the version the decision read and every unit it changes is still as read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from typing import Protocol, runtime_checkable

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
)

__all__ = ["OrgReader", "Store"]


@runtime_checkable
class OrgReader(Protocol):
    """The organisation lookups a decision makes.  :class:`~hoinghe.org.Org` snapshots provide them too."""

    def unit(self, unit_id: str) -> Unit:
        """The unit with this id; :class:`~hoinghe.errors.NotFound` when there is none."""
        ...

    def member(self, member_id: str) -> Member:
        """The member with this id; :class:`~hoinghe.errors.NotFound` when there is none."""
        ...

    def actor(self, actor_id: str) -> Actor:
        """The actor with this id; :class:`~hoinghe.errors.NotFound` when there is none."""
        ...

    def memberships(self, member_id: str, *, status: UnitStatus | None = None) -> list[Unit]:
        """The units whose member list holds the member (in the order the units were first added), optionally
        only those with ``status``."""
        ...


class Store(OrgReader, Protocol):
    """Where cases, their events and the organisation are kept.  See the module docstring for the contract."""

    # ----------------------------------------------------------------------------------- organisation

    def put_org(
        self, *, units: Iterable[Unit] = (), members: Iterable[Member] = (), actors: Iterable[Actor] = ()
    ) -> None:
        """Add or replace units, members and actors outside any workflow (an import, a correction), at once."""
        ...

    def holders(self, role: str, unit_id: str) -> list[Actor]:
        """The actors holding ``role`` at the unit, by id (the recipients of a notification)."""
        ...

    def units(
        self, *, level: str | None = None, kind: str | None = None, status: UnitStatus | None = None
    ) -> Iterator[Unit]:
        """Every unit, optionally of one level, kind and status, in the order they were added."""
        ...

    def members_by_id(self, member_ids: Iterable[str]) -> dict[str, Member]:
        """The members with these ids that exist, by id, read at once (a member list of forty is one query)."""
        ...

    def org(self, hierarchy: Hierarchy) -> Org:
        """A snapshot of the whole organisation, for reports and checks."""
        ...

    # ----------------------------------------------------------------------------------- cases

    def case(self, case_id: str) -> Case:
        """The case with this id; :class:`~hoinghe.errors.NotFound` when there is none."""
        ...

    def cases(
        self,
        *,
        workflow: str | None = None,
        subject: str | None = None,
        state: str | None = None,
        closed: bool | None = None,
    ) -> Iterator[Case]:
        """Cases matching every filter given, in the order they were opened."""
        ...

    def events(self, case_id: str, *, after: int = 0) -> list[Event]:
        """The case's events with ``seq`` greater than ``after``, in order; NotFound for an unknown case."""
        ...

    def commit(self, commit: Commit) -> None:
        """Write a decision whole, or nothing.

        Raises:
            ConflictError: the case is not at ``commit.expected_version`` (or already exists, for a new case), a
                unit changed since it was read, or the idempotency key was taken meanwhile.
            StorageError: the backend failed; nothing was written.
        """
        ...

    def idempotency(self, key: str) -> IdempotencyRecord | None:
        """What the fire with this idempotency key did, if one did."""
        ...

    def session(self) -> AbstractContextManager[None]:
        """A block in which one decision reads: a store may share one connection and snapshot across its reads.

        A write inside the block is seen by the reads after it.  Nested blocks join.
        """
        ...

    def batch(self) -> AbstractContextManager[None]:
        """A block whose commits land together, or none of them (bulk imports, simulation).

        Reads in the block, from the thread that opened it, see the block's own writes; nested blocks join.
        """
        ...

    # ----------------------------------------------------------------------------------- timers, outbox

    def due_timers(self, now: datetime) -> list[Timer]:
        """Timers due at or before ``now``, earliest first (ties by id)."""
        ...

    def timers(self, case_id: str) -> list[Timer]:
        """The case's pending timers, earliest first."""
        ...

    def outbox(self) -> list[OutboxMessage]:
        """Messages written and not yet delivered (including those the relay gave up on), in commit order."""
        ...

    # ----------------------------------------------------------------------------------- the relay's side

    def claim_outbox(
        self, worker: str, now: datetime, *, lease: timedelta, limit: int = 100
    ) -> list[OutboxState]:
        """Lease messages to ``worker`` until ``now + lease``, at most ``limit``, in commit order, each with the
        failed attempts it had so far.

        A case's messages on one channel (a stream) go out in sequence: a stream is taken from its oldest
        pending message on, and only when that message is neither leased to another worker nor waiting for a
        retry.  Several workers may claim at once (on PostgreSQL with ``FOR UPDATE SKIP LOCKED``); no message
        is leased to two of them, and no two of them hold messages of the same stream.  Channels go to
        different receivers, so a failing email never holds back the case's webhooks.  A lease that runs out (a worker died) makes the
        messages claimable again: delivery is at least once.
        """
        ...

    def outbox_delivered(self, key: str, at: datetime) -> None:
        """Record that the message was delivered (again, harmlessly, if it already was)."""
        ...

    def outbox_failed(self, key: str, at: datetime, error: Text | str, *, retry_at: datetime | None) -> None:
        """Record a failed attempt and release its lease: try again from ``retry_at``, or give up when ``None``.

        ``error`` is what the attempt said, kept in both languages (a plain string reads the same in both) and
        read back as :attr:`OutboxState.error <hoinghe.records.OutboxState.error>`.
        """
        ...

    def release_outbox(self, worker: str, keys: Iterable[str]) -> None:
        """Give back leases ``worker`` holds without an attempt (messages queued behind a failure)."""
        ...

    def outbox_status(self, now: datetime, *, limit: int = 20) -> OutboxStatus:
        """Counts of pending, due, leased, retrying, failed and delivered messages, and the problems."""
        ...

    def retry_outbox(self, keys: Iterable[str] | None = None) -> int:
        """Queue messages the relay gave up on again (those with ``keys``, or all); returns how many."""
        ...

    # ----------------------------------------------------------------------------------- versions

    def put_version(self, record: VersionRecord) -> None:
        """Keep a definition version (a no-op when a version with that hash is already kept)."""
        ...

    def version(self, version_hash: str) -> VersionRecord:
        """The definition version with this hash; :class:`~hoinghe.errors.NotFound` when not kept."""
        ...

    # ----------------------------------------------------------------------------------- outreach, training

    def put_activities(self, activities: Iterable[Activity]) -> None:
        """Add outreach sessions and trainings, or replace them by id; all of them, or none.

        A repeated id among ``activities`` keeps the last.  Who attended is not checked against the members and
        actors kept (a list may name people entered later); the organising unit is.

        Raises:
            NotFound: an activity's unit is not kept (nothing is written).
        """
        ...

    def activities(
        self,
        *,
        unit: str | None = None,
        kind: ActivityKind | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> list[Activity]:
        """The activities matching every filter given (``since`` and ``until`` inclusive), by day, then id."""
        ...

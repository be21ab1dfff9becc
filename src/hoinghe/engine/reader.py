"""The organisation as one decision reads it: each record fetched once, then remembered for that decision.

A decision reads the same units many times (the subject, its commune union for each role, its province ...).
Against a SQL store each read is a query; remembering them for the decision makes one query of each, and gives the
decision one consistent view of each record.  The memory goes with the decision.
"""

from __future__ import annotations

from collections.abc import Iterable

from hoinghe.org.model import Actor, Member, Unit, UnitStatus
from hoinghe.storage.base import OrgReader

__all__ = ["DecisionReader"]


class DecisionReader:
    """An :class:`~hoinghe.storage.OrgReader` over a store that remembers what it read."""

    __slots__ = ("_actors", "_members", "_memberships", "_store", "_units")

    def __init__(self, store: OrgReader) -> None:
        self._store = store
        self._units: dict[str, Unit] = {}
        self._members: dict[str, Member] = {}
        self._actors: dict[str, Actor] = {}
        self._memberships: dict[str, list[Unit]] = {}

    @property
    def store(self) -> OrgReader:
        """The store read through (a loan's facts read the other applications from it)."""
        return self._store

    def unit(self, unit_id: str) -> Unit:
        found = self._units.get(unit_id)
        if found is None:
            found = self._units[unit_id] = self._store.unit(unit_id)
        return found

    def member(self, member_id: str) -> Member:
        found = self._members.get(member_id)
        if found is None:
            found = self._members[member_id] = self._store.member(member_id)
        return found

    def prefetch_members(self, member_ids: Iterable[str]) -> None:
        """Read the members not yet read in one call, when the store can (a SQL store: one query)."""
        wanted = [m for m in member_ids if m not in self._members]
        many = getattr(self._store, "members_by_id", None)
        if len(wanted) > 1 and many is not None:
            self._members.update(many(wanted))

    def actor(self, actor_id: str) -> Actor:
        found = self._actors.get(actor_id)
        if found is None:
            found = self._actors[actor_id] = self._store.actor(actor_id)
        return found

    def memberships(self, member_id: str, *, status: UnitStatus | None = None) -> list[Unit]:
        found = self._memberships.get(member_id)
        if found is None:
            found = self._memberships[member_id] = self._store.memberships(member_id)
        return found if status is None else [u for u in found if u.status == status]

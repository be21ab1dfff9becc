"""The organisation read once, with the lookups coverage and ranking make: who lies in the scope, which commune
and district a unit lies in.  Every lookup after the read is a dict lookup.
"""

from __future__ import annotations

from collections.abc import Iterator

from hoinghe.errors import NotFound
from hoinghe.i18n import Text
from hoinghe.org.hierarchy import Hierarchy
from hoinghe.org.model import Actor, Member, Unit
from hoinghe.storage.base import Store

__all__ = ["COMMUNE", "DISTRICT", "Area"]

COMMUNE, DISTRICT = "commune", "district"
# A parent chain longer than this is a cycle in the records, not a hierarchy.
_MAX_DEPTH = 64


class Area:
    """The units, members and actors of a store, and the part of them under ``scope``."""

    def __init__(self, store: Store, hierarchy: Hierarchy, scope: str | None) -> None:
        org = store.org(hierarchy)
        self.hierarchy = hierarchy
        self.units: dict[str, Unit] = dict(org.units)
        self.members: dict[str, Member] = dict(org.members)
        self.actors: dict[str, Actor] = dict(org.actors)
        if scope is not None and scope not in self.units:
            raise NotFound(Text("đơn vị", "unit"), scope)
        self.scope = scope
        self._children: dict[str, list[str]] = {}
        for unit in self.units.values():
            if unit.parent is not None:
                self._children.setdefault(unit.parent, []).append(unit.id)
        self.in_scope: set[str] | None = None if scope is None else self.subtree(scope)

    def subtree(self, root: str) -> set[str]:
        """The ids of ``root`` and every unit below it."""
        found, todo = {root}, [root]
        while todo:
            for child in self._children.get(todo.pop(), ()):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return found

    def covers(self, unit_id: str) -> bool:
        """Whether the unit is in the scope (any unit, without a scope)."""
        return self.in_scope is None or unit_id in self.in_scope

    def ancestor_at(self, unit_id: str, level: str) -> Unit | None:
        """The unit at ``level`` that ``unit_id`` lies in (itself, at that level); ``None`` when none is above."""
        current = self.units.get(unit_id)
        for _ in range(_MAX_DEPTH):
            if current is None or current.level == level:
                return current
            current = self.units.get(current.parent) if current.parent is not None else None
        return None

    def places(self, unit_id: str) -> tuple[str, ...]:
        """The ids of the commune and district ``unit_id`` lies in (or is), those that exist."""
        out = []
        for level in (COMMUNE, DISTRICT):
            if level in self.hierarchy:
                found = self.ancestor_at(unit_id, level)
                if found is not None:
                    out.append(found.id)
        return tuple(out)

    def at_level(self, level: str) -> Iterator[Unit]:
        """The units of ``level`` in the scope, in the store's order."""
        for unit in self.units.values():
            if unit.level == level and self.covers(unit.id):
                yield unit

    def district_name(self, unit: Unit) -> str | None:
        """The name of the district a commune lies in; ``None`` for a district or without districts."""
        if unit.level == DISTRICT or DISTRICT not in self.hierarchy:
            return None
        district = self.ancestor_at(unit.id, DISTRICT)
        return None if district is None else district.name

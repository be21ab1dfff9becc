"""Who outreach and training reached, against the plan's "100% of cadres and members informed".

Three populations, each taken as of the last day counted:

- **members**: union members (``union_member_since`` on or before that day) living in a commune of the scope;
  reached when they attended an outreach session held in the period (any organiser: a member informed at a
  district's conference is informed).
- **cadres** (*cán bộ Hội*): actors holding a role at an active union unit of the scope, a union being a unit of
  an administrative level below the top of the hierarchy (province, district, commune; not the central committee,
  and not branches or groups, whose leaders are counted next).  An actor that stands for a committee counts as
  one cadre: the committee informed.  ``cadre_roles`` narrows the roles that make a cadre.  Reached when they
  attended an outreach session.
- **leaders**: the members named in ``leaders`` (heads, deputies, group leaders) of the active professional
  branches and groups of the scope founded by that day; reached when they attended a training.

An actor who is a member (``Actor.member``) attends as that member and the member as that actor: a leader with an
account who signed in to a training as an actor was trained.  Each population is counted per commune (where the
member lives, where the union or unit is) and per district; a cadre of several communes counts in each, once in
the totals.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date

from hoinghe.i18n import Text
from hoinghe.org.hierarchy import Hierarchy
from hoinghe.outreach._area import COMMUNE, DISTRICT, Area
from hoinghe.outreach.model import Coverage, CoverageRow, OutreachError, Share
from hoinghe.records import Activity
from hoinghe.storage.base import Store

__all__ = ["coverage"]

_POPULATIONS = ("members", "cadres", "leaders")
_ALL = "*"  # the tally of the whole scope


class _Attendance:
    """Who attended which kind of session, people seen both as members and as actors."""

    def __init__(self, sessions: Iterable[Activity], area: Area) -> None:
        self.informed_members: set[str] = set()
        self.informed_actors: set[str] = set()
        self.trained_members: set[str] = set()
        trained_actors: set[str] = set()
        for session in sessions:
            members, actors = (
                (self.informed_members, self.informed_actors)
                if session.kind == "outreach"
                else (self.trained_members, trained_actors)
            )
            members.update(session.members)
            actors.update(session.actors)
        for actor in area.actors.values():
            if actor.member is None:
                continue
            if actor.id in self.informed_actors:
                self.informed_members.add(actor.member)
            elif actor.member in self.informed_members:
                self.informed_actors.add(actor.id)
            if actor.id in trained_actors:
                self.trained_members.add(actor.member)


class _Tally:
    """Distinct people, per place (a commune or district id, or the whole scope) and population."""

    def __init__(self) -> None:
        self.people: dict[tuple[str, str], set[str]] = {}
        self.reached: dict[tuple[str, str], set[str]] = {}
        self.sessions: dict[tuple[str, str], int] = {}

    def add(self, population: str, person: str, places: Iterable[str], *, reached: bool) -> None:
        for place in (_ALL, *places):
            self.people.setdefault((place, population), set()).add(person)
            if reached:
                self.reached.setdefault((place, population), set()).add(person)

    def share(self, place: str, population: str) -> Share:
        key = (place, population)
        return Share(len(self.reached.get(key, ())), len(self.people.get(key, ())))

    def count(self, kind: str, places: Iterable[str]) -> None:
        for place in (_ALL, *places):
            self.sessions[place, kind] = self.sessions.get((place, kind), 0) + 1

    def has(self, place: str) -> bool:
        return any((place, p) in self.people for p in _POPULATIONS) or any(
            (place, k) in self.sessions for k in ("outreach", "training")
        )


def coverage(
    store: Store,
    hierarchy: Hierarchy,
    *,
    since: date,
    until: date,
    scope: str | None = None,
    cadre_roles: Collection[str] | None = None,
) -> Coverage:
    """Count the members and cadres outreach reached, and the leaders training reached, from ``since`` to
    ``until`` (both inclusive).  See the module docstring for who is counted.

    Args:
        store: where the organisation and the activities are; read once.
        hierarchy: the levels the units follow (``vn-2019`` has districts, ``vn-2025`` has none).
        since: the first day counted (a plan's start, for its cumulative coverage).
        until: the last day counted; membership and units as of this day.
        scope: the id of a province, district or commune to count its area only; ``None`` for the whole store.
        cadre_roles: only roles among these make an actor a cadre; every role by default.

    Raises:
        OutreachError: ``until`` is before ``since``.
        NotFound: ``scope`` is not a unit of the store.
    """
    if until < since:
        msg = Text(
            f"thời gian tính tỷ lệ tuyên truyền, tập huấn kết thúc ({until.isoformat()}) trước ngày bắt đầu "
            f"({since.isoformat()})",
            f"the coverage period ends ({until.isoformat()}) before it starts ({since.isoformat()})",
        )
        raise OutreachError(msg)
    area = Area(store, hierarchy, scope)
    sessions = store.activities(since=since, until=until)
    seen = _Attendance(sessions, area)
    tally = _Tally()
    _count_members(area, tally, seen, until)
    _count_cadres(area, tally, seen, cadre_roles)
    _count_leaders(area, tally, seen, until)
    for session in sessions:
        if area.covers(session.unit):
            tally.count(session.kind, area.places(session.unit))
    return Coverage(
        since=since,
        until=until,
        scope=scope,
        members=tally.share(_ALL, "members"),
        cadres=tally.share(_ALL, "cadres"),
        leaders=tally.share(_ALL, "leaders"),
        outreach=tally.sessions.get((_ALL, "outreach"), 0),
        training=tally.sessions.get((_ALL, "training"), 0),
        communes=_rows(area, tally, COMMUNE),
        districts=_rows(area, tally, DISTRICT) if DISTRICT in hierarchy else (),
    )


def _count_members(area: Area, tally: _Tally, seen: _Attendance, until: date) -> None:
    for member in area.members.values():
        joined = member.union_member_since
        if joined is None or joined > until or not area.covers(member.commune):
            continue
        reached = member.id in seen.informed_members
        tally.add("members", member.id, area.places(member.commune), reached=reached)


def _count_cadres(area: Area, tally: _Tally, seen: _Attendance, roles: Collection[str] | None) -> None:
    unions = {level.id for level in area.hierarchy.levels[1:] if not level.kinds}
    for actor in area.actors.values():
        places: list[str] = []
        for grant in actor.grants:
            unit = area.units.get(grant.unit)
            if (
                unit is None
                or unit.level not in unions
                or unit.status != "active"
                or not area.covers(unit.id)
                or (roles is not None and grant.role not in roles)
            ):
                continue
            places.append(unit.id)
            places.extend(area.places(unit.id))
        if places:
            reached = actor.id in seen.informed_actors
            tally.add("cadres", actor.id, dict.fromkeys(places), reached=reached)


def _count_leaders(area: Area, tally: _Tally, seen: _Attendance, until: date) -> None:
    levels = {level.id for level in area.hierarchy if level.kinds}
    for unit in area.units.values():
        if (
            unit.level not in levels
            or unit.kind != "professional"
            or unit.status != "active"
            or (unit.founded_on is not None and unit.founded_on > until)
            or not area.covers(unit.id)
        ):
            continue
        places = area.places(unit.id)
        for holders in unit.leaders.values():
            for member_id in holders:
                tally.add("leaders", member_id, places, reached=member_id in seen.trained_members)


def _rows(area: Area, tally: _Tally, level: str) -> tuple[CoverageRow, ...]:
    return tuple(
        CoverageRow(
            unit=unit.id,
            name=unit.name,
            level=level,
            district=area.district_name(unit),
            members=tally.share(unit.id, "members"),
            cadres=tally.share(unit.id, "cadres"),
            leaders=tally.share(unit.id, "leaders"),
            outreach=tally.sessions.get((unit.id, "outreach"), 0),
            training=tally.sessions.get((unit.id, "training"), 0),
        )
        for unit in area.at_level(level)
        if unit.status == "active" or tally.has(unit.id)
    )

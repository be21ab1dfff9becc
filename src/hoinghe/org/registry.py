"""An immutable snapshot of the organisation, with the queries rules and authority need.

:class:`Org` holds the hierarchy and every unit, member and actor of one moment.  It never changes: an effect
makes a new snapshot with :meth:`Org.with_units` and friends, which copy the mappings and share the records.
Indexes (children by parent, units by member, actors by grant) are built the first time a query needs them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import TypeVar

import attrs

from hoinghe.errors import NotFound
from hoinghe.org.hierarchy import Hierarchy
from hoinghe.org.model import Actor, Member, Unit, UnitStatus
from hoinghe.org.text import Text

__all__ = ["COMMUNE_LEVEL", "RELATIVE_UNITS", "Org"]

#: The level whose union decides the founding of units whose members all live in it (HIER-02).
COMMUNE_LEVEL = "commune"

#: Where a workflow role is held, relative to the case's subject, besides the name of a level (``commune``,
#: ``province``): the subject unit itself, its parent unit, or the lowest unit above every commune its members
#: live in.  Workflows name them in ``by: {role: ..., at: ...}``; :meth:`Org.resolve` finds the unit.
RELATIVE_UNITS = ("subject", "parent", "lowest_common_parent")


def _units(value: Mapping[str, Unit]) -> Mapping[str, Unit]:
    return MappingProxyType(dict(value))


def _members(value: Mapping[str, Member]) -> Mapping[str, Member]:
    return MappingProxyType(dict(value))


def _actors(value: Mapping[str, Actor]) -> Mapping[str, Actor]:
    return MappingProxyType(dict(value))


_Record = TypeVar("_Record", Unit, Member, Actor)


def _matches(unit: Unit, level: str | None, status: UnitStatus | None) -> bool:
    return (level is None or unit.level == level) and (status is None or unit.status == status)


_UNIT = Text("đơn vị", "unit")
_MEMBER = Text("hội viên", "member")
_ACTOR = Text("người thực hiện", "actor")


def _lookup(kind: Text, table: Mapping[str, _Record], key: str) -> _Record:
    try:
        return table[key]
    except KeyError:
        raise NotFound(kind, key, known=table) from None


def _by_id(what: Text, records: Iterable[_Record]) -> dict[str, _Record]:
    out: dict[str, _Record] = {}
    for record in records:
        if record.id in out:
            msg = Text(
                f"có hai {what.vi} cùng mã {record.id!r}", f"{what.get('en')} {record.id!r} is given twice"
            )
            raise ValueError(msg)
        out[record.id] = record
    return out


@attrs.frozen
class Org:
    """The hierarchy and every unit, member and actor at one moment.

    The mappings are copied when the snapshot is made, so changing the dicts passed in changes nothing here.

    Attributes:
        hierarchy: the levels units sit at.
        units: unit id to unit.
        members: member id to member.
        actors: actor id to actor.
    """

    hierarchy: Hierarchy
    units: Mapping[str, Unit] = attrs.field(factory=dict, converter=_units, hash=False)
    members: Mapping[str, Member] = attrs.field(factory=dict, converter=_members, hash=False)
    actors: Mapping[str, Actor] = attrs.field(factory=dict, converter=_actors, hash=False)

    @classmethod
    def build(
        cls,
        hierarchy: Hierarchy,
        units: Iterable[Unit] = (),
        members: Iterable[Member] = (),
        actors: Iterable[Actor] = (),
    ) -> Org:
        """A snapshot from lists of records, each keyed by its id.

        Raises:
            ValueError: two records of one kind share an id.
        """
        return cls(hierarchy, _by_id(_UNIT, units), _by_id(_MEMBER, members), _by_id(_ACTOR, actors))

    def __reduce__(
        self,
    ) -> tuple[type[Org], tuple[Hierarchy, dict[str, Unit], dict[str, Member], dict[str, Actor]]]:
        # Mapping proxies cannot be pickled; plain copies can, so snapshots travel to worker processes.
        return (Org, (self.hierarchy, dict(self.units), dict(self.members), dict(self.actors)))

    # ------------------------------------------------------------------------------------------- lookups

    def unit(self, unit_id: str) -> Unit:
        """The unit with this id.

        Raises:
            NotFound: there is no such unit in this snapshot.
        """
        return _lookup(_UNIT, self.units, unit_id)

    def member(self, member_id: str) -> Member:
        """The member with this id.

        Raises:
            NotFound: there is no such member in this snapshot.
        """
        return _lookup(_MEMBER, self.members, member_id)

    def actor(self, actor_id: str) -> Actor:
        """The actor with this id.

        Raises:
            NotFound: there is no such actor in this snapshot.
        """
        return _lookup(_ACTOR, self.actors, actor_id)

    # ------------------------------------------------------------------------------------------- indexes

    @functools.cached_property
    def _children(self) -> Mapping[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for unit in self.units.values():
            if unit.parent is not None:
                out.setdefault(unit.parent, []).append(unit.id)
        return {parent: tuple(ids) for parent, ids in out.items()}

    @functools.cached_property
    def _memberships(self) -> Mapping[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for unit in self.units.values():
            for member_id in dict.fromkeys(unit.members):
                out.setdefault(member_id, []).append(unit.id)
        return {member_id: tuple(ids) for member_id, ids in out.items()}

    @functools.cached_property
    def _holders(self) -> Mapping[tuple[str, str], tuple[str, ...]]:
        out: dict[tuple[str, str], list[str]] = {}
        for actor in self.actors.values():
            for grant in dict.fromkeys(actor.grants):
                out.setdefault((grant.role, grant.unit), []).append(actor.id)
        return {key: tuple(ids) for key, ids in out.items()}

    # ------------------------------------------------------------------------------------------- the tree

    def _check_level(self, level: str | None) -> None:
        if level is not None:
            self.hierarchy.level(level)

    def children(
        self, unit_id: str, *, level: str | None = None, status: UnitStatus | None = None
    ) -> list[Unit]:
        """The units directly under ``unit_id``, in the order of :attr:`units`, optionally of one level or status.

        Raises:
            NotFound: no such unit, or ``level`` is not a level of the hierarchy.
        """
        self.unit(unit_id)
        self._check_level(level)
        return [
            child
            for child in map(self.units.__getitem__, self._children.get(unit_id, ()))
            if _matches(child, level, status)
        ]

    def descendants(
        self, unit_id: str, *, level: str | None = None, status: UnitStatus | None = None
    ) -> list[Unit]:
        """Every unit below ``unit_id`` (depth first, parents before their children), optionally filtered.

        Raises:
            NotFound: no such unit, or ``level`` is not a level of the hierarchy.
        """
        self.unit(unit_id)
        self._check_level(level)
        out: list[Unit] = []
        seen = {unit_id}  # a cycle of parents must not make this loop forever
        stack = list(reversed(self._children.get(unit_id, ())))
        while stack:
            child = self.units[stack.pop()]
            if child.id in seen:
                continue
            seen.add(child.id)
            if _matches(child, level, status):
                out.append(child)
            stack.extend(reversed(self._children.get(child.id, ())))
        return out

    def _chain(self, unit_id: str) -> Iterator[Unit]:
        unit = self.unit(unit_id)
        seen = [unit.id]
        while unit.parent is not None:
            if unit.parent in seen:
                cycle = " -> ".join([*seen[seen.index(unit.parent) :], unit.parent])
                msg = Text(
                    f"các đơn vị cha của đơn vị {unit_id!r} tạo thành vòng lặp ({cycle}); Org.validate() liệt kê "
                    "mọi chỗ không nhất quán",
                    f"the parents of unit {unit_id!r} form a cycle ({cycle}); Org.validate() lists every "
                    "inconsistency",
                )
                raise ValueError(msg)
            unit = self.unit(unit.parent)
            seen.append(unit.id)
            yield unit

    def ancestors(self, unit_id: str) -> list[Unit]:
        """The units above ``unit_id``: its parent first, up to the top of the snapshot.

        Raises:
            NotFound: no such unit, or a parent on the way up is missing.
            ValueError: the parents form a cycle.
        """
        return list(self._chain(unit_id))

    def ancestor_at(self, unit_id: str, level: str) -> Unit | None:
        """The unit at ``level`` that ``unit_id`` sits in: the unit itself when it is at that level.

        Returns:
            ``None`` when no unit at that level is above (the unit sits higher, or the snapshot stops short).

        Raises:
            NotFound: no such unit, or ``level`` is not a level of the hierarchy.
        """
        self.hierarchy.level(level)
        unit = self.unit(unit_id)
        if unit.level == level:
            return unit
        return next((up for up in self._chain(unit_id) if up.level == level), None)

    def commune_of(self, unit_id: str) -> Unit | None:
        """The commune union a unit belongs to (itself, for a commune); ``None`` above the commune level."""
        return self.ancestor_at(unit_id, COMMUNE_LEVEL)

    def lowest_common_parent(self, unit_ids: Iterable[str]) -> Unit | None:
        """The lowest unit that is each given unit or above it (HIER-03: the union whose area covers them all).

        Pass the communes a group's members live in to find the union that decides for the group.

        Returns:
            ``None`` when the units are in separate trees of the snapshot.

        Raises:
            ValueError: no unit ids were given, or the parents form a cycle.
            NotFound: one of the units is missing.
        """
        ids = list(dict.fromkeys(unit_ids))
        if not ids:
            msg = Text(
                "lowest_common_parent cần ít nhất một mã đơn vị",
                "lowest_common_parent needs at least one unit id",
            )
            raise ValueError(msg)
        first = [self.unit(ids[0]), *self._chain(ids[0])]
        common = {unit.id for unit in first}
        for unit_id in ids[1:]:
            common &= {unit_id, *(unit.id for unit in self._chain(unit_id))}
        return next((unit for unit in first if unit.id in common), None)

    def resolve(self, role_ref_at: str, subject_id: str, member_communes: Iterable[str] = ()) -> Unit | None:
        """The unit where a workflow role is held, given the role's ``at:`` and the case's subject.

        Args:
            role_ref_at: ``subject``, ``parent``, ``lowest_common_parent`` or a level id (``commune``).
            subject_id: the unit the case is about.
            member_communes: for ``lowest_common_parent``, the communes the members live in when they are not
                (yet) the subject's ``members``, e.g. the member list of a founding dossier.

        Returns:
            ``None`` when there is no such unit (the subject is at the top, or sits above the level named).

        Raises:
            NotFound: no such subject, member or commune, or ``role_ref_at`` is neither a level nor relative.
        """
        subject = self.unit(subject_id)
        if role_ref_at == "subject":
            return subject
        if role_ref_at == "parent":
            return None if subject.parent is None else self.unit(subject.parent)
        if role_ref_at == "lowest_common_parent":
            communes = list(member_communes) or [self.member(m).commune for m in subject.members]
            # A unit still being founded may have no members on record: its own commune union decides.
            return self.lowest_common_parent(communes) if communes else self.commune_of(subject_id)
        if role_ref_at in self.hierarchy:
            return self.ancestor_at(subject_id, role_ref_at)
        raise NotFound(
            Text("nơi giữ vai trò", "role location"),
            role_ref_at,
            known=(*RELATIVE_UNITS, *self.hierarchy.ids),
        )

    # ------------------------------------------------------------------------------------------- people

    def memberships(self, member_id: str, *, status: UnitStatus | None = None) -> list[Unit]:
        """The units whose member list holds ``member_id``, optionally only those with ``status``.

        Raises:
            NotFound: no such member.
        """
        self.member(member_id)
        units = map(self.units.__getitem__, self._memberships.get(member_id, ()))
        return [unit for unit in units if status is None or unit.status == status]

    def holders(self, role: str, unit_id: str) -> list[Actor]:
        """The actors holding ``role`` at ``unit_id`` (to notify, or to check a quorum can be reached)."""
        return [self.actors[actor_id] for actor_id in self._holders.get((role, unit_id), ())]

    # ------------------------------------------------------------------------------------------- changes

    def with_units(self, *units: Unit) -> Org:
        """A new snapshot with these units added, or replacing the units with the same ids."""
        return attrs.evolve(self, units={**self.units, **{unit.id: unit for unit in units}})

    def with_members(self, *members: Member) -> Org:
        """A new snapshot with these members added, or replacing the members with the same ids."""
        return attrs.evolve(self, members={**self.members, **{member.id: member for member in members}})

    def with_actors(self, *actors: Actor) -> Org:
        """A new snapshot with these actors added, or replacing the actors with the same ids."""
        return attrs.evolve(self, actors={**self.actors, **{actor.id: actor for actor in actors}})

    # ------------------------------------------------------------------------------------------- checks

    def validate(self) -> list[Text]:
        """Every inconsistency in the snapshot, one sentence each (in Vietnamese and English); empty when none.

        Finds records filed under another id, unknown levels and kinds, missing parents, parents at a level the
        hierarchy does not allow, cycles of parents, member lists and leaders that name unknown people or
        people outside the unit, members living in unknown communes, and grants at unknown units.
        """
        out: list[Text] = []
        tables: tuple[tuple[Text, Mapping[str, Unit | Member | Actor]], ...] = (
            (_UNIT, self.units),
            (_MEMBER, self.members),
            (_ACTOR, self.actors),
        )
        for kind, records in tables:
            out.extend(
                Text(
                    f"{kind.vi} {record.id!r} được lưu dưới mã {key!r}",
                    f"{kind.get('en')} {record.id!r} is filed under {key!r}",
                )
                for key, record in records.items()
                if key != record.id
            )
        for unit in self.units.values():
            out.extend(self._unit_problems(unit))
        out.extend(self._cycles())
        for member in self.members.values():
            commune = self.units.get(member.commune)
            if commune is None:
                out.append(
                    Text(
                        f"hội viên {member.id!r} cư trú ở {member.commune!r}, nhưng không có đơn vị nào mang mã này",
                        f"member {member.id!r} lives in {member.commune!r}, which is not a unit",
                    )
                )
            elif commune.level != COMMUNE_LEVEL:
                out.append(
                    Text(
                        f"hội viên {member.id!r} cư trú ở {commune.id!r}, là đơn vị cấp {commune.level}, "
                        "không phải cấp xã",
                        f"member {member.id!r} lives in {commune.id!r}, a {commune.level}, not a commune",
                    )
                )
        for actor in self.actors.values():
            if actor.member is not None and actor.member not in self.members:
                out.append(
                    Text(
                        f"người thực hiện {actor.id!r} được ghi là hội viên {actor.member!r}, nhưng hội viên này "
                        "không có trong danh sách hội viên",
                        f"actor {actor.id!r} is member {actor.member!r}, who is not in the members",
                    )
                )
            out.extend(
                Text(
                    f"người thực hiện {actor.id!r} giữ vai trò {grant}, nhưng không có đơn vị {grant.unit!r}",
                    f"actor {actor.id!r} holds {grant}, but there is no unit {grant.unit!r}",
                )
                for grant in actor.grants
                if grant.unit not in self.units
            )
        return out

    def _unit_problems(self, unit: Unit) -> Iterator[Text]:
        if unit.level not in self.hierarchy:
            yield Text(
                f"đơn vị {unit.id!r} ở cấp {unit.level!r}, cấp này không có trong hệ thống cấp",
                f"unit {unit.id!r} is at level {unit.level!r}, which the hierarchy does not have",
            )
        elif (kinds := self.hierarchy.level(unit.level).kinds) and unit.kind not in kinds:
            yield Text(
                f"đơn vị {unit.id!r} thuộc loại {unit.kind!r}; đơn vị cấp {unit.level} phải thuộc một trong các "
                f"loại {', '.join(kinds)}",
                f"unit {unit.id!r} is of kind {unit.kind!r}; a {unit.level} is one of {', '.join(kinds)}",
            )
        elif not kinds and unit.kind is not None:
            yield Text(
                f"đơn vị {unit.id!r} thuộc loại {unit.kind!r}, nhưng các đơn vị cấp {unit.level} không phân loại",
                f"unit {unit.id!r} is of kind {unit.kind!r}, but units at level {unit.level} have no kind",
            )
        parent = None if unit.parent is None else self.units.get(unit.parent)
        if unit.parent is not None and parent is None:
            yield Text(
                f"đơn vị {unit.id!r} có đơn vị cha {unit.parent!r}, nhưng không có đơn vị nào mang mã này",
                f"unit {unit.id!r} has parent {unit.parent!r}, which is not a unit",
            )
        if parent is not None and unit.level in self.hierarchy:
            ups = self.hierarchy.parent_levels(unit.level)
            if parent.level not in ups:
                allowed = ", ".join(ups)
                yield Text(
                    f"đơn vị {unit.id!r} ({unit.level}) nằm dưới {parent.id!r} ({parent.level}); "
                    f"đơn vị cấp {unit.level} chỉ được nằm dưới: {allowed or 'không cấp nào (đây là cấp cao nhất)'}",
                    f"unit {unit.id!r} ({unit.level}) sits under {parent.id!r} ({parent.level}); "
                    f"a {unit.level} may sit under: {allowed or 'nothing (it is the top level)'}",
                )
        if unit.successor is not None and unit.successor not in self.units:
            yield Text(
                f"đơn vị {unit.id!r} có đơn vị kế thừa {unit.successor!r}, nhưng không có đơn vị nào mang mã này",
                f"unit {unit.id!r} has successor {unit.successor!r}, which is not a unit",
            )
        yield from (
            Text(
                f"đơn vị {unit.id!r} ghi hội viên {member_id!r}, nhưng hội viên này không có trong danh sách "
                "hội viên",
                f"unit {unit.id!r} lists member {member_id!r}, who is not in the members",
            )
            for member_id in dict.fromkeys(unit.members)
            if member_id not in self.members
        )
        yield from (
            Text(
                f"đơn vị {unit.id!r} có {member_id!r} giữ vai trò {role}, nhưng người này không phải hội viên "
                "của đơn vị",
                f"unit {unit.id!r} has {member_id!r} as {role}, who is not a member of the unit",
            )
            for role, holders in unit.leaders.items()
            for member_id in holders
            if member_id not in unit.members
        )

    def _cycles(self) -> Iterator[Text]:
        done: set[str] = set()  # units known to lead to the top, or already reported in a cycle
        for start in self.units:
            path: list[str] = []
            unit_id: str | None = start
            while unit_id is not None and unit_id in self.units and unit_id not in done:
                if unit_id in path:
                    cycle = path[path.index(unit_id) :]
                    loop = " -> ".join([*cycle, unit_id])
                    yield Text(f"các đơn vị cha tạo thành vòng lặp: {loop}", f"a cycle of parents: {loop}")
                    break
                path.append(unit_id)
                unit_id = self.units[unit_id].parent
            done.update(path)

"""Effects: the named, declarative changes a transition makes to the organisation.

An effect is a function from an :class:`EffectContext` to the unit records it changes or creates.  It reads the
case data (the member list, the units to absorb ...) and never writes: the engine collects what every effect of a
transition returns and stores it with the event, in one transaction.  An effect that cannot apply raises
:class:`EffectError`; :meth:`Engine.check <hoinghe.engine.Engine.check>` runs effects too, so that refusal shows
with the other blockers.

The case data each built-in effect reads:

==================  ===============================================================================================
effect              case data
==================  ===============================================================================================
activate_unit       ``members``, ``trade``, ``name`` (optional): the proposed unit becomes ``active``
appoint_leaders     ``leaders``: role -> member id (or ids), each on the member list; a new term starts
add_members         ``add_members``: member ids
remove_members      ``remove_members``: member ids (they also leave any office)
merge_units         ``absorb``: ids of units of the subject's level; their members move to the subject
split_unit          ``parts``: ``[{name, members, leaders?, trade?, id?}]``; each part becomes a new unit
reparent_units      ``new_parent``: a unit id; ``units``: ids to move (the subject when not given)
record_rating       ``rating``: one of the classes of the scale in force (``args.scale`` or ``params.rating_scale``)
convert_unit        ``args.to``: ``cooperative_group`` or ``cooperative``; ``successor`` (optional): its id
dissolve_unit       nothing (``args.reason`` is recorded)
adopt_rules         nothing: the operating rules were adopted again at a meeting, whose day joins ``meetings``
==================  ===============================================================================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from hoinghe.definitions.rulepack import ParamValue
from hoinghe.errors import NotFound
from hoinghe.org.hierarchy import Hierarchy
from hoinghe.org.model import Unit, to_leaders
from hoinghe.org.text import Text
from hoinghe.records import Case
from hoinghe.storage.base import OrgReader

_MIN_PARTS = 2

__all__ = ["BUILTIN", "Effect", "EffectContext", "EffectError"]


class EffectError(Exception):
    """An effect cannot apply to this case; ``message`` says why in Vietnamese and English.

    ``str(error)`` shows the message in the language in force.
    """

    def __init__(self, message: Text) -> None:
        self.message = message
        super().__init__(message)


@attrs.define
class EffectContext:
    """What an effect reads.  :meth:`unit` sees the changes of the effects before it in the same transition.

    Attributes:
        store: the organisation as stored.
        case: the case, its data including the data given with this fire.
        subject: the subject as the case proposes it (member list and leaders from the case data).
        args: the effect's arguments in the workflow.
        today: the date of the decision.
        hierarchy: the profile's levels.
        params: the rule parameters in force.
        new_id: makes a fresh id for a new unit, from a prefix (``group``).
    """

    store: OrgReader
    case: Case
    subject: Unit
    args: Mapping[str, Any]
    today: dt.date
    hierarchy: Hierarchy
    params: Mapping[str, ParamValue]
    new_id: Callable[[str], str]
    changed: dict[str, Unit] = attrs.field(factory=dict)

    @property
    def data(self) -> Mapping[str, Any]:
        return self.case.data

    def unit(self, unit_id: str) -> Unit:
        """The unit as the earlier effects of this transition left it.

        Raises:
            EffectError: there is no such unit.
        """
        if unit_id in self.changed:
            return self.changed[unit_id]
        if unit_id == self.subject.id:
            return self.subject
        try:
            return self.store.unit(unit_id)
        except NotFound:
            raise EffectError(Text(f"không có đơn vị {unit_id!r}", f"there is no unit {unit_id!r}")) from None

    def ids(self, key: str, *, required: bool = True) -> list[str]:
        """The list of ids under ``key`` in the case data.

        Raises:
            EffectError: missing (when required) or not a list of ids.
        """
        value = self.data.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list | tuple) or not value or not all(isinstance(v, str) for v in value):
            raise EffectError(
                Text(
                    f"dữ liệu hồ sơ cần '{key}': danh sách mã", f"the case data needs '{key}': a list of ids"
                )
            )
        return list(dict.fromkeys(value))

    def check_members(self, ids: Iterable[str]) -> None:
        """Raise :class:`EffectError` naming every id the store has no member for."""
        unknown = []
        for member_id in ids:
            try:
                self.store.member(member_id)
            except NotFound:
                unknown.append(member_id)
        if unknown:
            listed = ", ".join(unknown)
            raise EffectError(Text(f"không có hội viên: {listed}", f"no such members: {listed}"))


#: An effect: reads the context, returns the units it changes or creates.
Effect = Callable[[EffectContext], Iterable[Unit]]


def _leaders_on_roster(unit: Unit) -> None:
    outside = [m for ids in unit.leaders.values() for m in ids if m not in unit.members]
    if outside:
        listed = ", ".join(outside)
        raise EffectError(
            Text(
                f"người được giao chức danh không có trong danh sách hội viên: {listed}",
                f"leaders not on the member list: {listed}",
            )
        )


def activate_unit(ctx: EffectContext) -> list[Unit]:
    unit = ctx.subject
    if unit.status != "proposed":
        raise EffectError(
            Text(
                f"đơn vị {unit.id} đang ở trạng thái {unit.status}, không phải proposed (đang đề xuất)",
                f"unit {unit.id} is {unit.status}, not proposed",
            )
        )
    ctx.check_members(unit.members)
    # Leaders take office only through appoint_leaders.
    return [attrs.evolve(unit, status="active", founded_on=ctx.today, leaders={})]


def appoint_leaders(ctx: EffectContext) -> list[Unit]:
    if "leaders" not in ctx.data:
        raise EffectError(
            Text(
                "dữ liệu hồ sơ chưa nêu người giữ chức danh ('leaders')",
                "the case data names no leaders ('leaders')",
            )
        )
    unit = attrs.evolve(ctx.unit(ctx.subject.id), leaders=ctx.subject.leaders, term_start=ctx.today)
    _leaders_on_roster(unit)
    return [unit]


def add_members(ctx: EffectContext) -> list[Unit]:
    new = ctx.ids("add_members")
    ctx.check_members(new)
    unit = ctx.unit(ctx.subject.id)
    return [attrs.evolve(unit, members=tuple(dict.fromkeys([*unit.members, *new])))]


def remove_members(ctx: EffectContext) -> list[Unit]:
    gone = set(ctx.ids("remove_members"))
    unit = ctx.unit(ctx.subject.id)
    leaders = {
        role: kept for role, ids in unit.leaders.items() if (kept := tuple(m for m in ids if m not in gone))
    }
    return [attrs.evolve(unit, members=tuple(m for m in unit.members if m not in gone), leaders=leaders)]


def merge_units(ctx: EffectContext) -> list[Unit]:
    target = ctx.unit(ctx.subject.id)
    members = list(target.members)
    out: list[Unit] = []
    for unit_id in ctx.ids("absorb"):
        absorbed = ctx.unit(unit_id)
        if absorbed.id == target.id or absorbed.level != target.level or absorbed.status != "active":
            raise EffectError(
                Text(
                    f"không thể sáp nhập {unit_id} ({absorbed.level}, {absorbed.status}) vào {target.id}: "
                    f"chỉ sáp nhập được đơn vị khác cùng cấp {target.level} đang hoạt động",
                    f"cannot merge {unit_id} ({absorbed.level}, {absorbed.status}) into {target.id}: "
                    f"only other active units of level {target.level} can be absorbed",
                )
            )
        members.extend(absorbed.members)
        out.append(attrs.evolve(absorbed, status="merged", successor=target.id, members=(), leaders={}))
    return [attrs.evolve(target, members=tuple(dict.fromkeys(members))), *out]


def split_unit(ctx: EffectContext) -> list[Unit]:
    source = ctx.unit(ctx.subject.id)
    parts = ctx.data.get("parts")
    if (
        not isinstance(parts, list | tuple)
        or len(parts) < _MIN_PARTS
        or not all(isinstance(p, Mapping) for p in parts)
    ):
        raise EffectError(
            Text(
                "dữ liệu hồ sơ cần 'parts': ít nhất hai phần, mỗi phần có tên và danh sách hội viên",
                "the case data needs 'parts': at least two parts, each with a name and a member list",
            )
        )
    taken: set[str] = set()
    out: list[Unit] = []
    for i, part in enumerate(parts, 1):
        members = part.get("members")
        if not isinstance(members, list | tuple) or not members or not isinstance(part.get("name"), str):
            raise EffectError(
                Text(f"phần {i} cần tên và danh sách hội viên", f"part {i} needs a name and a member list")
            )
        strangers = [m for m in members if m not in source.members or m in taken]
        if strangers:
            listed = ", ".join(map(str, strangers))
            raise EffectError(
                Text(
                    f"phần {i}: không phải hội viên của {source.id}, hoặc đã ở phần khác: {listed}",
                    f"part {i}: not members of {source.id}, or already in another part: {listed}",
                )
            )
        taken.update(members)
        new = Unit(
            id=str(part.get("id") or ctx.new_id(source.level)),
            level=source.level,
            name=part["name"],
            parent=source.parent,
            kind=source.kind,
            trade=str(part.get("trade") or source.trade or "") or None,
            status="active",
            founded_on=ctx.today,
            members=tuple(members),
            leaders=to_leaders(part.get("leaders") or {}),
        )
        _leaders_on_roster(new)
        out.append(new)
    return [attrs.evolve(source, status="split", members=(), leaders={}), *out]


def reparent_units(ctx: EffectContext) -> list[Unit]:
    parent_id = ctx.data.get("new_parent")
    if not isinstance(parent_id, str):
        raise EffectError(
            Text("dữ liệu hồ sơ cần 'new_parent': mã đơn vị cấp trên mới", "the case data needs 'new_parent'")
        )
    parent = ctx.unit(parent_id)
    out = []
    for unit_id in ctx.ids("units", required=False) or [ctx.subject.id]:
        unit = ctx.unit(unit_id)
        allowed = ctx.hierarchy.parent_levels(unit.level)
        if parent.level not in allowed:
            raise EffectError(
                Text(
                    f"{unit.id} ({unit.level}) không thể trực thuộc {parent.id} ({parent.level}); "
                    f"chỉ có thể trực thuộc: {', '.join(allowed)}",
                    f"{unit.id} ({unit.level}) cannot sit under {parent.id} ({parent.level}); "
                    f"it may sit under: {', '.join(allowed)}",
                )
            )
        out.append(attrs.evolve(unit, parent=parent.id))
    return out


def record_rating(ctx: EffectContext) -> list[Unit]:
    rating = ctx.data.get("rating")
    scale = ctx.args.get("scale") or ctx.params.get("rating_scale")
    classes = ctx.params.get(f"rating_classes_{scale}") if scale else None
    if not isinstance(rating, str) or (isinstance(classes, tuple) and rating not in classes):
        choices = (
            Text.same(", ".join(map(str, classes)))
            if isinstance(classes, tuple)
            else Text("chuỗi ký tự", "text")
        )
        raise EffectError(
            Text(
                f"dữ liệu hồ sơ cần 'rating' thuộc thang {scale}: {choices.vi}",
                f"the case data needs 'rating', one of the {scale} scale: {choices.get('en')}",
            )
        )
    return [attrs.evolve(ctx.unit(ctx.subject.id), rating=rating)]


def convert_unit(ctx: EffectContext) -> list[Unit]:
    successor = ctx.data.get("successor")
    unit = ctx.unit(ctx.subject.id)
    return [
        attrs.evolve(unit, status="converted", successor=successor if isinstance(successor, str) else None)
    ]


def dissolve_unit(ctx: EffectContext) -> list[Unit]:
    return [attrs.evolve(ctx.unit(ctx.subject.id), status="dissolved")]


def adopt_rules(ctx: EffectContext) -> list[Unit]:
    return [attrs.evolve(ctx.unit(ctx.subject.id), meetings=(*ctx.unit(ctx.subject.id).meetings, ctx.today))]


#: The effects every engine knows, by name (the names of :data:`hoinghe.definitions.effects.BUILTIN_EFFECTS`).
BUILTIN: Mapping[str, Effect] = {
    "activate_unit": activate_unit,
    "appoint_leaders": appoint_leaders,
    "add_members": add_members,
    "remove_members": remove_members,
    "merge_units": merge_units,
    "split_unit": split_unit,
    "reparent_units": reparent_units,
    "record_rating": record_rating,
    "convert_unit": convert_unit,
    "dissolve_unit": dissolve_unit,
    "adopt_rules": adopt_rules,
}

"""Hypothesis strategies for hoinghe's records: members, units, whole organisations, case data and documents.

They build what a user's own property tests need: a small organisation that passes :meth:`Org.validate
<hoinghe.org.Org.validate>` for any profile's hierarchy (:func:`orgs`), a new unit to found in it (:func:`units`),
and the documents and case data a transition is fired with (:func:`documents`, :func:`case_data`).  Each strategy
shrinks towards the plain case: few units, union members, the first trade, no optional keys.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import attrs
from hypothesis import strategies as st

from hoinghe.definitions.profile import Profile, RoleDef
from hoinghe.i18n import Text
from hoinghe.org.hierarchy import Hierarchy
from hoinghe.org.model import Actor, Member, RoleGrant, Unit, UnitStatus
from hoinghe.org.registry import COMMUNE_LEVEL, Org

__all__ = ["TRADES", "case_data", "documents", "members", "orgs", "units"]

#: Trades (products) members work in; ``cam`` (oranges) first, so examples shrink to it.
TRADES: tuple[str, ...] = ("cam", "lua", "che", "ca_phe")

_BORN = (dt.date(1950, 1, 1), dt.date(2000, 12, 31))
_FOUNDED = (dt.date(2015, 1, 1), dt.date(2025, 6, 30))
_MET = (dt.date(2025, 1, 1), dt.date(2026, 2, 28))
_UNION_SINCE = dt.date(2010, 1, 1)
_TENTHS = 10
_SOMETIMES = st.booleans()
_T = TypeVar("_T")

# Roles a unit's own leaders hold, in the order leaders are taken from its member list.
_OFFICES = ("head", "deputy")


def _mostly(*, flag: bool) -> st.SearchStrategy[bool]:
    """``flag`` nine times in ten; shrinks to ``flag``."""
    return st.integers(1, _TENTHS).map(lambda n: flag if n < _TENTHS else not flag)


def _days(start: dt.date, end: dt.date) -> st.SearchStrategy[dt.date]:
    """Days from ``start`` to ``end``; one choice per date (``st.dates`` makes three), so orgs generate faster."""
    return st.integers(0, (end - start).days).map(lambda n: start + dt.timedelta(days=n))


def _text_ids(prefix: str) -> st.SearchStrategy[str]:
    return st.uuids().map(lambda u: f"{prefix}-{u.hex[:12]}")


def members(
    communes: Sequence[str],
    *,
    ids: st.SearchStrategy[str] | None = None,
    trades: Sequence[str] = TRADES,
    union_members: st.SearchStrategy[bool] | None = None,
    born: tuple[dt.date, dt.date] = _BORN,
) -> st.SearchStrategy[Member]:
    """Members living in one of ``communes``, working in one or two of ``trades``.

    Args:
        communes: ids of the commune units members may live in.
        ids: the members' ids; random ``m-<hex>`` ids when not given (pass ``st.just(...)`` for a fixed one).
            Random ids may repeat while shrinking: draw lists with ``unique_by=lambda m: m.id``.
        trades: the trades to draw from; the first is the most likely after shrinking.
        union_members: whether a member joined the Union; nine in ten do by default.
        born: the range of birth dates; the default makes every member an adult after 2018.

    Raises:
        ValueError: no communes or no trades to draw from.
    """
    if not communes or not trades:
        msg = Text(
            "members() cần ít nhất một xã và một ngành nghề",
            "members() needs at least one commune and one trade",
        )
        raise ValueError(msg)
    joined = union_members if union_members is not None else _mostly(flag=True)
    return st.builds(
        _member,
        ids if ids is not None else _text_ids("m"),
        st.sampled_from(tuple(communes)),
        st.lists(st.sampled_from(tuple(trades)), min_size=1, max_size=2, unique=True),
        joined,
        _days(*born),
    )


def _adult_on(born: dt.date) -> dt.date:
    """The 18th birthday; 1 March for someone born on 29 February whose 18th year has none (as ``Member.age_on``)."""
    try:
        return born.replace(year=born.year + 18)
    except ValueError:
        return dt.date(born.year + 18, 3, 1)


def _member(member_id: str, commune: str, trades: list[str], union: bool, born: dt.date) -> Member:
    return Member(
        member_id,
        f"Nông dân {member_id}",
        born,
        commune,
        max(_UNION_SINCE, _adult_on(born)) if union else None,
        tuple(trades),
    )


def _parents(org: Org, level: str) -> list[Unit]:
    allowed = org.hierarchy.parent_levels(level)
    return [u for u in org.units.values() if u.level in allowed and u.status == "active"]


def units(
    org: Org,
    level: str,
    *,
    kind: str | None = None,
    ids: st.SearchStrategy[str] | None = None,
    trades: Sequence[str] = TRADES,
    status: UnitStatus = "proposed",
) -> st.SearchStrategy[Unit]:
    """A new unit at ``level``, under an active unit of ``org`` where the hierarchy lets it sit, with no members.

    This is the subject a founding workflow opens on (``engine.open("found-professional-group", unit, ...)``).

    Args:
        org: the organisation the unit joins (its parent is drawn from it).
        level: a level of ``org.hierarchy``.
        kind: the unit's kind; drawn from the level's kinds when not given (``None`` for administrative levels).
        ids: the unit's id; random ``<level>-<hex>`` ids when not given.
        trades: the trade of a professional unit is drawn from these.
        status: the unit's status (the engine sets ``proposed`` itself when a founding opens).

    Raises:
        ValueError: ``org`` has no active unit the level may sit under.
        NotFound: ``level`` is not a level of the hierarchy.
    """
    spec = org.hierarchy.level(level)
    parents = _parents(org, level)
    if not parents:
        above = ", ".join(org.hierarchy.parent_levels(level))
        msg = Text(
            f"tổ chức không có đơn vị đang hoạt động nào để một {level} trực thuộc ({above})",
            f"the organisation has no active unit a {level} may sit under ({above})",
        )
        raise ValueError(msg)
    kinds: st.SearchStrategy[str | None] = (
        st.just(kind) if kind is not None or not spec.kinds else st.sampled_from(spec.kinds)
    )

    def build(unit_id: str, parent: Unit, unit_kind: str | None, trade: str) -> Unit:
        professional = unit_kind == "professional"
        name = f"{spec.title.get('vi')} {trade if professional else ''} {unit_id}".replace("  ", " ")
        return Unit(
            unit_id,
            level,
            name,
            parent.id,
            kind=unit_kind,
            trade=trade if professional else None,
            status=status,
        )

    return st.builds(
        build,
        ids if ids is not None else _text_ids(level),
        st.sampled_from(parents),
        kinds,
        st.sampled_from(tuple(trades) or ("",)),
    )


# ------------------------------------------------------------------------------------------------ orgs

#: Draws an index that :func:`_pick` folds into a sequence; shrinks to the first item.
_INDEX = st.integers(0, 2**16)


def _pick(draw: st.DrawFn, items: Sequence[_T]) -> _T:
    # One shared strategy for every pick keeps generation fast: building a sampled_from per draw dominates.
    return items[draw(_INDEX) % len(items)]


@attrs.frozen
class _Plan:
    """The strategies one :func:`orgs` call draws from, built once rather than per draw."""

    profile: Profile
    provinces: st.SearchStrategy[int]
    communes: st.SearchStrategy[int]
    farmers: st.SearchStrategy[list[tuple[list[str], bool, dt.date]]]
    units: st.SearchStrategy[list[tuple[int, int, int, int, int, dt.date, list[dt.date], set[int]]]]
    trades: tuple[str, ...]
    statuses: tuple[UnitStatus, ...]
    every_role: bool
    outsiders: st.SearchStrategy[int]


@attrs.define
class _Builder:
    """The records of one organisation as :func:`orgs` draws them, with the counters that name them."""

    hierarchy: Hierarchy
    units: list[Unit] = attrs.field(factory=list)
    members: list[Member] = attrs.field(factory=list)
    actors: list[Actor] = attrs.field(factory=list)
    counters: dict[str, itertools.count[int]] = attrs.field(factory=dict)

    def next_id(self, prefix: str) -> str:
        return f"{prefix}-{next(self.counters.setdefault(prefix, itertools.count(1)))}"

    def title(self, level: str) -> str:
        return self.hierarchy.level(level).title.get("vi")


def _administrative(hierarchy: Hierarchy) -> tuple[list[str], list[str]]:
    """The levels from the top down to the commune, and the levels of branches and groups below it."""
    ids = list(hierarchy.ids)
    if COMMUNE_LEVEL not in ids:
        msg = Text(
            f"orgs() cần hệ thống tổ chức có cấp {COMMUNE_LEVEL!r} (hội viên cư trú ở xã); hiện có {ids}",
            f"orgs() needs a hierarchy with a {COMMUNE_LEVEL!r} level (members live in communes); it has {ids}",
        )
        raise ValueError(msg)
    cut = ids.index(COMMUNE_LEVEL) + 1
    return ids[:cut], [lvl for lvl in ids[cut:] if hierarchy.level(lvl).kinds]


def _leaders(roles: Sequence[RoleDef], level: str, roster: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The unit's head and deputy, taken from the front of its member list."""
    out: dict[str, tuple[str, ...]] = {}
    holders = iter(roster)
    for office in _OFFICES:
        role = next((r for r in roles if r.office == office and level in r.levels), None)
        holder = next(holders, None)
        if role is not None and holder is not None:
            out[role.id] = (holder,)
    return out


def _draw_tree(draw: st.DrawFn, b: _Builder, plan: _Plan, levels: Sequence[str]) -> list[Unit]:
    """The administrative units from the top down to the communes; returns the communes.

    One unit at the top, ``provinces`` below it, ``communes`` under each unit of the level above the commune, and
    one of each level in between (a district).
    """
    top = Unit(b.next_id(levels[0]), levels[0], f"{b.title(levels[0])} 1", None)
    b.units.append(top)
    layer = [top]
    for depth, level in enumerate(levels[1:], 1):
        if level == COMMUNE_LEVEL:
            width: st.SearchStrategy[int] = plan.communes
        elif depth == 1:
            width = plan.provinces
        else:
            width = st.just(1)
        below: list[Unit] = []
        for parent in layer:
            for _ in range(draw(width)):
                unit_id = b.next_id(level)
                below.append(Unit(unit_id, level, f"{b.title(level)} {unit_id}", parent.id))
        b.units.extend(below)
        layer = below
    return layer


def _draw_farmers(draw: st.DrawFn, b: _Builder, plan: _Plan, communes: Sequence[Unit]) -> None:
    for commune in communes:
        for trades, union, born in draw(plan.farmers):
            b.members.append(_member(b.next_id("f"), commune.id, trades, union, born))


def _draw_units(draw: st.DrawFn, b: _Builder, plan: _Plan, commune: Unit) -> None:
    """Branches and groups under ``commune``, each with members of the commune who fit it."""
    _, lower = _administrative(b.hierarchy)
    if not lower:
        return
    here: list[Unit] = [commune]
    for level_at, parent_at, kind_at, trade_at, status_at, founded, met, chosen in draw(plan.units):
        level = lower[level_at % len(lower)]
        allowed = b.hierarchy.parent_levels(level)
        candidates = [u for u in here if u.level in allowed]
        if not candidates:
            continue
        kinds = b.hierarchy.level(level).kinds
        kind = kinds[kind_at % len(kinds)]
        trade = plan.trades[trade_at % len(plan.trades)] if kind == "professional" else None
        fit = [
            m.id
            for m in b.members
            if m.commune == commune.id and m.is_union_member and (trade is None or trade in m.trades)
        ]
        roster = [m for i, m in enumerate(fit) if i in chosen]
        unit_id = b.next_id(level)
        unit = Unit(
            unit_id,
            level,
            f"{b.title(level)} {trade or ''} {unit_id}".replace("  ", " "),
            candidates[parent_at % len(candidates)].id,
            kind=kind,
            trade=trade,
            status=plan.statuses[status_at % len(plan.statuses)],
            founded_on=founded,
            members=tuple(roster),
            leaders=_leaders(plan.profile.roles, level, roster),
            meetings=tuple(sorted(met)),
        )
        b.units.append(unit)
        here.append(unit)


def _draw_actors(draw: st.DrawFn, b: _Builder, plan: _Plan) -> None:
    """One actor per role held at each unit (every role the level allows, or a drawn subset)."""
    for unit in b.units:
        for role in plan.profile.roles:
            if unit.level not in role.levels or not (plan.every_role or draw(_SOMETIMES)):
                continue
            holder = unit.leaders.get(role.id, ())
            b.actors.append(
                Actor(
                    f"a-{unit.id}-{role.id}",
                    f"{role.title.get('vi')} {unit.name}",
                    (RoleGrant(role.id, unit.id),),
                    member=holder[0] if holder else None,
                )
            )
    b.actors.extend(Actor(f"a-outsider-{i}", f"Người ngoài {i}") for i in range(1, draw(plan.outsiders) + 1))


@st.composite
def _orgs(draw: st.DrawFn, plan: _Plan) -> Org:
    b = _Builder(plan.profile.hierarchy)
    upper, _ = _administrative(plan.profile.hierarchy)
    communes = _draw_tree(draw, b, plan, upper)
    _draw_farmers(draw, b, plan, communes)
    for commune in communes:
        _draw_units(draw, b, plan, commune)
    _draw_actors(draw, b, plan)
    return Org.build(plan.profile.hierarchy, b.units, b.members, b.actors)


def orgs(
    profile: Profile,
    *,
    provinces: tuple[int, int] = (1, 2),
    communes: tuple[int, int] = (1, 2),
    farmers: tuple[int, int] = (4, 10),
    units_per_commune: tuple[int, int] = (0, 3),
    trades: Sequence[str] = TRADES[:2],
    statuses: Sequence[UnitStatus] = ("active",),
    every_role: bool = True,
    outsiders: tuple[int, int] = (0, 2),
) -> st.SearchStrategy[Org]:
    """A small organisation for ``profile``'s hierarchy that passes :meth:`Org.validate` with no problems.

    One unit at the top level, ``provinces`` units below it, ``communes`` communes under each unit of the level
    above the commune (one unit of each level in between, such as a district); farmers in every commune (trades
    from ``trades``, nine in ten union members, all adults); branches and groups under each commune (professional
    ones share a trade with their members and are led by the first two of them); and actors holding the
    profile's roles at units of the levels each role is declared for.  Ids are readable and deterministic:
    ``province-1``, ``commune-2``, ``f-7``, ``group-1``, ``a-commune-1-standing_committee``, ``a-outsider-1``.

    Args:
        profile: gives the hierarchy (which must have a ``commune`` level) and the roles.
        provinces: how many units sit at the level below the top (inclusive range).
        communes: how many communes sit under each unit of the level above the commune (inclusive range).
        farmers: how many farmers live in each commune (inclusive range).
        units_per_commune: how many branches and groups are drawn under each commune (inclusive range).
        trades: the trades farmers and professional units work in.
        statuses: the statuses branches and groups are drawn from (``("active", "dissolved")`` adds ended ones).
        every_role: one actor for every role at every unit whose level the role is declared for; ``False``
            draws which of those actors exist.
        outsiders: how many actors hold no role at all (inclusive range).

    Raises:
        ValueError: the hierarchy has no ``commune`` level, or ``trades`` or ``statuses`` is empty.
    """
    _administrative(profile.hierarchy)
    if not trades or not statuses:
        msg = Text(
            "orgs() cần ít nhất một ngành nghề và một trạng thái",
            "orgs() needs at least one trade and one status",
        )
        raise ValueError(msg)
    farmer = st.tuples(
        st.lists(st.sampled_from(tuple(trades)), min_size=1, max_size=2, unique=True),
        _mostly(flag=True),
        _days(*_BORN),
    )
    unit = st.tuples(
        _INDEX,  # level
        _INDEX,  # parent, among the commune and the units drawn under it so far
        _INDEX,  # kind
        _INDEX,  # trade
        _INDEX,  # status
        _days(*_FOUNDED),
        st.lists(_days(*_MET), max_size=4, unique=True),
        st.sets(st.integers(0, farmers[1] - 1)),  # who of the members who fit joins
    )
    plan = _Plan(
        profile=profile,
        provinces=st.integers(*provinces),
        communes=st.integers(*communes),
        farmers=st.lists(farmer, min_size=farmers[0], max_size=farmers[1]),
        units=st.lists(unit, min_size=units_per_commune[0], max_size=units_per_commune[1]),
        trades=tuple(trades),
        statuses=tuple(statuses),
        every_role=every_role,
        outsiders=st.integers(*outsiders),
    )
    return _orgs(plan)


# ------------------------------------------------------------------------------------------------ cases


def documents(
    kinds: Sequence[str], *, required: Sequence[str] = (), uris: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[dict[str, str]]:
    """Documents to submit with a step, as ``kind -> uri``: every kind in ``required`` and some of ``kinds``.

    Args:
        kinds: document ids to draw from (``[d.id for d in profile.documents]``, perhaps with unknown ones).
        required: ids always included (a transition's ``documents``).
        uris: where each file is; ``file:///dossier/<kind>-<n>.pdf`` by default.
    """
    numbers = st.integers(0, 99)
    extra = st.lists(st.sampled_from(tuple(kinds)), unique=True, max_size=3) if kinds else st.just([])

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, str]:
        out: dict[str, str] = {}
        for kind in dict.fromkeys([*required, *draw(extra)]):
            out[kind] = draw(uris) if uris is not None else f"file:///dossier/{kind}-{draw(numbers)}.pdf"
        return out

    strategy: st.SearchStrategy[dict[str, str]] = build()
    return strategy


# Values of the wrong shape, and one of the right shape naming nobody the organisation knows.
_MALFORMED: tuple[Mapping[str, Any], ...] = (
    {"members": ["nobody-known"]},
    {"members": "f-1"},
    {"members": [1, 2]},
    {"leaders": ["f-1"]},
    {"leaders": {"group_leader": 7}},
    {"trade": 3},
    {"name": ["a"]},
)


def case_data(
    candidates: Sequence[str],
    *,
    leader_roles: Sequence[str] = (),
    trades: Sequence[str] = TRADES,
    ratings: Sequence[str] = (),
    min_members: int = 0,
    complete: bool = False,
    malformed: bool = False,
) -> st.SearchStrategy[dict[str, Any]]:
    """Case data as a caller gives it to ``open`` or ``fire``: some of ``members``, ``leaders``, ``trade``, ``rating``.

    Args:
        candidates: member ids the member list is drawn from (those of the commune, say); may be empty.
        leader_roles: roles the ``leaders`` map may name (``group_leader``, ``group_deputy``); each is given a
            member of the drawn list, or any candidate when no list is drawn.
        trades: the ``trade`` value is drawn from these.
        ratings: the ``rating`` value is drawn from these; no ``rating`` key when empty.
        min_members: a member list, when drawn, has at least this many members (or every candidate, if fewer).
        complete: always give a member list, every leader role (held by different members while the list
            allows) and a rating, as a dossier that means to pass would; never a new ``trade``.
        malformed: now and then, a value of the wrong shape (``{"members": "f-1"}``) the engine must refuse, or
            a member list naming someone nobody knows.
    """
    pool = tuple(candidates)
    roles = tuple(leader_roles)
    rosters = (
        st.lists(st.sampled_from(pool), unique=True, min_size=min(min_members, len(pool)), max_size=len(pool))
        if pool
        else st.just([])
    )
    chosen_roles = st.lists(st.sampled_from(roles), unique=True, min_size=1) if roles else st.just([])
    rare = _mostly(flag=False)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        out: dict[str, Any] = {}
        roster: list[str] = []
        if bool(pool) and (complete or draw(_SOMETIMES)):
            roster = draw(rosters)
            out["members"] = roster
        holders = roster or list(pool)
        if complete and roles and holders:
            first = draw(_INDEX)
            out["leaders"] = {role: holders[(first + i) % len(holders)] for i, role in enumerate(roles)}
        elif bool(roles and holders) and draw(_SOMETIMES):
            out["leaders"] = {role: _pick(draw, holders) for role in draw(chosen_roles)}
        if not complete and bool(trades) and draw(rare):
            out["trade"] = _pick(draw, tuple(trades))
        if bool(ratings) and (complete or draw(_SOMETIMES)):
            out["rating"] = _pick(draw, tuple(ratings))
        if malformed and draw(rare):
            out.update(_pick(draw, _MALFORMED))
        return out

    strategy: st.SearchStrategy[dict[str, Any]] = build()
    return strategy

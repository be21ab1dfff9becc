"""The world a rollout plays in: the union's units over a piece of geography, the people who act, the farmers.

:func:`build_world` turns a :class:`~hoinghe.sim.geo.Division` (a real province, district or the whole country, or
a synthetic one from :func:`synthetic`) into the union's units for a profile's hierarchy (a ``vn-2019`` profile
has districts, a ``vn-2025`` one does not) and, for each commune, district and province union, the actors a
founding needs: a union officer who proposes and files, and the standing committee that decides; and, for each
province whose profile has a Farmer Support Fund board, the board (``quy-p-08``).

Farmers are not made up front (a country has millions); :class:`Farmers` draws the members of each new unit when
its founding collects applications, from the commune's own streams, so a run stays small and reproducible.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence

import attrs

from hoinghe.definitions.profile import Profile
from hoinghe.i18n import Text
from hoinghe.org.model import Actor, Member, RoleGrant, Unit
from hoinghe.sim.behaviour import Behaviour
from hoinghe.sim.geo import Division

__all__ = ["FUND_BOARD", "Commune", "District", "Farmers", "World", "build_world", "synthetic"]

_CODE_LEVEL = {"province": "p", "district": "d", "commune": "c"}
#: The role of the Farmer Support Fund's operating board; a province's board (``quy-p-08``) appraises, decides
#: and pays out the loans of its groups.
FUND_BOARD = "fund_board"


def synthetic(provinces: int = 1, districts: int = 7, communes: int = 20) -> Division:
    """A made-up country: ``provinces`` x ``districts`` x ``communes`` (all rural), numbered like real codes."""
    out = []
    commune_code = 0
    for p in range(1, provinces + 1):
        district_divisions = []
        for d in range(1, districts + 1):
            children = []
            for _ in range(communes):
                commune_code += 1
                children.append(Division(f"{commune_code:05d}", f"Xã {commune_code}", "commune", "xã"))
            code = f"{(p - 1) * districts + d:03d}"
            district_divisions.append(Division(code, f"Huyện {code}", "district", "huyện", tuple(children)))
        out.append(Division(f"{p:02d}", f"Tỉnh {p:02d}", "province", "tỉnh", tuple(district_divisions)))
    return Division("VN", "Việt Nam", "country", "quốc gia", tuple(out))


@attrs.frozen
class Commune:
    """A commune union in the world: its unit, its district union (if the hierarchy has districts), its people."""

    unit: str
    name: str
    district: str | None
    province: str
    officer: str
    committee: str
    rural: bool


@attrs.frozen
class District:
    unit: str
    name: str
    province: str
    communes: tuple[str, ...]


@attrs.define
class World:
    """The union's units and actors over a geography, ready for a store."""

    profile: Profile
    scope: Division
    units: list[Unit]
    actors: list[Actor]
    communes: dict[str, Commune]
    districts: dict[str, District]
    provinces: dict[str, str]  # province unit id -> name
    fund_boards: dict[str, str] = attrs.Factory(dict)  # province unit id -> its Fund board's actor

    @property
    def scope_unit(self) -> str:
        """The id of the union unit over the whole world: ``central`` for the country, else the province's or
        district's union."""
        return "central" if self.scope.level == "country" else _uid(self.scope)

    def __repr__(self) -> str:
        return (
            f"<World {self.scope.name}: {len(self.provinces)} provinces, {len(self.districts)} districts, "
            f"{len(self.communes)} communes>"
        )


def _uid(division: Division) -> str:
    return f"{_CODE_LEVEL[division.level]}-{division.code}"


def _union_name(division: Division) -> str:
    return f"Hội Nông dân {division.name[:1].lower()}{division.name[1:]}"


def _ancestors(root: Division, target: Division) -> list[Division]:
    """The chain from the root down to ``target`` (both included)."""

    def walk(node: Division, path: list[Division]) -> list[Division] | None:
        if node is target:
            return [*path, node]
        for child in node.children:
            found = walk(child, [*path, node])
            if found is not None:
                return found
        return None

    return walk(root, []) or [target]


def build_world(profile: Profile, scope: Division, *, within: Division | None = None) -> World:
    """The units and actors for ``scope`` under ``profile``'s hierarchy.

    Args:
        profile: says whether there is a district level.
        scope: the country, a province or a district to play over.
        within: the country ``scope`` was selected from, so a province or district gets its real parents.
    """
    has_district = "district" in profile.hierarchy
    units = [Unit("central", "central", "Trung ương Hội Nông dân Việt Nam", None)]
    actors: list[Actor] = []
    communes: dict[str, Commune] = {}
    districts: dict[str, District] = {}
    provinces: dict[str, str] = {}
    chain = _ancestors(within, scope) if within is not None else [scope]
    parents = {d.level: d for d in chain}

    def committee(unit_id: str, name: str) -> None:
        actors.append(
            Actor(f"btv-{unit_id}", f"Ban Thường vụ {name}", (RoleGrant("standing_committee", unit_id),))
        )

    def add_commune(division: Division, parent: str, district: str | None, province: str) -> None:
        uid = _uid(division)
        name = _union_name(division)
        units.append(Unit(uid, "commune", name, parent))
        officer = f"cb-{uid}"
        actors.append(Actor(officer, f"Cán bộ {name}", (RoleGrant("union_officer", uid),)))
        committee(uid, name)
        communes[uid] = Commune(uid, name, district, province, officer, f"btv-{uid}", division.is_rural)

    def add_district(division: Division, province: str) -> None:
        uid = _uid(division)
        if has_district:
            units.append(Unit(uid, "district", _union_name(division), province))
            committee(uid, _union_name(division))
        parent = uid if has_district else province
        for commune in division.children:
            add_commune(commune, parent, uid if has_district else None, province)
        if has_district:
            districts[uid] = District(
                uid, _union_name(division), province, tuple(_uid(c) for c in division.children)
            )

    def add_province(division: Division, only: Division | None = None) -> None:
        uid = _uid(division)
        units.append(Unit(uid, "province", _union_name(division), "central"))
        committee(uid, _union_name(division))
        provinces[uid] = _union_name(division)
        for child in (only,) if only is not None else division.children:
            if child.level == "district":
                add_district(child, uid)
            else:
                add_commune(child, uid, None, uid)

    if scope.level == "country":
        for province in scope.children:
            add_province(province)
    elif scope.level == "province":
        add_province(scope)
    elif scope.level == "district":
        add_province(parents.get("province", Division("00", "Tỉnh", "province", "tỉnh")), scope)
    else:
        msg = Text(
            f"mô phỏng chạy trên cả nước, một tỉnh hoặc một huyện, không phải một đơn vị cấp {scope.level}",
            f"a rollout plays over a country, a province or a district, not a {scope.level}",
        )
        raise ValueError(msg)
    boards = _fund_boards(profile, provinces)
    actors += boards.values()
    return World(
        profile, scope, units, actors, communes, districts, provinces, {p: a.id for p, a in boards.items()}
    )


def _fund_boards(profile: Profile, provinces: dict[str, str]) -> dict[str, Actor]:
    """Each province union's Fund board, when the profile has the role."""
    if not any(role.id == FUND_BOARD for role in profile.roles):
        return {}
    return {
        uid: Actor(
            f"quy-{uid}",
            name.replace("Hội Nông dân", "Ban điều hành Quỹ hỗ trợ nông dân", 1),
            (RoleGrant(FUND_BOARD, uid),),
        )
        for uid, name in provinces.items()
    }


def _birth(rng: random.Random, on: dt.date) -> dt.date:
    age_days = int(rng.triangular(20, 75, 48) * 365.25)
    return on - dt.timedelta(days=age_days)


class Farmers:
    """Draws the farmers who join new units, from independent streams per commune.

    Ids are ``f-<commune code>-<n>``, numbered in the order a commune's farmers are drawn.
    """

    def __init__(self, behaviour: Behaviour, seed: str) -> None:
        self.behaviour = behaviour
        self._seed = seed
        self._streams: dict[str, random.Random] = {}
        self._counts: dict[str, int] = {}
        names, weights = zip(*behaviour.trades, strict=True)
        self._trades: Sequence[str] = names
        self._weights: Sequence[float] = weights

    def stream(self, commune: str) -> random.Random:
        found = self._streams.get(commune)
        if found is None:
            found = self._streams[commune] = random.Random(f"{self._seed}:farmers:{commune}")  # noqa: S311
        return found

    def trade(self, rng: random.Random) -> str:
        return rng.choices(self._trades, self._weights)[0]

    def size(self, rng: random.Random, median: float, bounds: tuple[int, int]) -> int:
        """A unit's size: log-normal around ``median``, kept within ``bounds``."""
        low, high = bounds
        return max(low, min(high, round(rng.lognormvariate(math.log(median), 0.45))))

    def draw(
        self,
        commune: str,
        count: int,
        trade: str,
        on: dt.date,
        *,
        outsider: bool = False,
        non_member: bool = False,
    ) -> list[Member]:
        """``count`` new farmers of ``commune`` who make ``trade``; one of another trade when ``outsider``, one
        who is not a union member when ``non_member`` (a dossier that breaks a rule)."""
        rng = self.stream(commune)
        start = self._counts.get(commune, 0)
        self._counts[commune] = start + count
        code = commune.removeprefix("c-")
        out = []
        for i in range(count):
            trades = [trade]
            if rng.random() < self.behaviour.other_trade_share:
                other = self.trade(rng)
                if other != trade:
                    trades.append(other)
            if outsider and i == count - 1:
                trades = [t for t in self._trades if t != trade][:1]
            joined = None if non_member and i == count - 1 else on - dt.timedelta(days=rng.randint(30, 7000))
            out.append(
                Member(
                    f"f-{code}-{start + i + 1}",
                    f"Nông dân {code}-{start + i + 1}",
                    _birth(rng, on),
                    commune,
                    joined,
                    tuple(trades),
                )
            )
        return out

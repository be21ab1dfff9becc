"""The yearly emulation ranking (*thi đua*): communes and districts ranked by the plan's weighted criteria.

Each criterion measures a share between 0 and 1 (see :data:`~hoinghe.definitions.plan.MEASURES`) for a unit at the
end of the year, counting from the plan's start: founding targets from the founding decisions, coverage from the
outreach sessions and trainings held since the plan began, ratings as last recorded on the units (a unit keeps
only its latest rating, so a past year is ranked on the ratings known now).

A unit's measures for a target are taken over the units held to the target in its area: a commune answers for
its own groups target; a district for its branches target and for each of its communes' groups targets.

The score is the weighted mean of the criteria that apply to the unit, times 100 (points out of 100).  A criterion
that has nothing to measure (a commune with no rated unit, a district target for a commune) is left out and the
other weights count for it, so no unit is marked down for what it could not do.  Units are ranked by score, best
first, ties going to the smaller id: the same records always give the same ranking.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from hoinghe.definitions.plan import CriterionDef, PlanDef, TargetDef
from hoinghe.i18n import Text
from hoinghe.org.hierarchy import Hierarchy
from hoinghe.org.model import Unit
from hoinghe.outreach._area import COMMUNE, DISTRICT, Area
from hoinghe.outreach.coverage import coverage as count_coverage
from hoinghe.outreach.model import Coverage, CriterionScore, OutreachError, Ranking, Share, Standing
from hoinghe.storage.base import Store

__all__ = ["emulation"]

# Scores equal to this many decimals are ties (sums of floats in another order differ in the last bits).
_TIE_DIGITS = 9


def emulation(
    store: Store,
    hierarchy: Hierarchy,
    plan: PlanDef,
    *,
    year: int,
    scope: str | None = None,
    coverage: Coverage | None = None,
) -> Ranking:
    """Rank the active communes and districts of the scope for ``year`` by the plan's emulation criteria.

    Args:
        store: where the organisation and the activities are; read once.
        hierarchy: the levels the units follow.
        plan: the plan whose ``emulation`` criteria and targets are applied.
        year: the year ranked; everything is counted from the plan's start to 31 December of it.
        scope: the id of a province or district whose communes and districts are ranked; ``None`` for all.
        coverage: the coverage from the plan's start to 31 December of ``year`` over the same scope, when it
            was counted already (a report counts it once for both); counted here otherwise.

    Raises:
        OutreachError: the plan has no emulation criteria, the year ends before the plan starts, or
            ``coverage`` covers another period or scope.
        NotFound: ``scope`` is not a unit of the store.
    """
    until = date(year, 12, 31)
    if not plan.emulation:
        msg = Text(
            f"kế hoạch {plan.id!r} không có tiêu chí thi đua: liệt kê các tiêu chí dưới khóa `emulation:` của "
            "kế hoạch",
            f"plan {plan.id!r} has no emulation criteria: list them under `emulation:` in the plan",
        )
        raise OutreachError(msg)
    if until < plan.start:
        msg = Text(
            f"năm {year} kết thúc trước khi kế hoạch {plan.id!r} bắt đầu ({plan.start.isoformat()})",
            f"year {year} ends before plan {plan.id!r} starts ({plan.start.isoformat()})",
        )
        raise OutreachError(msg)
    if coverage is None:
        coverage = count_coverage(store, hierarchy, since=plan.start, until=until, scope=scope)
    elif (coverage.since, coverage.until, coverage.scope) != (plan.start, until, scope):
        given, needed = _area_named(coverage.scope), _area_named(scope)
        msg = Text(
            f"số liệu tuyên truyền, tập huấn được đưa vào tính từ {coverage.since.isoformat()} đến "
            f"{coverage.until.isoformat()} trên {given.vi}; năm {year} của kế hoạch {plan.id!r} cần số liệu từ "
            f"{plan.start.isoformat()} đến {until.isoformat()} trên {needed.vi}",
            f"the coverage given counts {coverage.since.isoformat()} to {coverage.until.isoformat()} over "
            f"{given.get('en')}; year {year} of plan {plan.id!r} needs "
            f"{plan.start.isoformat()} to {until.isoformat()} over {needed.get('en')}",
        )
        raise OutreachError(msg)
    area = Area(store, hierarchy, scope)
    measures = _Measures(area, plan, coverage, until)
    return Ranking(
        year=year,
        scope=scope,
        criteria=plan.emulation,
        communes=_rank(area, COMMUNE, plan.emulation, measures),
        districts=_rank(area, DISTRICT, plan.emulation, measures) if DISTRICT in hierarchy else (),
    )


def _area_named(scope: str | None) -> Text:
    """A scope as a message names it: the unit's id, or the whole store."""
    return Text.same(scope) if scope is not None else Text("toàn bộ kho dữ liệu", "the whole store")


def _rank(
    area: Area, level: str, criteria: tuple[CriterionDef, ...], measures: _Measures
) -> tuple[Standing, ...]:
    scored = []
    for unit in area.at_level(level):
        if unit.status != "active":
            continue
        values = [measures.value(criterion, unit) for criterion in criteria]
        weight = sum(c.weight for c, v in zip(criteria, values, strict=True) if v is not None)
        scores = tuple(
            CriterionScore(c.id, v, 0.0 if v is None else 100 * c.weight * v / weight)
            for c, v in zip(criteria, values, strict=True)
        )
        score = sum(s.points for s in scores)
        scored.append((unit, score, scores))
    scored.sort(key=lambda item: (-round(item[1], _TIE_DIGITS), item[0].id))
    return tuple(
        Standing(rank, unit.id, unit.name, level, area.district_name(unit), score, scores)
        for rank, (unit, score, scores) in enumerate(scored, start=1)
    )


class _Measures:
    """Each measure of :data:`~hoinghe.definitions.plan.MEASURES` for any commune or district."""

    def __init__(self, area: Area, plan: PlanDef, coverage: Coverage, until: date) -> None:
        self.area = area
        # A commune's or district's id -> the (target, units founded) of every unit of its area held to a target.
        self.held: dict[str, list[tuple[TargetDef, int]]] = {}
        for target in plan.targets:
            for holder, founded in _founded(area, target, plan.start, until).items():
                for place in dict.fromkeys((holder, *area.places(holder))):
                    self.held.setdefault(place, []).append((target, founded))
        self.rows = {row.unit: row for row in (*coverage.communes, *coverage.districts)}
        # A commune's or district's id -> the ratings of the rated professional units of its area.
        self.ratings: dict[str, list[str]] = {}
        for unit in area.units.values():
            if (
                unit.kind == "professional"
                and unit.status == "active"
                and unit.rating is not None
                and (unit.founded_on is None or unit.founded_on <= until)
            ):
                for place in area.places(unit.id):
                    self.ratings.setdefault(place, []).append(unit.rating)
        self._measures: dict[str, Callable[[CriterionDef, Unit], float | None]] = {
            "targets_met": lambda _, unit: self._targets(unit, lambda t, n: float(n >= t.min)),
            "groups_founded_share": lambda _, unit: self._targets(unit, _capped, level="group"),
            "branches_founded_share": lambda _, unit: self._targets(unit, _capped, level="branch"),
            "members_informed": lambda _, unit: self._coverage(unit, "members"),
            "cadres_informed": lambda _, unit: self._coverage(unit, "cadres"),
            "leaders_trained": lambda _, unit: self._coverage(unit, "leaders"),
            "good_ratings": self._ratings,
        }

    def value(self, criterion: CriterionDef, unit: Unit) -> float | None:
        """The criterion's measure for the unit; ``None`` when there is nothing to measure."""
        measure = self._measures.get(criterion.measure)
        if measure is None:
            known = ", ".join(sorted(self._measures))
            msg = Text(
                f"tiêu chí {criterion.id!r} đo {criterion.measure!r}, không phải một trong các chỉ số: {known}",
                f"criterion {criterion.id!r} measures {criterion.measure!r}, which is not one of {known}",
            )
            raise OutreachError(msg)
        return measure(criterion, unit)

    def _targets(
        self, unit: Unit, measure: Callable[[TargetDef, int], float], *, level: str | None = None
    ) -> float | None:
        values = [
            measure(target, founded)
            for target, founded in self.held.get(unit.id, ())
            if level is None or target.level == level
        ]
        return sum(values) / len(values) if values else None

    def _coverage(self, unit: Unit, population: str) -> float | None:
        row = self.rows.get(unit.id)
        share: Share | None = None if row is None else getattr(row, population)
        return None if share is None else share.share

    def _ratings(self, criterion: CriterionDef, unit: Unit) -> float | None:
        rated = self.ratings.get(unit.id, ())
        good = set(criterion.ratings)
        return sum(rating in good for rating in rated) / len(rated) if rated else None


def _capped(target: TargetDef, founded: int) -> float:
    return min(founded / target.min, 1.0) if target.min > 0 else 1.0


def _founded(area: Area, target: TargetDef, start: date, until: date) -> dict[str, int]:
    """The units of the scope held to ``target`` by ``until`` and how many units each founded since ``start``."""
    if target.level not in area.hierarchy or target.per not in area.hierarchy:
        return {}
    counts: dict[str, int] = {}
    for unit in area.units.values():
        on = unit.founded_on
        if (
            unit.level != target.level
            or on is None
            or not start <= on <= until
            or (target.kind is not None and unit.kind != target.kind)
        ):
            continue
        holder = area.ancestor_at(unit.id, target.per)
        if holder is not None and area.covers(holder.id):
            counts[holder.id] = counts.get(holder.id, 0) + 1
    return {
        u.id: counts.get(u.id, 0) for u in area.at_level(target.per) if u.status == "active" or u.id in counts
    }

"""Counting a rollout against its plan: the figures of the six-monthly and yearly reports.

A unit counts for a target when its level and kind are the target's and its founding decision is dated between the
plan's start and the report's day, whatever its status now (a group founded and later dissolved was still founded).
It is credited to the unit above it at the target's ``per`` level: a group to its commune, a branch to its district.

The store is read once; every parent lookup after that is a dict lookup, so a national store (10,000 communes,
100,000 groups) is counted in about a second.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from datetime import date

from hoinghe.audit.model import Audit
from hoinghe.definitions.plan import PlanDef, TargetDef
from hoinghe.definitions.profile import Profile
from hoinghe.errors import NotFound
from hoinghe.org.hierarchy import Hierarchy
from hoinghe.org.model import Unit
from hoinghe.org.text import Language, Text
from hoinghe.outreach import Coverage, Ranking, emulation
from hoinghe.outreach import coverage as count_coverage
from hoinghe.reports import _fund
from hoinghe.reports import _wording as w
from hoinghe.reports._periods import periods as plan_periods
from hoinghe.reports._periods import plan_share
from hoinghe.reports.model import (
    FundReport,
    Odds,
    OddsRow,
    PeriodRow,
    Report,
    ReportError,
    ReportKind,
    TargetReport,
    Totals,
    UnitRow,
)
from hoinghe.storage.base import Store

__all__ = ["build_report", "report_kind"]

# A parent chain longer than this is a cycle in the records, not a hierarchy.
_MAX_DEPTH = 64
_LANGUAGES = ("vi", "en")


class _Tree:
    """Every unit of a store, read once, with the lookups a report needs."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self.units: dict[str, Unit] = {u.id: u for u in units}
        self.by_level: dict[str, list[Unit]] = {}
        for unit in self.units.values():
            self.by_level.setdefault(unit.level, []).append(unit)

    def ancestor_at(self, unit: Unit, level: str) -> Unit | None:
        """The unit at ``level`` that ``unit`` lies in (``unit`` itself when it is at that level)."""
        current: Unit | None = unit
        for _ in range(_MAX_DEPTH):
            if current is None or current.level == level:
                return current
            current = self.units.get(current.parent) if current.parent is not None else None
        return None

    def subtree(self, root: str) -> set[str]:
        """The ids of ``root`` and every unit below it."""
        children: dict[str, list[str]] = {}
        for unit in self.units.values():
            if unit.parent is not None:
                children.setdefault(unit.parent, []).append(unit.id)
        found, todo = {root}, [root]
        while todo:
            for child in children.get(todo.pop(), ()):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return found


def report_kind(as_of: date) -> ReportKind:
    """``half_year`` on 30 June, ``year`` on 31 December, ``interim`` on any other day."""
    if (as_of.month, as_of.day) == (6, 30):
        return "half_year"
    if (as_of.month, as_of.day) == (12, 31):
        return "year"
    return "interim"


def build_report(
    store: Store,
    hierarchy: Hierarchy,
    plan: PlanDef,
    *,
    as_of: date,
    scope: str | None = None,
    language: Language = "vi",
    odds: Sequence[Odds] = (),
    title: str | None = None,
    coverage: Coverage | None = None,
    ranking: Ranking | None = None,
    audit: Audit | None = None,
    profile: Profile | None = None,
    fund: FundReport | None = None,
) -> Report:
    """Count what was founded against the plan's targets, up to and including ``as_of``.

    When the store records outreach sessions or trainings held by ``as_of``, the report also states who they
    reached from the plan's start against the plan's coverage targets and, in a yearly report (31 December) of a
    plan with emulation criteria, ranks the year's communes and districts (:mod:`hoinghe.outreach`).  Given the
    ``profile`` whose rules the store's cases run by, it also states the Farmer Support Fund's loan applications
    in the scope and the order of priority of those still open (:mod:`hoinghe.fund`), when there are any.

    Args:
        store: where the units are; read once.
        hierarchy: the levels of the profile the units follow (``vn-2019`` or ``vn-2025``).
        plan: the plan whose targets are counted.
        as_of: the last day counted (30 June for a six-month review, 31 December for the annual one).
        scope: the id of a unit (a province, a district) to report on its subtree only; ``None`` for every unit.
        language: ``vi`` (default) or ``en``, for every text of the report.
        odds: simulated chances of meeting targets, shown in their own section.
        title: the report's title; by default named from ``as_of`` (``Báo cáo tổng kết năm 2023``).
        coverage: the outreach and training coverage to state, counted already; by default counted from the
            store as said above.
        ranking: the emulation ranking to state, made already; by default made as said above.
        audit: a compliance audit (:func:`hoinghe.audit.audit`) to state in its own section.
        profile: the profile the store's cases run by (its ``hierarchy`` is ``hierarchy``); its loan workflow and
            Decree 37/2023 rules rank the Fund's applications.  Without it the report has no Fund section.
        fund: the Fund's figures to state, counted already; by default counted from the store as said above.

    Returns:
        The report; render it with ``to_markdown()``, ``to_csv()``, ``to_html()`` or ``write(path)``.

    Raises:
        ReportError: ``as_of`` is before the plan starts, or the language is not ``vi`` or ``en``.
        NotFound: ``scope`` is not a unit of the store, or an ``odds`` names a target the plan does not have.
        FundError: a loan application's data has the wrong shape, or the Fund's parameters are not in force.
    """
    if language not in _LANGUAGES:
        msg = Text(
            f"báo cáo được viết bằng tiếng Việt (vi) hoặc tiếng Anh (en), không phải {language!r}",
            f"reports are written in vi or en, not {language!r}",
        )
        raise ReportError(msg)
    if as_of < plan.start:
        day, plan_id, start = as_of.isoformat(), plan.id, plan.start.isoformat()
        msg = Text(
            f"ngày báo cáo {day} trước ngày bắt đầu kế hoạch {plan_id!r} ({start}); "
            "chưa có đơn vị nào được thành lập theo kế hoạch",
            f"the report's day {day} is before plan {plan_id!r} starts ({start}); "
            "nothing can have been founded under it yet",
        )
        raise ReportError(msg)
    targets = {t.id: t for t in plan.targets}
    for item in odds:
        if item.target not in targets:
            raise NotFound(Text("chỉ tiêu", "target"), item.target, known=targets)
    tree = _Tree(store.units())
    scope_unit: Unit | None = None
    if scope is not None:
        scope_unit = tree.units.get(scope)
        if scope_unit is None:
            raise NotFound(Text("đơn vị", "unit"), scope)
    counter = _Counter(tree, hierarchy=hierarchy, plan=plan, as_of=as_of, language=language, scope=scope_unit)
    kind = report_kind(as_of)
    if coverage is None and store.activities(until=as_of):
        coverage = count_coverage(store, hierarchy, since=plan.start, until=as_of, scope=scope)
    if ranking is None and coverage is not None and kind == "year" and plan.emulation:
        same = (coverage.since, coverage.until, coverage.scope) == (plan.start, as_of, scope)
        ranking = emulation(
            store, hierarchy, plan, year=as_of.year, scope=scope, coverage=coverage if same else None
        )
    if fund is None and profile is not None:
        fund = _fund.count(
            store, profile, until=as_of, units=tree.units, in_scope=counter.in_scope, language=language
        )
    return Report(
        title=title if title is not None else _title(kind, as_of, language),
        kind=kind,
        language=language,
        as_of=as_of,
        plan=plan.id,
        plan_title=plan.title.get(language),
        start=plan.start,
        deadline=plan.deadline,
        scope=scope,
        scope_name=_scope_name(tree, scope_unit, language),
        periods=counter.periods,
        targets=tuple(counter.count(target) for target in plan.targets),
        odds=tuple(_odds_row(item, targets[item.target], tree, language) for item in odds),
        coverage=coverage,
        coverage_targets=plan.coverage,
        ranking=ranking,
        audit=audit,
        fund=fund,
    )


def _title(kind: ReportKind, as_of: date, language: Language) -> str:
    if kind == "interim":
        return w.say("interim", language, day=w.day(as_of, language))
    return w.say(kind, language, year=as_of.year)


def _scope_name(tree: _Tree, scope: Unit | None, language: Language) -> str:
    if scope is not None:
        return scope.name
    roots = [u for u in tree.units.values() if u.parent is None]
    return roots[0].name if len(roots) == 1 else w.say("whole_store", language)


def _odds_row(item: Odds, target: TargetDef, tree: _Tree, language: Language) -> OddsRow:
    title = target.title.get(language) if target.title is not None else target.id
    unit = tree.units.get(item.scope)
    every, _, level = item.scope.partition(" ")
    if unit is not None:
        scope_name = unit.name
    elif every == "every" and level:
        scope_name = w.say("every", language, level=w.level_noun(level, language))
    else:
        scope_name = item.scope
    return OddsRow(item, title, scope_name)


class _Counter:
    """Counts each target of one report over the same tree, scope and periods."""

    def __init__(
        self,
        tree: _Tree,
        *,
        hierarchy: Hierarchy,
        plan: PlanDef,
        as_of: date,
        language: Language,
        scope: Unit | None,
    ) -> None:
        self.tree, self.hierarchy, self.plan, self.as_of = tree, hierarchy, plan, as_of
        self.language, self.scope = language, scope
        self.in_scope = tree.subtree(scope.id) if scope is not None else None
        self.periods = plan_periods(plan.start, as_of, plan.report_months, language)
        self._period_ends = [p.end for p in self.periods]

    def count(self, target: TargetDef) -> TargetReport:
        """The target's rows, totals and periods, or the reason it does not apply."""
        reason = self._not_applicable(target)
        if reason:
            return self._target(target, reason=reason, rows=(), founded_on=[], unplaced=0)
        founded: dict[str, int] = {}
        active: dict[str, int] = {}
        days: list[date] = []
        unplaced = 0
        start, as_of = self.plan.start, self.as_of
        for unit in self.tree.by_level.get(target.level, ()):
            on = unit.founded_on
            if (
                on is None
                or not start <= on <= as_of
                or (target.kind is not None and unit.kind != target.kind)
            ):
                continue
            holder = self.tree.ancestor_at(unit, target.per)
            if holder is None:
                unplaced += self.in_scope is None or unit.id in self.in_scope
                continue
            if self.in_scope is not None and holder.id not in self.in_scope:
                continue
            founded[holder.id] = founded.get(holder.id, 0) + 1
            active[holder.id] = active.get(holder.id, 0) + (unit.status == "active")
            days.append(on)
        rows = tuple(
            self._row(unit, founded.get(unit.id, 0), active.get(unit.id, 0), target)
            for unit in self.tree.by_level.get(target.per, ())
            if (self.in_scope is None or unit.id in self.in_scope)
            and (unit.status == "active" or unit.id in founded)
        )
        return self._target(target, reason="", rows=rows, founded_on=days, unplaced=unplaced)

    def _not_applicable(self, target: TargetDef) -> str:
        language = self.language
        for level in (target.per, target.level):
            if level not in self.hierarchy:
                levels = ", ".join(
                    w.level_noun(lv.id, language, fallback=lv.title.get(language)) for lv in self.hierarchy
                )
                return w.say("no_level", language, level=w.level_noun(level, language), levels=levels)
        scope = self.scope
        if (
            scope is not None
            and scope.level in self.hierarchy
            and self.hierarchy.is_above(target.per, scope.level)
        ):
            return w.say("scope_below", language, scope=scope.name, level=w.level_noun(target.per, language))
        return ""

    def _row(self, unit: Unit, founded: int, active: int, target: TargetDef) -> UnitRow:
        province = self.tree.ancestor_at(unit, "province") if unit.level != "province" else None
        district = self.tree.ancestor_at(unit, "district") if unit.level != "district" else None
        return UnitRow(
            unit=unit.id,
            name=unit.name,
            parent=unit.parent,
            province=province.name if province is not None else None,
            district=district.name if district is not None else None,
            founded=founded,
            active=active,
            met=founded >= target.min,
        )

    def _target(
        self,
        target: TargetDef,
        *,
        reason: str,
        rows: tuple[UnitRow, ...],
        founded_on: list[date],
        unplaced: int,
    ) -> TargetReport:
        language, plan = self.language, self.plan
        required = len(rows) * target.min
        totals = Totals(
            units=len(rows),
            met=sum(r.met for r in rows),
            founded=sum(r.founded for r in rows),
            active=sum(r.active for r in rows),
            required=required,
            expected=required * plan_share(plan.start, plan.deadline, self.as_of),
        )
        return TargetReport(
            id=target.id,
            title=target.title.get(language) if target.title is not None else target.id,
            level=target.level,
            per=target.per,
            kind=target.kind,
            min=target.min,
            max=target.max,
            noun=w.unit_noun(target.level, target.kind, language),
            per_noun=w.level_noun(target.per, language),
            per_plural=w.level_noun(target.per, language, plural=True),
            applicable=not reason,
            reason=reason,
            rows=rows,
            totals=totals,
            periods=self._period_rows(founded_on, required) if not reason else (),
            unplaced=unplaced,
        )

    def _period_rows(self, founded_on: list[date], required: int) -> tuple[PeriodRow, ...]:
        per_period = [0] * len(self.periods)
        ends = self._period_ends
        for on in founded_on:
            per_period[bisect.bisect_left(ends, on)] += 1
        out: list[PeriodRow] = []
        cumulative = 0
        plan = self.plan
        for period, founded in zip(self.periods, per_period, strict=True):
            cumulative += founded
            expected = required * plan_share(plan.start, plan.deadline, period.end)
            out.append(PeriodRow(period, founded, cumulative, expected))
        return tuple(out)

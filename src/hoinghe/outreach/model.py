"""Outreach and training coverage, and the emulation ranking, as data: read their figures, or render them in a
report (:func:`hoinghe.reports.build_report` states both).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import attrs

from hoinghe.definitions.plan import CriterionDef
from hoinghe.errors import Diagnostic, HoingheError, NotFound
from hoinghe.i18n import Text

__all__ = ["Coverage", "CoverageRow", "CriterionScore", "OutreachError", "Ranking", "Share", "Standing"]


class OutreachError(HoingheError, ValueError):
    """Outreach or training records cannot be read (a bad CSV row), or a coverage or ranking cannot be made as
    asked (a period that ends before it starts, a plan without emulation criteria).

    ``diagnostics`` holds every problem found (code HNG-W019, with ``file:line``), when there are several; the
    message lists them below its first line, in the same language.
    """

    code = "HNG-E014"

    def __init__(self, message: Text, diagnostics: Iterable[Diagnostic] = ()) -> None:
        self.diagnostics = tuple(diagnostics)
        lines = [Text(f"  {d.describe('vi')}", f"  {d.describe('en')}") for d in self.diagnostics]
        super().__init__(Text.join("\n", [message, *lines]))


@attrs.frozen
class Share:
    """How many of a population were reached: ``reached`` of ``total``."""

    reached: int = 0
    total: int = 0

    @property
    def share(self) -> float | None:
        """``reached / total``; ``None`` when there is nobody to reach."""
        return self.reached / self.total if self.total else None

    def meets(self, target: float) -> bool | None:
        """Whether the share reaches ``target`` (a share, 1.0 for everyone); ``None`` when there is nobody."""
        share = self.share
        return None if share is None else share >= target


@attrs.frozen
class CoverageRow:
    """The coverage of one commune or district: its members, its cadres, its units' leaders.

    Attributes:
        unit: the commune's or district's id.
        name: its name.
        level: ``commune`` or ``district``.
        district: the name of the district a commune lies in; ``None`` for a district, or without districts.
        members: union members living there, and how many attended an outreach session.
        cadres: cadres of its union (and, for a district, of its communes' unions), and how many were informed.
        leaders: leaders of its active professional branches and groups, and how many attended a training.
        outreach: outreach sessions organised by it or a unit below it.
        training: trainings organised by it or a unit below it.
    """

    unit: str
    name: str
    level: str
    district: str | None
    members: Share
    cadres: Share
    leaders: Share
    outreach: int = 0
    training: int = 0


@attrs.frozen
class Coverage:
    """Who outreach and training reached between two days, over a scope, against nobody's target: compare the
    shares with a plan's :class:`~hoinghe.definitions.plan.CoverageTargets`.

    Attributes:
        since: the first day counted.
        until: the last day counted; membership and units are taken as of this day.
        scope: the unit whose area is covered; ``None`` for the whole store.
        members: union members (joined by ``until``, living in the scope) who attended an outreach session.
        cadres: cadres (see :func:`~hoinghe.outreach.coverage`) who attended an outreach session.
        leaders: leaders of active professional branches and groups who attended a training.
        outreach: outreach sessions organised in the scope.
        training: trainings organised in the scope.
        communes: per commune, in the store's order.
        districts: per district, in the store's order; empty in a hierarchy without districts.
    """

    since: date
    until: date
    scope: str | None
    members: Share
    cadres: Share
    leaders: Share
    outreach: int
    training: int
    communes: tuple[CoverageRow, ...] = ()
    districts: tuple[CoverageRow, ...] = ()

    def row(self, unit_id: str) -> CoverageRow:
        """The row of a commune or district; :class:`~hoinghe.errors.NotFound` when it has none."""
        for row in (*self.communes, *self.districts):
            if row.unit == unit_id:
                return row
        raise NotFound(Text("dòng số liệu tuyên truyền, tập huấn", "coverage row"), unit_id)


@attrs.frozen
class CriterionScore:
    """What one criterion gave a unit.

    Attributes:
        criterion: the criterion's id.
        value: the measure, a share between 0 and 1; ``None`` when there was nothing to measure (the criterion
            is then left out of the unit's score, and the other criteria's weights count for it).
        points: its part of the score: ``100 * weight * value`` over the weights of the criteria that applied.
    """

    criterion: str
    value: float | None
    points: float


@attrs.frozen
class Standing:
    """A commune's or district's place in the ranking.

    Attributes:
        rank: 1 for the best; no two units share a rank (ties go to the smaller id).
        unit: the unit's id.
        name: its name.
        level: ``commune`` or ``district``.
        district: the name of the district a commune lies in, when there is one.
        score: points out of 100: the weighted mean of the criteria that apply, times 100.
        scores: per criterion, in the plan's order.
    """

    rank: int
    unit: str
    name: str
    level: str
    district: str | None
    score: float
    scores: tuple[CriterionScore, ...]

    def value(self, criterion: str) -> float | None:
        """The measure of ``criterion`` for this unit; :class:`~hoinghe.errors.NotFound` for an unknown id."""
        for score in self.scores:
            if score.criterion == criterion:
                return score.value
        raise NotFound(Text("tiêu chí", "criterion"), criterion, known=[s.criterion for s in self.scores])


@attrs.frozen
class Ranking:
    """The yearly emulation ranking (*thi đua*) of communes and districts.

    Attributes:
        year: the year ranked; figures are counted to its last day.
        scope: the unit whose communes and districts are ranked; ``None`` for the whole store.
        criteria: the plan's criteria, with their weights and titles.
        communes: every active commune in the scope, best first.
        districts: every active district in the scope, best first; empty without districts.
    """

    year: int
    scope: str | None
    criteria: tuple[CriterionDef, ...]
    communes: tuple[Standing, ...] = ()
    districts: tuple[Standing, ...] = ()

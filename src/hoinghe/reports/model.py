"""A progress report as data: per target, every unit held to it with its count, the totals and the periods.

A :class:`Report` is made by :func:`~hoinghe.reports.progress.build_report` in one language; its figures are read
by programs and tests, and it renders itself as Markdown, CSV or a self-contained HTML page.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Literal

import attrs

from hoinghe.audit.model import Audit
from hoinghe.definitions.plan import CoverageTargets
from hoinghe.errors import HoingheError, NotFound
from hoinghe.fund.model import Ranked
from hoinghe.org.text import Language, Text
from hoinghe.outreach.model import Coverage, Ranking

__all__ = [
    "FORMATS",
    "FundReport",
    "FundRow",
    "FundStage",
    "FundState",
    "Odds",
    "OddsRow",
    "Period",
    "PeriodRow",
    "Report",
    "ReportError",
    "ReportKind",
    "TargetReport",
    "Totals",
    "UnitRow",
]

#: What a report is, from its day: the six-month review (*sơ kết*, as of 30 June), the annual review
#: (*tổng kết*, as of 31 December), or a progress report on any other day.
ReportKind = Literal["half_year", "year", "interim"]

#: What a state of the loan workflow means for a report: submitted and not decided yet (``review``, returned for
#: completion too), ``approved``, ``disbursed``, or ``closed`` without a loan (refused or withdrawn).
FundStage = Literal["review", "approved", "disbursed", "closed"]

#: The file suffixes :meth:`Report.write` knows, and the format each one writes.
FORMATS: dict[str, str] = {".csv": "CSV", ".html": "HTML", ".md": "Markdown"}


class ReportError(HoingheError, ValueError):
    """A report cannot be made or written as asked (a day before the plan starts, an unknown file suffix)."""

    code = "HNG-E012"


def _share(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        name = attribute.name
        msg = Text(
            f"{name} là một xác suất từ 0 đến 1, không phải {value!r}",
            f"{name} must be a probability between 0 and 1, not {value!r}",
        )
        raise ValueError(msg)


@attrs.frozen
class Odds:
    """The chance of meeting a target, estimated by Monte Carlo simulation.

    Attributes:
        target: the id of the plan's target (``branches_per_district``).
        probability: the estimated chance, between 0 and 1.
        low: the lower end of the estimate's interval.
        high: the upper end of the estimate's interval.
        runs: how many simulated rollouts the estimate is made of.
        scope: what must meet the target: a unit id, or words such as ``every district``.
    """

    target: str
    probability: float = attrs.field(validator=_share)
    low: float = attrs.field(validator=_share)
    high: float = attrs.field(validator=_share)
    runs: int
    scope: str

    def __attrs_post_init__(self) -> None:
        if not self.low <= self.probability <= self.high:
            target, low, high, probability = self.target, self.low, self.high, self.probability
            msg = Text(
                f"khả năng đạt {target!r}: khoảng [{low}, {high}] phải chứa {probability}",
                f"odds of {target!r}: the interval [{low}, {high}] must hold {probability}",
            )
            raise ValueError(msg)
        if self.runs < 1:
            target, runs = self.target, self.runs
            msg = Text(
                f"khả năng đạt {target!r}: số lần mô phỏng phải ít nhất là 1, không phải {runs}",
                f"odds of {target!r}: runs must be at least 1, not {runs}",
            )
            raise ValueError(msg)


@attrs.frozen
class OddsRow:
    """Odds as the report shows them: with the target's title and the scope's name in the report's language."""

    odds: Odds
    target_title: str
    scope_name: str


@attrs.frozen
class Period:
    """A reporting period, both days inclusive, with its name (``6 tháng đầu năm 2022``)."""

    start: date
    end: date
    label: str


@attrs.frozen
class PeriodRow:
    """What a target counted in one period.

    Attributes:
        period: the period.
        founded: units founded in it.
        cumulative: units founded from the plan's start to the period's end.
        expected: the cumulative target at the period's end: the sum of every unit's minimum, spread evenly
            from the plan's start to its deadline.
    """

    period: Period
    founded: int
    cumulative: int
    expected: float


@attrs.frozen
class UnitRow:
    """One unit held to a target (a district, a commune) and what it founded.

    Attributes:
        unit: the unit's id.
        name: its name.
        parent: the id of the unit it sits under.
        province: the name of the province it lies in; ``None`` when it is a province or above.
        district: the name of the district it lies in; ``None`` at district level and above, and in
            hierarchies without districts.
        founded: units it founded between the plan's start and the report's day, whatever their status now.
        active: how many of those are active on the report's day.
        met: ``founded`` reaches the target's minimum.
    """

    unit: str
    name: str
    parent: str | None
    province: str | None
    district: str | None
    founded: int
    active: int
    met: bool


@attrs.frozen
class Totals:
    """A target's figures over every unit held to it.

    Attributes:
        units: how many units are held to it.
        met: how many of them meet it.
        founded: units founded, summed over them.
        active: how many of those are active.
        required: the sum of their minimums.
        expected: the part of ``required`` due by the report's day on an even schedule.
    """

    units: int
    met: int
    founded: int
    active: int
    required: int
    expected: float

    @property
    def share_met(self) -> float:
        """The share of units meeting the target (0 when no unit is held to it)."""
        return self.met / self.units if self.units else 0.0

    @property
    def share_founded(self) -> float:
        """Units founded as a share of the sum of minimums (0 when nothing is required)."""
        return self.founded / self.required if self.required else 0.0


@attrs.frozen
class TargetReport:
    """One target of the plan, counted.

    Attributes:
        id: the target's id.
        title: its title in the report's language.
        level: the level counted (``branch``).
        per: the level held to it (``district``).
        kind: the kind of unit counted (``professional``), ``None`` for any.
        min: the minimum each unit is to found.
        max: the upper figure of the range, if the plan gives one.
        noun: what is counted, in the report's language (``chi hội nghề nghiệp``).
        per_noun: who is held to it (``huyện``, ``district``).
        per_plural: the same in the plural (``huyện``, ``districts``).
        applicable: ``False`` when the target cannot apply (see ``reason``); then it has no rows.
        reason: why it does not apply, in the report's language; empty when it applies.
        rows: every unit held to it within the scope, in the store's order.
        totals: the figures over ``rows``.
        periods: per reporting period, founded and cumulative against the target line.
        unplaced: counted units with no unit at the ``per`` level above them in the store (not in ``rows``).
    """

    id: str
    title: str
    level: str
    per: str
    kind: str | None
    min: int
    max: int | None
    noun: str
    per_noun: str
    per_plural: str
    applicable: bool
    reason: str
    rows: tuple[UnitRow, ...]
    totals: Totals
    periods: tuple[PeriodRow, ...]
    unplaced: int = 0

    @property
    def range(self) -> str:
        """The target's figures as written in a table: ``4–5``, or ``≥ 4`` without an upper figure."""
        return f"{self.min}–{self.max}" if self.max is not None else f"≥ {self.min}"


@attrs.frozen
class FundState:
    """How many of the Fund's loan applications stood in one state of the loan workflow on the report's day.

    Attributes:
        state: the state's id (``submitted``, ``disbursed`` ...).
        title: its title in the report's language.
        stage: see :data:`FundStage`.
        count: applications in it.
    """

    state: str
    title: str
    stage: FundStage
    count: int


@attrs.frozen
class FundRow:
    """A loan application open on the report's day, in the Fund's order of priority, as the report shows it.

    Attributes:
        ranked: its place and the reasons, from :func:`hoinghe.fund.rank`.
        name: the name of the group whose members borrow.
        commune: the name of the commune the group lies in, when there is one.
        state: the application's state on the report's day.
        borrowers: how many members borrow.
        amount: the sum they ask for, in VND.
        reasons: ``ranked.reasons`` in the report's language.
    """

    ranked: Ranked
    name: str
    commune: str | None
    state: str
    borrowers: int
    amount: int
    reasons: tuple[str, ...]


@attrs.frozen
class FundReport:
    """The Farmer Support Fund's loan applications in a report's scope (section *Quỹ Hỗ trợ nông dân*).

    An application counts once it has been submitted (left the workflow's first state) by the report's day; its
    state is the one it stood in on that day.

    Attributes:
        until: the day counted to.
        states: per state of the loan workflow that holds applications, in the workflow's order.
        submitted: applications submitted by ``until``.
        borrowers: the distinct members they name as borrowers.
        professional: how many of those belong to an active professional group or branch, whom the plan puts
            first (II.2.3).
        disbursed: loans disbursed.
        disbursed_vnd: the sum of the loans disbursed, in VND.
        pending: the applications open on ``until`` (submitted, and neither disbursed, refused nor withdrawn; not
            those returned for completion), in the Fund's order of priority, as ``hoinghe fund rank`` lists them.
        shown: how many of ``pending`` the Markdown and HTML renderings list (CSV lists them all).
    """

    until: date
    states: tuple[FundState, ...]
    submitted: int
    borrowers: int
    professional: int
    disbursed: int
    disbursed_vnd: int
    pending: tuple[FundRow, ...]
    shown: int = 10

    def count(self, stage: FundStage) -> int:
        """Applications at ``stage`` on the report's day."""
        return sum(s.count for s in self.states if s.stage == stage)

    @property
    def share_professional(self) -> float | None:
        """The share of borrowers in a professional group or branch; ``None`` when no one borrows."""
        return self.professional / self.borrowers if self.borrowers else None


@attrs.frozen
class Report:
    """A six-monthly or yearly progress report of a rollout against its plan.

    Attributes:
        title: the report's name (``Báo cáo sơ kết 6 tháng đầu năm 2022``).
        kind: see :data:`ReportKind`.
        language: the language of every text in it.
        as_of: the last day counted.
        plan: the plan's id.
        plan_title: the plan's title.
        start: the plan's start.
        deadline: the plan's deadline.
        scope: the id of the unit whose subtree is reported; ``None`` for the whole store.
        scope_name: the scope's name.
        periods: the reporting periods from the plan's start to ``as_of``.
        targets: the plan's targets, in the plan's order.
        odds: simulated chances of meeting the targets, when given.
        coverage: who outreach and training reached from the plan's start to ``as_of``, when the store records
            them (section *Công tác tuyên truyền, tập huấn*).
        coverage_targets: the plan's coverage targets the shares are compared with.
        ranking: the emulation ranking of the year, in a yearly report of a store that records outreach
            (section *Thi đua*).
        audit: the compliance audit of the units on ``as_of``, when one was made (section *Rà soát*).
        fund: the Farmer Support Fund's loan applications, when the report was made with a profile that has the
            loan workflow and the scope has applications (section *Quỹ Hỗ trợ nông dân*).
    """

    title: str
    kind: ReportKind
    language: Language
    as_of: date
    plan: str
    plan_title: str
    start: date
    deadline: date
    scope: str | None
    scope_name: str
    periods: tuple[Period, ...]
    targets: tuple[TargetReport, ...]
    odds: tuple[OddsRow, ...] = ()
    coverage: Coverage | None = None
    coverage_targets: CoverageTargets = attrs.field(factory=CoverageTargets)
    ranking: Ranking | None = None
    audit: Audit | None = None
    fund: FundReport | None = None

    def target(self, target_id: str) -> TargetReport:
        """The target with this id; :class:`~hoinghe.errors.NotFound` when the plan has none."""
        for target in self.targets:
            if target.id == target_id:
                return target
        raise NotFound(Text("chỉ tiêu", "target"), target_id, known=[t.id for t in self.targets])

    def to_markdown(self) -> str:
        """The report as Markdown: headings, a summary, and per target a table with totals and the periods."""
        from hoinghe.reports._markdown import render  # noqa: PLC0415 - renderers read this module's records

        return render(self)

    def to_csv(self) -> str:
        """One row per unit per target: ``target, level, unit, name, province, district, founded, min, max, met,
        active`` (a header row first, RFC 4180 line ends).

        A report with coverage or a ranking has five more columns, ``reached, total, share, rank, score``, and
        more rows: per commune and district, one per coverage target (``members_informed``,
        ``cadres_informed``, ``leaders_trained``: ``min`` is the target share, ``met`` whether it is reached),
        and in the ranking one with the score (``emulation``) and one per criterion (``emulation:<id>``, its
        value in ``share`` and its points in ``score``).

        A report with the Farmer Support Fund has three more, ``case, state, reasons``, and its rows last: one
        per state of the loan workflow (``fund_applications``, the count in ``total``), one for the borrowers
        (``fund_borrowers``, those in professional groups and branches in ``reached``), and one per open
        application in the Fund's order (``fund_priority``: ``rank``, ``score``, ``met`` for the loan conditions,
        the reasons in the report's language).
        """
        from hoinghe.reports._tables import render  # noqa: PLC0415 - renderers read this module's records

        return render(self)

    def to_html(self) -> str:
        """The report as one self-contained HTML page, with charts when matplotlib is installed."""
        from hoinghe.reports._html import render  # noqa: PLC0415 - renderers read this module's records

        return render(self)

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the report in the format its suffix names (``.md``, ``.csv``, ``.html``), as UTF-8.

        A CSV file starts with a byte-order mark, so spreadsheet programs read its Vietnamese names right.

        Returns:
            The path written.

        Raises:
            ReportError: the suffix is not one of :data:`FORMATS` (nothing is written).
        """
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix == ".md":
            target.write_text(self.to_markdown(), encoding="utf-8", newline="")
        elif suffix == ".html":
            target.write_text(self.to_html(), encoding="utf-8", newline="")
        elif suffix == ".csv":
            target.write_text(self.to_csv(), encoding="utf-8-sig", newline="")
        else:
            known = ", ".join(f"{s} ({name})" for s, name in sorted(FORMATS.items()))
            where, suffix_given = str(target), target.suffix
            found = (
                Text(f"đuôi tệp {suffix_given!r} không được hỗ trợ", f"unknown suffix {suffix_given!r}")
                if suffix_given
                else Text("tệp không có đuôi", "no suffix")
            )
            msg = Text(
                f"không ghi được báo cáo vào {where!r}: {found.vi}; hãy dùng một trong các đuôi {known}",
                f"cannot write a report to {where!r}: {found.get('en')}; use one of {known}",
            )
            raise ReportError(msg)
        return target

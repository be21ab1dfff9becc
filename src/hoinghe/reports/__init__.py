"""Progress reports of a rollout against its plan: the six-monthly *sơ kết* and the yearly *tổng kết*.

:func:`build_report` counts what was founded against each of the plan's targets, per district or commune and per
reporting period; the :class:`Report` it returns is data (read its figures) and renders itself as Markdown, CSV or
a self-contained HTML page with charts (``pip install 'hoinghe[plots]'``).  When the store records outreach
sessions and trainings, the report also states who they reached against the plan's coverage targets and, yearly,
the emulation ranking of communes and districts (:mod:`hoinghe.outreach`); given the profile, it states the Farmer
Support Fund's loan applications and the order of priority of the open ones (:mod:`hoinghe.fund`).
"""

from hoinghe.reports.model import (
    FORMATS,
    FundReport,
    FundRow,
    FundStage,
    FundState,
    Odds,
    OddsRow,
    Period,
    PeriodRow,
    Report,
    ReportError,
    ReportKind,
    TargetReport,
    Totals,
    UnitRow,
)
from hoinghe.reports.progress import build_report, report_kind

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
    "build_report",
    "report_kind",
]

"""Outreach sessions and trainings: who was reached, against the plan's coverage targets, and the yearly
emulation ranking (*thi đua*) of communes and districts.

- :func:`read_activities` reads the CSV file a union keeps of its sessions (*tuyên truyền*, *tập huấn*); a store
  keeps them with ``put_activities`` and lists them with ``activities``.
- :func:`coverage` counts the members and cadres informed and the leaders trained, per commune and district.
- :func:`emulation` ranks communes and districts by the plan's weighted criteria.

:func:`hoinghe.reports.build_report` states both in the six-monthly and yearly reports.
"""

from hoinghe.outreach.coverage import coverage
from hoinghe.outreach.emulation import emulation
from hoinghe.outreach.importer import COLUMNS, REQUIRED, read_activities
from hoinghe.outreach.model import (
    Coverage,
    CoverageRow,
    CriterionScore,
    OutreachError,
    Ranking,
    Share,
    Standing,
)

__all__ = [
    "COLUMNS",
    "REQUIRED",
    "Coverage",
    "CoverageRow",
    "CriterionScore",
    "OutreachError",
    "Ranking",
    "Share",
    "Standing",
    "coverage",
    "emulation",
    "read_activities",
]

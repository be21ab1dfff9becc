"""A rollout plan: what a union's plan asks each district and commune to found, by when, and how it reports.

A plan is its own YAML document (``kind: plan``), so a province writes its plan's figures next to its workflows
and rules.  Reports count founded units against its targets; the simulator plays rollouts against them.  The
shipped ``nq04-2019`` is the typical provincial plan implementing Resolution 04-NQ/HNDTW: by the end of 2023, 4-5
new professional branches per district and 8-10 new professional groups per commune union.
"""

from __future__ import annotations

import datetime as dt

import attrs

from hoinghe.definitions.rulepack import Citation, Confidence
from hoinghe.org.text import Text

__all__ = ["PlanDef", "TargetDef"]


@attrs.frozen
class TargetDef:
    """Each unit at level ``per`` is to found between ``min`` and ``max`` new units at ``level`` (of ``kind``).

    Attributes:
        id: names the target in reports (``branches_per_district``).
        level: what is counted: ``branch`` or ``group``.
        per: who is held to it: each ``district``, ``commune`` or ``province`` (a level of the hierarchy).
        min: the target's lower figure ("4-5": 4); meeting it is meeting the target.
        max: its upper figure, when the plan gives a range.
        kind: the kind of unit counted; professional by default.
        title: how reports name it.
    """

    id: str
    level: str
    per: str
    min: int
    max: int | None = None
    kind: str | None = "professional"
    title: Text | None = None


@attrs.frozen
class PlanDef:
    """A rollout plan.

    Attributes:
        id: the plan's id (``nq04-2019``).
        title: its title.
        start: the day founding counts from (units founded before it are not "new").
        deadline: the day by which the targets are to be met (inclusive).
        targets: what each district, commune ... is to found.
        report_months: months between progress reports (6: *sơ kết* every six months, *tổng kết* yearly).
        cite: the plan's text.
        confidence: how sure the figures are (``V`` read in the plan itself).
    """

    id: str
    title: Text
    start: dt.date
    deadline: dt.date
    targets: tuple[TargetDef, ...]
    report_months: int = 6
    cite: Citation | None = None
    confidence: Confidence = "V"

"""A rollout plan: what a union's plan asks each district and commune to found, by when, and how it reports.

A plan is its own YAML document (``kind: plan``), so a province writes its plan's figures next to its workflows
and rules.  Reports count founded units against its targets; the simulator plays rollouts against them.  The
shipped ``nq04-2019`` is the typical provincial plan implementing Resolution 04-NQ/HNDTW: by the end of 2023, 4-5
new professional branches per district and 8-10 new professional groups per commune union; 100% of cadres and
members informed, branch heads and group leaders trained; and an emulation (*thi đua*) ranking whose criteria and
weights the plan's ``emulation`` list states.
"""

from __future__ import annotations

import datetime as dt

import attrs

from hoinghe.definitions.rulepack import Citation, Confidence
from hoinghe.org.text import Text

__all__ = ["MEASURES", "CoverageTargets", "CriterionDef", "PlanDef", "TargetDef"]

#: What an emulation criterion can measure, each a share between 0 and 1 for a commune or a district at the end of
#: the year ranked (``None``, and left out of the unit's score, when there is nothing to measure):
MEASURES: dict[str, Text] = {
    "targets_met": Text(
        "tỉ lệ chỉ tiêu của kế hoạch giao cho đơn vị và các đơn vị cấp dưới đã đạt",
        "share of the plan's targets held by the unit and the units below it that are met",
    ),
    "groups_founded_share": Text(
        "số tổ hội nghề nghiệp đã thành lập / mức tối thiểu của các chỉ tiêu về tổ hội, tính theo mỗi đơn vị "
        "được giao, tối đa là 1",
        "professional groups founded / the groups targets' minimum, per unit held, capped at 1",
    ),
    "branches_founded_share": Text(
        "số chi hội nghề nghiệp đã thành lập / mức tối thiểu của các chỉ tiêu về chi hội, tính theo mỗi đơn vị "
        "được giao, tối đa là 1",
        "professional branches founded / the branch targets' minimum, per unit held, capped at 1",
    ),
    "members_informed": Text(
        "tỉ lệ hội viên sinh sống trên địa bàn đơn vị đã dự một buổi tuyên truyền",
        "share of union members living in the unit's area who attended an outreach session",
    ),
    "cadres_informed": Text(
        "tỉ lệ cán bộ của đơn vị (người thực hiện giữ vai trò ở cấp hội của đơn vị) đã dự một buổi tuyên truyền",
        "share of the unit's cadres (actors with a role at its union) who attended an outreach session",
    ),
    "leaders_trained": Text(
        "tỉ lệ cán bộ chủ chốt của các chi hội, tổ hội nghề nghiệp đang hoạt động đã dự tập huấn",
        "share of the leaders of its active professional branches and groups who attended a training",
    ),
    "good_ratings": Text(
        "tỉ lệ chi hội, tổ hội nghề nghiệp đã được xếp loại có mức xếp loại nằm trong `ratings`",
        "share of its rated professional branches and groups whose rating is one of `ratings`",
    ),
}


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
class CoverageTargets:
    """The shares of people the plan wants reached, each between 0 and 1 (1.0: everyone).

    Attributes:
        members_informed: union members who attended an outreach session (*hội viên được tuyên truyền*).
        cadres_informed: cadres of the commune, district and province unions who attended one.
        leaders_trained: heads, deputies and leaders of professional branches and groups who attended a training.
    """

    members_informed: float = 1.0
    cadres_informed: float = 1.0
    leaders_trained: float = 1.0


@attrs.frozen
class CriterionDef:
    """One criterion of the yearly emulation ranking (*tiêu chí thi đua*).

    Attributes:
        id: names the criterion in reports.
        title: how reports name it.
        measure: what it measures, a key of :data:`MEASURES`.
        weight: its weight in the score (the score is the weighted mean of the criteria that apply to a unit).
        ratings: for ``good_ratings`` only: the rating classes that count as good (the top two of a scale).
    """

    id: str
    title: Text
    measure: str
    weight: float
    ratings: tuple[str, ...] = ()


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
        coverage: the shares of members, cadres and leaders to reach by outreach and training.
        emulation: the criteria of the yearly emulation ranking, with their weights.
        cite: the plan's text.
        confidence: how sure the figures are (``V`` read in the plan itself).
    """

    id: str
    title: Text
    start: dt.date
    deadline: dt.date
    targets: tuple[TargetDef, ...]
    report_months: int = 6
    coverage: CoverageTargets = attrs.field(factory=CoverageTargets)
    emulation: tuple[CriterionDef, ...] = ()
    cite: Citation | None = None
    confidence: Confidence = "V"

"""Rank the Fund's loan applications: members of professional groups and branches first, with the reasons.

The plan implementing Resolution 04 (II.2.3) gives the Fund's loans first to members of professional groups and
branches.  The order:

1. the score, highest first::

       priority_professional_weight x share + priority_conditions_weight x met

   ``share`` is the share of the application's borrowers who belong to an active professional group or branch;
   ``met`` is 1 when every condition holds (FUND-03..FUND-10 and any rule a province attaches to the workflow)
   and 0 otherwise.  The weights are parameters of the pack ``decree-37-2023`` in force on the day.  With the
   defaults (100 and 1) the share decides first and the conditions second: only a difference in share smaller than
   1 % yields to the conditions.  A province that wants complete applications first raises the second weight.
2. the day the application was last submitted, earliest first;
3. the case id.

The same store, profile, applications and day always give the same ranking.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from hoinghe.definitions.profile import Profile
from hoinghe.errors import NotFound
from hoinghe.fund.conditions import Assessment, Assessor
from hoinghe.fund.model import WORKFLOW, ApplicationView, Ranked
from hoinghe.org.text import Text
from hoinghe.records import Case
from hoinghe.storage.base import Store

__all__ = ["PLAN_PART", "open_applications", "rank", "submitted_on"]

#: Where the priority comes from: the plan implementing Resolution 04, part II.2.3.
PLAN_PART = Text("Kế hoạch thực hiện Nghị quyết 04, II.2.3", "Plan II.2.3")
_SHOWN = 5  # professional units named in a reason; more are counted


def submitted_on(store: Store, case: Case, initial: str) -> dt.date | None:
    """The day the case last left ``initial`` (was submitted); ``None`` when it never did."""
    days = [e.at.date() for e in store.events(case.id) if e.kind == "fired" and e.from_state == initial]
    return days[-1] if days else None


def open_applications(store: Store, profile: Profile, *, scope: str | None = None) -> list[ApplicationView]:
    """The open, submitted applications (cases of ``fund-loan-application`` past their first state).

    Args:
        store: where the cases are.
        profile: gives the workflow's first state.
        scope: only applications of groups at or below this unit (a commune, a district, a province).

    Raises:
        FundError: a case's data has the wrong shape.
        NotFound: the profile has no such workflow, or ``scope`` is not a unit.
    """
    initial = profile.workflow(WORKFLOW).initial
    within = _Scope(store, scope)
    out: list[ApplicationView] = []
    for case in store.cases(workflow=WORKFLOW, closed=False):
        if case.state == initial or not within(case.subject):
            continue
        out.append(ApplicationView.from_case(case, submitted_on(store, case, initial)))
    return out


def rank(
    store: Store,
    profile: Profile,
    applications: Iterable[Case | ApplicationView] | None = None,
    *,
    on: dt.date,
    scope: str | None = None,
) -> list[Ranked]:
    """Rank loan applications in the order the Fund finances them, with the reasons (see the module).

    Args:
        store: the organisation (memberships, units) and the cases.
        profile: its rule packs give the conditions and the weights in force on ``on``.
        applications: cases of ``fund-loan-application`` or :class:`ApplicationView` records; the open,
            submitted applications in the store when ``None``.
        on: the day whose rules and parameters apply, and on which memberships and other plans are read.
        scope: only applications of groups at or below this unit.

    Raises:
        FundError: a case's data has the wrong shape, or the weights or ceilings are not numbers in force.
        NotFound: the profile has no ``fund-loan-application`` workflow, or a group or ``scope`` is unknown.
    """
    assessor = Assessor(store, profile, on)
    weights = assessor.param("priority_professional_weight"), assessor.param("priority_conditions_weight")
    initial = assessor.workflow.initial
    if applications is None:
        views = open_applications(store, profile, scope=scope)
    else:
        within = _Scope(store, scope)
        views = [
            a
            if isinstance(a, ApplicationView)
            else ApplicationView.from_case(a, submitted_on(store, a, initial))
            for a in applications
        ]
        views = [v for v in views if within(v.subject)]
    scored = []
    for view in views:
        found = assessor.assess(view)
        score = round(weights[0] * found.share + weights[1] * (not found.failures), 9)
        scored.append((score, found))
    scored.sort(key=lambda item: (-item[0], item[1].application.applied_on, item[1].application.case_id))
    names = _UnitNames(store)
    out: list[Ranked] = []
    previous: tuple[float, Assessment] | None = None
    for position, (score, found) in enumerate(scored, 1):
        view = found.application
        reasons = [
            _priority(found, names),
            *_conditions(found),
            _applied(view.applied_on),
            _score(score, weights, found),
        ]
        if (
            previous is not None
            and previous[0] == score
            and previous[1].application.applied_on == view.applied_on
        ):
            reasons.append(_tie(previous[1].application.case_id))
        out.append(
            Ranked(
                case_id=view.case_id,
                position=position,
                score=score,
                reasons=tuple(reasons),
                subject=view.subject,
                applied_on=view.applied_on,
                share=found.share,
                conditions_met=found.conditions_met,
                failed=tuple(f.rule_id for f in found.failures),
                professional=found.professional,
            )
        )
        previous = (score, found)
    return out


class _Scope:
    """Whether a unit is at or below the scope unit; ancestors are read once each."""

    def __init__(self, store: Store, scope: str | None) -> None:
        self._store, self._scope = store, scope
        self._parents: dict[str, str | None] = {}
        if scope is not None:
            store.unit(scope)  # an unknown scope is an error, not an empty ranking

    def __call__(self, unit_id: str) -> bool:
        if self._scope is None:
            return True
        seen: set[str] = set()
        current: str | None = unit_id
        while current is not None and current not in seen:
            if current == self._scope:
                return True
            seen.add(current)
            if current not in self._parents:
                try:
                    self._parents[current] = self._store.unit(current).parent
                except NotFound:
                    self._parents[current] = None
            current = self._parents[current]
        return False


class _UnitNames:
    """Unit id -> its level, read once each (a reason says "group" or "branch")."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._levels: dict[str, str] = {}

    def level(self, unit_id: str) -> str:
        if unit_id not in self._levels:
            self._levels[unit_id] = self._store.unit(unit_id).level
        return self._levels[unit_id]


def _priority(found: Assessment, names: _UnitNames) -> Text:
    total, count = len(found.application.borrowers), len(found.professional)
    if total == 0:
        return Text(
            f"hồ sơ chưa ghi người vay: không được ưu tiên ({PLAN_PART.vi})",
            f"the application names no borrowers: no priority ({PLAN_PART.en})",
        )
    if count == 0:
        return Text(
            f"không người vay nào (0/{total}) là hội viên chi hội, tổ hội nghề nghiệp: không được ưu tiên "
            f"({PLAN_PART.vi})",
            f"{'the borrower is not' if total == 1 else f'none of the {total} borrowers is'} a member of a "
            f"professional group or branch: no priority ({PLAN_PART.en})",
        )
    units = list(dict.fromkeys(u for units in found.professional.values() for u in units))
    levels = {names.level(u) for u in units}
    shown = ", ".join(units[:_SHOWN]) + (f" (+{len(units) - _SHOWN})" if len(units) > _SHOWN else "")
    many = len(units) > 1
    if levels == {"group"}:
        kind = Text("tổ hội nghề nghiệp", "professional groups" if many else "professional group")
    elif levels == {"branch"}:
        kind = Text("chi hội nghề nghiệp", "professional branches" if many else "professional branch")
    else:
        kind = Text("chi hội, tổ hội nghề nghiệp", "professional groups and branches")
    member = Text("là hội viên", "is a member" if count == 1 else "are members")
    return Text(
        f"{count}/{total} người vay {member.vi} {kind.vi} {shown} (ưu tiên, {PLAN_PART.vi})",
        f"{count} of {total} borrowers {member.en} of {kind.en} {shown} (priority, {PLAN_PART.en})",
    )


def _conditions(found: Assessment) -> list[Text]:
    out = [Text(f.describe("vi"), f.describe("en")) for f in found.failures]
    out.extend(
        Text(f"(cảnh báo) {f.describe('vi')}", f"(warning) {f.describe('en')}") for f in found.warnings
    )
    if not found.failures:
        checked = ", ".join(found.passed)
        out.insert(
            0,
            Text(
                f"đáp ứng mọi điều kiện vay của Nghị định 37/2023/NĐ-CP ({checked})",
                f"all conditions of Decree 37/2023 met ({checked})",
            ),
        )
    return out


def _applied(day: dt.date) -> Text:
    return Text(f"nộp hồ sơ ngày {day:%d/%m/%Y}", f"applied on {day.isoformat()}")


def _score(score: float, weights: Sequence[float], found: Assessment) -> Text:
    count, total = len(found.professional), len(found.application.borrowers)
    met = int(not found.failures)
    formula = f"{weights[0]:g} x {count}/{total} + {weights[1]:g} x {met}"
    return Text(f"điểm {score:g} = {formula}", f"score {score:g} = {formula}")


def _tie(before: str) -> Text:
    return Text(
        f"cùng điểm và ngày nộp với hồ sơ {before}: xếp theo mã hồ sơ",
        f"same score and day as {before}: ordered by case id",
    )

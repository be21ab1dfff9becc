"""The conditions of a Fund loan (Decree 37/2023/NĐ-CP), checked over one application.

Two kinds, with one set of ids and citations:

* the borrower rules of the pack ``decree-37-2023`` (FUND-03 union members, FUND-04 residence, FUND-05 one
  product), and any rule a province attaches to the workflow: those of every step that does not close the case,
  over the facts the engine builds;
* the loan's own terms, which read the case data and the other applications (FUND-06 one plan per borrower,
  FUND-07 household ceiling, FUND-08 project ceiling, FUND-09 term, FUND-10 a complete application).  Rule
  expressions cannot read those facts yet, so they are stated here in the same language, over the same facts
  plus ``loan``, and read the pack's parameters in force (a province's pack that lowers a ceiling changes the
  verdict).

``loan`` holds: ``borrowers`` (ids), ``amounts`` (id -> VND), ``total`` and ``max_amount`` (over the borrowers),
``product``, ``months`` (absent when not given), ``engaged`` (borrower -> the other applications naming them that
are open, or disbursed and within their term) and ``outsiders`` (borrowers who are not members of the group).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from typing import Any

import attrs

from hoinghe.definitions.profile import Profile
from hoinghe.definitions.rulepack import Citation, RuleDef
from hoinghe.engine.engine import SYSTEM
from hoinghe.engine.facts import Decision, build_facts, proposed_subject
from hoinghe.errors import Diagnostic, NotFound
from hoinghe.fund.model import WORKFLOW, ApplicationView, FundError
from hoinghe.org.model import Unit
from hoinghe.org.text import Text
from hoinghe.records import Case
from hoinghe.rules.ruleset import CompiledRule, RuleFailure, RuleSet, compile_rule, schema_for
from hoinghe.rules.types import INT, STRING, ListType, MapType, ObjectType
from hoinghe.storage.base import Store

__all__ = ["LOAN", "LOAN_CONDITIONS", "Assessment", "Assessor", "add_months", "assess"]

_IDS = ListType(STRING)

#: The facts of the loan asked for, beside those the engine builds.
LOAN = ObjectType(
    "loan",
    {
        "borrowers": _IDS,
        "amounts": MapType(STRING, INT),
        "total": INT,
        "max_amount": INT,
        "product": STRING,
        "months": INT,
        "engaged": MapType(STRING, _IDS),
        "outsiders": _IDS,
    },
)

_DECREE = Citation("Nghị định 37/2023/NĐ-CP")
_PACK = "decree-37-2023"

#: FUND-06..FUND-10: the loan's own terms.
LOAN_CONDITIONS: tuple[RuleDef, ...] = (
    RuleDef(
        id="FUND-06",
        title=Text(
            "Mỗi người vay chỉ tham gia một phương án vay", "A borrower is in one group plan at a time"
        ),
        require="size(loan.engaged) == 0",
        message=Text(
            "Mỗi người vay chỉ tham gia một phương án vay vốn tại một thời điểm; người vay đang có phương án "
            "khác: {loan.engaged}.",
            "A borrower is in one group plan at a time; borrowers already in another plan: {loan.engaged}.",
        ),
        cite=_DECREE,
        confidence="V",
    ),
    RuleDef(
        id="FUND-07",
        title=Text("Mức cho vay mỗi hộ không vượt mức tối đa", "Each household's loan is within the ceiling"),
        require="loan.borrowers.all(b, !(b in loan.amounts) || loan.amounts[b] <= params.household_ceiling_vnd)",
        message=Text(
            "Mỗi hộ vay không quá {params.household_ceiling_vnd} đồng; hộ đề nghị vay nhiều nhất "
            "{loan.max_amount} đồng.",
            "A household borrows at most {params.household_ceiling_vnd} VND; the largest amount asked is "
            "{loan.max_amount} VND.",
        ),
        cite=_DECREE,
        confidence="S",
    ),
    RuleDef(
        id="FUND-08",
        title=Text(
            "Tổng mức vay của phương án không vượt mức tối đa",
            "The plan's total is within the project ceiling",
        ),
        require="loan.total <= params.group_project_ceiling_vnd",
        message=Text(
            "Mỗi phương án vay không quá {params.group_project_ceiling_vnd} đồng; phương án đề nghị "
            "{loan.total} đồng.",
            "A group plan borrows at most {params.group_project_ceiling_vnd} VND; this one asks {loan.total} VND.",
        ),
        cite=_DECREE,
        confidence="S",
    ),
    RuleDef(
        id="FUND-09",
        title=Text("Thời hạn vay không vượt thời hạn tối đa", "The term is within the longest term"),
        when="has(loan.months)",
        require="loan.months >= 1 && loan.months <= params.max_term_months",
        message=Text(
            "Thời hạn vay từ 1 đến {params.max_term_months} tháng; hồ sơ đề nghị {loan.months} tháng.",
            "A loan runs 1 to {params.max_term_months} months; the application asks {loan.months}.",
        ),
        cite=_DECREE,
        confidence="S",
    ),
    RuleDef(
        id="FUND-10",
        title=Text("Hồ sơ vay vốn đầy đủ", "The application is complete"),
        require=(
            "size(loan.borrowers) > 0 && size(loan.outsiders) == 0"
            " && loan.borrowers.all(b, b in loan.amounts && loan.amounts[b] > 0)"
            " && loan.amounts.all(k, k in loan.borrowers)"
            " && loan.product != '' && members.filter(m, m.borrower).all(b, loan.product in b.trades)"
            " && has(loan.months)"
        ),
        message=Text(
            "Hồ sơ vay vốn ghi người vay là hội viên của {subject.name}, số tiền vay của từng hộ, sản phẩm mọi hộ "
            "cùng sản xuất và thời hạn vay; người vay ngoài tổ hội: {loan.outsiders}, sản phẩm: '{loan.product}', "
            "thời hạn: {loan.months} tháng.",
            "An application names borrowers who are members of {subject.name}, an amount for each, the product "
            "they all make and a term; borrowers outside the group: {loan.outsiders}, product: '{loan.product}', "
            "term: {loan.months} months.",
        ),
        cite=_DECREE,
        confidence="U",
    ),
)


@attrs.frozen
class Assessment:
    """What the conditions say about one application, and which borrowers have the professional priority.

    Attributes:
        application: the application.
        professional: borrower id -> the active professional groups and branches they belong to (those who do).
        failures: conditions that do not hold and block (severity ``error``), in order.
        warnings: conditions of severity ``warning`` that do not hold.
        passed: ids of the conditions that hold.
    """

    application: ApplicationView
    professional: dict[str, tuple[str, ...]] = attrs.field(hash=False)
    failures: tuple[RuleFailure, ...]
    warnings: tuple[RuleFailure, ...]
    passed: tuple[str, ...]

    @property
    def share(self) -> float:
        """The share of the borrowers in a professional group or branch (0 when there are no borrowers)."""
        borrowers = self.application.borrowers
        return len(self.professional) / len(borrowers) if borrowers else 0.0

    @property
    def conditions_met(self) -> bool:
        return not self.failures


class Assessor:
    """Checks applications against the conditions in force on one day; built once for many applications."""

    def __init__(self, store: Store, profile: Profile, on: dt.date) -> None:
        self.store, self.profile, self.on = store, profile, on
        self.ruleset = RuleSet.build(profile.rule_packs, on)
        self.workflow = profile.workflow(WORKFLOW)
        self.loan_rules = _compile(self.ruleset, on)
        self._offices = {role.id: role.office for role in profile.roles if role.office is not None}
        self._plans: dict[str, list[str]] | None = None
        self._units: dict[str, tuple[str, ...]] = {}
        self._selected: dict[tuple[str, str | None], tuple[CompiledRule, ...]] = {}

    def param(self, name: str) -> float:
        """A numeric parameter in force; :class:`FundError` when the packs do not define it as a number."""
        value = self.ruleset.params.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        problem = "is not defined" if value is None else f"is {value!r}, not a number"
        where = f"$.params.{name}"
        msg = f"parameter {name} {problem} by the rule packs in force on {self.on.isoformat()} (pack {_PACK})"
        raise FundError([Diagnostic("HNG-W020", msg, where)])

    def assess(self, application: ApplicationView) -> Assessment:
        """The conditions over one application, and the professional units of its borrowers."""
        case = application.case or _case_of(application)
        unit = proposed_subject(self.store.unit(application.subject), case.data)
        facts = build_facts(self.store, Decision(case, unit, SYSTEM, self.on, (), self._offices))
        facts["loan"] = self._loan(application, unit)
        rules = [*self._workflow_rules(unit), *self.loan_rules]
        found = self.ruleset.check(rules, facts)
        failed = {f.rule_id for f in found}
        return Assessment(
            application=application,
            professional={b: units for b in application.borrowers if (units := self._professional(b))},
            failures=tuple(f for f in found if f.blocks),
            warnings=tuple(f for f in found if not f.blocks),
            passed=tuple(r.id for r in rules if r.id not in failed),
        )

    def _workflow_rules(self, unit: Unit) -> tuple[CompiledRule, ...]:
        """The rules of every step that does not close the case (submit, verify, appraise, approve ...)."""
        key = (unit.level, unit.kind)
        found = self._selected.get(key)
        if found is None:
            chosen: dict[str, CompiledRule] = {}
            for step in self.workflow.transitions:
                if step.to in self.workflow.final:
                    continue
                for rule in self.ruleset.select(
                    step.rules, level=unit.level, kind=unit.kind, workflow=WORKFLOW, transition=step.id
                ):
                    chosen.setdefault(rule.id, rule)
            found = self._selected[key] = tuple(chosen.values())
        return found

    def _loan(self, application: ApplicationView, unit: Unit) -> dict[str, Any]:
        borrowers = application.borrowers
        asked = [application.amounts[b] for b in borrowers if b in application.amounts]
        plans = self._engagements()
        engaged = {
            b: others
            for b in borrowers
            if (others := [c for c in plans.get(b, ()) if c != application.case_id])
        }
        loan: dict[str, Any] = {
            "borrowers": list(borrowers),
            "amounts": dict(application.amounts),
            "total": sum(asked),
            "max_amount": max(asked, default=0),
            "product": application.product,
            "engaged": engaged,
            "outsiders": [b for b in borrowers if b not in unit.members],
        }
        if application.months is not None:
            loan["months"] = application.months
        return loan

    def _engagements(self) -> dict[str, list[str]]:
        """Borrower -> the applications that hold them on the day: open, or disbursed and within their term."""
        if self._plans is None:
            fallback = int(self.param("max_term_months"))
            plans: dict[str, list[str]] = {}
            for case in self.store.cases(workflow=WORKFLOW):
                if _holds(case, self.on, fallback):
                    for borrower in _borrowers(case.data.get("borrowers")):
                        plans.setdefault(borrower, []).append(case.id)
            self._plans = plans
        return self._plans

    def _professional(self, member_id: str) -> tuple[str, ...]:
        found = self._units.get(member_id)
        if found is None:
            try:
                units = self.store.memberships(member_id, status="active")
            except NotFound:
                units = []
            found = tuple(u.id for u in units if u.kind == "professional" and u.level in {"group", "branch"})
            self._units[member_id] = found
        return found


def assess(store: Store, profile: Profile, application: ApplicationView, *, on: dt.date) -> Assessment:
    """Check one application against the conditions of Decree 37/2023 in force on ``on``.

    Raises:
        FundError: the parameters the conditions read are missing or mistyped.
        NotFound: the profile has no ``fund-loan-application`` workflow, or the group is unknown.
    """
    return Assessor(store, profile, on).assess(application)


def _compile(ruleset: RuleSet, on: dt.date) -> tuple[CompiledRule, ...]:
    base = schema_for(ruleset.params)
    schema = ObjectType(base.name, {**base.fields, "loan": LOAN})
    compiled: list[CompiledRule] = []
    problems: list[Diagnostic] = []
    for rule in LOAN_CONDITIONS:
        result, errors = compile_rule(rule, _PACK, schema)
        if result is not None:
            compiled.append(result)
        problems.extend(
            Diagnostic(
                "HNG-W020",
                f"condition {rule.id} cannot be checked with the parameters in force on {on.isoformat()}: {exc}",
                f"$.params ({part} of {rule.id})",
            )
            for part, exc in errors
        )
    if problems:
        raise FundError(problems)
    return tuple(compiled)


def _borrowers(value: object) -> Iterable[str]:
    return [b for b in value if isinstance(b, str)] if isinstance(value, list | tuple) else []


def _holds(case: Case, on: dt.date, fallback_months: int) -> bool:
    if case.opened_at.date() > on:
        return False  # a plan drawn up after the day holds nobody on it
    if not case.closed:
        return True
    if case.state != "disbursed":
        return False
    months = case.data.get("months")
    term = months if isinstance(months, int) and not isinstance(months, bool) else fallback_months
    return on < add_months(case.entered_at.date(), term)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved ``months`` later, on the last day of the month when it has no such day."""
    years, month = divmod(day.month - 1 + months, 12)
    year = day.year + years
    return day.replace(year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1]))


def _case_of(application: ApplicationView) -> Case:
    """A case standing for an application that was not read from one (what the facts of a case need)."""
    at = dt.datetime.combine(application.applied_on, dt.time(), dt.UTC)
    return Case(
        id=application.case_id,
        workflow=WORKFLOW,
        definition="",
        subject=application.subject,
        state=application.state,
        version=1,
        opened_at=at,
        entered_at=at,
        proposer="",
        data={"borrowers": list(application.borrowers)},
    )

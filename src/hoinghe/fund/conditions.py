"""The conditions of a Fund loan (Decree 37/2023/NĐ-CP), checked over one application as the engine checks them.

The conditions are the rules of the loan workflow's steps that do not close the case (submit, verify, appraise,
approve): the pack ``decree-37-2023`` attaches the borrower rules (FUND-03 union members, FUND-04 residence, FUND-05
one product) to every one of them and the loan's own terms (FUND-06 one plan per borrower, FUND-07 household
ceiling, FUND-08 project ceiling, FUND-09 term, FUND-10 a complete application) to those where the Fund's board
appraises and decides, and a province's pack may attach more.  They are checked over the facts the engine builds,
``loan`` among them, with the parameters in force on the day: an application submitted but not yet appraised is
judged by what the board will check, and a province's pack that lowers a ceiling changes the verdict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import attrs

from hoinghe.definitions.profile import Profile
from hoinghe.engine.engine import SYSTEM
from hoinghe.engine.facts import Decision, build_facts, proposed_subject
from hoinghe.errors import Diagnostic, NotFound
from hoinghe.fund.model import WORKFLOW, ApplicationView, FundError
from hoinghe.org.model import Actor, Member, Unit, UnitStatus
from hoinghe.org.text import Text
from hoinghe.records import Case
from hoinghe.rules.ruleset import CompiledRule, RuleFailure, RuleSet
from hoinghe.storage.base import Store

__all__ = ["Assessment", "Assessor", "assess"]

_PACK = "decree-37-2023"


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


class _Snapshot:
    """The store as many assessments on one day read it: the loan applications are read once, not once each."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._cases: dict[str | None, list[Case]] = {}
        self._by_subject: dict[str | None, dict[str, list[Case]]] = {}

    def unit(self, unit_id: str) -> Unit:
        return self._store.unit(unit_id)

    def member(self, member_id: str) -> Member:
        return self._store.member(member_id)

    def actor(self, actor_id: str) -> Actor:
        return self._store.actor(actor_id)

    def memberships(self, member_id: str, *, status: UnitStatus | None = None) -> list[Unit]:
        return self._store.memberships(member_id, status=status)

    def cases(self, *, workflow: str | None = None, subject: str | None = None) -> Iterator[Case]:
        found = self._cases.get(workflow)
        if found is None:
            found = self._cases[workflow] = list(self._store.cases(workflow=workflow))
            by_subject = self._by_subject[workflow] = {}
            for case in found:
                by_subject.setdefault(case.subject, []).append(case)
        return iter(found if subject is None else self._by_subject[workflow].get(subject, ()))


class Assessor:
    """Checks applications against the conditions in force on one day; built once for many applications.

    Raises:
        DefinitionError: the packs in force loosen a parameter, or a rule does not compile (a condition reads a
            parameter no pack defines).
        NotFound: the profile has no ``fund-loan-application`` workflow.
    """

    def __init__(self, store: Store, profile: Profile, on: dt.date) -> None:
        self.store, self.profile, self.on = store, profile, on
        self.ruleset = RuleSet.build(profile.rule_packs, on)
        self.workflow = profile.workflow(WORKFLOW)
        self._offices = {role.id: role.office for role in profile.roles if role.office is not None}
        self._reader = _Snapshot(store)
        self._units: dict[str, tuple[str, ...]] = {}
        self._selected: dict[tuple[str, str | None], tuple[CompiledRule, ...]] = {}

    def param(self, name: str) -> float:
        """A numeric parameter in force; :class:`FundError` when the packs do not define it as a number."""
        value = self.ruleset.params.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        day = self.on.isoformat()
        if value is None:
            msg = Text(
                f"tham số {name} không được khai báo trong các bộ quy định có hiệu lực ngày {day} (bộ {_PACK})",
                f"parameter {name} is not defined by the rule packs in force on {day} (pack {_PACK})",
            )
        else:
            msg = Text(
                f"tham số {name} là {value!r}, không phải một số, trong các bộ quy định có hiệu lực ngày {day} "
                f"(bộ {_PACK})",
                f"parameter {name} is {value!r}, not a number, in the rule packs in force on {day} (pack {_PACK})",
            )
        raise FundError([Diagnostic("HNG-W020", msg, f"$.params.{name}")])

    def assess(self, application: ApplicationView) -> Assessment:
        """The conditions over one application, and the professional units of its borrowers."""
        case = application.case or _case_of(application)
        unit = proposed_subject(self.store.unit(application.subject), case.data)
        facts = build_facts(self._reader, Decision(case, unit, SYSTEM, self.on, (), self._offices))
        rules = self._rules(unit)
        found = self.ruleset.check(rules, facts)
        failed = {f.rule_id for f in found}
        return Assessment(
            application=application,
            professional={b: units for b in application.borrowers if (units := self._professional(b))},
            failures=tuple(f for f in found if f.blocks),
            warnings=tuple(f for f in found if not f.blocks),
            passed=tuple(r.id for r in rules if r.id not in failed),
        )

    def _rules(self, unit: Unit) -> tuple[CompiledRule, ...]:
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
        DefinitionError: the packs in force loosen a parameter, or a condition reads a parameter none defines.
        NotFound: the profile has no ``fund-loan-application`` workflow, or the group is unknown.
    """
    return Assessor(store, profile, on).assess(application)


def _case_of(application: ApplicationView) -> Case:
    """A case standing for an application that was not read from one: its data is the loan, as a case holds it."""
    at = dt.datetime.combine(application.applied_on, dt.time(), dt.UTC)
    data: dict[str, object] = {
        "borrowers": list(application.borrowers),
        "amounts": dict(application.amounts),
        "product": application.product,
    }
    if application.months is not None:
        data["months"] = application.months
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
        data=data,
    )

"""The standing conditions of a unit, and how one decision's rules are judged as the engine judges them.

A unit must keep satisfying what its founding decision checked: the rules of the ``approve`` transition of the
profile's founding workflow for its level and kind (a workflow with ``subject.new``, such as
``found-professional-group``).  They are selected as the engine selects them
(:meth:`hoinghe.engine.versions.Version.rules_for`), so ``applies_to`` and ``when`` are honoured and a rule a pack
attaches to that transition takes part too.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hoinghe.audit.model import Finding, Place
from hoinghe.definitions.profile import Profile
from hoinghe.definitions.rulepack import RulePack
from hoinghe.definitions.workflow import TransitionDef, WorkflowDefinition
from hoinghe.engine.facts import Decision, build_facts
from hoinghe.engine.versions import Version
from hoinghe.errors import NotFound
from hoinghe.i18n import Language, use
from hoinghe.org.model import Actor, Member, Unit, UnitStatus
from hoinghe.org.registry import Org
from hoinghe.org.text import Text
from hoinghe.records import Case, Document
from hoinghe.rules.ruleset import RuleFailure
from hoinghe.storage.base import OrgReader, Store

__all__ = [
    "AUDITOR",
    "STANDING_TRANSITION",
    "Judge",
    "founding_workflows",
    "place_of",
    "within",
]

#: The transition of a founding workflow whose rules a unit must keep satisfying.
STANDING_TRANSITION = "approve"

#: Who the facts of an audit name as the actor: it holds no role, and decides nothing.
AUDITOR = Actor("audit", "Rà soát (audit)")


def founding_workflows(profile: Profile) -> dict[tuple[str, str | None], WorkflowDefinition]:
    """The profile's founding workflows by the (level, kind) of the units they found.

    A founding workflow founds its subject (``subject.new``) and decides at :data:`STANDING_TRANSITION`.  When two
    found the same level and kind, the first one the profile lists is taken.
    """
    out: dict[tuple[str, str | None], WorkflowDefinition] = {}
    for workflow in profile.workflows:
        if not workflow.subject.new or standing_transition(workflow) is None:
            continue
        for level in workflow.subject.level:
            out.setdefault((level, workflow.subject.kind), workflow)
    return out


def standing_transition(workflow: WorkflowDefinition) -> TransitionDef | None:
    return next((t for t in workflow.transitions if t.id == STANDING_TRANSITION), None)


def founding_workflow_of(
    founding: Mapping[tuple[str, str | None], WorkflowDefinition], unit: Unit
) -> WorkflowDefinition | None:
    """The founding workflow whose subject the unit is (of its level and kind, or of its level and any kind)."""
    return founding.get((unit.level, unit.kind)) or founding.get((unit.level, None))


def within(org: Org, unit_id: str, scope: str | None) -> bool:
    """Whether the unit is ``scope`` or sits below it (always, without a scope)."""
    if scope is None or unit_id == scope:
        return True
    try:
        return any(up.id == scope for up in org.ancestors(unit_id))
    except (NotFound, ValueError):  # a unit the snapshot cannot place is outside every scope
        return False


def place_of(org: Org, unit: Unit) -> Place:
    """The unit with its commune union and district union, as far as the hierarchy has those levels."""
    commune = _ancestor(org, unit, "commune")
    district = _ancestor(org, unit, "district")
    return Place(
        unit.id,
        unit.name,
        unit.level,
        None if commune is None else commune.id,
        None if commune is None else commune.name,
        None if district is None else district.id,
        None if district is None else district.name,
    )


def _ancestor(org: Org, unit: Unit, level: str) -> Unit | None:
    if level not in org.hierarchy:
        return None
    if unit.level == level:
        return unit
    if unit.parent is None:
        return None
    try:  # a proposed unit may not be in the snapshot: start from its parent
        return org.ancestor_at(unit.parent, level)
    except (NotFound, ValueError):
        return None


def as_finding(place: Place, failure: RuleFailure) -> Finding:
    return Finding(
        place,
        failure.rule_id,
        str(failure.citation),
        failure.message,
        failure.explanation,
        "warning" if failure.severity == "warning" else "error",
    )


def unknown_member(place: Place, exc: NotFound) -> Finding:
    """The finding for a member list naming someone the records lack: no rule can be judged then."""
    return Finding(
        place,
        "HNG-B008",
        "",
        Text(
            f"danh sách hội viên có người không có trong dữ liệu: {exc.describe('vi')}",
            f"the member list names someone the records lack: {exc.describe('en')}",
        ),
    )


def audit_case(unit: Unit, workflow: WorkflowDefinition, on: dt.date) -> Case:
    """The case an audit's facts read when the store holds no founding case of the unit: empty, dated ``on``."""
    at = dt.datetime.combine(on, dt.time(), tzinfo=dt.UTC)
    return Case(
        id=f"audit:{unit.id}",
        workflow=workflow.id,
        definition="",
        subject=unit.id,
        state=STANDING_TRANSITION,
        version=0,
        opened_at=at,
        entered_at=at,
        proposer=AUDITOR.id,
        closed=True,
    )


class _SnapshotWithCases:
    """The snapshot of the organisation, with the store's cases behind it: a loan's facts read the other plans."""

    def __init__(self, org: Org, store: Store) -> None:
        self._org = org
        self.store = store

    def unit(self, unit_id: str) -> Unit:
        return self._org.unit(unit_id)

    def member(self, member_id: str) -> Member:
        return self._org.member(member_id)

    def actor(self, actor_id: str) -> Actor:
        return self._org.actor(actor_id)

    def memberships(self, member_id: str, *, status: UnitStatus | None = None) -> list[Unit]:
        return self._org.memberships(member_id, status=status)


class Judge:
    """Judges decisions under one stack of rule packs, as the engine would, over one snapshot of the records.

    Facts are built once per decision (:meth:`facts`) and may be judged under several stacks: what a rule reads
    does not depend on the packs, except ``params``, which each rule set adds.
    """

    def __init__(
        self, org: Org, packs: Sequence[RulePack], offices: Mapping[str, str], store: Store | None = None
    ) -> None:
        self.org = org
        self.packs = tuple(packs)
        self._offices = offices
        self._store = store
        self._reader: OrgReader = org if store is None else _SnapshotWithCases(org, store)

    @classmethod
    def of(
        cls,
        profile: Profile,
        org: Org,
        packs: Sequence[RulePack] | None = None,
        *,
        store: Store | None = None,
    ) -> Judge:
        """A judge over ``org`` under ``packs`` (the profile's own when ``None``).

        With ``store``, the rules that read other cases (a loan's other plans, FUND-06) read them there;
        without it they find none to read, and fail.
        """
        offices = {role.id: role.office for role in profile.roles if role.office is not None}
        return cls(org, profile.rule_packs if packs is None else packs, offices, store)

    def facts(
        self,
        case: Case,
        subject: Unit,
        day: dt.date,
        *,
        actor: Actor = AUDITOR,
        documents: Iterable[Document] = (),
    ) -> dict[str, Any]:
        """The facts of a decision on ``subject`` in ``case`` on ``day``.

        Raises:
            NotFound: the member list names someone the snapshot lacks.
        """
        return build_facts(self._reader, Decision(case, subject, actor, day, tuple(documents), self._offices))

    def failures(
        self,
        workflow: WorkflowDefinition,
        transition: TransitionDef,
        subject: Unit,
        day: dt.date,
        facts: Mapping[str, Any],
    ) -> list[RuleFailure]:
        """The rules of ``transition`` that fail over ``facts`` on ``day``, selected as the engine selects them.

        Raises:
            DefinitionError: the packs loosen a parameter, or a rule does not compile.
        """
        version = Version.of(workflow, self.packs)
        rules = version.rules_for(day, transition, subject.level, subject.kind)
        return version.ruleset(day).check(rules, facts) if rules else []

    def findings(
        self,
        workflow: WorkflowDefinition,
        transition: TransitionDef,
        subject: Unit,
        day: dt.date,
        facts: Mapping[str, Any],
    ) -> tuple[Finding, ...]:
        place = place_of(self.org, subject)
        return tuple(as_finding(place, f) for f in self.failures(workflow, transition, subject, day, facts))

    def with_packs(self, packs: Sequence[RulePack]) -> Judge:
        """The same judge under another stack of packs."""
        return Judge(self.org, packs, self._offices, self._store)


def speaking(language: Language | None) -> contextlib.AbstractContextManager[object]:
    """Judge in ``language``: the few words of a rule's explanation (its values) are written while judging.

    ``None`` leaves the language in force as it is.
    """
    return use(language) if language is not None else contextlib.nullcontext()


def passes(findings: Iterable[Finding]) -> bool:
    """No ``error`` among the findings."""
    return not any(f.blocks for f in findings)

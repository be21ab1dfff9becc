"""The compliance audit (*rà soát*): every active professional unit against the rules it must keep satisfying.

Which rules: those the profile's founding workflow for the unit's level and kind checks at its ``approve``
transition (``found-professional-group`` for a group, ``found-professional-branch`` for a branch), in force on the
audit's day and selected as the engine selects them (see :mod:`hoinghe.audit.standing`).  In the shipped packs
these are the standing conditions: size (MEM-01, MEM-02, MEM-03), one commune where the province asks it (MEM-04),
one trade (MEM-05), one professional unit per member where the province asks it (MEM-07), union membership
(MEM-08), age (MEM-09) and a known commune of residence (HIER-02).  Steps before the decision (the dossier's
documents, leaders' election) are not standing conditions, so their rules are left out.

The facts are those of a decision about the unit as it stands: the subject is the unit on record, its members
are read from the store, the day is the audit's day.  The case the facts read is the unit's founding case when
the store holds it (so ``subject.documents`` are those of its dossier), otherwise an empty one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import attrs

from hoinghe.audit.model import Audit, Finding
from hoinghe.audit.standing import (
    Judge,
    audit_case,
    founding_workflow_of,
    founding_workflows,
    passes,
    place_of,
    speaking,
    standing_transition,
    unknown_member,
    within,
)
from hoinghe.definitions.profile import Profile
from hoinghe.definitions.rulepack import RulePack
from hoinghe.definitions.workflow import WorkflowDefinition
from hoinghe.engine.engine import Engine
from hoinghe.engine.verdict import Refused
from hoinghe.errors import NotFound
from hoinghe.org.registry import Org
from hoinghe.org.text import Language, Text
from hoinghe.records import Case
from hoinghe.storage.base import Store

__all__ = ["CONSOLIDATION_WORKFLOW", "Consolidation", "audit", "open_consolidation"]

#: The workflow :func:`open_consolidation` opens for each non-compliant unit.
CONSOLIDATION_WORKFLOW = "consolidate-unit"


def audit(
    store: Store,
    profile: Profile,
    *,
    on: dt.date,
    scope: str | None = None,
    packs: Sequence[RulePack] | None = None,
    language: Language | None = None,
) -> Audit:
    """Audit every active unit a founding workflow of ``profile`` founds, within ``scope``, on ``on``.

    Args:
        store: where the units, members and founding cases are.
        profile: its founding workflows say which units are audited and against which rules.
        on: the day whose rules apply (and on which ages and months are counted).
        scope: a unit id; only it and the units below it are audited.  ``None`` audits every unit.
        packs: the rule packs to apply instead of the profile's own (a what-if).
        language: the language of the Markdown, of the summary and of the findings' values (the words a rule's
            explanation puts between them); when not given, the summary and the Markdown are in the language in
            force when they are rendered, the values in the one in force now.

    Raises:
        NotFound: ``scope`` is not a unit of the store.
        DefinitionError: the packs loosen a parameter or a rule does not compile.
    """
    org = store.org(profile.hierarchy)
    with speaking(language):
        return audit_org(
            store,
            org,
            Judge.of(profile, org, packs, store=store),
            profile,
            on=on,
            scope=scope,
            language=language,
        )


def audit_org(
    store: Store,
    org: Org,
    judge: Judge,
    profile: Profile,
    *,
    on: dt.date,
    scope: str | None,
    language: Language | None,
) -> Audit:
    """:func:`audit` over a snapshot already read, with the judge's packs."""
    if scope is not None:
        org.unit(scope)
    founding = founding_workflows(profile)
    cases = _founding_cases(store, founding.values())
    findings: list[Finding] = []
    compliant: list[str] = []
    checked = 0
    for unit in org.units.values():
        workflow = founding_workflow_of(founding, unit)
        if unit.status != "active" or workflow is None or not within(org, unit.id, scope):
            continue
        transition = standing_transition(workflow)
        if transition is None:  # pragma: no cover - founding_workflows keeps only workflows that have it
            continue
        checked += 1
        case = cases.get(unit.id) or audit_case(unit, workflow, on)
        try:
            facts = judge.facts(case, unit, on)
            found = judge.findings(workflow, transition, unit, on, facts)
        except NotFound as exc:
            found = (unknown_member(place_of(org, unit), exc),)
        findings.extend(found)
        if passes(found):
            compliant.append(unit.id)
    return Audit(
        on=on,
        scope=scope,
        checked=checked,
        findings=tuple(findings),
        compliant_units=tuple(compliant),
        packs=tuple(p.id for p in judge.packs),
        language=language,
    )


def _founding_cases(store: Store, workflows: Iterable[WorkflowDefinition]) -> dict[str, Case]:
    """The latest case of each founding workflow, by the unit it founds."""
    out: dict[str, Case] = {}
    for workflow_id in dict.fromkeys(w.id for w in workflows):
        for case in store.cases(workflow=workflow_id):
            known = out.get(case.subject)
            if known is None or case.opened_at >= known.opened_at:
                out[case.subject] = case
    return out


@attrs.frozen
class Consolidation:
    """What :func:`open_consolidation` did for one non-compliant unit.

    Attributes:
        unit_id: the unit.
        case_id: the case opened, or the consolidation already running; ``None`` when none could be opened.
        opened: whether a case was opened now.
        reason: why no case was opened (the engine's blockers, or the case already running).
    """

    unit_id: str
    case_id: str | None
    opened: bool
    reason: Text | None = None


def open_consolidation(
    engine: Engine, audit: Audit, actor: str, *, workflow: str = CONSOLIDATION_WORKFLOW
) -> list[Consolidation]:
    """Open a consolidation case (*củng cố, kiện toàn*) for each non-compliant unit of ``audit``.

    Each unit is its own decision: a unit the workflow does not take (the shipped ``consolidate-unit`` takes
    professional branches only, so groups are refused), one ``actor`` may not open, or one with a consolidation
    already running is reported, and the others are opened all the same.  The case data record the audit's day
    and the rules failed (``audit_on``, ``audit_rules``).

    Raises:
        NotFound: the engine's profile has no such workflow, or no such actor.
    """
    engine.profile.workflow(workflow)
    who = engine.store.actor(actor)
    running = {c.subject: c.id for c in engine.store.cases(workflow=workflow, closed=False)}
    failed: dict[str, list[str]] = {}
    for finding in audit.findings:
        if finding.blocks:
            failed.setdefault(finding.unit_id, []).append(finding.rule_id)
    out: list[Consolidation] = []
    for unit_id, rules in failed.items():
        if unit_id in running:
            text = Text(
                f"đơn vị {unit_id} đang được củng cố, kiện toàn (hồ sơ {running[unit_id]})",
                f"unit {unit_id} is being consolidated already (case {running[unit_id]})",
            )
            out.append(Consolidation(unit_id, running[unit_id], opened=False, reason=text))
            continue
        data = {"audit_on": audit.on.isoformat(), "audit_rules": list(dict.fromkeys(rules))}
        try:
            case = engine.open(workflow, unit_id, who, data=data)
        except Refused as exc:
            out.append(Consolidation(unit_id, None, opened=False, reason=_reasons(exc)))
            continue
        out.append(Consolidation(unit_id, case.id, opened=True))
    return out


def _reasons(exc: Refused) -> Text:
    return Text(
        "; ".join(b.message.get("vi") for b in exc.blockers),
        "; ".join(b.message.get("en") for b in exc.blockers),
    )

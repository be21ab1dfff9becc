"""What a draft rule pack would change: units' compliance, open cases' next steps, and past decisions.

The same facts are judged twice, under the packs in force and under the draft stack
(:func:`~hoinghe.audit.drafts.draft_stack`), and only the verdicts that differ are listed.

* **Units**: the audit of :func:`~hoinghe.audit.audit` on ``on``, once per stack.
* **Open cases**: every transition out of the case's state (in the workflow version the case runs on), with the
  subject as the case proposes it, on ``on``, under the profile's packs and under the draft stack.  Only the
  rules are judged (not permission, documents or
  approvals, which a draft does not change).  The rules are judged directly rather than through
  :meth:`Engine.check <hoinghe.engine.Engine.check>`: a case keeps the packs of the version it opened on, so an
  engine built on a draft profile would still judge it by the packs in force (until it is migrated), and making
  an engine writes its versions to the store, which a comparison must leave untouched.
* **Past decisions**: every closed case of a founding workflow whose ``approve`` fired, re-judged with the facts
  as recorded: the subject as the case data proposed it then, the members as stored now, on the day of the
  decision, with the documents and actor of the decision.  A decision is listed when the draft's verdict differs
  from the verdict of the packs in force re-judged the same way (records changed since then move both alike).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal

import attrs

from hoinghe.audit.check import audit_org
from hoinghe.audit.drafts import draft_stack
from hoinghe.audit.model import Audit, Difference, Finding, Place, WhatIf
from hoinghe.audit.standing import (
    STANDING_TRANSITION,
    Judge,
    founding_workflows,
    passes,
    place_of,
    speaking,
    within,
)
from hoinghe.definitions.profile import Profile
from hoinghe.definitions.rulepack import RulePack
from hoinghe.definitions.workflow import WorkflowDefinition
from hoinghe.engine.facts import proposed_subject
from hoinghe.engine.versions import Version
from hoinghe.errors import NotFound
from hoinghe.org.model import Actor, Unit
from hoinghe.org.text import Language
from hoinghe.records import Case, Event, fold
from hoinghe.storage.base import Store

__all__ = ["compare"]


def compare(
    store: Store,
    profile: Profile,
    draft: Sequence[RulePack] | RulePack,
    *,
    on: dt.date,
    scope: str | None = None,
    language: Language | None = None,
) -> WhatIf:
    """What ``draft`` would change, against ``profile``'s packs, for the units and cases within ``scope``.

    Args:
        store: the units, members and cases; nothing is written.
        profile: the packs in force and the workflows.
        draft: one or more rule packs; each replaces the pack of its id, or is appended.
        on: the day units and open cases are judged on.
        scope: a unit id; only units and case subjects at or below it.  ``None``: everything.
        language: the language of the Markdown, of the summary and of the findings' values; when not given, the
            summary and the Markdown are in the language in force when they are rendered, the values in the one
            in force now.

    Raises:
        AuditError: the draft cannot be compared (see :func:`~hoinghe.audit.draft_stack`).
        NotFound: ``scope`` is not a unit of the store.
    """
    with speaking(language):
        return _compare(store, profile, draft, on=on, scope=scope, language=language)


def _compare(
    store: Store,
    profile: Profile,
    draft: Sequence[RulePack] | RulePack,
    *,
    on: dt.date,
    scope: str | None,
    language: Language | None,
) -> WhatIf:
    stack = draft_stack(profile.rule_packs, draft)
    org = store.org(profile.hierarchy)
    if scope is not None:
        org.unit(scope)
    in_force = Judge.of(profile, org, store=store)
    drafted = in_force.with_packs(stack.packs)
    before = audit_org(store, org, in_force, profile, on=on, scope=scope, language=language)
    units = _units(before, audit_org(store, org, drafted, profile, on=on, scope=scope, language=language))
    versions = _Versions(store, profile)
    cases, open_checked = _open_cases(store, versions, (in_force, drafted), on, scope)
    founding = [w.id for w in dict.fromkeys(founding_workflows(profile).values())]
    decisions, past_checked = _decisions(store, versions, founding, (in_force, drafted), scope)
    return WhatIf(
        on=on,
        scope=scope,
        drafts=stack.drafts,
        replaced=stack.replaced,
        notes=stack.notes,
        units=tuple(units),
        cases=tuple(cases),
        decisions=tuple(decisions),
        checked={"units": before.checked, "cases": open_checked, "decisions": past_checked},
        language=language,
    )


def _difference(
    kind: Literal["unit", "case", "decision"],
    place: Place,
    day: dt.date,
    before: Sequence[Finding],
    after: Sequence[Finding],
    *,
    case: Case | None = None,
    transition: str | None = None,
) -> Difference | None:
    """The difference between two judgements of one decision, when their verdicts differ."""
    ok_before, ok_after = passes(before), passes(after)
    if ok_before == ok_after:
        return None
    failed_before = {f.rule_id for f in before}
    failed_after = {f.rule_id for f in after}
    return Difference(
        kind,
        place,
        day,
        ok_before,
        ok_after,
        gained=tuple(f for f in after if f.rule_id not in failed_before),
        lost=tuple(f for f in before if f.rule_id not in failed_after),
        case_id=None if case is None else case.id,
        transition=transition,
    )


def _units(before: Audit, after: Audit) -> list[Difference]:
    in_force = _by_unit(before)
    drafted = _by_unit(after)
    places = {f.unit_id: f.place for f in (*before.findings, *after.findings)}
    out = []
    for unit_id in dict.fromkeys([*in_force, *drafted]):
        found = _difference(
            "unit", places[unit_id], before.on, in_force.get(unit_id, ()), drafted.get(unit_id, ())
        )
        if found is not None:
            out.append(found)
    return out


def _by_unit(audit: Audit) -> dict[str, tuple[Finding, ...]]:
    out: dict[str, list[Finding]] = {}
    for finding in audit.findings:
        out.setdefault(finding.unit_id, []).append(finding)
    return {unit_id: tuple(found) for unit_id, found in out.items()}


class _Versions:
    """The workflow version each case runs on, read from the store once per version.

    The profile's workflow of the same id stands in when the store does not keep the version.
    """

    def __init__(self, store: Store, profile: Profile) -> None:
        self._store = store
        self._by_id = {w.id: w for w in profile.workflows}
        self._by_hash: dict[str, WorkflowDefinition | None] = {}

    def of(self, case: Case) -> WorkflowDefinition | None:
        if case.definition not in self._by_hash:
            try:
                found: WorkflowDefinition | None = Version.from_record(
                    self._store.version(case.definition)
                ).workflow
            except (NotFound, ValueError):
                found = None
            self._by_hash[case.definition] = found
        return self._by_hash[case.definition] or self._by_id.get(case.workflow)


def _open_cases(
    store: Store,
    versions: _Versions,
    judges: tuple[Judge, Judge],
    on: dt.date,
    scope: str | None,
) -> tuple[list[Difference], int]:
    """The open cases whose verdict on some transition out of their state the draft changes; how many were read."""
    in_force, drafted = judges
    out: list[Difference] = []
    checked = 0
    for case in store.cases(closed=False):
        workflow = versions.of(case)
        if workflow is None or not within(in_force.org, case.subject, scope):
            continue
        try:
            subject = proposed_subject(in_force.org.unit(case.subject), case.data)
            facts = in_force.facts(case, subject, on)
        except (NotFound, ValueError):  # data the engine would refuse as it stands, whatever the rules
            continue
        checked += 1
        place = place_of(in_force.org, subject)
        for transition in workflow.transitions:
            if case.state not in transition.from_:
                continue
            found = _difference(
                "case",
                place,
                on,
                in_force.findings(workflow, transition, subject, on, facts),
                drafted.findings(workflow, transition, subject, on, facts),
                case=case,
                transition=transition.id,
            )
            if found is not None:
                out.append(found)
    return out, checked


def _decisions(
    store: Store,
    versions: _Versions,
    founding: Sequence[str],
    judges: tuple[Judge, Judge],
    scope: str | None,
) -> tuple[list[Difference], int]:
    """The founding decisions the draft would have turned the other way; how many were re-judged."""
    in_force, drafted = judges
    out: list[Difference] = []
    checked = 0
    for workflow_id in founding:
        for case in store.cases(workflow=workflow_id, closed=True):
            workflow = versions.of(case)
            if workflow is None or not within(in_force.org, case.subject, scope):
                continue
            transition = next((t for t in workflow.transitions if t.id == STANDING_TRANSITION), None)
            recorded = _as_decided(in_force, case, store.events(case.id))
            if transition is None or recorded is None:
                continue
            checked += 1
            subject, event, facts = recorded
            day = event.at.date()
            found = _difference(
                "decision",
                place_of(in_force.org, subject),
                day,
                in_force.findings(workflow, transition, subject, day, facts),
                drafted.findings(workflow, transition, subject, day, facts),
                case=case,
                transition=transition.id,
            )
            if found is not None:
                out.append(found)
    return out, checked


def _as_decided(
    judge: Judge, case: Case, events: Sequence[Event]
) -> tuple[Unit, Event, dict[str, Any]] | None:
    """The subject, the event and the facts of the case's ``approve`` decision, as recorded; ``None`` if none."""
    at = next(
        (i for i, e in enumerate(events) if e.kind == "fired" and e.transition == STANDING_TRANSITION), None
    )
    if at is None:
        return None
    event = events[at]
    try:
        before = fold(events[:at])
        # The unit as it stood when the decision was taken: proposed, not yet founded.
        stored = attrs.evolve(judge.org.unit(case.subject), status="proposed", founded_on=None)
        subject = proposed_subject(proposed_subject(stored, before.data), event.data)
        ahead = attrs.evolve(before, data={**before.data, **event.data})
        actor = judge.org.actors.get(event.actor) or Actor(event.actor, event.actor)
        facts = judge.facts(ahead, subject, event.at.date(), actor=actor, documents=event.documents)
    except (NotFound, ValueError):  # a history or a member list the records can no longer replay
        return None
    return subject, event, facts

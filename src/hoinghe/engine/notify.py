"""Notifications: the outbox messages a transition or a deadline writes, resolved when the event commits.

Each ``notify:`` entry of a workflow becomes one :class:`~hoinghe.records.OutboxMessage` in the same transaction
as the event (N-1).  Everything a notifier needs is resolved here, inside the decision: the recipients (the actors
holding each role at the unit it resolves to, with their addresses) and the message in both languages, filled in
from the same facts the rules read.  The relay then delivers without reading definitions or the organisation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hoinghe.definitions.workflow import NotifyDef, RoleRef
from hoinghe.engine.authority import required_grants
from hoinghe.errors import NotFound
from hoinghe.org.model import Actor, Unit
from hoinghe.org.text import Text
from hoinghe.records import Case, Event, OutboxMessage
from hoinghe.rules.ruleset import RuleSet
from hoinghe.storage.base import Store

__all__ = ["notifications", "recipients"]


def _person(actor: Actor, grant: str | None = None) -> dict[str, str]:
    out = {"actor": actor.id, "name": actor.name}
    if grant is not None:
        out["grant"] = grant
    if actor.email:
        out["email"] = actor.email
    if actor.phone:
        out["phone"] = actor.phone
    return out


def recipients(
    store: Store, refs: Sequence[RoleRef], subject: Unit, case: Case, actor: Actor
) -> list[dict[str, str]]:
    """Who ``refs`` name, once each: holders of each role at its unit, the proposer, the actor.

    A role nobody holds still appears, as ``{"grant": "role@unit"}``, so an application that keeps its own
    address book can reach whoever takes the office.
    """
    found: dict[str, dict[str, str]] = {}
    for ref in refs:
        if ref.role in {"proposer", "actor"}:
            actor_id = case.proposer if ref.role == "proposer" else actor.id
            try:
                person = actor if actor_id == actor.id else store.actor(actor_id)
            except NotFound:
                continue
            if person.id != "system":  # the engine's own actor (timers) is nobody to tell
                found.setdefault(person.id, _person(person))
            continue
        for grant in required_grants(store, [ref], subject):
            holders = store.holders(grant.role, grant.unit)
            if not holders:
                found.setdefault(f"@{grant}", {"grant": str(grant)})
            for holder in holders:
                found.setdefault(holder.id, _person(holder, str(grant)))
    return list(found.values())


def _text(ruleset: RuleSet, text: Text, facts: Mapping[str, object]) -> dict[str, str]:
    vi = ruleset.render(text.vi, facts)
    return {"vi": vi, "en": vi if text.en is None else ruleset.render(text.en, facts)}


def notifications(
    store: Store,
    ruleset: RuleSet,
    entries: Sequence[NotifyDef],
    *,
    case: Case,
    event: Event,
    subject: Unit,
    actor: Actor,
    facts: Mapping[str, object],
    topic: str,
    key: str,
    extra: Mapping[str, Any] | None = None,
) -> tuple[OutboxMessage, ...]:
    """One message per entry, keyed ``{key}:{n}``, for the event that ``case`` has just recorded."""
    out = []
    for n, entry in enumerate(entries):
        payload: dict[str, Any] = {
            "workflow": case.workflow,
            "transition": event.transition,
            "state": case.state,
            "subject": {"id": subject.id, "name": subject.name, "level": subject.level},
            "actor": actor.id,
            "to": recipients(store, entry.to, subject, case, actor),
            "message": _text(ruleset, entry.message, facts),
            **(extra or {}),
        }
        if entry.title is not None:
            payload["title"] = _text(ruleset, entry.title, facts)
        out.append(
            OutboxMessage(
                key=f"{key}:{n}",
                case_id=case.id,
                seq=event.seq,
                topic=topic,
                payload=payload,
                channel=entry.channel,
                at=event.at,
            )
        )
    return tuple(out)

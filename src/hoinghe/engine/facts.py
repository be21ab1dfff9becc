"""The facts a rule reads, built from the store and the case for one decision.

A decision reads few of them (MEM-02 reads one count), so the objects here are lazy: each field is computed the
first time an expression reads it, then kept.  The fields are those declared in :mod:`hoinghe.rules.facts`; the
subject is the unit *as the case proposes it*: the member list, leaders, trade and name given in the case data
overlay the unit on record (a group being founded has no members on record until its founding is decided).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from hoinghe.errors import NotFound
from hoinghe.org.model import Actor, Member, Unit, to_leaders
from hoinghe.records import Case, Document
from hoinghe.storage.base import OrgReader

__all__ = ["Decision", "build_facts", "months_between", "proposed_subject"]

_YEAR = dt.timedelta(days=365)


def proposed_subject(unit: Unit, data: Mapping[str, Any]) -> Unit:
    """``unit`` with the member list, leaders, trade and name the case data propose (when it proposes them).

    Raises:
        ValueError: a key holds a value of the wrong shape (``members`` not a list of ids ...).
    """
    changes: dict[str, Any] = {}
    if "members" in data:
        members = data["members"]
        if not isinstance(members, list | tuple) or not all(isinstance(m, str) for m in members):
            msg = f"case data 'members' is a list of member ids, not {members!r}"
            raise ValueError(msg)
        changes["members"] = tuple(dict.fromkeys(members))
    if "leaders" in data:
        leaders = data["leaders"]
        if not isinstance(leaders, Mapping):
            msg = f"case data 'leaders' maps a role to member ids, not {leaders!r}"
            raise ValueError(msg)
        try:
            changes["leaders"] = to_leaders(leaders)
        except TypeError as exc:
            msg = f"case data 'leaders': {exc}"
            raise ValueError(msg) from None
    for key in ("trade", "name"):
        if key in data:
            if not isinstance(data[key], str):
                msg = f"case data {key!r} is text, not {data[key]!r}"
                raise ValueError(msg)
            changes[key] = data[key]
    return attrs.evolve(unit, **changes) if changes else unit


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from ``start`` to ``end`` (0 when ``end`` is earlier)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return max(months, 0)


class _Lazy(dict[str, Any]):
    """A dict whose missing fields are computed on first read, from a table of field -> function."""

    __slots__ = ("_compute",)

    def __init__(self, compute: Mapping[str, Callable[[], Any]]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, key: str) -> Any:
        make = self._compute.get(key)
        if make is None:
            raise KeyError(key)
        value = make()
        if (
            value is None
        ):  # a fact nobody knows (no birth date): absent, so a rule reading it fails, saying so
            raise KeyError(key)
        self[key] = value
        return value

    def __contains__(self, key: object) -> bool:
        if dict.__contains__(self, key):
            return True
        if not isinstance(key, str) or key not in self._compute:
            return False
        try:
            self[key]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter([k for k in self._compute if k in self])

    def __len__(self) -> int:
        return sum(1 for _ in self)


@attrs.frozen(eq=False)
class Decision:
    """What a decision is about: the case (before it), the subject as proposed, who acts, when, with what."""

    case: Case
    subject: Unit
    actor: Actor
    today: dt.date
    documents: tuple[Document, ...]
    offices: Mapping[str, str]


def _member_facts(store: OrgReader, member: Member, decision: Decision, borrowers: frozenset[str]) -> _Lazy:
    subject = decision.subject

    def units() -> list[Unit]:
        out = [u for u in store.memberships(member.id) if u.status == "active" and u.id != subject.id]
        return [*out, subject] if member.id in subject.members else out

    return _Lazy(
        {
            "id": lambda: member.id,
            "name": lambda: member.name,
            "age": lambda: _age(member, decision.today),
            "birth_date": lambda: member.birth_date,
            "commune": lambda: member.commune,
            "trades": lambda: list(member.trades),
            "union_member": lambda: member.union_member_since is not None,
            "in_units": lambda: [u.id for u in units()],
            "professional_units": lambda: sum(1 for u in units() if u.kind == "professional"),
            "borrower": lambda: member.id in borrowers,
        }
    )


def build_facts(store: OrgReader, decision: Decision) -> dict[str, Any]:
    """The facts of one decision (``params`` is added by the rule set).

    Raises:
        NotFound: the proposed member list names someone the store does not know.
    """
    subject, case, today = decision.subject, decision.case, decision.today
    data = case.data
    roster: Sequence[Member] = [store.member(m) for m in subject.members]
    borrowers = frozenset(data.get("borrowers", ()) or ())
    signed = frozenset(data.get("contract_signed", ()) or ())
    members = [_member_facts(store, m, decision, borrowers) for m in roster]

    def ages() -> list[int]:
        return [age for member in roster if (age := _age(member, today)) is not None]

    def holders(office: str) -> int:
        return sum(len(ids) for role, ids in subject.leaders.items() if decision.offices.get(role) == office)

    def parent() -> _Lazy | None:
        if subject.parent is None:
            return None
        try:
            up = store.unit(subject.parent)
        except NotFound:
            return None
        return _Lazy(
            {
                "id": lambda: up.id,
                "level": lambda: up.level,
                "kind": lambda: up.kind or "",
                "name": lambda: up.name,
            }
        )

    kinds = [d.kind for d in case.documents] + [d.kind for d in decision.documents]
    subject_facts = _Lazy(
        {
            "id": lambda: subject.id,
            "level": lambda: subject.level,
            "kind": lambda: subject.kind or "",
            "status": lambda: subject.status,
            "trade": lambda: subject.trade or "",
            "name": lambda: subject.name,
            "member_count": lambda: len(roster),
            "union_member_count": lambda: sum(1 for m in roster if m.union_member_since is not None),
            "min_age": lambda: min(ages(), default=None),
            "max_age": lambda: max(ages(), default=None),
            "trades": lambda: list(dict.fromkeys(t for m in roster for t in m.trades)),
            "communes": lambda: list(dict.fromkeys(m.commune for m in roster)),
            "leaders": lambda: {role: list(ids) for role, ids in subject.leaders.items()},
            "leader_count": lambda: sum(len(ids) for ids in subject.leaders.values()),
            "deputy_count": lambda: holders("deputy"),
            "documents": lambda: list(dict.fromkeys(kinds)),
            "months_active": lambda: months_between(subject.founded_on, today) if subject.founded_on else 0,
            "founded_on": lambda: subject.founded_on,
            "rating": lambda: subject.rating or "",
            "contract_signed_share": lambda: (
                len(signed.intersection(subject.members)) / len(roster) if roster else 0.0
            ),
            "meetings_last_year": lambda: sum(1 for day in subject.meetings if today - _YEAR < day <= today),
        }
    )
    case_facts = _Lazy(
        {
            "id": lambda: case.id,
            "workflow": lambda: case.workflow,
            "state": lambda: case.state,
            "opened_on": case.opened_at.date,
            "approvals": lambda: list(dict.fromkeys(a.body for a in case.approvals)),
            "days_in_state": lambda: max((today - case.entered_at.date()).days, 0),
            "proposer": lambda: case.proposer,
        }
    )
    actor = decision.actor
    facts: dict[str, Any] = {
        "subject": subject_facts,
        "members": members,
        "case": case_facts,
        "actor": _Lazy(
            {"id": lambda: actor.id, "roles": lambda: list(dict.fromkeys(g.role for g in actor.grants))}
        ),
        "today": today,
    }
    up = parent()
    if up is not None:
        facts["parent"] = up
    return facts


def _age(member: Member, today: dt.date) -> int | None:
    try:
        return member.age_on(today)
    except ValueError:
        return None

"""The facts a rule reads, built from the store and the case for one decision.

A decision reads few of them (MEM-02 reads one count), so the objects here are lazy: each field is computed the
first time an expression reads it, then kept.  The fields are those declared in :mod:`hoinghe.rules.facts`; the
subject is the unit *as the case proposes it*: the member list, leaders, trade and name given in the case data
overlay the unit on record (a group being founded has no members on record until its founding is decided).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
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
    """A dict whose missing fields are computed on first read by the method ``_<field>``, then kept.

    Subclasses list their fields in ``FIELDS``.  A method returning ``None`` leaves the field absent (a birth date
    nobody recorded), so a rule reading it fails, saying the fact is missing.
    """

    __slots__ = ()
    FIELDS: frozenset[str] = frozenset()

    def __missing__(self, key: str) -> Any:
        if key not in self.FIELDS:
            raise KeyError(key)
        value = getattr(self, f"_{key}")()
        if value is None:
            raise KeyError(key)
        self[key] = value
        return value

    def __contains__(self, key: object) -> bool:
        if dict.__contains__(self, key):
            return True
        if key not in self.FIELDS:
            return False
        try:
            self[key]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(
            [*dict.keys(self), *(k for k in sorted(self.FIELDS) if k not in dict.keys(self) and k in self)]
        )

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


class _Context:
    """What the lazy facts of one decision share."""

    __slots__ = ("borrowers", "decision", "roster", "signed", "store")

    def __init__(self, store: OrgReader, decision: Decision) -> None:
        self.store = store
        self.decision = decision
        self.roster: list[Member] = [store.member(m) for m in decision.subject.members]
        data = decision.case.data
        self.borrowers = frozenset(data.get("borrowers", ()) or ())
        self.signed = frozenset(data.get("contract_signed", ()) or ())


_PLAIN_CACHE: dict[int, tuple[Member, dict[str, Any]]] = {}
_PLAIN_CACHE_SIZE = 100_000


def _plain_facts(member: Member) -> dict[str, Any]:
    """The facts of a member that depend on the record alone, made once per record (records never change)."""
    hit = _PLAIN_CACHE.get(id(member))
    if hit is not None and hit[0] is member:
        return hit[1]
    plain: dict[str, Any] = {
        "id": member.id,
        "name": member.name,
        "commune": member.commune,
        "trades": member.trades,  # a tuple: rules read it as a list, and nobody can change it
        "union_member": member.union_member_since is not None,
    }
    if member.birth_date is not None:
        plain["birth_date"] = member.birth_date
    if len(_PLAIN_CACHE) >= _PLAIN_CACHE_SIZE:
        _PLAIN_CACHE.clear()  # a simple bound: refilling costs one dict per member
    # The entry holds the record, so its id is not reused while the entry stands.
    _PLAIN_CACHE[id(member)] = (member, plain)
    return plain


class _MemberFacts(_Lazy):
    """A member's facts: the plain ones filled at once (every rule over members reads them), the rest on demand."""

    __slots__ = ("_ctx", "_member")
    FIELDS = frozenset({"age", "in_units", "professional_units"})

    # No __init__: made by _member_facts, which is three times faster than a constructor calling dict's.
    _ctx: _Context
    _member: Member

    def _units(self) -> list[Unit]:
        subject, member = self._ctx.decision.subject, self._member
        out = [
            u for u in self._ctx.store.memberships(member.id) if u.status == "active" and u.id != subject.id
        ]
        return [*out, subject] if member.id in subject.members else out

    def _age(self) -> int | None:
        return _age(self._member, self._ctx.decision.today)

    def _in_units(self) -> list[str]:
        return [u.id for u in self._units()]

    def _professional_units(self) -> int:
        return sum(1 for u in self._units() if u.kind == "professional")


class _SubjectFacts(_Lazy):
    __slots__ = ("_ctx",)
    FIELDS = frozenset(
        {
            "id",
            "level",
            "kind",
            "status",
            "trade",
            "name",
            "member_count",
            "union_member_count",
            "min_age",
            "max_age",
            "trades",
            "communes",
            "leaders",
            "leader_count",
            "deputy_count",
            "documents",
            "months_active",
            "founded_on",
            "rating",
            "contract_signed_share",
            "meetings_last_year",
        }
    )

    def __init__(self, ctx: _Context) -> None:
        super().__init__()
        self._ctx = ctx

    @property
    def _unit(self) -> Unit:
        return self._ctx.decision.subject

    def _ages(self) -> list[int]:
        today = self._ctx.decision.today
        return [age for member in self._ctx.roster if (age := _age(member, today)) is not None]

    def _holders(self, office: str) -> int:
        offices = self._ctx.decision.offices
        return sum(len(ids) for role, ids in self._unit.leaders.items() if offices.get(role) == office)

    def _id(self) -> str:
        return self._unit.id

    def _level(self) -> str:
        return self._unit.level

    def _kind(self) -> str:
        return self._unit.kind or ""

    def _status(self) -> str:
        return self._unit.status

    def _trade(self) -> str:
        return self._unit.trade or ""

    def _name(self) -> str:
        return self._unit.name

    def _member_count(self) -> int:
        return len(self._ctx.roster)

    def _union_member_count(self) -> int:
        return sum(1 for m in self._ctx.roster if m.union_member_since is not None)

    def _min_age(self) -> int | None:
        return min(self._ages(), default=None)

    def _max_age(self) -> int | None:
        return max(self._ages(), default=None)

    def _trades(self) -> list[str]:
        return list(dict.fromkeys(t for m in self._ctx.roster for t in m.trades))

    def _communes(self) -> list[str]:
        return list(dict.fromkeys(m.commune for m in self._ctx.roster))

    def _leaders(self) -> dict[str, list[str]]:
        return {role: list(ids) for role, ids in self._unit.leaders.items()}

    def _leader_count(self) -> int:
        return sum(len(ids) for ids in self._unit.leaders.values())

    def _deputy_count(self) -> int:
        return self._holders("deputy")

    def _documents(self) -> list[str]:
        decision = self._ctx.decision
        return list(
            dict.fromkeys([*(d.kind for d in decision.case.documents), *(d.kind for d in decision.documents)])
        )

    def _months_active(self) -> int:
        founded = self._unit.founded_on
        return months_between(founded, self._ctx.decision.today) if founded else 0

    def _founded_on(self) -> dt.date | None:
        return self._unit.founded_on

    def _rating(self) -> str:
        return self._unit.rating or ""

    def _contract_signed_share(self) -> float:
        roster = self._ctx.roster
        return len(self._ctx.signed.intersection(self._unit.members)) / len(roster) if roster else 0.0

    def _meetings_last_year(self) -> int:
        today = self._ctx.decision.today
        return sum(1 for day in self._unit.meetings if today - _YEAR < day <= today)


class _CaseFacts(_Lazy):
    __slots__ = ("_ctx",)
    FIELDS = frozenset({"id", "workflow", "state", "opened_on", "approvals", "days_in_state", "proposer"})

    def __init__(self, ctx: _Context) -> None:
        super().__init__()
        self._ctx = ctx

    @property
    def _case(self) -> Case:
        return self._ctx.decision.case

    def _id(self) -> str:
        return self._case.id

    def _workflow(self) -> str:
        return self._case.workflow

    def _state(self) -> str:
        return self._case.state

    def _opened_on(self) -> dt.date:
        return self._case.opened_at.date()

    def _approvals(self) -> list[str]:
        return list(dict.fromkeys(a.body for a in self._case.approvals))

    def _days_in_state(self) -> int:
        return max((self._ctx.decision.today - self._case.entered_at.date()).days, 0)

    def _proposer(self) -> str:
        return self._case.proposer


def _member_facts(ctx: _Context, member: Member) -> _MemberFacts:
    facts = _MemberFacts(_plain_facts(member))
    facts["borrower"] = member.id in ctx.borrowers
    facts._ctx, facts._member = ctx, member  # noqa: SLF001 - the constructor of this module's class
    return facts


def build_facts(store: OrgReader, decision: Decision) -> dict[str, Any]:
    """The facts of one decision (``params`` is added by the rule set).

    Raises:
        NotFound: the proposed member list names someone the store does not know.
    """
    ctx = _Context(store, decision)
    actor = decision.actor
    facts: dict[str, Any] = {
        "subject": _SubjectFacts(ctx),
        "members": [_member_facts(ctx, m) for m in ctx.roster],
        "case": _CaseFacts(ctx),
        "actor": {"id": actor.id, "roles": list(dict.fromkeys(g.role for g in actor.grants))},
        "today": decision.today,
    }
    parent_id = decision.subject.parent
    if parent_id is not None:
        try:
            up = store.unit(parent_id)
        except NotFound:
            pass
        else:
            facts["parent"] = {"id": up.id, "level": up.level, "kind": up.kind or "", "name": up.name}
    return facts


def _age(member: Member, today: dt.date) -> int | None:
    try:
        return member.age_on(today)
    except ValueError:
        return None

"""The facts a rule reads, built from the store and the case for one decision.

A decision reads few of them (MEM-02 reads one count), so the objects here are lazy: each field is computed the
first time an expression reads it, then kept.  The fields are those declared in :mod:`hoinghe.rules.facts`; the
subject is the unit *as the case proposes it*: the member list, leaders, trade and name given in the case data
overlay the unit on record (a group being founded has no members on record until its founding is decided).

A case whose data asks for a loan (a Farmer Support Fund application: ``amounts``, ``product`` or ``months``
beside the ``borrowers``) also has the fact ``loan``.  Its fields come from the data, except ``engaged``: the other
applications of the same workflow, on the units the borrowers belong to, that name a borrower and hold them on the
day (open, or disbursed and within their term), read from the store by subject, and only when a rule reads it.  A founding dossier names
``borrowers`` too (the members who plan to borrow), but asks for no loan, and has no ``loan``.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Protocol, TypeGuard, runtime_checkable

import attrs

from hoinghe.engine.authority import resolve_at
from hoinghe.errors import NotFound
from hoinghe.org.model import Actor, Member, Unit, to_leaders
from hoinghe.org.registry import COMMUNE_LEVEL
from hoinghe.org.text import Text
from hoinghe.records import Case, Document
from hoinghe.storage.base import OrgReader

__all__ = ["Decision", "build_facts", "months_between", "proposed_subject"]

_YEAR = dt.timedelta(days=365)

# The case data of a loan beside its borrowers, which a founding dossier names too (those who plan to borrow).
_LOAN_DATA = frozenset({"amounts", "product", "months"})
# An application whose money was paid out holds its borrowers until its term ends; one open holds them too.
_DISBURSED = "disbursed"


def proposed_subject(unit: Unit, data: Mapping[str, Any]) -> Unit:
    """``unit`` with the member list, leaders, trade and name the case data propose (when it proposes them).

    Raises:
        ValueError: a key holds a value of the wrong shape (``members`` not a list of ids ...).
    """
    changes: dict[str, Any] = {}
    if "members" in data:
        members = data["members"]
        if not isinstance(members, list | tuple) or not all(isinstance(m, str) for m in members):
            msg = Text(
                f"dữ liệu 'members' của hồ sơ phải là danh sách mã hội viên, không phải {members!r}",
                f"case data 'members' is a list of member ids, not {members!r}",
            )
            raise ValueError(msg)
        changes["members"] = tuple(dict.fromkeys(members))
    if "leaders" in data:
        leaders = data["leaders"]
        if not isinstance(leaders, Mapping):
            msg = Text(
                f"dữ liệu 'leaders' của hồ sơ phải gắn mỗi vai trò với mã hội viên, không phải {leaders!r}",
                f"case data 'leaders' maps a role to member ids, not {leaders!r}",
            )
            raise ValueError(msg)
        try:
            changes["leaders"] = to_leaders(leaders)
        except TypeError as exc:
            msg = Text(f"dữ liệu 'leaders' của hồ sơ: {exc}", f"case data 'leaders': {exc}")
            raise ValueError(msg) from None
    for key in ("trade", "name"):
        if key in data:
            if not isinstance(data[key], str):
                msg = Text(
                    f"dữ liệu {key!r} của hồ sơ phải là văn bản, không phải {data[key]!r}",
                    f"case data {key!r} is text, not {data[key]!r}",
                )
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
            "commune",
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

    def _commune(self) -> str | None:
        # Up through a branch, as a role held "at: commune" is found; absent above the commune level.
        try:
            found = resolve_at(self._ctx.store, COMMUNE_LEVEL, self._unit)
        except NotFound:
            return None
        return None if found is None else found.id


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


@runtime_checkable
class _Cases(Protocol):
    """Where the other cases of a workflow are read: a :class:`~hoinghe.storage.Store` is one."""

    def cases(self, *, workflow: str | None = None, subject: str | None = None) -> Iterable[Case]: ...


def _case_source(store: OrgReader) -> _Cases | None:
    """The store the other cases are read from; ``None`` for a snapshot of the organisation, which holds none."""
    if isinstance(store, _Cases):
        return store
    # The engine's reader of one decision remembers the organisation only: the cases come from the store behind.
    behind = getattr(store, "store", None)
    return behind if isinstance(behind, _Cases) else None


def _whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _ids(value: object) -> list[str]:
    """The member ids of a list in case data, each once, in order (anything else names nobody)."""
    if not isinstance(value, list | tuple):
        return []
    return list(dict.fromkeys(item for item in value if isinstance(item, str)))


def _months_later(day: dt.date, months: int) -> dt.date:
    """``day`` moved ``months`` later, on the last day of the month when it has no such day."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return day.replace(year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1]))


def _holds(case: Case, day: dt.date) -> bool:
    """Whether a loan application holds its borrowers on ``day``: open, or disbursed and within its term."""
    if case.opened_at.date() > day:
        return False  # a plan drawn up after the day holds nobody on it
    if not case.closed:
        return True
    if case.state != _DISBURSED:
        return False
    months = case.data.get("months")
    # A loan paid out with no term recorded is not known to have ended: its plan still names the borrowers.
    return not _whole(months) or day < _months_later(case.entered_at.date(), months)


def _loan(decision: Decision) -> dict[str, Any]:
    """The loan's fields read from the case data; values of the wrong shape are left out, so rules say so."""
    data = decision.case.data
    borrowers = _ids(data.get("borrowers"))
    given = data.get("amounts")
    amounts = (
        {k: v for k, v in given.items() if isinstance(k, str) and _whole(v) and v >= 0}
        if isinstance(given, Mapping)
        else {}
    )
    asked = [amounts[b] for b in borrowers if b in amounts]
    product = data.get("product")
    members = set(decision.subject.members)
    loan: dict[str, Any] = {
        "borrowers": borrowers,
        "amounts": amounts,
        "total": sum(asked),
        "max_amount": max(asked, default=0),
        "product": product if isinstance(product, str) else "",
        "outsiders": [b for b in borrowers if b not in members],
    }
    months = data.get("months")
    if _whole(months):
        loan["months"] = months
    return loan


class _LoanFacts(_Lazy):
    """The loan a case asks for: its data at once, the other applications holding its borrowers on demand."""

    __slots__ = ("_ctx",)
    FIELDS = frozenset({"engaged"})

    def __init__(self, ctx: _Context) -> None:
        super().__init__(_loan(ctx.decision))
        self._ctx = ctx

    def _engaged(self) -> dict[str, list[str]] | None:
        source = _case_source(self._ctx.store)
        if source is None:
            return None  # left absent: a rule reading it fails rather than pass unchecked
        case, day = self._ctx.decision.case, self._ctx.decision.today
        borrowers: list[str] = self["borrowers"]
        wanted = set(borrowers)
        # A plan is a group's (or a branch's): the other plans naming a borrower are on the units they belong to.
        # Reading those units' cases keeps each decision's cost flat as the Fund's cases grow in number.
        units = dict.fromkeys([case.subject])
        for borrower in borrowers:
            with contextlib.suppress(NotFound):  # an unknown borrower is for FUND-03 to refuse
                units.update(dict.fromkeys(u.id for u in self._ctx.store.memberships(borrower)))
        held: dict[str, list[str]] = {}
        for unit_id in units:
            for other in source.cases(workflow=case.workflow, subject=unit_id):
                if other.id == case.id or not _holds(other, day):
                    continue
                for borrower in _ids(other.data.get("borrowers")):
                    if borrower in wanted:
                        held.setdefault(borrower, []).append(other.id)
        return {b: sorted(held[b]) for b in borrowers if b in held}


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
    if not _LOAN_DATA.isdisjoint(decision.case.data):
        facts["loan"] = _LoanFacts(ctx)
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

"""What running workflows leave behind: cases, their events, timers, documents, and the commits that store them.

These are the records the engine writes and every store keeps; they sit below the engine, the storage and the hooks
so that all three share them without importing each other.  A case is never changed in place: it is the fold of its
events (:func:`fold`), and each decision makes the next record with :func:`attrs.evolve`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal

import attrs

from hoinghe.i18n import Text
from hoinghe.org.frozen import FrozenDict, freeze
from hoinghe.org.model import Member, Unit

__all__ = [
    "Activity",
    "ActivityKind",
    "Approval",
    "Case",
    "Commit",
    "Document",
    "Event",
    "EventKind",
    "IdempotencyRecord",
    "OutboxMessage",
    "OutboxState",
    "OutboxStatus",
    "Timer",
    "UnitChange",
    "VersionRecord",
    "check_shape",
    "fold",
]

#: ``opened`` starts a case; ``fired`` moves it (to another state, or to the same one); ``approved`` records one
#: body's approval of a transition; ``reminded`` a deadline reminder; ``migrated`` a move to another definition
#: version; ``refused`` a refusal the caller asked to keep.
EventKind = Literal["opened", "fired", "approved", "reminded", "migrated", "refused"]


_EMPTY = FrozenDict()


def _frozen_dict(value: Mapping[str, Any] | None) -> dict[str, Any]:
    if not value:
        return _EMPTY
    frozen: dict[str, Any] = freeze(value)
    return frozen


@attrs.frozen
class Document:
    """A document submitted to a case: its kind (declared in the profile) and where it is kept, never its body.

    Attributes:
        kind: a document id of the profile (``member_list``, ``founding_decision`` ...).
        uri: where the file is (``s3://...``, ``file:///...``, a document-management id).
        title: what it is called on paper (``Quyết định số 12/QĐ-HND``).
        sha256: the file's digest, when the caller knows it, so a replaced file shows.
    """

    kind: str
    uri: str
    title: str | None = None
    sha256: str | None = None


@attrs.frozen
class Approval:
    """One body's approval of a transition: the actor, and the role and unit it approved as (``role@unit``)."""

    transition: str
    actor: str
    body: str
    at: datetime


@attrs.frozen
class Event:
    """One thing that happened to a case; a case's events, in ``seq`` order, rebuild it (:func:`fold`).

    Attributes:
        case_id: the case.
        seq: 1 for ``opened``, then contiguous.
        kind: see :data:`EventKind`.
        at: when, from the engine's clock.
        actor: who acted (``system`` for timers and schedules).
        state: the case's state after the event.
        final: the state is a final state of the case's workflow.
        transition: the transition fired, approved or reminded of.
        from_state: the state before a ``fired`` or ``migrated`` event.
        documents: documents submitted with the event.
        data: case data given with the event (merged into the case's data, key by key).
        effects: the effects applied.
        rules: ids of the rules that were checked and held.
        warnings: ids of rules of severity ``warning`` that did not hold.
        refusal: the blocker codes of a recorded refusal.
        body: for ``approved``, the ``role@unit`` the actor approved as.
        workflow: for ``opened``, the workflow id.
        subject: for ``opened``, the subject unit id.
        definition: for ``opened`` and ``migrated``, the definition version the case runs on from then.
        idempotency_key: the caller's key, when one was given.
    """

    case_id: str
    seq: int
    kind: EventKind
    at: datetime
    actor: str
    state: str
    final: bool = False
    transition: str | None = None
    from_state: str | None = None
    documents: tuple[Document, ...] = ()
    data: dict[str, Any] = attrs.field(factory=dict, converter=_frozen_dict, hash=False)
    effects: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    refusal: tuple[str, ...] = ()
    body: str | None = None
    workflow: str | None = None
    subject: str | None = None
    definition: str | None = None
    idempotency_key: str | None = None


@attrs.frozen
class Case:
    """A running (or finished) workflow over one subject unit.

    Attributes:
        id: the case id.
        workflow: the workflow id.
        definition: the content hash of the workflow and rule packs the case runs on (see
            :class:`VersionRecord`); pinned when the case opens, changed only by a migration.
        subject: the unit the case is about (a proposed unit, for a founding).
        state: the current state.
        version: the number of events so far; ``expected_version`` on a fire compares with it.
        opened_at: when the case opened.
        entered_at: when it entered its current state.
        proposer: the actor who opened it.
        closed: the state is final.
        data: the case data given so far (member list, leaders, units to absorb ...), later keys winning.
        documents: the latest document of each kind submitted so far.
        approvals: approvals given since the case entered its current state.
    """

    id: str
    workflow: str
    definition: str
    subject: str
    state: str
    version: int
    opened_at: datetime
    entered_at: datetime
    proposer: str
    closed: bool = False
    data: dict[str, Any] = attrs.field(factory=dict, converter=_frozen_dict, hash=False)
    documents: tuple[Document, ...] = ()
    approvals: tuple[Approval, ...] = ()

    def document(self, kind: str) -> Document | None:
        """The latest document of ``kind`` submitted to the case, if any."""
        return next((d for d in self.documents if d.kind == kind), None)

    def then(self, event: Event) -> Case:
        """The case after ``event`` (the next one in sequence).

        Raises:
            ValueError: the event is of another case, or out of sequence.
        """
        if event.case_id != self.id or event.seq != self.version + 1:
            msg = Text(
                f"sự kiện {event.case_id}#{event.seq} không nối tiếp hồ sơ {self.id}#{self.version}",
                f"event {event.case_id}#{event.seq} does not follow case {self.id}#{self.version}",
            )
            raise ValueError(msg)
        moved = event.kind in ("fired", "migrated")
        approvals = () if moved else self.approvals
        if event.kind == "approved" and event.transition is not None and event.body is not None:
            approvals = (*self.approvals, Approval(event.transition, event.actor, event.body, event.at))
        # Built field by field rather than with attrs.evolve: this runs on every fire.
        return Case(
            id=self.id,
            workflow=self.workflow,
            definition=event.definition if event.kind == "migrated" and event.definition else self.definition,
            subject=self.subject,
            state=event.state,
            version=event.seq,
            opened_at=self.opened_at,
            entered_at=event.at if moved else self.entered_at,
            proposer=self.proposer,
            closed=event.final,
            data=FrozenDict({**self.data, **event.data}) if event.data else self.data,
            documents=merge_documents(self.documents, event.documents) if event.documents else self.documents,
            approvals=approvals,
        )


def merge_documents(held: Sequence[Document], new: Iterable[Document]) -> tuple[Document, ...]:
    """The documents held, each kind replaced by a newer one of the same kind, new kinds appended in order."""
    out = {d.kind: d for d in held}
    for document in new:
        out.pop(document.kind, None)
        out[document.kind] = document
    return tuple(out.values())


def fold(events: Iterable[Event]) -> Case:
    """The case its events describe; the events must start at ``opened`` and run in sequence.

    Raises:
        ValueError: no events, the first is not ``opened``, or the sequence has a gap.
    """
    stream = iter(events)
    first = next(stream, None)
    if first is None or first.kind != "opened" or first.seq != 1:
        msg = Text(
            "chuỗi sự kiện của một hồ sơ phải bắt đầu bằng sự kiện 'opened' mang số 1",
            "a case's events start with an 'opened' event numbered 1",
        )
        raise ValueError(msg)
    if first.workflow is None or first.subject is None or first.definition is None:
        msg = Text(
            f"sự kiện 'opened' của hồ sơ {first.case_id} thiếu quy trình, đối tượng hoặc định nghĩa",
            f"the 'opened' event of case {first.case_id} lacks its workflow, subject or definition",
        )
        raise ValueError(msg)
    case = Case(
        id=first.case_id,
        workflow=first.workflow,
        definition=first.definition,
        subject=first.subject,
        state=first.state,
        version=1,
        opened_at=first.at,
        entered_at=first.at,
        proposer=first.actor,
        closed=first.final,
        data=first.data,
        documents=merge_documents((), first.documents),
    )
    for event in stream:
        case = case.then(event)
    return case


@attrs.frozen
class UnitChange:
    """A unit as it was read (``None`` when new) and as it is to be: a store applies it only if still unchanged."""

    before: Unit | None
    after: Unit


@attrs.frozen
class Timer:
    """A deadline of a case: when ``due``, remind (``notify``) or fire ``transition`` (``fire``).

    It belongs to the case's stay in one state: ``version`` is the case version when the state was entered, so a
    timer of a state the case has since left is recognised and dropped.
    """

    id: str
    case_id: str
    transition: str
    due: datetime
    then: Literal["notify", "fire"]
    target: str | None
    version: int


@attrs.frozen
class OutboxMessage:
    """A notification to deliver after commit, written in the same transaction as the event that causes it.

    Attributes:
        key: unique and stable, the consumer's idempotency key: ``case_id:seq:topic[:n]``.
        seq: the sequence number of the event that caused it; a case's messages are delivered in this order.
        topic: what happened: ``transition.<id>`` for a transition, ``deadline.reminder`` for a deadline.
        payload: the JSON body delivered: the case, workflow, transition, subject, recipients (``to``) and the
            message in Vietnamese and English (``message``), all resolved when the event was committed.
        channel: the notifier that delivers it (``log``, ``webhook``, ``email`` or a registered one).
        at: when the event that caused it was committed (the engine's clock).
    """

    key: str
    case_id: str
    seq: int
    topic: str
    payload: dict[str, Any] = attrs.field(factory=dict, converter=_frozen_dict, hash=False)
    channel: str = "log"
    at: datetime | None = None


def _optional_text(value: Text | str | None) -> Text | None:
    if value is None or isinstance(value, Text):
        return value
    return Text.same(value)


@attrs.frozen
class OutboxState:
    """Where one outbox message stands with the relay.

    Attributes:
        message: the message.
        attempts: failed delivery attempts so far.
        error: what the last failed attempt said, in Vietnamese and English (a plain string is taken as the
            same text in both); :attr:`last_error` shows it in the language in force.
        next_attempt: not tried again before this time (a backoff after a failure).
        failed: when the relay gave up on it (permanent failure or too many attempts); it then waits for
            ``hoinghe relay retry`` and no longer holds back its case's later messages.
        leased_to: the relay worker delivering it now, while its lease runs.
    """

    message: OutboxMessage
    attempts: int = 0
    error: Text | None = attrs.field(default=None, converter=_optional_text)
    next_attempt: datetime | None = None
    failed: datetime | None = None
    leased_to: str | None = None

    @property
    def last_error(self) -> str | None:
        """What the last failed attempt said, in the language in force; ``None`` before any failure."""
        return None if self.error is None else str(self.error)


@attrs.frozen
class OutboxStatus:
    """The outbox at a glance: what waits, what is being delivered, what failed.

    Attributes:
        pending: messages not delivered and not given up.
        due: pending messages a relay may take now (not leased, not waiting for a retry).
        leased: pending messages a relay worker holds now.
        retrying: pending messages that failed at least once and wait for their next attempt.
        failed: messages given up, waiting for ``hoinghe relay retry``.
        delivered: messages delivered.
        oldest_pending: when the oldest pending message was written.
        problems: the failed and retrying messages, oldest first (at most the ``limit`` asked for).
    """

    pending: int
    due: int
    leased: int
    retrying: int
    failed: int
    delivered: int
    oldest_pending: datetime | None = None
    problems: tuple[OutboxState, ...] = ()


@attrs.frozen
class IdempotencyRecord:
    """What a fire with an idempotency key did: the request's fingerprint and the event it made."""

    key: str
    fingerprint: str
    case_id: str
    seq: int


@attrs.frozen
class VersionRecord:
    """A workflow definition and the rule packs it runs with, as plain data, under their content hash."""

    hash: str
    workflow_id: str
    workflow: dict[str, Any] = attrs.field(hash=False)
    packs: tuple[dict[str, Any], ...] = attrs.field(hash=False)


@attrs.frozen
class Commit:
    """Everything one decision writes, in one transaction.

    Attributes:
        case: the case after the decision.
        events: the events it made, continuing the case's sequence.
        expected_version: the case version the decision read (0 for a new case); the store refuses the commit
            with :class:`~hoinghe.errors.ConflictError` when the stored version differs.
        units: changed and new units, each applied only if the stored unit still equals ``before``; at most one
            change per unit.
        members: new or changed members.
        timers: the case's timers after the commit, replacing all its earlier ones; ``None`` leaves them.
        outbox: notifications to deliver.
        idempotency: the key and fingerprint of the request, kept so a repeat is recognised.
        done_timers: ids of timers this decision handled (a reminder sent), removed with the commit.
    """

    case: Case
    events: tuple[Event, ...]
    expected_version: int
    units: tuple[UnitChange, ...] = ()
    members: tuple[Member, ...] = ()
    timers: tuple[Timer, ...] | None = None
    outbox: tuple[OutboxMessage, ...] = ()
    idempotency: IdempotencyRecord | None = None
    done_timers: tuple[str, ...] = ()


def check_shape(commit: Commit) -> None:
    """Refuse a malformed commit: events that do not continue the case from ``expected_version`` up to the
    case's version, or two changes of one unit.  Every store runs it first, so all refuse the same way.

    Raises:
        ValueError: naming what is wrong.
    """
    case, expected = commit.case, commit.expected_version
    seqs = [e.seq for e in commit.events]
    if seqs != list(range(expected + 1, expected + 1 + len(seqs))) or (seqs and seqs[-1] != case.version):
        msg = Text(
            f"các sự kiện {seqs} không nối tiếp hồ sơ {case.id} ở phiên bản {expected}",
            f"events {seqs} do not continue case {case.id} at version {expected}",
        )
        raise ValueError(msg)
    ids = [change.after.id for change in commit.units]
    if len(ids) != len(set(ids)):
        msg = Text(
            f"mỗi lần ghi chỉ được thay đổi mỗi đơn vị một lần; hồ sơ {case.id} thay đổi {sorted(ids)}",
            f"a commit changes each unit at most once; case {case.id} changes {sorted(ids)}",
        )
        raise ValueError(msg)


#: ``outreach``: a session informing members and cadres (*tuyên truyền*); ``training``: a course for cadres and
#: branch and group leaders (*tập huấn*).
ActivityKind = Literal["outreach", "training"]


@attrs.frozen
class Activity:
    """An outreach session or a training held by a union, a branch or a group, with who attended.

    Attributes:
        id: stable id of the session (the union's own numbering).
        kind: see :data:`ActivityKind`.
        unit: the organising unit: a province, district or commune union, a branch or a group.
        day: the day it was held.
        topic: what it was about.
        members: ids of the members who attended.
        actors: ids of the cadres (actors) who attended.
        hours: how long it lasted, when recorded.
        note: anything else the union wrote down.
    """

    id: str
    kind: ActivityKind
    unit: str
    day: date
    topic: str
    members: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    hours: float | None = None
    note: str | None = None

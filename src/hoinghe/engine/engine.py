"""The engine: opens cases, decides and fires transitions, keeps deadlines, migrates versions.

Every decision reads the case and the organisation from the store, checks permission, documents, approvals, rules
and effects, and either refuses with **every** blocker (:class:`~hoinghe.engine.verdict.Refused`) or writes one
:class:`~hoinghe.records.Commit`: the case's new state and version, its event, the effects on units, its timers, all
or nothing.  Listeners hear of it after the commit.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import itertools
import json
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Concatenate, ParamSpec, TypeVar

import attrs

from hoinghe.definitions.graph import Vocabulary, check_workflow
from hoinghe.definitions.profile import Profile
from hoinghe.definitions.workflow import TransitionDef, WorkflowDefinition
from hoinghe.engine.authority import describe_grants, granted, required_grants
from hoinghe.engine.calendar import Calendar, VietnamCalendar
from hoinghe.engine.clock import Clock, SystemClock
from hoinghe.engine.effects import BUILTIN, Effect, EffectContext, EffectError
from hoinghe.engine.facts import Decision, build_facts, proposed_subject
from hoinghe.engine.notify import notifications, recipients
from hoinghe.engine.reader import DecisionReader
from hoinghe.engine.verdict import Blocker, Option, Refused, Verdict
from hoinghe.engine.versions import Version
from hoinghe.errors import (
    ConflictError,
    DefinitionError,
    Diagnostic,
    IdempotencyError,
    MigrationError,
    NotFound,
)
from hoinghe.hooks.listeners import Dispatcher, Listener
from hoinghe.org.model import Actor, Unit
from hoinghe.org.text import Text
from hoinghe.records import (
    Case,
    Commit,
    Document,
    Event,
    IdempotencyRecord,
    OutboxMessage,
    Timer,
    UnitChange,
    fold,
    merge_documents,
)
from hoinghe.rules.ruleset import CompiledRule
from hoinghe.storage.base import Store
from hoinghe.storage.memory import MemoryStore

__all__ = ["SYSTEM", "Engine", "SequentialIds", "TickReport"]

#: The actor timers and schedules act as.  It holds no roles: what it does, it does by the workflow's own clock.
SYSTEM = Actor("system", "hoinghe")

_MAX_DATA_DEPTH = 8
_MAX_DATA_ITEMS = 10_000

Documents = Iterable[Document] | Mapping[str, str]


class SequentialIds:
    """Ids ``case-1``, ``case-2`` ... per prefix: deterministic, for tests and simulations."""

    def __init__(self) -> None:
        self._counters: dict[str, itertools.count[int]] = {}
        self._lock = threading.Lock()

    def __call__(self, prefix: str) -> str:
        with self._lock:
            counter = self._counters.setdefault(prefix, itertools.count(1))
            return f"{prefix}-{next(counter)}"


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _in_session(method: Callable[Concatenate[Engine, _P], _R]) -> Callable[Concatenate[Engine, _P], _R]:
    """Run a decision inside one store session: its reads share a connection and a consistent view."""

    @functools.wraps(method)
    def run(self: Engine, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with self.store.session():
            return method(self, *args, **kwargs)

    return run


def _random_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


@attrs.frozen
class TickReport:
    """What :meth:`Engine.tick` did: reminders sent, transitions fired, refused, and cases opened on schedule."""

    reminded: tuple[str, ...] = ()
    fired: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()
    opened: tuple[str, ...] = ()


def _check_data(value: object, path: str, budget: list[int], depth: int = 0) -> None:
    budget[0] -= 1
    if budget[0] < 0 or depth > _MAX_DATA_DEPTH:
        msg = Text(
            f"dữ liệu hồ sơ quá lớn hoặc lồng quá sâu tại {path} "
            f"(tối đa {_MAX_DATA_ITEMS} giá trị, {_MAX_DATA_DEPTH} tầng)",
            f"case data is too large or too deep at {path} "
            f"(at most {_MAX_DATA_ITEMS} values, {_MAX_DATA_DEPTH} levels)",
        )
        raise ValueError(msg)
    if value is None or isinstance(value, str | bool | int | float):
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_data(item, f"{path}[{i}]", budget, depth + 1)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                msg = Text(
                    f"khóa trong dữ liệu hồ sơ phải là chuỗi ký tự; {path} có khóa {key!r}",
                    f"case data keys are text; {path} has the key {key!r}",
                )
                raise ValueError(msg)  # noqa: TRY004 - a caller catching bad data catches ValueError
            _check_data(item, f"{path}.{key}", budget, depth + 1)
        return
    msg = Text(
        f"dữ liệu hồ sơ chỉ gồm chuỗi ký tự, số, giá trị đúng/sai, danh sách và bảng khóa-giá trị; "
        f"{path} lại là {type(value).__name__}",
        f"case data holds text, numbers, booleans, lists and maps only; {path} is a {type(value).__name__}",
    )
    raise ValueError(msg)


def _plain(value: Any) -> Any:
    """Case data as plain JSON-like values (tuples become lists), so a stored copy reads back equal."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _documents(documents: Documents) -> tuple[Document, ...]:
    if isinstance(documents, Mapping):
        return tuple(Document(kind, uri) for kind, uri in documents.items())
    out: list[Document] = []
    for document in documents:
        if not isinstance(document, Document):  # a caller passing a dict of something else gets told
            msg = Text(  # type: ignore[unreachable]
                f"tài liệu phải là bản ghi hoinghe.Document hoặc bảng loại tài liệu -> uri, không phải {document!r}",
                f"documents are hoinghe.Document records or a mapping kind -> uri, not {document!r}",
            )
            raise TypeError(msg)
        out.append(document)
    return tuple(out)


def _fingerprint(*parts: object) -> str:
    text = json.dumps(_plain(parts), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@attrs.frozen
class _Plan:
    """A decision worked out but not written: the verdict and, when allowed, what to write."""

    verdict: Verdict
    case: Case  # the case before the decision
    version: Version
    transition: TransitionDef | None = None
    units: tuple[UnitChange, ...] = ()
    effects: tuple[str, ...] = ()
    subject: Unit | None = None  # the subject as the decision saw it (proposed), for notifications


class Engine:
    """Runs workflow cases of one profile against a store.

    Args:
        profile: the hierarchy, roles, documents, rule packs and workflows.
        store: where cases and the organisation live; a new :class:`~hoinghe.storage.memory.MemoryStore` when
            not given.
        listeners: callables told of each committed event (after the commit, on a background thread).
        clock: where "now" comes from; inject a :class:`~hoinghe.engine.clock.ManualClock` to simulate.
        calendar: working days for deadlines; Vietnamese public holidays by default.
        effects: effects the integrator adds (or replaces) by name, beyond the built-in ones.
        ids: makes new ids from a prefix (``case``, ``group``); random by default, :class:`SequentialIds` for
            reproducible runs.
        listeners_in_background: ``False`` calls listeners inline, before ``fire`` returns (still after commit).

    Raises:
        DefinitionError: a workflow names an effect nobody registered, or fails the static checks.
    """

    def __init__(
        self,
        profile: Profile,
        store: Store | None = None,
        *,
        listeners: Iterable[Listener] = (),
        clock: Clock | None = None,
        calendar: Calendar | None = None,
        effects: Mapping[str, Effect] | None = None,
        ids: Callable[[str], str] | None = None,
        listeners_in_background: bool = True,
    ) -> None:
        self.profile = profile
        self.store: Store = store if store is not None else MemoryStore()
        self.clock: Clock = clock or SystemClock()
        self.calendar: Calendar = calendar or VietnamCalendar()
        self._effects: dict[str, Effect] = {**BUILTIN, **(effects or {})}
        self._ids = ids or _random_id
        self._dispatcher = Dispatcher(listeners, background=listeners_in_background)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._versions: dict[str, Version] = {}
        self._current: dict[str, Version] = {}
        self._offices = {role.id: role.office for role in profile.roles if role.office is not None}
        self._documents = {d.id: d.title for d in profile.documents}
        for workflow in profile.workflows:
            self.register(workflow)

    def __repr__(self) -> str:
        return f"<Engine profile={self.profile.id!r} store={self.store!r}>"

    # ------------------------------------------------------------------------------------------ versions

    def register(self, workflow: WorkflowDefinition) -> str:
        """Make ``workflow`` the version new cases of its id open on; returns its version hash.

        Cases already running keep the version they opened on until :meth:`migrate` moves them.

        Raises:
            DefinitionError: the workflow fails the static checks, or names an effect nobody registered.
        """
        vocabulary = Vocabulary(
            hierarchy=self.profile.hierarchy,
            roles={r.id for r in self.profile.roles},
            documents=set(self._documents),
            effects=frozenset(self._effects),
        )
        problems = [d for d in check_workflow(workflow, vocabulary) if d.is_error]
        problems.extend(
            Diagnostic(
                "HNG-W010",
                Text(
                    f"tác động {e.id!r} của bước chuyển {t.id!r} chưa được đăng ký với Engine",
                    f"effect {e.id!r} of transition {t.id!r} is not registered with the engine",
                ),
                "$",
            )
            for t in workflow.transitions
            for e in t.effects
            if e.id not in self._effects
        )
        if problems:
            raise DefinitionError(problems)
        version = Version.of(workflow, self.profile.rule_packs)
        self.store.put_version(version.record())
        with self._lock:
            version = self._versions.setdefault(version.hash, version)
            self._current[workflow.id] = version
        return version.hash

    def current_version(self, workflow_id: str) -> str:
        """The hash of the version new cases of ``workflow_id`` open on."""
        return self._workflow(workflow_id).hash

    def _workflow(self, workflow_id: str) -> Version:
        try:
            return self._current[workflow_id]
        except KeyError:
            raise NotFound(Text("quy trình", "workflow"), workflow_id, known=self._current) from None

    def _version(self, version_hash: str) -> Version:
        found = self._versions.get(version_hash)
        if found is None:
            found = Version.from_record(self.store.version(version_hash))
            with self._lock:
                found = self._versions.setdefault(version_hash, found)
        return found

    # ------------------------------------------------------------------------------------------ reading

    def case(self, case_id: str) -> Case:
        """The case as stored; :class:`~hoinghe.errors.NotFound` when there is none."""
        return self.store.case(case_id)

    def history(self, case_id: str) -> list[Event]:
        """Every event of the case, oldest first."""
        return self.store.events(case_id)

    def workflow_of(self, case: Case) -> WorkflowDefinition:
        """The definition (of the version) the case runs on."""
        return self._version(case.definition).workflow

    def definition(self, version_hash: str) -> WorkflowDefinition:
        """The workflow definition kept under a version hash (the current one, or one cases still run on).

        Raises:
            NotFound: neither the engine nor its store knows that version.
        """
        return self._version(version_hash).workflow

    def _actor(self, actor: str | Actor) -> Actor:
        return actor if isinstance(actor, Actor) else self.store.actor(actor)

    # ------------------------------------------------------------------------------------------ opening

    @_in_session
    def open(
        self,
        workflow_id: str,
        subject: str | Unit,
        actor: str | Actor,
        *,
        data: Mapping[str, Any] | None = None,
        documents: Documents = (),
        idempotency_key: str | None = None,
    ) -> Case:
        """Open a case of ``workflow_id`` about ``subject``.

        Args:
            workflow_id: a workflow of the profile.
            subject: the id of an existing unit or, for a workflow that founds a unit (``subject.new``), the new
                :class:`~hoinghe.org.Unit` (its status is set to ``proposed``; it is stored with the case).
            actor: who opens it (an id in the store, or an :class:`~hoinghe.org.Actor`); they must be allowed
                to take one of the first steps.
            data: case data to start with (a member list, leaders ...).
            documents: documents submitted when opening.
            idempotency_key: the same key again returns the case opened the first time.

        Raises:
            Refused: the actor may not open it, or the subject is not a unit the workflow acts on.
            NotFound: no such workflow, unit or actor.
            ValueError: the data is not plain JSON-like data.
        """
        version = self._workflow(workflow_id)
        who = self._actor(actor)
        payload = self._data(data)
        docs = _documents(documents)
        fingerprint = _fingerprint(
            "open", workflow_id, subject if isinstance(subject, str) else subject.id, who.id, payload, docs
        )
        if idempotency_key is not None and (repeat := self._repeat(idempotency_key, fingerprint)) is not None:
            return repeat
        now = self.clock.now()
        reader = DecisionReader(self.store)
        unit, blockers = self._subject_for_opening(version.workflow, subject, reader)
        case = Case(
            id=self._ids("case"),
            workflow=workflow_id,
            definition=version.hash,
            subject=unit.id,
            state=version.workflow.initial,
            version=1,
            opened_at=now,
            entered_at=now,
            proposer=who.id,
            closed=version.workflow.initial in version.workflow.final,
            data=payload,
            documents=merge_documents((), docs),
        )
        if who is not SYSTEM and not blockers:
            blockers.extend(self._may_open(version, case, unit, who, reader))
        if blockers:
            # A caller with the same key may have opened it meanwhile (its new unit is what refuses this one).
            if (
                idempotency_key is not None
                and (repeat := self._repeat(idempotency_key, fingerprint)) is not None
            ):
                return repeat
            raise Refused(Verdict(case.id, "open", who.id, None, tuple(blockers)))
        event = Event(
            case_id=case.id,
            seq=1,
            kind="opened",
            at=now,
            actor=who.id,
            state=case.state,
            final=case.closed,
            documents=docs,
            data=payload,
            workflow=workflow_id,
            subject=unit.id,
            definition=version.hash,
            idempotency_key=idempotency_key,
        )
        units = (UnitChange(None, unit),) if version.workflow.subject.new else ()
        self._commit(
            Commit(
                case=case,
                events=(event,),
                expected_version=0,
                units=units,
                timers=self._timers(version, case),
                idempotency=None
                if idempotency_key is None
                else IdempotencyRecord(idempotency_key, fingerprint, case.id, 1),
            ),
            idempotency_key,
            fingerprint,
        )
        return case

    def _subject_for_opening(
        self, workflow: WorkflowDefinition, subject: str | Unit, reader: DecisionReader
    ) -> tuple[Unit, list[Blocker]]:
        spec = workflow.subject
        if isinstance(subject, Unit):
            if not spec.new:
                msg = Text(
                    f"quy trình {workflow.id!r} áp dụng cho một đơn vị đã có; hãy truyền mã đơn vị, không truyền Unit mới",
                    f"workflow {workflow.id!r} acts on an existing unit; pass its id, not a new Unit",
                )
                raise TypeError(msg)
            unit = attrs.evolve(subject, status="proposed", founded_on=None)
            try:
                reader.unit(unit.id)
            except NotFound:
                pass
            else:
                return unit, [
                    _subject_blocker(Text(f"đơn vị {unit.id} đã có", f"a unit {unit.id} exists already"))
                ]
            if unit.parent is not None:
                parent = reader.unit(unit.parent)
                allowed = (
                    self.profile.hierarchy.parent_levels(unit.level)
                    if unit.level in self.profile.hierarchy
                    else ()
                )
                if parent.level not in allowed:
                    return unit, [
                        _subject_blocker(
                            Text(
                                f"đơn vị cấp {unit.level} không thể trực thuộc {parent.id} ({parent.level}); "
                                f"chỉ trực thuộc được: {', '.join(allowed) or 'không cấp nào'}",
                                f"a {unit.level} cannot sit under {parent.id} ({parent.level}); "
                                f"it sits under: {', '.join(allowed) or 'nothing'}",
                            )
                        )
                    ]
        else:
            if spec.new:
                msg = Text(
                    f"quy trình {workflow.id!r} thành lập đơn vị mới; hãy truyền hoinghe.Unit mới, không truyền mã",
                    f"workflow {workflow.id!r} founds a unit; pass the new hoinghe.Unit, not an id",
                )
                raise TypeError(msg)
            unit = reader.unit(subject)
            if unit.status != "active":
                return unit, [
                    _subject_blocker(
                        Text(
                            f"đơn vị {unit.id} đang ở trạng thái {unit.status}, không phải active (đang hoạt động)",
                            f"unit {unit.id} is {unit.status}, not active",
                        )
                    )
                ]
        if unit.level not in spec.level or (spec.kind is not None and unit.kind != spec.kind):
            wanted = f"{'/'.join(spec.level)}{f' ({spec.kind})' if spec.kind else ''}"
            return unit, [
                _subject_blocker(
                    Text(
                        f"quy trình {workflow.id} áp dụng cho {wanted}; {unit.id} là {unit.level} ({unit.kind})",
                        f"workflow {workflow.id} acts on a {wanted}; {unit.id} is a {unit.level} ({unit.kind})",
                    )
                )
            ]
        return unit, []

    def _may_open(
        self, version: Version, case: Case, unit: Unit, actor: Actor, reader: DecisionReader
    ) -> list[Blocker]:
        """Whoever may take one of the first steps may open the case."""
        try:
            subject = proposed_subject(unit, case.data) if case.data else unit
        except ValueError as exc:
            return [_data_blocker(_message_of(exc))]
        first = [version.transitions[t] for t in version.machine.triggers(case.state)]
        if any(not t.by for t in first):
            return []
        required = [g for t in first for g in required_grants(reader, t.by, subject)]
        if granted(actor, required):
            return []
        return [self._permission_blocker(actor, list(dict.fromkeys(required)))]

    # ------------------------------------------------------------------------------------------ deciding

    @_in_session
    def check(
        self,
        case_id: str,
        transition_id: str,
        actor: str | Actor,
        *,
        documents: Documents = (),
        data: Mapping[str, Any] | None = None,
    ) -> Verdict:
        """Whether ``actor`` may fire ``transition_id`` now with these documents and data; nothing is written.

        The verdict lists every blocker at once: the state, permission, the proposer, missing documents,
        approvals, rules and effects.

        Raises:
            NotFound: no such case, transition or actor.
        """
        case = self.store.case(case_id)
        return self._plan(
            case, transition_id, self._actor(actor), _documents(documents), self._data(data)
        ).verdict

    @_in_session
    def available(self, case_id: str, actor: str | Actor) -> list[Option]:
        """The transitions out of the case's state, each with the actor's verdict (with no new documents)."""
        case = self.store.case(case_id)
        who = self._actor(actor)
        version = self._version(case.definition)
        out = []
        for transition_id in version.machine.triggers(case.state):
            transition = version.transitions[transition_id]
            plan = self._plan(case, transition_id, who, (), {})
            out.append(Option(transition_id, transition.title, transition.to, plan.verdict))
        return out

    @_in_session
    def fire(
        self,
        case_id: str,
        transition_id: str,
        actor: str | Actor,
        *,
        documents: Documents = (),
        data: Mapping[str, Any] | None = None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
        record_refusal: bool = False,
    ) -> Case:
        """Fire ``transition_id`` on the case: check everything, then write the move and its effects at once.

        Args:
            case_id: the case.
            transition_id: a transition of the case's workflow.
            actor: who fires it (an id in the store, or an :class:`~hoinghe.org.Actor`).
            documents: documents submitted with this step (``Document`` records, or kind -> uri).
            data: case data given with this step; merged into the case data key by key.
            expected_version: the case version the caller saw; a different stored version is a conflict.
            idempotency_key: the same key with the same request returns the first result and writes nothing.
            record_refusal: keep a ``refused`` event when the transition is refused.

        Returns:
            The case after the transition.

        Raises:
            Refused: the transition may not fire; every blocker is listed.
            ConflictError: the case moved on (``expected_version``), or another decision changed it meanwhile.
            IdempotencyError: the key was used for a different request.
            NotFound: no such case, transition or actor.
            ValueError: the data is not plain JSON-like data.
        """
        who = self._actor(actor)
        payload = self._data(data)
        docs = _documents(documents)
        # The case is read before the key is looked up: a caller with the same key who commits in between then
        # makes this decision's commit conflict, and the conflict returns that caller's result.
        case = self.store.case(case_id)
        fingerprint = ""
        if idempotency_key is not None:
            fingerprint = _fingerprint("fire", case_id, transition_id, who.id, payload, docs)
            if (repeat := self._repeat(idempotency_key, fingerprint)) is not None:
                return repeat
        if expected_version is not None and case.version != expected_version:
            raise _stale(case, expected_version)
        plan = self._plan(case, transition_id, who, docs, payload, writing=True)
        if not plan.verdict.allowed:
            if record_refusal:
                self._record_refusal(case, plan.verdict, docs, payload)
            raise Refused(plan.verdict)
        return self._write(plan, who, docs, payload, idempotency_key, fingerprint)

    @_in_session
    def approve(
        self, case_id: str, transition_id: str, actor: str | Actor, *, expected_version: int | None = None
    ) -> Case:
        """Record ``actor``'s approval of ``transition_id`` (for transitions that wait for a quorum).

        The actor approves as the first body (``role@unit``) in the transition's ``approvals.by`` they belong to;
        a quorum counts each body once.

        Raises:
            Refused: the transition takes no approvals here, the actor belongs to none of the bodies, the
                proposer may not approve, or this actor approved already.
            ConflictError: the case moved on (``expected_version``).
        """
        who = self._actor(actor)
        case = self.store.case(case_id)
        if expected_version is not None and case.version != expected_version:
            raise _stale(case, expected_version)
        version = self._version(case.definition)
        transition = self._transition(version, transition_id)
        blockers: list[Blocker] = []
        body = None
        if case.closed:
            blockers.append(_closed(case))
        elif version.machine.destination(case.state, transition_id) is None:
            blockers.append(_wrong_state(case, transition))
        if transition.approvals is None:
            blockers.append(
                Blocker(
                    "approval",
                    "HNG-B006",
                    Text(f"bước {transition_id} không cần phê duyệt", f"{transition_id} takes no approvals"),
                )
            )
        else:
            subject = proposed_subject(self.store.unit(case.subject), case.data)
            required = required_grants(self.store, transition.approvals.by, subject)
            body = granted(who, required)
            if body is None:
                blockers.append(self._permission_blocker(who, required))
            if transition.not_by_proposer and who.id == case.proposer:
                blockers.append(_proposer(who))
            if any(a.actor == who.id and a.transition == transition_id for a in case.approvals):
                blockers.append(
                    Blocker(
                        "approval",
                        "HNG-B006",
                        Text(
                            f"{who.name} đã phê duyệt bước {transition_id} rồi",
                            f"{who.name} approved {transition_id} already",
                        ),
                    )
                )
        if blockers or body is None:
            raise Refused(Verdict(case.id, transition_id, who.id, None, tuple(blockers)))
        now = self.clock.now()
        event = Event(
            case.id,
            case.version + 1,
            "approved",
            now,
            who.id,
            case.state,
            final=False,
            transition=transition_id,
            body=str(body),
        )
        after = case.then(event)
        self._commit(Commit(after, (event,), case.version))
        return after

    def _transition(self, version: Version, transition_id: str) -> TransitionDef:
        try:
            return version.transitions[transition_id]
        except KeyError:
            raise NotFound(
                Text("bước chuyển", "transition"), transition_id, known=version.transitions
            ) from None

    def _plan(
        self,
        case: Case,
        transition_id: str,
        actor: Actor,
        docs: tuple[Document, ...],
        data: dict[str, Any],
        *,
        writing: bool = False,
    ) -> _Plan:
        version = self._version(case.definition)
        transition = self._transition(version, transition_id)
        target = version.machine.destination(case.state, transition_id)
        reader = DecisionReader(self.store)
        if case.closed:
            return _Plan(Verdict(case.id, transition_id, actor.id, None, (_closed(case),)), case, version)
        blockers: list[Blocker] = []
        if target is None:
            blockers.append(_wrong_state(case, transition))
        ahead = attrs.evolve(case, data={**case.data, **data}) if data else case
        try:
            # Who decides is read from the case as submitted: data given with this very step (a new member
            # list) cannot bring the decision within the actor's own reach.
            stored = reader.unit(case.subject)
            submitted = proposed_subject(stored, case.data) if case.data else stored
            subject = proposed_subject(submitted, data) if data else submitted
            reader.prefetch_members(dict.fromkeys([*submitted.members, *subject.members]))
        except ValueError as exc:
            blockers.append(_data_blocker(_message_of(exc)))
            return _Plan(Verdict(case.id, transition_id, actor.id, target, tuple(blockers)), case, version)
        system = actor is SYSTEM
        if transition.by and not system:
            required = required_grants(reader, transition.by, submitted)
            if granted(actor, required) is None:
                blockers.append(self._permission_blocker(actor, required))
        if transition.not_by_proposer and actor.id == case.proposer and not system:
            blockers.append(_proposer(actor))
        blockers.extend(self._document_blockers(case, transition, docs))
        if transition.approvals is not None:
            bodies = {str(g) for g in required_grants(reader, transition.approvals.by, submitted)}
            blockers.extend(_quorum_blockers(case, transition, bodies))
        today = self.clock.today()
        warnings: list[Blocker] = []
        passed: list[str] = []
        rules = version.rules_for(today, transition, subject.level, subject.kind)
        if rules:
            decision = Decision(ahead, subject, actor, today, docs, self._offices)
            self._check_rules(reader, version, decision, rules, blockers, warnings, passed)
        units: tuple[UnitChange, ...] = ()
        if transition.effects:
            try:
                units = self._apply_effects(
                    reader, version, transition, ahead, subject, today, dry_run=not writing or bool(blockers)
                )
            except EffectError as exc:
                blockers.append(Blocker("data", "HNG-B008", exc.message))
        verdict = Verdict(
            case.id, transition_id, actor.id, target, tuple(blockers), tuple(warnings), tuple(passed)
        )
        return _Plan(
            verdict, case, version, transition, units, tuple(e.id for e in transition.effects), subject
        )

    def _check_rules(  # noqa: PLR0917 - private: the lists are the plan being built
        self,
        reader: DecisionReader,
        version: Version,
        decision: Decision,
        rules: Sequence[CompiledRule],
        blockers: list[Blocker],
        warnings: list[Blocker],
        passed: list[str],
    ) -> None:
        try:
            facts = build_facts(reader, decision)
        except NotFound as exc:
            unknown = Text(
                f"danh sách hội viên có người không có trong dữ liệu: {exc.describe('vi')}",
                f"the member list names someone unknown: {exc.describe('en')}",
            )
            blockers.append(_data_blocker(unknown))
            return
        failures = {f.rule_id: f for f in version.ruleset(decision.today).check(rules, facts)}
        for rule in rules:
            failure = failures.get(rule.id)
            if failure is None:
                passed.append(rule.id)
                continue
            blocker = Blocker(
                "rule",
                "HNG-B005",
                failure.message,
                rule_id=failure.rule_id,
                citation=failure.citation,
                explanation=failure.explanation,
            )
            (blockers if failure.blocks else warnings).append(blocker)

    def _document_blockers(
        self, case: Case, transition: TransitionDef, docs: tuple[Document, ...]
    ) -> list[Blocker]:
        out: list[Blocker] = []
        held = {d.kind for d in case.documents} | {d.kind for d in docs}
        for kind in transition.documents:
            if kind not in held:
                title = self._documents.get(kind, Text(kind, kind))
                out.append(
                    Blocker(
                        "document",
                        "HNG-B004",
                        Text(f"thiếu tài liệu: {title.get('vi')}", f"missing document: {title.get('en')}"),
                        required=(kind,),
                    )
                )
        taken = {*transition.documents, *transition.optional_documents}
        for document in docs:
            if document.kind not in taken:
                known = (
                    Text.same("")
                    if document.kind in self._documents
                    else Text(
                        " (hồ sơ cấu hình không khai báo tài liệu này)", " (the profile has no such document)"
                    )
                )
                out.append(
                    Blocker(
                        "document",
                        "HNG-B009",
                        Text(
                            f"bước {transition.id} không nhận tài liệu {document.kind}{known.vi}; bước này nhận: "
                            f"{', '.join(sorted(taken)) or 'không nhận tài liệu nào'}",
                            f"{transition.id} does not take a {document.kind}{known.get('en')}; it takes: "
                            f"{', '.join(sorted(taken)) or 'no documents'}",
                        ),
                        required=(document.kind,),
                    )
                )
        return out

    def _apply_effects(  # noqa: PLR0917 - private
        self,
        reader: DecisionReader,
        version: Version,
        transition: TransitionDef,
        case: Case,
        subject: Unit,
        today: dt.date,
        *,
        dry_run: bool,
    ) -> tuple[UnitChange, ...]:
        ids = SequentialIds() if dry_run else self._ids
        ctx = EffectContext(
            store=reader,
            case=case,
            subject=subject,
            args={},
            today=today,
            hierarchy=self.profile.hierarchy,
            params=version.ruleset(today).params,
            new_id=ids,
        )
        for ref in transition.effects:
            ctx.args = ref.args
            for unit in self._effects[ref.id](ctx):
                ctx.changed[unit.id] = unit
        out = []
        for unit in ctx.changed.values():
            try:
                before: Unit | None = reader.unit(unit.id)
            except NotFound:
                before = None
            out.append(UnitChange(before, unit))
        return tuple(out)

    # ------------------------------------------------------------------------------------------ writing

    def _write(  # noqa: PLR0917 - private, called from two places
        self,
        plan: _Plan,
        actor: Actor,
        docs: tuple[Document, ...],
        data: dict[str, Any],
        idempotency_key: str | None,
        fingerprint: str,
        *,
        done_timers: tuple[str, ...] = (),
    ) -> Case:
        case, version, transition = plan.case, plan.version, plan.transition
        target = plan.verdict.target
        if transition is None or target is None:  # pragma: no cover - an allowed plan has both
            msg = "an allowed plan has a transition and a target"
            raise AssertionError(msg)
        event = Event(
            case_id=case.id,
            seq=case.version + 1,
            kind="fired",
            at=self.clock.now(),
            actor=actor.id,
            state=target,
            final=target in version.workflow.final,
            transition=transition.id,
            from_state=case.state,
            documents=docs,
            data=data,
            effects=plan.effects,
            rules=plan.verdict.rules,
            warnings=tuple(w.rule_id or "" for w in plan.verdict.warnings),
            idempotency_key=idempotency_key,
        )
        after = case.then(event)
        record = (
            None
            if idempotency_key is None
            else IdempotencyRecord(idempotency_key, fingerprint, case.id, event.seq)
        )
        commit = Commit(
            case=after,
            events=(event,),
            expected_version=case.version,
            units=plan.units,
            timers=self._timers(version, after),
            outbox=self._notify(plan, after, event, actor, docs) if transition.notify else (),
            idempotency=record,
            done_timers=done_timers,
        )
        self._commit(commit, idempotency_key, fingerprint)
        return after

    def _notify(
        self, plan: _Plan, after: Case, event: Event, actor: Actor, docs: tuple[Document, ...]
    ) -> tuple[OutboxMessage, ...]:
        """The transition's notifications, resolved against the subject as the transition left it."""
        transition, subject = plan.transition, plan.subject
        if transition is None or subject is None:  # pragma: no cover - an allowed plan has both
            return ()
        subject = next((c.after for c in plan.units if c.after.id == subject.id), subject)
        today = self.clock.today()
        decision = Decision(after, subject, actor, today, docs, self._offices)
        return notifications(
            self.store,
            plan.version.ruleset(today),
            transition.notify,
            case=after,
            event=event,
            subject=subject,
            actor=actor,
            facts=build_facts(self.store, decision),
            topic=f"transition.{transition.id}",
            key=f"{after.id}:{event.seq}:notify",
            extra={"from": plan.case.state},
        )

    def _commit(self, commit: Commit, idempotency_key: str | None = None, fingerprint: str = "") -> None:
        try:
            self.store.commit(commit)
        except ConflictError:
            # Two callers racing with one key: the loser returns what the winner did.
            if idempotency_key is not None and self._repeat(idempotency_key, fingerprint) is not None:
                return
            raise
        pending: list[tuple[tuple[Event, ...], Case]] | None = getattr(self._local, "pending", None)
        if pending is not None:
            pending.append((commit.events, commit.case))
        else:
            self._dispatcher.submit(commit.events, commit.case)

    def _record_refusal(
        self, case: Case, verdict: Verdict, docs: tuple[Document, ...], data: dict[str, Any]
    ) -> None:
        event = Event(
            case_id=case.id,
            seq=case.version + 1,
            kind="refused",
            at=self.clock.now(),
            actor=verdict.actor,
            state=case.state,
            final=case.closed,
            transition=verdict.transition,
            documents=(),
            refusal=tuple(dict.fromkeys(b.rule_id or b.code for b in verdict.blockers)),
        )
        del docs, data  # a refusal keeps neither: they were not accepted
        self._commit(Commit(case.then(event), (event,), case.version))

    def _repeat(self, key: str, fingerprint: str) -> Case | None:
        record = self.store.idempotency(key)
        if record is None:
            return None
        if record.fingerprint != fingerprint:
            msg = Text(
                f"khóa chống trùng lặp {key!r} đã được dùng cho một yêu cầu khác (hồ sơ {record.case_id})",
                f"idempotency key {key!r} was used for a different request (case {record.case_id})",
            )
            raise IdempotencyError(msg)
        case = self.store.case(record.case_id)
        if case.version == record.seq:
            return case
        return fold(self.store.events(record.case_id)[: record.seq])

    def _data(self, data: Mapping[str, Any] | None) -> dict[str, Any]:
        if not data:
            return {}
        _check_data(data, "data", [_MAX_DATA_ITEMS])
        return dict(_plain(data))

    def _permission_blocker(self, actor: Actor, required: Sequence[Any]) -> Blocker:
        wanted = describe_grants(self.profile, self.store, required)
        holds = ", ".join(map(str, actor.grants)) or "-"
        return Blocker(
            "permission",
            "HNG-B002",
            Text(
                f"{actor.name} không có quyền: cần {wanted.get('vi')}; đang giữ: {holds}",
                f"{actor.name} may not do this: it takes {wanted.get('en')}; they hold: {holds}",
            ),
            required=tuple(str(g) for g in required),
        )

    # ------------------------------------------------------------------------------------------ timers

    def _timers(self, version: Version, case: Case) -> tuple[Timer, ...]:
        if case.closed:
            return ()
        out = []
        for transition in version.workflow.transitions:
            deadline = transition.deadline
            if deadline is None or case.state not in transition.from_:
                continue
            start = case.entered_at if deadline.from_ == "entered" else case.opened_at
            day = self.calendar.add(start.date(), deadline.within)
            due = dt.datetime.combine(day, start.timetz())
            target = transition.id if deadline.then == "notify" else deadline.transition
            out.append(
                Timer(
                    f"{case.id}:{case.version}:{transition.id}",
                    case.id,
                    transition.id,
                    due,
                    deadline.then,
                    target,
                    case.version,
                )
            )
        return tuple(out)

    @_in_session
    def tick(self, now: dt.datetime | None = None) -> TickReport:
        """Act on every deadline due by ``now`` (the clock's time when not given), and open scheduled cases.

        A ``notify`` deadline writes a reminder (an event and an outbox message); a ``fire`` deadline fires its
        transition as :data:`SYSTEM` (permission aside, every other check applies: a refusal is recorded).

        Each timer is its own decision, committed on its own: when the store fails part way (a
        :class:`~hoinghe.errors.StorageError`), the timers handled before the failure stay handled, and calling
        ``tick`` again carries on without repeating them.
        """
        at = now or self.clock.now()
        reminded, fired, refused = [], [], []
        for timer in self.store.due_timers(at):
            try:
                case = self.store.case(timer.case_id)
            except NotFound:
                continue
            if case.closed:
                continue
            version = self._version(case.definition)
            if timer.then == "notify":
                self._remind(case, version, timer)
                reminded.append(timer.id)
                continue
            target = timer.target or timer.transition
            plan = self._plan(case, target, SYSTEM, (), {}, writing=True)
            if plan.verdict.allowed:
                self._write(plan, SYSTEM, (), {}, None, "", done_timers=(timer.id,))
                fired.append(timer.id)
            else:
                self._record_refusal(case, plan.verdict, (), {})
                refused.append(timer.id)
        opened = self._open_scheduled(at)
        return TickReport(tuple(reminded), tuple(fired), tuple(refused), tuple(opened))

    def _remind(self, case: Case, version: Version, timer: Timer) -> None:
        transition = version.transitions[timer.transition]
        subject = proposed_subject(self.store.unit(case.subject), case.data)
        event = Event(
            case.id,
            case.version + 1,
            "reminded",
            self.clock.now(),
            SYSTEM.id,
            case.state,
            final=False,
            transition=transition.id,
        )
        after = case.then(event)
        entries = () if transition.deadline is None else transition.deadline.notify
        extra = {"due": timer.due.isoformat(), "waiting_in": case.state}
        if entries:
            today = self.clock.today()
            decision = Decision(after, subject, SYSTEM, today, (), self._offices)
            messages = notifications(
                self.store,
                version.ruleset(today),
                entries,
                case=after,
                event=event,
                subject=subject,
                actor=SYSTEM,
                facts=build_facts(self.store, decision),
                topic="deadline.reminder",
                key=f"{case.id}:{event.seq}:deadline",
                extra=extra,
            )
        else:
            messages = (self._default_reminder(after, event, transition, subject, timer),)
        self._commit(Commit(after, (event,), case.version, outbox=messages, done_timers=(timer.id,)))

    def _default_reminder(
        self, case: Case, event: Event, transition: TransitionDef, subject: Unit, timer: Timer
    ) -> OutboxMessage:
        """A reminder to whoever may fire the transition, on the ``log`` channel."""
        title = transition.title or Text(transition.id, transition.id)
        due = timer.due.date().isoformat()
        return OutboxMessage(
            key=f"{case.id}:{event.seq}:deadline",
            case_id=case.id,
            seq=event.seq,
            topic="deadline.reminder",
            payload={
                "workflow": case.workflow,
                "transition": transition.id,
                "state": case.state,
                "subject": {"id": subject.id, "name": subject.name, "level": subject.level},
                "actor": SYSTEM.id,
                "due": timer.due.isoformat(),
                "to": recipients(self.store, transition.by, subject, case, SYSTEM),
                "message": {
                    "vi": f"Đã đến hạn bước «{title.get('vi')}» của hồ sơ {case.id} ({subject.name}), hạn {due}.",
                    "en": f"The step “{title.get('en')}” of case {case.id} ({subject.name}) was due on {due}.",
                },
            },
            channel="log",
            at=event.at,
        )

    def _open_scheduled(self, now: dt.datetime) -> list[str]:
        opened: list[str] = []
        for version in list(self._current.values()):
            workflow = version.workflow
            if workflow.schedule is None:
                continue
            last: dict[str, Case] = {}
            for case in self.store.cases(workflow=workflow.id):
                if case.subject not in last or case.opened_at >= last[case.subject].opened_at:
                    last[case.subject] = case
            for level in workflow.subject.level:
                for unit in self.store.units(level=level, kind=workflow.subject.kind, status="active"):
                    previous = last.get(unit.id)
                    if previous is not None and not previous.closed:
                        continue
                    anchor = previous.opened_at.date() if previous is not None else unit.founded_on
                    if anchor is None or self.calendar.add(anchor, workflow.schedule.every) > now.date():
                        continue
                    opened.append(self.open(workflow.id, unit.id, SYSTEM).id)
        return opened

    # ------------------------------------------------------------------------------------------ migration

    @_in_session
    def migrate(
        self,
        case_id: str,
        *,
        to: str | None = None,
        states: Mapping[str, str] | None = None,
        actor: str | Actor = SYSTEM,
    ) -> Case:
        """Move a running case to another version of its workflow (the current one unless ``to`` names one).

        Args:
            states: old state -> new state, for states the new version renamed or removed.

        Raises:
            MigrationError: the case is closed, or its state (after ``states``) is not in the new version;
                nothing is written.
        """
        case = self.store.case(case_id)
        target = self._version(to) if to is not None else self._workflow(case.workflow)
        problem = self._stranded(case, target, states or {})
        if problem is not None:
            raise MigrationError(problem)
        if target.hash == case.definition:
            return case
        who = self._actor(actor)
        state = (states or {}).get(case.state, case.state)
        event = Event(
            case.id,
            case.version + 1,
            "migrated",
            self.clock.now(),
            who.id,
            state,
            final=state in target.workflow.final,
            from_state=case.state,
            definition=target.hash,
        )
        after = case.then(event)
        self._commit(Commit(after, (event,), case.version, timers=self._timers(target, after)))
        return after

    def migrate_all(
        self, workflow_id: str, *, states: Mapping[str, str] | None = None, actor: str | Actor = SYSTEM
    ) -> list[Case]:
        """Move every running case of ``workflow_id`` to its current version, or none of them.

        Raises:
            MigrationError: some case would be stranded (each one is named); nothing is moved.
        """
        target = self._workflow(workflow_id)
        running = [
            c for c in self.store.cases(workflow=workflow_id, closed=False) if c.definition != target.hash
        ]
        problems = [p for c in running if (p := self._stranded(c, target, states or {})) is not None]
        if problems:
            raise MigrationError(Text.join("\n", problems))
        return [self.migrate(c.id, to=target.hash, states=states, actor=actor) for c in running]

    def _stranded(self, case: Case, target: Version, states: Mapping[str, str]) -> Text | None:
        """Why moving ``case`` to ``target`` would strand it; ``None`` when it would not."""
        if target.workflow.id != case.workflow:
            return Text(
                f"hồ sơ {case.id} chạy theo quy trình {case.workflow}, không phải {target.workflow.id}",
                f"case {case.id} runs {case.workflow}, not {target.workflow.id}",
            )
        if case.closed:
            return Text(
                f"hồ sơ {case.id} đã kết thúc ({case.state}); hồ sơ đã kết thúc giữ nguyên phiên bản của mình",
                f"case {case.id} is closed ({case.state}); closed cases keep their version",
            )
        state = states.get(case.state, case.state)
        if state not in target.workflow.state_ids:
            return Text(
                f"hồ sơ {case.id} đang ở trạng thái {case.state!r}, mà phiên bản {target.hash[:12]} của "
                f"{case.workflow} không có; hãy ánh xạ sang một trong các trạng thái: "
                f"{', '.join(target.workflow.state_ids)}",
                f"case {case.id} is in state {case.state!r}, which version {target.hash[:12]} of {case.workflow} "
                f"does not have; map it to one of: {', '.join(target.workflow.state_ids)}",
            )
        return None

    # ------------------------------------------------------------------------------------------ batches

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Decisions made in the block are written in one store transaction: all of them, or none.

        Refusals and conflicts inside the block undo only their own decision.  Listeners hear of the decisions
        once the block has committed.  Use it for bulk imports and simulations; a block holds the store (SQLite's
        write lock) until it ends, so keep it to one thread and a bounded number of decisions.
        """
        if getattr(self._local, "pending", None) is not None:
            yield
            return
        pending: list[tuple[tuple[Event, ...], Case]] = []
        self._local.pending = pending
        try:
            with self.store.batch():
                yield
        finally:
            self._local.pending = None
        for events, case in pending:
            self._dispatcher.submit(events, case)

    # ------------------------------------------------------------------------------------------ listeners

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until listeners have been given every committed event; False on timeout."""
        return self._dispatcher.drain(timeout)

    def close(self, timeout: float | None = None) -> bool:
        """Deliver pending events to listeners and stop their thread."""
        return self._dispatcher.close(timeout)


def _quorum_blockers(case: Case, transition: TransitionDef, required: set[str]) -> list[Blocker]:
    """A blocker unless enough distinct bodies, each still one the transition requires, approved."""
    if transition.approvals is None:
        return []
    bodies = {a.body for a in case.approvals if a.transition == transition.id and a.body in required}
    need = transition.approvals.quorum
    if len(bodies) >= need:
        return []
    text = Text(
        f"mới có {len(bodies)}/{need} cơ quan phê duyệt bước {transition.id}",
        f"{len(bodies)} of the {need} approvals {transition.id} needs",
    )
    return [Blocker("approval", "HNG-B006", text, required=tuple(sorted(bodies)))]


def _subject_blocker(message: Text) -> Blocker:
    return Blocker("subject", "HNG-B010", message)


def _message_of(exc: Exception) -> Text:
    """An exception's message in both languages: its :class:`Text`, or its one text in both when it has none."""
    first = exc.args[0] if exc.args else None
    return first if isinstance(first, Text) else Text.same(str(exc))


def _data_blocker(message: Text) -> Blocker:
    return Blocker("data", "HNG-B008", Text(f"dữ liệu hồ sơ không hợp lệ: {message.vi}", message.get("en")))


def _stale(case: Case, expected: int) -> ConflictError:
    """The conflict of a caller who saw the case at version ``expected``."""
    message = Text(
        f"hồ sơ {case.id} đang ở phiên bản {case.version}, không phải {expected}; hãy đọc lại hồ sơ",
        f"case {case.id} is at version {case.version}, not {expected}; read it again",
    )
    return ConflictError(message, expected=expected, actual=case.version)


def _closed(case: Case) -> Blocker:
    return Blocker(
        "state",
        "HNG-B007",
        Text(
            f"hồ sơ {case.id} đã kết thúc ở trạng thái {case.state}",
            f"case {case.id} is closed ({case.state})",
        ),
    )


def _wrong_state(case: Case, transition: TransitionDef) -> Blocker:
    origins = ", ".join(transition.from_)
    return Blocker(
        "state",
        "HNG-B001",
        Text(
            f"không thể thực hiện {transition.id} khi hồ sơ đang ở {case.state} (chỉ từ: {origins})",
            f"{transition.id} cannot fire while the case is {case.state}; it fires from: {origins}",
        ),
    )


def _proposer(actor: Actor) -> Blocker:
    return Blocker(
        "proposer",
        "HNG-B003",
        Text(
            f"{actor.name} là người đề xuất, không được tự quyết định",
            f"{actor.name} proposed this case and may not decide it",
        ),
    )

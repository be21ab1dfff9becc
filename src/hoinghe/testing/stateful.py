"""A Hypothesis state machine that drives a real engine and holds it to a plain reference model (RELIABILITY S-2).

:class:`EngineMachine` opens cases (foundings of new units, and workflows on existing units), fires valid and
invalid transitions by entitled and random actors with random documents and data, registers new versions of
workflows and lets deadlines pass.  Beside the engine it keeps a :class:`CaseModel` per case, worked out from the
workflow definitions alone, and checks after every step that:

- a fire the engine accepted moved the case where the definition says (``to``, version + 1); a refused one changed
  nothing (the case, its events and the units are as before);
- a transition that cannot fire from the case's state is refused with a ``state`` blocker, and one that can is
  never refused for its state; a closed case refuses everything;
- ``check`` and ``fire`` agree, and ``available`` offers exactly the transitions out of the state;
- every stored case equals the fold of its events, whose sequence numbers run 1..n;
- a founding that activates a unit leaves it active with the members the case data named;
- cases opened before a new version of their workflow keep their version; cases opened after get the new one;
- the outbox holds one message per reminder event and one per ``notify:`` entry of each transition fired, and
  nothing else.

Run it as it is, or subclass it for another profile, store or set of workflows::

    from hoinghe.testing import EngineMachine

    class TuyenQuangMachine(EngineMachine):
        profile_id = "tuyen-quang"

    TestTuyenQuang = TuyenQuangMachine.TestCase
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from hoinghe.definitions.profile import Profile
from hoinghe.definitions.workflow import RoleRef, TransitionDef, WorkflowDefinition
from hoinghe.engine.clock import ManualClock
from hoinghe.engine.engine import Engine, SequentialIds
from hoinghe.engine.verdict import Blocker, Refused
from hoinghe.errors import ConflictError, NotFound
from hoinghe.loading import load_profile
from hoinghe.org.model import Actor, RoleGrant, Unit, to_leaders
from hoinghe.org.registry import Org
from hoinghe.org.text import Text
from hoinghe.records import Case, Event, fold
from hoinghe.storage.base import Store
from hoinghe.storage.memory import MemoryStore
from hoinghe.testing.strategies import TRADES, case_data, documents, orgs, units

__all__ = ["CaseModel", "EngineMachine", "moves"]

#: A transition id no workflow has: firing it must raise NotFound and change nothing.
_UNKNOWN_TRANSITION = "no_such_transition"
#: A document kind no profile declares: a step given it is refused.
_UNKNOWN_DOCUMENT = "no_such_document"
#: Where an actor is drawn from: those entitled to the step (twice as often), anyone, or someone with no role.
_ACTORS = ("entitled", "entitled", "anyone", "nobody")


def moves(workflow: WorkflowDefinition) -> dict[str, dict[str, str]]:
    """State -> transition id -> the state it leads to, read from the definition alone."""
    out: dict[str, dict[str, str]] = {state: {} for state in workflow.state_ids}
    for transition in workflow.transitions:
        for state in transition.from_:
            out.setdefault(state, {})[transition.id] = transition.to
    return out


@attrs.define
class CaseModel:
    """What the reference model expects of one case.

    Attributes:
        id: the case id.
        workflow: the workflow id.
        definition: the version hash the case runs on.
        subject: the subject unit's id.
        state: the state it must be in.
        version: the number of events it must have.
        closed: it reached a final state.
        moves: state -> transition -> target, from the case's own definition version.
        final: the final states of that version.
        visited: the states the case has been in.
    """

    id: str
    workflow: str
    definition: str
    subject: str
    state: str
    version: int
    closed: bool
    moves: Mapping[str, Mapping[str, str]]
    final: frozenset[str]
    visited: set[str] = attrs.field(factory=set)

    def target(self, transition: str) -> str | None:
        """Where ``transition`` leads from the current state; ``None`` when it cannot fire from it."""
        return self.moves.get(self.state, {}).get(transition)


@functools.cache
def _shipped(profile_id: str) -> Profile:
    return load_profile(profile_id)


def expect(condition: bool, message: object = "") -> None:
    """Fail the run with ``message`` unless ``condition`` holds; unlike ``assert``, ``python -O`` keeps it."""
    if not condition:
        raise AssertionError(message)


def _proposed(unit: Unit, data: Mapping[str, Any]) -> Unit:
    """``unit`` with the member list the case data proposes, when it proposes a well-formed one."""
    roster = data.get("members")
    if isinstance(roster, list) and all(isinstance(m, str) for m in roster):
        return attrs.evolve(unit, members=tuple(dict.fromkeys(roster)))
    return unit


def _kinds(blockers: Sequence[Blocker]) -> list[str]:
    return [b.kind for b in blockers]


class EngineMachine(RuleBasedStateMachine):
    """Drives one engine over a generated organisation; see the module docstring for what it checks.

    Class attributes a subclass may change:
        profile_id: the shipped profile to load (or override :meth:`make_profile`).
        workflows: the workflow ids to open cases of (a founding, a review, a consolidation and a dissolution by
            default); every workflow of the profile when ``None``.
        start: the clock's first instant.
        max_walk: the most valid fires one ``walk`` step makes in a row (deep paths need several).
        trades: the trades of farmers and units; few, so that enough members share one.
        max_versions: the most new workflow versions one run registers.
        min_members: the smallest member list a well-formed dossier proposes (a group's minimum size).

    After a run, ``counts`` says how often each thing happened (``opened``, ``fired``, ``refused``, ``conflict``,
    ``activated``, ``reminders`` ...): a subclass's ``teardown`` can collect them to see what a run reached.
    """

    profile_id: ClassVar[str] = "vn-2025"
    workflows: ClassVar[tuple[str, ...] | None] = (
        "found-professional-group",
        "review-unit",
        "consolidate-unit",
        "dissolve-unit",
    )
    start: ClassVar[dt.datetime] = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    max_walk: ClassVar[int] = 10
    trades: ClassVar[tuple[str, ...]] = TRADES[:2]
    max_versions: ClassVar[int] = 3
    min_members: ClassVar[int] = 5

    def __init__(self) -> None:
        super().__init__()
        self.profile = self.make_profile()
        self.clock = ManualClock(self.start)
        self.store = self.make_store()
        self.engine = self.make_engine(self.store, self.clock)
        self.cases: dict[str, CaseModel] = {}
        self.current: dict[str, WorkflowDefinition] = {w.id: w for w in self.profile.workflows}
        self.hashes = {w.id: self.engine.current_version(w.id) for w in self.profile.workflows}
        self.definitions: dict[str, WorkflowDefinition] = {self.hashes[w]: d for w, d in self.current.items()}
        self.counts: collections.Counter[str] = collections.Counter()
        self._fresh = SequentialIds()
        chosen = self.workflows if self.workflows is not None else tuple(self.current)
        missing = [w for w in chosen if w not in self.current]
        if missing:
            absent, setting = ", ".join(missing), f"{type(self).__name__}.workflows"
            msg = Text(
                f"hồ sơ cấu hình {self.profile.id} không có quy trình {absent}; hãy đặt {setting}",
                f"profile {self.profile.id} has no workflow {absent}; set {setting}",
            )
            raise ValueError(msg)
        self.founding = [self.current[w] for w in chosen if self.current[w].subject.new]
        self.running = [self.current[w] for w in chosen if not self.current[w].subject.new]
        self.document_kinds = [d.id for d in self.profile.documents]
        self.ratings = sorted(
            {
                str(c)
                for pack in self.profile.rule_packs
                for name, param in pack.params.items()
                if name.startswith("rating_classes_") and isinstance(param.value, tuple)
                for c in param.value
            }
        )

    # ------------------------------------------------------------------------------------------ hooks

    def make_profile(self) -> Profile:
        """The profile the engine runs; the shipped :attr:`profile_id` by default."""
        return _shipped(self.profile_id)

    def make_store(self) -> Store:
        """A new, empty store for one run; a :class:`~hoinghe.storage.MemoryStore` by default."""
        return MemoryStore()

    def make_engine(self, store: Store, clock: ManualClock) -> Engine:
        """The engine under test, on ``store`` and ``clock``, with sequential ids and inline listeners."""
        return Engine(self.profile, store, clock=clock, ids=SequentialIds(), listeners_in_background=False)

    def org_strategy(self) -> st.SearchStrategy[Org]:
        """The organisation a run starts from: some branches and groups are dissolved already."""
        return orgs(
            self.profile,
            farmers=(6, 14),
            trades=self.trades,
            units_per_commune=(1, 4),
            statuses=("active", "active", "dissolved"),
        )

    # ------------------------------------------------------------------------------------------ helpers

    def org(self) -> Org:
        """The organisation as stored now."""
        return self.store.org(self.profile.hierarchy)

    def entitled(self, refs: Sequence[RoleRef], subject: Unit, *, avoid: str | None = None) -> list[Actor]:
        """Actors holding one of ``refs`` as the organisation resolves them for ``subject`` (made up if nobody does).

        This reads :meth:`Org.resolve`, not the engine's own authority code, so the two are checked against each
        other whenever an entitled actor is refused for permission.
        """
        org = self.org().with_units(subject)
        out: list[Actor] = []
        for ref in refs:
            try:
                unit = org.resolve(ref.at, subject.id)
            except (NotFound, ValueError):
                continue
            if unit is None:
                continue
            grant = RoleGrant(ref.role, unit.id)
            holders = [a for a in org.holders(ref.role, unit.id) if a.id != avoid]
            out.extend(holders or [Actor(f"x-{grant}", f"{ref.role} {unit.id}", (grant,))])
        return out

    def _actor(
        self, data: st.DataObject, entitled: Sequence[Actor], *, insist: bool = False
    ) -> tuple[Actor, bool]:
        """An entitled actor (most often, or always when ``insist``), anyone at all, or someone with no role.

        Returns:
            The actor, and whether it was taken from ``entitled``.
        """
        org = self.org()
        mode = "entitled" if insist else data.draw(st.sampled_from(_ACTORS), label="actor_from")
        if mode == "entitled" and entitled:
            return data.draw(st.sampled_from(list(entitled)), label="actor"), True
        if mode == "anyone" and org.actors:
            everyone = sorted(org.actors.values(), key=lambda a: a.id)
            return data.draw(st.sampled_from(everyone), label="actor"), False
        return Actor("x-nobody", "Người không có quyền"), False

    def _candidates(self, subject: Unit, trade: str | None) -> tuple[list[str], list[str]]:
        """Members of the subject's commune: all of them, and the union members who work in ``trade``."""
        org = self.org().with_units(subject)
        try:
            commune = org.commune_of(subject.id)
        except (NotFound, ValueError):
            commune = None
        near = [m for m in org.members.values() if commune is None or m.commune == commune.id]
        fit = [m.id for m in near if m.is_union_member and (trade is None or trade in m.trades)]
        return [m.id for m in near], fit

    def _data(self, data: st.DataObject, subject: Unit, *, valid: bool) -> dict[str, Any]:
        everyone, fit = self._candidates(subject, subject.trade)
        offices = [r.id for r in self.profile.roles if r.office is not None and subject.level in r.levels]
        strategy = case_data(
            fit if valid else everyone,
            leader_roles=offices,
            trades=[subject.trade] if valid and subject.trade else self.trades,
            ratings=self.ratings,
            min_members=self.min_members if valid else 0,
            complete=valid and data.draw(st.booleans(), label="complete"),
            malformed=not valid,
        )
        return data.draw(strategy, label="data")

    def _snapshot(self) -> dict[str, Unit]:
        return {u.id: u for u in self.store.units()}

    def _adopt(self, case: Case) -> None:
        definition = self.definitions[case.definition]
        expect(case.state == definition.initial, case)
        expect(case.version == 1, case)
        expect(case.definition == self.hashes[case.workflow], "a new case opens on the current version")
        self.cases[case.id] = CaseModel(
            case.id,
            case.workflow,
            case.definition,
            case.subject,
            case.state,
            case.version,
            case.closed,
            moves(definition),
            frozenset(definition.final),
            {case.state},
        )
        self.counts["opened"] += 1

    # ------------------------------------------------------------------------------------------ rules

    @initialize(data=st.data())
    def put_org(self, data: st.DataObject) -> None:
        org = data.draw(self.org_strategy(), label="org")
        expect(org.validate() == [], org.validate())
        self.store.put_org(units=org.units.values(), members=org.members.values(), actors=org.actors.values())

    @precondition(lambda self: bool(self.founding))
    @rule(data=st.data())
    def open_founding(self, data: st.DataObject) -> None:
        """Open a founding case on a new unit, by an entitled or a random actor."""
        workflow = self.current[data.draw(st.sampled_from([w.id for w in self.founding]), label="workflow")]
        level = data.draw(st.sampled_from(workflow.subject.level), label="level")
        fresh = self._fresh(f"{level}-new")
        try:
            strategy = units(
                self.org(), level, kind=workflow.subject.kind, ids=st.just(fresh), trades=self.trades
            )
        except ValueError:
            return  # nowhere to put one: every possible parent has ended
        unit = data.draw(strategy, label="unit")
        payload = self._data(data, unit, valid=True) if data.draw(st.booleans(), label="with_data") else {}
        first = [t for t in workflow.transitions if workflow.initial in t.from_]
        refs = [ref for t in first for ref in t.by]
        actor, _ = self._actor(data, self.entitled(refs, _proposed(unit, payload)))
        if self._open(workflow.id, unit, actor, payload) is not None:
            stored = self.store.unit(unit.id)
            expect(stored.status == "proposed", stored)

    @precondition(lambda self: bool(self.running))
    @rule(data=st.data())
    def open_on_unit(self, data: st.DataObject) -> None:
        """Open a case about an existing unit: often a fitting active one, sometimes an ended or wrong one."""
        workflow = self.current[data.draw(st.sampled_from([w.id for w in self.running]), label="workflow")]
        spec = workflow.subject
        same_level = sorted((u for u in self.store.units() if u.level in spec.level), key=lambda u: u.id)
        fitting = [u for u in same_level if u.status == "active" and spec.kind in (None, u.kind)]
        pool = fitting if bool(fitting) and data.draw(st.booleans(), label="fitting") else same_level
        if not pool:
            return
        unit = data.draw(st.sampled_from(pool), label="subject")
        first = [t for t in workflow.transitions if workflow.initial in t.from_]
        actor, _ = self._actor(data, self.entitled([ref for t in first for ref in t.by], unit))
        wrong = unit not in fitting
        case = self._open(workflow.id, unit.id, actor, {}, subject_blocker=wrong)
        expect(
            case is None or not wrong,
            f"{workflow.id} opened on {unit} ({unit.level}, {unit.kind}, {unit.status})",
        )

    @precondition(lambda self: bool(self.cases))
    @rule(data=st.data())
    def fire(self, data: st.DataObject) -> None:
        """Fire one transition: any of the workflow's (or an unknown one), by anyone, with anything."""
        model = self.cases[data.draw(st.sampled_from(sorted(self.cases)), label="case")]
        definition = self.definitions[model.definition]
        names = [t.id for t in definition.transitions]
        transition_id = data.draw(st.sampled_from([*names, _UNKNOWN_TRANSITION]), label="transition")
        if transition_id == _UNKNOWN_TRANSITION:
            self._unknown(model, data)
            return
        transition = definition.transition(transition_id)
        self._fire(data, model, transition, valid=data.draw(st.booleans(), label="valid"))

    @precondition(lambda self: any(not m.closed for m in self.cases.values()))
    @rule(data=st.data())
    def walk(self, data: st.DataObject) -> None:
        """Fire several transitions the case's state allows, by entitled actors with the documents they need."""
        open_ids = sorted(i for i, m in self.cases.items() if not m.closed)
        model = self.cases[data.draw(st.sampled_from(open_ids), label="case")]
        for _ in range(data.draw(st.integers(1, self.max_walk), label="steps")):
            possible = list(model.moves.get(model.state, {}))
            if model.closed or not possible:
                return
            # Deep states are reached by moving on: prefer steps to states the case has not been in, not final.
            ahead = [t for t in possible if model.moves[model.state][t] not in model.visited | model.final]
            if ahead and data.draw(st.integers(0, 3), label="onwards") > 0:
                possible = ahead
            definition = self.definitions[model.definition]
            transition = definition.transition(data.draw(st.sampled_from(possible), label="transition"))
            self._fire(data, model, transition, valid=True, insist=True)

    @precondition(lambda self: self.counts["versions"] < self.max_versions)
    @rule(data=st.data())
    def new_version(self, data: st.DataObject) -> None:
        """Register a new version of a workflow (a new title): running cases keep theirs, new ones get it."""
        workflow_id = data.draw(st.sampled_from(sorted(self.current)), label="workflow")
        old = self.current[workflow_id]
        n = self._fresh("version")
        new = attrs.evolve(old, title=Text(f"{old.title.vi} ({n})", f"{old.title.get('en')} ({n})"))
        previous = self.hashes[workflow_id]
        version = self.engine.register(new)
        expect(version != previous, "a changed definition hashes differently")
        expect(self.engine.current_version(workflow_id) == version)
        self.current[workflow_id] = new
        self.hashes[workflow_id] = version
        self.definitions[version] = new
        self.founding = [self.current[w.id] for w in self.founding]
        self.running = [self.current[w.id] for w in self.running]
        for model in self.cases.values():
            stored = self.store.case(model.id)
            expect(stored.definition == model.definition, "registering a version moved a running case")
            expect(self.engine.workflow_of(stored).title == self.definitions[model.definition].title)
        self.counts["versions"] += 1

    @rule(days=st.integers(0, 30), hours=st.integers(0, 23), to_deadline=st.booleans())
    def tick(self, days: int, hours: int, *, to_deadline: bool) -> None:
        """Let time pass (to the next deadline, or by some days) and run what is due; new events must fit the model."""
        due = [t.due for m in self.cases.values() if not m.closed for t in self.store.timers(m.id)]
        if to_deadline and due:
            self.clock.set(max(self.clock.now(), min(due)))
        else:
            self.clock.advance(dt.timedelta(days=days, hours=hours))
        report = self.engine.tick()
        left = {t.id for m in self.cases.values() for t in self.store.timers(m.id)}
        expect(not left & set(report.reminded), "a timer is still due after its reminder was sent")
        for case_id in report.opened:
            case = self.store.case(case_id)
            expect(case.proposer == "system")
            self._adopt(case)
        for model in self.cases.values():
            for event in self.store.events(model.id, after=model.version):
                self._follow(model, event)
        self.counts["reminders"] += len(report.reminded)

    # ------------------------------------------------------------------------------------------ checks

    def _open(
        self,
        workflow_id: str,
        subject: str | Unit,
        actor: Actor,
        payload: Mapping[str, Any],
        *,
        subject_blocker: bool = False,
    ) -> Case | None:
        """Open a case and adopt it into the model, or check that a refused open wrote nothing."""
        before = (sorted(c.id for c in self.store.cases()), self._snapshot())
        try:
            case = self.engine.open(workflow_id, subject, actor, data=payload)
        except Refused as exc:
            kinds = _kinds(exc.blockers)
            expect(bool(kinds), "a refusal names its reasons")
            expect(not subject_blocker or "subject" in kinds, f"a wrong subject refused with {kinds}")
            after = (sorted(c.id for c in self.store.cases()), self._snapshot())
            expect(after == before, "a refused open wrote something")
            self.counts["open refused"] += 1
            return None
        expect(self.store.case(case.id) == case, "open returned another case than it stored")
        self._adopt(case)
        return case

    def _follow(self, model: CaseModel, event: Event) -> None:
        """Advance the model by an event the engine wrote on its own (a deadline, a schedule)."""
        expect(event.seq == model.version + 1)
        if event.kind == "fired":
            expect(not model.closed, "a deadline fired on a closed case")
            expect(model.target(event.transition or "") == event.state, event)
            model.state, model.closed = event.state, event.state in model.final
            model.visited.add(event.state)
        else:
            expect(event.kind in ("reminded", "refused"), event)
            expect(event.state == model.state, event)
        model.version = event.seq

    def _unknown(self, model: CaseModel, data: st.DataObject) -> None:
        before = (self.store.case(model.id), self.store.events(model.id))
        actor, _ = self._actor(data, [])
        try:
            self.engine.fire(model.id, _UNKNOWN_TRANSITION, actor)
        except NotFound:
            pass
        else:  # pragma: no cover - reached only when the engine is wrong
            raise AssertionError("an unknown transition fired")
        expect((self.store.case(model.id), self.store.events(model.id)) == before)

    def _fire(
        self,
        data: st.DataObject,
        model: CaseModel,
        transition: TransitionDef,
        *,
        valid: bool,
        insist: bool = False,
    ) -> None:
        """Fire ``transition`` and hold the outcome to the model.

        ``valid`` gives the documents the step needs, well-formed data and (mostly) an entitled actor; ``insist``
        always takes an entitled actor when there is one.
        """
        stored = self.store.case(model.id)
        unit = self.store.unit(stored.subject)
        # A well-formed step usually brings data (a dossier does); a random one only sometimes.
        with_data = data.draw(
            st.sampled_from((True, True, True, False) if valid else (False, True)), label="with_data"
        )
        payload = self._data(data, unit, valid=valid) if with_data else {}
        if valid:
            docs = data.draw(
                documents(transition.optional_documents, required=transition.documents), label="documents"
            )
        else:
            docs = data.draw(documents([*self.document_kinds, _UNKNOWN_DOCUMENT]), label="documents")
        avoid = stored.proposer if transition.not_by_proposer else None
        # Who decides is read from the case as submitted, never from data given with this very step.
        subject = _proposed(unit, stored.data)
        entitled = self.entitled(transition.by, subject, avoid=avoid) if valid else []
        actor, chosen = self._actor(data, entitled, insist=insist)
        # Mostly no expected version; now and then the right one, or a stale one (a conflict).
        expected = data.draw(
            st.sampled_from((None, None, None, model.version, model.version - 1)), label="expected_version"
        )
        keep_refusal = data.draw(st.sampled_from((False, False, False, True)), label="record_refusal")
        self._check_available(model, actor)
        verdict = self.engine.check(model.id, transition.id, actor, documents=docs, data=payload)
        before_events, before_units = self.store.events(model.id), self._snapshot()
        try:
            after = self.engine.fire(
                model.id,
                transition.id,
                actor,
                documents=docs,
                data=payload,
                expected_version=expected,
                record_refusal=keep_refusal,
            )
        except ConflictError:
            expect(expected is not None and expected != model.version, "a conflict without a stale version")
            expect((self.store.case(model.id), self.store.events(model.id)) == (stored, before_events))
            self.counts["conflict"] += 1
            return
        except Refused as exc:
            expect(expected in (None, model.version), "a stale version must be a conflict, not a refusal")
            self._refused(
                model, transition, exc, verdict.blockers, stored, before_events, keep_refusal=keep_refusal
            )
            expect(self._snapshot() == before_units, "a refused fire changed units")
            # Org.resolve and the engine's authority code are two readings of `by`; they must agree.
            expect(not chosen or "permission" not in _kinds(exc.blockers), f"{actor} is entitled: {exc}")
            return
        expect(expected in (None, model.version), "a stale expected_version was accepted")
        expect(verdict.allowed, f"check refused what fire accepted: {verdict.describe('en')}")
        self._accepted(model, transition, after, stored, before_events, before_units)

    def _check_available(self, model: CaseModel, actor: Actor) -> None:
        offered = {o.transition: o.target for o in self.engine.available(model.id, actor)}
        expect(offered == dict(model.moves.get(model.state, {})), (offered, model))

    def _refused(  # noqa: PLR0917 - private: the state before the fire, to compare with
        self,
        model: CaseModel,
        transition: TransitionDef,
        exc: Refused,
        checked: tuple[Blocker, ...],
        stored: Case,
        events: list[Event],
        *,
        keep_refusal: bool,
    ) -> None:
        blockers = exc.blockers
        expect(bool(blockers), "a refusal names its reasons")
        expect(blockers == checked, "fire and check disagree on the blockers")
        if model.closed:
            expect(_kinds(blockers) == ["state"], f"a closed case refused with {_kinds(blockers)}")
        elif model.target(transition.id) is None:
            expect("state" in _kinds(blockers), f"{transition.id} from {model.state}: no state blocker")
        else:
            expect("state" not in _kinds(blockers), f"{transition.id} can fire from {model.state}")
        now = self.store.events(model.id)
        if keep_refusal:
            expect(now[:-1] == events, "a recorded refusal rewrote history")
            expect(now[-1].kind == "refused", now[-1])
            expect(now[-1].state == model.state, now[-1])
            expect(self.store.case(model.id) == stored.then(now[-1]))
            model.version += 1
        else:
            expect(self.store.case(model.id) == stored, "a refused fire changed the case")
            expect(now == events, "a refused fire wrote events")
        self.counts["refused"] += 1

    def _accepted(  # noqa: PLR0917 - private: the state before the fire, to compare with
        self,
        model: CaseModel,
        transition: TransitionDef,
        after: Case,
        stored: Case,
        events: list[Event],
        units_before: Mapping[str, Unit],
    ) -> None:
        target = model.target(transition.id)
        expect(not model.closed, f"closed case {model.id} accepted {transition.id}")
        if target is None:
            msg = f"{transition.id} fired from {model.state}, which it does not leave"
            raise AssertionError(msg)
        expect(after.state == target, (after.state, target))
        expect(after.version == model.version + 1)
        expect(after.closed == (target in model.final))
        expect(after.definition == model.definition)
        expect(self.store.case(model.id) == after)
        now = self.store.events(model.id)
        expect(now[:-1] == events, "an accepted fire rewrote history")
        last = now[-1]
        fired = ("fired", transition.id, stored.state, target)
        expect((last.kind, last.transition, last.from_state, last.state) == fired, last)
        model.state, model.version, model.closed = target, after.version, after.closed
        model.visited.add(target)
        self._effects(transition, after, units_before)
        self.counts["fired"] += 1

    def _effects(self, transition: TransitionDef, case: Case, before: Mapping[str, Unit]) -> None:
        """The unit changes of the built-in effects this transition names."""
        names = {e.id for e in transition.effects}
        unit = self.store.unit(case.subject)
        if "activate_unit" in names:
            expected = case.data.get("members", before[unit.id].members)
            expect(unit.status == "active", unit)
            expect(unit.members == tuple(dict.fromkeys(expected)), (unit.members, expected))
            expect(unit.founded_on == self.clock.today())
            for key in ("trade", "name"):
                if key in case.data:
                    expect(getattr(unit, key) == case.data[key])
            self.counts["activated"] += 1
        if "appoint_leaders" in names:
            expect(unit.leaders == to_leaders(case.data["leaders"]), unit.leaders)
        if "dissolve_unit" in names:
            expect(unit.status == "dissolved", unit)
        if "record_rating" in names:
            expect(unit.rating == case.data["rating"], unit)

    @invariant()
    def cases_are_their_events(self) -> None:
        """Every case is the fold of its events, numbered 1..n, and agrees with the model."""
        stored = {c.id: c for c in self.store.cases()}
        expect(set(stored) == set(self.cases), "the store and the model know different cases")
        expected: set[str] = set()
        for case_id, model in self.cases.items():
            events = self.store.events(case_id)
            expect([e.seq for e in events] == list(range(1, len(events) + 1)), case_id)
            case = stored[case_id]
            expect(fold(events) == case, f"case {case_id} is not the fold of its events")
            seen = (case.state, case.version, case.closed, case.definition)
            expect(seen == (model.state, model.version, model.closed, model.definition), (case, model))
            expect(case.closed == (case.state in model.final))
            workflow = self.engine.workflow_of(case)
            for e in events:
                if e.kind == "reminded":
                    transition = workflow.transition(e.transition or "")
                    entries = () if transition.deadline is None else transition.deadline.notify
                    keys = [f"{case_id}:{e.seq}:deadline:{n}" for n in range(len(entries))]
                    expected.update(keys or [f"{case_id}:{e.seq}:deadline"])
                elif e.kind == "fired" and e.transition is not None:
                    count = len(workflow.transition(e.transition).notify)
                    expected.update(f"{case_id}:{e.seq}:notify:{n}" for n in range(count))
        expect(
            {m.key for m in self.store.outbox()} == expected,
            "the outbox differs from the reminders and notifications of the events",
        )

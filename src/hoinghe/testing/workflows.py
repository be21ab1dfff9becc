"""Hypothesis strategies for definitions and the cases that run on them, and the ``st.from_type`` registrations.

- :func:`hierarchies`: level lists that pass :func:`~hoinghe.org.hierarchy.check_hierarchy`, with a ``commune``
  level by default so :func:`~hoinghe.testing.strategies.orgs` can fill them.
- :func:`workflow_definitions`: small workflows that pass :func:`~hoinghe.definitions.check_workflow` against a
  profile's hierarchy, roles and documents, and that an :class:`~hoinghe.engine.Engine` on that profile registers.
- :func:`event_sequences`: the events of one case walking such a workflow, which
  :func:`~hoinghe.records.fold` accepts: the input of a listener, a projection or a report under test.
- :func:`register_strategies`: makes ``st.from_type`` build valid :class:`~hoinghe.org.Hierarchy`,
  :class:`~hoinghe.org.Member`, :class:`~hoinghe.org.Unit`, :class:`~hoinghe.org.Org` and
  :class:`~hoinghe.definitions.WorkflowDefinition` records.
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import attrs
from hypothesis import strategies as st

from hoinghe.definitions.profile import Profile
from hoinghe.definitions.workflow import (
    ApprovalDef,
    Duration,
    RoleRef,
    StateDef,
    SubjectSpec,
    TimerDef,
    TransitionDef,
    WorkflowDefinition,
)
from hoinghe.org.hierarchy import UNIT_KINDS, Hierarchy, Level
from hoinghe.org.model import Member, Unit
from hoinghe.org.registry import COMMUNE_LEVEL, Org
from hoinghe.org.text import Text
from hoinghe.records import Document, Event, EventKind
from hoinghe.testing.strategies import members, orgs

__all__ = ["event_sequences", "hierarchies", "register_strategies", "workflow_definitions"]

#: The profile a strategy reads roles and documents from when it is given none.
DEFAULT_PROFILE = "vn-2025"

# Level ids above the commune, top first, and below it; each with its title.
_ABOVE = ("central", "province", "district", "zone")
_BELOW = ("branch", "group", "team")
_TITLES: Mapping[str, Text] = {
    "central": Text("Trung ương Hội", "Central Committee"),
    "province": Text("Hội Nông dân tỉnh", "Provincial union"),
    "district": Text("Hội Nông dân huyện", "District union"),
    "zone": Text("Hội Nông dân cụm", "Zone union"),
    COMMUNE_LEVEL: Text("Hội Nông dân xã", "Commune union"),
    "branch": Text("Chi hội", "Branch"),
    "group": Text("Tổ hội", "Group"),
    "team": Text("Nhóm hội viên", "Team"),
}

# State names in the order workflows take them, so a small workflow reads like a real one.
_STATES = ("proposed", "surveyed", "submitted", "approved", "rejected", "withdrawn", "launched", "archived")
_MAX_STATES = len(_STATES)
_START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
_ACTORS = ("officer-1", "committee-1", "leader-1")
# What happens at each step of a walk: mostly a transition fires; sometimes an approval, a reminder or a refusal.
_STEPS: tuple[EventKind, ...] = ("fired", "fired", "fired", "approved", "reminded", "refused")
_INDEX = st.integers(0, 2**16)
_RARELY = st.integers(1, 5).map(lambda n: n == 5)  # noqa: PLR2004 - one in five; shrinks to False
_T = TypeVar("_T")


@functools.cache
def _shipped(profile_id: str) -> Profile:
    from hoinghe.loading import load_profile  # noqa: PLC0415 - YAML loading only when a strategy needs it

    return load_profile(profile_id)


def _pick(draw: st.DrawFn, items: Sequence[_T]) -> _T:
    return items[draw(_INDEX) % len(items)]


# ------------------------------------------------------------------------------------------------ hierarchies


@st.composite
def _hierarchy(
    draw: st.DrawFn, above: tuple[int, int], below: tuple[int, int], *, commune: bool
) -> Hierarchy:
    ids = list(_ABOVE[: draw(st.integers(*above))])
    if commune:
        ids.append(COMMUNE_LEVEL)
    local = len(ids) - 1  # lower levels may name the bottom administrative level or each other as parents
    levels = [Level(i, _TITLES[i]) for i in ids]
    for level_id in _BELOW[: draw(st.integers(*below))]:
        kinds = draw(st.lists(st.sampled_from(UNIT_KINDS), min_size=1, unique=True))
        candidates = [lvl.id for lvl in levels[local:]]
        parents: list[str] = []
        if draw(_RARELY):
            parents = draw(st.lists(st.sampled_from(candidates), min_size=1, unique=True))
        levels.append(Level(level_id, _TITLES[level_id], tuple(kinds), tuple(parents)))
    return Hierarchy(tuple(levels))


def hierarchies(
    *, above: tuple[int, int] = (1, 3), below: tuple[int, int] = (0, 3), commune: bool = True
) -> st.SearchStrategy[Hierarchy]:
    """Hierarchies that pass :func:`~hoinghe.org.hierarchy.check_hierarchy`, top level first.

    Administrative levels (``central``, ``province``, ``district``, ``zone``, in that order) come first, then a
    ``commune`` level, then branch-like levels (``branch``, ``group``, ``team``) with one or both unit kinds; now
    and then one of these names its parents (among the commune and the levels below it) instead of sitting under
    the level just above.  Shrinks towards ``central > commune``.

    Args:
        above: how many administrative levels sit above the commune (inclusive range, at most 4).
        below: how many branch-like levels sit below it (inclusive range, at most 3).
        commune: include the ``commune`` level, which :func:`~hoinghe.testing.strategies.orgs` and the
            simulator need; without it, the lowest administrative level has the branch-like levels under it.

    Raises:
        ValueError: a range is empty or asks for more levels than there are names for.
    """
    if not (1 <= above[0] <= above[1] <= len(_ABOVE)) or not (0 <= below[0] <= below[1] <= len(_BELOW)):
        msg = Text(
            f"hierarchies() nhận 1..{len(_ABOVE)} cấp trên cấp xã và 0..{len(_BELOW)} cấp dưới cấp xã; "
            f"nhận được above={above}, below={below}",
            f"hierarchies() takes 1..{len(_ABOVE)} levels above the commune and 0..{len(_BELOW)} below it; "
            f"got above={above}, below={below}",
        )
        raise ValueError(msg)
    return _hierarchy(above, below, commune=commune)


# ------------------------------------------------------------------------------------------------ workflows


def _authorities(profile: Profile, level: str, *, new: bool) -> list[RoleRef]:
    """Roles that can act on a subject at ``level``: held at the subject itself (not while it is being founded)
    or at a level above it, which :class:`RoleRef` reaches as ``at: <level>``."""
    hierarchy = profile.hierarchy
    out: list[RoleRef] = []
    for role in profile.roles:
        for held in role.levels:
            if held not in hierarchy:
                continue
            if held == level and not new:
                out.append(RoleRef(role.id, "subject"))
            elif hierarchy.is_above(held, level):
                out.append(RoleRef(role.id, held))
    return out


def _edges(draw: st.DrawFn, states: Sequence[str], finals: set[str], extra: int) -> list[tuple[str, str]]:
    """Edges that reach every state from the first and let every other state reach a final one."""
    open_states = [s for s in states if s not in finals]
    edges: dict[tuple[str, str], None] = {}
    for k, state in enumerate(states[1:], 1):
        earlier = [s for s in states[:k] if s not in finals]
        edges[_pick(draw, earlier), state] = None
    ordered_finals = [s for s in states if s in finals]
    for state in open_states:
        edges[state, _pick(draw, ordered_finals)] = None
    for _ in range(draw(st.integers(0, extra))):
        edges[_pick(draw, open_states), _pick(draw, states)] = None
    return list(edges)


@st.composite
def _workflow(
    draw: st.DrawFn, profile: Profile, ids: st.SearchStrategy[str], max_states: int
) -> WorkflowDefinition:
    hierarchy = profile.hierarchy
    branchlike = [lvl.id for lvl in hierarchy if lvl.kinds]
    level = _pick(draw, branchlike or hierarchy.ids[1:] or hierarchy.ids)
    kinds = hierarchy.level(level).kinds
    kind = _pick(draw, kinds) if bool(kinds) and draw(st.booleans()) else None
    new = bool(kinds) and draw(_RARELY)
    authorities = _authorities(profile, level, new=new)
    documents = [d.id for d in profile.documents]

    count = draw(st.integers(2, max_states))
    states = list(_STATES[:count])
    finals = {states[i] for i in draw(st.sets(st.integers(1, count - 1), min_size=1, max_size=count - 1))}
    by_target: dict[str, list[TransitionDef]] = collections.defaultdict(list)
    for source, target in _edges(draw, states, finals, extra=count):
        same = by_target[target]
        if bool(same) and draw(_RARELY):  # one transition from several states, like a `withdraw`
            same[-1] = attrs.evolve(same[-1], from_=(*same[-1].from_, source))
            continue
        refs = draw(st.lists(st.sampled_from(authorities), max_size=2, unique=True)) if authorities else []
        needs = draw(st.lists(st.sampled_from(documents), max_size=2, unique=True)) if documents else []
        approvals = (
            ApprovalDef(tuple(refs), draw(st.integers(1, len(refs))))
            if bool(refs) and draw(_RARELY)
            else None
        )
        deadline = TimerDef(Duration(draw(st.integers(1, 30)), "working_days")) if draw(_RARELY) else None
        suffix = f"_{len(same) + 1}" if same else ""
        same.append(
            TransitionDef(
                f"to_{target}{suffix}",
                (source,),
                target,
                by=tuple(refs),
                title=Text(f"Chuyển sang {target}", f"Move to {target}"),
                documents=tuple(needs),
                approvals=approvals,
                deadline=deadline,
            )
        )
    return WorkflowDefinition(
        id=draw(ids),
        title=Text("Quy trình sinh tự động", "Generated workflow"),
        subject=SubjectSpec(level, kind, new=new),
        states=tuple(StateDef(s) for s in states),
        initial=states[0],
        final=tuple(s for s in states if s in finals),
        transitions=tuple(t for target in states for t in by_target.get(target, ())),
    )


def workflow_definitions(
    profile: Profile | None = None,
    *,
    ids: st.SearchStrategy[str] | None = None,
    max_states: int = 6,
) -> st.SearchStrategy[WorkflowDefinition]:
    """Small workflows with no static problem for ``profile``: ``check_workflow`` finds nothing and an engine on
    the profile registers them.

    The subject is a level that has unit kinds (a branch or group), sometimes of one kind, now and then a new
    unit (a founding).  States are named ``proposed``, ``surveyed``, ``submitted`` ... in order, the first is
    initial, at least one other is final; every state is reachable from the initial one, every state that is not
    final has a way out and a path to a final state, and no transition leaves a final state.  Each transition is
    fired by zero to two of the profile's roles held at the subject or above it, needs zero to two of its
    documents, and now and then waits for approvals or runs a reminder deadline.  No rules and no effects.
    Shrinks towards two states and one transition.

    Args:
        profile: gives the hierarchy, roles and documents; the shipped ``vn-2025`` when not given.
        ids: the workflow's id; ``generated-<n>`` when not given.
        max_states: the most states a workflow has (2..8).

    Raises:
        ValueError: ``max_states`` is out of range.
    """
    if not 2 <= max_states <= _MAX_STATES:  # noqa: PLR2004 - a workflow needs a start and an end
        msg = Text(
            f"workflow_definitions() tạo 2..{_MAX_STATES} trạng thái; max_states là {max_states}",
            f"workflow_definitions() makes 2..{_MAX_STATES} states; max_states is {max_states}",
        )
        raise ValueError(msg)
    chosen = profile if profile is not None else _shipped(DEFAULT_PROFILE)
    names = ids if ids is not None else st.integers(1, 999).map(lambda n: f"generated-{n}")
    return _workflow(chosen, names, max_states)


# ------------------------------------------------------------------------------------------------ events


def _documents(transition: TransitionDef, case_id: str) -> tuple[Document, ...]:
    return tuple(Document(kind, f"file:///{case_id}/{kind}.pdf") for kind in transition.documents)


def _path_to_final(workflow: WorkflowDefinition, state: str) -> list[TransitionDef]:
    """The fewest transitions from ``state`` to a final state (breadth first); empty when none leads there."""
    finals = set(workflow.final)
    came: dict[str, tuple[str, TransitionDef] | None] = {state: None}
    todo = collections.deque([state])
    while todo:
        here = todo.popleft()
        if here in finals:
            path: list[TransitionDef] = []
            step = came[here]
            while step is not None:
                path.append(step[1])
                step = came[step[0]]
            return path[::-1]
        for t in workflow.transitions:
            if here in t.from_ and t.to not in came:
                came[t.to] = (here, t)
                todo.append(t.to)
    return []


@attrs.frozen
class _Walk:
    """The settings of one :func:`event_sequences` call."""

    workflows: st.SearchStrategy[WorkflowDefinition]
    case_id: str
    subject: str
    definition: str
    actors: tuple[str, ...]
    start: dt.datetime
    steps: st.SearchStrategy[int]
    finish: bool


@st.composite
def _events(draw: st.DrawFn, walk: _Walk) -> list[Event]:
    workflow = draw(walk.workflows)
    finals = set(workflow.final)
    at = walk.start
    roster = draw(st.lists(st.integers(1, 40).map(lambda n: f"m-{n}"), max_size=6, unique=True))
    events = [
        Event(
            walk.case_id,
            1,
            "opened",
            at,
            _pick(draw, walk.actors),
            workflow.initial,
            final=workflow.initial in finals,
            workflow=workflow.id,
            subject=walk.subject,
            definition=walk.definition,
            data={"members": roster} if roster else {},
        )
    ]
    state = workflow.initial

    def add(kind: EventKind, transition: TransitionDef, **fields: Any) -> None:
        nonlocal at
        at += dt.timedelta(hours=draw(st.integers(0, 24 * 20)))
        actor = "system" if kind == "reminded" else _pick(draw, walk.actors)
        seq = len(events) + 1
        events.append(Event(walk.case_id, seq, kind, at, actor, state, transition=transition.id, **fields))

    def fire(transition: TransitionDef) -> None:
        nonlocal state
        documents = _documents(transition, walk.case_id)
        final = transition.to in finals
        origin, state = state, transition.to
        add("fired", transition, final=final, from_state=origin, documents=documents)

    for _ in range(draw(walk.steps)):
        ways = [t for t in workflow.transitions if state in t.from_]
        if state in finals or not ways:
            break
        transition = _pick(draw, ways)
        kind = _pick(draw, _STEPS)
        if kind == "approved" and transition.approvals is not None:
            ref = _pick(draw, transition.approvals.by)
            add(kind, transition, body=f"{ref.role}@{walk.subject}")
        elif kind == "reminded" and transition.deadline is not None:
            add(kind, transition)
        elif kind == "refused":
            add(kind, transition, refusal=("HNG-B005",))
        else:
            fire(transition)
    if walk.finish and state not in finals:
        for transition in _path_to_final(workflow, state):
            fire(transition)
    return events


def event_sequences(
    workflow: WorkflowDefinition | None = None,
    *,
    case_id: str = "case-1",
    subject: str = "unit-1",
    definition: str = "generated",
    actors: Sequence[str] = _ACTORS,
    start: dt.datetime = _START,
    max_steps: int = 10,
    finish: bool = False,
) -> st.SearchStrategy[list[Event]]:
    """The events of one case walking ``workflow``, as a store keeps them: :func:`~hoinghe.records.fold` accepts
    every list drawn, and the case it folds to is where the walk ended.

    The first event opens the case in the initial state (with a member list in its data, sometimes).  Each step
    then takes a transition out of the current state and, most often, fires it (a ``fired`` event with the
    transition's documents, moving the case); otherwise it records an ``approved`` event (one of the bodies the
    transition waits for approves it, ``role@subject``), a ``reminded`` event (the transition's deadline reminds,
    by ``system``) or a ``refused`` one, none of which move the case.  The walk stops at a final state.  Events
    are numbered 1..n and their times never go back.  The fired transitions, ``[(e.transition, e.actor) for e in
    events if e.kind == "fired"]``, are a path through the definition an engine could be driven along; who may
    fire, documents beyond the required ones, rules and quorums are not modelled, so these are histories a store
    keeps and a listener hears, not ones an engine is bound to have decided.

    Args:
        workflow: the definition walked; one drawn from :func:`workflow_definitions` when not given.
        case_id: the case every event belongs to.
        subject: the subject unit named by the ``opened`` event (and in approval bodies, ``role@subject``).
        definition: the version hash the ``opened`` event pins.
        actors: who acts; drawn for each event.
        start: when the case opens (timezone-aware); each later event comes 0 to 20 days after the one before.
        max_steps: the most steps after opening (the walk may stop sooner, at a final state).
        finish: after the steps, fire on along a shortest path to a final state, so the case ends closed
            (when the workflow has such a path from where the walk stopped).

    Raises:
        ValueError: no actors, a naive ``start`` or a negative ``max_steps``.
    """
    if not actors or start.tzinfo is None or max_steps < 0:
        msg = Text(
            "event_sequences() cần ít nhất một người thực hiện, start có múi giờ và max_steps >= 0",
            "event_sequences() needs at least one actor, a timezone-aware start and max_steps >= 0",
        )
        raise ValueError(msg)
    return _events(
        _Walk(
            st.just(workflow) if workflow is not None else workflow_definitions(),
            case_id,
            subject,
            definition,
            tuple(actors),
            start,
            st.integers(0, max_steps),
            finish,
        )
    )


# ------------------------------------------------------------------------------------------------ registration

#: Where ``st.from_type`` finds members: communes ``c-1`` .. ``c-3``.
_COMMUNES = ("c-1", "c-2", "c-3")


@st.composite
def _any_unit(draw: st.DrawFn, profiles: tuple[str, ...]) -> Unit:
    """A unit of a generated organisation, of any level; shrinks towards a branch or group of the first commune."""
    org = draw(_any_org(profiles))
    ranked = sorted(org.units.values(), key=lambda u: (not u.kind, u.id))
    return _pick(draw, ranked)


@st.composite
def _any_org(draw: st.DrawFn, profiles: tuple[str, ...]) -> Org:
    profile = _shipped(_pick(draw, profiles))
    return draw(orgs(profile, units_per_commune=(1, 3)))


def _registrations() -> dict[type, Callable[[type], st.SearchStrategy[Any]]]:
    """Each type and a resolver building its strategy when ``st.from_type`` first needs it (profiles load then)."""
    shipped = ("vn-2025", "vn-2019")
    return {
        Hierarchy: lambda _: hierarchies(),
        Member: lambda _: members(_COMMUNES),
        Unit: lambda _: _any_unit(shipped),
        Org: lambda _: _any_org(shipped),
        WorkflowDefinition: lambda _: workflow_definitions(),
    }


def _registered(kind: type) -> bool:
    """Whether ``st.from_type`` has a strategy for ``kind`` already (registered by a user's own conftest, say)."""
    try:
        from hypothesis.strategies._internal.types import _global_type_lookup  # noqa: PLC0415
    except ImportError:  # a later Hypothesis moved it: registering again is the lesser harm
        return False
    return kind in _global_type_lookup


def register_strategies(*, replace: bool = False) -> None:
    """Make ``st.from_type`` build valid hoinghe records; calling it again changes nothing.

    After it, ``st.from_type(Unit)`` (and ``@given(unit=...)`` inference) draws a unit of a generated
    organisation (:func:`~hoinghe.testing.strategies.orgs` on ``vn-2025`` or ``vn-2019``), ``Org`` such an
    organisation, ``Member`` a member living in ``c-1`` .. ``c-3`` (:func:`~hoinghe.testing.strategies.members`),
    ``Hierarchy`` a hierarchy from :func:`hierarchies` and ``WorkflowDefinition`` a workflow from
    :func:`workflow_definitions` on ``vn-2025``.  Importing :mod:`hoinghe.testing` with Hypothesis already loaded
    calls it, and so does the pytest plugin once tests are collected; call it yourself elsewhere.

    Args:
        replace: also replace strategies already registered for these types; by default a type someone
            registered first (your own ``conftest.py``) keeps its strategy.
    """
    for kind, resolve in _registrations().items():
        if replace or not _registered(kind):
            st.register_type_strategy(kind, resolve)

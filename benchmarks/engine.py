"""Engine benchmarks: a full ``Engine.fire`` and the memory an open case holds, each against a bare state machine.

Both sides run the same workflow: states ``a``, ``b`` and ``done``, with ``go`` (a -> b) and ``back`` (b -> a) fired
in turn, so every timed call makes the same two moves.  On hoinghe's side each move is a real decision on a
professional group: the actor's role is resolved at the commune, the member list is checked, three rules (MEM-02,
MEM-05, MEM-08) read the six members, and the event is committed to a :class:`~hoinghe.MemoryStore`.  The floors
do the moves only: a ``transitions`` machine with a model attached, and python-statemachine (the ``bench`` extra)
with one guard.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import statistics
import timeit
import tracemalloc
from collections.abc import Callable, Mapping
from typing import Any

from transitions import Machine

from hoinghe import (
    Actor,
    Engine,
    ManualClock,
    Member,
    MemoryStore,
    RoleGrant,
    RoleRef,
    SequentialIds,
    StateDef,
    SubjectSpec,
    Text,
    TransitionDef,
    Unit,
    WorkflowDefinition,
    load_profile,
)

WORKFLOW = "bench-loop"
SUBJECT = "g-1"
OFFICER = "officer-1"
RULES = ("MEM-02", "MEM-05", "MEM-08")
DOCUMENTS = {"member_list": "file:///dossier/danh-sach.pdf"}
STATES = ("a", "b", "done")
MOVES = (("go", "a", "b"), ("back", "b", "a"), ("close", "b", "done"))


def loop_workflow() -> WorkflowDefinition:
    """Two states fired back and forth; ``close`` only gives the definition a final state, as the checks demand."""
    by = (RoleRef("union_officer", "commune"),)

    def move(trigger: str, source: str, dest: str) -> TransitionDef:
        if trigger == "close":
            return TransitionDef(trigger, (source,), dest, by=by)
        return TransitionDef(trigger, (source,), dest, by=by, documents=("member_list",), rules=RULES)

    return WorkflowDefinition(
        id=WORKFLOW,
        title=Text("Vòng lặp đo hiệu năng", "Benchmark loop"),
        subject=SubjectSpec("group", "professional"),
        states=tuple(StateDef(s) for s in STATES),
        initial="a",
        final=("done",),
        transitions=tuple(move(*m) for m in MOVES),
    )


def loop_engine() -> Engine:
    """An engine on a memory store holding one commune, a professional group of six orange growers and an officer."""
    members = [
        Member(f"f{i}", f"Nông dân {i}", dt.date(1980, 1, i), "c-1", dt.date(2010, 1, 1), ("cam",))
        for i in range(1, 7)
    ]
    store = MemoryStore()
    store.put_org(
        units=[
            Unit("central", "central", "Trung ương Hội Nông dân Việt Nam", None),
            Unit("p-1", "province", "Hội Nông dân tỉnh Tuyên Quang", "central"),
            Unit("c-1", "commune", "Hội Nông dân xã Yên Sơn", "p-1"),
            Unit(
                SUBJECT,
                "group",
                "Tổ hội nghề nghiệp trồng cam",
                "c-1",
                kind="professional",
                trade="cam",
                members=tuple(m.id for m in members),
            ),
        ],
        members=members,
        actors=[Actor(OFFICER, "Cán bộ Hội xã Yên Sơn", (RoleGrant("union_officer", "c-1"),))],
    )
    engine = Engine(
        load_profile("vn-2025"),
        store,
        clock=ManualClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)),
        ids=SequentialIds(),
        listeners_in_background=False,
    )
    engine.register(loop_workflow())
    return engine


def bare_machine(model: object | None) -> Machine:
    """The same states and moves as a plain ``transitions`` machine: no guards, no callbacks."""
    return Machine(
        model=model,
        states=list(STATES),
        initial="a",
        transitions=[{"trigger": t, "source": s, "dest": d} for t, s, d in MOVES],
        auto_transitions=False,
    )


MEMBERS = tuple(f"f{i}" for i in range(1, 7))
GROUP_MIN_MEMBERS = 5  # MEM-02's parameter, the one fact the floor's guard checks


class _Model:
    """What a ``transitions`` or python-statemachine model holds: its state, and the members the guard counts."""

    def __init__(self) -> None:
        self.members = (
            MEMBERS  # shared, as the group's members are on hoinghe's side: a case does not copy them
        )

    def enough_members(self) -> bool:
        return len(self.members) >= GROUP_MIN_MEMBERS


def _statemachine_round_trip() -> Callable[[], object] | None:
    """A python-statemachine machine doing ``go`` then ``back`` with one guard; ``None`` when it is not installed."""
    try:
        from statemachine import State, StateMachine  # noqa: PLC0415 - an optional dependency, the `bench` extra
    except ImportError:
        return None

    class Loop(StateMachine):
        a = State(initial=True)
        b = State()
        done = State(final=True)
        go = a.to(b, cond="enough_members")
        back = b.to(a, cond="enough_members")
        close = b.to(done)

    model = _Model()
    machine = Loop(model=model)

    def round_trip() -> object:
        machine.send("go")
        machine.send("back")
        return model.state

    return round_trip


def medians(sides: Mapping[str, Callable[[], object]], *, number: int, repeat: int) -> dict[str, float]:
    """Median seconds per call of each side, the sides measured in turn within every repetition."""
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(repeat):
        for name, fn in sides.items():
            times[name].append(timeit.timeit(fn, number=number) / number)
    return {name: statistics.median(t) for name, t in times.items()}


@functools.cache
def _fire_figures(quick: bool) -> dict[str, float]:
    """Seconds per move of each side, measured once for both rows so they quote the same engine figure."""
    engine = loop_engine()
    case_id = engine.open(WORKFLOW, SUBJECT, OFFICER).id

    def engine_round_trip() -> object:
        engine.fire(case_id, "go", OFFICER, documents=DOCUMENTS)
        return engine.fire(case_id, "back", OFFICER, documents=DOCUMENTS).state

    model = _Model()
    bare_machine(model)

    def transitions_round_trip() -> object:
        model.go()
        model.back()
        return model.state

    sides: dict[str, Callable[[], object]] = {
        "engine": engine_round_trip,
        "transitions": transitions_round_trip,
    }
    statemachine = _statemachine_round_trip()
    if statemachine is not None:
        sides["statemachine"] = statemachine
    # Each side must really make the moves: back in ``a``, and the engine's decision ran the three rules.
    assert all(fn() == "a" for fn in sides.values())
    assert engine.history(case_id)[-1].rules == RULES
    per_round_trip = medians(sides, number=50 if quick else 500, repeat=3 if quick else 9)
    return {name: seconds / 2 for name, seconds in per_round_trip.items()}


def bench_fire_transitions(quick: bool) -> dict[str, Any]:
    """``Engine.fire`` (permission, document, three rules, event, commit) against a bare ``transitions`` trigger."""
    figures = _fire_figures(quick)
    ours, floor = figures["engine"], figures["transitions"]
    return {"ours_s": ours, "floor_s": floor, "ratio": ours / floor, "budget_ratio": 2.0}


def bench_fire_statemachine(quick: bool) -> dict[str, Any]:
    """``Engine.fire`` against python-statemachine making the same move with one guard (no budget: a reference)."""
    figures = _fire_figures(quick)
    if "statemachine" not in figures:
        return {"installed": False}
    ours, floor = figures["engine"], figures["statemachine"]
    return {"installed": True, "ours_s": ours, "floor_s": floor, "ratio": ours / floor}


def _traced_bytes(build: Callable[[], None]) -> int:
    """The bytes ``build`` leaves allocated (what it made and something else still holds)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        build()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return after - before


def _store_bytes_per_case(n: int) -> float:
    engine = loop_engine()

    def open_cases() -> None:
        for _ in range(n):
            engine.open(WORKFLOW, SUBJECT, OFFICER)  # the store keeps the case and its opened event

    return _traced_bytes(open_cases) / n


def _machine_bytes_per_model(n: int) -> float:
    machine = bare_machine(None)

    def attach() -> None:
        machine.add_model([_Model() for _ in range(n)])  # the machine keeps its models

    return _traced_bytes(attach) / n


def bench_memory(quick: bool) -> dict[str, Any]:
    """Bytes per open case in a memory store (case, opened event) against bytes per model on a ``transitions`` machine."""
    n = 200 if quick else 2_000
    ours, floor = [], []
    for _ in range(1 if quick else 3):
        ours.append(_store_bytes_per_case(n))
        floor.append(_machine_bytes_per_model(n))
    ours_b, floor_b = statistics.median(ours), statistics.median(floor)
    return {"ours_b": ours_b, "floor_b": floor_b, "ratio": ours_b / floor_b, "cases": n}

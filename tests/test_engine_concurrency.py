"""C-6 (threads on one engine) and C-7 (idempotency keys) on the memory store; N-3 (listeners never hurt)."""

from __future__ import annotations

import contextlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import world
from hoinghe import ConflictError, Engine, IdempotencyError, Refused
from hoinghe.records import fold


def test_the_same_idempotency_key_makes_one_transition_and_returns_the_first_result():
    engine = world.engine()
    case = engine.open("found-professional-group", world.new_group(), "officer-1")
    first = engine.fire(
        case.id, "survey", "officer-1", documents={"survey_report": "u"}, idempotency_key="k-1"
    )
    engine.fire(case.id, "start_outreach", "officer-1")
    again = engine.fire(
        case.id, "survey", "officer-1", documents={"survey_report": "u"}, idempotency_key="k-1"
    )
    assert again == first  # the case as the first call left it, not as it is now
    assert [e.transition for e in engine.history(case.id)].count("survey") == 1


def test_the_same_key_with_another_request_is_refused():
    engine = world.engine()
    case = engine.open("found-professional-group", world.new_group(), "officer-1")
    engine.fire(case.id, "survey", "officer-1", documents={"survey_report": "u"}, idempotency_key="k-1")
    with pytest.raises(IdempotencyError, match="different request"):
        engine.fire(
            case.id, "survey", "officer-1", documents={"survey_report": "other"}, idempotency_key="k-1"
        )
    assert engine.store.case(case.id).version == 2


def test_open_is_idempotent_too():
    engine = world.engine()
    first = engine.open("found-professional-group", world.new_group(), "officer-1", idempotency_key="open-1")
    again = engine.open("found-professional-group", world.new_group(), "officer-1", idempotency_key="open-1")
    assert again == first
    assert len(list(engine.store.cases())) == 1


def test_threads_racing_with_one_key_make_one_transition():
    for _ in range(20):
        engine = world.engine()
        case = engine.open("found-professional-group", world.new_group(), "officer-1")
        barrier = threading.Barrier(4)

        def fire(
            case_id: str = case.id, engine: Engine = engine, barrier: threading.Barrier = barrier
        ) -> int:
            barrier.wait()
            return engine.fire(
                case_id, "survey", "officer-1", documents={"survey_report": "u"}, idempotency_key="same"
            ).version

        with ThreadPoolExecutor(4) as pool:
            versions = list(pool.map(lambda _: fire(), range(4)))
        assert versions == [2, 2, 2, 2]
        assert len(engine.history(case.id)) == 2


def _race(engine: Engine, case_id: str) -> list[str]:
    """Approve and reject the case at once, from the same read version; what each thread got."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(transition: str, docs: dict[str, str]) -> None:
        barrier.wait()
        try:
            engine.fire(case_id, transition, "btv-1", documents=docs, expected_version=6)
            outcomes.append(transition)
        except ConflictError:
            outcomes.append("conflict")

    threads = [
        threading.Thread(target=decide, args=("approve", dict(world.DECISION))),
        threading.Thread(target=decide, args=("reject", {})),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_approve_and_reject_racing_one_wins_the_other_conflicts():
    for _ in range(50):
        engine = world.engine()
        case_id = world.found_until_submitted(engine)
        outcomes = _race(engine, case_id)
        assert sorted(outcomes) in (["approve", "conflict"], ["conflict", "reject"])
        case = engine.store.case(case_id)
        assert case.version == 7
        assert case.state == ("approved" if "approve" in outcomes else "rejected")
        assert engine.store.unit("g-new").status == ("active" if case.state == "approved" else "proposed")


def test_eight_threads_on_one_engine_agree_with_the_store():
    engine = world.engine()
    per_thread = 6
    shared = engine.open("found-professional-group", world.new_group("g-shared"), "officer-1")
    engine.fire(shared.id, "survey", "officer-1", documents={"survey_report": "u"})

    def work(t: int) -> list[str]:
        done = []
        for i in range(per_thread):
            group = world.new_group(f"g-{t}-{i}")
            case = engine.open("found-professional-group", group, "officer-1")
            engine.fire(case.id, "survey", "officer-1", documents={"survey_report": "u"})
            if i % 2:
                engine.fire(case.id, "withdraw", "btv-1")
            done.append(case.id)
            # Every thread also pokes at one shared case; conflicts are expected, damage is not.
            with contextlib.suppress(Refused, ConflictError):
                engine.fire(shared.id, "start_outreach", "officer-1")
        return done

    with ThreadPoolExecutor(8) as pool:
        opened = [c for ids in pool.map(work, range(8)) for c in ids]
    assert len(opened) == len(set(opened)) == 8 * per_thread
    cases = {c.id: c for c in engine.store.cases()}
    assert set(cases) == {*opened, shared.id}
    for case_id, case in cases.items():
        events = engine.history(case_id)
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert fold(events) == case
    withdrawn = [c for c in cases.values() if c.state == "withdrawn"]
    assert len(withdrawn) == 8 * (per_thread // 2)
    assert len(list(engine.store.units(level="group", status="proposed"))) == 8 * per_thread + 1
    assert [e.transition for e in engine.history(shared.id)] == [None, "survey", "start_outreach"]


def test_listeners_hear_each_committed_event_after_the_commit():
    heard = []
    engine = world.engine(listeners=[lambda event, case: heard.append((event.seq, case.version, case.state))])
    case_id = world.found_until_submitted(engine)
    assert heard == [
        (1, 1, "proposed"),
        (2, 2, "surveyed"),
        (3, 3, "mobilizing"),
        (4, 4, "applications_collected"),
        (5, 5, "founding_meeting_held"),
        (6, 6, "dossier_submitted"),
    ]
    with pytest.raises(Refused):
        engine.fire(case_id, "approve", "officer-1")
    assert len(heard) == 6  # a refusal is not an event


def test_a_listener_that_raises_never_undoes_a_transition(caplog):
    def broken(event, case):
        raise RuntimeError("listener bug")

    heard = []
    engine = world.engine(listeners=[broken, lambda event, _case: heard.append(event.seq)])
    case = engine.open("found-professional-group", world.new_group(), "officer-1")
    engine.fire(case.id, "survey", "officer-1", documents={"survey_report": "u"})
    assert engine.store.case(case.id).state == "surveyed"
    assert heard == [1, 2]  # the next listener still hears
    assert "listener bug" in caplog.text


def test_a_hanging_listener_blocks_neither_the_caller_nor_other_cases():
    release = threading.Event()
    heard = []

    def hangs(event, case):
        release.wait(30)
        heard.append(event.case_id)

    engine = world.engine(listeners=[hangs], listeners_in_background=True)
    started = time.perf_counter()
    ids = []
    for i in range(5):
        case = engine.open("found-professional-group", world.new_group(f"g-{i}"), "officer-1")
        engine.fire(case.id, "survey", "officer-1", documents={"survey_report": "u"})
        ids.append(case.id)
    assert time.perf_counter() - started < 5
    assert all(engine.store.case(c).state == "surveyed" for c in ids)
    assert not engine.drain(timeout=0.1)  # the listener is still stuck
    release.set()
    assert engine.drain(timeout=10)
    assert heard == [c for c in ids for _ in range(2)]  # in commit order
    assert engine.close(timeout=5)

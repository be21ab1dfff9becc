"""Concurrency of the SQL store on a SQLite file and on PostgreSQL: RELIABILITY.md C-1, C-2, C-3, C-4, C-6, C-7.

The races between processes run in two worker processes (``race_child.py``, spawned once for the module, a
SqlStore of their own per race, meeting at a barrier before every fire); the parent prepares the database and
judges what was stored.  C-4 injects PostgreSQL's transient failures, and makes a real deadlock, in this process.
The ``..._just_missed_the_winner...`` tests make certain the one interleaving of two callers with one idempotency
key that the process race hits only now and then.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import psycopg.errors
import pytest
import sqlalchemy as sa

import pg
import race_child
import world
from hoinghe import ConflictError, Refused, SqlStore, StorageError
from hoinghe.records import Case, fold
from hoinghe.storage.codec import decode

ROUNDS = 200  # C-1: rounds of one race on one case
KEY_ROUNDS = 100  # C-7: rounds of one race with one idempotency key
CASES = 60  # C-2: cases raced to approve and reject
START = 6  # found_until_submitted leaves its case at version 6 (dossier_submitted)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'race.db'}"
    return str(request.getfixturevalue("postgres_db"))


@pytest.fixture
def store(url: str) -> Iterator[SqlStore]:
    out = SqlStore(url)
    out.put_org(units=world.units(), members=world.members(), actors=world.actors())
    yield out
    out.close()


@pytest.fixture
def pg_store(postgres_db: str) -> Iterator[SqlStore]:
    out = SqlStore(postgres_db)
    out.put_org(units=world.units(), members=world.members(), actors=world.actors())
    yield out
    out.close()


class Workers:
    """Two spawned worker processes (``race_child.serve``) sharing a barrier, kept for the whole module."""

    def __init__(self, count: int = 2) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.count = count
        self.barrier = ctx.Barrier(count, timeout=60)
        self.results = ctx.Queue()
        self.tasks = [ctx.Queue() for _ in range(count)]
        self.number = 0
        self.processes = [
            ctx.Process(
                target=race_child.serve, args=(w, self.barrier, self.tasks[w], self.results), daemon=True
            )
            for w in range(count)
        ]
        for process in self.processes:
            process.start()

    def race(self, worker: Callable[..., None], url: str, *args: Any) -> list[Any]:
        """Run ``worker`` in every process at once; their reports, in worker order."""
        self.number += 1
        self.barrier.reset()  # a failed race leaves it broken
        for tasks in self.tasks:
            tasks.put((self.number, worker.__name__, url, args))
        reports: dict[int, tuple[str, Any]] = {}
        while len(reports) < self.count:
            number, writer, status, payload = self.results.get(timeout=120)
            if number == self.number:  # a report of an earlier race that timed out is dropped
                reports[writer] = (status, payload)
        errors = [payload for status, payload in reports.values() if status != "ok"]
        assert not errors, "a worker failed:\n" + "\n".join(errors)
        return [reports[w][1] for w in range(self.count)]

    def close(self) -> None:
        for tasks in self.tasks:
            tasks.put(None)
        for process in self.processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join()
        exits = [p.exitcode for p in self.processes]
        for queue in (self.results, *self.tasks):
            queue.close()
        assert exits == [0] * self.count


@pytest.fixture(scope="module")
def workers() -> Iterator[Workers]:
    out = Workers()
    yield out
    out.close()


def assert_whole(store: SqlStore, case_id: str, length: int) -> list[Any]:
    """The case's events are 1..length, contiguous, and the stored case is their fold; returns the events."""
    events = store.events(case_id)
    assert [e.seq for e in events] == list(range(1, length + 1))
    assert store.case(case_id) == fold(events)
    return events


# ------------------------------------------------------------------------------------------------ C-1


def test_c1_two_writers_on_one_case_exactly_one_commits_each_round(workers, url, store):
    case_id = world.found_until_submitted(world.engine(store=store))
    first, second = workers.race(race_child.same_case, url, case_id, ROUNDS)
    winners = []
    for r, (a, b) in enumerate(zip(first, second, strict=True)):
        assert a[:2] == b[:2] == (r, START + r)  # both decided from the same stored version
        assert sorted([a[2], b[2]]) in (["early", "won"], ["store", "won"]), (r, a, b)
        winners.append(0 if a[2] == "won" else 1)
    events = assert_whole(store, case_id, START + ROUNDS)
    # Each round's one event is the winner's: the loser wrote nothing, not even a stray event of its own.
    assert [(e.data["round"], e.data["writer"]) for e in events[START:]] == list(enumerate(winners))
    # The race is real: losers reached the store before the winner committed (nearly all of them, in practice),
    # so the store's compare-and-set, not a stale read in the engine, is what stopped them.
    stopped_by_store = sum(x[2] == "store" for x in first + second)
    assert stopped_by_store > 0
    assert store.case(case_id).version == START + ROUNDS


# ------------------------------------------------------------------------------------------------ C-2


def test_c2_approve_and_reject_racing_exactly_one_wins(workers, url, store):
    engine = world.engine(store=store)
    with engine.batch():
        case_ids = [world.found_until_submitted(engine, unit=world.new_group(f"g-{i}")) for i in range(CASES)]
    first, second = workers.race(race_child.approve_or_reject, url, case_ids)
    states = {"approve": "approved", "reject": "rejected"}
    for case_id, a, b in zip(case_ids, first, second, strict=True):
        assert a[0] == b[0] == case_id
        assert {a[1], b[1]} == {"approve", "reject"}
        outcomes = sorted([a[2], b[2]])
        assert outcomes in (["conflict", "won"], ["refused", "won"]), (a, b)
        winner = a[1] if a[2] == "won" else b[1]
        events = assert_whole(store, case_id, START + 1)
        assert events[-1].transition == winner
        case = store.case(case_id)
        assert case.state == states[winner]
        assert case.closed == (winner == "reject")  # approved waits for the launch
        unit = store.unit(case.subject)
        # Never both: an approved founding activates the group and appoints its leaders, a rejected one leaves
        # it proposed, untouched.
        assert unit.status == ("active" if winner == "approve" else "proposed")
        assert bool(unit.leaders) == (winner == "approve")
        assert store.timers(case_id) == []
    assert {c.state for c in store.cases()} <= {"approved", "rejected"}


# ------------------------------------------------------------------------------------------------ C-3


def test_c3_two_sqlite_writers_on_their_own_cases_never_see_database_is_locked(workers, tmp_path):
    path = tmp_path / "writers.db"
    url = f"sqlite:///{path}"
    store = SqlStore(url)
    try:
        store.put_org(units=world.units(), members=world.members(), actors=world.actors())
        world.engine(store=store)  # keeps the definition versions, so the workers only read them
        per_worker = 50  # 4 commits a case: 200 fires a worker
        reports = workers.race(race_child.own_cases, url, per_worker)
        for opened, errors in reports:
            assert errors == []  # no StorageError at all, "database is locked" or other
            assert len(opened) == per_worker
        cases = list(store.cases())
        assert sorted(c.id for c in cases) == sorted(reports[0][0] + reports[1][0])
        assert sum(len(assert_whole(store, c.id, 4)) for c in cases) == 400
        assert all(c.state == "withdrawn" for c in cases)
        # The writers really overlapped: in commit order, the cases of the two workers interleave.
        order = [c.id.split("-")[1] for c in cases]
        assert sum(x != y for x, y in itertools.pairwise(order)) > 1
    finally:
        store.close()
    with contextlib.closing(sqlite3.connect(path)) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


# ------------------------------------------------------------------------------------------------ C-4


@contextlib.contextmanager
def failing(store: SqlStore, error: type[Exception], *, times: int, at: str) -> Iterator[list[float]]:
    """Raise ``error`` (as psycopg would) from the first ``times`` statements starting with ``at``.

    Yields the list of the moments such a statement was attempted.  SQLAlchemy wraps the error as it wraps the
    driver's own (a ``DBAPIError`` whose ``orig`` carries the sqlstate), so the store sees what PostgreSQL sends.
    """
    attempts: list[float] = []

    def before(_conn, _cursor, statement, _parameters, _context, _executemany):
        if statement.lstrip().upper().startswith(at):
            attempts.append(time.monotonic())
            if len(attempts) <= times:
                raise error(f"injected {error.__name__} #{len(attempts)}")

    sa.event.listen(store._engine, "before_cursor_execute", before)
    try:
        yield attempts
    finally:
        sa.event.remove(store._engine, "before_cursor_execute", before)


def snapshot(store: SqlStore, case_id: str) -> tuple[Any, ...]:
    case = store.case(case_id)
    return case, store.events(case_id), store.unit(case.subject), store.timers(case_id), store.outbox()


@pytest.mark.parametrize("error", [psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected])
@pytest.mark.parametrize("at", ["UPDATE CASES", "INSERT INTO EVENTS", "DELETE FROM TIMERS"])
def test_c4_transient_failures_are_retried_until_the_decision_commits(pg_store, error, at):
    engine = world.engine(store=pg_store)
    case_id = world.found_until_submitted(engine)
    with failing(pg_store, error, times=3, at=at) as attempts:
        case = engine.fire(case_id, "approve", "btv-1", documents=world.DECISION)
    assert len(attempts) == 4  # three failures, then the commit
    assert case.state == "approved"
    assert pg_store.case(case_id) == case
    assert [e.transition for e in assert_whole(pg_store, case_id, START + 1)][-1] == "approve"
    assert pg_store.unit(case.subject).status == "active"  # the effect landed once, with the event


def test_c4_a_decision_that_always_fails_gives_up_typed_with_nothing_written(pg_store):
    engine = world.engine(store=pg_store)
    case_id = world.found_until_submitted(engine)
    before = snapshot(pg_store, case_id)
    started = time.monotonic()
    with (
        failing(
            pg_store, psycopg.errors.SerializationFailure, times=10**6, at="INSERT INTO EVENTS"
        ) as attempts,
        pytest.raises(StorageError, match="nothing was written") as raised,
    ):
        engine.fire(case_id, "approve", "btv-1", documents=world.DECISION)
    elapsed = time.monotonic() - started
    assert len(attempts) == 8  # SqlStore's default bound
    cause = raised.value.__cause__
    assert isinstance(cause, sa.exc.DBAPIError)
    assert cause.orig.sqlstate == "40001"
    # Bounded backoff: 7 waits, none above the 0.5 s cap (plus scheduling slack), the whole give-up in seconds.
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert max(gaps) < 1.0
    assert elapsed < 5
    assert snapshot(pg_store, case_id) == before
    # The case is not stuck: the next try, without the failures, commits.
    assert engine.fire(case_id, "approve", "btv-1", documents=world.DECISION).state == "approved"


def test_c4_other_database_failures_are_not_retried(pg_store):
    engine = world.engine(store=pg_store)
    case_id = world.found_until_submitted(engine)
    before = snapshot(pg_store, case_id)
    with (
        failing(pg_store, psycopg.errors.DiskFull, times=10**6, at="INSERT INTO EVENTS") as attempts,
        pytest.raises(StorageError),
    ):
        engine.fire(case_id, "approve", "btv-1", documents=world.DECISION)
    assert len(attempts) == 1
    assert snapshot(pg_store, case_id) == before


def test_c4_a_real_deadlock_is_retried_and_the_decision_commits(pg_store, postgres_db):
    """The store's transaction and another one lock a case row and a unit row in opposite orders.

    The store updates the case row, then (paused here) waits while the other transaction, which holds the unit
    row, asks for the case row; only then does the store ask for the unit row.  PostgreSQL finds the cycle when
    the store's own deadlock timeout fires, so the store's transaction is the one aborted with 40P01; it is
    retried after the other one commits.
    """
    engine = world.engine(store=pg_store)
    case_id = world.found_until_submitted(engine)
    libpq = pg.libpq_url(postgres_db)
    seen: list[str | None] = []
    holds_case, other_waits = threading.Event(), threading.Event()

    def record(context: Any) -> None:
        seen.append(getattr(context.original_exception, "sqlstate", None))

    with psycopg.connect(libpq, autocommit=True) as admin, psycopg.connect(libpq) as other:
        timeout_ms = int(
            admin.execute("SELECT setting FROM pg_settings WHERE name = 'deadlock_timeout'").fetchone()[0]
        )

        def pause(_conn, _cursor, statement, *_rest):
            if "FOR UPDATE" in statement and not holds_case.is_set():
                holds_case.set()
                assert other_waits.wait(30)
                # The other transaction's one deadlock check passes (no cycle yet) before the store closes it.
                time.sleep(2 * timeout_ms / 1000)

        sa.event.listen(pg_store._engine, "handle_error", record)
        sa.event.listen(pg_store._engine, "before_cursor_execute", pause)
        other.execute("SELECT id FROM units WHERE id = %s FOR UPDATE", ("g-new",))
        with ThreadPoolExecutor(2) as pool:
            fired = pool.submit(engine.fire, case_id, "approve", "btv-1", documents=world.DECISION)
            assert holds_case.wait(30)
            blocked = pool.submit(
                other.execute, "UPDATE cases SET version = version WHERE id = %s", (case_id,)
            )
            deadline = time.monotonic() + 30
            pid = other.info.backend_pid
            while admin.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)
            ).fetchone() != ("Lock",):
                assert time.monotonic() < deadline, "the other transaction never waited for the case row"
                time.sleep(0.01)
            other_waits.set()
            blocked.result(timeout=30)  # the store's transaction was the victim, so this one went on
            other.commit()
            case = fired.result(timeout=30)
    assert "40P01" in seen
    assert case.state == "approved"
    assert_whole(pg_store, case_id, START + 1)
    assert pg_store.unit(case.subject).status == "active"


# ------------------------------------------------------------------------------------------------ C-6


def test_c6_eight_threads_on_one_engine_agree_with_the_store(store):
    engine = world.engine(store=store)
    per_thread = 6
    shared = engine.open("found-professional-group", world.new_group("g-shared"), "officer-1")
    engine.fire(shared.id, "survey", "officer-1", documents={"survey_report": "u"})
    failures: list[BaseException] = []

    def work(t: int) -> list[str]:
        done = []
        for i in range(per_thread):
            try:
                case = engine.open("found-professional-group", world.new_group(f"g-{t}-{i}"), "officer-1")
                engine.fire(case.id, "survey", "officer-1", documents={"survey_report": "u"})
                if i % 2:
                    engine.fire(case.id, "withdraw", "btv-1")
                done.append(case.id)
                # Every thread also pokes at one shared case; conflicts are expected, damage is not.
                with contextlib.suppress(Refused, ConflictError):
                    engine.fire(shared.id, "start_outreach", "officer-1")
            except StorageError as exc:  # "database is locked" and any other backend failure
                failures.append(exc)
        return done

    with ThreadPoolExecutor(8) as pool:
        opened = [c for ids in pool.map(work, range(8)) for c in ids]
    assert failures == []
    assert len(opened) == len(set(opened)) == 8 * per_thread
    cases = {c.id: c for c in engine.store.cases()}
    assert set(cases) == {*opened, shared.id}
    events = 0
    for case_id, case in cases.items():
        events += len(assert_whole(store, case_id, case.version))
    assert events == 8 * per_thread * 2 + 8 * (per_thread // 2) + 3
    assert len([c for c in cases.values() if c.state == "withdrawn"]) == 8 * (per_thread // 2)
    assert len(list(store.units(level="group", status="proposed"))) == 8 * per_thread + 1
    assert [e.transition for e in store.events(shared.id)] == [None, "survey", "start_outreach"]


# ------------------------------------------------------------------------------------------------ C-7


def test_c7_two_processes_racing_with_one_key_make_one_transition(workers, url, store):
    case_id = world.found_until_submitted(world.engine(store=store))
    first, second = workers.race(race_child.one_key, url, case_id, KEY_ROUNDS)
    for r, (a, b) in enumerate(zip(first, second, strict=True)):
        assert a[:2] == b[:2] == (r, START + r)
        assert a[2] == b[2], f"round {r}: the two callers got different answers:\n{a[2]}\n{b[2]}"
        assert decode(Case, a[2]).version == START + r + 1
    events = assert_whole(store, case_id, START + KEY_ROUNDS)
    assert [e.idempotency_key for e in events[START:]] == [f"{case_id}:round-{r}" for r in range(KEY_ROUNDS)]


class KeyLookupMissesTheWinner(SqlStore):
    """A store whose next idempotency lookup finds nothing, and the other caller's fire commits right after it.

    This is the one interleaving of two callers with one key that a real race rarely hits (the window is two
    reads wide), made certain.
    """

    def __init__(self, url: str, other: Callable[[], object]) -> None:
        super().__init__(url)
        self.other: Callable[[], object] | None = other

    def idempotency(self, key: str) -> Any:
        found = super().idempotency(key)
        if found is None and self.other is not None:
            other, self.other = self.other, None
            other()
        return found


def test_c7_a_caller_whose_key_lookup_just_missed_the_winner_gets_the_winners_result(url, store):
    winner = world.engine(store=store)
    case_id = world.found_until_submitted(winner)
    request = (case_id, "return_dossier", "btv-1")
    won: list[Case] = []
    loser_store = KeyLookupMissesTheWinner(
        url, lambda: won.append(winner.fire(*request, idempotency_key="k"))
    )
    try:
        got = world.engine(store=loser_store).fire(*request, idempotency_key="k")
    finally:
        loser_store.close()
    assert len(won) == 1
    assert got == won[0]
    assert_whole(store, case_id, START + 1)


def test_c7_an_opener_whose_key_lookup_just_missed_the_winner_gets_the_winners_case(url, store):
    winner = world.engine(store=store)
    request = ("found-professional-group", world.new_group(), "officer-1")
    won: list[Case] = []
    loser_store = KeyLookupMissesTheWinner(
        url, lambda: won.append(winner.open(*request, idempotency_key="k"))
    )
    try:
        got = world.engine(store=loser_store).open(*request, idempotency_key="k")
    finally:
        loser_store.close()
    assert len(won) == 1
    assert got == won[0]
    assert [c.id for c in store.cases()] == [got.id]

"""Storage benchmarks: ``Engine.fire`` on SQLite and PostgreSQL, each against its driver replaying the same statements.

hoinghe's side is the loop workflow of :mod:`benchmarks.engine` (the same six members, three rules and a document
per move) on a :class:`~hoinghe.SqlStore`.  The floor is the bare driver: one fire of hoinghe's is recorded (every
statement SQLAlchemy sends, with its parameters: the reads the decision makes and the writes of its commit) and the
driver replays exactly those statements, each replayed fire in one transaction (``BEGIN IMMEDIATE ... COMMIT`` on
SQLite), on its own copy of the database.  A replay moves the case's version and the event's sequence number on by
one, so every replayed fire really updates a row and inserts an event, as a fire does.

- Durable fires, SQLite: one transaction per fire, ``synchronous`` FULL and NORMAL, both sides with the same
  PRAGMAs (WAL, synchronous, foreign keys, busy timeout).  Budget: at most 1.5x the floor's time.
- Batched fires, SQLite (NORMAL): many fires in one ``Engine.batch()``, against the recorded batched fire (reads,
  savepoint, writes) replayed as many times in one transaction.  Budget: 30,000 fires/s.
- PostgreSQL on 127.0.0.1 (the throwaway cluster of ``tests/pg.py``: fsync and synchronous_commit off): fires per
  second with one and with two writer processes, each firing its own cases, against psycopg replaying the
  statements.  Without a server the rows say "PostgreSQL not available".
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import multiprocessing
import queue
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import psycopg
import sqlalchemy as sa
from sqlalchemy import event as sa_event

from benchmarks.engine import (
    DOCUMENTS,
    MEMBERS,
    OFFICER,
    SUBJECT,
    WORKFLOW,
    loop_engine,
    loop_workflow,
    medians,
)
from hoinghe import Engine, ManualClock, SequentialIds, SqlStore, StorageError, load_profile
from hoinghe.storage.sql import Synchronous

TESTS = Path(__file__).resolve().parent.parent / "tests"  # tests/pg.py starts the throwaway PostgreSQL
# The parameters a fire moves on by one: the case version (new and expected) and the event's sequence number.
COUNTERS = ("version", "expected", "seq")
DURABLE_BUDGET_RATIO = 1.5
BATCH_BUDGET_FIRES_PER_S = 30_000


class _Cursor(Protocol):
    """What the replay needs of a DB-API cursor (sqlite3's and psycopg's)."""

    @property
    def description(self) -> object: ...

    def execute(self, sql: Any, params: Any = ..., /) -> object: ...

    def executemany(self, sql: Any, params: Any, /) -> object: ...

    def fetchall(self) -> list[Any]: ...


class Statement(NamedTuple):
    """One statement SQLAlchemy sent to the driver, with its parameters (positional or named) and their names."""

    sql: str
    params: Any
    names: tuple[str, ...] | None
    many: bool


def sql_engine(url: str, *, synchronous: Synchronous = "FULL", create: bool = True) -> Engine:
    """An engine on a SQL store holding the organisation of :func:`benchmarks.engine.loop_engine` (put when ``create``)."""
    store = SqlStore(url, synchronous=synchronous, create=create)
    if create:
        org = loop_engine().store  # the benchmark's organisation, built once in benchmarks.engine
        store.put_org(
            units=org.units(), members=[org.member(m) for m in MEMBERS], actors=[org.actor(OFFICER)]
        )
    engine = Engine(
        load_profile("vn-2025"),
        store,
        clock=ManualClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)),
        ids=SequentialIds() if create else None,  # writer processes sharing a database need ids that differ
        listeners_in_background=False,
    )
    engine.register(loop_workflow())
    return engine


def _sql_store(engine: Engine) -> SqlStore:
    store = engine.store
    assert isinstance(store, SqlStore)
    return store


def round_trip(engine: Engine, case_id: str) -> Callable[[], object]:
    """Two fires, ``go`` then ``back``, as in :mod:`benchmarks.engine`: the case is back in ``a`` after each call."""

    def fire_twice() -> object:
        engine.fire(case_id, "go", OFFICER, documents=DOCUMENTS)
        return engine.fire(case_id, "back", OFFICER, documents=DOCUMENTS).state

    return fire_twice


def record(engine: Engine, action: Callable[[], object]) -> list[Statement]:
    """The statements ``action`` makes the engine's SQL store send, without the ``BEGIN`` the store issues itself."""
    seen: list[Statement] = []

    def listen(*args: Any) -> None:
        _conn, _cursor, sql, params, context, many = args
        if sql.startswith("BEGIN"):
            return  # the floor opens its own transaction, one per fire
        compiled = getattr(context, "compiled", None)
        names = getattr(compiled, "positiontup", None)
        seen.append(Statement(sql, params, None if names is None else tuple(names), many))

    target = _sql_store(engine)._engine  # noqa: SLF001 - the statements are what the benchmark compares
    sa_event.listen(target, "before_cursor_execute", listen)
    try:
        action()
    finally:
        sa_event.remove(target, "before_cursor_execute", listen)
    return seen


def _moved(params: Any, slots: Sequence[int | str], by: int) -> Any:
    if isinstance(params, Mapping):
        named = dict(params)
        for key in slots:
            named[key] += by
        return named
    positional = list(params)
    for index in slots:
        assert isinstance(index, int)
        positional[index] += by
    return tuple(positional)


class Replay:
    """Recorded statements of one fire, replayed as further fires: replayed fire k writes version and seq + k."""

    def __init__(self, statements: Sequence[Statement]) -> None:
        self._plan: list[tuple[str, Any, tuple[int | str, ...], bool]] = []
        for s in statements:
            slots: tuple[int | str, ...]
            if isinstance(s.params, Mapping):
                slots = tuple(name for name in COUNTERS if name in s.params)
            else:
                names = s.names if s.names is not None and len(s.names) == len(s.params) else ()
                slots = tuple(i for i, name in enumerate(names) if name in COUNTERS)
            self._plan.append((s.sql, s.params, slots, s.many))
        writes = [sql for sql, _, slots, _ in self._plan if slots]
        assert len(writes) >= 2, f"a fire updates the case and inserts an event; recorded {writes}"  # noqa: PLR2004
        self.fired = 0

    def fire(self, cursor: _Cursor) -> None:
        """Send one fire's statements (the caller owns the transaction)."""
        self.fired += 1
        by = self.fired
        for sql, params, slots, many in self._plan:
            if many:
                cursor.executemany(sql, [_moved(p, slots, by) for p in params] if slots else params)
            else:
                cursor.execute(sql, _moved(params, slots, by) if slots else params)
            if cursor.description is not None:
                cursor.fetchall()


# --------------------------------------------------------------------------------------------- SQLite


def _sqlite(path: Path, synchronous: str) -> sqlite3.Connection:
    """A sqlite3 connection set up as SqlStore sets up its own: autocommit driver, WAL, synchronous, FKs, timeout."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    for pragma in ("journal_mode=WAL", f"synchronous={synchronous}", "foreign_keys=ON", "busy_timeout=30000"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def _sqlite_version(path: Path, case_id: str) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        version: int = conn.execute("SELECT version FROM cases WHERE id = ?", (case_id,)).fetchone()[0]
        return version


class _SqliteSides(NamedTuple):
    engine: Engine
    case_id: str
    floor: sqlite3.Connection
    floor_path: Path
    floor_case: str
    replay: Replay
    version: int  # the floor case's version when the recording ended


@contextlib.contextmanager
def _sqlite_sides(synchronous: Synchronous, *, batched: bool) -> Iterator[_SqliteSides]:
    """hoinghe's engine on one SQLite file, and a sqlite3 connection to another holding a recorded fire's case."""
    with tempfile.TemporaryDirectory(prefix="hoinghe-bench-") as folder:
        ours = sql_engine(f"sqlite:///{folder}/hoinghe.db", synchronous=synchronous)
        case_id = ours.open(WORKFLOW, SUBJECT, OFFICER).id
        round_trip(ours, case_id)()  # warm: the definition and the statements are cached
        floor_path = Path(folder) / "sqlite3.db"
        recorder = sql_engine(f"sqlite:///{floor_path}", synchronous=synchronous)
        floor_case = recorder.open(WORKFLOW, SUBJECT, OFFICER).id
        round_trip(recorder, floor_case)()

        def go() -> object:
            return recorder.fire(floor_case, "go", OFFICER, documents=DOCUMENTS)

        # A batched fire is recorded inside a batch (its reads share the batch's connection; its writes sit in a
        # savepoint), past the batch's first fires as most of a timed batch is.
        with recorder.batch() if batched else contextlib.nullcontext():
            if batched:
                round_trip(recorder, floor_case)()
            statements = record(recorder, go)
        version = recorder.store.case(floor_case).version
        _sql_store(recorder).close()
        floor = _sqlite(floor_path, synchronous)
        try:
            yield _SqliteSides(ours, case_id, floor, floor_path, floor_case, Replay(statements), version)
        finally:
            floor.close()
            _sql_store(ours).close()


def bench_durable(quick: bool, synchronous: Synchronous) -> dict[str, Any]:
    """Seconds per durable ``Engine.fire`` (one transaction each) against sqlite3 replaying its statements."""
    with _sqlite_sides(synchronous, batched=False) as s:
        cursor = s.floor.cursor()

        def floor_fire() -> None:
            cursor.execute("BEGIN IMMEDIATE")
            s.replay.fire(cursor)
            cursor.execute("COMMIT")

        def floor_round_trip() -> object:
            floor_fire()
            floor_fire()
            return "a"

        sides = {"engine": round_trip(s.engine, s.case_id), "sqlite3": floor_round_trip}
        assert all(fn() == "a" for fn in sides.values())
        figures = medians(sides, number=3 if quick else 50, repeat=3 if quick else 7)
        # Every replayed fire updated the case row: the floor did the work it is credited with.
        assert _sqlite_version(s.floor_path, s.floor_case) == s.version + s.replay.fired
        assert _sql_store(s.engine).pragmas()["synchronous"] == {"FULL": 2, "NORMAL": 1}[synchronous]
    ours, floor = figures["engine"] / 2, figures["sqlite3"] / 2
    return {
        "synchronous": synchronous,
        "ours_s": ours,
        "floor_s": floor,
        "ratio": ours / floor,
        "budget_ratio": DURABLE_BUDGET_RATIO,
    }


def bench_durable_full(quick: bool) -> dict[str, Any]:
    """Durable fires with ``synchronous=FULL`` (the store's default)."""
    return bench_durable(quick, "FULL")


def bench_durable_normal(quick: bool) -> dict[str, Any]:
    """Durable fires with ``synchronous=NORMAL``."""
    return bench_durable(quick, "NORMAL")


def bench_batch(quick: bool) -> dict[str, Any]:
    """Fires per second inside one ``Engine.batch()`` on SQLite (NORMAL), and sqlite3 replaying as many in one go."""
    fires, repeat = (100, 2) if quick else (500, 5)
    with _sqlite_sides("NORMAL", batched=True) as s:
        fire_twice = round_trip(s.engine, s.case_id)
        cursor = s.floor.cursor()

        def ours() -> None:
            with s.engine.batch():
                for _ in range(fires // 2):
                    fire_twice()

        def floor() -> None:
            cursor.execute("BEGIN IMMEDIATE")
            for _ in range(fires):
                s.replay.fire(cursor)
            cursor.execute("COMMIT")

        before = s.engine.store.case(s.case_id).version
        figures = medians({"engine": ours, "sqlite3": floor}, number=1, repeat=repeat)
        assert s.engine.store.case(s.case_id).version == before + repeat * fires
        assert (
            _sqlite_version(s.floor_path, s.floor_case)
            == s.version + s.replay.fired
            == s.version + repeat * fires
        )
    ours_s, floor_s = figures["engine"] / fires, figures["sqlite3"] / fires
    return {
        "ours_fires_per_s": 1 / ours_s,
        "floor_fires_per_s": 1 / floor_s,
        "ratio": ours_s / floor_s,
        "fires": fires,
        "budget_fires_per_s": BATCH_BUDGET_FIRES_PER_S,
    }


# --------------------------------------------------------------------------------------------- PostgreSQL


def _libpq(url: str) -> str:
    return sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _postgres_database() -> str:
    """A new empty database on the test server (started on first use); raises when PostgreSQL is not there."""
    if str(TESTS) not in sys.path:
        sys.path.append(str(TESTS))
    import pg  # noqa: PLC0415 - tests/pg.py, on the path only now

    url: str = pg.fresh_database("bench")
    return url


WRITERS = (1, 2)  # the PostgreSQL rows: one writer process, then two


class _WriterSides(NamedTuple):
    fire_twice: Callable[[], object]
    floor_fire: Callable[[], None]
    check: Callable[[], None]


def _writer_sides(engine: Engine, conn: psycopg.Connection[Any], number: int, repeat: int) -> _WriterSides:
    """A new case for hoinghe to fire, and another whose recorded fire psycopg replays on ``conn``."""
    store = _sql_store(engine)
    case_id = engine.open(WORKFLOW, SUBJECT, OFFICER).id
    fire_twice = round_trip(engine, case_id)
    fire_twice()
    floor_case = engine.open(WORKFLOW, SUBJECT, OFFICER).id
    round_trip(engine, floor_case)()
    replay = Replay(record(engine, lambda: engine.fire(floor_case, "go", OFFICER, documents=DOCUMENTS)))
    version = store.case(floor_case).version
    cursor = conn.cursor()

    def floor_fire() -> None:
        replay.fire(cursor)
        conn.commit()

    def check() -> None:
        # Both sides did the work they are credited with: every fire moved its case on by one version.
        assert store.case(case_id).version == 3 + repeat * number  # opened, warmed, then the timed fires
        cursor.execute("SELECT version FROM cases WHERE id = %s", (floor_case,))
        row = cursor.fetchone()
        conn.commit()
        assert row is not None
        assert row[0] == version + replay.fired == version + 1 + repeat * number

    floor_fire()  # warm, as hoinghe's side was
    return _WriterSides(fire_twice, floor_fire, check)


def postgres_writer(url: str, index: int, *, number: int, repeat: int, barrier: Any, results: Any) -> None:
    """Writer process ``index``: for each row of :data:`WRITERS` it takes part in, its own cases, fired in step.

    Every process meets every barrier, also in rows it sits out, so one pair of processes serves both rows.
    """
    engine = sql_engine(url, create=False)
    with psycopg.connect(_libpq(url)) as conn:
        for writers in WRITERS:
            sides = _writer_sides(engine, conn, number, repeat) if index < writers else None
            for rep in range(repeat):
                for side in ("hoinghe", "psycopg"):
                    barrier.wait()
                    if sides is None:
                        continue
                    fire, calls = (
                        (sides.fire_twice, number // 2) if side == "hoinghe" else (sides.floor_fire, number)
                    )
                    start = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process on the machine
                    for _ in range(calls):
                        fire()
                    results.put((writers, rep, side, start, time.monotonic()))
            if sides is not None:
                sides.check()
    _sql_store(engine).close()


Span = tuple[int, int, str, float, float]  # writers, repetition, side, start, end


def _collect(results: Any, processes: Sequence[Any], count: int) -> list[Span]:
    """``count`` timings from the writers; stops waiting as soon as one of them has died (its traceback is printed)."""
    spans: list[Span] = []
    deadline = time.monotonic() + 900
    while len(spans) < count:
        try:
            spans.append(results.get(timeout=1))
        except queue.Empty:
            if any(p.exitcode not in (None, 0) for p in processes) or time.monotonic() > deadline:
                msg = f"a PostgreSQL writer process failed (exit codes {[p.exitcode for p in processes]})"
                raise RuntimeError(msg) from None
    return spans


def _run_writers(url: str, number: int, repeat: int) -> list[Span]:
    context = multiprocessing.get_context("spawn")  # no inherited threads or connections
    barrier = context.Barrier(max(WRITERS), timeout=300)
    results = context.Queue()
    processes = [
        context.Process(
            target=postgres_writer,
            args=(url, i),
            kwargs={"number": number, "repeat": repeat, "barrier": barrier, "results": results},
            daemon=True,
        )
        for i in range(max(WRITERS))
    ]
    for process in processes:
        process.start()
    try:
        spans = _collect(results, processes, sum(WRITERS) * repeat * 2)
        for process in processes:
            process.join(timeout=60)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
                process.join()
    if any(p.exitcode != 0 for p in processes):
        msg = f"a PostgreSQL writer process failed (exit codes {[p.exitcode for p in processes]})"
        raise RuntimeError(msg)
    return spans


@functools.cache
def _postgres_figures(quick: bool) -> dict[int, dict[str, Any]]:
    """Both PostgreSQL rows, from one database and one pair of writer processes (starting them costs seconds)."""
    try:
        url = _postgres_database()
        setup = sql_engine(url)  # the schema, the organisation and the definition, before the writers start
    except (ImportError, OSError, RuntimeError, psycopg.Error, StorageError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return {writers: {"available": False, "writers": writers, "reason": reason} for writers in WRITERS}
    _sql_store(setup).close()
    number, repeat = (10, 2) if quick else (200, 5)
    spans = _run_writers(url, number, repeat)
    figures = {}
    for writers in WRITERS:
        rates: dict[str, list[float]] = {"hoinghe": [], "psycopg": []}
        for rep in range(repeat):
            for side, rate in rates.items():
                mine = [(start, end) for w, r, s, start, end in spans if (w, r, s) == (writers, rep, side)]
                rate.append(writers * number / (max(e for _, e in mine) - min(s for s, _ in mine)))
        ours, floor = statistics.median(rates["hoinghe"]), statistics.median(rates["psycopg"])
        figures[writers] = {
            "available": True,
            "writers": writers,
            "ours_fires_per_s": ours,
            "floor_fires_per_s": floor,
            "ratio": floor / ours,
            "fires": number,
        }
    return figures


def bench_postgres_one(quick: bool) -> dict[str, Any]:
    """PostgreSQL fires per second with one writer process, against psycopg replaying the same statements."""
    return _postgres_figures(quick)[1]


def bench_postgres_two(quick: bool) -> dict[str, Any]:
    """PostgreSQL fires per second with two writer processes, each on its own cases."""
    return _postgres_figures(quick)[2]

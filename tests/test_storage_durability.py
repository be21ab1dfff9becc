"""Durability of the SQL store on a SQLite file and on PostgreSQL: RELIABILITY.md D-1 to D-5 and N-1.

The crashes (D-1, D-2) happen in workers forked by ``crash_child.py``; the parent restores or keeps the database
between rounds and judges it after each crash with :func:`assert_consistent`, which reads every table at once: the
file is sound, every case is the fold of its events and its columns agree with it, no decision is half written (the
case, its events, the unit it founds, its timers, outbox rows and idempotency keys are there together or not at all)
and event numbers run 1, 2, ... without a gap.  The I/O errors (D-3, D-4, N-1) are injected in this process.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import crash_child
import pg
import world
from hoinghe import ConflictError, Engine, NotFound, SqlStore, StorageError, Unit
from hoinghe.records import Case, Commit, Event, OutboxMessage, Timer, fold
from hoinghe.storage.codec import decode
from hoinghe.storage.schema import metadata

BACKENDS = ["sqlite", "postgresql"]
FOUNDING = crash_child.FOUNDING
LATER = crash_child.LATER
WORLD_UNITS = frozenset(u.id for u in world.units())
Dump = dict[str, list[tuple[Any, ...]]]


# ------------------------------------------------------------------------------------------- databases


def database(backend: str, tmp_path: Path) -> str:
    """The URL of a new database holding the world's organisation."""
    url = f"sqlite:///{tmp_path / 'durable.db'}" if backend == "sqlite" else pg.fresh_database("dur")
    store = SqlStore(url)
    store.put_org(units=world.units(), members=world.members(), actors=world.actors())
    store.close()
    return url


class Reader:
    """The test's own view of a database: one pooled connection, whole-table snapshots, and restoring one."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = sa.create_engine(url, pool_size=1, max_overflow=0)
        self.postgresql = self.engine.dialect.name == "postgresql"
        self.last: Dump = {}

    def close(self) -> None:
        self.engine.dispose()

    @contextlib.contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        """A connection in a transaction; on PostgreSQL every statement of it reads the same snapshot."""
        with self.engine.connect() as raw:
            conn = raw.execution_options(isolation_level="REPEATABLE READ") if self.postgresql else raw
            with conn.begin():
                yield conn

    def dump(self) -> Dump:
        """Every row of every table, in key order."""
        with self.connect() as conn:
            return {
                table.name: [
                    tuple(row) for row in conn.execute(sa.select(table).order_by(*table.primary_key))
                ]
                for table in metadata.sorted_tables
            }

    def restore(self, snapshot: Dump, current: Dump) -> None:
        """Make the tables hold ``snapshot`` again, changing only the rows that differ from ``current``."""
        with self.connect() as conn:
            changes = {
                table: _diff(table, snapshot[table.name], current[table.name])
                for table in metadata.sorted_tables
            }
            for table in reversed(metadata.sorted_tables):
                for key in changes[table][0]:
                    conn.execute(
                        table.delete().where(*(c == k for c, k in zip(table.primary_key, key, strict=True)))
                    )
            for table in metadata.sorted_tables:
                _, updated, inserted = changes[table]
                for row in updated:
                    key = tuple(row[c.name] for c in table.primary_key)
                    where = (c == k for c, k in zip(table.primary_key, key, strict=True))
                    conn.execute(table.update().where(*where).values(row))
                if inserted:
                    conn.execute(table.insert(), inserted)

    def wait_for_dead_clients(self) -> None:
        """Wait until PostgreSQL has ended the sessions of killed workers: what they sent has landed, or not."""
        if not self.postgresql:
            return
        deadline = time.monotonic() + 10
        query = sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        while True:
            with self.connect() as conn:
                if not conn.execute(query).scalar():
                    return
            assert time.monotonic() < deadline, "a killed worker's session outlived it by 10 s"
            time.sleep(0.002)


def _diff(
    table: sa.Table, wanted: list[tuple[Any, ...]], found: list[tuple[Any, ...]]
) -> tuple[list[tuple[Any, ...]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The keys to delete, and the rows to update and to insert, to turn ``found`` into ``wanted``."""
    names = table.columns.keys()
    positions = [names.index(c.name) for c in table.primary_key]
    wanted_by_key = {tuple(row[i] for i in positions): row for row in wanted}
    found_by_key = {tuple(row[i] for i in positions): row for row in found}
    deleted = [key for key in found_by_key if key not in wanted_by_key]
    updated = [
        dict(zip(names, row, strict=True))
        for key, row in wanted_by_key.items()
        if key in found_by_key and found_by_key[key] != row
    ]
    inserted = [
        dict(zip(names, row, strict=True)) for key, row in wanted_by_key.items() if key not in found_by_key
    ]
    return deleted, updated, inserted


@pytest.fixture
def reader_of() -> Iterator[Callable[[str], Reader]]:
    """Readers of the test's databases, closed when the test ends."""
    readers: list[Reader] = []

    def make(url: str) -> Reader:
        readers.append(Reader(url))
        return readers[-1]

    yield make
    for reader in readers:
        reader.close()


# ------------------------------------------------------------------------------------------- the D-1 checks


@dataclass(frozen=True)
class Counts:
    """What the database holds, for tests that want progress."""

    cases: int
    events: int
    reminders: int
    approved: int
    closed: int


_DECODED: dict[tuple[type, str], Any] = {}


def _decode(cls: type[Any], text: str) -> Any:
    key = (cls, text)
    if key not in _DECODED:
        _DECODED[key] = decode(cls, text)
    return _DECODED[key]


def rows(snapshot: Dump, table: str) -> list[dict[str, Any]]:
    keys = metadata.tables[table].columns.keys()
    return [dict(zip(keys, row, strict=True)) for row in snapshot[table]]


def assert_sound_file(url: str) -> None:
    """SQLite's own checks of the file: its b-trees and its foreign keys."""
    path = sa.engine.make_url(url).database
    if not url.startswith("sqlite") or path is None:
        return
    with contextlib.closing(sqlite3.connect(path)) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []


def assert_consistent(reader: Reader) -> Counts:
    """The D-1 checks; returns what the database holds (and keeps the rows read as ``reader.last``)."""
    assert_sound_file(reader.url)
    snapshot = reader.last = reader.dump()
    events: dict[str, list[Event]] = {}
    for row in rows(snapshot, "events"):
        event = _decode(Event, row["payload"])
        assert (event.case_id, event.seq, event.kind) == (row["case_id"], row["seq"], row["kind"])
        events.setdefault(row["case_id"], []).append(event)
    units = {row["id"]: row for row in rows(snapshot, "units")}
    memberships: dict[str, set[str]] = {}
    for row in rows(snapshot, "memberships"):
        memberships.setdefault(row["unit_id"], set()).add(row["member_id"])
    timers: dict[str, list[Timer]] = {}
    for row in rows(snapshot, "timers"):
        timer = _decode(Timer, row["payload"])
        assert (timer.id, timer.case_id) == (row["id"], row["case_id"])
        timers.setdefault(row["case_id"], []).append(timer)
    subjects: Counter[str] = Counter()
    for row in rows(snapshot, "cases"):
        case = _decode(Case, row["payload"])
        assert (case.id, case.state, case.version, case.closed) == (
            row["id"],
            row["state"],
            row["version"],
            row["closed"],
        )
        history = events.pop(case.id, [])
        assert [e.seq for e in history] == list(range(1, case.version + 1)), f"{case.id}: gap or half write"
        assert fold(history) == case
        assert_timers(case, history, timers.pop(case.id, []))
        subjects[case.subject] += 1
        if case.workflow == FOUNDING:
            assert_founding(case, history, units.get(case.subject))
    assert not events, f"events of no case: {sorted(events)}"
    assert not timers, f"timers of no case: {sorted(timers)}"
    for unit_id, row in units.items():
        unit = _decode(Unit, row["payload"])
        assert (unit.id, unit.status, unit.parent) == (unit_id, row["status"], row["parent"])
        assert memberships.pop(unit_id, set()) == set(unit.members), f"memberships of {unit_id} half written"
        if unit_id not in WORLD_UNITS:
            assert subjects[unit_id] == 1, f"unit {unit_id} without its founding case"
    assert not memberships
    all_events = [_decode(Event, row["payload"]) for row in rows(snapshot, "events")]
    assert_outbox(snapshot, all_events)
    assert_idempotency(snapshot, all_events)
    return Counts(
        cases=len(snapshot["cases"]),
        events=len(all_events),
        reminders=sum(e.kind == "reminded" for e in all_events),
        approved=sum(e.transition == "approve" and e.kind == "fired" for e in all_events),
        closed=sum(bool(row["closed"]) for row in rows(snapshot, "cases")),
    )


def assert_founding(case: Case, history: list[Event], stored: dict[str, Any] | None) -> None:
    """The unit a founding case founds was written with its opening, and activated with its approval."""
    assert stored is not None, f"case {case.id} opened without its unit"
    unit = _decode(Unit, stored["payload"])
    approved = any(e.kind == "fired" and e.transition == "approve" for e in history)
    assert unit.status == ("active" if approved else "proposed"), (
        f"{case.id} at {case.state}, unit {unit.status}"
    )
    assert bool(unit.leaders) == approved
    assert (unit.founded_on is not None) == approved


def assert_timers(case: Case, history: list[Event], pending: list[Timer]) -> None:
    """A founding waiting for its decision has the reminder timer until the reminder is sent; nothing else has one."""
    entered = max(e.seq for e in history if e.kind in ("opened", "fired"))
    reminded = any(e.kind == "reminded" and e.seq > entered for e in history)
    if case.workflow == FOUNDING and case.state == "dossier_submitted" and not reminded:
        assert [(t.transition, t.version) for t in pending] == [("approve", entered)], case.id
    elif case.workflow == FOUNDING:
        assert pending == [], f"{case.id} at {case.state} kept timers {pending}"


def assert_outbox(snapshot: Dump, events: list[Event]) -> None:
    """One outbox row for each reminder event and each notification of an approval, none without one (N-1)."""
    stored = []
    for row in rows(snapshot, "outbox"):
        message = _decode(OutboxMessage, row["payload"])
        assert (message.key, message.case_id, message.seq, message.topic) == (
            row["key"],
            row["case_id"],
            row["seq"],
            row["topic"],
        )
        stored.append((message.key, message.case_id, message.seq, message.topic))
    expected = [
        (f"{e.case_id}:{e.seq}:deadline", e.case_id, e.seq, "deadline.reminder")
        for e in events
        if e.kind == "reminded"
    ]
    # The founding workflow tells two channels of each approval (found-professional-group.yaml, `notify:`).
    expected += [
        (f"{e.case_id}:{e.seq}:notify:{n}", e.case_id, e.seq, "transition.approve")
        for e in events
        if e.kind == "fired" and e.transition == "approve"
        for n in range(2)
    ]
    assert sorted(stored) == sorted(expected)


def assert_idempotency(snapshot: Dump, events: list[Event]) -> None:
    """An idempotency key is kept with the event it made, in the same commit."""
    keyed = {(e.idempotency_key, e.case_id, e.seq) for e in events if e.idempotency_key is not None}
    stored = {(row["key"], row["case_id"], row["seq"]) for row in rows(snapshot, "idempotency")}
    assert stored == keyed


# ------------------------------------------------------------------------------------------- the crash child


class Child:
    """``crash_child.py``: forks workers on command (see its docstring)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("crash_child.py"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def _send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def _answer(self, word: str) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        assert line.startswith(f"{word} "), f"the crash child answered {line!r}"
        return line.removeprefix(f"{word} ")

    def kill_after(self, url: str, delay: float) -> str:
        """Start a looping worker, kill it with SIGKILL after ``delay`` seconds; how it ended."""
        self._send(f"loop {url}")
        pid = int(self._answer("pid"))
        try:
            time.sleep(delay)
        finally:
            os.kill(
                pid, signal.SIGKILL
            )  # the worker is unreaped until the child answers: the pid is still ours
        return self._answer("status")

    def crash_before(self, url: str, n: int) -> str:
        """Run the sequence in a worker that exits before its ``n``-th statement; how it ended."""
        self._send(f"crash {url} {n}")
        return self._answer("status")

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture(scope="module")
def child() -> Iterator[Child]:
    out = Child()
    yield out
    out.close()


# ------------------------------------------------------------------------------------------- D-1, D-2


@pytest.mark.parametrize(("backend", "rounds"), [("sqlite", 100), ("postgresql", 30)])
def test_d1_kill_9_mid_transition_leaves_whole_decisions(child, reader_of, backend, rounds, tmp_path):
    reader = reader_of(database(backend, tmp_path))
    rng = random.Random(1)  # noqa: S311 - test timing, not secrets
    seen: list[Counts] = []
    committed: set[tuple[Any, ...]] = set()
    # Rounds go on past ``rounds`` (on a loaded machine) until the kills have fallen across whole foundings.
    while len(seen) < rounds or not (seen[-1].reminders and seen[-1].approved and seen[-1].closed):
        assert len(seen) < 5 * rounds, f"the workers hardly got anywhere: {seen[-1]}"
        assert child.kill_after(reader.url, rng.uniform(0.010, 0.300)) == "signal 9"
        reader.wait_for_dead_clients()
        seen.append(assert_consistent(reader))
        # What a killed worker committed stays, as it was; the next worker went on from there.
        events = set(reader.last["events"])
        assert committed <= events
        committed = events


@pytest.mark.parametrize("backend", BACKENDS)
def test_d2_crash_before_every_statement_leaves_whole_decisions(child, reader_of, backend, tmp_path):
    """Also N-1 under crashes: the reminder's outbox row appears with its event or not at all."""
    reader = reader_of(database(backend, tmp_path))
    store = SqlStore(reader.url)
    world.found_until_submitted(world.engine(store=store))
    store.close()
    start = assert_consistent(reader)
    snapshot = reader.last
    seen: list[Counts] = []
    for n in itertools.count(1):
        reader.restore(snapshot, reader.last)
        status = child.crash_before(reader.url, n)
        reader.wait_for_dead_clients()
        seen.append(assert_consistent(reader))
        if status == "exit 0":
            break
        assert status == f"exit {crash_child.CRASHED}", f"the worker failed before statement {n}"
    # The crashes fell before, between and after the reminder and the approval.
    assert sorted({c.events - start.events for c in seen}) == [0, 1, 2]
    assert sorted({(c.reminders, c.approved) for c in seen}) == [(0, 0), (1, 0), (1, 1)]
    assert seen[-1] == Counts(cases=1, events=start.events + 2, reminders=1, approved=1, closed=0)
    assert len(seen) > 30  # every statement of both decisions had its crash


# ------------------------------------------------------------------------------------------- D-3, N-1


def injected(store: SqlStore) -> Exception:
    """The error the database driver raises for a failed read or write."""
    error: type[Exception] = store._engine.dialect.loaded_dbapi.OperationalError
    return error("injected I/O error")


@contextlib.contextmanager
def failing(store: SqlStore, where: str, n: int) -> Iterator[list[int]]:
    """The store's ``n``-th execute (or commit) raises the driver's error; yields ``[calls so far]``."""
    calls = [0]
    if where == "execute":

        def before(*_args: object) -> None:
            calls[0] += 1
            if calls[0] == n:
                raise injected(store)

        sa.event.listen(store._engine, "before_cursor_execute", before)
        try:
            yield calls
        finally:
            sa.event.remove(store._engine, "before_cursor_execute", before)
        return
    dialect = store._engine.dialect
    real = dialect.do_commit

    def do_commit(dbapi_connection: Any) -> None:
        calls[0] += 1
        if calls[0] == n:
            raise injected(store)
        real(dbapi_connection)

    dialect.do_commit = do_commit  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        del dialect.do_commit


@contextlib.contextmanager
def watching_commits(store: SqlStore) -> Iterator[list[int]]:
    """Count the decisions the store wrote (``Store.commit`` returned) while the block runs."""
    written = [0]
    real = store.commit

    def commit(record: Commit) -> None:
        real(record)
        written[0] += 1

    store.commit = commit  # type: ignore[method-assign]
    try:
        yield written
    finally:
        del store.commit


def every_fault(
    reader: Reader,
    engine: Engine,
    where: str,
    decision: Callable[[], object],
    unchanged: Callable[[SqlStore], None],
) -> int:
    """Fail the decision at its 1st, 2nd ... execute (or commit) until it gets through; the faults that stopped it.

    After each fault the caller got a StorageError, every table is as it was, and a new store reads nothing of the
    decision (``unchanged``), nor does the engine's own store.  ``decision`` may go on after its one write (a tick
    looks for scheduled cases); a fault there still raises, with the decision written whole.
    """
    store = engine.store
    assert isinstance(store, SqlStore)
    before = reader.dump()
    fresh = SqlStore(reader.url, create=False)  # its own connections: it reads what the database holds
    try:
        for n in itertools.count(1):
            with failing(store, where, n) as calls, watching_commits(store) as written:
                try:
                    decision()
                except StorageError:
                    assert calls[0] == n
                except ConflictError as exc:  # pragma: no cover - the message tells which
                    pytest.fail(f"an I/O error at {where} {n} surfaced as a conflict: {exc!r}")
                else:
                    assert calls[0] < n
                    return n - 1
            if written[0]:
                assert written == [1]
                return n - 1
            assert reader.dump() == before, f"the decision failed at {where} {n} but wrote"
            unchanged(fresh)
            unchanged(store)
    finally:
        fresh.close()
    raise AssertionError  # pragma: no cover - count() never ends


#: How many faults at least stop a decision: every statement may fail; a decision reads in one session (whose
#: read transaction is never committed) and commits once, so one commit fault stops it.
FAULTS = {"execute": 4, "commit": 1}


@pytest.mark.parametrize("where", ["execute", "commit"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_d3_an_io_error_anywhere_in_a_decision_writes_nothing(reader_of, backend, where, tmp_path):
    reader = reader_of(database(backend, tmp_path))
    store = SqlStore(reader.url)
    engine = world.engine(store=store)
    try:
        case_id = world.found_until_submitted(engine)
        submitted = engine.case(case_id)
        cases = len(list(store.cases()))

        def not_reminded(read: SqlStore) -> None:
            assert read.case(case_id) == submitted
            assert read.outbox() == []
            assert len(read.timers(case_id)) == 1

        assert every_fault(reader, engine, where, lambda: engine.tick(LATER), not_reminded) >= FAULTS[where]
        reminded = engine.case(case_id)
        assert reminded.version == submitted.version + 1
        assert len(store.outbox()) == 1
        assert engine.tick(LATER).reminded == ()  # written once, whether or not the tick went on to fail

        def not_approved(read: SqlStore) -> None:
            assert read.case(case_id) == reminded
            assert read.unit("g-new").status == "proposed"
            assert read.idempotency("approve-1") is None

        def approve() -> None:
            engine.fire(case_id, "approve", "btv-1", documents=world.DECISION, idempotency_key="approve-1")

        assert every_fault(reader, engine, where, approve, not_approved) >= FAULTS[where]
        assert engine.case(case_id).state == "approved"
        assert store.unit("g-new").status == "active"

        def not_opened(read: SqlStore) -> None:
            assert len(list(read.cases())) == cases
            with pytest.raises(NotFound):
                read.unit("g-other")

        def open_case() -> None:
            engine.open(FOUNDING, world.new_group("g-other"), "officer-1", idempotency_key="open-1")

        assert every_fault(reader, engine, where, open_case, not_opened) >= FAULTS[where]
        assert store.unit("g-other").status == "proposed"
        assert assert_consistent(reader).cases == cases + 1
    finally:
        store.close()


def submitted_cases(url: str, count: int) -> tuple[SqlStore, Engine, list[str]]:
    store = SqlStore(url)
    engine = world.engine(store=store)
    return (
        store,
        engine,
        [world.found_until_submitted(engine, unit=world.new_group(f"g-{i}")) for i in range(count)],
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_n1_one_outbox_row_per_committed_reminder(reader_of, backend, tmp_path):
    reader = reader_of(database(backend, tmp_path))
    store, engine, case_ids = submitted_cases(reader.url, 3)
    try:
        assert store.outbox() == []
        report = engine.tick(LATER)
        assert len(report.reminded) == 3
        messages = store.outbox()
        reminders = {
            (e.case_id, e.seq): e for c in case_ids for e in engine.history(c) if e.kind == "reminded"
        }
        assert sorted((m.case_id, m.seq) for m in messages) == sorted(reminders)
        for message in messages:
            assert message.key == f"{message.case_id}:{message.seq}:deadline"
            assert message.topic == "deadline.reminder"
            assert message.payload["transition"] == reminders[message.case_id, message.seq].transition
            assert message.payload["to"]
        assert engine.tick(LATER).reminded == ()  # the timers went with the reminders
        assert store.outbox() == messages
        assert assert_consistent(reader).reminders == 3
    finally:
        store.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_n1_a_rolled_back_reminder_leaves_no_outbox_row(reader_of, backend, tmp_path):
    reader = reader_of(database(backend, tmp_path))
    store, engine, (case_id,) = submitted_cases(reader.url, 1)
    try:
        before = reader.dump()

        def fail_at_outbox(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
            if statement.lstrip().upper().startswith("INSERT INTO OUTBOX"):
                raise injected(store)

        # The reminder's event is written first; the outbox row fails; the event goes with it.
        sa.event.listen(store._engine, "before_cursor_execute", fail_at_outbox)
        try:
            with pytest.raises(StorageError):
                engine.tick(LATER)
        finally:
            sa.event.remove(store._engine, "before_cursor_execute", fail_at_outbox)
        assert reader.dump() == before
        # A batch that ends in an error takes its reminders and their rows back.
        inside: list[int] = []

        def abandoned() -> None:
            with engine.batch():
                inside.extend((len(engine.tick(LATER).reminded), len(store.outbox())))
                raise RuntimeError("abandon")

        with pytest.raises(RuntimeError, match="abandon"):
            abandoned()
        assert inside == [1, 1]  # the block saw its own reminder and row
        assert reader.dump() == before
        assert len(engine.tick(LATER).reminded) == 1
        ((_, seq),) = [(m.case_id, m.seq) for m in store.outbox()]
        assert engine.history(case_id)[seq - 1].kind == "reminded"
        assert assert_consistent(reader).reminders == 1
    finally:
        store.close()


# ------------------------------------------------------------------------------------------- D-4, D-5


def test_d4_a_full_disk_fails_the_decision_whole_and_the_next_succeeds(reader_of, tmp_path):
    reader = reader_of(database("sqlite", tmp_path))
    store = SqlStore(reader.url)
    engine = world.engine(store=store)
    cap: dict[str, int | None] = {"pages": None}

    @sa.event.listens_for(store._engine, "connect")
    def _limit(dbapi_connection: Any, _record: object) -> None:
        if cap["pages"] is not None:
            dbapi_connection.execute(f"PRAGMA max_page_count={cap['pages']}")

    try:
        pages = store._run(lambda conn: conn.exec_driver_sql("PRAGMA page_count").scalar(), write=False)
        cap["pages"] = pages + 2
        store._engine.dispose()  # new connections, capped
        long_name = "Tổ hội nghề nghiệp trồng cam " * 100
        for i in itertools.count():
            assert i < 200, "the cap was never reached"
            unit = Unit(f"g-{i}", "group", long_name, "c-1", kind="professional", trade="cam")
            before = reader.dump()
            try:
                engine.open(FOUNDING, unit, "officer-1")
            except StorageError as exc:
                failure = str(exc)
                break
        assert "full" in failure
        assert reader.dump() == before
        with pytest.raises(NotFound):
            store.unit(unit.id)
        cap["pages"] = None
        store._engine.dispose()
        case = engine.open(FOUNDING, unit, "officer-1")
        assert store.case(case.id) == case
        assert store.unit(unit.id).status == "proposed"
        assert assert_consistent(reader).cases == i + 1
    finally:
        store.close()


@pytest.mark.parametrize(
    ("options", "synchronous"),
    [({}, 2), ({"synchronous": "NORMAL"}, 1), ({"synchronous": "EXTRA"}, 3), ({"synchronous": "OFF"}, 0)],
)
def test_d5_sqlite_settings_hold_on_every_pooled_connection(tmp_path, options, synchronous):
    url = f"sqlite:///{tmp_path / 'settings.db'}"
    expected = {"journal_mode": "wal", "synchronous": synchronous, "foreign_keys": 1, "busy_timeout": 4321}
    for _ in range(2):  # a new file, then the same file opened again
        store = SqlStore(url, busy_timeout_ms=4321, **options)
        try:
            assert store.pragmas() == expected
            with contextlib.ExitStack() as stack:
                conns = [stack.enter_context(store._engine.connect()) for _ in range(6)]
                assert len({id(c.connection.dbapi_connection) for c in conns}) == 6
                for conn in conns:
                    found = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in expected}
                    assert found == expected
        finally:
            store.close()
    with contextlib.closing(sqlite3.connect(tmp_path / "settings.db")) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)  # kept in the file itself


def test_d5_postgresql_reads_committed_and_survives_dropped_connections(postgres_db):
    store = SqlStore(postgres_db)
    try:
        store.put_org(units=world.units(), members=world.members(), actors=world.actors())
        with contextlib.ExitStack() as stack:
            conns = [stack.enter_context(store._engine.connect()) for _ in range(4)]
            for conn in conns:
                assert conn.get_isolation_level() == "READ COMMITTED"
        for write in (False, True):
            shown = store._run(
                lambda conn: conn.exec_driver_sql("SHOW transaction_isolation").scalar(), write=write
            )
            assert shown == "read committed"
        # The server drops every pooled connection; the store reconnects instead of failing.
        with contextlib.closing(Reader(postgres_db)) as admin, admin.connect() as conn:
            ended = conn.execute(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar()
        assert ended
        assert store.unit("c-1").name == world.units()[3].name
        store.put_org(members=[world.farmer(40)])
        assert store.member("f40") == world.farmer(40)
    finally:
        store.close()

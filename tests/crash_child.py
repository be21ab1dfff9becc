"""The crash tests' child process: it forks workers that fire transitions until they are killed or crash on purpose.

Started once by ``test_storage_durability.py`` (``python tests/crash_child.py``), it imports hoinghe, loads the
profile and builds one engine per database once, then forks a worker from that ready state for each command.  A
fresh interpreter per round would spend about a second importing and loading before the first statement; forking
the pytest process itself is unsafe (it may run threads), while this process runs none and holds no connection
when it forks (its stores' pools are disposed first).

Commands, one a line on stdin; answers, one a line on stdout:

``loop URL``
    fork a worker that advances founding cases until killed (D-1); answer ``pid N`` at once and
    ``status ...`` when the worker has ended (the parent kills it).
``crash URL N``
    fork a worker that runs :func:`sequence` and calls ``os._exit(CRASHED)`` just before its ``N``-th SQL statement
    (D-2, N-1); answer ``status ...`` when it has ended.

``status`` is ``exit CODE`` or ``signal NUMBER``.  A worker that meets an error prints it on stderr and exits with
:data:`FAILED`; one that finishes :func:`sequence` exits with 0.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import random
import sys
import time
import traceback
import uuid
from typing import Any

import sqlalchemy as sa

import world
from hoinghe import Engine, SqlStore
from hoinghe.records import Case

FOUNDING = "found-professional-group"
LATER = world.START + dt.timedelta(days=60)  # past every founding's 15-working-day reminder
CRASHED = 71
FAILED = 3
OPEN_CASES = 4  # the loop opens a new case when fewer are running
LOOP_LIMIT = 20.0  # seconds: a looping worker the parent never killed (it was interrupted) stops by itself

_ids: dict[str, Any] = {"prefix": "z", "counter": itertools.count(1)}


def new_id(prefix: str) -> str:
    """Ids of this worker: its own prefix, then a counter (deterministic from the fork on)."""
    return f"{prefix}-{_ids['prefix']}-{next(_ids['counter'])}"


# ------------------------------------------------------------------------------------------- the loop (D-1)


def open_case(engine: Engine, rng: random.Random) -> None:
    unit = world.new_group(new_id("g"))
    key = new_id("open") if rng.random() < 0.5 else None
    engine.open(FOUNDING, unit, "officer-1", idempotency_key=key)


def step(case: Case, rng: random.Random) -> tuple[str, str, dict[str, Any]]:
    """The transition, actor and options that take the founding case one step on, among those it allows."""
    draw = rng.random()
    match case.state:
        case "proposed" if draw < 0.05:
            return "withdraw", "btv-1", {}
        case "mobilizing":
            members = sorted(rng.sample([f"f{i}" for i in range(1, 13)], rng.randint(5, 8)))
            documents = {k: world.DOSSIER[k] for k in ("voluntary_applications", "member_list")}
            return "collect_applications", "officer-1", {"documents": documents, "data": {"members": members}}
        case "applications_collected":
            roster = case.data["members"]
            documents = {
                k: world.DOSSIER[k] for k in ("founding_minutes", "operating_rules", "activity_plan")
            }
            leaders = {"group_leader": roster[0], "group_deputy": roster[1]}
            return (
                "hold_founding_meeting",
                "officer-1",
                {"documents": documents, "data": {"leaders": leaders}},
            )
        case "dossier_submitted" if draw < 0.15:
            return "return_dossier", "btv-1", {}
        case "dossier_submitted" if draw < 0.3:
            return "reject", "bch-1", {}
    return SIMPLE_STEPS[case.state]


#: The one way on from these states.
SIMPLE_STEPS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "proposed": ("survey", "officer-1", {"documents": {"survey_report": "file:///khao-sat.pdf"}}),
    "surveyed": ("start_outreach", "officer-1", {}),
    "founding_meeting_held": (
        "submit_dossier",
        "officer-1",
        {"documents": {"request_to_found": world.DOSSIER["request_to_found"]}},
    ),
    "dossier_submitted": ("approve", "btv-1", {"documents": world.DECISION}),
    "approved": ("launch", "officer-1", {}),
}


def advance(engine: Engine, case_id: str, rng: random.Random) -> None:
    if engine.store.timers(case_id):
        engine.tick(LATER)  # the reminder is due: an event and an outbox row in one commit
        return
    transition, actor, options = step(engine.case(case_id), rng)
    key = new_id("key") if rng.random() < 0.5 else None
    engine.fire(case_id, transition, actor, idempotency_key=key, **options)


def loop(engine: Engine) -> None:
    """Advance founding cases until killed, from wherever the last (killed) worker left them."""
    rng = random.Random(uuid.uuid4().int)  # noqa: S311 - test data, not secrets
    deadline = time.monotonic() + LOOP_LIMIT
    while time.monotonic() < deadline:
        running = [c.id for c in engine.store.cases(workflow=FOUNDING, closed=False)]
        if len(running) < OPEN_CASES or rng.random() < 0.1:
            open_case(engine, rng)
        else:
            advance(engine, rng.choice(running), rng)
    msg = f"nobody killed this worker in {LOOP_LIMIT} s"
    raise AssertionError(msg)


# ------------------------------------------------------------------------------------------- the sequence (D-2)


def sequence(engine: Engine) -> None:
    """Two decisions touching every table a decision writes: events, cases, units, timers, outbox, idempotency keys.

    The test leaves one case waiting for its reminder at ``dossier_submitted``.
    """
    (case_id,) = [c.id for c in engine.store.cases(state="dossier_submitted")]
    report = engine.tick(LATER)  # the reminder: an event, an outbox row and a done timer
    if len(report.reminded) != 1:
        msg = f"expected the reminder of {case_id}, got {report}"
        raise AssertionError(msg)
    engine.fire(case_id, "approve", "btv-1", documents=world.DECISION, idempotency_key="d2-approve")


def crash_before(store: SqlStore, n: int) -> None:
    """Exit at once, as a crash would, just before the store's ``n``-th SQL statement."""
    seen = itertools.count(1)

    @sa.event.listens_for(store._engine, "before_cursor_execute")  # the test-only hook
    def _count(*_args: object) -> None:
        if next(seen) == n:
            os._exit(CRASHED)


# ------------------------------------------------------------------------------------------- the process


class _WarmUp(Exception):
    """Ends the warm-up batch, so that it writes nothing."""


def prepared(engines: dict[str, Engine], url: str) -> Engine:
    """The engine on ``url``, warmed up so that a worker writes within milliseconds of its fork.

    A founding run through in a batch that is then abandoned fills what is built on first use (compiled SQL
    statements, rule sets) and writes nothing.  The store's connections are closed before any fork: a worker opens
    its own, as a restarted process would.
    """
    engine = engines.get(url)
    if engine is None:
        store = SqlStore(url)
        engine = engines[url] = world.engine(store=store, ids=new_id)
        with contextlib.suppress(_WarmUp), engine.batch():
            case_id = world.found_until_submitted(engine, unit=world.new_group(new_id("g-warm-up")))
            engine.tick(LATER)
            engine.fire(case_id, "approve", "btv-1", documents=world.DECISION, idempotency_key=new_id("k"))
            engine.fire(case_id, "launch", "officer-1")
            raise _WarmUp
        store.close()
    return engine


def work(engine: Engine, command: list[str]) -> None:
    """The worker's life after the fork; it never returns."""
    code = 0
    try:
        os.dup2(2, 1)  # the answers go to the parent on stdout; a worker must never write there
        if command[0] == "loop":
            _ids["prefix"] = uuid.uuid4().hex[:10]
            loop(engine)
        else:
            store = engine.store
            assert isinstance(store, SqlStore)
            crash_before(store, int(command[2]))
            sequence(engine)
    except BaseException:  # noqa: BLE001 - whatever it is, the parent hears of it by the exit code
        traceback.print_exc()
        code = FAILED
    sys.stderr.flush()
    os._exit(code)


def status(pid: int) -> str:
    _, raw = os.waitpid(pid, 0)
    return f"signal {os.WTERMSIG(raw)}" if os.WIFSIGNALED(raw) else f"exit {os.waitstatus_to_exitcode(raw)}"


def answer(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> None:
    engines: dict[str, Engine] = {}
    for line in sys.stdin:
        command = line.split()
        engine = prepared(engines, command[1])
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            work(engine, command)
        if command[0] == "loop":
            answer(f"pid {pid}")
        answer(f"status {status(pid)}")


if __name__ == "__main__":
    main()

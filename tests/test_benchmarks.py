"""The benchmarks never rot: a quick run completes and reports every figure (timings are not asserted)."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # the benchmarks package sits beside src/ and is not installed

from benchmarks.engine import DOCUMENTS, OFFICER, SUBJECT, WORKFLOW  # noqa: E402
from benchmarks.storage import Replay, record, round_trip, sql_engine  # noqa: E402

FIRE = "fire: Engine.fire (role, document, 3 rules, commit) vs bare transitions trigger"
STATEMACHINE = "fire: Engine.fire vs python-statemachine send with one guard"
MEMORY = "memory: open case in a MemoryStore vs model on a transitions machine"
DURABLE = {
    "FULL": "sqlite: durable Engine.fire, synchronous FULL, vs sqlite3 replaying its statements",
    "NORMAL": "sqlite: durable Engine.fire, synchronous NORMAL, vs sqlite3 replaying its statements",
}
BATCH = "sqlite: fires per second in one Engine.batch (NORMAL) vs sqlite3 replaying them"
POSTGRES = {
    1: "postgresql: fires per second, 1 writer process, vs psycopg replaying its statements",
    2: "postgresql: fires per second, 2 writer processes, vs psycopg replaying their statements",
}


def test_quick_benchmark_run_reports_every_figure(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(out.read_text())["results"]
    assert figures["rule: compiled rule vs hand-written function"]["ratio"] > 0
    assert figures["loading: read and check every shipped file"]["documents"] >= 19
    assert figures[FIRE]["ours_s"] > 0
    assert figures[FIRE]["floor_s"] > 0
    assert figures[FIRE]["budget_ratio"] == 2.0
    # python-statemachine is the `bench` extra, which CI does not install: either figure is a valid report.
    assert figures[STATEMACHINE].get("ratio", 0) > 0 or figures[STATEMACHINE] == {"installed": False}
    assert figures[MEMORY]["ours_b"] > 0
    assert figures[MEMORY]["floor_b"] > 0
    assert figures[MEMORY]["cases"] == 200
    for synchronous, name in DURABLE.items():
        assert figures[name]["synchronous"] == synchronous
        assert figures[name]["ours_s"] > 0
        assert figures[name]["floor_s"] > 0
        assert figures[name]["budget_ratio"] == 1.5
    assert figures[BATCH]["ours_fires_per_s"] > 0
    assert figures[BATCH]["floor_fires_per_s"] > 0
    assert figures[BATCH]["budget_fires_per_s"] == 30_000
    # PostgreSQL is required by this suite (tests/pg.py), so here its rows must carry figures.
    for writers, name in POSTGRES.items():
        assert figures[name]["available"] is True, figures[name]
        assert figures[name]["writers"] == writers
        assert figures[name]["ours_fires_per_s"] > 0
        assert figures[name]["floor_fires_per_s"] > 0
    province = figures["simulation: one province (Tuyên Quang) through the engine vs a dict state table"]
    assert province["fires"] > 0
    assert province["cases"] > 0
    assert province["ours_peak_bytes"] > province["floor_peak_bytes"] > 0
    assert "(budget 1.5x)" in result.stdout
    assert result.stdout.startswith("| benchmark |")
    rows = result.stdout.splitlines()[2:]
    assert [row.split(" | ")[0].removeprefix("| ") for row in rows] == list(figures)


def test_the_statemachine_row_says_not_installed_when_the_extra_is_absent():
    # A None entry in sys.modules makes `import statemachine` raise ImportError, as on a machine without it.
    script = (
        "import sys; sys.modules['statemachine'] = None\n"
        "from benchmarks.__main__ import _row\n"
        "from benchmarks.engine import bench_fire_statemachine, bench_fire_transitions\n"
        "result = bench_fire_statemachine(True)\n"
        "assert bench_fire_transitions(True)['ratio'] > 0, 'the transitions row still runs'\n"
        "print(result)\n"
        "print(_row('psm', result))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "{'installed': False}",
        "| psm | | | not installed (`pip install -e '.[bench]'`) |",
    ]


def test_the_postgresql_rows_say_not_available_when_no_server_answers():
    # A server URL nobody listens on stands for a machine without PostgreSQL: the rows say so, nothing fails.
    script = (
        "from benchmarks.__main__ import _row\n"
        "from benchmarks.storage import bench_postgres_two\n"
        "result = bench_postgres_two(True)\n"
        "print(result['available'], result['writers'])\n"
        "print(_row('pg', result))\n"
    )
    env = {**os.environ, "HOINGHE_TEST_POSTGRES_URL": "postgresql+psycopg://nobody@127.0.0.1:1/postgres"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["False 2", "| pg | | | PostgreSQL not available |"]


def test_the_sqlite3_floor_replays_a_recorded_fire_as_further_fires(tmp_path):
    # The floor is only fair if each replayed fire does a fire's writes: the case row moves on, an event is added.
    engine = sql_engine(f"sqlite:///{tmp_path}/floor.db", synchronous="NORMAL")
    case_id = engine.open(WORKFLOW, SUBJECT, OFFICER).id
    round_trip(engine, case_id)()
    statements = record(engine, lambda: engine.fire(case_id, "go", OFFICER, documents=DOCUMENTS))
    engine.store.close()
    sqls = [s.sql.split()[0] for s in statements]
    # The decision's reads: the case and the organisation's version (the actor, the units and the members come
    # from the store's cache after the warm-up round trip).
    assert sqls.count("SELECT") >= 2
    assert {"UPDATE", "INSERT"} <= set(sqls)
    assert not any(sql.startswith("BEGIN") for sql in sqls)
    replay = Replay(statements)
    conn = sqlite3.connect(tmp_path / "floor.db", isolation_level=None)
    try:
        cursor = conn.cursor()
        for _ in range(3):
            cursor.execute("BEGIN IMMEDIATE")
            replay.fire(cursor)
            cursor.execute("COMMIT")
        version = conn.execute("SELECT version FROM cases WHERE id = ?", (case_id,)).fetchone()[0]
        seqs = [
            row[0]
            for row in conn.execute("SELECT seq FROM events WHERE case_id = ? ORDER BY seq", (case_id,))
        ]
    finally:
        conn.close()
    assert replay.fired == 3
    assert version == 4 + 3  # opened (1), go, back, the recorded go (4), then three replayed fires
    assert seqs == list(range(1, 8))

"""Run hoinghe's benchmarks and print a table; ``--json FILE`` also writes the figures.

These machines are shared and noisy, so each comparison runs both sides in the same process, interleaved, with
repetitions, and reports medians and their ratio.  ``--quick`` runs a few repetitions only (CI uses it so the
benchmarks never rot; CI asserts nothing about the timings).

    python -m benchmarks            # the full run quoted in the README
    python -m benchmarks --quick    # a smoke run
    python -m benchmarks --country  # also the whole pre-2025 country through the simulator (minutes)

The python-statemachine row needs the ``bench`` extra (``pip install -e '.[bench]'``); without it the row says
"not installed" and the rest runs as usual.  The PostgreSQL rows start a throwaway server with ``tests/pg.py`` (or
use ``HOINGHE_TEST_POSTGRES_URL``); where none can be had they say "PostgreSQL not available".  The engine
benchmarks are in :mod:`benchmarks.engine`, the storage ones in :mod:`benchmarks.storage`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.engine import bench_fire_statemachine, bench_fire_transitions, bench_memory
from benchmarks.simulation import bench_country, bench_province
from benchmarks.storage import (
    bench_batch,
    bench_durable_full,
    bench_durable_normal,
    bench_postgres_one,
    bench_postgres_two,
)
from hoinghe.loading import Library, shipped_path
from hoinghe.rules import INT, compile_expression, facts_schema


def _per_call(fn: Callable[[], object], number: int) -> float:
    return timeit.timeit(fn, number=number) / number


def paired(
    ours: Callable[[], object], floor: Callable[[], object], *, number: int, repeat: int
) -> dict[str, float]:
    """Median seconds per call of each side, measured in alternation, and their ratio."""
    a, b = [], []
    for _ in range(repeat):
        a.append(_per_call(ours, number))
        b.append(_per_call(floor, number))
    ours_s, floor_s = statistics.median(a), statistics.median(b)
    return {"ours_s": ours_s, "floor_s": floor_s, "ratio": ours_s / floor_s}


def bench_rule(quick: bool) -> dict[str, Any]:
    """One compiled rule against a hand-written Python function doing the same lookups and comparison."""
    schema = facts_schema({"group_min_members": INT})
    rule = compile_expression("subject.union_member_count >= params.group_min_members", schema)
    facts = {"subject": {"union_member_count": 3}, "params": {"group_min_members": 5}}

    def hand(f: dict[str, Any]) -> bool:
        return bool(f["subject"]["union_member_count"] >= f["params"]["group_min_members"])

    assert rule.evaluate(facts) is hand(facts) is False  # both sides must agree
    result = paired(
        lambda: rule.evaluate(facts),
        lambda: hand(facts),
        number=20_000 if quick else 500_000,
        repeat=3 if quick else 9,
    )
    return {**result, "budget_ratio": 5.0}


def bench_loading(quick: bool) -> dict[str, Any]:
    """Reading and checking every shipped profile, workflow and rule pack."""
    times = []
    for _ in range(2 if quick else 7):
        start = time.perf_counter()
        library = Library.from_paths(shipped_path())
        problems = library.check()
        times.append(time.perf_counter() - start)
    assert problems == []
    return {"median_s": statistics.median(times), "documents": len(library.documents), "budget_s": 1.0}


def bench_startup(quick: bool) -> dict[str, Any]:
    """``hoinghe --help``, against a bare ``python -c pass`` (the interpreter's own start-up)."""

    def run(args: list[str]) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], capture_output=True, check=True)  # noqa: S603
        return time.perf_counter() - start

    ours, floor = [], []
    for _ in range(2 if quick else 7):
        ours.append(run(["-m", "hoinghe.cli", "--help"]))
        floor.append(run(["-c", "pass"]))
    return {"ours_s": statistics.median(ours), "floor_s": statistics.median(floor)}


BENCHMARKS: dict[str, Callable[[bool], dict[str, Any]]] = {
    "rule: compiled rule vs hand-written function": bench_rule,
    "loading: read and check every shipped file": bench_loading,
    "start-up: hoinghe --help vs python -c pass": bench_startup,
    "fire: Engine.fire (role, document, 3 rules, commit) vs bare transitions trigger": bench_fire_transitions,
    "fire: Engine.fire vs python-statemachine send with one guard": bench_fire_statemachine,
    "memory: open case in a MemoryStore vs model on a transitions machine": bench_memory,
    "sqlite: durable Engine.fire, synchronous FULL, vs sqlite3 replaying its statements": bench_durable_full,
    "sqlite: durable Engine.fire, synchronous NORMAL, vs sqlite3 replaying its statements": bench_durable_normal,
    "sqlite: fires per second in one Engine.batch (NORMAL) vs sqlite3 replaying them": bench_batch,
    "postgresql: fires per second, 1 writer process, vs psycopg replaying its statements": bench_postgres_one,
    "postgresql: fires per second, 2 writer processes, vs psycopg replaying their statements": bench_postgres_two,
    "simulation: one province (Tuyên Quang) through the engine vs a dict state table": bench_province,
}
#: Minutes long: run with --country.
COUNTRY = {"simulation: the pre-2025 country (10,051 communes) vs a dict state table": bench_country}


_MICROSECONDS_FROM = 1e-5  # shorter times read better in nanoseconds


def _time(seconds: float) -> str:
    return f"{seconds * 1e9:,.0f} ns" if seconds < _MICROSECONDS_FROM else f"{seconds * 1e6:,.0f} µs"


def _row(name: str, r: dict[str, Any]) -> str:
    if r.get("installed") is False:
        return f"| {name} | | | not installed (`pip install -e '.[bench]'`) |"
    if r.get("available") is False:
        return f"| {name} | | | PostgreSQL not available |"
    if "ours_peak_bytes" in r:
        return (
            f"| {name} | {r['ours_s']:,.1f} s, peak {r['ours_peak_bytes'] / 2**20:,.0f} MiB | "
            f"{r['floor_s']:,.2f} s, peak {r['floor_peak_bytes'] / 2**20:,.0f} MiB | {r['ratio']:,.0f}x "
            f"({r['fires']:,} transitions of {r['cases']:,} cases) |"
        )
    if "ours_fires_per_s" in r:
        budget = f" (budget {r['budget_fires_per_s']:,} fires/s)" if "budget_fires_per_s" in r else ""
        return f"| {name} | {r['ours_fires_per_s']:,.0f} fires/s | {r['floor_fires_per_s']:,.0f} fires/s | {r['ratio']:.2f}x{budget} |"
    if "ours_b" in r:
        return f"| {name} | {r['ours_b']:,.0f} B per case | {r['floor_b']:,.0f} B per model | {r['ratio']:.2f}x ({r['cases']:,} of each) |"
    if "ratio" in r:
        budget = f" (budget {r['budget_ratio']:g}x)" if "budget_ratio" in r else ""
        return f"| {name} | {_time(r['ours_s'])} | {_time(r['floor_s'])} | {r['ratio']:.2f}x{budget} |"
    if "floor_s" in r:
        return f"| {name} | {r['ours_s'] * 1e3:,.0f} ms | {r['floor_s'] * 1e3:,.0f} ms | +{(r['ours_s'] - r['floor_s']) * 1e3:,.0f} ms |"
    return f"| {name} | {r['median_s'] * 1e3:,.0f} ms for {r['documents']} documents | | budget {r['budget_s'] * 1e3:,.0f} ms |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few repetitions only (a smoke run)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--country", action="store_true", help="also simulate the whole country (minutes)")
    args = parser.parse_args(argv)
    chosen = {**BENCHMARKS, **(COUNTRY if args.country else {})}
    results = {name: fn(args.quick) for name, fn in chosen.items()}
    print("| benchmark | hoinghe | floor | ratio |")
    print("|---|---|---|---|")
    for name, result in results.items():
        print(_row(name, result))
    if args.json:
        report = {"python": sys.version.split()[0], "quick": args.quick, "results": results}
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

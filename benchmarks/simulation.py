"""Simulation benchmarks: a province and the whole pre-2025 country through the real engine, against a floor.

Each run happens in a child process of its own, so its peak memory (``VmHWM``, the high-water mark of the
process's resident memory, which starts afresh at ``exec``) is the run's and nothing else's.  The floor moves the same number of cases through the same numbers of transitions with a dict-based state
table (``table[state][transition] -> state``) and an event list per case: the least any engine could do in Python.

The country row takes minutes; ``python -m benchmarks --country`` runs it, and ``--quick`` swaps the province for a
small synthetic world.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

_CHILD = textwrap.dedent("""
    import json, sys, time
    from hoinghe.sim import Scenario, simulate

    spec = json.loads(sys.argv[1])
    scenario = Scenario(province=spec.get("province"), synthetic=tuple(spec["synthetic"]) if spec.get("synthetic") else None)
    scenario.world(), scenario.load_plan()  # reading the geography and the definitions is not the run
    began = time.perf_counter()
    rollout = simulate(scenario, seed=0)
    seconds = time.perf_counter() - began
    cases = sum(1 for _ in rollout.store.cases())
    fires = rollout.counts["fires"]
    peak = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    print(json.dumps({"seconds": seconds, "cases": cases, "fires": fires, "peak_bytes": peak}))
""")

_FLOOR = textwrap.dedent("""
    import json, sys, time

    cases, fires = int(sys.argv[1]), int(sys.argv[2])
    states = ["proposed", "surveyed", "mobilizing", "applications_collected", "founding_meeting_held",
              "dossier_submitted", "approved", "launched"]
    table = {a: {f"t{i}": b} for i, (a, b) in enumerate(zip(states, states[1:]))}
    names = {a: next(iter(moves)) for a, moves in table.items()}
    began = time.perf_counter()
    store = {f"case-{n}": {"state": "proposed", "events": []} for n in range(cases)}
    done = 0
    ids = list(store)
    while done < fires:
        for case_id in ids:
            case = store[case_id]
            moves = table.get(case["state"])
            if moves is None:
                case["state"] = "proposed"  # round again: the floor only has to make as many moves
                continue
            name = names[case["state"]]
            case["events"].append((name, case["state"], done))
            case["state"] = moves[name]
            done += 1
            if done == fires:
                break
    seconds = time.perf_counter() - began
    peak = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    print(json.dumps({"seconds": seconds, "peak_bytes": peak}))
""")


def _child(code: str, *args: str) -> dict[str, Any]:
    result = subprocess.run(  # noqa: S603 - our own code, in this interpreter
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    out: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return out


def _bench(spec: dict[str, Any]) -> dict[str, Any]:
    ours = _child(_CHILD, json.dumps(spec))
    floor = _child(_FLOOR, str(ours["cases"]), str(ours["fires"]))
    return {
        "ours_s": ours["seconds"],
        "floor_s": floor["seconds"],
        "ratio": ours["seconds"] / floor["seconds"],
        "ours_peak_bytes": ours["peak_bytes"],
        "floor_peak_bytes": floor["peak_bytes"],
        "cases": ours["cases"],
        "fires": ours["fires"],
    }


def bench_province(quick: bool) -> dict[str, Any]:
    """Tuyên Quang (7 districts, 137 communes), 2019-08 to 2023-12, in memory; a small synthetic world when quick."""
    return _bench({"synthetic": [1, 2, 5]} if quick else {"province": "Tuyên Quang"})


def bench_country(quick: bool) -> dict[str, Any]:
    """The pre-2025 country (63 provinces, 696 districts, 10,051 communes), in memory, in one process."""
    return _bench({"synthetic": [1, 2, 5]} if quick else {})

"""Monte Carlo: many runs of one scenario with independent seeds, and the chance of meeting each target.

Replicate ``i`` of a study seeded ``s`` runs with a seed derived from ``(s, i)`` alone, so a study gives the same
result whether its replicates run in this process, in a pool of worker processes, or on a Dask cluster, and in
whatever order they finish (S-1).  Each replicate keeps only what the study needs (its counts and, per target,
how many units each district or commune founded), so a pool sends back kilobytes, not stores.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import math
import multiprocessing
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import attrs

from hoinghe.org.text import Language, Text
from hoinghe.reports import Odds, build_report
from hoinghe.sim.scenario import Scenario, simulate

__all__ = ["MonteCarlo", "Replicate", "monte_carlo", "replicate", "replicate_seed", "wilson"]


def replicate_seed(seed: int, index: int) -> int:
    """The seed of replicate ``index`` of a study seeded ``seed``: a hash, so neighbouring studies do not overlap."""
    digest = hashlib.sha256(f"hoinghe-monte-carlo:{seed}:{index}".encode()).digest()
    return int.from_bytes(digest[:6], "big")


def wilson(successes: int, runs: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95% by default): sound at 0 and 1 and for few runs."""
    if runs == 0:
        return (0.0, 1.0)
    p = successes / runs
    centre = (p + z * z / (2 * runs)) / (1 + z * z / runs)
    half = z * math.sqrt(p * (1 - p) / runs + z * z / (4 * runs * runs)) / (1 + z * z / runs)
    return (max(0.0, centre - half), min(1.0, centre + half))


@attrs.frozen
class Replicate:
    """What one run of a study keeps.

    Attributes:
        index: the replicate's number in the study.
        seed: the seed it ran with.
        counts: the run's counts (foundings, refusals, fires ...).
        founded: per applicable target, the units founded by each unit held to it (in the report's order).
        units: per applicable target, the ids of the units held to it (the same in every replicate).
        seconds: how long it ran.
    """

    index: int
    seed: int
    counts: dict[str, int]
    founded: dict[str, tuple[int, ...]]
    units: dict[str, tuple[str, ...]]
    seconds: float


def replicate(scenario: Scenario, seed: int, index: int) -> Replicate:
    """Run replicate ``index`` of ``scenario`` for a study seeded ``seed`` (a top-level function: pools pickle it)."""
    began = time.perf_counter()
    own = replicate_seed(seed, index)
    rollout = simulate(scenario, seed=own)
    report = build_report(rollout.store, rollout.world.profile.hierarchy, rollout.plan, as_of=rollout.until)
    founded = {t.id: tuple(r.founded for r in t.rows) for t in report.targets if t.applicable}
    units = {t.id: tuple(r.unit for r in t.rows) for t in report.targets if t.applicable}
    return Replicate(
        index, own, dict(sorted(rollout.counts.items())), founded, units, time.perf_counter() - began
    )


class DaskClient(Protocol):
    """The part of a ``dask.distributed.Client`` a study uses."""

    def map(self, func: Callable[..., Any], *iterables: Sequence[Any], **kwargs: Any) -> list[Any]: ...

    def gather(self, futures: list[Any]) -> list[Any]: ...


@attrs.frozen
class MonteCarlo:
    """A study's replicates, and what they say about the targets."""

    scenario: Scenario
    seed: int
    replicates: tuple[Replicate, ...]
    mins: dict[str, int]  # target id -> the minimum each unit is to found

    @property
    def runs(self) -> int:
        return len(self.replicates)

    def met_by_all(self, target: str) -> int:
        """In how many runs every unit held to ``target`` met it."""
        need = self.mins[target]
        return sum(all(n >= need for n in r.founded[target]) for r in self.replicates)

    def shares(self, target: str) -> list[float]:
        """Per run, the share of units held to ``target`` that met it."""
        need = self.mins[target]
        return [
            sum(n >= need for n in r.founded[target]) / max(1, len(r.founded[target]))
            for r in self.replicates
        ]

    def unit_odds(self, target: str) -> dict[str, float]:
        """Per unit held to ``target``, the share of runs in which it met it."""
        need = self.mins[target]
        units = self.replicates[0].units[target]
        return {
            unit: sum(r.founded[target][i] >= need for r in self.replicates) / self.runs
            for i, unit in enumerate(units)
        }

    def odds(self, language: Language = "vi") -> list[Odds]:
        """For each target: the chance that every unit held to it meets it, and the share of units that do."""
        out: list[Odds] = []
        every = "mọi đơn vị" if language == "vi" else "every unit"
        average = "tỷ lệ đơn vị đạt (trung bình)" if language == "vi" else "share of units meeting it (mean)"
        for target in self.mins:
            if not self.replicates or target not in self.replicates[0].founded:
                continue
            hits = self.met_by_all(target)
            low, high = wilson(hits, self.runs)
            out.append(Odds(target, hits / self.runs, low, high, self.runs, every))
            shares = self.shares(target)
            mean = statistics.fmean(shares)
            spread = statistics.stdev(shares) / math.sqrt(self.runs) if self.runs > 1 else 0.0
            out.append(
                Odds(
                    target,
                    mean,
                    max(0.0, mean - 1.96 * spread),
                    min(1.0, mean + 1.96 * spread),
                    self.runs,
                    average,
                )
            )
        return out

    def summary(self) -> dict[str, Any]:
        """Plain data for ``--json`` and for comparing studies: equal studies give equal summaries."""
        return {
            "runs": self.runs,
            "seed": self.seed,
            "targets": {
                target: {
                    "met_by_all": self.met_by_all(target),
                    "mean_share_met": round(statistics.fmean(self.shares(target)), 6),
                }
                for target in self.mins
                if self.replicates and target in self.replicates[0].founded
            },
            "counts": {
                key: [r.counts.get(key, 0) for r in self.replicates]
                for key in sorted({k for r in self.replicates for k in r.counts})
            },
        }


def monte_carlo(
    scenario: Scenario,
    *,
    runs: int = 20,
    seed: int = 0,
    workers: int = 1,
    client: DaskClient | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> MonteCarlo:
    """Run ``runs`` replicates of ``scenario``: here, on ``workers`` processes, or on a Dask ``client``.

    The result does not depend on how the replicates were spread: replicate ``i`` always runs with the seed
    :func:`replicate_seed` gives for ``(seed, i)``.
    """
    if runs < 1:
        msg = Text(
            f"một nghiên cứu cần ít nhất một lượt mô phỏng, không phải {runs}",
            f"a study needs at least one run, not {runs}",
        )
        raise ValueError(msg)
    plan = scenario.load_plan()
    mins = {t.id: t.min for t in plan.targets}
    indices = list(range(runs))
    done: list[Replicate] = []
    if client is not None:
        futures = client.map(replicate, [scenario] * runs, [seed] * runs, indices, pure=False)
        done = list(client.gather(futures))
    elif workers <= 1:
        for i in indices:
            done.append(replicate(scenario, seed, i))
            if progress is not None:
                progress(len(done), runs)
    else:
        context = multiprocessing.get_context("spawn")  # no fork of a process that may run threads
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            pending = [pool.submit(replicate, scenario, seed, i) for i in indices]
            for future in concurrent.futures.as_completed(pending):
                done.append(future.result())
                if progress is not None:
                    progress(len(done), runs)
    ordered = tuple(sorted(done, key=lambda r: r.index))
    return MonteCarlo(scenario, seed, ordered, mins)

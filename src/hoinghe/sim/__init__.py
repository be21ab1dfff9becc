"""Simulated rollouts through the real engine: worlds from real or synthetic geography, a behaviour model, runs.

>>> from hoinghe.sim import Scenario, simulate
>>> rollout = simulate(Scenario(synthetic=(1, 2, 4)), seed=7)
>>> rollout.counts["fires"] > 0
True
"""

from hoinghe.sim.behaviour import DEFAULT, Behaviour, Steps
from hoinghe.sim.runner import Rollout, play
from hoinghe.sim.scenario import Scenario, simulate
from hoinghe.sim.world import World, build_world, synthetic

__all__ = [
    "DEFAULT",
    "Behaviour",
    "Rollout",
    "Scenario",
    "Steps",
    "World",
    "build_world",
    "play",
    "simulate",
    "synthetic",
]

"""What to simulate: which profile and plan, over which geography, with which behaviour, until when."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence

import attrs

from hoinghe.definitions.plan import PlanDef
from hoinghe.definitions.profile import Profile
from hoinghe.loading import Library
from hoinghe.sim import geo
from hoinghe.sim.behaviour import DEFAULT, Behaviour
from hoinghe.sim.runner import Progress, Rollout, play
from hoinghe.sim.world import World, build_world, synthetic
from hoinghe.storage.base import Store

__all__ = ["Scenario", "simulate"]


@functools.cache
def _library(paths: tuple[str, ...]) -> Library:
    return Library.from_paths(*paths, shipped=True)


@attrs.frozen
class Scenario:
    """A rollout to play.

    Attributes:
        profile: the organisation profile whose workflows and rules run (``vn-2019`` has districts).
        province: a province of the geography, by name or code (``"Tuyên Quang"``, ``"08"``); the whole country
            when neither it nor ``district`` is given.
        district: a district, by name or code (within ``province`` when given).
        synthetic: (provinces, districts per province, communes per district) for a made-up geography instead.
        geography: ``vn-2019`` or ``vn-2025``; by default the one matching the profile's hierarchy.
        plan: the plan whose period and targets apply.
        start: the first simulated day; the plan's start by default.
        until: the last simulated day; the plan's deadline by default.
        behaviour: the behaviour model.
        paths: a province's own YAML (profiles, workflows, rule packs, plans), beside the shipped documents.
    """

    profile: str = "vn-2019"
    province: str | None = None
    district: str | None = None
    synthetic: tuple[int, int, int] | None = None
    geography: str | None = None
    plan: str = "nq04-2019"
    start: dt.date | None = None
    until: dt.date | None = None
    behaviour: Behaviour = DEFAULT
    paths: tuple[str, ...] = ()

    def load_profile(self) -> Profile:
        return _library(self.paths).profile(self.profile)

    def load_plan(self) -> PlanDef:
        return _library(self.paths).plan(self.plan)

    def world(self) -> World:
        """The world to play over (the geography selected, built for the profile)."""
        profile = self.load_profile()
        if self.synthetic is not None:
            return build_world(profile, synthetic(*self.synthetic))
        root = geo.country(self.geography or ("vn-2019" if "district" in profile.hierarchy else "vn-2025"))
        if self.province is None and self.district is None:
            return build_world(profile, root)
        scope = geo.select(root, province=self.province, district=self.district)
        return build_world(profile, scope, within=root)

    @property
    def name(self) -> str:
        if self.synthetic is not None:
            return "synthetic {}x{}x{}".format(*self.synthetic)
        parts: Sequence[str | None] = (self.district, self.province)
        return ", ".join(p for p in parts if p) or "Việt Nam"


def simulate(
    scenario: Scenario | None = None,
    *,
    seed: int = 0,
    store: Store | None = None,
    progress: Progress | None = None,
) -> Rollout:
    """Play ``scenario`` (the whole country on ``vn-2019`` by default) once, through the real engine.

    >>> rollout = simulate(Scenario(synthetic=(1, 2, 3)), seed=1)
    >>> rollout.counts["groups_founded"] > 0
    True
    """
    scenario = scenario or Scenario()
    return play(
        scenario.world(),
        scenario.load_plan(),
        seed=seed,
        behaviour=scenario.behaviour,
        store=store,
        start=scenario.start,
        until=scenario.until,
        progress=progress,
    )

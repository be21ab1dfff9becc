"""Simulated rollouts through the real engine: worlds, the behaviour model, determinism (D-9), Monte Carlo (S-1)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
import textwrap

import attrs
import pytest

from hoinghe import DefinitionError, SqlStore
from hoinghe.engine import replay
from hoinghe.sim import DEFAULT, Behaviour, Scenario, simulate
from hoinghe.sim.montecarlo import monte_carlo, replicate_seed, wilson
from hoinghe.storage.codec import encode

SMALL = Scenario(synthetic=(1, 3, 4), until=dt.date(2022, 12, 31))


@pytest.fixture(scope="module")
def small():
    return simulate(SMALL, seed=5)


def event_log_digest(rollout) -> str:
    digest = hashlib.sha256()
    for case in rollout.store.cases():
        for event in rollout.store.events(case.id):
            digest.update(encode(event).encode())
    return digest.hexdigest()


def test_a_rollout_founds_groups_and_branches_through_the_workflows(small):
    counts = small.counts
    assert counts["groups_founded"] > 20
    assert counts["branches_founded"] >= 1
    assert counts["fires"] > 8 * counts["groups_founded"] - 1
    founded = [u for u in small.store.units(level="group") if u.founded_on is not None]
    assert len(founded) == counts["groups_founded"]
    guidance = dt.date(2020, 7, 10)  # 205-HD/HNDTW, whose MEM-02 asks for at least 5 members, is in force
    for group in founded:
        assert small.start <= group.founded_on <= small.until
        assert group.leaders["group_leader"]
        if group.founded_on >= guidance:
            assert len(group.members) >= 5, group  # the rules held
    assert any(g.founded_on >= guidance for g in founded)
    # Faulty dossiers were refused by the rules themselves, and mended or withdrawn.
    assert counts["refusals"] >= counts["group_dossiers_refused"] > 0
    assert {k for k in counts if k.startswith("refused:")} <= {
        "refused:MEM-02",
        "refused:MEM-05",
        "refused:MEM-08",
        "refused:MEM-01",
    }


def test_every_case_of_a_rollout_replays_to_its_stored_state(small):
    report = replay(small.store, small.engine)
    assert report.clean, (report.differences[:3], report.mismatches[:3])
    assert report.checked == len(list(small.store.cases()))


def test_the_same_seed_gives_the_same_rollout_and_another_seed_another(small):
    again = simulate(SMALL, seed=5)
    assert event_log_digest(again) == event_log_digest(small)
    assert again.counts == small.counts
    assert event_log_digest(simulate(SMALL, seed=6)) != event_log_digest(small)


def test_d9_two_processes_with_different_hash_seeds_write_the_same_bytes():
    code = textwrap.dedent("""
        import datetime as dt, hashlib
        from hoinghe.sim import Scenario, simulate
        from hoinghe.storage.codec import encode
        r = simulate(Scenario(synthetic=(1, 2, 3), until=dt.date(2020, 12, 31)), seed=11)
        h = hashlib.sha256()
        for case in r.store.cases():
            for event in r.store.events(case.id):
                h.update(encode(event).encode())
        print(h.hexdigest(), r.counts["fires"])
    """)
    outputs = set()
    for hash_seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1, outputs


def test_a_rollout_on_sqlite_is_the_rollout_in_memory(tmp_path):
    scenario = Scenario(synthetic=(1, 1, 3), until=dt.date(2020, 12, 31))
    memory = simulate(scenario, seed=3)
    store = SqlStore(f"sqlite:///{tmp_path / 'rollout.db'}")
    on_disk = simulate(scenario, seed=3, store=store)
    assert on_disk.counts == memory.counts
    assert event_log_digest(on_disk) == event_log_digest(memory)
    assert list(store.units()) == list(memory.store.units())
    store.close()


def test_a_real_district_has_its_communes_and_its_union_bodies():
    scenario = Scenario(province="Tuyên Quang", district="Na Hang", until=dt.date(2020, 6, 30))
    world = scenario.world()
    assert list(world.provinces) == ["p-08"]
    assert list(world.districts) == ["d-072"]
    assert len(world.communes) == len(world.districts["d-072"].communes) > 5
    assert all(c.district == "d-072" and c.province == "p-08" for c in world.communes.values())
    units = {u.id: u for u in world.units}
    assert units["d-072"].parent == "p-08"
    assert units["p-08"].name == "Hội Nông dân tỉnh Tuyên Quang"
    rollout = simulate(scenario, seed=1)
    assert rollout.counts["groups_opened"] > 0


def test_after_2025_communes_sit_under_provinces_and_branches_are_still_founded():
    scenario = Scenario(profile="vn-2025", province="Tuyên Quang", until=dt.date(2021, 12, 31))
    world = scenario.world()
    assert world.districts == {}
    assert {u.level for u in world.units} == {"central", "province", "commune"}
    rollout = simulate(scenario, seed=2)
    assert rollout.counts["branches_founded"] > 0
    assert rollout.counts["groups_founded"] > 0


def test_a_scope_that_is_not_found_says_what_was_looked_for():
    with pytest.raises(LookupError, match="Tuyen Quagn"):
        Scenario(province="Tuyen Quagn").world()


def test_behaviour_settings_are_checked_and_named():
    assert Behaviour.from_mapping({"group_rate": 3, "steps": {"survey": [1, 2]}}).steps.survey == (1, 2)
    with pytest.raises(DefinitionError) as caught:
        Behaviour.from_mapping({"group_rat": 3, "faulty_dossier": 2})
    messages = [d.message for d in caught.value.diagnostics]
    assert any("group_rat" in m for m in messages)
    with pytest.raises(DefinitionError, match="share between 0 and 1"):
        Behaviour.from_mapping({"faulty_dossier": 2})


def test_no_faults_no_refusals_and_no_starts_no_foundings():
    clean = attrs.evolve(SMALL, behaviour=attrs.evolve(DEFAULT, faulty_dossier=0.0))
    assert simulate(clean, seed=5).counts["refusals"] == 0
    idle = attrs.evolve(SMALL, behaviour=attrs.evolve(DEFAULT, group_rate=0.0, branch_rate=0.0))
    assert simulate(idle, seed=5).counts["fires"] == 0


# ------------------------------------------------------------------------------------------------- Monte Carlo


def test_wilson_intervals_hold_their_proportion():
    assert wilson(0, 10)[0] == 0.0
    assert wilson(10, 10)[1] == 1.0
    low, high = wilson(5, 10)
    assert low < 0.5 < high
    assert wilson(50, 100)[1] - wilson(50, 100)[0] < high - low  # more runs, a narrower interval


def test_replicates_have_independent_seeds():
    seeds = {replicate_seed(0, i) for i in range(100)}
    assert len(seeds) == 100
    assert replicate_seed(0, 1) != replicate_seed(1, 0)


def test_s1_one_worker_and_two_give_the_same_study():
    scenario = Scenario(synthetic=(1, 2, 3), until=dt.date(2021, 12, 31))
    alone = monte_carlo(scenario, runs=4, seed=9, workers=1)
    shared = monte_carlo(scenario, runs=4, seed=9, workers=2)
    assert alone.summary() == shared.summary()
    assert [r.seed for r in alone.replicates] == [replicate_seed(9, i) for i in range(4)]
    odds = alone.odds("en")
    assert {o.target for o in odds} == {"branches_per_district", "groups_per_commune"}
    for o in odds:
        assert 0 <= o.low <= o.probability <= o.high <= 1
        assert o.runs == 4


class InlineClient:
    """Stands in for a Dask client: maps in this process, in reverse, to show the order does not matter."""

    def map(self, func, *iterables, **_kwargs):
        return [func(*args) for args in reversed(list(zip(*iterables, strict=True)))]

    def gather(self, futures):
        return futures


def test_a_dask_like_client_gives_the_same_study():
    scenario = Scenario(synthetic=(1, 1, 3), until=dt.date(2020, 12, 31))
    here = monte_carlo(scenario, runs=3, seed=4)
    there = monte_carlo(scenario, runs=3, seed=4, client=InlineClient())
    assert here.summary() == there.summary()

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
from hoinghe.fund import WORKFLOW, ApplicationView, rank
from hoinghe.sim import DEFAULT, Behaviour, Scenario, simulate
from hoinghe.sim.montecarlo import monte_carlo, replicate_seed, wilson
from hoinghe.storage.codec import encode

SMALL = Scenario(synthetic=(1, 3, 4), until=dt.date(2022, 12, 31))


@pytest.fixture(scope="module")
def small():
    return simulate(SMALL, seed=5)


def event_log_digest(rollout) -> str:
    """Every event of every case (foundings, reviews, loans ...) and every outreach session and training."""
    digest = hashlib.sha256()
    for case in rollout.store.cases():
        for event in rollout.store.events(case.id):
            digest.update(encode(event).encode())
    for activity in rollout.store.activities():
        digest.update(encode(activity).encode())
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
        import attrs
        from hoinghe.sim import DEFAULT, Scenario, simulate
        from hoinghe.storage.codec import encode
        busy = attrs.evolve(DEFAULT, loan_rate=1.0)
        r = simulate(Scenario(synthetic=(1, 2, 3), until=dt.date(2020, 12, 31), behaviour=busy), seed=11)
        h = hashlib.sha256()
        for case in r.store.cases():
            for event in r.store.events(case.id):
                h.update(encode(event).encode())
        for activity in r.store.activities():
            h.update(encode(activity).encode())
        print(h.hexdigest(), r.counts["fires"], len(r.store.activities()), r.counts["loans_applied"])
    """)
    outputs = set()
    for hash_seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1, outputs
    _digest, _fires, sessions, loans = outputs.pop().split()
    assert int(sessions) > 0
    assert int(loans) > 0


def test_a_rollout_on_sqlite_is_the_rollout_in_memory(tmp_path):
    behaviour = attrs.evolve(DEFAULT, loan_rate=1.5)  # loans in so small a world
    scenario = Scenario(synthetic=(1, 1, 3), until=dt.date(2020, 12, 31), behaviour=behaviour)
    memory = simulate(scenario, seed=3)
    store = SqlStore(f"sqlite:///{tmp_path / 'rollout.db'}")
    on_disk = simulate(scenario, seed=3, store=store)
    assert on_disk.counts == memory.counts
    assert memory.counts["loans_applied"] > 0
    assert event_log_digest(on_disk) == event_log_digest(memory)
    assert list(store.units()) == list(memory.store.units())
    assert store.activities() == memory.store.activities() != []
    assert list(store.cases(workflow=WORKFLOW)) == list(memory.store.cases(workflow=WORKFLOW)) != []
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
    messages = [str(d.message) for d in caught.value.diagnostics]
    assert any("group_rat" in m and "did you mean 'group_rate'?" in m for m in messages)
    assert any("có phải 'group_rate'?" in d.message.get("vi") for d in caught.value.diagnostics)
    with pytest.raises(DefinitionError, match="share between 0 and 1"):
        Behaviour.from_mapping({"faulty_dossier": 2})
    settings = {"outreach_rate": 3, "training_delay": 30, "loan_amount": [10_000_000, 30_000_000]}
    chosen = Behaviour.from_mapping(settings)
    assert (chosen.outreach_rate, chosen.training_delay, chosen.loan_amount) == (
        3,
        30,
        (10_000_000, 30_000_000),
    )
    with pytest.raises(DefinitionError, match="loan_months is"):
        Behaviour.from_mapping({"loan_months": [36, 12]})
    with pytest.raises(DefinitionError, match="share between 0 and 1"):
        Behaviour.from_mapping({"outreach_attendance": 1.5})


def test_no_faults_no_refusals_and_no_starts_no_foundings():
    # Loans go through the engine too, and are refused no more than the foundings.
    clean = attrs.evolve(SMALL, behaviour=attrs.evolve(DEFAULT, faulty_dossier=0.0, loan_rate=1.0))
    counts = simulate(clean, seed=5).counts
    assert counts["refusals"] == 0
    assert counts["loans_disbursed"] > 0
    idle = attrs.evolve(SMALL, behaviour=attrs.evolve(DEFAULT, group_rate=0.0, branch_rate=0.0))
    assert simulate(idle, seed=5).counts["fires"] == 0


# ------------------------------------------------------------------------------------------ outreach, the Fund


def leaders_before(store, day: dt.date) -> set[str]:
    """Members named leaders of a branch or group that started work before ``day``: at its founding (a branch
    split since keeps no leaders of its own) or now."""
    out: set[str] = set()
    for case in store.cases():
        if case.workflow.startswith("found-professional"):
            founded = store.unit(case.subject).founded_on
            if founded is not None and founded < day:
                for named in case.data.get("leaders", {}).values():
                    out.update([named] if isinstance(named, str) else named)
    for unit in store.units():
        if unit.founded_on is not None and unit.founded_on < day:
            out.update(m for named in unit.leaders.values() for m in named)
    return out


def test_a_rollout_records_outreach_sessions_and_trainings_as_a_province_would(small):
    sessions = small.store.activities()
    units = {u.id: u for u in small.store.units()}
    members = small.store.members_by_id({m for a in sessions for m in a.members})
    assert {a.kind for a in sessions} == {"outreach", "training"}
    assert len({a.id for a in sessions}) == len(sessions)
    assert all(small.start <= a.day <= small.until for a in sessions)
    counted = small.counts
    assert counted["outreach_sessions"] + counted["cadre_conferences"] == sum(
        a.kind == "outreach" for a in sessions
    )
    assert counted["trainings"] == sum(a.kind == "training" for a in sessions) > 0
    for session in sessions:
        unit = units[session.unit]
        if session.kind == "training":
            # District unions train the leaders of the branches and groups in their area, after they start.
            assert unit.level == "district"
            assert session.members
            assert not session.actors
            assert set(session.members) <= leaders_before(small.store, session.day)
        elif unit.level == "commune":
            # A commune's session: its officer and some of its members who were in the union that day.
            assert session.actors == (f"cb-{unit.id}",)
            for member in session.members:
                assert members[member].commune == unit.id
                assert members[member].union_member_since <= session.day
        else:
            # A conference of a district or the province, for its cadres and those of the unions below it.
            assert unit.level in {"district", "province"}
            assert not session.members
            assert f"btv-{unit.id}" in session.actors


def test_outreach_can_be_turned_off_and_leaves_the_foundings_as_they_were(small):
    quiet = attrs.evolve(DEFAULT, outreach_rate=0.0, cadre_rate=0.0, training_rate=0.0, loan_rate=0.0)
    alone = simulate(attrs.evolve(SMALL, behaviour=quiet), seed=5)
    assert alone.store.activities() == []
    assert not any(alone.store.cases(workflow=WORKFLOW))
    founded = sorted((u.id, u.founded_on, u.members) for u in alone.store.units(level="group"))
    assert founded == sorted((u.id, u.founded_on, u.members) for u in small.store.units(level="group"))


def test_groups_apply_to_the_fund_through_the_loan_workflow():
    behaviour = attrs.evolve(DEFAULT, loan_rate=1.0)
    rollout = simulate(attrs.evolve(SMALL, behaviour=behaviour), seed=5)
    cases = list(rollout.store.cases(workflow=WORKFLOW))
    assert len(cases) == rollout.counts["loans_applied"] > 5
    states = {c.state for c in cases}
    assert "disbursed" in states
    assert rollout.counts["loans_disbursed"] == sum(c.state == "disbursed" for c in cases)
    for case in cases:
        view = ApplicationView.from_case(case)
        group = rollout.store.unit(view.subject)
        assert set(view.borrowers) <= set(group.members)
        assert view.product == group.trade
        assert all(10_000_000 <= a <= 100_000_000 and a % 5_000_000 == 0 for a in view.amounts.values())
        assert 12 <= view.months <= 36
    # The Fund's own ranking reads them: every condition of the decree holds for each on the day it was filed
    # (a borrower is in one plan at a time, and amounts and terms are within the ceilings).
    for case in cases:
        [ranked] = rank(rollout.store, rollout.world.profile, [case], on=case.opened_at.date())
        assert ranked.conditions_met, ranked.describe("en")


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

"""S-2 (memory store): the engine, driven by a Hypothesis state machine, agrees with a plain reference model.

Also the public strategies of :mod:`hoinghe.testing` (generated organisations are valid, new units sit where the
hierarchy allows, case data has the shapes it promises), and two broken engines the machine must catch.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

import world
from hoinghe import Engine, ManualClock, MemoryStore, SequentialIds, Verdict
from hoinghe.org import COMMUNE_LEVEL, Org
from hoinghe.records import Commit
from hoinghe.testing import TRADES, EngineMachine, case_data, documents, members, moves, orgs, units

PROFILES = ["vn-2025", "vn-2019", "tuyen-quang"]

# ------------------------------------------------------------------------------------------------ the machine

TestEngine = EngineMachine.TestCase
TestEngine.settings = settings(
    max_examples=50, stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _catches(machine: type[EngineMachine]) -> AssertionError:
    """Run ``machine`` until it fails (no shrinking: the failure, not the smallest one, is the point)."""
    quick = settings(
        max_examples=40,
        stateful_step_count=30,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
    )
    with pytest.raises(AssertionError) as caught:
        run_state_machine_as_test(machine, settings=quick)
    return caught.value


class _ForgetfulStore(MemoryStore):
    """Keeps the case a fire made but drops its event: the case is no longer the fold of its events."""

    def commit(self, commit: Commit) -> None:
        if commit.events and commit.events[0].kind == "fired":
            stored = self.events(commit.case.id)
            super().commit(commit)
            self._events[commit.case.id] = stored
            return
        super().commit(commit)


class _ForgetfulMachine(EngineMachine):
    def make_store(self):
        return _ForgetfulStore()


class _Lenient(Engine):
    """Says every transition may fire; ``fire`` still refuses."""

    def check(self, case_id, transition_id, actor, *, documents=(), data=None):
        verdict = super().check(case_id, transition_id, actor, documents=documents, data=data)
        return Verdict(verdict.case_id, verdict.transition, verdict.actor, verdict.target)


class _LenientMachine(EngineMachine):
    def make_engine(self, store, clock):
        return _Lenient(self.profile, store, clock=clock, ids=SequentialIds(), listeners_in_background=False)


def test_the_machine_catches_a_store_that_loses_events():
    error = _catches(_ForgetfulMachine)
    assert "fold of its events" in str(error) or "rewrote history" in str(error)


def test_the_machine_catches_check_disagreeing_with_fire():
    assert "fire and check disagree" in str(_catches(_LenientMachine))


def test_moves_are_read_from_the_definition():
    found = world.profile().workflow("found-professional-group")
    table = moves(found)
    assert table["dossier_submitted"]["approve"] == "approved"
    assert table["mobilizing"]["collect_applications"] == "applications_collected"
    assert table["committee_formed"]["collect_applications"] == "applications_collected"
    assert all("withdraw" in table[s] for s in ("proposed", "surveyed", "dossier_submitted"))
    assert table["launched"] == {}


def test_a_workflow_the_profile_lacks_is_named():
    class Wrong(EngineMachine):
        workflows = ("found-professional-group", "no-such-workflow")

    with pytest.raises(ValueError, match="no-such-workflow"):
        Wrong()


# ------------------------------------------------------------------------------------------------ strategies


@pytest.mark.parametrize("profile_id", PROFILES)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_generated_orgs_are_valid(profile_id, data):
    profile = world.profile(profile_id)
    org = data.draw(orgs(profile, statuses=("active", "dissolved")))
    assert org.validate() == []
    top = [u for u in org.units.values() if u.parent is None]
    assert len(top) == 1
    assert top[0].level == profile.hierarchy.ids[0]
    communes = [u for u in org.units.values() if u.level == COMMUNE_LEVEL]
    assert communes
    for commune in communes:
        assert 4 <= sum(1 for m in org.members.values() if m.commune == commune.id) <= 10


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_orgs_staff_every_role_and_fit_members_to_units(data):
    profile = world.profile()
    org = data.draw(orgs(profile, outsiders=(1, 3), trades=("cam", "lua")))
    held = {(g.role, g.unit) for a in org.actors.values() for g in a.grants}
    for unit in org.units.values():
        for role in profile.roles:
            assert (role.id, unit.id) in held or unit.level not in role.levels
    assert 1 <= sum(1 for a in org.actors.values() if not a.grants) <= 3
    for unit in org.units.values():
        for member_id in unit.members:
            member = org.member(member_id)
            assert member.is_union_member
            assert member.commune == org.commune_of(unit.id).id
            assert unit.trade is None or unit.trade in member.trades
        assert all(holder in unit.members for ids in unit.leaders.values() for holder in ids)


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_a_new_unit_sits_where_the_hierarchy_allows_and_a_founding_opens_on_it(data):
    profile = world.profile()
    org = data.draw(orgs(profile))
    unit = data.draw(units(org, "group", kind="professional", ids=st.just("group-new"), trades=("cam",)))
    parent = org.unit(unit.parent)
    assert parent.level in profile.hierarchy.parent_levels("group")
    assert parent.status == "active"
    assert (unit.kind, unit.trade, unit.status, unit.members) == ("professional", "cam", "proposed", ())
    store = MemoryStore()
    store.put_org(units=org.units.values(), members=org.members.values(), actors=org.actors.values())
    engine = Engine(profile, store, clock=ManualClock(world.START), listeners_in_background=False)
    commune = org.commune_of(parent.id)
    case = engine.open("found-professional-group", unit, f"a-{commune.id}-union_officer")
    assert (case.state, case.subject) == ("proposed", "group-new")
    assert store.unit("group-new").status == "proposed"


def test_units_needs_a_parent():
    profile = world.profile()
    lonely = Org.build(profile.hierarchy, [world.units()[0]])
    with pytest.raises(ValueError, match="may sit under"):
        units(lonely, "group")


@settings(max_examples=50, deadline=None)
@given(member=members(["c-1", "c-2"], trades=TRADES[:3]))
def test_members_are_adults_living_in_the_communes_given(member):
    assert member.commune in ("c-1", "c-2")
    assert 1 <= len(member.trades) <= 2
    assert set(member.trades) <= set(TRADES[:3])
    assert member.age_on(dt.date(2019, 1, 1)) >= 18
    if member.union_member_since is not None:
        assert member.age_on(member.union_member_since) >= 18


@settings(max_examples=50, deadline=None)
@given(
    data=case_data(
        [f"f{i}" for i in range(1, 13)], leader_roles=("group_leader", "group_deputy"), min_members=5
    )
)
def test_case_data_draws_from_its_candidates(data):
    assert set(data) <= {"members", "leaders", "trade"}
    roster = data.get("members", [])
    assert len(roster) == len(set(roster))
    assert not roster or len(roster) >= 5
    for holder in data.get("leaders", {}).values():
        assert holder in (roster or [f"f{i}" for i in range(1, 13)])


@settings(max_examples=30, deadline=None)
@given(
    data=case_data(
        ["f1", "f2", "f3"], leader_roles=("group_leader", "group_deputy"), ratings=("kha",), complete=True
    )
)
def test_complete_case_data_gives_every_key_and_distinct_leaders(data):
    assert set(data) == {"members", "leaders", "rating"}
    assert set(data["leaders"]) == {"group_leader", "group_deputy"}
    if len(data["members"]) >= 2:
        assert data["leaders"]["group_leader"] != data["leaders"]["group_deputy"]


def _well_shaped(key, value):
    if key == "members":
        return isinstance(value, list) and all(isinstance(m, str) for m in value)
    if key == "leaders":
        return isinstance(value, dict) and all(isinstance(h, str) for h in value.values())
    return key not in ("trade", "name") or isinstance(value, str)


@settings(max_examples=40, deadline=None)
@given(data=case_data(["f1", "f2", "f3", "f4", "f5"], malformed=True))
def test_malformed_case_data_is_refused_never_raised(data):
    engine = world.engine()
    case = engine.open("found-professional-group", world.new_group(), "officer-1")
    verdict = engine.check(
        case.id, "survey", "officer-1", documents={"survey_report": "file:///k.pdf"}, data=data
    )
    shapes_ok = all(_well_shaped(key, value) for key, value in data.items())
    assert ("data" in [b.kind for b in verdict.blockers]) == (not shapes_ok)


@settings(max_examples=40, deadline=None)
@given(docs=documents(["a", "b", "c"], required=["x", "y"]))
def test_documents_always_hold_the_required_kinds(docs):
    assert {"x", "y"} <= set(docs)
    assert set(docs) <= {"a", "b", "c", "x", "y"}
    assert all(uri.startswith("file:///dossier/") for uri in docs.values())

"""What the Tuyên Quang provincial union checks before it updates hoinghe or its own profile.

Run: pytest examples/integrator_tests
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hoinghe import Engine, ManualClock, Member, MemoryStore, Org, Profile, Refused, Unit
from hoinghe.testing import RecordingListener, Simulate, members

COMMUNE = "c-02221"
#: The smallest professional group, and the day the guidance setting it (205-HD/HNDTW) took effect.
GROUP_MIN = 5
HD_205 = dt.date(2020, 7, 10)
DOSSIER = {
    "voluntary_applications": "file:///na-hang/don.pdf",
    "member_list": "file:///na-hang/danh-sach.pdf",
    "founding_minutes": "file:///na-hang/bien-ban.pdf",
    "operating_rules": "file:///na-hang/quy-che.pdf",
    "activity_plan": "file:///na-hang/ke-hoach.pdf",
    "request_to_found": "file:///na-hang/to-trinh.pdf",
}
DECISION = {
    "founding_decision": "file:///na-hang/qd.pdf",
    "leader_decision": "file:///na-hang/qd-to-truong.pdf",
}


def orange_group() -> Unit:
    return Unit(
        "g-cam-1", "group", "Tổ hội nghề nghiệp trồng cam số 1", COMMUNE, kind="professional", trade="cam"
    )


def apply(engine: Engine, roster: list[str]) -> str:
    """Open a founding and collect the applications of ``roster``; returns the case id."""
    case = engine.open("found-professional-group", orange_group(), "officer")
    engine.fire(case.id, "survey", "officer", documents={"survey_report": "file:///na-hang/khao-sat.pdf"})
    engine.fire(case.id, "start_outreach", "officer")
    engine.fire(
        case.id,
        "collect_applications",
        "officer",
        documents={k: DOSSIER[k] for k in ("voluntary_applications", "member_list")},
        data={"members": roster},
    )
    return case.id


@pytest.mark.usefixtures("na_hang")
def test_a_group_of_six_orange_growers_is_founded(
    hoinghe_engine: Engine, hoinghe_listener: RecordingListener, hoinghe_clock: ManualClock
) -> None:
    roster = ["nh-1", "nh-2", "nh-3", "nh-4", "nh-5", "nh-6"]
    case_id = apply(hoinghe_engine, roster)
    hoinghe_engine.fire(
        case_id,
        "hold_founding_meeting",
        "officer",
        documents={k: DOSSIER[k] for k in ("founding_minutes", "operating_rules", "activity_plan")},
        data={"leaders": {"group_leader": "nh-1", "group_deputy": "nh-2"}},
    )
    hoinghe_engine.fire(
        case_id, "submit_dossier", "officer", documents={"request_to_found": DOSSIER["request_to_found"]}
    )
    hoinghe_clock.advance(dt.timedelta(days=7))  # the standing committee meets the following week
    case = hoinghe_engine.fire(case_id, "approve", "btv", documents=DECISION)

    assert case.state == "approved"
    assert hoinghe_listener.transitions(case_id)[-1] == "approve"
    decision = hoinghe_listener.last(case_id)
    assert (decision.actor, decision.at) == ("btv", hoinghe_clock.now())
    group = hoinghe_engine.store.unit("g-cam-1")
    assert (group.status, group.members, group.founded_on) == ("active", tuple(roster), hoinghe_clock.today())


@pytest.mark.usefixtures("na_hang")
def test_a_dossier_of_four_members_is_refused_citing_mem_02(
    hoinghe_engine: Engine, hoinghe_listener: RecordingListener
) -> None:
    with pytest.raises(Refused) as refused:
        apply(hoinghe_engine, ["nh-1", "nh-2", "nh-3", "nh-4"])

    mem_02 = [b for b in refused.value.blockers if b.rule_id == "MEM-02"]
    assert len(mem_02) == 1
    assert "205-HD/HNDTW" in str(mem_02[0].citation)
    # Nothing was written: the listener last heard of the outreach.
    assert hoinghe_listener.transitions() == ["survey", "start_outreach"]


def test_na_hang_founds_groups_of_at_least_five_members(hoinghe_simulate: Simulate) -> None:
    rollout = hoinghe_simulate("Tuyên Quang", "Na Hang", until=dt.date(2021, 12, 31), seed=1)

    founded = [u for u in rollout.store.units(level="group") if u.founded_on is not None]
    assert rollout.counts["groups_founded"] > 0
    assert len(founded) == rollout.counts["groups_founded"]
    # The minimum holds from the day 205-HD/HNDTW took effect; groups decided before it were bound by no minimum.
    since = [g for g in founded if g.founded_on is not None and g.founded_on >= HD_205]
    assert since
    assert all(len(group.members) >= GROUP_MIN for group in since)


@settings(max_examples=25, deadline=None)
@given(
    roster=st.lists(
        members([COMMUNE], ids=st.integers(1, 99).map(lambda n: f"m-{n}"), trades=("cam",)),
        max_size=GROUP_MIN - 1,
        unique_by=lambda m: m.id,
    )
)
def test_any_dossier_of_fewer_than_five_is_refused_citing_mem_02(
    province_profile: Profile, na_hang_org: Org, roster: list[Member]
) -> None:
    # Hypothesis runs the body many times, so it makes its own store and engine (function fixtures are made once).
    store = MemoryStore()
    store.put_org(
        units=na_hang_org.units.values(),
        members=[*na_hang_org.members.values(), *roster],
        actors=na_hang_org.actors.values(),
    )
    heard = RecordingListener()
    engine = Engine(
        province_profile,
        store,
        clock=ManualClock(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)),
        listeners=[heard],
        listeners_in_background=False,
    )
    with pytest.raises(Refused) as refused:
        apply(engine, [m.id for m in roster])

    assert "MEM-02" in {b.rule_id for b in refused.value.blockers}
    assert heard.states()[-1] == "mobilizing"

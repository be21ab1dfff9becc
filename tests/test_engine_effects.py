"""Effects: the changes to units a transition makes, applied with it, and refused with the other blockers."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

import world
from hoinghe import DefinitionError, EffectContext, Refused, RoleGrant, Unit
from hoinghe.definitions import EffectRef, RoleRef, StateDef, SubjectSpec, TransitionDef, WorkflowDefinition
from hoinghe.definitions.effects import BUILTIN_EFFECTS
from hoinghe.engine import BUILTIN
from hoinghe.org import Actor, Text

FOUNDED = dt.date(2024, 1, 15)


def group(unit_id: str, members: tuple[str, ...], commune: str = "c-1", **kw: object) -> Unit:
    return Unit(
        unit_id,
        "group",
        f"Tổ hội {unit_id}",
        commune,
        kind="professional",
        trade="cam",
        founded_on=FOUNDED,
        members=members,
        **kw,
    )  # type: ignore[arg-type]


def branch(unit_id: str, members: tuple[str, ...], commune: str = "c-1") -> Unit:
    return Unit(
        unit_id,
        "branch",
        f"Chi hội {unit_id}",
        commune,
        kind="professional",
        trade="cam",
        founded_on=FOUNDED,
        members=members,
        leaders={"branch_head": members[0]},
    )


def test_merging_two_groups_moves_the_members_and_closes_one():
    engine = world.engine()
    engine.store.put_org(
        units=[group("g-a", ("f1", "f2", "f3", "f4", "f5")), group("g-b", ("f6", "f7", "f8", "f9", "f10"))]
    )
    case = engine.open("merge-units", "g-a", "officer-1")
    engine.fire(case.id, "agree_plan", "officer-1", documents={"merge_plan": "u", "meeting_minutes": "u"})
    engine.fire(
        case.id, "submit", "officer-1", documents={"request_to_restructure": "u"}, data={"absorb": ["g-b"]}
    )
    engine.fire(case.id, "decide", "btv-1", documents={"merge_decision": "u"})
    kept, gone = engine.store.unit("g-a"), engine.store.unit("g-b")
    assert kept.members == ("f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10")
    assert (gone.status, gone.successor, gone.members) == ("merged", "g-a", ())
    assert [u.id for u in engine.store.memberships("f6")] == ["g-a"]
    assert engine.history(case.id)[-1].effects == ("merge_units",)


def test_an_effect_that_cannot_apply_is_a_blocker_in_check_and_fire():
    engine = world.engine()
    engine.store.put_org(units=[group("g-a", ("f1", "f2", "f3", "f4", "f5"))])
    case = engine.open("merge-units", "g-a", "officer-1")
    engine.fire(case.id, "agree_plan", "officer-1", documents={"merge_plan": "u", "meeting_minutes": "u"})
    engine.fire(
        case.id, "submit", "officer-1", documents={"request_to_restructure": "u"}, data={"absorb": ["g-zz"]}
    )
    verdict = engine.check(case.id, "decide", "btv-1")  # the decision document is missing too
    assert {b.code for b in verdict.blockers} == {"HNG-B004", "HNG-B008"}
    assert any("g-zz" in (b.message.en or "") for b in verdict.blockers)
    with pytest.raises(Refused):
        engine.fire(case.id, "decide", "btv-1", documents={"merge_decision": "u"})
    assert engine.store.unit("g-a").members == ("f1", "f2", "f3", "f4", "f5")


def test_merging_a_unit_into_itself_is_refused():
    engine = world.engine()
    engine.store.put_org(units=[group("g-a", ("f1", "f2", "f3", "f4", "f5"))])
    case = engine.open("merge-units", "g-a", "officer-1", data={"absorb": ["g-a"]})
    engine.fire(case.id, "agree_plan", "officer-1", documents={"merge_plan": "u", "meeting_minutes": "u"})
    engine.fire(case.id, "submit", "officer-1", documents={"request_to_restructure": "u"})
    verdict = engine.check(case.id, "decide", "btv-1", documents={"merge_decision": "u"})
    assert [b.code for b in verdict.blockers] == ["HNG-B008"]


def test_splitting_a_branch_founds_its_parts():
    engine = world.engine()
    roster = tuple(f"f{i}" for i in range(1, 13))
    engine.store.put_org(units=[branch("b-1", roster)])
    case = engine.open("split-unit", "b-1", "officer-1")
    parts = [
        {"name": "Chi hội cam thôn 1", "members": list(roster[:6]), "leaders": {"branch_head": "f1"}},
        {"name": "Chi hội cam thôn 2", "members": list(roster[6:]), "id": "b-2"},
    ]
    engine.fire(case.id, "agree_plan", "officer-1", documents={"split_plan": "u", "meeting_minutes": "u"})
    engine.fire(
        case.id, "submit", "officer-1", documents={"request_to_restructure": "u"}, data={"parts": parts}
    )
    engine.fire(case.id, "decide", "btv-1", documents={"split_decision": "u"})
    old = engine.store.unit("b-1")
    assert (old.status, old.members) == ("split", ())
    new = list(engine.store.units(level="branch", status="active"))
    assert sorted(u.id for u in new) == ["b-2", "branch-1"]
    first = engine.store.unit("branch-1")
    assert (first.members, first.leaders, first.parent, first.founded_on) == (
        roster[:6],
        {"branch_head": ("f1",)},
        "c-1",
        world.START.date(),
    )


def test_a_split_part_naming_an_outsider_is_refused():
    engine = world.engine()
    roster = tuple(f"f{i}" for i in range(1, 13))
    engine.store.put_org(units=[branch("b-1", roster)])
    case = engine.open("split-unit", "b-1", "officer-1")
    parts = [{"name": "A", "members": ["f1", "f13"]}, {"name": "B", "members": ["f2", "f1"]}]
    engine.fire(case.id, "agree_plan", "officer-1", documents={"split_plan": "u", "meeting_minutes": "u"})
    engine.fire(
        case.id, "submit", "officer-1", documents={"request_to_restructure": "u"}, data={"parts": parts}
    )
    verdict = engine.check(case.id, "decide", "btv-1", documents={"split_decision": "u"})
    (blocker,) = verdict.blockers
    assert blocker.code == "HNG-B008"
    assert "f13" in blocker.message.get("en")


def test_dissolving_a_group_closes_it():
    engine = world.engine()
    engine.store.put_org(units=[group("g-a", ("f1", "f2", "f3"))])
    case = engine.open("dissolve-unit", "g-a", "officer-1")
    engine.fire(case.id, "assess", "officer-1", documents={"review_report": "u"})
    engine.fire(case.id, "submit", "officer-1", documents={"request_to_restructure": "u"})
    engine.fire(case.id, "decide", "btv-1", documents={"dissolution_decision": "u"})
    assert engine.store.unit("g-a").status == "dissolved"


def test_converting_to_a_cooperative_group_needs_every_signature():
    engine = world.engine()
    leader = Actor("leader-a", "Tổ trưởng", (RoleGrant("group_leader", "g-a"),), member="f1")
    engine.store.put_org(units=[group("g-a", ("f1", "f2", "f3", "f4", "f5"))], actors=[leader])
    case = engine.open("convert-to-cooperative-group", "g-a", "leader-a")
    engine.fire(case.id, "draft_contract", "leader-a", documents={"meeting_minutes": "u"})
    half = {"contract_signed": ["f1", "f2"], "successor": "thtx-1"}
    verdict = engine.check(
        case.id, "sign_contract", "leader-a", documents={"cooperation_contract": "u"}, data=half
    )
    assert [b.rule_id for b in verdict.blockers] == ["COOPG-02"]
    everyone = {"contract_signed": ["f1", "f2", "f3", "f4", "f5"], "successor": "thtx-1"}
    engine.fire(case.id, "sign_contract", "leader-a", documents={"cooperation_contract": "u"}, data=everyone)
    unit = engine.store.unit("g-a")
    assert (unit.status, unit.successor) == ("converted", "thtx-1")


def test_consolidation_appoints_leaders_and_records_the_meeting():
    engine = world.engine()
    roster = tuple(f"f{i}" for i in range(1, 9))
    engine.store.put_org(units=[branch("b-1", roster)])
    case = engine.open("consolidate-unit", "b-1", "officer-1")
    engine.fire(case.id, "assess", "officer-1", documents={"consolidation_plan": "u"})
    engine.fire(
        case.id, "hold_meeting", "officer-1", documents={"meeting_minutes": "u", "operating_rules": "u"}
    )
    engine.fire(
        case.id,
        "submit",
        "officer-1",
        documents={"request_to_restructure": "u"},
        data={"leaders": {"branch_head": "f2", "branch_deputy": ["f3", "f4"]}},
    )
    engine.fire(case.id, "approve", "btv-1", documents={"leader_decision": "u"})
    unit = engine.store.unit("b-1")
    assert unit.leaders == {"branch_head": ("f2",), "branch_deputy": ("f3", "f4")}
    assert unit.meetings == (world.START.date(),)


def test_leaders_must_be_on_the_member_list():
    engine = world.engine()
    roster = tuple(f"f{i}" for i in range(1, 9))
    engine.store.put_org(units=[branch("b-1", roster)])
    case = engine.open(
        "consolidate-unit",
        "b-1",
        "officer-1",
        data={"leaders": {"branch_head": "f2", "branch_deputy": "f13"}},
    )
    engine.fire(case.id, "assess", "officer-1", documents={"consolidation_plan": "u"})
    engine.fire(
        case.id, "hold_meeting", "officer-1", documents={"meeting_minutes": "u", "operating_rules": "u"}
    )
    engine.fire(case.id, "submit", "officer-1", documents={"request_to_restructure": "u"})
    verdict = engine.check(case.id, "approve", "btv-1", documents={"leader_decision": "u"})
    assert [b.code for b in verdict.blockers] == ["HNG-B008"]
    assert "f13" in (verdict.blockers[0].message.en or "")


def _one_step(effects: tuple[EffectRef, ...]) -> WorkflowDefinition:
    return WorkflowDefinition(
        id="tend-unit",
        title=Text("Chăm sóc tổ hội", "Tend a group"),
        subject=SubjectSpec("group", "professional"),
        states=(StateDef("open"), StateDef("done")),
        initial="open",
        final=("done",),
        transitions=(
            TransitionDef(
                "tend", ("open",), "done", by=(RoleRef("union_officer", "commune"),), effects=effects
            ),
        ),
    )


def test_an_integrator_registers_an_effect_by_name():
    def rename(ctx: EffectContext) -> list[Unit]:
        unit = ctx.unit(ctx.subject.id)
        return [attrs.evolve(unit, name=f"{unit.name} ({ctx.args['suffix']})")]

    base = world.profile()
    engine = world.engine(profile=attrs.evolve(base, effects=("rename",)), effects={"rename": rename})
    engine.register(_one_step((EffectRef("rename", {"suffix": "điển hình"}),)))
    engine.store.put_org(units=[group("g-a", ("f1",))])
    case = engine.open("tend-unit", "g-a", "officer-1")
    engine.fire(case.id, "tend", "officer-1")
    assert engine.store.unit("g-a").name == "Tổ hội g-a (điển hình)"


def test_a_workflow_naming_an_unregistered_effect_is_refused_at_registration():
    base = world.profile()
    engine = world.engine(profile=attrs.evolve(base, effects=("rename",)))
    with pytest.raises(DefinitionError, match=r"'rename'.*not registered"):
        engine.register(_one_step((EffectRef("rename"),)))


def test_an_effect_that_raises_a_bug_writes_nothing():
    def broken(ctx: EffectContext) -> list[Unit]:
        raise RuntimeError("bug in the integrator's effect")

    base = world.profile()
    engine = world.engine(profile=attrs.evolve(base, effects=("broken",)), effects={"broken": broken})
    engine.register(_one_step((EffectRef("adopt_rules"), EffectRef("broken"))))
    engine.store.put_org(units=[group("g-a", ("f1",))])
    case = engine.open("tend-unit", "g-a", "officer-1")
    with pytest.raises(RuntimeError, match="bug"):
        engine.fire(case.id, "tend", "officer-1")
    assert engine.store.case(case.id).version == 1
    assert engine.store.unit("g-a").meetings == ()  # adopt_rules ran first, and was not written


def test_the_engine_implements_every_effect_the_checker_knows():
    assert set(BUILTIN) == set(BUILTIN_EFFECTS)

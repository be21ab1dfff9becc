"""Static checks of workflow definitions: each code, and that disabling is explicit."""

import pytest

from hoinghe.definitions import (
    ApprovalDef,
    ChecksDef,
    Duration,
    EffectRef,
    RoleRef,
    StateDef,
    SubjectSpec,
    TimerDef,
    TransitionDef,
    Vocabulary,
    WorkflowDefinition,
    check_workflow,
    reachable_states,
)
from hoinghe.org import Hierarchy, Level, Text

H = Hierarchy(
    (
        Level("central", Text("Trung ương")),
        Level("province", Text("Tỉnh")),
        Level("commune", Text("Xã")),
        Level("branch", Text("Chi hội"), kinds=("residential", "professional")),
        Level("group", Text("Tổ hội"), kinds=("residential", "professional"), parents=("branch", "commune")),
    )
)
VOCAB = Vocabulary(
    hierarchy=H, roles={"standing_committee", "founder"}, documents={"member_list"}, rules={"MEM-02"}
)


def t(tid, src, dst, **kw):
    return TransitionDef(id=tid, from_=(src,) if isinstance(src, str) else src, to=dst, **kw)


def wf(states=("a", "b", "c"), transitions=None, **kw):
    transitions = transitions if transitions is not None else (t("go", "a", "b"), t("end", "b", "c"))
    base = {
        "id": "w",
        "title": Text("W"),
        "subject": SubjectSpec("group", "professional"),
        "states": tuple(StateDef(s) for s in states),
        "initial": "a",
        "final": ("c",),
        "transitions": tuple(transitions),
    }
    base.update(kw)
    return WorkflowDefinition(**base)


def codes(definition, vocab=VOCAB):
    return sorted(d.code for d in check_workflow(definition, vocab))


def test_a_sound_workflow_is_clean():
    assert codes(wf()) == []
    assert reachable_states(wf()) == {"a", "b", "c"}


def test_w001_unknown_states_everywhere():
    d = wf(transitions=(t("go", "a", "bb"), t("end", ("b", "x"), "c")), initial="a", final=("c", "zz"))
    found = check_workflow(d, VOCAB)
    unknown = [x for x in found if x.code == "HNG-W001"]
    assert {x.path for x in unknown} == {"$.transitions[0].to", "$.transitions[1].from[1]", "$.final[1]"}
    assert any("did you mean 'b'" in str(x.message) for x in unknown)


def test_w002_duplicate_states_and_transitions():
    d = wf(states=("a", "b", "c", "b"), transitions=(t("go", "a", "b"), t("go", "b", "c")))
    assert codes(d) == ["HNG-W002", "HNG-W002"]


def test_w003_unreachable_state():
    d = wf(
        states=("a", "b", "c", "orphan"),
        transitions=(t("go", "a", "b"), t("end", "b", "c"), t("x", "orphan", "c")),
    )
    found = check_workflow(d, VOCAB)
    assert [(x.code, x.path) for x in found] == [("HNG-W003", "$.states[3]")]


def test_w004_trap_state_has_no_path_to_a_final_state():
    d = wf(
        states=("a", "b", "c", "loop"),
        transitions=(t("go", "a", "b"), t("end", "b", "c"), t("in", "a", "loop"), t("spin", "loop", "loop")),
    )
    found = check_workflow(d, VOCAB)
    assert [(x.code, x.path) for x in found] == [("HNG-W004", "$.states[3]")]
    assert "can never finish" in str(found[0].message)


def test_w004_no_final_state_declared():
    assert "HNG-W004" in codes(wf(final=()))


def test_w005_transition_out_of_a_final_state():
    d = wf(transitions=(t("go", "a", "b"), t("end", "b", "c"), t("reopen", "c", "a")))
    assert codes(d) == ["HNG-W005"]


def test_w006_w007_roles_and_levels_must_exist():
    d = wf(
        transitions=(
            t("go", "a", "b", by=(RoleRef("standing_comittee", "commune"),)),
            t("end", "b", "c", by=(RoleRef("founder", "district"),)),
        )
    )
    found = check_workflow(d, VOCAB)
    assert [x.code for x in found] == ["HNG-W006", "HNG-W007"]
    assert "did you mean 'standing_committee'" in str(found[0].message)
    assert found[1].path == "$.transitions[1].by[0].at"


def test_relative_units_are_valid_places_for_a_role():
    for at in ("subject", "parent", "lowest_common_parent", "province"):
        assert (
            codes(wf(transitions=(t("go", "a", "b", by=(RoleRef("founder", at),)), t("end", "b", "c")))) == []
        )


def test_w007_subject_level_and_w015_kind():
    assert codes(wf(subject=SubjectSpec("district"))) == ["HNG-W007"]
    assert codes(wf(subject=SubjectSpec("commune", "professional"))) == ["HNG-W015"]


def test_w008_w009_w010_documents_rules_effects():
    d = wf(
        transitions=(
            t("go", "a", "b", documents=("member_lst",), rules=("MEM-2",), effects=(EffectRef("activate"),)),
            t("end", "b", "c", effects=(EffectRef("dissolve_unit", {"why": "x"}),)),
        )
    )
    found = check_workflow(d, VOCAB)
    assert [x.code for x in found] == ["HNG-W008", "HNG-W009", "HNG-W010", "HNG-W010"]
    assert "did you mean 'member_list'" in str(found[0].message)
    assert "takes no argument 'why'" in str(found[3].message)


def test_optional_documents_must_be_declared_too():
    d = wf(transitions=(t("go", "a", "b", optional_documents=("busines_plan",)), t("end", "b", "c")))
    (found,) = check_workflow(d, VOCAB)
    assert (found.code, found.path) == ("HNG-W008", "$.transitions[0].optional_documents[0]")


def test_vocabulary_left_out_is_not_checked():
    d = wf(
        transitions=(
            t("go", "a", "b", documents=("anything",), rules=("ANY",), by=(RoleRef("who", "where"),)),
            t("end", "b", "c"),
        )
    )
    assert codes(d, Vocabulary()) == []


def test_w011_timer_targets():
    late = TimerDef(Duration(15, "working_days"), then="fire", transition="withdraw")
    ok = wf(
        states=("a", "b", "c", "w"),
        final=("c", "w"),
        transitions=(t("go", "a", "b", deadline=late), t("end", "b", "c"), t("withdraw", ("a", "b"), "w")),
    )
    assert codes(ok) == []
    missing = TimerDef(Duration(1, "days"), then="fire", transition="nope")
    assert codes(wf(transitions=(t("go", "a", "b", deadline=missing), t("end", "b", "c")))) == ["HNG-W011"]
    wrong_state = TimerDef(Duration(1, "days"), then="fire", transition="go")
    assert codes(wf(transitions=(t("go", "a", "b"), t("end", "b", "c", deadline=wrong_state)))) == [
        "HNG-W011"
    ]
    no_target = TimerDef(Duration(1, "days"), then="fire")
    assert codes(wf(transitions=(t("go", "a", "b", deadline=no_target), t("end", "b", "c")))) == ["HNG-W011"]


def test_w012_quorum_must_be_reachable():
    bodies = (RoleRef("standing_committee", "commune"), RoleRef("founder"))
    assert (
        codes(
            wf(transitions=(t("go", "a", "b", approvals=ApprovalDef(bodies, quorum=2)), t("end", "b", "c")))
        )
        == []
    )
    assert codes(
        wf(transitions=(t("go", "a", "b", approvals=ApprovalDef(bodies, quorum=3)), t("end", "b", "c")))
    ) == ["HNG-W012"]


def test_w014_dead_end_is_a_warning():
    d = wf(
        states=("a", "b", "c", "stuck"),
        transitions=(t("go", "a", "b"), t("end", "b", "c"), t("oops", "a", "stuck")),
    )
    found = check_workflow(d, VOCAB)
    assert sorted(x.code for x in found) == ["HNG-W004", "HNG-W014"]
    assert not next(x for x in found if x.code == "HNG-W014").is_error


def test_checks_are_only_switched_off_explicitly_and_codes_are_validated():
    d = wf(states=("a", "b", "c", "orphan"), checks=ChecksDef(disable=("HNG-W003", "HNG-W004", "HNG-W014")))
    assert codes(d) == []
    bad = wf(checks=ChecksDef(disable=("HNG-W999", "HNG-Y001")))
    assert codes(bad) == ["HNG-W013", "HNG-W013"]


@pytest.mark.parametrize("text", ["15 working_days", "  3 days ", "6 months", "1 years"])
def test_duration_parse_round_trips(text):
    d = Duration.parse(text)
    assert Duration.parse(str(d)) == d


@pytest.mark.parametrize("text", ["15", "two days", "3 weeks", "-1 days", "99999 days"])
def test_duration_parse_refuses_with_the_units_named(text):
    with pytest.raises(ValueError, match="working_days"):
        Duration.parse(text)

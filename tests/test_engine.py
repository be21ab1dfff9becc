"""The engine's decisions: open, fire, check, available, history; refusals and what they write."""

from __future__ import annotations

import json
import pickle

import attrs
import pytest

import world
from hoinghe import Citation, Document, Refused, RuleDef, RulePack, Text
from hoinghe.definitions import AppliesTo
from hoinghe.errors import ConflictError, NotFound
from hoinghe.records import fold


def test_a_group_is_founded_end_to_end():
    engine = world.engine()
    case_id = world.found_until_submitted(engine)
    case = engine.fire(case_id, "approve", "btv-1", documents=world.DECISION)
    assert case.state == "approved"
    unit = engine.store.unit("g-new")
    assert unit.status == "active"
    assert unit.founded_on == world.START.date()
    assert unit.members == ("f1", "f2", "f3", "f4", "f5", "f6")
    assert unit.leaders == {"group_leader": ("f1",), "group_deputy": ("f2",)}
    assert unit.term_start == world.START.date()
    case = engine.fire(case_id, "launch", "officer-1")
    assert (case.state, case.closed) == ("launched", True)
    assert [e.transition for e in engine.history(case_id)] == [
        None,
        "survey",
        "start_outreach",
        "collect_applications",
        "hold_founding_meeting",
        "submit_dossier",
        "approve",
        "launch",
    ]


def test_opening_a_founding_stores_the_unit_as_proposed():
    engine = world.engine()
    case = engine.open("found-professional-group", world.new_group(), "officer-1")
    assert engine.store.unit("g-new").status == "proposed"
    assert (case.state, case.version, case.proposer, case.subject) == ("proposed", 1, "officer-1", "g-new")
    assert case.definition == engine.current_version("found-professional-group")


def test_four_members_are_refused_with_mem_02_in_both_languages():
    engine = world.engine()
    with pytest.raises(Refused) as refused:
        world.found_until_submitted(engine, members=("f1", "f2", "f3", "f4"))
    (blocker,) = refused.value.blockers
    assert (blocker.kind, blocker.code, blocker.rule_id) == ("rule", "HNG-B005", "MEM-02")
    assert blocker.message.vi == "Tổ hội nghề nghiệp cần ít nhất 5 hội viên; hiện có 4."
    assert blocker.message.en == "A professional group needs at least 5 members; it has 4."
    assert blocker.citation is not None
    assert blocker.citation.doc == "205-HD/HNDTW"
    assert any("4" in line and ">=" in line for line in blocker.explanation)
    assert "MEM-02" in str(refused.value)


def test_a_refused_fire_writes_nothing():
    engine = world.engine()
    case = engine.open("found-professional-group", world.new_group(), "officer-1")
    before = (engine.store.case(case.id), engine.history(case.id), engine.store.timers(case.id))
    with pytest.raises(Refused):
        engine.fire(case.id, "survey", "officer-1")  # the survey report is missing
    assert (engine.store.case(case.id), engine.history(case.id), engine.store.timers(case.id)) == before


def test_a_refusal_is_kept_when_asked_and_changes_no_state():
    engine = world.engine()
    case = engine.open("found-professional-group", world.new_group(), "officer-1")
    with pytest.raises(Refused):
        engine.fire(case.id, "survey", "btv-9", record_refusal=True)
    after = engine.store.case(case.id)
    assert (after.state, after.version) == ("proposed", 2)
    last = engine.history(case.id)[-1]
    assert (last.kind, last.transition, last.actor) == ("refused", "survey", "btv-9")
    assert set(last.refusal) == {"HNG-B002", "HNG-B004"}


def test_check_lists_every_blocker_at_once():
    engine = world.engine()
    case = engine.open("found-professional-group", world.new_group(), "officer-1")
    engine.fire(case.id, "survey", "officer-1", documents={"survey_report": "u"})
    engine.fire(case.id, "start_outreach", "officer-1")
    verdict = engine.check(
        case.id,
        "collect_applications",
        "btv-9",  # a standing committee of a commune in another province
        data={"members": ["f1", "f2", "f17", "f18"]},  # four, one not in the union, one growing rice
    )
    assert not verdict.allowed
    kinds = [(b.kind, b.rule_id or b.required) for b in verdict.blockers]
    assert ("permission", ("founding_committee@g-new", "union_officer@c-1")) in kinds
    assert ("document", ("voluntary_applications",)) in kinds
    assert ("document", ("member_list",)) in kinds
    assert {"MEM-02", "MEM-05", "MEM-08"} <= {b.rule_id for b in verdict.blockers}
    assert engine.store.case(case.id).version == 3  # nothing written


def test_check_allows_what_fire_then_does():
    engine = world.engine()
    case_id = world.found_until_submitted(engine)
    verdict = engine.check(case_id, "approve", "btv-1", documents=world.DECISION)
    assert verdict.allowed
    assert verdict
    assert verdict.target == "approved"
    assert {"MEM-02", "MEM-05", "MEM-08", "HIER-02"} <= set(verdict.rules)
    assert engine.store.unit("g-new").status == "proposed"  # check applies no effect


def test_a_transition_from_another_state_is_refused_naming_the_states():
    engine = world.engine()
    case = engine.open("found-professional-group", world.new_group(), "officer-1")
    verdict = engine.check(case.id, "approve", "btv-1", documents=world.DECISION)
    state = [b for b in verdict.blockers if b.kind == "state"]
    assert [b.code for b in state] == ["HNG-B001"]
    assert "dossier_submitted" in state[0].message.get("en")


def test_an_unknown_transition_is_not_found():
    engine = world.engine()
    case = engine.open("found-professional-group", world.new_group(), "officer-1")
    with pytest.raises(NotFound, match="no transition 'aprove'"):
        engine.fire(case.id, "aprove", "btv-1")


def test_a_closed_case_refuses_everything():
    engine = world.engine()
    case = engine.open("found-professional-group", world.new_group(), "officer-1")
    engine.fire(case.id, "withdraw", "btv-1")
    verdict = engine.check(case.id, "survey", "officer-1", documents={"survey_report": "u"})
    assert [b.code for b in verdict.blockers] == ["HNG-B007"]


def test_a_document_the_step_does_not_take_is_refused():
    engine = world.engine()
    case = engine.open("found-professional-group", world.new_group(), "officer-1")
    verdict = engine.check(
        case.id, "survey", "officer-1", documents={"survey_report": "u", "merge_plan": "u"}
    )
    (blocker,) = verdict.blockers
    assert (blocker.code, blocker.required) == ("HNG-B009", ("merge_plan",))


def test_documents_are_kept_latest_per_kind_with_metadata():
    engine = world.engine()
    case = engine.open("found-professional-group", world.new_group(), "officer-1")
    first = Document("survey_report", "s3://hoso/khao-sat-v1.pdf", "Báo cáo khảo sát", "ab" * 32)
    case = engine.fire(case.id, "survey", "officer-1", documents=[first])
    assert case.document("survey_report") == first
    assert engine.history(case.id)[-1].documents == (first,)


def test_missing_documents_are_named_in_both_languages():
    engine = world.engine()
    case = engine.open("found-professional-group", world.new_group(), "officer-1")
    (blocker,) = engine.check(case.id, "survey", "officer-1").blockers
    assert blocker.kind == "document"
    assert "Báo cáo khảo sát" in blocker.message.vi or "khảo sát" in blocker.message.vi
    assert "survey" in blocker.message.get("en").lower()


def test_available_says_what_the_actor_may_do_and_why_not_the_rest():
    engine = world.engine()
    case_id = world.found_until_submitted(engine)
    options = {o.transition: o for o in engine.available(case_id, "btv-1")}
    assert set(options) == {"return_dossier", "approve", "reject", "withdraw"}
    assert options["reject"].allowed
    assert options["return_dossier"].allowed
    assert not options["approve"].allowed  # the decisions are not attached yet
    assert {b.kind for b in options["approve"].verdict.blockers} == {"document"}
    officer = {o.transition: o for o in engine.available(case_id, "officer-1")}
    assert not officer["approve"].allowed
    assert "permission" in {b.kind for b in officer["approve"].verdict.blockers}


def test_expected_version_guards_against_stale_reads():
    engine = world.engine()
    case = engine.open("found-professional-group", world.new_group(), "officer-1")
    engine.fire(case.id, "survey", "officer-1", documents={"survey_report": "u"}, expected_version=1)
    with pytest.raises(ConflictError) as conflict:
        engine.fire(case.id, "start_outreach", "officer-1", expected_version=1)
    assert (conflict.value.expected, conflict.value.actual) == (1, 2)
    assert engine.store.case(case.id).state == "surveyed"


def test_the_case_is_the_fold_of_its_events():
    engine = world.engine()
    case_id = world.found_until_submitted(engine)
    engine.fire(case_id, "approve", "btv-1", documents=world.DECISION)
    assert fold(engine.history(case_id)) == engine.store.case(case_id)
    assert [e.seq for e in engine.history(case_id)] == list(range(1, 8))


def test_case_data_accumulates_key_by_key():
    engine = world.engine()
    case_id = world.found_until_submitted(engine)
    data = engine.store.case(case_id).data
    assert data == {
        "members": ("f1", "f2", "f3", "f4", "f5", "f6"),
        "leaders": {"group_leader": "f1", "group_deputy": "f2"},
    }


def test_records_read_from_the_store_cannot_be_changed_in_place():
    engine = world.engine()
    case_id = world.found_until_submitted(engine)
    case = engine.case(case_id)
    with pytest.raises(AttributeError):
        case.data["members"].append("f17")  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="cannot be changed"):
        case.data["members"] = ()  # type: ignore[index]
    with pytest.raises(TypeError, match="cannot be changed"):
        engine.history(case_id)[3].data.update(members=[])
    engine.fire(case_id, "approve", "btv-1", documents=world.DECISION)
    leaders = engine.store.unit("g-new").leaders
    with pytest.raises(TypeError, match="cannot be changed"):
        leaders["group_leader"] = ("f9",)
    assert engine.history(case_id)[3].data == {"members": ("f1", "f2", "f3", "f4", "f5", "f6")}


def test_records_travel_to_other_processes():
    engine = world.engine()
    case_id = world.found_until_submitted(engine)
    case = engine.case(case_id)
    assert pickle.loads(pickle.dumps(case)) == case  # noqa: S301 - our own bytes
    assert json.loads(json.dumps(dict(case.data))) == {
        "members": ["f1", "f2", "f3", "f4", "f5", "f6"],
        "leaders": {"group_leader": "f1", "group_deputy": "f2"},
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"members": {"f1"}}, "data.members is a set"),
        ({"x": [object()]}, r"data.x\[0\] is a object"),
        ({1: "a"}, "keys are text"),
    ],
)
def test_case_data_must_be_plain(data, message):
    engine = world.engine()
    case = engine.open("found-professional-group", world.new_group(), "officer-1")
    with pytest.raises(ValueError, match=message):
        engine.fire(case.id, "survey", "officer-1", documents={"survey_report": "u"}, data=data)


def test_a_member_list_naming_an_unknown_person_is_a_data_blocker():
    engine = world.engine()
    case = engine.open(
        "found-professional-group", world.new_group(), "officer-1", data={"members": ["f1", "nobody"]}
    )
    engine.fire(case.id, "survey", "officer-1", documents={"survey_report": "u"})
    engine.fire(case.id, "start_outreach", "officer-1")
    verdict = engine.check(
        case.id,
        "collect_applications",
        "officer-1",
        documents={"voluntary_applications": "u", "member_list": "u"},
    )
    assert [b.code for b in verdict.blockers] == ["HNG-B008"]
    assert "nobody" in (verdict.blockers[0].message.en or "")


def test_opening_a_workflow_on_the_wrong_kind_of_unit_is_refused():
    engine = world.engine()
    with pytest.raises(Refused) as refused:
        engine.open("review-unit", "c-1", "btv-1")
    assert refused.value.blockers[0].code == "HNG-B010"
    with pytest.raises(TypeError, match=r"pass the new hoinghe\.Unit"):
        engine.open("found-professional-group", "c-1", "officer-1")
    with pytest.raises(TypeError, match="pass its id"):
        engine.open("dissolve-unit", world.new_group(), "btv-1")


def test_founding_a_unit_under_a_unit_of_the_wrong_level_is_refused():
    engine = world.engine()
    with pytest.raises(Refused, match=r"cannot sit under p-1 \(province\)") as refused:
        engine.open("found-professional-group", world.new_group(commune="p-1"), "officer-1")
    assert refused.value.blockers[0].code == "HNG-B010"


def test_founding_a_unit_whose_id_exists_is_refused():
    engine = world.engine()
    with pytest.raises(Refused, match="exists already"):
        engine.open("found-professional-group", attrs.evolve(world.new_group(), id="c-2"), "officer-1")


def test_a_warning_rule_reports_without_blocking():
    advice = RulePack(
        "advice",
        Text("Khuyến nghị", "Advice"),
        rules=(
            RuleDef(
                "ADV-01",
                "subject.member_count >= 10",
                Text("Nên có từ 10 hội viên", "Ten members or more is advised"),
                Citation("test"),
                applies_to=AppliesTo(
                    workflows=("found-professional-group",), transitions=("submit_dossier",)
                ),
                severity="warning",
            ),
        ),
    )
    base = world.profile()
    engine = world.engine(profile=attrs.evolve(base, rule_packs=(*base.rule_packs, advice)))
    case_id = world.found_until_submitted(engine)  # six members: warned, not refused
    (event,) = [e for e in engine.history(case_id) if e.transition == "submit_dossier"]
    assert event.warnings == ("ADV-01",)
    assert "ADV-01" not in event.rules

"""Rules in force for a profile, compiled once, and their verdicts with messages, explanations and citations."""

import datetime as dt

import pytest

from hoinghe.definitions import Citation, Effective, ParamDef, RuleDef, RulePack
from hoinghe.errors import DefinitionError
from hoinghe.loading import load_profile
from hoinghe.org import Text
from hoinghe.rules.ruleset import RuleSet


def group(members: int, *, union_members: int | None = None, communes=("c1",), trade="rice"):
    union_members = members if union_members is None else union_members
    people = [
        {
            "id": f"m{i}",
            "name": f"M {i}",
            "age": 40,
            "birth_date": dt.date(1986, 1, 1),
            "commune": communes[i % len(communes)],
            "trades": [trade],
            "union_member": i < union_members,
            "in_units": ["g1"],
            "professional_units": 1,
            "borrower": False,
        }
        for i in range(members)
    ]
    return {
        "subject": {
            "id": "g1",
            "level": "group",
            "kind": "professional",
            "status": "proposed",
            "trade": trade,
            "name": "Tổ hội trồng lúa",
            "member_count": members,
            "union_member_count": union_members,
            "min_age": 40,
            "max_age": 40,
            "trades": [trade],
            "communes": sorted(set(communes)),
            "leaders": {"group_leader": "m0", "deputy_leader": "m1"},
            "leader_count": 1,
            "deputy_count": 1,
            "documents": [
                "request_to_found",
                "member_list",
                "voluntary_applications",
                "founding_minutes",
                "operating_rules",
            ],
            "months_active": 0,
            "founded_on": dt.date(2026, 1, 5),
            "rating": "",
            "contract_signed_share": 0.0,
            "meetings_last_year": 0,
        },
        "members": people,
        "parent": {"id": "c1", "level": "commune", "kind": "", "name": "Xã 1"},
        "case": {
            "id": "k1",
            "workflow": "found-professional-group",
            "state": "founding_meeting_held",
            "opened_on": dt.date(2026, 1, 5),
            "approvals": [],
            "days_in_state": 0,
            "proposer": "a1",
        },
        "actor": {"id": "a1", "roles": []},
        "today": dt.date(2026, 3, 2),
    }


@pytest.fixture(scope="module")
def vn2019():
    profile = load_profile("vn-2019")
    return RuleSet.build(profile.rule_packs, on=dt.date(2026, 3, 2))


def decide(rules: RuleSet, facts, transition="submit_dossier", named=("MEM-02",)):
    chosen = rules.select(
        named, level="group", kind="professional", workflow="found-professional-group", transition=transition
    )
    return rules.check(chosen, facts)


def test_a_group_of_four_is_refused_with_mem02_in_both_languages_and_its_citation(vn2019):
    failures = {f.rule_id: f for f in decide(vn2019, group(4))}
    mem02 = failures["MEM-02"]
    assert mem02.blocks
    assert "5" in mem02.message.vi
    assert "4" in mem02.message.vi
    assert mem02.message.en is not None
    assert "4" in mem02.message.en
    assert mem02.citation.doc == "205-HD/HNDTW"
    assert mem02.explanation == ("subject.union_member_count (4) >= params.group_min_members (5) is false",)
    assert mem02.describe("en").startswith("MEM-02: ")


def test_a_sound_group_passes_every_rule_attached_to_the_dossier(vn2019):
    failures = decide(vn2019, group(7))
    assert [f.rule_id for f in failures if f.blocks] == []


def test_non_members_fail_mem08_with_the_first_offender_explained(vn2019):
    failures = {f.rule_id: f for f in decide(vn2019, group(7, union_members=5))}
    assert "MEM-08" in failures
    assert any("m5" in line for line in failures["MEM-08"].explanation)


def test_a_province_pack_tightens_the_maximum():
    rules = RuleSet.build(load_profile("tuyen-quang").rule_packs, on=dt.date(2026, 3, 2))
    assert rules.params["group_max_members"] == 30
    failures = {f.rule_id for f in decide(rules, group(31), named=("MEM-02", "MEM-03", "MEM-04"))}
    assert "MEM-03" in failures
    spread = {f.rule_id for f in decide(rules, group(8, communes=("c1", "c2")), named=("MEM-04",))}
    assert "MEM-04" in spread
    # The national profile has neither the maximum nor the same-commune requirement.
    national = RuleSet.build(load_profile("vn-2019").rule_packs, on=dt.date(2026, 3, 2))
    failures = {
        f.rule_id for f in decide(national, group(31, communes=("c1", "c2")), named=("MEM-03", "MEM-04"))
    }
    assert not failures & {"MEM-03", "MEM-04"}


def test_select_takes_named_and_attached_rules_matching_the_subject(vn2019):
    chosen = {
        r.id
        for r in vn2019.select(
            ["MEM-02", "MEM-01"],
            level="group",
            kind="professional",
            workflow="found-professional-group",
            transition="submit_dossier",
        )
    }
    assert "MEM-02" in chosen
    assert "MEM-01" not in chosen  # a branch rule, named but not matching a group
    assert "MEM-05" in chosen  # attached by its applies_to


def test_packs_in_force_follow_the_decision_date():
    profile = load_profile("vn-2025")
    before = RuleSet.build(profile.rule_packs, on=dt.date(2024, 6, 30))
    after = RuleSet.build(profile.rule_packs, on=dt.date(2024, 7, 1))
    assert {r.id for r in before.rules} != {r.id for r in after.rules}


def pack(params=None, rules=()):
    return RulePack(id="p", title=Text("P"), params=params or {}, rules=tuple(rules))


def rule(rid="X-1", require="subject.member_count >= params.n", **kw):
    return RuleDef(
        id=rid,
        require=require,
        message=Text("cần {params.n}, có {subject.member_count}", "needs {params.n}"),
        cite=Citation("doc"),
        **kw,
    )


def test_warnings_do_not_block_and_when_false_passes():
    rules = RuleSet.build(
        [
            pack(
                {"n": ParamDef(10, "up")},
                [rule(severity="warning"), rule("X-2", when="subject.kind == 'residential'")],
            )
        ]
    )
    facts = group(3)
    (only,) = rules.check(rules.rules, facts)
    assert only.rule_id == "X-1"
    assert not only.blocks
    assert only.message.vi == "cần 10, có 3"


def test_a_rule_that_cannot_be_evaluated_fails_with_the_reason():
    rules = RuleSet.build(
        [pack({"n": ParamDef(1, "up")}, [rule(require="subject.member_count / 0 > params.n")])]
    )
    (failure,) = rules.check(rules.rules, group(3))
    assert failure.explanation[0].startswith("could not be evaluated")


def test_build_refuses_loosening_and_bad_expressions_listing_each():
    base = pack({"n": ParamDef(5, "up")})
    looser = RulePack(
        id="q", title=Text("Q"), params={"n": ParamDef(3)}, rules=(rule(require="subject.membr_count > 1"),)
    )
    with pytest.raises(DefinitionError) as info:
        RuleSet.build([base, looser])
    assert sorted(d.code for d in info.value.diagnostics) == ["HNG-R002", "HNG-R004"]


def test_effective_dates_on_rules_and_params():
    from_july = Effective(from_=dt.date(2024, 7, 1))
    dated = pack(
        {"n": ParamDef(5, "up", effective=from_july), "m": ParamDef(7, "up")}, [rule(effective=from_july)]
    )
    before = RuleSet.build([dated], on=dt.date(2024, 6, 1))
    assert before.params == {"m": 7}
    assert before.rules == ()
    after = RuleSet.build([dated], on=dt.date(2025, 1, 1))
    assert after.params == {"n": 5, "m": 7}
    assert [r.id for r in after.rules] == ["X-1"]


def test_a_message_shows_a_question_mark_for_a_value_nobody_recorded():
    rule = RuleDef(
        "AGE-01",
        "subject.min_age >= 18",
        Text("Tuổi nhỏ nhất {subject.min_age}, cần {params.min_age}", "Youngest {subject.min_age}"),
        Citation("test"),
    )
    pack = RulePack("p", Text("p"), params={"min_age": ParamDef(18)}, rules=(rule,))
    rules = RuleSet.build([pack])
    (failure,) = rules.check(rules.rules, {"subject": {}})
    assert failure.message == Text("Tuổi nhỏ nhất ?, cần 18", "Youngest ?")
    assert "missing" in failure.explanation[0]

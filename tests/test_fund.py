"""The Farmer Support Fund: the loan workflow, its conditions (Decree 37/2023) and the professional priority."""

from __future__ import annotations

import datetime as dt
import json

import attrs
import pytest
from typer.testing import CliRunner

import hoinghe
import world
from hoinghe import Actor, RoleGrant, Unit
from hoinghe.cli import app
from hoinghe.definitions.rulepack import Effective, ParamDef, RulePack
from hoinghe.engine import Refused
from hoinghe.engine.engine import SYSTEM
from hoinghe.engine.facts import Decision, build_facts
from hoinghe.errors import DefinitionError
from hoinghe.fund import WORKFLOW, ApplicationView, FundError, assess, open_applications, rank
from hoinghe.loading import load_profile
from hoinghe.org.text import Text

ON = dt.date(2026, 3, 10)
DOCS = {"business_plan": "file:///phuong-an.pdf", "loan_application": "file:///don-vay.pdf"}
MILLION = 1_000_000


def org_units() -> list[Unit]:
    """A professional group (f1..f5) and residential groups whose members borrow, all in commune c-1."""
    return [
        Unit(
            "g-pro",
            "group",
            "Tổ hội nghề nghiệp trồng cam",
            "c-1",
            kind="professional",
            trade="cam",
            members=("f1", "f2", "f3", "f4", "f5"),
            leaders={"group_leader": ("f1",)},
            founded_on=dt.date(2024, 5, 1),
        ),
        Unit(
            "g-a",
            "group",
            "Tổ hội thôn 1",
            "c-1",
            kind="residential",
            members=("f1", "f2", "f6", "f13", "f17", "f18"),
        ),
        Unit("g-b", "group", "Tổ hội thôn 2", "c-1", kind="residential", members=("f7", "f8", "f9")),
    ]


FUND_BOARD = Actor("quy-p1", "Ban điều hành Quỹ hỗ trợ nông dân tỉnh", (RoleGrant("fund_board", "p-1"),))


def engine(**kwargs: object) -> hoinghe.Engine:
    eng = world.engine(**kwargs)
    eng.store.put_org(units=org_units(), actors=[FUND_BOARD])
    return eng


def loan(borrowers: list[str], amount: int = 50 * MILLION, months: int = 24, product: str = "cam") -> dict:
    return {
        "borrowers": borrowers,
        "amounts": dict.fromkeys(borrowers, amount),
        "product": product,
        "months": months,
    }


def submitted(eng: hoinghe.Engine, group: str, data: dict) -> str:
    case = eng.open(WORKFLOW, group, "officer-1", data=data)
    eng.fire(case.id, "submit", "officer-1", documents=DOCS)
    return case.id


# ------------------------------------------------------------------------------------------------ the priority


def test_a_professional_groups_members_come_first_and_the_ranking_says_why():
    eng = engine()
    # Opened first, so it would win every tie: only the priority can put the other ahead.
    plain = submitted(eng, "g-b", loan(["f7", "f8"]))
    professional = submitted(eng, "g-a", loan(["f1", "f2"]))

    first, second = rank(eng.store, eng.profile, on=ON)

    assert (first.case_id, second.case_id) == (professional, plain)
    assert (first.position, second.position) == (1, 2)
    assert first.score > second.score
    assert first.share == 1.0
    assert second.share == 0.0
    assert first.conditions_met
    assert second.conditions_met
    assert first.professional == {"f1": ("g-pro",), "f2": ("g-pro",)}
    why = first.describe("en")
    assert "2 of 2 borrowers are members of professional group g-pro (priority, Plan II.2.3)" in why
    assert "all conditions of Decree 37/2023 met" in why
    assert "applied on 2026-03-02" in why
    assert "g-pro" in first.describe("vi")
    assert "ưu tiên" in first.describe("vi")
    assert "none of the 2 borrowers is a member of a professional group or branch" in second.describe("en")


def test_the_priority_is_weighted_by_the_share_of_professional_borrowers():
    eng = engine()
    half = submitted(eng, "g-a", loan(["f1", "f6"]))
    whole = submitted(eng, "g-a", loan(["f2"]))
    ranked = rank(eng.store, eng.profile, on=ON)
    assert [r.case_id for r in ranked] == [whole, half]
    assert ranked[1].share == 0.5
    assert "1 of 2 borrowers is a member of professional group g-pro" in ranked[1].describe("en")
    assert "score 51 = 100 x 1/2 + 1 x 1" in ranked[1].describe("en")


def test_only_an_active_professional_group_gives_priority_and_a_tie_goes_by_case_id():
    eng = engine()
    eng.store.put_org(units=[attrs.evolve(org_units()[0], status="dissolved")])
    plain = submitted(eng, "g-b", loan(["f7", "f8"]))
    other = submitted(eng, "g-a", loan(["f1", "f2"]))
    first, second = rank(eng.store, eng.profile, on=ON)
    assert (first.case_id, second.case_id) == (plain, other)
    assert first.score == second.score
    assert second.share == 0.0
    assert f"same score and day as {plain}: ordered by case id" in second.describe("en")


def test_an_application_meeting_the_conditions_goes_before_an_equal_one_that_does_not():
    eng = engine()
    too_long = submitted(eng, "g-b", loan(["f7"], months=48))
    fine = submitted(eng, "g-b", loan(["f8"]))
    first, second = rank(eng.store, eng.profile, on=ON)
    assert (first.case_id, second.case_id) == (fine, too_long)
    assert second.failed == ("FUND-09",)
    assert not second.conditions_met
    assert any(
        r.en and r.en.startswith("FUND-09: ") and "[Nghị định 37/2023/NĐ-CP]" in r.en for r in second.reasons
    )


def test_an_earlier_application_goes_before_a_later_equal_one():
    eng = engine()
    later = eng.open(WORKFLOW, "g-b", "officer-1", data=loan(["f7"]))
    earlier = submitted(eng, "g-b", loan(["f8"]))
    eng.clock.advance(dt.timedelta(days=3))
    eng.fire(later.id, "submit", "officer-1", documents=DOCS)
    ranked = rank(eng.store, eng.profile, on=ON)
    assert [r.case_id for r in ranked] == [earlier, later.id]
    assert [r.applied_on for r in ranked] == [dt.date(2026, 3, 2), dt.date(2026, 3, 5)]
    assert "nộp hồ sơ ngày 05/03/2026" in ranked[1].describe("vi")


def test_the_weights_are_the_parameters_in_force_on_the_day():
    eng = engine()
    professional = submitted(eng, "g-a", loan(["f1", "f2"], months=60))  # fails FUND-09
    complete = submitted(eng, "g-b", loan(["f7", "f8"]))
    conditions_first = RulePack(
        "fund-2026",
        Text("Quy định của tỉnh về thứ tự cho vay", "A province's order of lending"),
        params={"priority_conditions_weight": ParamDef(1000.0)},
        effective=Effective(from_=dt.date(2026, 6, 1)),
    )
    profile = attrs.evolve(eng.profile, rule_packs=(*eng.profile.rule_packs, conditions_first))
    assert [r.case_id for r in rank(eng.store, profile, on=ON)] == [professional, complete]
    after = rank(eng.store, profile, on=dt.date(2026, 6, 1))
    assert [r.case_id for r in after] == [complete, professional]
    assert "score 1000 = 100 x 0/2 + 1000 x 1" in after[0].describe("en")


def test_the_ranking_is_deterministic_and_reads_views_and_a_scope():
    eng = engine()
    submitted(eng, "g-b", loan(["f7"]))
    submitted(eng, "g-a", loan(["f1"]))
    views = open_applications(eng.store, eng.profile)
    assert rank(eng.store, eng.profile, views, on=ON) == rank(eng.store, eng.profile, on=ON)
    assert rank(eng.store, eng.profile, list(reversed(views)), on=ON) == rank(eng.store, eng.profile, on=ON)
    assert [r.case_id for r in rank(eng.store, eng.profile, on=ON, scope="c-1")] == ["case-2", "case-1"]
    assert rank(eng.store, eng.profile, on=ON, scope="c-2") == []
    with pytest.raises(hoinghe.NotFound):
        rank(eng.store, eng.profile, on=ON, scope="c-404")
    view = ApplicationView("plan-9", "g-b", ("f9",), {"f9": 10 * MILLION}, "cam", 12, dt.date(2026, 1, 1))
    [only] = rank(eng.store, eng.profile, [view], on=ON)
    assert (only.case_id, only.conditions_met, only.position) == ("plan-9", True, 1)


def test_a_draft_is_not_ranked_until_it_is_submitted():
    eng = engine()
    draft = eng.open(WORKFLOW, "g-b", "officer-1", data=loan(["f7"]))
    assert rank(eng.store, eng.profile, on=ON) == []
    eng.fire(draft.id, "submit", "officer-1", documents=DOCS)
    assert [r.case_id for r in rank(eng.store, eng.profile, on=ON)] == [draft.id]


# ------------------------------------------------------------------------------------------------ the conditions


@pytest.mark.parametrize(
    ("borrower", "rule", "says"),
    [
        ("f17", "FUND-03", "not members: ['f17']"),  # not a union member
        ("f13", "FUND-04", "live in: ['c-1', 'c-2']"),  # lives in commune c-2
        ("f18", "FUND-05", "[['cam'], ['lua']]"),  # grows rice, not oranges
    ],
)
def test_each_borrower_rule_refuses_with_its_citation(borrower, rule, says):
    eng = engine()
    case = eng.open(WORKFLOW, "g-a", "officer-1", data=loan(["f6", borrower]))
    with pytest.raises(Refused) as refused:
        eng.fire(case.id, "submit", "officer-1", documents=DOCS)
    [blocker] = refused.value.verdict.blockers
    assert blocker.rule_id == rule
    assert blocker.citation is not None
    assert blocker.citation.doc == "Nghị định 37/2023/NĐ-CP"
    assert says in (blocker.message.en or "")
    # The same application passes once the borrower is left out.
    moved = eng.fire(case.id, "submit", "officer-1", documents=DOCS, data={"borrowers": ["f6", "f1"]})
    assert moved.state == "submitted"


def test_the_union_membership_rule_cites_article_14():
    eng = engine()
    case = eng.open(WORKFLOW, "g-a", "officer-1", data=loan(["f17"]))
    with pytest.raises(Refused) as refused:
        eng.fire(case.id, "submit", "officer-1", documents=DOCS)
    assert str(refused.value.verdict.blockers[0].citation) == "Nghị định 37/2023/NĐ-CP, Điều 14 khoản 1"


def test_a_borrower_is_in_one_plan_at_a_time():
    eng = engine()
    first = submitted(eng, "g-b", loan(["f7", "f8"]))
    second = submitted(eng, "g-b", loan(["f8", "f9"]))
    ranked = {r.case_id: r for r in rank(eng.store, eng.profile, on=ON)}
    assert ranked[first].failed == ("FUND-06",)
    assert ranked[second].failed == ("FUND-06",)
    assert f"{{f8: ['{second}']}}" in ranked[first].describe("en")
    eng.fire(second, "withdraw", "officer-1")
    assert rank(eng.store, eng.profile, on=ON)[0].failed == ()


def test_a_borrower_in_a_plan_of_another_of_their_groups_is_refused_by_the_board():
    """f1 and f2 belong to the professional group and to g-a: a plan on each names them, so the second fails."""
    eng = engine()
    submitted(eng, "g-pro", loan(["f1", "f3"]))
    case_id = verified(eng, "g-a", loan(["f1", "f6"]))
    with pytest.raises(hoinghe.Refused) as caught:
        eng.fire(case_id, "appraise", "quy-p1", documents=APPRAISAL)
    assert [b.rule_id for b in caught.value.verdict.blockers if b.rule_id] == ["FUND-06"]


def test_a_disbursed_loan_holds_its_borrowers_until_its_term_ends():
    eng = engine()
    case_id = submitted(eng, "g-b", loan(["f7"], months=12))
    take_to_disbursed(eng, case_id)
    again = ApplicationView("next", "g-b", ("f7",), {"f7": MILLION}, "cam", 12, ON)
    assert assess(eng.store, eng.profile, again, on=ON).failures[0].rule_id == "FUND-06"
    assert assess(eng.store, eng.profile, again, on=dt.date(2027, 3, 2)).conditions_met
    assert assess(eng.store, eng.profile, again, on=dt.date(2026, 3, 1)).conditions_met  # before that plan


@pytest.mark.parametrize(
    ("data", "failed"),
    [
        (loan(["f7"], amount=101 * MILLION), ("FUND-07",)),
        (loan(["f7"], amount=0), ("FUND-10",)),
        ({**loan(["f7"]), "months": 0}, ("FUND-09",)),
        ({**loan(["f7"]), "product": "lua"}, ("FUND-10",)),
        ({**loan(["f7"]), "product": ""}, ("FUND-10",)),
        ({k: v for k, v in loan(["f7"]).items() if k != "months"}, ("FUND-10",)),
        ({**loan(["f7"]), "amounts": {"f7": MILLION, "f8": MILLION}}, ("FUND-10",)),
        (
            {**loan(["f7"]), "borrowers": ["f7", "f1"], "amounts": {"f7": MILLION, "f1": MILLION}},
            ("FUND-10",),
        ),
    ],
    ids=[
        "household-ceiling",
        "no-amount",
        "no-term",
        "other-product",
        "no-product",
        "months-missing",
        "amount-for-a-non-borrower",
        "outsider",
    ],
)
def test_the_loan_terms_fail_with_their_rule(data, failed):
    eng = engine()
    case = eng.open(WORKFLOW, "g-b", "officer-1", data=data)
    found = assess(eng.store, eng.profile, ApplicationView.from_case(case), on=ON)
    assert tuple(f.rule_id for f in found.failures) == failed
    assert all(f.citation.doc == "Nghị định 37/2023/NĐ-CP" for f in found.failures)
    assert "FUND-03" in found.passed


def test_the_project_ceiling_counts_the_whole_plan():
    eng = engine()
    eng.store.put_org(units=[attrs.evolve(org_units()[2], members=tuple(f"f{i}" for i in range(1, 13)))])
    borrowers = [f"f{i}" for i in range(1, 13)]  # twelve households of oranges, 1.2 billion VND in all
    case = eng.open(WORKFLOW, "g-b", "officer-1", data=loan(borrowers, amount=100 * MILLION))
    view = ApplicationView.from_case(case)
    assert assess(eng.store, eng.profile, view, on=ON).conditions_met
    lower = RulePack(
        "quy-tinh",
        Text("Quỹ tỉnh", "A provincial fund"),
        params={"group_project_ceiling_vnd": ParamDef(1_000 * MILLION)},
    )
    profile = attrs.evolve(eng.profile, rule_packs=(*eng.profile.rule_packs, lower))
    found = assess(eng.store, profile, view, on=ON)
    assert [f.rule_id for f in found.failures] == ["FUND-08"]
    assert "this one asks 1200000000 VND" in (found.failures[0].message.en or "")


PROVINCE_PACK = """\
hoinghe: 1
kind: rules
id: quy-tinh-2026
title:
  vi: Quy định cho vay của Quỹ hỗ trợ nông dân tỉnh
  en: The provincial Fund's lending rules
params:
  household_ceiling_vnd:
    value: {ceiling}
"""

PROVINCE_PROFILE = """\
hoinghe: 1
kind: profile
id: tinh-thu
title:
  vi: Tỉnh thử
  en: A test province
extends: vn-2025
rules: [quy-tinh-2026]
"""


def province(tmp_path, ceiling: int):
    (tmp_path / "pack.yaml").write_text(PROVINCE_PACK.format(ceiling=ceiling), "utf-8")
    (tmp_path / "profile.yaml").write_text(PROVINCE_PROFILE, "utf-8")
    return load_profile("tinh-thu", [tmp_path])


def test_the_ceilings_are_parameters_a_province_lowers(tmp_path):
    eng = engine()
    case = submitted(eng, "g-b", loan(["f7", "f8"], amount=50 * MILLION))
    [central] = rank(eng.store, eng.profile, on=ON)
    assert central.conditions_met
    [provincial] = rank(eng.store, province(tmp_path, 40 * MILLION), on=ON)
    assert provincial.case_id == case
    assert provincial.failed == ("FUND-07",)
    assert "A household borrows at most 40000000 VND" in provincial.describe("en")


def test_a_province_may_not_raise_a_ceiling(tmp_path):
    eng = engine()
    submitted(eng, "g-b", loan(["f7"]))
    with pytest.raises(DefinitionError, match="household_ceiling_vnd"):
        rank(eng.store, province(tmp_path, 500 * MILLION), on=ON)


def test_malformed_case_data_is_reported_with_its_path():
    eng = engine()
    case = eng.open(
        WORKFLOW, "g-b", "officer-1", data={**loan(["f7", 3]), "amounts": {"f7": "a lot"}, "months": "12"}
    )
    with pytest.raises(FundError) as error:
        ApplicationView.from_case(case)
    paths = [d.path for d in error.value.diagnostics]
    assert paths == ["$.data.borrowers[1]", "$.data.amounts.f7", "$.data.months"]
    assert all(d.code == "HNG-W020" for d in error.value.diagnostics)
    assert error.value.code == "HNG-E015"
    assert isinstance(error.value, ValueError)


def test_missing_parameters_are_an_error_naming_them():
    eng = engine()

    def without(*names: str) -> hoinghe.Profile:
        packs = tuple(
            attrs.evolve(p, params={k: v for k, v in p.params.items() if k not in names})
            for p in eng.profile.rule_packs
        )
        return attrs.evolve(eng.profile, rule_packs=packs)

    with pytest.raises(FundError, match="parameter priority_professional_weight is not defined") as error:
        rank(eng.store, without("priority_professional_weight"), [], on=ON)
    assert "tham số priority_professional_weight không được khai báo" in error.value.describe("vi")
    # A condition reading a parameter no pack defines is a rule that does not compile: the packs are wrong.
    with pytest.raises(DefinitionError, match="FUND-07") as wrong:
        rank(eng.store, without("household_ceiling_vnd"), [], on=ON)
    assert "unknown field 'household_ceiling_vnd' of params" in str(wrong.value)


# ------------------------------------------------------------------------------------------------ the engine's verdict

VERIFIED = {"residence_certification": "file:///xac-nhan.pdf"}
APPRAISAL = {"loan_appraisal": "file:///tham-dinh.pdf"}
DECISION = {"loan_decision": "file:///quyet-dinh.pdf"}


def verified(eng: hoinghe.Engine, group: str, data: dict) -> str:
    """An application submitted and checked by the commune union, which checks the borrowers only."""
    case_id = submitted(eng, group, data)
    eng.fire(case_id, "verify", "btv-1", documents=VERIFIED)
    return case_id


def refusal(
    eng: hoinghe.Engine, case_id: str, step: str, documents: dict, **kwargs: object
) -> hoinghe.Blocker:
    with pytest.raises(Refused) as refused:
        eng.fire(case_id, step, "quy-p1", documents=documents, **kwargs)
    [blocker] = refused.value.verdict.blockers
    return blocker


def test_the_board_may_not_lend_a_household_more_than_the_ceiling():
    eng = engine()
    case_id = verified(eng, "g-b", loan(["f7", "f8"], amount=150 * MILLION))

    blocker = refusal(eng, case_id, "appraise", APPRAISAL)

    assert (blocker.code, blocker.rule_id) == ("HNG-B005", "FUND-07")
    assert str(blocker.citation) == "Nghị định 37/2023/NĐ-CP"
    assert blocker.message.en == (
        "A household borrows at most 100000000 VND; the largest amount asked is 150000000 VND."
    )
    assert (
        blocker.message.vi == "Mỗi hộ vay không quá 100000000 đồng; hộ đề nghị vay nhiều nhất 150000000 đồng."
    )
    assert eng.case(case_id).state == "verified"
    # Within the ceiling the board appraises it; raising an amount at the decision is refused the same way.
    within = {"amounts": {"f7": 100 * MILLION, "f8": 60 * MILLION}}
    assert eng.fire(case_id, "appraise", "quy-p1", documents=APPRAISAL, data=within).state == "appraised"
    raised = {"amounts": {"f7": 100 * MILLION, "f8": 120 * MILLION}}
    blocker = refusal(eng, case_id, "approve", DECISION, data=raised)
    assert blocker.rule_id == "FUND-07"
    assert "the largest amount asked is 120000000 VND" in blocker.message.en
    assert eng.fire(case_id, "approve", "quy-p1", documents=DECISION).state == "approved"


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_the_board_may_not_lend_to_a_borrower_already_in_another_open_plan(backend, tmp_path):
    store = hoinghe.SqlStore(f"sqlite:///{tmp_path / 'fund.db'}") if backend == "sqlite" else world.store()
    if backend == "sqlite":
        store.put_org(units=world.units(), members=world.members(), actors=world.actors())
    try:
        eng = engine(store=store)
        first = submitted(eng, "g-b", loan(["f7", "f8"]))
        second = verified(eng, "g-b", loan(["f8", "f9"]))

        blocker = refusal(eng, second, "appraise", APPRAISAL)

        assert blocker.rule_id == "FUND-06"
        assert blocker.citation is not None
        assert blocker.citation.doc == "Nghị định 37/2023/NĐ-CP"
        assert blocker.message.en == (
            f"A borrower is in one group plan at a time; borrowers already in another plan: {{f8: ['{first}']}}."
        )
        eng.fire(first, "withdraw", "officer-1")
        assert eng.fire(second, "appraise", "quy-p1", documents=APPRAISAL).state == "appraised"
        eng.close()
    finally:
        if backend == "sqlite":
            store.close()


def test_a_disbursed_plan_holds_its_borrowers_at_the_board_until_its_term_ends():
    eng = engine()
    take_to_disbursed(eng, submitted(eng, "g-b", loan(["f7"], months=12)))
    again = verified(eng, "g-b", loan(["f7", "f8"]))
    assert refusal(eng, again, "appraise", APPRAISAL).rule_id == "FUND-06"
    eng.clock.advance(dt.timedelta(days=366))
    assert eng.fire(again, "appraise", "quy-p1", documents=APPRAISAL).state == "appraised"


def test_an_incomplete_application_is_refused_at_the_board_with_what_is_missing():
    eng = engine()
    case_id = verified(eng, "g-b", {k: v for k, v in loan(["f7"]).items() if k != "months"})
    blocker = refusal(eng, case_id, "appraise", APPRAISAL)
    assert blocker.rule_id == "FUND-10"
    assert "product: 'cam', term: ? months" in blocker.message.en


def branch_and_group() -> list[Unit]:
    """A residential branch of commune c-1 and a group inside it, two of whose members live in commune c-2."""
    return [
        Unit("b-1", "branch", "Chi hội thôn Đồng Xe", "c-1", kind="residential", members=("f9", "f10")),
        Unit("g-in", "group", "Tổ hội xóm 2", "b-1", kind="residential", members=("f9", "f10", "f14", "f15")),
    ]


@pytest.mark.parametrize(
    ("borrowers", "lives_in"), [(["f9", "f10"], None), (["f14", "f15"], "['c-2', 'c-2']")], ids=["c-1", "c-2"]
)
def test_a_group_in_a_branch_lends_to_households_of_the_branchs_commune(borrowers, lives_in):
    eng = engine()
    eng.store.put_org(units=branch_and_group())
    case = eng.open(WORKFLOW, "g-in", "officer-1", data=loan(borrowers))
    if lives_in is None:
        assert eng.fire(case.id, "submit", "officer-1", documents=DOCS).state == "submitted"
        return
    # Both live in one commune, but not in c-1, where the branch and its group are.
    with pytest.raises(Refused) as refused:
        eng.fire(case.id, "submit", "officer-1", documents=DOCS)
    [blocker] = refused.value.verdict.blockers
    assert blocker.rule_id == "FUND-04"
    assert f"the borrowers live in: {lives_in}" in blocker.message.en


def test_the_subject_names_its_commune_union_through_a_branch():
    store = world.store()
    store.put_org(units=branch_and_group())

    def facts_of(unit_id: str, data: dict | None = None) -> dict:
        case = loan_case(unit_id, data or {})
        return build_facts(store, Decision(case, store.unit(unit_id), SYSTEM, ON, (), {}))

    assert facts_of("g-in")["subject"]["commune"] == "c-1"
    assert facts_of("b-1")["subject"]["commune"] == "c-1"
    assert facts_of("c-2")["subject"]["commune"] == "c-2"
    assert "commune" not in facts_of("p-1")["subject"]
    assert "loan" not in facts_of("g-in", {"borrowers": ["f9"]})  # a founding dossier's planned borrowers
    loan_facts = facts_of(
        "g-in", {"borrowers": ["f9", "f1", 3], "amounts": {"f9": 10, "f1": -1}, "months": "6"}
    )
    assert loan_facts["loan"]["borrowers"] == ["f9", "f1"]
    assert loan_facts["loan"]["amounts"] == {"f9": 10}  # a negative amount is no amount: FUND-10 says so
    assert loan_facts["loan"]["outsiders"] == ["f1"]
    assert (loan_facts["loan"]["product"], "months" in loan_facts["loan"]) == ("", False)


def loan_case(unit_id: str, data: dict) -> hoinghe.Case:
    at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    return hoinghe.Case("c", WORKFLOW, "", unit_id, "drafted", 1, at, at, "officer-1", data=data)


def test_the_other_applications_are_read_by_unit_and_only_when_a_rule_asks(monkeypatch):
    """Only the plans on the units the borrowers belong to are read, so a decision's cost does not grow with
    the Fund's cases in the whole store."""
    eng = engine()
    calls: list[dict] = []
    read = eng.store.cases

    def cases(**filters):
        calls.append(filters)
        return read(**filters)

    monkeypatch.setattr(eng.store, "cases", cases)
    world.found_until_submitted(eng)
    case_id = verified(eng, "g-b", loan(["f7"]))
    assert calls == []  # founding a group, submitting and verifying a loan: no rule reads the other plans
    eng.fire(case_id, "appraise", "quy-p1", documents=APPRAISAL)
    units = ["g-b", *(u.id for u in eng.store.memberships("f7") if u.id != "g-b")]
    assert calls == [{"workflow": WORKFLOW, "subject": unit} for unit in units]


def test_a_province_lowering_the_household_ceiling_turns_the_boards_verdict(tmp_path):
    data = loan(["f7", "f8"], amount=50 * MILLION)
    central = engine()
    assert central.fire(verified(central, "g-b", data), "appraise", "quy-p1", documents=APPRAISAL).state == (
        "appraised"
    )
    provincial = engine(profile=province(tmp_path, 40 * MILLION))
    blocker = refusal(provincial, verified(provincial, "g-b", data), "appraise", APPRAISAL)
    assert blocker.rule_id == "FUND-07"
    assert (
        blocker.message.en
        == "A household borrows at most 40000000 VND; the largest amount asked is 50000000 VND."
    )


# ------------------------------------------------------------------------------------------------ the workflow


def take_to_disbursed(eng: hoinghe.Engine, case_id: str) -> hoinghe.Case:
    eng.fire(case_id, "verify", "btv-1", documents={"residence_certification": "file:///xac-nhan.pdf"})
    eng.fire(case_id, "appraise", "quy-p1", documents={"loan_appraisal": "file:///tham-dinh.pdf"})
    eng.fire(case_id, "approve", "quy-p1", documents={"loan_decision": "file:///quyet-dinh.pdf"})
    return eng.fire(case_id, "disburse", "quy-p1")


def test_the_full_path_to_disbursed():
    eng = engine()
    case = eng.open(WORKFLOW, "g-a", "officer-1", data=loan(["f1", "f2"]))
    with pytest.raises(Refused) as missing:
        eng.fire(case.id, "submit", "officer-1", documents={"business_plan": "file:///phuong-an.pdf"})
    assert [b.required for b in missing.value.verdict.blockers] == [("loan_application",)]
    eng.fire(case.id, "submit", "officer-1", documents=DOCS)
    with pytest.raises(Refused) as nobody:
        eng.fire(case.id, "verify", "quy-p1", documents={"residence_certification": "file:///xac-nhan.pdf"})
    assert nobody.value.verdict.blockers[0].kind == "permission"
    [ranked] = rank(eng.store, eng.profile, on=ON)
    assert ranked.case_id == case.id

    done = take_to_disbursed(eng, case.id)

    assert (done.state, done.closed) == ("disbursed", True)
    fired = [e.transition for e in eng.history(case.id) if e.kind == "fired"]
    assert fired == ["submit", "verify", "appraise", "approve", "disburse"]
    [note] = [m for m in eng.store.outbox() if m.topic == "transition.approve"]
    assert note.channel == "email"
    assert case.id in note.payload["message"]["en"]
    assert rank(eng.store, eng.profile, on=ON) == []


def test_the_board_returns_a_dossier_and_the_commune_rejects_one():
    eng = engine()
    case_id = submitted(eng, "g-b", loan(["f7"]))
    eng.fire(case_id, "verify", "officer-1", documents={"residence_certification": "file:///xac-nhan.pdf"})
    assert eng.fire(case_id, "return", "quy-p1").state == "drafted"
    eng.fire(case_id, "submit", "officer-1", documents=DOCS)
    rejected = eng.fire(case_id, "reject", "btv-1")
    assert (rejected.state, rejected.closed) == ("rejected", True)


@pytest.mark.parametrize("profile_id", ["vn-2019", "vn-2025", "tuyen-quang"])
def test_every_shipped_profile_runs_the_workflow(profile_id):
    profile = hoinghe.load_profile(profile_id)
    workflow = profile.workflow(WORKFLOW)
    assert workflow.subject.level == ("group",)
    assert profile.role("fund_board").levels[:2] == ("central", "province")
    for document in ("loan_application", "residence_certification", "loan_appraisal", "loan_decision"):
        profile.document(document)
    hoinghe.Engine(profile)  # registers every workflow: the static checks pass


# ------------------------------------------------------------------------------------------------ the command


def test_the_command_ranks_a_sqlite_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'fund.db'}"
    store = hoinghe.SqlStore(url)
    try:
        store.put_org(units=world.units(), members=world.members(), actors=world.actors())
        eng = engine(store=store)
        plain = submitted(eng, "g-b", loan(["f7", "f8"]))
        professional = submitted(eng, "g-a", loan(["f1", "f2"]))
        eng.close()
    finally:
        store.close()
    runner = CliRunner()
    out = runner.invoke(app, ["fund", "rank", "--db", url, "--json", "--on", "2026-03-10", "--lang", "en"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    assert report["on"] == "2026-03-10"
    assert [a["case"] for a in report["applications"]] == [professional, plain]
    top = report["applications"][0]
    assert top["position"] == 1
    assert top["share"] == 1.0
    assert top["professional"] == {"f1": ["g-pro"], "f2": ["g-pro"]}
    assert (
        top["reasons"][0]
        == "2 of 2 borrowers are members of professional group g-pro (priority, Plan II.2.3)"
    )

    text = runner.invoke(app, ["fund", "rank", "--db", url, "--on", "2026-03-10", "--lang", "vi"])
    assert text.exit_code == 0, text.output
    assert text.stdout.splitlines()[0] == f"1. {professional}  g-a  101"
    assert "tổ hội nghề nghiệp g-pro" in text.stdout

    empty = runner.invoke(app, ["fund", "rank", "--db", url, "--scope", "c-2", "--lang", "en"])
    assert empty.exit_code == 0, empty.output
    assert empty.stdout == "No open loan applications.\n"


def test_the_command_refuses_a_bad_day_and_reports_bad_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'fund.db'}"
    store = hoinghe.SqlStore(url)
    try:
        store.put_org(units=world.units(), members=world.members(), actors=world.actors())
        eng = engine(store=store)
        submitted(eng, "g-b", {**loan(["f7"]), "months": "twelve"})
        eng.close()
    finally:
        store.close()
    runner = CliRunner()
    bad_day = runner.invoke(app, ["fund", "rank", "--db", url, "--on", "10/03/2026"])
    assert bad_day.exit_code == 2
    assert "--on '10/03/2026' is not a date" in bad_day.stderr
    bad_data = runner.invoke(app, ["fund", "rank", "--db", url, "--on", "2026-03-10"])
    assert bad_data.exit_code == 1
    assert "$.data.months" in bad_data.stderr


def test_a_draft_lowering_the_household_ceiling_lists_the_open_applications_it_would_refuse():
    """The what-if judges open Fund cases as the board would: over the store's other plans (FUND-06) too."""
    from hoinghe.audit import compare  # noqa: PLC0415

    eng = engine()
    large = verified(eng, "g-b", loan(["f7"], amount=50 * MILLION))
    small = verified(eng, "g-a", loan(["f6"], amount=20 * MILLION))
    draft = RulePack(
        "draft-ceiling",
        Text("Dự thảo"),
        params={"household_ceiling_vnd": ParamDef(30 * MILLION, tighten="down")},
    )
    whatif = compare(eng.store, eng.profile, draft, on=ON, language="en")
    changed = {(d.case_id, d.transition) for d in whatif.cases}
    assert (large, "appraise") in changed
    assert all(case_id != small for case_id, _ in changed)
    for d in whatif.cases:
        assert d.before  # under the rules in force every open plan passes, FUND-06 included
        assert [f.rule_id for f in d.gained] == ["FUND-07"]

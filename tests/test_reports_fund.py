"""The Farmer Support Fund and outreach in the periodic reports: applications by state, the professional share of
borrowers, the open applications in the Fund's order with their reasons; and a simulated district's coverage."""

from __future__ import annotations

import csv
import datetime as dt
import io

import attrs
import pytest

import hoinghe
import world
from hoinghe import Actor, RoleGrant, Unit
from hoinghe.fund import WORKFLOW, ApplicationView, rank
from hoinghe.outreach import coverage
from hoinghe.reports import FundReport, build_report
from hoinghe.reports._tables import COLUMNS, FUND_COLUMNS, MORE_COLUMNS
from hoinghe.sim import DEFAULT, Scenario, simulate

ON = dt.date(2026, 3, 31)
DOCS = {"business_plan": "file:///phuong-an.pdf", "loan_application": "file:///don-vay.pdf"}
MILLION = 1_000_000
BOARD = Actor("quy-p1", "Ban điều hành Quỹ hỗ trợ nông dân tỉnh", (RoleGrant("fund_board", "p-1"),))


def org_units() -> list[Unit]:
    """A professional group (f1..f5) and two residential groups whose members borrow, all in commune c-1."""
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
        Unit("g-a", "group", "Tổ hội thôn 1", "c-1", kind="residential", members=("f1", "f2", "f6")),
        Unit("g-b", "group", "Tổ hội thôn 2", "c-1", kind="residential", members=("f7", "f8", "f9", "f10")),
    ]


def loan(borrowers: list[str], *, months: int = 24, amount: int = 50 * MILLION) -> dict[str, object]:
    return {
        "borrowers": borrowers,
        "amounts": dict.fromkeys(borrowers, amount),
        "product": "cam",
        "months": months,
    }


@attrs.define
class Fund:
    engine: hoinghe.Engine
    professional: str
    plain: str
    too_long: str
    paid: str
    refused: str


@pytest.fixture(scope="module")
def fund() -> Fund:
    """Three open applications (one of professional members, one plain, one whose term is too long), one
    disbursed and one refused, decided over a month from 2 March 2026."""
    eng = world.engine()
    eng.store.put_org(units=org_units(), actors=[BOARD])

    def submitted(group: str, data: dict[str, object]) -> str:
        case = eng.open(WORKFLOW, group, "officer-1", data=data)
        eng.fire(case.id, "submit", "officer-1", documents=DOCS)
        return case.id

    paid = submitted("g-b", loan(["f10"], amount=40 * MILLION))
    refused = submitted("g-b", loan(["f9"], months=12))
    plain = submitted("g-b", loan(["f7", "f8"]))
    professional = submitted("g-a", loan(["f1", "f2"]))
    too_long = submitted("g-a", loan(["f6"], months=48))
    for case in (paid, refused):
        eng.fire(case, "verify", "officer-1", documents={"residence_certification": "file:///xac-nhan.pdf"})
        eng.fire(case, "appraise", "quy-p1", documents={"loan_appraisal": "file:///tham-dinh.pdf"})
    eng.clock.advance(dt.timedelta(days=10))  # 12 March
    eng.fire(paid, "approve", "quy-p1", documents={"loan_decision": "file:///quyet-dinh.pdf"})
    eng.fire(refused, "reject", "quy-p1")
    eng.clock.advance(dt.timedelta(days=10))  # 22 March
    eng.fire(paid, "disburse", "quy-p1")
    return Fund(eng, professional, plain, too_long, paid, refused)


def report_of(made: Fund, **options: object) -> hoinghe.reports.Report:
    eng = made.engine
    options.setdefault("as_of", ON)
    options.setdefault("profile", eng.profile)
    return build_report(eng.store, eng.profile.hierarchy, hoinghe.load_plan("nq04-2019"), **options)


def test_the_fund_section_counts_applications_by_state_and_the_professional_borrowers(fund):
    section = report_of(fund).fund
    assert section is not None
    assert {s.state: s.count for s in section.states} == {"submitted": 3, "rejected": 1, "disbursed": 1}
    assert [s.state for s in section.states] == ["submitted", "disbursed", "rejected"]  # the workflow's order
    assert (section.submitted, section.count("review"), section.count("closed")) == (5, 3, 1)
    assert (section.disbursed, section.disbursed_vnd) == (1, 40 * MILLION)
    # f1 and f2 of the seven borrowers belong to the professional group.
    assert (section.professional, section.borrowers) == (2, 7)
    assert section.share_professional == pytest.approx(2 / 7)


def test_the_open_applications_are_listed_in_the_funds_order_with_its_reasons(fund):
    report = report_of(fund)
    section = report.fund
    assert section is not None
    assert [r.ranked.case_id for r in section.pending] == [fund.professional, fund.plain, fund.too_long]
    assert [r.ranked.case_id for r in section.pending] == [
        r.case_id for r in rank(fund.engine.store, fund.engine.profile, on=ON)
    ]
    assert [r.ranked.position for r in section.pending] == [1, 2, 3]
    first, _, last = section.pending
    assert (first.name, first.commune, first.borrowers, first.amount) == (
        "Tổ hội thôn 1",
        "Hội Nông dân xã Yên Sơn",
        2,
        100 * MILLION,
    )
    assert last.ranked.failed == ("FUND-09",)
    # Vietnamese unless asked: the reasons too.
    assert report.language == "vi"
    assert any("ưu tiên" in reason for reason in first.reasons)
    text = report.to_markdown()
    assert "Quỹ Hỗ trợ nông dân" in text
    assert "Thứ tự ưu tiên cho vay các hồ sơ đang xét" in text
    assert "2/7 người vay (28,6%) là hội viên chi hội, tổ hội nghề nghiệp" in text
    assert "5 hồ sơ vay vốn" in text
    assert "40.000.000 đồng" in text
    assert "Chưa đủ: FUND-09" in text
    assert (
        text.index(fund.professional) < text.index(f"| {fund.plain} |") < text.index(f"| {fund.too_long} |")
    )


def test_the_fund_section_in_english(fund):
    report = report_of(fund, language="en")
    text = report.to_markdown()
    assert "## " in text
    assert "Farmer Support Fund" in text
    assert "By 31 Mar 2026, 5 Farmer Support Fund loan applications were submitted: 3 under review" in text
    assert "1 disbursed (40,000,000 VND), 1 refused or withdrawn" in text
    assert "2 of 7 borrowers (28.6%) are members of professional groups or branches" in text
    assert "2 of 2 borrowers are members of professional group g-pro (priority, Plan II.2.3)" in text
    assert "Not met: FUND-09" in text
    assert "Quỹ Hỗ trợ nông dân" not in text
    [summary] = [line for line in text.splitlines() if line.startswith("- **Farmer Support Fund:**")]
    assert "5 Farmer Support Fund loan applications" in summary


def test_html_and_csv_carry_the_fund_section(fund):
    report = report_of(fund)
    page = report.to_html()
    assert '<section id="fund">' in page
    assert page.index(fund.professional) < page.index(f"<td>{fund.plain}</td>")
    assert "Hồ sơ vay vốn theo trạng thái" in page
    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
    assert list(rows[0]) == [*COLUMNS, *MORE_COLUMNS, *FUND_COLUMNS]
    ranked = [r for r in rows if r["target"] == "fund_priority"]
    assert [(r["case"], r["rank"], r["met"]) for r in ranked] == [
        (fund.professional, "1", "true"),
        (fund.plain, "2", "true"),
        (fund.too_long, "3", "false"),
    ]
    assert "ưu tiên" in ranked[0]["reasons"]
    assert ranked[0]["unit"] == "g-a"
    assert (ranked[0]["reached"], ranked[0]["total"], ranked[0]["share"]) == ("2", "2", "1.0000")
    states = {r["state"]: r["total"] for r in rows if r["target"] == "fund_applications"}
    assert states == {"submitted": "3", "disbursed": "1", "rejected": "1"}
    [borrowers] = [r for r in rows if r["target"] == "fund_borrowers"]
    assert (borrowers["reached"], borrowers["total"]) == ("2", "7")


def test_a_past_report_counts_each_application_in_the_state_it_was_in_then(fund):
    before = report_of(fund, as_of=dt.date(2026, 3, 15)).fund
    assert before is not None
    assert {s.state: s.count for s in before.states} == {"submitted": 3, "approved": 1, "rejected": 1}
    assert before.disbursed == 0
    # The approved loan waits to be paid out: it is still in the queue, behind the others of its score and day.
    assert [r.ranked.case_id for r in before.pending][-1] == fund.too_long
    assert fund.paid in [r.ranked.case_id for r in before.pending]
    assert report_of(fund, as_of=dt.date(2026, 3, 1)).fund is None  # nothing submitted yet


def test_without_applications_or_a_profile_there_is_no_fund_section(fund):
    assert report_of(fund, scope="c-2").fund is None
    assert "Quỹ Hỗ trợ nông dân" not in report_of(fund, scope="c-2").to_markdown()
    assert report_of(fund, profile=None).fund is None
    given = FundReport(ON, (), 0, 0, 0, 0, 0, ())
    assert report_of(fund, fund=given).fund is given


def test_an_application_returned_for_completion_is_counted_but_not_queued():
    eng = world.engine()
    eng.store.put_org(units=org_units(), actors=[BOARD])
    case = eng.open(WORKFLOW, "g-b", "officer-1", data=loan(["f7"]))
    eng.fire(case.id, "submit", "officer-1", documents=DOCS)
    eng.fire(case.id, "return", "officer-1")
    report = build_report(
        eng.store, eng.profile.hierarchy, hoinghe.load_plan("nq04-2019"), as_of=ON, profile=eng.profile
    )
    returned = report.fund
    assert returned is not None
    assert ([s.state for s in returned.states], returned.count("review"), returned.pending) == (
        ["drafted"],
        1,
        (),
    )
    assert "Không có hồ sơ nào đang chờ xét duyệt." in report.to_markdown()


# ------------------------------------------------------------------------------------------- a simulated district

UNTIL = dt.date(2022, 12, 31)


@pytest.fixture(scope="module")
def rollout():
    """Na Hang to the end of 2022, its groups applying to the Fund more often than by default."""
    behaviour = attrs.evolve(DEFAULT, loan_rate=0.6)
    return simulate(
        Scenario(province="Tuyên Quang", district="Na Hang", until=UNTIL, behaviour=behaviour), seed=1
    )


@pytest.fixture(scope="module")
def yearly(rollout):
    return build_report(
        rollout.store,
        rollout.world.profile.hierarchy,
        rollout.plan,
        as_of=UNTIL,
        scope=rollout.world.scope_unit,
        profile=rollout.world.profile,
    )


def test_a_simulated_districts_yearly_report_states_the_coverage_of_its_sessions(rollout, yearly):
    counted = coverage(
        rollout.store, rollout.world.profile.hierarchy, since=rollout.plan.start, until=UNTIL, scope="d-072"
    )
    assert yearly.coverage == counted
    for share in (counted.members, counted.cadres, counted.leaders):
        assert share.share is not None
        assert 0 < share.share < 1
    sessions = rollout.store.activities()
    assert counted.outreach == sum(a.kind == "outreach" and a.unit != "p-08" for a in sessions) > 0
    assert counted.training == rollout.counts["trainings"] == sum(a.kind == "training" for a in sessions) > 0
    # Some communes lag behind others.
    shares = [row.members.share for row in counted.communes if row.members.share is not None]
    assert min(shares) < 0.6 < max(shares)
    text = yearly.to_markdown()
    assert "Công tác tuyên truyền, tập huấn" in text
    assert "Thi đua" in text


def test_a_simulated_districts_yearly_report_ranks_its_open_loan_applications(rollout, yearly):
    section = yearly.fund
    assert section is not None
    assert section.disbursed > 0
    assert len(section.pending) >= 2
    now = rank(rollout.store, rollout.world.profile, on=UNTIL, scope="d-072")
    assert [r.ranked for r in section.pending] == now
    assert section.count("review") + section.count("approved") == len(section.pending)
    for row in section.pending:
        case = rollout.store.case(row.ranked.case_id)
        view = ApplicationView.from_case(case)
        assert row.borrowers == len(view.borrowers) > 0
        assert row.amount == sum(view.amounts.values())
        assert row.reasons == tuple(r.get("vi") for r in row.ranked.reasons)
    assert 0 < section.professional <= section.borrowers
    page = yearly.to_html()
    assert '<section id="outreach">' in page
    assert '<section id="fund">' in page

"""The emulation ranking (thi đua) and what the six-monthly and yearly reports say of outreach and training.

The province of test_outreach.py: two districts, four communes, known attendance.  Its 2023 figures, worked out
by hand (shipped plan: targets 25, groups founded 25, members informed 20, cadres 10, leaders trained 10, good
ratings 10):

========  =======  ======  =======  ======  =======  =======  =====
unit      targets  groups  members  cadres  leaders  ratings  score
========  =======  ======  =======  ======  =======  =======  =====
c11       1        1       10/10    2/2     9/9      1/2      95.0
c21       1        1       5/10     1/1     5/10     1/1      85.0
c12       0        5/8     6/10     1/1     1/4      —        40.125/0.9 = 44.6
c22       0        0       2/10     0/1     —        —        4/0.8 = 5.0
d1        2/3      13/16   16/20    3/4     10/13    1/2      73.2
d2        1/3      1/2     7/20     2/3     5/10     1/1      49.5
========  =======  ======  =======  ======  =======  =======  =====

c12 founded five groups: one was dissolved since, but it was founded (as the reports count).
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import attrs
import pytest

import hoinghe
from hoinghe import DefinitionError, Library
from hoinghe.definitions.plan import MEASURES, CoverageTargets, CriterionDef
from hoinghe.errors import NotFound
from hoinghe.loading.library import shipped_path
from hoinghe.org import Unit
from hoinghe.org.text import Text
from hoinghe.outreach import OutreachError, Share, coverage, emulation
from hoinghe.records import Activity
from hoinghe.reports import build_report
from hoinghe.sim import DEFAULT, Scenario, simulate
from hoinghe.storage import MemoryStore
from test_outreach import (
    DISTRICTS,
    YEAR_END,
    province,
    province_activities,
    province_actors,
    province_members,
)

d = dt.date.fromisoformat
HALF_YEAR = d("2023-06-30")


@pytest.fixture(scope="module")
def vn2019():
    return hoinghe.load_profile("vn-2019").hierarchy


@pytest.fixture(scope="module")
def plan():
    return hoinghe.load_plan("nq04-2019")


@pytest.fixture(scope="module")
def store():
    return province()


@pytest.fixture(scope="module")
def ranking(store, vn2019, plan):
    return emulation(store, vn2019, plan, year=2023)


@pytest.fixture(scope="module")
def yearly(store, vn2019, plan):
    return build_report(store, vn2019, plan, as_of=YEAR_END)


# ---------------------------------------------------------------------------------------------------- the plan


def test_the_shipped_plan_wants_everyone_reached_and_weighs_six_criteria(plan):
    assert plan.coverage == CoverageTargets(1.0, 1.0, 1.0)
    assert [(c.id, c.measure, c.weight) for c in plan.emulation] == [
        ("targets", "targets_met", 25),
        ("groups_founded", "groups_founded_share", 25),
        ("members_informed", "members_informed", 20),
        ("cadres_informed", "cadres_informed", 10),
        ("leaders_trained", "leaders_trained", 10),
        ("good_ratings", "good_ratings", 10),
    ]
    assert sum(c.weight for c in plan.emulation) == 100
    assert plan.emulation[-1].ratings == ("hoan_thanh_xuat_sac", "hoan_thanh_tot", "vung_manh", "kha")
    assert {c.measure for c in plan.emulation} <= set(MEASURES)


PLAN_TEXT = (shipped_path() / "plans" / "nq04-2019.yaml").read_text("utf-8")


@pytest.mark.parametrize(
    ("old", "new", "code", "words"),
    [
        ("measure: targets_met", "measure: target_met", "HNG-W018", "did you mean 'targets_met'?"),
        ("measure: targets_met", "measure: speed", "HNG-W018", "measures 'speed': measures are targets_met"),
        ("weight: 25  # [U]", "weight: 0", "HNG-W018", "has weight 0.0; give a positive number"),
        ("id: cadres_informed\n", "id: targets\n", "HNG-W018", "criterion id 'targets' is used twice"),
        (
            "    ratings: [hoan",
            "    # ratings: [hoan",
            "HNG-W018",
            "list the good rating classes in `ratings`",
        ),
        (
            "measure: leaders_trained\n",
            "measure: leaders_trained\n    ratings: [kha]\n",
            "HNG-W018",
            "reads no `ratings`; remove them",
        ),
        ("  members_informed: 1.0", "  members_informed: 100", "HNG-W017", "give a share between 0 and 1"),
    ],
)
def test_a_plan_with_bad_criteria_or_coverage_is_refused(tmp_path, old, new, code, words):
    assert old in PLAN_TEXT
    (tmp_path / "plan.yaml").write_text(PLAN_TEXT.replace(old, new, 1), "utf-8")
    with pytest.raises(DefinitionError) as caught:
        Library.from_paths(tmp_path, shipped=True).plan("nq04-2019")
    (found,) = caught.value.diagnostics
    assert (found.code, found.location.file) == (code, str(tmp_path / "plan.yaml"))
    assert words in found.message.get("en")


def test_a_plan_without_coverage_or_criteria_wants_everyone_and_ranks_nothing(tmp_path, store, vn2019):
    head = PLAN_TEXT.split('# "100% cán bộ', 1)[0]
    tail = "cite:" + PLAN_TEXT.split("\ncite:", 1)[1]
    (tmp_path / "plan.yaml").write_text(head + tail, "utf-8")
    bare = Library.from_paths(tmp_path, shipped=True).plan("nq04-2019")
    assert (bare.coverage, bare.emulation) == (CoverageTargets(), ())
    with pytest.raises(OutreachError, match="has no emulation criteria"):
        emulation(store, vn2019, bare, year=2023)
    report = build_report(store, vn2019, bare, as_of=YEAR_END)
    assert report.coverage is not None
    assert report.ranking is None


# ---------------------------------------------------------------------------------------------------- the ranking


def test_communes_are_ranked_by_their_weighted_score(ranking):
    assert [(s.rank, s.unit) for s in ranking.communes] == [(1, "c11"), (2, "c21"), (3, "c12"), (4, "c22")]
    scores = {s.unit: s.score for s in ranking.communes}
    assert scores == pytest.approx({"c11": 95.0, "c21": 85.0, "c12": 40.125 / 0.9, "c22": 5.0})
    c12 = ranking.communes[2]
    assert [(s.criterion, s.value) for s in c12.scores] == [
        ("targets", 0.0),
        ("groups_founded", 0.625),
        ("members_informed", 0.6),
        ("cadres_informed", 1.0),
        ("leaders_trained", 0.25),
        ("good_ratings", None),  # nothing rated in c12: left out, the other weights count for it
    ]
    assert sum(s.points for s in c12.scores) == pytest.approx(c12.score)
    assert c12.scores[1].points == pytest.approx(100 * 25 * 0.625 / 90)
    assert (c12.name, c12.level, c12.district) == ("Xã Yên Nghiệp", "commune", "Huyện Lạc Sơn")
    assert ranking.communes[3].value("leaders_trained") is None  # c22 has no leader
    with pytest.raises(NotFound, match="speed"):
        c12.value("speed")


def test_districts_answer_for_their_communes_targets_too(ranking):
    assert [(s.rank, s.unit, s.district) for s in ranking.districts] == [(1, "d1", None), (2, "d2", None)]
    d1, d2 = ranking.districts
    assert d1.value("targets") == pytest.approx(2 / 3)  # its branches and c11's groups, not c12's
    assert d1.value("groups_founded") == (1 + 5 / 8) / 2
    assert (d1.value("members_informed"), d1.value("leaders_trained")) == (0.8, pytest.approx(10 / 13))
    assert d2.value("targets") == pytest.approx(1 / 3)
    assert d2.value("good_ratings") == 1.0
    assert d1.score == pytest.approx(25 * 2 / 3 + 25 * 0.8125 + 16 + 7.5 + 100 / 13 + 5)
    assert d2.score == pytest.approx(49.5)
    assert (ranking.year, ranking.scope, ranking.criteria[0].id) == (2023, None, "targets")


def test_equal_scores_go_to_the_smaller_id(vn2019, plan):
    units = [Unit("p", "province", "Tỉnh", None), Unit("d", "district", "Huyện", "p")]
    units += [Unit(c, "commune", f"Xã {c}", "d") for c in ("c-b", "c-a", "c-10", "c-9")]
    store = MemoryStore()
    store.put_org(units=units)
    found = emulation(store, vn2019, plan, year=2023)
    assert [s.unit for s in found.communes] == ["c-10", "c-9", "c-a", "c-b"]
    assert {s.score for s in found.communes} == {0.0}
    assert [s.rank for s in found.communes] == [1, 2, 3, 4]


def test_a_year_before_the_targets_were_met_ranks_on_what_was_founded_by_then(store, vn2019, plan):
    early = emulation(store, vn2019, plan, year=2019)
    assert {s.unit: s.value("groups_founded") for s in early.communes} == {
        "c11": 0.0,
        "c12": 0.0,
        "c21": 0.0,
        "c22": 0.0,
    }
    # Ratings known now are read for any year, but only of units founded by its end.
    assert {s.unit: s.value("good_ratings") for s in early.communes} == dict.fromkeys(
        ("c11", "c12", "c21", "c22")
    )


def test_scope_ranks_one_district(store, vn2019, plan):
    found = emulation(store, vn2019, plan, year=2023, scope="d2")
    assert [s.unit for s in found.communes] == ["c21", "c22"]
    assert [s.unit for s in found.districts] == ["d2"]
    assert found.districts[0].score == pytest.approx(49.5)


def test_without_districts_only_communes_are_ranked(plan):
    vn2025 = hoinghe.load_profile("vn-2025").hierarchy
    units = [
        u if u.level != "commune" else attrs.evolve(u, parent="p1")
        for u in province().units()
        if u.level != "district"
    ]
    store = MemoryStore()
    store.put_org(units=units, members=province_members(), actors=province_actors())
    store.put_activities(a for a in province_activities() if a.unit not in DISTRICTS)
    found = emulation(store, vn2025, plan, year=2023)
    assert found.districts == ()
    assert [s.unit for s in found.communes] == ["c11", "c21", "c12", "c22"]


def test_emulation_refuses_what_it_cannot_rank(store, vn2019, plan):
    with pytest.raises(OutreachError, match="year 2018 ends before plan 'nq04-2019' starts"):
        emulation(store, vn2019, plan, year=2018)
    other = coverage(store, vn2019, since=d("2023-01-01"), until=YEAR_END)
    with pytest.raises(OutreachError, match="the coverage given counts 2023-01-01 to 2023-12-31"):
        emulation(store, vn2019, plan, year=2023, coverage=other)
    with pytest.raises(NotFound, match="d9"):
        emulation(store, vn2019, plan, year=2023, scope="d9")


def test_a_criterion_can_be_added_in_python(store, vn2019, plan):
    branches = CriterionDef("branches", Text("Chi hội nghề nghiệp"), "branches_founded_share", 50)
    found = emulation(store, vn2019, attrs.evolve(plan, emulation=(branches,)), year=2023)
    assert [(s.unit, s.score) for s in found.districts] == [("d1", 100.0), ("d2", 50.0)]
    assert {s.score for s in found.communes} == {0.0}  # a district's target: nothing to measure in a commune


# ---------------------------------------------------------------------------------------------------- the reports


def test_the_yearly_report_states_coverage_against_the_100_percent_targets_and_ranks_communes(yearly):
    assert yearly.kind == "year"
    assert (yearly.coverage.members, yearly.coverage.cadres, yearly.coverage.leaders) == (
        Share(23, 40),
        Share(5, 8),
        Share(15, 23),
    )
    assert [s.unit for s in yearly.ranking.communes] == ["c11", "c21", "c12", "c22"]
    text = yearly.to_markdown()
    assert "## 4. Công tác tuyên truyền, tập huấn" in text
    assert (
        "Từ ngày 05/08/2019 đến ngày 31/12/2023 đã tổ chức 3 buổi tuyên truyền và 2 lớp tập huấn. "
        "Hội viên được tuyên truyền: 23/40 (57,5%), chỉ tiêu 100,0%: chưa đạt. "
        "Cán bộ Hội được tuyên truyền: 5/8 (62,5%), chỉ tiêu 100,0%: chưa đạt. "
        "Chi hội trưởng, tổ trưởng được tập huấn: 15/23 (65,2%), chỉ tiêu 100,0%: chưa đạt."
    ) in text
    assert "| Hội viên được tuyên truyền | 23 | 40 | 57,5% | 100,0% | Chưa đạt |" in text
    assert "### Kết quả theo huyện" in text.split("## 4.", 1)[1]
    assert "| 1 | Huyện Lạc Sơn | 2 | 1 | 16/20 (80,0%) | 3/4 (75,0%) | 10/13 (76,9%) |" in text
    assert "| 2 | Huyện Mai Châu | 1 | 1 | 7/20 (35,0%) | 2/3 (66,7%) | 5/10 (50,0%) |" in text
    assert "| **Tổng cộng** | **2 huyện** | **3** | **2** | **23/40 (57,5%)** | **5/8 (62,5%)** |" in text
    ranking = text.split("## 5. Thi đua", 1)[1]
    assert "Đạt chỉ tiêu thành lập chi hội, tổ hội nghề nghiệp (25); " in ranking
    districts = ranking.split("### Xếp hạng huyện", 1)[1]
    assert districts.index("| 1 | Huyện Lạc Sơn |") < districts.index("| 2 | Huyện Mai Châu |")
    communes = ranking.split("### Xếp hạng xã", 1)[1]
    rows = [line for line in communes.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert rows == [
        "| 1 | Xã Ân Nghĩa | Huyện Lạc Sơn | 100,0% | 100,0% | 100,0% | 100,0% | 100,0% | 50,0% | 95,0 |",
        "| 2 | Xã Chiềng Châu | Huyện Mai Châu | 100,0% | 100,0% | 50,0% | 100,0% | 50,0% | 100,0% | 85,0 |",
        "| 3 | Xã Yên Nghiệp | Huyện Lạc Sơn | 0,0% | 62,5% | 60,0% | 100,0% | 25,0% | — | 44,6 |",
        "| 4 | Xã Vạn Mai | Huyện Mai Châu | 0,0% | 0,0% | 20,0% | 0,0% | — | — | 5,0 |",
    ]
    summary = text.split("## 2.", 1)[0]
    assert "- **Công tác tuyên truyền, tập huấn:** Hội viên được tuyên truyền: 23/40 (57,5%)" in summary
    assert (
        "- **Thi đua:** Huyện dẫn đầu: Huyện Lạc Sơn (73,2 điểm); xã dẫn đầu: Xã Ân Nghĩa (95,0 điểm)."
        in summary
    )


def test_the_six_month_report_states_coverage_but_ranks_nobody(store, vn2019, plan):
    report = build_report(store, vn2019, plan, as_of=HALF_YEAR)
    assert report.kind == "half_year"
    assert report.coverage.members == Share(16, 40)  # o1 and o2
    assert report.ranking is None
    text = report.to_markdown()
    assert "## 4. Công tác tuyên truyền, tập huấn" in text
    assert "Thi đua" not in text


def test_a_store_without_sessions_gets_the_report_it_always_had(vn2019, plan):
    bare = build_report(province(activities=False), vn2019, plan, as_of=YEAR_END)
    assert (bare.coverage, bare.ranking) == (None, None)
    assert "tuyên truyền" not in bare.to_markdown()
    assert bare.to_csv().splitlines()[0].endswith(",met,active")
    assert '<section id="outreach">' not in bare.to_html()


def test_a_report_of_one_district_lists_its_communes(store, vn2019, plan):
    report = build_report(store, vn2019, plan, as_of=YEAR_END, scope="d2")
    text = report.to_markdown()
    part = text.split("## 4. Công tác tuyên truyền, tập huấn", 1)[1].split("## 5.", 1)[0]
    assert "### Kết quả theo xã" in part
    assert (
        "| 1 | Xã Chiềng Châu | Huyện Mai Châu | 0 | 1 | 5/10 (50,0%) | 1/1 (100,0%) | 5/10 (50,0%) |" in part
    )
    assert [s.unit for s in report.ranking.communes] == ["c21", "c22"]


def test_given_coverage_and_ranking_are_stated_as_given(vn2019, plan, store, ranking):
    empty = province(activities=False)
    counted = coverage(store, vn2019, since=plan.start, until=YEAR_END)
    report = build_report(empty, vn2019, plan, as_of=YEAR_END, coverage=counted, ranking=ranking)
    assert (report.coverage, report.ranking) == (counted, ranking)


def test_the_csv_adds_coverage_and_ranking_rows(yearly):
    rows = list(csv.DictReader(io.StringIO(yearly.to_csv())))
    assert list(rows[0])[-5:] == ["reached", "total", "share", "rank", "score"]
    assert rows[0]["reached"] == ""  # a target's row
    informed = {
        (r["unit"], r["target"]): r
        for r in rows
        if r["target"] in ("members_informed", "cadres_informed", "leaders_trained")
    }
    assert len(informed) == 3 * 6
    c12 = informed["c12", "members_informed"]
    assert (c12["level"], c12["district"], c12["reached"], c12["total"], c12["share"]) == (
        "commune",
        "Huyện Lạc Sơn",
        "6",
        "10",
        "0.6000",
    )
    assert (c12["min"], c12["met"]) == ("1.0", "false")
    assert informed["c22", "leaders_trained"]["met"] == ""  # nobody to train
    scores = [(r["unit"], r["rank"], r["score"]) for r in rows if r["target"] == "emulation"]
    assert scores == [
        ("d1", "1", "73.17"),
        ("d2", "2", "49.50"),
        ("c11", "1", "95.00"),
        ("c21", "2", "85.00"),
        ("c12", "3", "44.58"),
        ("c22", "4", "5.00"),
    ]
    c12_ratings = next(r for r in rows if r["target"] == "emulation:good_ratings" and r["unit"] == "c12")
    assert (c12_ratings["share"], c12_ratings["score"]) == ("", "0.00")


def test_html_and_english_reports_have_both_sections(store, vn2019, plan, yearly):
    page = yearly.to_html()
    assert '<section id="outreach">\n<h2>4. Công tác tuyên truyền, tập huấn</h2>' in page
    assert '<section id="emulation">\n<h2>5. Thi đua</h2>' in page
    assert "<h3>Xếp hạng xã</h3>" in page
    assert '<tr class="flag"><td>Hội viên được tuyên truyền</td>' in page
    english = build_report(store, vn2019, plan, as_of=YEAR_END, language="en").to_markdown()
    assert "## 4. Outreach and training" in english
    assert "Members informed: 23 of 40 (57.5%) against a target of 100.0%: not met." in english
    assert "## 5. Emulation ranking" in english
    assert "| 1 | Xã Ân Nghĩa | Huyện Lạc Sơn | 100.0% |" in english
    assert "- **Emulation ranking:** Top district: Huyện Lạc Sơn (73.2 points)" in english


# ---------------------------------------------------------------------------------------------------- a simulated district


@pytest.fixture(scope="module")
def rollout():
    """Na Hang without the simulator's own sessions: the test adds its sessions by hand."""
    quiet = attrs.evolve(DEFAULT, outreach_rate=0.0, cadre_rate=0.0, training_rate=0.0)
    scenario = Scenario(province="Tuyên Quang", district="Na Hang", until=YEAR_END, behaviour=quiet)
    return simulate(scenario, seed=1)


def test_a_simulated_district_with_sessions_added_by_hand(rollout):
    store, hierarchy, plan = rollout.store, rollout.world.profile.hierarchy, rollout.plan
    org = store.org(hierarchy)
    communes = list(store.units(level="commune"))
    # Commune k informs its first 10*k members, and trains every leader of its units when k is even.
    sessions, trained = [], set()
    for k, commune in enumerate(communes, 1):
        people = [m.id for m in org.members.values() if m.commune == commune.id and m.union_member_since]
        topic = "Tổ hội nghề nghiệp"
        sessions.append(
            Activity(f"tt-{k}", "outreach", commune.id, d("2023-03-01"), topic, tuple(people[: 10 * k]))
        )
        if k % 2 == 0:
            trained.add(commune.id)
            leaders = {m for u in org.descendants(commune.id) for ids in u.leaders.values() for m in ids}
            sessions.append(
                Activity(
                    f"th-{k}", "training", commune.id, d("2023-04-01"), "Điều hành", tuple(sorted(leaders))
                )
            )
    store.put_activities(sessions)
    scope = rollout.world.scope_unit
    report = build_report(store, hierarchy, plan, as_of=YEAR_END, scope=scope)
    assert len(report.ranking.communes) == len(communes) == 12
    scores = [s.score for s in report.ranking.communes]
    assert scores == sorted(scores, reverse=True)
    assert (report.coverage.outreach, report.coverage.training) == (12, 6)
    for row in report.coverage.communes:
        assert row.leaders.share in ((1.0, None) if row.unit in trained else (0.0, None))
    text = report.to_markdown()
    assert "### 5 xã dẫn đầu" in text
    assert "### 5 xã cuối bảng" in text
    assert f"| 12 | {report.ranking.communes[-1].name} |" in text
    again = build_report(store, hierarchy, plan, as_of=YEAR_END, scope=scope)
    assert again == report
    assert again.to_markdown() == text
    assert again.to_csv() == report.to_csv()

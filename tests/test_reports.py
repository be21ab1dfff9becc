"""Progress reports against a plan: the figures, the periods, scope, languages and the three renderings."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
import time

import attrs
import pytest

import hoinghe
from hoinghe.definitions import TargetDef
from hoinghe.errors import HoingheError, NotFound
from hoinghe.org import Unit
from hoinghe.reports import FORMATS, Odds, Report, ReportError, build_report, report_kind
from hoinghe.storage import MemoryStore

d = dt.date.fromisoformat

START = d("2019-08-05")
HALF_YEAR = d("2022-06-30")
YEAR_END = d("2023-12-31")


@pytest.fixture(scope="module")
def vn2019():
    return hoinghe.load_profile("vn-2019").hierarchy


@pytest.fixture(scope="module")
def vn2025():
    return hoinghe.load_profile("vn-2025").hierarchy


@pytest.fixture(scope="module")
def plan():
    return hoinghe.load_plan("nq04-2019")


def group(uid, parent, on, *, kind="professional", status="active"):
    return Unit(uid, "group", f"Tổ hội {uid}", parent, kind=kind, status=status, founded_on=on)


def branch(uid, parent, on, *, kind="professional", status="active"):
    return Unit(uid, "branch", f"Chi hội {uid}", parent, kind=kind, status=status, founded_on=on)


def groups(prefix, parent, days, **kw):
    return [group(f"{prefix}-{i}", parent, day, **kw) for i, day in enumerate(days)]


def province_units(*, c13_name="Xã Tân Mỹ"):
    """One province, two districts of three communes each, chosen so every figure is known.

    As of 30/06/2022: d1 founded 5 branches (one dissolved since) and meets 4-5, d2 founded 3 and does not;
    communes c11 (8, one dissolved), c12 (10) and c22 (12) meet 8-10, c13 (0), c21 (7) and c23 (3) do not.
    By 31/12/2023 d1, d2 and c21 have one more each: d2 and c21 then meet theirs too.
    """
    units = [
        Unit("vn", "central", "Trung ương Hội Nông dân Việt Nam", None),
        Unit("p1", "province", "Tỉnh Hòa Bình", "vn"),
        Unit("d1", "district", "Huyện Lạc Sơn", "p1"),
        Unit("c11", "commune", "Xã Ân Nghĩa", "d1"),
        Unit("c12", "commune", "Xã Yên Nghiệp", "d1"),
        Unit("c13", "commune", c13_name, "d1"),
        Unit("d2", "district", "Huyện Mai Châu", "p1"),
        Unit("c21", "commune", "Xã Chiềng Châu", "d2"),
        Unit("c22", "commune", "Xã Vạn Mai", "d2"),
        Unit("c23", "commune", "Xã Pà Cò", "d2"),
        # Merged away in a restructuring and never founded anything: not held to the target any more.
        Unit("c24", "commune", "Xã Tòng Đậu", "d2", status="merged"),
    ]
    units += [
        branch("b1", "c11", d("2019-09-10")),
        branch("b2", "c11", d("2020-03-01"), status="dissolved"),
        branch("b3", "c12", d("2021-05-20")),
        branch("b4", "c12", d("2021-11-11")),
        branch("b5", "c13", HALF_YEAR),  # on the report's day: counted
        branch("b-early", "c11", d("2019-07-01")),  # before the plan: not new
        branch("b-late", "c12", d("2022-07-01")),  # after the report's day
        branch("b6", "c21", d("2020-10-01")),
        branch("b7", "c22", d("2021-02-02")),
        branch("b8", "c23", d("2022-01-15")),
        branch("b9", "c23", d("2023-03-03")),  # counted by the year-end report only
        branch("b-none", "c21", None, status="proposed"),  # still being founded
        branch("b-res", "c22", d("2021-01-01"), kind="residential"),  # not professional
    ]
    c11_days = ["2019-08-05", "2019-12-31", "2020-01-01", "2020-06-30", "2020-07-01", "2021-03-03"]
    units += groups("g11", "c11", [d(x) for x in [*c11_days, "2021-09-09", "2022-06-30"]])
    units[-6] = attrs.evolve(units[-6], status="dissolved")  # the one of 2020-01-01
    units += groups("g12", "c12", [d("2020-05-05")] * 10)
    units += groups(
        "g12-old", "c12", [d("2019-08-04"), d("2018-05-05")]
    )  # the day before the plan, and older
    units += groups("g21", "c21", [d("2021-10-10")] * 7)
    units += groups("g21-late", "c21", [d("2022-07-01")])
    # Six of c22's groups sit in a (residential) branch: they still count for the commune.
    units += groups("g22", "c22", [d("2022-02-02")] * 6)
    units += groups("g22-b", "b-res", [d("2022-02-02")] * 6)
    units += groups("g23", "c23", [d("2019-11-11")] * 3)
    units += groups("g23-res", "c23", [d("2020-02-02")] * 2, kind="residential")
    units.append(group("g-orphan", "c-gone", d("2021-01-01")))  # its commune is not in the store
    return units


def store_of(units):
    store = MemoryStore()
    store.put_org(units=units)
    return store


@pytest.fixture(scope="module")
def store():
    return store_of(province_units())


@pytest.fixture(scope="module")
def build(store, vn2019, plan):
    """build_report on the province's store, with the vn-2019 hierarchy and the shipped plan unless given."""

    def build(*, plan=plan, **options):
        return build_report(store, vn2019, plan, **options)

    return build


@pytest.fixture(scope="module")
def report(store, vn2019, plan):
    return build_report(store, vn2019, plan, as_of=HALF_YEAR)


def by_unit(target):
    return {row.unit: row for row in target.rows}


# ---------------------------------------------------------------------------------------------------- figures


def test_branches_are_counted_per_district_from_the_plan_start_to_the_report_day(report):
    target = report.target("branches_per_district")
    assert target.applicable
    assert target.reason == ""
    rows = by_unit(target)
    assert list(rows) == ["d1", "d2"]
    assert (rows["d1"].founded, rows["d1"].active, rows["d1"].met) == (5, 4, True)
    assert (rows["d2"].founded, rows["d2"].active, rows["d2"].met) == (3, 3, False)
    assert (rows["d1"].name, rows["d1"].province, rows["d1"].district) == (
        "Huyện Lạc Sơn",
        "Tỉnh Hòa Bình",
        None,
    )
    totals = target.totals
    assert (totals.units, totals.met, totals.founded, totals.active, totals.required) == (2, 1, 8, 7, 8)
    assert totals.share_met == 0.5
    assert totals.share_founded == 1.0


def test_groups_are_counted_per_commune_including_those_that_founded_nothing(report):
    target = report.target("groups_per_commune")
    rows = by_unit(target)
    # c24 was merged away and founded nothing: it is not listed; c13 founded nothing and is.
    assert list(rows) == ["c11", "c12", "c13", "c21", "c22", "c23"]
    founded = {uid: (row.founded, row.active, row.met) for uid, row in rows.items()}
    assert founded == {
        "c11": (8, 7, True),
        "c12": (10, 10, True),
        "c13": (0, 0, False),
        "c21": (7, 7, False),
        "c22": (12, 12, True),
        "c23": (3, 3, False),
    }
    assert (rows["c22"].province, rows["c22"].district, rows["c22"].parent) == (
        "Tỉnh Hòa Bình",
        "Huyện Mai Châu",
        "d2",
    )
    totals = target.totals
    assert (totals.units, totals.met, totals.founded, totals.active, totals.required) == (6, 3, 40, 39, 48)
    assert target.unplaced == 1  # g-orphan


def test_a_later_report_counts_what_was_founded_since(store, vn2019, plan):
    report = build_report(store, vn2019, plan, as_of=YEAR_END)
    branches, groups_ = report.target("branches_per_district"), report.target("groups_per_commune")
    assert [(r.unit, r.founded, r.met) for r in branches.rows] == [("d1", 6, True), ("d2", 4, True)]
    assert by_unit(groups_)["c21"].founded == 8
    assert (groups_.totals.met, groups_.totals.founded) == (4, 41)
    assert groups_.totals.expected == 48.0  # the whole target is due at the deadline


def test_periods_are_calendar_half_years_from_the_plan_start(report):
    labels = [(p.start, p.end, p.label) for p in report.periods]
    assert labels == [
        (START, d("2019-12-31"), "05/08/2019 – 31/12/2019"),
        (d("2020-01-01"), d("2020-06-30"), "6 tháng đầu năm 2020"),
        (d("2020-07-01"), d("2020-12-31"), "6 tháng cuối năm 2020"),
        (d("2021-01-01"), d("2021-06-30"), "6 tháng đầu năm 2021"),
        (d("2021-07-01"), d("2021-12-31"), "6 tháng cuối năm 2021"),
        (d("2022-01-01"), HALF_YEAR, "6 tháng đầu năm 2022"),
    ]


def test_each_period_counts_founded_and_cumulative_against_the_prorated_target(report):
    groups_ = report.target("groups_per_commune")
    assert [p.founded for p in groups_.periods] == [5, 12, 1, 1, 8, 13]
    assert [p.cumulative for p in groups_.periods] == [5, 17, 18, 19, 27, 40]
    branches = report.target("branches_per_district")
    assert [p.founded for p in branches.periods] == [1, 1, 1, 2, 1, 2]
    assert [p.cumulative for p in branches.periods] == [1, 2, 3, 5, 6, 8]
    total_days = (YEAR_END - START).days + 1
    for row in groups_.periods:
        assert row.expected == pytest.approx(48 * ((row.period.end - START).days + 1) / total_days)
    assert groups_.totals.expected == pytest.approx(groups_.periods[-1].expected)


def test_a_partial_last_period_ends_on_the_report_day(store, vn2019, plan):
    report = build_report(store, vn2019, plan, as_of=d("2022-03-31"), language="en")
    assert [p.label for p in report.periods][-2:] == ["Second half of 2021", "1 Jan 2022 – 31 Mar 2022"]
    assert report.target("groups_per_commune").periods[-1].founded == 12


@pytest.mark.parametrize(
    ("months", "as_of", "labels"),
    [
        (12, d("2021-05-01"), ["05/08/2019 – 31/12/2019", "Năm 2020", "01/01/2021 – 01/05/2021"]),
        (3, d("2020-06-30"), ["05/08/2019 – 30/09/2019", "Quý IV/2019", "Quý I/2020", "Quý II/2020"]),
        (
            5,
            d("2020-08-01"),
            ["05/08/2019 – 04/01/2020", "05/01/2020 – 04/06/2020", "05/06/2020 – 01/08/2020"],
        ),
    ],
)
def test_other_reporting_intervals(build, plan, months, as_of, labels):
    report = build(as_of=as_of, plan=attrs.evolve(plan, report_months=months))
    assert [p.label for p in report.periods] == labels
    for before, after in zip(report.periods, report.periods[1:], strict=False):
        assert after.start == before.end + dt.timedelta(days=1)


def test_a_target_of_any_kind_counts_every_kind(store, vn2019, plan):
    plan = attrs.evolve(plan, targets=(TargetDef("any_groups", "group", "commune", 1, kind=None),))
    report = build_report(store, vn2019, plan, as_of=HALF_YEAR)
    assert by_unit(report.target("any_groups"))["c23"].founded == 5  # three professional, two residential
    assert report.target("any_groups").title == "any_groups"  # no title in the plan: its id


# ---------------------------------------------------------------------------------------------------- what applies


def test_a_district_target_is_not_applicable_without_districts(vn2025, plan):
    units = [
        Unit("vn", "central", "Trung ương Hội", None),
        Unit("p1", "province", "Tỉnh Phú Thọ", "vn"),
        Unit("c1", "commune", "Xã Thanh Sơn", "p1"),
        Unit("c2", "commune", "Xã Tân Lạc", "p1"),
        branch("b1", "c1", d("2021-01-01")),
        *groups("g1", "c1", [d("2021-01-01")] * 9),
        *groups("g2", "c2", [d("2021-01-01")] * 2),
    ]
    report = build_report(store_of(units), vn2025, plan, as_of=YEAR_END)
    branches = report.target("branches_per_district")
    assert not branches.applicable
    assert branches.rows == ()
    assert branches.periods == ()
    assert "không có cấp huyện" in branches.reason
    assert "Trung ương, tỉnh, xã, chi hội, tổ hội" in branches.reason
    groups_ = report.target("groups_per_commune")
    assert [(r.unit, r.founded, r.met, r.province, r.district) for r in groups_.rows] == [
        ("c1", 9, True, "Tỉnh Phú Thọ", None),
        ("c2", 2, False, "Tỉnh Phú Thọ", None),
    ]
    markdown = report.to_markdown()
    assert "Không áp dụng." in markdown
    assert "### Kết quả theo huyện" not in markdown
    assert "| STT | Xã | Đã thành lập |" in markdown  # no district column without districts
    assert {row["target"] for row in csv.DictReader(io.StringIO(report.to_csv()))} == {"groups_per_commune"}
    english = build_report(store_of(units), vn2025, plan, as_of=YEAR_END, language="en")
    assert "has no district level" in english.target("branches_per_district").reason


def test_a_target_counting_a_level_the_hierarchy_lacks_is_not_applicable(store, vn2019, plan):
    plan = attrs.evolve(plan, targets=(TargetDef("coops", "cooperative", "district", 1),))
    target = build_report(store, vn2019, plan, as_of=HALF_YEAR).target("coops")
    assert not target.applicable
    assert "cooperative" in target.reason


def test_scope_keeps_one_subtree(store, vn2019, plan):
    report = build_report(store, vn2019, plan, as_of=HALF_YEAR, scope="d1")
    assert report.scope == "d1"
    assert report.scope_name == "Huyện Lạc Sơn"
    assert [r.unit for r in report.target("branches_per_district").rows] == ["d1"]
    groups_ = report.target("groups_per_commune")
    assert [r.unit for r in groups_.rows] == ["c11", "c12", "c13"]
    assert (groups_.totals.met, groups_.totals.founded) == (2, 18)
    assert [p.founded for p in groups_.periods] == [2, 12, 1, 1, 1, 1]
    assert groups_.unplaced == 0  # the orphan is not in d1


def test_a_scope_below_the_target_level_makes_it_not_applicable(store, vn2019, plan):
    report = build_report(store, vn2019, plan, as_of=HALF_YEAR, scope="c12")
    branches = report.target("branches_per_district")
    assert not branches.applicable
    assert "Xã Yên Nghiệp" in branches.reason
    assert [(r.unit, r.founded) for r in report.target("groups_per_commune").rows] == [("c12", 10)]


def test_the_whole_store_is_named_after_its_root(report):
    assert report.scope is None
    assert report.scope_name == "Trung ương Hội Nông dân Việt Nam"


def test_an_unknown_scope_is_not_found(store, vn2019, plan):
    with pytest.raises(NotFound, match="c-nowhere"):
        build_report(store, vn2019, plan, as_of=HALF_YEAR, scope="c-nowhere")


def test_a_day_before_the_plan_is_refused(store, vn2019, plan):
    with pytest.raises(ReportError, match=r"2019-08-04 is before plan 'nq04-2019' starts \(2019-08-05\)"):
        build_report(store, vn2019, plan, as_of=d("2019-08-04"))


def test_an_unknown_language_is_refused(store, vn2019, plan):
    with pytest.raises(ReportError, match="not 'fr'"):
        build_report(store, vn2019, plan, as_of=HALF_YEAR, language="fr")  # type: ignore[arg-type]


def test_an_unknown_target_is_not_found(report):
    with pytest.raises(NotFound, match="nope"):
        report.target("nope")


def test_report_errors_are_value_errors_of_hoinghe():
    assert issubclass(ReportError, HoingheError)
    assert issubclass(ReportError, ValueError)


# ---------------------------------------------------------------------------------------------------- names, languages


@pytest.mark.parametrize(
    ("as_of", "kind", "vi", "en"),
    [
        (
            HALF_YEAR,
            "half_year",
            "Báo cáo sơ kết 6 tháng đầu năm 2022",
            "Six-month review report, first half of 2022",
        ),
        (YEAR_END, "year", "Báo cáo tổng kết năm 2023", "Annual review report 2023"),
        (
            d("2022-03-31"),
            "interim",
            "Báo cáo tiến độ thực hiện đến ngày 31/03/2022",
            "Progress report as of 31 Mar 2022",
        ),
    ],
)
def test_the_report_is_named_from_its_day(build, as_of, kind, vi, en):
    assert report_kind(as_of) == kind
    assert build(as_of=as_of).title == vi
    assert build(as_of=as_of, language="en").title == en


def test_a_title_can_be_given(store, vn2019, plan):
    report = build_report(store, vn2019, plan, as_of=HALF_YEAR, title="Báo cáo gửi Thường trực Tỉnh hội")
    assert report.title == "Báo cáo gửi Thường trực Tỉnh hội"
    assert report.to_markdown().startswith("# Báo cáo gửi Thường trực Tỉnh hội\n")


def test_english_reports_write_numbers_and_words_in_english(store, vn2019, plan):
    report = build_report(store, vn2019, plan, as_of=HALF_YEAR, language="en")
    assert report.plan_title.startswith("Plan implementing Resolution 04-NQ/HNDTW")
    assert (
        report.target("groups_per_commune").title == "Each commune union founds 8-10 new professional groups"
    )
    text = report.to_markdown()
    assert "## 1. Summary" in text
    assert (
        "3 of 6 communes met the target (50.0%); 40 professional groups were founded (39 still active)"
        in text
    )
    assert "| 1 | Huyện Lạc Sơn | 5 | 4 | 4–5 | Met |" in text
    assert "| First half of 2020 | 12 | 17 |" in text
    assert "Đạt" not in text


def test_vietnamese_numbers_use_a_decimal_comma(report):
    text = report.to_markdown()
    assert "3/6 xã đạt chỉ tiêu (50,0%)" in text
    assert "so với chỉ tiêu tối thiểu 48 (83,3%)" in text


# ---------------------------------------------------------------------------------------------------- Markdown, CSV


def test_markdown_has_headings_and_tables_with_totals(report):
    text = report.to_markdown()
    assert text.startswith("# Báo cáo sơ kết 6 tháng đầu năm 2022\n\n- **Kế hoạch:** Kế hoạch thực hiện")
    assert "- **Số liệu tính đến ngày:** 30/06/2022\n" in text
    assert "## 1. Tóm tắt kết quả" in text
    assert "## 2. Mỗi đơn vị cấp huyện thành lập được 4-5 chi hội nghề nghiệp" in text
    assert "## 3. Mỗi cơ sở hội thành lập mới được 8-10 tổ hội nghề nghiệp" in text
    branch_table = (
        "### Kết quả theo huyện\n\n"
        "| STT | Huyện | Đã thành lập | Còn hoạt động | Chỉ tiêu | Kết quả |\n"
        "| ---: | --- | ---: | ---: | ---: | --- |\n"
        "| 1 | Huyện Lạc Sơn | 5 | 4 | 4–5 | Đạt |\n"
        "| 2 | Huyện Mai Châu | 3 | 3 | 4–5 | Chưa đạt |\n"
        "| **Tổng cộng** | **2 huyện** | **8** | **7** | **8** | **1/2 (50,0%)** |\n"
    )
    assert branch_table in text
    assert "| 3 | Xã Tân Mỹ | Huyện Lạc Sơn | 0 | 0 | 8–10 | Chưa đạt |" in text
    assert "| **Tổng cộng** | **6 xã** |  | **40** | **39** | **48** | **3/6 (50,0%)** |" in text
    assert "| 6 tháng đầu năm 2020 | 12 | 17 | 9,9 |" in text
    assert "1 tổ hội nghề nghiệp không có xã nào ở trên trong dữ liệu" in text
    assert "Khả năng đạt chỉ tiêu" not in text  # no odds given
    assert text.endswith("*\n")


def test_markdown_escapes_names_that_would_break_a_table(vn2019, plan):
    units = province_units(c13_name="Xã A | B *đậm* <b>")
    text = build_report(store_of(units), vn2019, plan, as_of=HALF_YEAR).to_markdown()
    assert r"| 3 | Xã A \| B \*đậm\* \<b\> | Huyện Lạc Sơn | 0 |" in text


def test_csv_has_one_row_per_unit_per_target(report):
    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
    assert list(rows[0]) == [
        "target",
        "level",
        "unit",
        "name",
        "province",
        "district",
        "founded",
        "min",
        "max",
        "met",
        "active",
    ]
    assert len(rows) == 2 + 6
    assert rows[0] == {
        "target": "branches_per_district",
        "level": "district",
        "unit": "d1",
        "name": "Huyện Lạc Sơn",
        "province": "Tỉnh Hòa Bình",
        "district": "",
        "founded": "5",
        "min": "4",
        "max": "5",
        "met": "true",
        "active": "4",
    }
    c13 = next(r for r in rows if r["unit"] == "c13")
    assert (c13["target"], c13["level"], c13["district"], c13["founded"], c13["met"]) == (
        "groups_per_commune",
        "commune",
        "Huyện Lạc Sơn",
        "0",
        "false",
    )
    assert report.to_csv().count("\r\n") == 9


def test_csv_neutralises_names_a_spreadsheet_would_run(vn2019, plan):
    units = province_units(c13_name='=HYPERLINK("http://x","y")')
    rows = list(
        csv.DictReader(io.StringIO(build_report(store_of(units), vn2019, plan, as_of=HALF_YEAR).to_csv()))
    )
    assert next(r for r in rows if r["unit"] == "c13")["name"] == '\'=HYPERLINK("http://x","y")'


# ---------------------------------------------------------------------------------------------------- odds


def test_odds_get_their_own_section(store, vn2019, plan):
    odds = [
        Odds("groups_per_commune", 0.62, 0.59, 0.65, 1000, "every commune"),
        Odds("branches_per_district", 0.9, 0.85, 0.94, 200, "d2"),
    ]
    report = build_report(store, vn2019, plan, as_of=HALF_YEAR, odds=odds)
    assert [row.odds for row in report.odds] == odds
    assert [row.scope_name for row in report.odds] == ["mọi xã", "Huyện Mai Châu"]
    text = report.to_markdown()
    assert "## 4. Khả năng đạt chỉ tiêu" in text
    assert (
        "| Mỗi cơ sở hội thành lập mới được 8-10 tổ hội nghề nghiệp | mọi xã | 62,0% | 59,0% – 65,0% | 1.000 |"
        in text
    )
    assert "| Mỗi đơn vị cấp huyện thành lập được 4-5 chi hội nghề nghiệp | Huyện Mai Châu | 90,0% |" in text
    english = build_report(store, vn2019, plan, as_of=HALF_YEAR, odds=odds, language="en")
    assert "## 4. Likelihood of meeting the targets" in english.to_markdown()
    assert english.odds[0].scope_name == "every commune"
    assert '<section id="odds">' in report.to_html()


def test_odds_of_an_unknown_target_are_not_found(store, vn2019, plan):
    with pytest.raises(NotFound, match="houses_per_village"):
        build_report(
            store, vn2019, plan, as_of=HALF_YEAR, odds=[Odds("houses_per_village", 0.5, 0.4, 0.6, 10, "x")]
        )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ((1.2, 0.9, 1.0, 10), "probability must be a probability between 0 and 1"),
        ((0.5, 0.6, 0.7, 10), r"the interval \[0.6, 0.7\] must hold 0.5"),
        ((0.5, 0.4, 0.6, 0), "runs must be at least 1"),
    ],
)
def test_odds_are_checked(values, message):
    with pytest.raises(ValueError, match=message):
        Odds("groups_per_commune", *values, scope="every commune")


# ---------------------------------------------------------------------------------------------------- HTML


def test_html_is_one_self_contained_page_with_charts(report):
    page = report.to_html()
    assert page.startswith('<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">')
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "<style>" in page
    assert "@media print" in page
    for external in ("http://", "https://", "<link", "<script", "<img", "@import"):
        assert external not in page.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
            'xmlns:xlink="http://www.w3.org/1999/xlink"', ""
        )
    # Two charts per applicable target: progress over time and the distribution across units.
    assert page.count("<svg ") == 4
    assert page.count("<figcaption>") == 4
    assert "<figcaption>Tiến độ thành lập tổ hội nghề nghiệp</figcaption>" in page
    assert "<figcaption>Số chi hội nghề nghiệp đã thành lập theo huyện</figcaption>" in page
    assert "Chỉ tiêu 4–5" in page  # the shaded band's legend
    assert "<metadata>" not in page
    assert "<tfoot><tr><td>Tổng cộng</td><td>2 huyện</td>" in page
    assert '<tr class="flag"><td class="num">2</td><td>Huyện Mai Châu</td>' in page
    ids = [part.split('"', 1)[0] for part in page.split(' id="')[1:]]
    assert len(ids) == len(set(ids)), "element ids repeat across charts"


def test_many_units_are_drawn_as_a_histogram(vn2019, plan):
    units = [Unit("p1", "province", "Tỉnh", None), Unit("d1", "district", "Huyện", "p1")]
    for c in range(40):
        units.append(Unit(f"c{c}", "commune", f"Xã {c}", "d1"))
        units += groups(f"g{c}", f"c{c}", [d("2021-01-01")] * (c % 12))
    store = store_of(units)
    page = build_report(store, vn2019, plan, as_of=HALF_YEAR).to_html()
    assert "<figcaption>Phân bố xã theo số tổ hội nghề nghiệp đã thành lập</figcaption>" in page
    assert "Chỉ tiêu 8–10" in page
    english = build_report(store, vn2019, plan, as_of=HALF_YEAR, language="en").to_html()
    assert "<figcaption>Communes by number of professional groups founded</figcaption>" in english
    assert "<figcaption>Professional branches founded per district</figcaption>" in english
    assert "<figcaption>Professional groups founded over time</figcaption>" in english
    assert "Target 8–10" in english


def test_html_escapes_every_name_from_the_store(vn2019, plan):
    evil = '<script>alert("x")</script>'
    units = province_units(c13_name=evil)
    units[2] = attrs.evolve(units[2], name=f"Huyện {evil}")  # d1: drawn in the chart of branches too
    page = build_report(store_of(units), vn2019, plan, as_of=HALF_YEAR).to_html()
    assert "<script" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&lt;script&gt;" in page.split("<svg ", 1)[1]  # inside a chart too


def test_html_without_matplotlib_keeps_the_tables_and_says_how_to_get_charts(report, monkeypatch):
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.style"):
        monkeypatch.setitem(sys.modules, name, None)
    page = report.to_html()
    assert "<svg" not in page
    assert page.count("pip install &#x27;hoinghe[plots]&#x27;") == 1
    assert "Biểu đồ cần thư viện matplotlib" in page
    assert "<td>Huyện Lạc Sơn</td>" in page


def test_drawing_charts_changes_no_global_matplotlib_setting(report):
    import matplotlib as mpl  # noqa: PLC0415 - imported here to compare its settings before and after

    before = dict(mpl.rcParams)
    report.to_html()
    assert dict(mpl.rcParams) == before


def test_drawing_charts_never_imports_pyplot():
    # In a fresh interpreter: a test runner's plugins may import pyplot themselves.
    code = """
import datetime as dt, sys
import hoinghe
from hoinghe.org import Unit
from hoinghe.reports import build_report
from hoinghe.storage import MemoryStore
store = MemoryStore()
store.put_org(units=[Unit("d1", "district", "Huyện", None), Unit("c1", "commune", "Xã", "d1")])
plan = hoinghe.load_plan("nq04-2019")
page = build_report(store, hoinghe.load_profile("vn-2019").hierarchy, plan, as_of=dt.date(2022, 6, 30)).to_html()
print(page.count("<svg "), "matplotlib.figure" in sys.modules, "matplotlib.pyplot" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["4", "True", "False"]


# ---------------------------------------------------------------------------------------------------- determinism, files


def test_the_same_records_give_the_same_bytes(vn2019, plan):
    odds = [Odds("groups_per_commune", 0.62, 0.59, 0.65, 1000, "every commune")]
    first = build_report(store_of(province_units()), vn2019, plan, as_of=HALF_YEAR, odds=odds)
    second = build_report(store_of(province_units()), vn2019, plan, as_of=HALF_YEAR, odds=odds)
    assert first == second
    assert first.to_markdown() == second.to_markdown()
    assert first.to_csv() == second.to_csv()
    page = first.to_html()
    assert "<svg " in page
    assert page == second.to_html()
    assert page == first.to_html()


def test_write_chooses_the_format_by_suffix(report, tmp_path):
    assert report.write(tmp_path / "r.md").read_text(encoding="utf-8") == report.to_markdown()
    assert report.write(tmp_path / "r.html").read_text(encoding="utf-8") == report.to_html()
    data = report.write(str(tmp_path / "R.CSV")).read_bytes()
    assert data.startswith(b"\xef\xbb\xbftarget,level,unit,")  # a BOM, for spreadsheet programs
    assert data.decode("utf-8-sig") == report.to_csv()


def test_write_refuses_an_unknown_suffix(report, tmp_path):
    with pytest.raises(
        ValueError, match=r"unknown suffix '\.pdf'; use one of \.csv \(CSV\), \.html \(HTML\), \.md"
    ):
        report.write(tmp_path / "r.pdf")
    with pytest.raises(ReportError, match="'report': no suffix"):
        report.write("report")
    assert list(tmp_path.iterdir()) == []
    assert set(FORMATS) == {".md", ".csv", ".html"}


def test_the_package_exports_a_sorted_all():
    from hoinghe import reports  # noqa: PLC0415

    exported = list(reports.__all__)
    assert exported == sorted(exported, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n))
    assert all(getattr(reports, name) is not None for name in exported)
    assert reports.Report is Report


# ---------------------------------------------------------------------------------------------------- size


def national_units():
    """63 provinces, 700 districts, 10,000 communes and 80,000 groups, as a national store holds them."""
    units = [Unit("vn", "central", "Trung ương Hội", None)]
    units += [Unit(f"p{p}", "province", f"Tỉnh {p}", "vn") for p in range(63)]
    units += [Unit(f"d{i}", "district", f"Huyện {i}", f"p{i % 63}") for i in range(700)]
    units += [Unit(f"c{i}", "commune", f"Xã {i}", f"d{i % 700}") for i in range(10_000)]
    # 3 to 13 groups per commune, 80,000 in all, founded on days spread over 2019-2024 (some before the plan's
    # start, some after the report's day).
    first = d("2019-01-01")
    per_commune = [i % 10 + 3 + (i < 5_000) for i in range(10_000)]
    ids = (f"c{i}" for i, n in enumerate(per_commune) for _ in range(n))
    units += [group(f"g{n}", c, first + dt.timedelta(days=(n * 37) % 2190)) for n, c in enumerate(ids)]
    units += [
        branch(f"b{i}", f"c{(i * 7) % 10_000}", first + dt.timedelta(days=(i * 11) % 2190))
        for i in range(4000)
    ]
    return units


def test_a_national_store_is_reported_in_seconds(vn2019, plan):
    units = national_units()
    assert sum(u.level == "group" for u in units) == 80_000
    store = store_of(units)
    started = time.perf_counter()
    report = build_report(store, vn2019, plan, as_of=YEAR_END)
    built = time.perf_counter() - started
    groups_ = report.target("groups_per_commune")
    counted = sum(1 for u in units if u.level == "group" and START <= u.founded_on <= YEAR_END)
    assert (groups_.totals.units, groups_.totals.founded) == (10_000, counted)
    assert report.target("branches_per_district").totals.units == 700
    started = time.perf_counter()
    rendered = [report.to_markdown(), report.to_csv(), report.to_html()]
    drawn = time.perf_counter() - started
    assert rendered[1].count("\n") == 1 + 700 + 10_000
    print(f"national report: built in {built:.2f} s, rendered in {drawn:.2f} s")  # noqa: T201 - shown with -s
    assert built < 10
    assert drawn < 10

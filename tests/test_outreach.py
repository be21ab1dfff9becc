"""Outreach sessions and trainings: the record, reading a union's CSV file, coverage against the 100% targets,
and the ``hoinghe outreach`` commands.

``province()`` is one province of two districts and four communes where every figure is known; the emulation and
report tests (test_emulation.py) read it too.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path

import attrs
import pytest
import typer.main
import typer.testing
from typer.testing import CliRunner

import hoinghe
from hoinghe import SqlStore
from hoinghe.cli import app
from hoinghe.errors import CODES, HoingheError, NotFound
from hoinghe.org import Actor, Member, RoleGrant, Unit
from hoinghe.outreach import COLUMNS, OutreachError, Share, coverage, read_activities
from hoinghe.records import Activity
from hoinghe.storage import MemoryStore

d = dt.date.fromisoformat
START = d("2019-08-05")  # the shipped plan's start
YEAR_END = d("2023-12-31")
RUNNER = CliRunner()
_command = functools.cache(typer.main.get_command)

DISTRICTS = {"d1": ("Huyện Lạc Sơn", ("c11", "c12")), "d2": ("Huyện Mai Châu", ("c21", "c22"))}
COMMUNES = {"c11": "Xã Ân Nghĩa", "c12": "Xã Yên Nghiệp", "c21": "Xã Chiềng Châu", "c22": "Xã Vạn Mai"}
# Professional groups founded in 2020 per commune: c11 and c21 meet 8-10, c12 and c22 do not.
GROUPS = {"c11": 8, "c12": 4, "c21": 10, "c22": 0}


def m(commune: str, i: int) -> str:
    return f"m-{commune}-{i}"


def people(commune: str, *numbers: int) -> tuple[str, ...]:
    return tuple(m(commune, i) for i in numbers)


def province_units() -> list[Unit]:
    units = [
        Unit("vn", "central", "Trung ương Hội Nông dân Việt Nam", None),
        Unit("p1", "province", "Tỉnh Hòa Bình", "vn"),
    ]
    for district, (name, communes) in DISTRICTS.items():
        units.append(Unit(district, "district", name, "p1"))
        units += [Unit(c, "commune", COMMUNES[c], district) for c in communes]
    for commune, count in GROUPS.items():
        # Group i is led by member i of its commune.
        units += [
            Unit(
                f"g-{commune}-{i}",
                "group",
                f"Tổ hội {commune} số {i}",
                commune,
                kind="professional",
                founded_on=d("2020-05-05"),
                members=people(commune, i, 10),
                leaders={"group_leader": m(commune, i)},
            )
            for i in range(1, count + 1)
        ]
    ratings = {"g-c11-1": "hoan_thanh_tot", "g-c11-2": "hoan_thanh", "g-c21-1": "hoan_thanh_xuat_sac"}
    units = [attrs.evolve(u, rating=ratings[u.id]) if u.id in ratings else u for u in units]
    # Not counted: a dissolved group, a residential group, a group founded after 2023 (and their leaders).
    units += [
        Unit(
            "g-c12-gone",
            "group",
            "Tổ hội đã giải thể",
            "c12",
            kind="professional",
            status="dissolved",
            founded_on=d("2020-01-01"),
            leaders={"group_leader": m("c12", 9)},
        ),
        Unit(
            "g-c21-res",
            "group",
            "Tổ hội dân cư",
            "c21",
            kind="residential",
            founded_on=d("2020-01-01"),
            leaders={"group_leader": m("c21", 1)},
        ),
        Unit(
            "g-c22-2024",
            "group",
            "Tổ hội mới",
            "c22",
            kind="professional",
            founded_on=d("2024-02-01"),
            leaders={"group_leader": m("c22", 1)},
        ),
    ]
    # Branches: d1 founds 4 (meets 4-5), d2 founds 2; one branch head, in c11.
    branches = [("c11", 2), ("c12", 2), ("c21", 2)]
    units += [
        Unit(
            f"b-{c}-{i}", "branch", f"Chi hội {c} số {i}", c, kind="professional", founded_on=d("2021-03-03")
        )
        for c, count in branches
        for i in range(1, count + 1)
    ]
    units[-6] = attrs.evolve(units[-6], leaders={"branch_head": m("c11", 9)})
    return units


def province_members() -> list[Member]:
    out = [
        Member(m(c, i), f"Nông dân {c} {i}", None, c, d("2015-01-01"), ("cam",))
        for c in COMMUNES
        for i in range(1, 11)
    ]
    out.append(Member("m-not-union", "Chưa vào Hội", None, "c11", None))
    out.append(Member("m-2024", "Vào Hội năm 2024", None, "c11", d("2024-01-15")))
    return out


def province_actors() -> list[Actor]:
    def cadre(actor_id: str, role: str, unit: str, member: str | None = None) -> Actor:
        return Actor(actor_id, f"Cán bộ {actor_id}", (RoleGrant(role, unit),), member=member)

    return [
        cadre("cb-c11", "union_officer", "c11"),
        cadre("btv-c11", "standing_committee", "c11"),
        cadre("cb-c12", "union_officer", "c12", member=m("c12", 1)),  # also a member, and a group leader
        cadre("cb-c21", "union_officer", "c21"),
        cadre("cb-c22", "union_officer", "c22"),
        cadre("cb-d1", "union_officer", "d1"),
        cadre("cb-d2", "union_officer", "d2"),
        cadre("btv-p1", "standing_committee", "p1"),
        cadre("btv-vn", "standing_committee", "vn"),  # the central committee: not a cadre of the province
        cadre("lead-g", "group_leader", "g-c11-1"),  # a group's role: not a cadre
    ]


def province_activities() -> list[Activity]:
    return [
        Activity("o1", "outreach", "c11", d("2022-03-01"), "Tổ hội nghề nghiệp", people("c11", *range(1, 11)),
                 ("cb-c11", "btv-c11")),
        # cb-c12 attends as an actor: member m-c12-1 is informed too.
        Activity("o2", "outreach", "c12", d("2023-05-05"), "Tổ hội nghề nghiệp", people("c12", 2, 3, 4, 5, 6),
                 ("cb-c12",)),
        Activity("o3", "outreach", "d2", d("2023-07-01"), "Chi hội nghề nghiệp",
                 people("c21", 1, 2, 3, 4, 5) + people("c22", 1, 2), ("cb-d2", "cb-c21")),
        Activity("o-early", "outreach", "c22", d("2019-01-01"), "Trước kế hoạch", people("c22", *range(3, 11))),
        Activity("o-2024", "outreach", "c22", d("2024-01-10"), "Năm sau", people("c22", *range(1, 11)), ("cb-c22",)),
        # cb-c12 attends as an actor: the group leader m-c12-1 is trained.
        Activity("t1", "training", "d1", d("2023-09-09"), "Kỹ năng điều hành", people("c11", *range(1, 10)),
                 ("cb-c12",), hours=4.0),
        Activity("t2", "training", "c21", d("2023-10-10"), "Kỹ thuật trồng cam", people("c21", 1, 2, 3, 4, 5),
                 hours=2.5),
    ]  # fmt: skip


def province(*, activities: bool = True) -> MemoryStore:
    """The province's store; see the module docstring and each list's comments for what is in it."""
    store = MemoryStore()
    store.put_org(units=province_units(), members=province_members(), actors=province_actors())
    if activities:
        store.put_activities(province_activities())
    return store


@pytest.fixture(scope="module")
def vn2019():
    return hoinghe.load_profile("vn-2019").hierarchy


@pytest.fixture(scope="module")
def store():
    return province()


# ---------------------------------------------------------------------------------------------------- coverage


def test_members_cadres_and_leaders_reached_over_the_plan(store, vn2019):
    found = coverage(store, vn2019, since=START, until=YEAR_END)
    # Members: 40 union members by 2023 (not the one who is not in the Union, not the one who joined in 2024);
    # informed: c11 all 10, c12 6 (one through his actor account), c21 5, c22 2 (not before the plan, not 2024).
    assert found.members == Share(23, 40)
    # Cadres: the officers and committees of p1, d1, d2 and the four communes (not the central committee's, not
    # a group leader's account); informed: cb-c11, btv-c11, cb-c12 (as an actor), cb-d2, cb-c21.
    assert found.cadres == Share(5, 8)
    # Leaders: 22 group leaders of active professional groups founded by 2023 and c11's branch head; trained:
    # c11's 9, c12's m-c12-1 (through the actor cb-c12) and c21's 5.
    assert found.leaders == Share(15, 23)
    assert (found.outreach, found.training) == (3, 2)
    assert found.members.share == 23 / 40
    assert (found.since, found.until, found.scope) == (START, YEAR_END, None)


def test_coverage_is_given_per_commune_and_per_district(store, vn2019):
    found = coverage(store, vn2019, since=START, until=YEAR_END)
    communes = {r.unit: (r.members, r.cadres, r.leaders, r.outreach, r.training) for r in found.communes}
    assert communes == {
        "c11": (Share(10, 10), Share(2, 2), Share(9, 9), 1, 0),
        "c12": (Share(6, 10), Share(1, 1), Share(1, 4), 1, 0),
        "c21": (Share(5, 10), Share(1, 1), Share(5, 10), 0, 1),
        "c22": (Share(2, 10), Share(0, 1), Share(0, 0), 0, 0),
    }
    districts = {r.unit: (r.members, r.cadres, r.leaders, r.outreach, r.training) for r in found.districts}
    assert districts == {
        "d1": (Share(16, 20), Share(3, 4), Share(10, 13), 2, 1),
        "d2": (Share(7, 20), Share(2, 3), Share(5, 10), 1, 1),
    }
    row = found.row("c12")
    assert (row.name, row.level, row.district) == ("Xã Yên Nghiệp", "commune", "Huyện Lạc Sơn")
    assert found.row("d2").district is None
    with pytest.raises(NotFound, match="c-nowhere"):
        found.row("c-nowhere")


def test_a_shorter_period_counts_only_its_sessions(store, vn2019):
    found = coverage(store, vn2019, since=d("2023-01-01"), until=d("2023-06-30"))
    assert found.members == Share(6, 40)  # o2 only
    assert found.cadres == Share(1, 8)
    assert found.leaders == Share(0, 23)
    assert (found.outreach, found.training) == (1, 0)
    # Membership is taken on the last day: the member who joined in January 2024 counts in 2024.
    assert coverage(store, vn2019, since=START, until=d("2024-06-30")).members.total == 41


def test_scope_keeps_one_district(store, vn2019):
    found = coverage(store, vn2019, since=START, until=YEAR_END, scope="d1")
    assert [r.unit for r in found.communes] == ["c11", "c12"]
    assert [r.unit for r in found.districts] == ["d1"]
    assert (found.members, found.cadres, found.leaders) == (Share(16, 20), Share(3, 4), Share(10, 13))
    assert (found.outreach, found.training) == (2, 1)
    commune = coverage(store, vn2019, since=START, until=YEAR_END, scope="c12")
    assert (commune.members, commune.cadres, commune.districts) == (Share(6, 10), Share(1, 1), ())


def test_cadre_roles_narrow_who_is_a_cadre(store, vn2019):
    found = coverage(store, vn2019, since=START, until=YEAR_END, cadre_roles={"union_officer"})
    assert found.cadres == Share(4, 6)  # the officers only: not the committees of c11 and p1


def test_without_districts_there_are_no_district_rows(vn2019):
    vn2025 = hoinghe.load_profile("vn-2025").hierarchy
    units = [
        u if u.level != "commune" else attrs.evolve(u, parent="p1")
        for u in province_units()
        if u.level != "district"
    ]
    store = MemoryStore()
    store.put_org(units=units, members=province_members(), actors=province_actors())
    store.put_activities(a for a in province_activities() if a.unit not in DISTRICTS)
    found = coverage(store, vn2025, since=START, until=YEAR_END)
    assert found.districts == ()
    assert [r.district for r in found.communes] == [None] * 4
    assert found.members == Share(16, 40)  # o1 and o2; o3 was a district's
    assert found.cadres == Share(3, 6)  # no district cadres any more


def test_a_store_without_sessions_reaches_nobody(vn2019):
    found = coverage(province(activities=False), vn2019, since=START, until=YEAR_END)
    assert (found.members, found.cadres, found.leaders) == (Share(0, 40), Share(0, 8), Share(0, 23))
    assert found.members.meets(1.0) is False
    assert Share().share is None
    assert Share().meets(1.0) is None


def test_coverage_refuses_a_period_backwards_and_an_unknown_scope(store, vn2019):
    with pytest.raises(OutreachError, match=r"ends \(2023-01-01\) before it starts \(2023-12-31\)"):
        coverage(store, vn2019, since=YEAR_END, until=d("2023-01-01"))
    with pytest.raises(NotFound, match="c-nowhere"):
        coverage(store, vn2019, since=START, until=YEAR_END, scope="c-nowhere")


def test_outreach_errors_are_value_errors_of_hoinghe_with_their_code():
    assert issubclass(OutreachError, HoingheError)
    assert issubclass(OutreachError, ValueError)
    assert OutreachError.code == "HNG-E014"
    assert "HNG-W019" in CODES


# ---------------------------------------------------------------------------------------------------- the CSV file


def write(tmp_path: Path, text: str, name: str = "activities.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_a_union_file_is_read_in_its_own_words(tmp_path):
    text = (
        "id,kind,unit,day,topic,members,actors,hours,note\n"
        "TT-01,Tuyên truyền,c11,15/03/2023,Mục đích của tổ hội,m-c11-1; m-c11-2;;m-c11-1,cb-c11,2,\n"
        "\n"
        'TH-01,tap_huan,d1,2023-04-02,"Kỹ năng điều hành, quản lý",m-c11-1,,"1,5",Hội trường huyện\n'
    )
    found = read_activities(write(tmp_path, text, encoding="utf-8-sig"))  # with a spreadsheet's BOM
    assert found == [
        Activity("TT-01", "outreach", "c11", d("2023-03-15"), "Mục đích của tổ hội", ("m-c11-1", "m-c11-2"),
                 ("cb-c11",), hours=2.0),
        Activity("TH-01", "training", "d1", d("2023-04-02"), "Kỹ năng điều hành, quản lý", ("m-c11-1",),
                 hours=1.5, note="Hội trường huyện"),
    ]  # fmt: skip


def test_a_semicolon_separated_file_with_only_the_required_columns(tmp_path):
    found = read_activities(write(tmp_path, "day;topic;id;kind;unit\n2023-01-02;Chủ đề;a;outreach;c11\n"))
    assert found == [Activity("a", "outreach", "c11", d("2023-01-02"), "Chủ đề")]
    assert COLUMNS[:5] == ("id", "kind", "unit", "day", "topic")


def test_every_bad_row_is_reported_at_its_line(tmp_path):
    text = (
        "id,kind,unit,day,topic,members,actors,hours\n"
        "a,outreach,c11,2023-01-02,Chủ đề,,,\n"
        "b,hội thảo,c11,2023-02-30,Chủ đề,,,-1\n"
        ",training,,2023-01-02,,,,\n"
        "a,training,c11,02/01/2023,Chủ đề,,,\n"
        "c,outreach,c11,2023-01-02\n"
    )
    path = write(tmp_path, text)
    with pytest.raises(OutreachError) as caught:
        read_activities(path)
    problems = [(d.location.line, d.code, str(d.message)) for d in caught.value.diagnostics]
    assert all(code == "HNG-W019" for _, code, _ in problems)
    assert [(line, message) for line, _, message in problems] == [
        (3, "kind 'hội thảo' is neither outreach (tuyên truyền) nor training (tập huấn)"),
        (3, "day '2023-02-30' is not a date; write 2023-03-15 or 15/03/2023"),
        (3, "hours '-1' is not a positive number (2, 1.5 or 1,5)"),
        (4, "id is empty"),
        (4, "unit is empty"),
        (4, "topic is empty"),
        (5, "id 'a' is used on line 2 too"),
        (6, "4 fields where the header has 8 columns"),
    ]
    message = str(caught.value)
    assert message.startswith(f"8 problems in {path}; nothing was read\n")
    assert f"{path}:3:1: HNG-W019 kind 'hội thảo'" in message
    assert caught.value.diagnostics[1].path == "$[1].day"


@pytest.mark.parametrize(
    ("header", "words"),
    [
        ("id,kind,unit,day,topic,member", "unknown column 'member'; the columns are id, kind, unit"),
        ("id,kind,unit,day", "the header lacks topic"),
        ("id,kind,unit,day,topic,id", "the header names id twice"),
        ("", "no header row"),
    ],
)
def test_a_bad_header_is_reported_on_line_one(tmp_path, header, words):
    with pytest.raises(OutreachError) as caught:
        read_activities(write(tmp_path, f"{header}\n"))
    assert words in caught.value.diagnostics[0].message.get("en")
    assert caught.value.diagnostics[0].location.line == 1


def test_a_file_that_is_not_utf8_or_not_there_is_refused(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"id,kind,unit,day,topic\na,outreach,c11,2023-01-02,Ch\xe1\n")  # latin-1, not UTF-8
    with pytest.raises(OutreachError, match="is not UTF-8 text"):
        read_activities(path)
    with pytest.raises(OutreachError, match="cannot read"):
        read_activities(tmp_path / "missing.csv")


def test_names_are_checked_against_a_store(tmp_path):
    text = (
        "id,kind,unit,day,topic,members,actors\n"
        "a,outreach,c11,2023-01-02,Chủ đề,m-c11-1;m-ghost,cb-c11\n"
        "b,outreach,c-gone,2023-01-02,Chủ đề,,cb-ghost\n"
    )
    path = write(tmp_path, text)
    with pytest.raises(OutreachError) as caught:
        read_activities(path, store=province(activities=False))
    assert [(d.location.line, d.message.get("en")) for d in caught.value.diagnostics] == [
        (2, "no member 'm-ghost' in the database"),
        (3, "no unit 'c-gone' in the database"),
        (3, "no actor 'cb-ghost' in the database"),
    ]
    assert len(read_activities(path)) == 2  # without a store, ids are not checked


# ---------------------------------------------------------------------------------------------------- the commands


@pytest.fixture
def cli(monkeypatch):
    monkeypatch.setattr(typer.testing, "_get_command", _command)

    def run(*args: str):
        return RUNNER.invoke(app, [str(a) for a in args])

    return run


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path / 'hoinghe.db'}"
    store = SqlStore(url)
    store.put_org(units=province_units(), members=province_members(), actors=province_actors())
    store.close()
    return url


def test_import_then_coverage_on_a_database(cli, database, tmp_path):
    rows = ["id,kind,unit,day,topic,members,actors,hours"]
    rows += [
        f"{a.id},{a.kind},{a.unit},{a.day},{a.topic},{';'.join(a.members)},{';'.join(a.actors)},"
        for a in province_activities()
    ]
    path = write(tmp_path, "\n".join(rows) + "\n")
    done = cli("outreach", "import", path, "--db", database)
    assert done.exit_code == 0, done.output
    assert "imported 7 activities (5 outreach, 2 training)" in done.output
    again = cli("outreach", "import", path, "--db", database, "--json")  # replaced by id: still 7
    assert json.loads(again.stdout)["activities"] == 7
    store = SqlStore(database)
    assert [a.id for a in store.activities()] == ["o-early", "o1", "o2", "o3", "t1", "t2", "o-2024"]
    store.close()
    out = cli("outreach", "coverage", "--db", database, "--since", START, "--until", YEAR_END, "--json")
    assert out.exit_code == 0, out.output
    found = json.loads(out.stdout)
    assert (found["members"], found["cadres"]["reached"], found["leaders"]["total"]) == (
        {"reached": 23, "total": 40, "share": 0.575},
        5,
        23,
    )
    assert [(r["unit"], r["members"]["reached"]) for r in found["districts"]] == [("d1", 16), ("d2", 7)]
    table = cli(
        "outreach", "coverage", "--db", database, "--since", START, "--until", YEAR_END, "--scope", "d1"
    )
    assert table.exit_code == 0, table.output
    ranked = cli("outreach", "ranking", "--db", database, "--year", "2023", "--json")
    assert ranked.exit_code == 0, ranked.output
    ranking = json.loads(ranked.stdout)
    assert [(c["unit"], c["rank"]) for c in ranking["communes"]] == [
        ("c11", 1),
        ("c21", 2),
        ("c12", 3),
        ("c22", 4),
    ]
    assert ranking["communes"][0]["values"]["good_ratings"] == 0.5
    assert ranking["criteria"]["targets"] == {"measure": "targets_met", "weight": 25.0}
    lines = cli(
        "outreach", "ranking", "--db", database, "--year", "2023", "--scope", "d2"
    ).output.splitlines()
    assert [line.split()[:4] for line in lines] == [
        ["district", "1", "49.5", "d2"],
        ["commune", "1", "85.0", "c21"],
        ["commune", "2", "5.0", "c22"],
    ]
    assert "Ân" in table.output  # Xã Ân Nghĩa, wrapped to the terminal's width
    assert "16/20" in table.output
    assert "Mai Châu" not in table.output


def test_a_bad_file_imports_nothing_and_names_its_lines(cli, database, tmp_path):
    path = write(
        tmp_path,
        "id,kind,unit,day,topic,members\na,outreach,c11,2023-01-02,x,m-ghost\nb,x,c11,2023-01-02,y,\n",
    )
    out = cli("outreach", "import", path, "--db", database)
    assert out.exit_code == 2
    assert f"{path}:3:1: HNG-W019 kind 'x'" in out.output
    store = SqlStore(database)
    assert store.activities() == []
    store.close()


def test_coverage_refuses_a_date_that_is_not_one(cli, database):
    out = cli("outreach", "coverage", "--db", database, "--since", "2023-13-01", "--until", "2023-12-31")
    assert out.exit_code == 2
    assert "--since '2023-13-01' is not a date" in out.output

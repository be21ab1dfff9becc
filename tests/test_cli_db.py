"""The command line on a database: db upgrade, org import, case open|fire|show|list, replay; every error path."""

from __future__ import annotations

import functools
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap

import attrs
import pytest
import typer.main
import typer.testing
from typer.testing import CliRunner

import hoinghe.loading
import world
from hoinghe import Library, SqlStore
from hoinghe.cli import app
from hoinghe.storage.codec import to_payload
from hoinghe.storage.schema import SCHEMA_VERSION

RUNNER = CliRunner()
_command = functools.cache(typer.main.get_command)
_profile = functools.cache(lambda pid, paths: Library.from_paths(*paths, shipped=True).profile(pid))
FOUND = "found-professional-group"
SIX = ["f1", "f2", "f3", "f4", "f5", "f6"]


@pytest.fixture(autouse=True)
def _built_once(monkeypatch):
    # Each command loads its profile, and typer builds its click command, as a new process would; doing both once
    # per test run keeps this file fast.  What runs is the same code; one test runs the real command in a process.
    monkeypatch.setattr(typer.testing, "_get_command", _command)
    monkeypatch.setattr(hoinghe.loading, "load_profile", lambda pid, paths=(): _profile(pid, tuple(paths)))


def plain(record) -> dict:
    payload = to_payload(record)
    payload.pop("v")
    return payload


def org_file(tmp_path, **changes) -> str:
    """The world's organisation as an import file, with an active group g-1 and actors' grants as role@unit."""
    group = attrs.evolve(
        world.new_group("g-1"), status="active", members=tuple(SIX), leaders={"group_leader": "f1"}
    )
    content = {
        "units": [plain(u) for u in [*world.units(), group]],
        "members": [plain(m) for m in world.members()],
        "actors": [
            {"id": a.id, "name": a.name, "grants": [str(g) for g in a.grants]} for a in world.actors()
        ],
    }
    content["units"][-1]["leaders"] = {"group_leader": "f1"}  # one id, not a list: the shorthand
    content.update(changes)
    path = tmp_path / "org.json"
    path.write_text(json.dumps(content, ensure_ascii=False), "utf-8")
    return str(path)


def run(*args: str, db: str | None = None, code: int = 0):
    env = {"HOINGHE_DB": db} if db is not None else {}
    result = RUNNER.invoke(app, list(args), env=env)
    # Never a traceback: an error is a clean exit with a message.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    return result


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A database with the world's organisation, imported once by the command; each test gets a copy."""
    folder = tmp_path_factory.mktemp("template")
    run("org", "import", org_file(folder), db=f"sqlite:///{folder / 'hoinghe.db'}")
    return folder / "hoinghe.db"


@pytest.fixture
def db(tmp_path, template):
    shutil.copy(template, tmp_path / "hoinghe.db")
    return f"sqlite:///{tmp_path / 'hoinghe.db'}"


@pytest.fixture
def submitted(db):
    """A founding case taken to ``dossier_submitted`` by the engine, in the database the commands use."""
    store = SqlStore(db)
    engine = world.engine(store=store)
    case_id = world.found_until_submitted(engine)
    store.close()
    return case_id


def opened(db, *extra: str) -> str:
    out = run(
        "case",
        "open",
        FOUND,
        "g-cli",
        "--name",
        "Tổ hội cam",
        "--parent",
        "c-1",
        "--trade",
        "cam",
        "--actor",
        "officer-1",
        "--json",
        *extra,
        db=db,
    )
    return json.loads(out.stdout)["id"]


# ------------------------------------------------------------------------------------------------ db upgrade


def test_db_upgrade_creates_the_database_and_prints_its_version(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    out = run("db", "upgrade", "--db", url)
    assert out.stdout == f"{url}: schema version {SCHEMA_VERSION}\n"
    assert (tmp_path / "new.db").exists()
    again = run("db", "upgrade", "--json", db=url)  # the environment variable, and again: nothing to do
    assert json.loads(again.stdout) == {"db": url, "schema_version": SCHEMA_VERSION}


def test_db_upgrade_refuses_memory_and_bad_urls():
    assert "keeps nothing" in run("db", "upgrade", "--db", "memory://", code=2).stderr
    out = run("db", "upgrade", "--db", "not a url", code=2)
    assert out.stderr == (
        "hoinghe: --db 'not a url' is not a database URL; write sqlite:///file.db or "
        "postgresql+psycopg://user@host/db\n"
    )


def test_a_missing_database_is_an_error_and_no_file_is_made(tmp_path):
    url = f"sqlite:///{tmp_path / 'missing.db'}"
    out = run("case", "list", db=url, code=1)
    assert out.stderr.startswith(
        f"hoinghe: no database at {tmp_path / 'missing.db'}; create it with: hoinghe db upgrade"
    )
    assert not (tmp_path / "missing.db").exists()


def test_storage_errors_are_one_line(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    out = run("case", "list", "--db", f"sqlite:///{junk}", code=1)
    assert out.stderr.startswith("hoinghe: storage: cannot open the database")
    assert out.stderr.count("\n") == 1


def test_a_database_newer_than_hoinghe_is_refused(db):
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE hoinghe_meta SET value = '99' WHERE key = 'schema_version'")
    out = run("case", "list", db=db, code=1)
    assert "newer than this hoinghe" in out.stderr
    assert out.stderr.startswith("hoinghe: storage: ")


# ------------------------------------------------------------------------------------------------ org import


def test_org_import_reads_records_and_shorthands(tmp_path):
    url = f"sqlite:///{tmp_path / 'org.db'}"
    out = run("org", "import", org_file(tmp_path), db=url)
    assert out.stdout == f"imported 7 units, 18 members and 7 actors into {url}\n"
    store = SqlStore(url)
    try:
        assert store.unit("c-1") == world.units()[3]
        assert store.unit("g-1").leaders == {"group_leader": ("f1",)}
        assert store.member("f17") == world.farmer(17, union=False)
        assert store.actor("btv-1") == world.actors()[1]
    finally:
        store.close()
    again = run("org", "import", org_file(tmp_path), "--json", db=url)  # replacing is allowed
    assert json.loads(again.stdout) == {"db": url, "units": 7, "members": 18, "actors": 7}


def test_org_import_reports_every_problem_and_imports_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'org.db'}"
    units = [plain(u) for u in world.units()]
    units[1]["nam"] = units[1].pop("name")
    units[2]["founded_on"] = "2020-13-01"
    units[3]["level"] = "hamlet"
    units[4]["parent"] = "p-404"
    members = [plain(world.farmer(1)), plain(world.farmer(1))]
    actors = [{"id": "a", "name": "A", "grants": ["chairman@c-1", "union_officer@c-404", "nonsense"]}]
    path = org_file(tmp_path, units=units, members=members, actors=actors)
    out = run("org", "import", path, db=url, code=2)
    lines = out.stderr.splitlines()
    assert f"hoinghe: {path}: $.units[1].nam: unknown key 'nam'; did you mean 'name'?" in lines
    assert (
        f"hoinghe: {path}: $.units[2].founded_on: expected a date written YYYY-MM-DD, got the text '2020-13-01'"
        in lines
    )
    assert f"hoinghe: {path}: $.members[1].id: 'f1' appears twice" in lines
    assert any(line.startswith(f"hoinghe: {path}: $.actors[0].grants[2]") for line in lines)
    # Records that parse are then checked against the profile and the database; still nothing is written.
    fixed = [plain(u) for u in world.units()]
    fixed[3]["level"] = "hamlet"
    fixed[4]["parent"] = "p-404"
    grants = ["chairman@c-1", "union_officer@c-404"]
    path = org_file(
        tmp_path, units=fixed, members=members[:1], actors=[{"id": "a", "name": "A", "grants": grants}]
    )
    lines = run("org", "import", path, db=url, code=2).stderr.splitlines()
    assert lines == [
        (
            f"hoinghe: {path}: $.units[3].level: profile vn-2025 has no level 'hamlet'; "
            "levels: central, province, commune, branch, group"
        ),
        f"hoinghe: {path}: $.units[4].parent: no unit 'p-404' in the file or the database",
        f"hoinghe: {path}: $.actors[0].grants[0].role: profile vn-2025 has no role 'chairman'",
        f"hoinghe: {path}: $.actors[0].grants[1].unit: no unit 'c-404' in the file or the database",
    ]
    assert "no database" not in run("case", "list", db=url).stderr
    assert run("case", "list", db=url).stdout == ""
    store = SqlStore(url)
    try:
        assert list(store.units()) == []
    finally:
        store.close()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ("[1, 2]", 'expected a JSON object with "units", "members" and "actors" lists'),
        ('{"units": [], "people": []}', 'expected a JSON object with "units"'),
        ('{"units": {}}', "$.units: expected a list"),
        ('{"units": [7]}', "$.units[0]: expected a JSON object, got int"),
    ],
)
def test_org_import_bad_files(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    out = run("org", "import", str(path), "--db", f"sqlite:///{tmp_path / 'x.db'}", code=2)
    assert message in out.stderr
    assert out.stderr.startswith("hoinghe: ")


def test_org_import_missing_file(tmp_path):
    out = run("org", "import", str(tmp_path / "nope.json"), "--db", f"sqlite:///{tmp_path / 'x.db'}", code=2)
    assert out.stderr.startswith(f"hoinghe: cannot read {tmp_path / 'nope.json'}")


# ------------------------------------------------------------------------------------------------ case open


def test_case_open_founds_with_options(db):
    out = run(
        "case",
        "open",
        FOUND,
        "g-new",
        "--name",
        "Tổ hội cam",
        "--parent",
        "c-1",
        "--trade",
        "cam",
        "--actor",
        "officer-1",
        db=db,
    )
    case_id, rest = out.stdout.split(" ", 1)
    assert rest == f"opened: {FOUND} on g-new, state proposed (version 1)\n"
    store = SqlStore(db)
    try:
        unit = store.unit("g-new")
        assert (unit.level, unit.kind, unit.trade, unit.status, unit.parent) == (
            "group",
            "professional",
            "cam",
            "proposed",
            "c-1",
        )
        assert store.case(case_id).proposer == "officer-1"
    finally:
        store.close()


def test_case_open_founds_with_a_json_subject_and_an_idempotency_key(db):
    subject = json.dumps({"id": "g-j", "name": "Tổ hội lúa", "parent": "c-1", "trade": "lua"})
    args = ("case", "open", FOUND, subject, "--actor", "officer-1", "--key", "k-1", "--json")
    first = json.loads(run(*args, db=db).stdout)
    assert (first["subject"], first["state"], first["version"]) == ("g-j", "proposed", 1)
    assert json.loads(run(*args, db=db).stdout)["id"] == first["id"]  # the same key: the same case
    assert len(json.loads(run("case", "list", "--json", db=db).stdout)) == 1


def test_case_open_on_an_existing_unit_with_data_and_documents(db):
    out = run(
        "case",
        "open",
        "dissolve-unit",
        "g-1",
        "--actor",
        "btv-1",
        "--data",
        '{"reason": "inactive"}',
        "--json",
        db=db,
    )
    case = json.loads(out.stdout)
    assert (case["workflow"], case["subject"], case["data"]) == (
        "dissolve-unit",
        "g-1",
        {"reason": "inactive"},
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((FOUND, "g-x", "--actor", "officer-1"), f"{FOUND} founds a new unit: give its --name and --parent"),
        ((FOUND, "g-x", "--name", "X", "--actor", "officer-1"), "give its --parent"),
        ((FOUND, '{"id": "g-x"}', "--name", "X", "--actor", "officer-1"), "either as a JSON object or with"),
        (
            (FOUND, '{"id": "g-x", "name": "X"}', "--actor", "officer-1"),
            "SUBJECT: required key 'parent' is missing",
        ),
        (
            (FOUND, '{"id": "g-x", "name": "X", "parent": "c-1", "colour": 1}', "--actor", "officer-1"),
            "SUBJECT.colour: unknown key",
        ),
        ((FOUND, "{oops", "--actor", "officer-1"), "SUBJECT is not valid JSON"),
        (
            ("dissolve-unit", "g-1", "--name", "X", "--actor", "btv-1"),
            "dissolve-unit acts on an existing unit",
        ),
        (("dissolve-unit", "g-1", "--actor", "btv-1", "--data", "[1]"), "--data must be a JSON object"),
        (("dissolve-unit", "g-1", "--actor", "btv-1", "--data", "{bad"), "--data is not valid JSON"),
        (("dissolve-unit", "g-1", "--actor", "btv-1", "--data", "@/nonexistent.json"), "--data: cannot read"),
        (
            ("dissolve-unit", "g-1", "--actor", "btv-1", "-d", "review_report"),
            "--document 'review_report' is not KIND=URI",
        ),
    ],
)
def test_case_open_bad_input_is_a_usage_error(db, args, message):
    out = run("case", "open", *args, db=db, code=2)
    assert message in out.stderr
    assert out.stderr.startswith("hoinghe: ")
    assert "Traceback" not in out.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("no-such-flow", "g-1", "--actor", "btv-1"), "hoinghe: no workflow 'no-such-flow'; known: "),
        (("dissolve-unit", "g-404", "--actor", "btv-1"), "hoinghe: no unit 'g-404'"),
        (("dissolve-unit", "g-1", "--actor", "nobody"), "hoinghe: no actor 'nobody'"),
        (
            ("dissolve-unit", "g-1", "--actor", "btv-1", "--profile", "nowhere"),
            "hoinghe: no profile 'nowhere'",
        ),
    ],
)
def test_case_open_not_found(db, args, message):
    assert run("case", "open", *args, db=db, code=1).stderr.startswith(message)


def test_case_open_refused_prints_every_blocker(db):
    out = run("case", "open", "dissolve-unit", "g-1", "--actor", "btv-9", db=db, code=3)
    lines = out.stderr.splitlines()
    assert lines[0].startswith("hoinghe: case ")
    assert lines[0].endswith(" open refused for btv-9:")
    assert lines[1].startswith("  HNG-B002 Ban Thường vụ xã Bắc Mê may not do this")
    assert run("case", "list", db=db).stdout == ""  # nothing written


def test_a_data_value_the_engine_refuses_is_a_usage_error(db):
    deep = {"a": [[[[[[[[[[1]]]]]]]]]]}
    out = run(
        "case", "open", "dissolve-unit", "g-1", "--actor", "btv-1", "--data", json.dumps(deep), db=db, code=2
    )
    assert "too large or too deep" in out.stderr


# ------------------------------------------------------------------------------------------------ case fire


def test_case_fire_moves_the_case(db):
    case_id = opened(db)
    out = run(
        "case", "fire", case_id, "survey", "--actor", "officer-1", "-d", "survey_report=file:///ks.pdf", db=db
    )
    assert out.stdout == f"{case_id}: survey fired; state surveyed (version 2)\n"
    out = run(
        "case",
        "fire",
        case_id,
        "start_outreach",
        "-a",
        "officer-1",
        "--expected-version",
        "2",
        "--json",
        db=db,
    )
    assert (json.loads(out.stdout)["state"], json.loads(out.stdout)["version"]) == ("mobilizing", 3)
    out = run(
        "case",
        "fire",
        case_id,
        "collect_applications",
        "--actor",
        "officer-1",
        "--data",
        json.dumps({"members": SIX}),
        "--document",
        "voluntary_applications=file:///don.pdf",
        "--document",
        "member_list=file:///ds.pdf",
        db=db,
    )
    assert "state applications_collected (version 4)" in out.stdout


def test_case_fire_decides_and_closes(db, submitted):
    docs = [arg for kind, uri in world.DECISION.items() for arg in ("-d", f"{kind}={uri}")]
    out = run("case", "fire", submitted, "approve", "--actor", "btv-1", *docs, db=db)
    assert out.stdout == f"{submitted}: approve fired; state approved (version 7)\n"
    out = run("case", "fire", submitted, "approve", "--actor", "btv-1", db=db, code=3)
    assert out.stderr.splitlines()[1] == (
        "  HNG-B001 approve cannot fire while the case is approved; it fires from: dossier_submitted"
    )
    out = run("case", "fire", submitted, "launch", "--actor", "officer-1", db=db)
    assert out.stdout == f"{submitted}: launch fired; state launched (version 8, closed)\n"
    out = run("case", "fire", submitted, "launch", "--actor", "officer-1", db=db, code=3)
    assert out.stderr.splitlines()[1] == f"  HNG-B007 case {submitted} is closed (launched)"


def test_a_refusal_lists_every_blocker_with_rule_and_citation(db):
    case_id = opened(db)
    run("case", "fire", case_id, "survey", "--actor", "officer-1", "-d", "survey_report=u", db=db)
    run("case", "fire", case_id, "start_outreach", "--actor", "officer-1", db=db)
    args = (
        "case",
        "fire",
        case_id,
        "collect_applications",
        "--actor",
        "officer-1",
        "--data",
        '{"members": ["f1", "f2", "f3"]}',
    )
    out = run(*args, db=db, code=3)
    lines = out.stderr.splitlines()
    assert lines[0] == f"hoinghe: case {case_id}: collect_applications refused for officer-1:"
    codes = [line.split()[0] for line in lines[1:] if not line.startswith("    ")]
    assert codes == ["HNG-B004", "HNG-B004", "HNG-B005"]
    rule = next(line for line in lines if "MEM-02" in line)
    assert rule.startswith("  HNG-B005 MEM-02: A professional group needs at least 5 members; it has 3.")
    assert "[205-HD/HNDTW" in rule
    assert any(line.startswith("      subject.union_member_count (3)") for line in lines)  # the explanation
    vi = run(*args, "--lang", "vi", db=db, code=3).stderr
    assert "  HNG-B004 thiếu tài liệu: Đơn tự nguyện tham gia" in vi.splitlines()
    assert "  HNG-B005 MEM-02: Tổ hội nghề nghiệp cần ít nhất 5 hội viên; hiện có 3." in vi
    as_json = json.loads(run(*args, "--json", db=db, code=3).stdout)["refused"]
    assert (as_json["case"], as_json["transition"], as_json["actor"]) == (
        case_id,
        "collect_applications",
        "officer-1",
    )
    mem = next(b for b in as_json["blockers"] if b["rule_id"] == "MEM-02")
    assert mem["code"] == "HNG-B005"
    assert mem["citation"].startswith("205-HD/HNDTW")
    # "message" is in the language in force, "messages" in both.
    assert mem["message"] == "A professional group needs at least 5 members; it has 3."
    assert mem["messages"]["vi"] == "Tổ hội nghề nghiệp cần ít nhất 5 hội viên; hiện có 3."
    assert (
        json.loads(run("case", "show", case_id, "--json", db=db).stdout)["case"]["version"] == 3
    )  # nothing written


def test_conflicts_exit_4(db):
    case_id = opened(db)
    out = run(
        "case",
        "fire",
        case_id,
        "survey",
        "-a",
        "officer-1",
        "-d",
        "survey_report=u",
        "--expected-version",
        "5",
        db=db,
        code=4,
    )
    assert out.stderr == f"hoinghe: conflict: case {case_id} is at version 1, not 5; read it again\n"
    run("case", "fire", case_id, "survey", "-a", "officer-1", "-d", "survey_report=u", "--key", "k", db=db)
    out = run("case", "fire", case_id, "start_outreach", "-a", "officer-1", "--key", "k", db=db, code=4)
    assert "idempotency key 'k' was used for a different request" in out.stderr
    again = run(
        "case", "fire", case_id, "survey", "-a", "officer-1", "-d", "survey_report=u", "--key", "k", db=db
    )
    assert "version 2" in again.stdout  # the same request again: the first result, nothing new


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("case-404", "survey", "--actor", "officer-1"), "hoinghe: no case 'case-404'"),
        (("{case}", "fly", "--actor", "officer-1"), "hoinghe: no transition 'fly'"),
        (("{case}", "survey", "--actor", "ghost"), "hoinghe: no actor 'ghost'"),
    ],
)
def test_case_fire_not_found(db, args, message):
    case_id = opened(db)
    args = tuple(a.replace("{case}", case_id) for a in args)
    assert run("case", "fire", *args, db=db, code=1).stderr.startswith(message)


def test_case_fire_bad_input(db):
    case_id = opened(db)
    assert (
        "--data is not valid JSON"
        in run("case", "fire", case_id, "survey", "-a", "officer-1", "--data", "{", db=db, code=2).stderr
    )
    assert (
        "is not KIND=URI"
        in run("case", "fire", case_id, "survey", "-a", "officer-1", "-d", "=u", db=db, code=2).stderr
    )


def test_a_province_profile_from_workflows_dir(db, tmp_path):
    folder = tmp_path / "province"
    folder.mkdir()
    (folder / "profile.yaml").write_text(
        textwrap.dedent("""\
        hoinghe: 1
        kind: profile
        id: vn-test
        title: Tỉnh thử
        extends: vn-2025
        rules: [test-pack]
        """),
        "utf-8",
    )
    (folder / "pack.yaml").write_text(
        textwrap.dedent("""\
        hoinghe: 1
        kind: rules
        id: test-pack
        title: Hướng dẫn của tỉnh thử
        params:
          group_min_members:
            value: 7
        """),
        "utf-8",
    )
    case_id = opened(db)
    run("case", "fire", case_id, "survey", "-a", "officer-1", "-d", "survey_report=u", db=db)
    run("case", "fire", case_id, "start_outreach", "-a", "officer-1", db=db)
    args = (
        "case",
        "fire",
        case_id,
        "collect_applications",
        "-a",
        "officer-1",
        "--data",
        json.dumps({"members": SIX}),
        "-d",
        "voluntary_applications=u",
        "-d",
        "member_list=u",
    )
    # The case runs on the version it opened on (vn-2025's minimum of 5); the province's pack applies to new cases.
    province = ("--profile", "vn-test", "--workflows", str(folder))
    new_id = json.loads(
        run(
            "case",
            "open",
            FOUND,
            "g-p",
            "--name",
            "P",
            "--parent",
            "c-1",
            "--trade",
            "cam",
            "-a",
            "officer-1",
            "--json",
            *province,
            db=db,
        ).stdout
    )["id"]
    run("case", "fire", new_id, "survey", "-a", "officer-1", "-d", "survey_report=u", *province, db=db)
    run("case", "fire", new_id, "start_outreach", "-a", "officer-1", *province, db=db)
    refused = run(*[a if a != case_id else new_id for a in args], *province, db=db, code=3).stderr
    assert "MEM-02" in refused
    assert "it has 6" in refused
    assert "version 4" in run(*args, *province, db=db).stdout


def test_an_invalid_province_profile_prints_its_diagnostics(db, tmp_path):
    folder = tmp_path / "province"
    folder.mkdir()
    (folder / "profile.yaml").write_text(
        "hoinghe: 1\nkind: profile\nid: vn-bad\ntitle: X\nextends: vn-2025\nrules: [nowhere]\n"
    )
    out = run(
        "case",
        "open",
        "dissolve-unit",
        "g-1",
        "-a",
        "btv-1",
        "--profile",
        "vn-bad",
        "-p",
        str(folder),
        db=db,
        code=1,
    )
    assert "HNG-P002" in out.stderr


# ------------------------------------------------------------------------------------------------ case show, list


def test_case_show_text(db, submitted):
    out = run("case", "show", submitted, db=db)
    lines = out.stdout.splitlines()
    assert lines[0] == f"{submitted}: {FOUND} on g-new"
    assert lines[1].startswith("state: dossier_submitted (version 6, open); definition ")
    assert '  members: ["f1", "f2", "f3", "f4", "f5", "f6"]' in lines
    assert "  member_list: file:///dossier/danh-sach.pdf" in lines
    history = lines[lines.index("history:") + 1 :]
    assert len(history) == 6
    assert history[0].split()[:2] == ["1", world.START.isoformat()]
    assert "fired submit_dossier  by officer-1  founding_meeting_held -> dossier_submitted" in history[-1]
    assert "available" not in out.stdout


def test_case_show_available_for_an_actor(db, submitted):
    out = run("case", "show", submitted, "--actor", "btv-1", db=db)
    tail = out.stdout.split("available to btv-1:\n", 1)[1].splitlines()
    assert "  approve -> approved: blocked" in tail
    assert any(line.startswith("    HNG-B004 missing document") for line in tail)
    officer = run("case", "show", submitted, "--actor", "officer-1", "--json", db=db)
    available = {o["transition"]: o for o in json.loads(officer.stdout)["available"]}
    assert available["approve"]["allowed"] is False
    assert {b["code"] for b in available["approve"]["blockers"]} >= {"HNG-B002"}


def test_case_show_json(db, submitted):
    out = json.loads(run("case", "show", submitted, "--json", db=db).stdout)
    assert (out["case"]["id"], out["case"]["state"], out["case"]["version"]) == (
        submitted,
        "dossier_submitted",
        6,
    )
    assert [e["seq"] for e in out["history"]] == [1, 2, 3, 4, 5, 6]
    assert out["history"][0]["kind"] == "opened"
    assert "available" not in out


def test_case_show_not_found(db):
    assert run("case", "show", "case-404", db=db, code=1).stderr == "hoinghe: no case 'case-404'\n"
    assert (
        run("case", "show", "case-404", "--actor", "btv-1", db=db, code=1).stderr
        == "hoinghe: no case 'case-404'\n"
    )


def test_case_list_filters(db, submitted):
    other = opened(db)
    run("case", "open", "dissolve-unit", "g-1", "--actor", "btv-1", db=db)
    everything = run("case", "list", db=db)
    assert everything.stderr == "3 cases\n"
    first = everything.stdout.splitlines()[0]
    assert first == f"{submitted}  {FOUND}  g-new  dossier_submitted  v6  open"
    ids = lambda *args: [c["id"] for c in json.loads(run("case", "list", "--json", *args, db=db).stdout)]  # noqa: E731
    assert ids("--workflow", FOUND) == [submitted, other]
    assert ids("--state", "proposed", "--workflow", FOUND) == [other]
    assert ids("--subject", "g-1") == [json.loads(run("case", "list", "--json", db=db).stdout)[2]["id"]]
    assert len(ids("--open")) == 3
    assert ids("--closed") == []
    assert run("case", "list", "--state", "nowhere", db=db).stderr == "0 cases\n"


# ------------------------------------------------------------------------------------------------ replay


def test_replay_clean(db, submitted):
    out = run("replay", db=db)
    assert out.stdout == ""
    assert out.stderr == "1 case replayed: every one matches its events and definition\n"
    report = json.loads(run("replay", "--json", "--db", db).stdout)
    assert (report["checked"], report["clean"]) == (1, True)


def test_replay_reports_a_tampered_case_and_exits_1(db, submitted):
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        conn.execute(
            'UPDATE cases SET payload = replace(payload, \'"state":"dossier_submitted"\', \'"state":"approved"\')'
        )
    out = run("replay", db=db, code=1)
    assert (
        out.stdout
        == f'case {submitted}: state is stored as "approved", its events give "dossier_submitted"\n'
    )
    assert "1 difference, 0 definition mismatches" in out.stderr
    report = json.loads(run("replay", "--json", db=db, code=1).stdout)
    assert report["differences"] == [
        {
            "case": submitted,
            "field": "state",
            "stored": "approved",
            "rebuilt": "dossier_submitted",
            "note": "",
        }
    ]


def test_replay_with_an_edited_workflow(db, submitted, tmp_path):
    shipped = next((p for p in world.profile().workflows if p.id == FOUND), None)
    assert shipped is not None
    from hoinghe.loading import shipped_path  # noqa: PLC0415

    text = (shipped_path() / "workflows" / f"{FOUND}.yaml").read_text("utf-8")
    draft = tmp_path / "draft.yaml"
    draft.write_text(text.replace("to: surveyed", "to: mobilizing", 1), "utf-8")
    out = run("replay", "--with", str(draft), db=db, code=1)
    (line,) = out.stdout.splitlines()
    assert line.startswith(
        f"case {submitted} event 2 (fired survey): definition given:{FOUND} expects survey"
    )
    assert line.endswith("but it led to 'surveyed'")
    report = json.loads(run("replay", "--with", str(draft), "--json", db=db, code=1).stdout)
    assert [(m["case"], m["seq"]) for m in report["mismatches"]] == [(submitted, 2)]


def test_replay_errors(db, submitted, tmp_path):
    assert run("replay", "--case", "case-404", db=db, code=1).stderr == "hoinghe: no case 'case-404'\n"
    assert run("replay", "--case", submitted, db=db).stderr.startswith("1 case replayed")
    from hoinghe.loading import shipped_path  # noqa: PLC0415

    profile = next((shipped_path() / "profiles").glob("vn-2025.yaml"))
    out = run("replay", "--with", str(profile), db=db, code=2)
    assert out.stderr == f"hoinghe: {profile} is a profile document, not a workflow\n"
    broken = tmp_path / "broken.yaml"
    broken.write_text("hoinghe: 1\nkind: workflow\nid: x\n")
    assert "HNG-S002" in run("replay", "--with", str(broken), db=db, code=1).stderr


def test_the_help_lists_the_new_commands():
    out = run("--help")
    for name in ("db", "org", "case", "replay"):
        assert f" {name} " in out.stdout
    assert "HOINGHE_DB" in run("case", "list", "--help").stdout


def test_the_installed_command_in_its_own_process(db, submitted, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "hoinghe.cli", "case", "list"],
        capture_output=True,
        text=True,
        env={**os.environ, "HOINGHE_DB": db},
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{submitted}  {FOUND}  g-new  dossier_submitted  v6  open")
    missing = subprocess.run(
        [sys.executable, "-m", "hoinghe.cli", "case", "show", "case-404"],
        capture_output=True,
        text=True,
        env={**os.environ, "HOINGHE_DB": db},
        timeout=120,
        check=False,
    )
    assert (missing.returncode, missing.stderr) == (1, "hoinghe: no case 'case-404'\n")

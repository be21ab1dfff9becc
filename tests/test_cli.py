"""The command line: one line per problem, clean exits, never a traceback."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hoinghe.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )


BAD = {
    "typo.yaml": "hoinghe: 1\nkind: workflow\nid: t\ntitle: T\nsubject: {level: group}\nstates: [a, b]\ninitial: a\nfinal: [b]\ntransitions:\n  - {id: go, from: a, to: b, documets: [x]}\n",
    "unreachable.yaml": "hoinghe: 1\nkind: workflow\nid: u\ntitle: U\nsubject: {level: group}\nstates: [a, b, c]\ninitial: a\nfinal: [b]\ntransitions:\n  - {id: go, from: a, to: b}\n",
    "duplicate.yaml": "hoinghe: 1\nkind: workflow\nid: d\nid: e\n",
    "bomb.yaml": 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: [*b,*b]\n',
    "tag.yaml": "hoinghe: 1\nkind: !!python/object:os.system x\n",
    "deep.yaml": "[" * 5000 + "]" * 5000 + "\n",
}
EXPECTED = {
    "typo.yaml": ("10:30", "HNG-S001"),
    "unreachable.yaml": ("6:16", "HNG-W003"),
    "duplicate.yaml": ("4:1", "HNG-Y008"),
    "bomb.yaml": ("1:4", "HNG-Y004"),
    "tag.yaml": ("2:7", "HNG-Y005"),
    "deep.yaml": ("1:41", "HNG-Y006"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_check_reports_each_bad_file_located_and_coded_without_traceback(tmp_path, name):
    path = tmp_path / name
    path.write_text(BAD[name])
    result = run("check", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    position, code = EXPECTED[name]
    assert result.stdout.startswith(f"{path}:{position}: {code} "), result.stdout
    assert result.stderr.startswith("1 file checked: ")


def test_check_json(tmp_path):
    (tmp_path / "typo.yaml").write_text(BAD["typo.yaml"])
    result = run("check", str(tmp_path), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["errors"] == 1
    (d,) = report["diagnostics"]
    assert (d["code"], d["line"], d["column"], d["path"]) == ("HNG-S001", 10, 30, "$.transitions[0].documets")


def test_check_of_the_shipped_folder_is_clean():
    result = run("check", "workflows/")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert "all clean" in result.stderr


def test_check_missing_path(tmp_path):
    result = run("check", str(tmp_path / "nope.yaml"))
    assert result.returncode == 1
    assert "no such file or folder" in result.stdout


def test_schema_prints_one_kind_or_writes_all(tmp_path):
    result = run("schema", "--kind", "workflow")
    assert result.returncode == 0
    assert json.loads(result.stdout)["properties"]["kind"] == {"const": "workflow"}
    result = run("schema", "--output", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "plan.schema.json",
        "profile.schema.json",
        "rules.schema.json",
        "workflow.schema.json",
    ]
    assert run("schema", "--kind", "flow").returncode == 2


def test_diagram_of_a_shipped_workflow_and_of_an_unknown_one():
    result = run("diagram", "found-professional-group")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("stateDiagram-v2")
    result = run("diagram", "found-professional-grup")
    assert result.returncode == 1
    assert "no workflow 'found-professional-grup'" in result.stderr
    assert "Traceback" not in result.stderr


def test_rules_table_for_a_profile():
    result = run("rules", "--profile", "vn-2019")
    assert result.returncode == 0, result.stderr
    assert "MEM-02" in result.stdout
    assert "group_min_members" in result.stdout
    data = json.loads(run("rules", "--profile", "vn-2019", "--format", "json").stdout)
    assert data["params"]["group_min_members"]["value"] == 5


def test_help_lists_the_commands():
    result = run("--help")
    assert result.returncode == 0
    for command in ("check", "schema", "diagram", "rules"):
        assert command in result.stdout


def test_rules_in_force_on_a_date():
    before = run("rules", "--profile", "vn-2025", "--on", "2024-06-30", "--format", "json")
    after = run("rules", "--profile", "vn-2025", "--on", "2024-07-01", "--format", "json")
    assert before.returncode == after.returncode == 0
    ids = lambda r: {rule["id"] for rule in json.loads(r.stdout)["rules"]}  # noqa: E731
    assert ids(before) != ids(after)
    assert run("rules", "--on", "30/06/2024").returncode == 2

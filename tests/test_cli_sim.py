"""``hoinghe simulate`` and ``hoinghe report``: a rollout played, kept, reported; every error one clear line."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from hoinghe.cli import app

RUNNER = CliRunner()
SMALL = ["--synthetic", "1,2,3", "--until", "2021-12-31"]


def run(*args: str, code: int = 0, env: dict[str, str] | None = None):
    result = RUNNER.invoke(app, list(args), env=env or {})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    return result


def test_simulate_prints_the_targets_and_what_happened():
    out = run("simulate", *SMALL, "--seed", "3", "--lang", "vi", env={"COLUMNS": "200"}).stdout
    assert "Mỗi cơ sở hội thành lập mới được 8-10 tổ hội nghề nghiệp" in out
    assert "tổ hội và" in out
    assert "bước trong" in out
    english = run("simulate", *SMALL, "--seed", "3", "--lang", "en").stdout
    assert "transitions in" in english


def test_a_target_that_cannot_apply_is_explained_under_the_table_not_in_it():
    out = run("simulate", "--profile", "vn-2025", *SMALL, "--lang", "en", env={"COLUMNS": "100"}).stdout
    rows = [line for line in out.splitlines() if line.startswith("│")]
    district = next(row for row in rows if "(*)" in row)
    assert district.count("—") == 4  # its four figures
    commune = next(row for row in rows if "8-10" in row)
    assert any(ch.isdigit() for ch in commune.split("│")[2])  # the figures keep room enough to be read
    assert any(line.startswith("(*) ") and "district" in line for line in out.splitlines())


def test_simulate_json_is_the_same_for_the_same_seed():
    first = json.loads(run("simulate", *SMALL, "--seed", "3", "--json").stdout)
    again = json.loads(run("simulate", *SMALL, "--seed", "3", "--json").stdout)
    first.pop("seconds")
    again.pop("seconds")
    assert first == again
    assert first["targets"]["groups_per_commune"]["units"] == 6
    assert first["targets"]["branches_per_district"]["units"] == 2
    assert first["counts"]["groups_founded"] == first["targets"]["groups_per_commune"]["founded"]


def test_a_rollout_kept_in_sqlite_is_reported_on_by_report(tmp_path):
    db = f"sqlite:///{tmp_path / 'rollout.db'}"
    page = tmp_path / "bao-cao.html"
    kept = json.loads(run("simulate", *SMALL, "--db", db, "--report", str(page), "--json").stdout)
    assert page.read_text("utf-8").startswith("<!DOCTYPE html>")
    with sqlite3.connect(tmp_path / "rollout.db") as conn:
        groups = conn.execute(
            "SELECT count(*) FROM units WHERE level = 'group' AND status != 'proposed'"
        ).fetchone()
    assert groups[0] >= kept["counts"]["groups_founded"]
    # The same figures, read back from the database by the report command, as of the rollout's last day.
    again = tmp_path / "again.md"
    out = json.loads(
        run("report", str(again), "--db", db, "--as-of", "2021-12-31", "--lang", "vi", "--json").stdout
    )
    assert out["targets"]["groups_per_commune"]["founded"] == kept["targets"]["groups_per_commune"]["founded"]
    # The rollout recorded its outreach sessions and trainings, which both reports read back.
    assert '<section id="outreach">' in page.read_text("utf-8")
    assert "Công tác tuyên truyền, tập huấn" in again.read_text("utf-8")
    assert out["title"] == "Báo cáo tổng kết năm 2021"
    assert again.read_text("utf-8").startswith("# Báo cáo tổng kết năm 2021")
    # A rollout goes into an empty database only.
    refused = run("simulate", *SMALL, "--db", db, code=1)
    assert "already holds units or cases" in refused.stderr


def test_outreach_training_and_loans_are_behaviour_settings():
    base = json.loads(run("simulate", *SMALL, "--seed", "3", "--json").stdout)["counts"]
    assert base["outreach_sessions"] > 0
    assert base["trainings"] > 0
    chosen = [
        *("--set", "training_rate=0"),
        *("--set", "outreach_attendance=0.9"),
        *("--set", "loan_rate=2"),
        *("--set", "loan_amount=[10000000,20000000]"),
    ]
    counts = json.loads(run("simulate", *SMALL, "--seed", "3", "--json", *chosen).stdout)["counts"]
    assert "trainings" not in counts
    assert counts["outreach_sessions"] == base["outreach_sessions"]
    assert counts["loans_applied"] > base.get("loans_applied", 0)
    assert counts["groups_founded"] == base["groups_founded"]  # loans and sessions leave the foundings alone
    refused = run("simulate", *SMALL, "--set", "loan_months=[24,12]", code=1)
    assert "loan_months" in refused.stderr


def test_a_study_gives_the_odds_of_each_target():
    out = run("simulate", "--synthetic", "1,1,3", "--until", "2020-12-31", "--runs", "3", "--json").stdout
    summary = json.loads(out)
    assert summary["runs"] == 3
    assert set(summary["targets"]) == {"branches_per_district", "groups_per_commune"}
    table = run(
        "simulate", "--synthetic", "1,1,3", "--until", "2020-12-31", "--runs", "3", "--lang", "en"
    ).stdout
    assert "every unit" in table
    assert "95% interval" in table  # --lang en


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--province", "Tuyen Quagn"], 1, "Tuyen Quagn"),
        (["--synthetic", "1,x,3"], 2, "provinces,districts,communes"),
        (["--synthetic", "1,0,3"], 2, "at least 1"),
        (["--until", "31/12/2023"], 2, "YYYY-MM-DD"),
        ([*SMALL, "--set", "group_rat=2"], 1, "group_rat"),
        ([*SMALL, "--set", "novalue"], 2, "NAME=VALUE"),
        ([*SMALL, "--runs", "2", "--db", "sqlite:///x.db"], 2, "--db keeps one rollout"),
        ([*SMALL, "--plan", "nq99"], 1, "nq99"),
        ([*SMALL, "--report", "out.pdf"], 1, ".html"),
    ],
)
def test_bad_options_are_one_clear_line(tmp_path, monkeypatch, args, code, words):
    monkeypatch.chdir(tmp_path)
    result = RUNNER.invoke(app, ["simulate", *args])
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_report_on_a_database_that_is_not_there(tmp_path):
    result = RUNNER.invoke(
        app, ["report", str(tmp_path / "r.html"), "--db", f"sqlite:///{tmp_path / 'none.db'}"]
    )
    assert result.exit_code == 1
    assert "no database at" in result.stderr

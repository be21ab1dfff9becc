"""The README's examples run: its Python blocks, and its `hoinghe ...` command lines."""

import os
import re
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, re.DOTALL)
#: Each ``sh`` block's ``hoinghe`` lines, run in order as one session.
SESSIONS = [
    [line.split("  #")[0].strip() for line in block.splitlines() if line.startswith("hoinghe ")]
    for block in re.findall(r"```sh\n(.*?)```", README, re.DOTALL)
]
SESSIONS = [session for session in SESSIONS if session]


@pytest.mark.parametrize("code", PYTHON_BLOCKS)
def test_python_blocks_run(code):
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("session", SESSIONS, ids=[s[0] for s in SESSIONS])
def test_command_sessions_run(session, tmp_path):
    # A database named in the README lands in a temporary folder; HOINGHE_DB points every command there.
    env = {**os.environ, "HOINGHE_DB": f"sqlite:///{tmp_path / 'hoinghe.db'}"}
    for command in session:
        args = [
            a.replace("my-province/", "workflows/").replace(".schemas/", str(tmp_path))
            for a in shlex.split(command)
        ]
        # Reports and databases a command writes land in the temporary folder too, not in the clone.
        args = [str(tmp_path / a) if a.endswith((".html", ".md", ".csv")) else a for a in args]
        args = [
            a.replace("sqlite:///", f"sqlite:///{tmp_path}/", 1) if a.startswith("sqlite:///") else a
            for a in args
        ]
        result = subprocess.run(
            [sys.executable, "-m", "hoinghe.cli", *args[1:]],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, f"{command}\n{result.stdout}{result.stderr}"


def test_the_set_up_commands_are_the_ones_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert "python -m pip install -e '.[dev]' && python -m pytest" in README
    assert "python -m pip install -e '.[dev]' && python -m pytest" in ci


TOML_BLOCKS = re.findall(r"```toml\n(.*?)```", README, re.DOTALL)


@pytest.mark.parametrize("text", TOML_BLOCKS)
def test_relay_configurations_build_their_notifiers(text):
    import tomllib  # noqa: PLC0415

    from hoinghe.hooks.notifiers import notifiers_from_config  # noqa: PLC0415

    config = tomllib.loads(text)
    secrets = {
        "HOINGHE_WEBHOOK_SECRET": "s",
        "SMTP_USER": "u",
        "SMTP_PASSWORD": "p",
    }
    notifiers = notifiers_from_config(config, environ=secrets)
    try:
        assert set(notifiers) == set(config["channels"])
    finally:
        for notifier in notifiers.values():
            notifier.close()


def test_the_main_command_plays_a_province_into_sqlite_and_writes_the_report(tmp_path):
    (setup,) = [
        b for b in re.findall(r"```sh\n(.*?)```", README, re.DOTALL) if "pip install -e '.[plots]'" in b
    ]
    command = setup.strip().split(" && ", 1)[1]
    args = shlex.split(command)
    assert args[:2] == ["hoinghe", "simulate"]
    # As the README's reader runs it: without HOINGHE_LANG, so in Vietnamese.
    env = {k: v for k, v in os.environ.items() if k != "HOINGHE_LANG"}
    result = subprocess.run(
        [sys.executable, "-m", "hoinghe.cli", *args[1:]],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Tuyên Quang" in result.stdout
    page = (tmp_path / "report.html").read_text("utf-8")
    assert "Báo cáo tổng kết năm 2023" in page
    assert page.count("<svg") >= 2  # the charts
    # The rollout held outreach sessions and trainings, and its groups applied to the Farmer Support Fund.
    assert '<section id="outreach">' in page
    assert "Công tác tuyên truyền, tập huấn" in page
    assert '<section id="fund">' in page
    assert "Quỹ Hỗ trợ nông dân" in page
    with sqlite3.connect(tmp_path / "rollout.db") as conn:
        cases = conn.execute(
            "SELECT count(*) FROM cases WHERE workflow = 'found-professional-group'"
        ).fetchone()[0]
    assert cases > 500  # about 8 a commune over 137 communes

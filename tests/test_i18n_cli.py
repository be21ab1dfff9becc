"""The command line speaks Vietnamese unless told otherwise: ``hoinghe --lang``, ``HOINGHE_LANG``, a command's own.

The suite runs with ``HOINGHE_LANG=en``; the ``vietnamese`` fixture removes it, as on a union officer's machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
import typer.testing
from typer.testing import CliRunner

import world
from hoinghe import SqlStore
from hoinghe.cli import app
from hoinghe.cli._app import _language_in
from hoinghe.i18n import language, use

ROOT = Path(__file__).resolve().parent.parent
RUNNER = CliRunner()
WIDE = {"COLUMNS": "250"}  # a help line is not wrapped, so a phrase can be looked for whole
TYPO = (
    "hoinghe: 1\nkind: workflow\nid: t\ntitle: T\nsubject: {level: group}\nstates: [a, b]\ninitial: a\n"
    "final: [b]\ntransitions:\n  - {id: go, from: a, to: b, documets: [x]}\n"
)
UNKNOWN_VI = "hoinghe: ngôn ngữ không hỗ trợ 'xx'; chọn 'vi' (tiếng Việt) hoặc 'en' (tiếng Anh)\n"
UNKNOWN_EN = "hoinghe: unsupported language 'xx'; choose 'vi' (Vietnamese) or 'en' (English)\n"


@pytest.fixture
def vietnamese(monkeypatch):
    """No ``HOINGHE_LANG`` and no language chosen: the default."""
    monkeypatch.delenv("HOINGHE_LANG", raising=False)
    with use(None):
        yield


def run(*args: str, code: int = 0, env: dict[str, str] | None = None):
    result = RUNNER.invoke(app, list(args), env={**WIDE, **(env or {})})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    return result


def process(*args: str, lang: str | None = None) -> subprocess.CompletedProcess[str]:
    """``hoinghe ARGS`` in a process of its own, with ``HOINGHE_LANG`` only when ``lang`` is given."""
    env = {k: v for k, v in os.environ.items() if k != "HOINGHE_LANG"} | WIDE
    if lang is not None:
        env["HOINGHE_LANG"] = lang
    return subprocess.run(
        [sys.executable, "-m", "hoinghe.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def typo(tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text(TYPO, "utf-8")
    return str(path)


# ------------------------------------------------------------------------------------------------ check


def test_check_prints_vietnamese_diagnostics_by_default(vietnamese, typo):
    out = run("check", typo, code=1)
    (line,) = out.stdout.splitlines()
    assert line.startswith(f"{typo}:10:30: HNG-S001 khóa ")
    assert "documets" in line
    assert out.stderr == "Đã kiểm tra 1 tệp: 1 lỗi, 0 cảnh báo\n"
    assert language() == "vi"


def test_check_prints_english_when_asked(vietnamese, typo):
    for args, env in ((("--lang", "en", "check", typo), None), (("check", typo), {"HOINGHE_LANG": "en"})):
        out = run(*args, code=1, env=env)
        assert out.stdout.startswith(f"{typo}:10:30: HNG-S001 unknown key 'documets'")
        assert out.stderr == "1 file checked: 1 error, 0 warnings\n"
    # The flag beats the variable, and the choice ends with the command.
    vi = run("--lang", "vi", "check", typo, code=1, env={"HOINGHE_LANG": "en"})
    assert vi.stderr.startswith("Đã kiểm tra 1 tệp")
    assert language() == "vi"


def test_check_json_keeps_english_keys_and_gives_the_message_in_both_languages(vietnamese, typo):
    report = json.loads(run("check", typo, "--json", code=1).stdout)
    assert (report["files"], report["errors"], report["warnings"]) == (1, 1, 0)
    (d,) = report["diagnostics"]
    assert d["code"] == "HNG-S001"
    assert d["message"] == d["messages"]["vi"] != d["messages"]["en"]
    assert d["messages"]["en"].startswith("unknown key 'documets'")
    english = json.loads(run("--lang", "en", "check", typo, "--json", code=1).stdout)
    assert english["diagnostics"][0]["message"] == d["messages"]["en"]


# ------------------------------------------------------------------------------------------------ help


def test_help_is_vietnamese_by_default_and_english_when_asked():
    vi = process("--help")
    assert vi.returncode == 0, vi.stderr
    assert "Ngôn ngữ của mọi thứ được in ra" in vi.stdout
    assert "Cơ sở dữ liệu: tạo mới, hoặc nâng cấp lược đồ." in vi.stdout  # a group's help
    assert "Language of everything printed" not in vi.stdout
    en = process("--lang", "en", "--help")
    assert en.returncode == 0, en.stderr
    assert "Language of everything printed" in en.stdout
    assert "The database: create it, or upgrade its schema." in en.stdout
    check = process("check", "--help", lang="en")
    assert "YAML files or folders to check." in check.stdout
    assert "Fail on warnings too." in check.stdout


def test_help_of_each_command_follows_the_language(vietnamese):
    vi = run("check", "--help").stdout
    assert "Kiểm tra hồ sơ cấu hình, quy trình và bộ quy tắc" in vi
    assert "Các tệp hoặc thư mục YAML cần kiểm tra." in vi
    assert "Hiện hướng dẫn này rồi thoát." in vi
    assert "Tùy chọn" in vi
    en = run("--lang", "en", "check", "--help").stdout
    assert "Check profiles, workflows and rule packs" in en
    assert "Show this message and exit." in en
    assert "Tùy chọn" not in en
    # A command's own --lang counts too, wherever it stands; the last one wins.
    fire = run("case", "fire", "--lang", "en", "--help").stdout
    assert "The transition to fire." in fire
    again = run("--lang", "en", "case", "fire", "--lang", "vi", "--help").stdout
    assert "Bước chuyển cần thực hiện." in again


def test_a_command_built_once_is_shown_in_the_language_of_each_run(vietnamese, monkeypatch):
    """A program may build the command once and run it many times (as the tests of other modules do)."""
    built = typer.main.get_command(app)
    monkeypatch.setattr(typer.testing, "_get_command", lambda _: built)
    assert "Fail on warnings too." in run("--lang", "en", "check", "--help").stdout
    assert "Coi cả cảnh báo là lỗi." in run("check", "--help").stdout
    assert "Fail on warnings too." in run("check", "--help", env={"HOINGHE_LANG": "en"}).stdout
    assert language() == "vi"


def test_the_last_lang_of_the_command_line_is_the_one_in_force():
    assert _language_in(["check", "x.yaml"]) is None
    assert _language_in(["--lang", "en", "check"]) == "en"
    assert _language_in(["--lang=en", "case", "fire", "c-1", "go", "--lang", "vi"]) == "vi"
    assert _language_in(["--lang", "vi_VN.UTF-8"]) == "vi"
    assert (
        _language_in(["case", "open", "--", "--lang", "xx"]) is None
    )  # after "--" every word is an argument
    with pytest.raises(ValueError, match="'xx'"):
        _language_in(["--lang", "xx"])


# ------------------------------------------------------------------------------------------------ refusals


@pytest.fixture
def case_id(tmp_path, vietnamese):
    """A founding case just opened by the command, in a database of the test organisation."""
    url = f"sqlite:///{tmp_path / 'hoinghe.db'}"
    store = SqlStore(url)
    try:
        store.put_org(units=world.units(), members=world.members(), actors=world.actors())
    finally:
        store.close()
    args = ("case", "open", "found-professional-group", "g-cli", "--name", "Tổ hội cam", "--parent", "c-1")
    opened = run(*args, "--trade", "cam", "--actor", "officer-1", env={"HOINGHE_DB": url})
    first = opened.stdout.split(":", 1)[0]
    assert first.startswith("Đã mở hồ sơ ")
    return first.removeprefix("Đã mở hồ sơ "), url


def test_a_refusal_of_case_fire_in_vietnamese_then_in_english(case_id):
    case, url = case_id
    db = {"HOINGHE_DB": url}
    vi = run("case", "fire", case, "approve", "--actor", "btv-1", code=3, env=db).stderr.splitlines()
    assert vi[0] == f"hoinghe: hồ sơ {case}: btv-1 không được thực hiện bước chuyển approve:"
    assert vi[1].startswith("  HNG-B001 ")
    assert "cannot fire" not in vi[1]
    for args in (("--lang", "en", "case", "fire", case), ("case", "fire", case, "--lang", "en")):
        en = run(*args, "approve", "--actor", "btv-1", code=3, env=db).stderr.splitlines()
        assert en[0] == f"hoinghe: case {case}: approve refused for btv-1:"
        assert en[1].startswith("  HNG-B001 approve cannot fire while the case is proposed")
    # A command's own --lang wins for that command.
    own = run("--lang", "en", "case", "fire", case, "approve", "-a", "btv-1", "--lang", "vi", code=3, env=db)
    assert own.stderr.splitlines()[0] == vi[0]


def test_a_refusal_as_json_has_english_keys_and_both_languages(case_id):
    case, url = case_id
    out = run("case", "fire", case, "approve", "-a", "btv-1", "--json", code=3, env={"HOINGHE_DB": url})
    refused = json.loads(out.stdout)["refused"]
    (blocker,) = (b for b in refused["blockers"] if b["code"] == "HNG-B001")
    assert blocker["message"] == blocker["messages"]["vi"]
    assert blocker["messages"]["en"].startswith("approve cannot fire while the case is proposed")


# ------------------------------------------------------------------------------------------------ errors


def test_an_unknown_language_is_refused_naming_the_ones_known(vietnamese):
    assert run("--lang", "xx", "check", "x.yaml", code=2).stderr == UNKNOWN_VI
    assert run("--lang=xx", "--help", code=2).stderr == UNKNOWN_VI
    assert run("case", "list", "--lang", "xx", code=2).stderr == UNKNOWN_VI
    assert run("--lang", "xx", "check", "x.yaml", code=2, env={"HOINGHE_LANG": "en"}).stderr == UNKNOWN_EN
    refused = process("--lang", "xx", "--help")
    assert (refused.returncode, refused.stderr) == (2, UNKNOWN_VI)


def test_the_command_line_errors_are_vietnamese_by_default(vietnamese, tmp_path):
    missing = tmp_path / "missing.db"
    out = run("case", "list", "--db", f"sqlite:///{missing}", code=1)
    assert out.stderr.startswith(f"hoinghe: không có cơ sở dữ liệu tại {missing}; hãy tạo bằng lệnh: ")
    english = run("--lang", "en", "case", "list", "--db", f"sqlite:///{missing}", code=1)
    assert english.stderr.startswith(f"hoinghe: no database at {missing}; create it with: ")
    bad_day = run("rules", "--on", "30/06/2024", code=2)
    assert bad_day.stderr == "hoinghe: --on '30/06/2024' không phải là ngày; hãy viết theo dạng YYYY-MM-DD\n"
    assert not missing.exists()


def test_a_command_lang_defaults_to_the_language_in_force(vietnamese):
    vi = run("rules", "--profile", "vn-2019").stdout
    assert "| Quy tắc | Nội dung | Nguồn | Độ tin cậy |" in vi
    en = run("--lang", "en", "rules", "--profile", "vn-2019").stdout
    assert "| Rule | Requires | Source | Confidence |" in en
    assert "| Parameter | Value | Tighten |" in en
    from_env = run("rules", "--profile", "vn-2019", env={"HOINGHE_LANG": "en"}).stdout
    assert "| Rule | Requires |" in from_env

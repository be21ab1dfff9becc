"""The README's examples run: its Python blocks, and its `hoinghe ...` command lines."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, re.DOTALL)
COMMANDS = [
    line.split("#")[0].strip()
    for block in re.findall(r"```sh\n(.*?)```", README, re.DOTALL)
    for line in block.splitlines()
    if line.startswith("hoinghe ")
]


@pytest.mark.parametrize("code", PYTHON_BLOCKS)
def test_python_blocks_run(code):
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_commands_run(command, tmp_path):
    args = [
        a.replace("my-province/", "workflows/").replace(".schemas/", str(tmp_path))
        for a in shlex.split(command)
    ]
    result = subprocess.run(
        [sys.executable, "-m", "hoinghe.cli", *args[1:]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_set_up_commands_are_the_ones_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert "python -m pip install -e '.[dev]' && python -m pytest" in README
    assert "python -m pip install -e '.[dev]' && python -m pytest" in ci

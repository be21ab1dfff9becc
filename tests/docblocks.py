"""Code blocks of Markdown pages, and a runner that plays one page's blocks in order in a folder of its own.

Read by ``tests/test_docs.py`` (the conventions are in its docstring).  The runner is this same file run as a
script, in a child process whose working folder is the page's temporary folder::

    python tests/docblocks.py STEPS.json RESULT.json

It plays the steps (run a Python block, run a command, write a file, parse a YAML fragment) in order, Python
blocks in one namespace, and stops at the first that fails, writing what failed to ``RESULT.json``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

#: Fence languages by what the runner does with them.
PYTHON = {"python", "py", "python3"}
SHELL = {"sh", "bash", "shell", "zsh"}
CONSOLE = {"console", "shell-session"}
YAML = {"yaml", "yml"}

#: Install commands a reader types once; the tests run where hoinghe is installed already, so they are not run.
#: A line's leading ``&&`` segments that match are dropped and the rest of the line runs.
NOT_RUN = (
    re.compile(r"(python3? -m )?pip install\b"),
    re.compile(r"git clone\b"),
    re.compile(r"cd hoinghe/?$"),  # into the clone (and into the folder any `git clone` line names)
)
#: The project's own test suite, run from a clone after installing its test extra: not a documentation example.
OWN_SUITE = re.compile(r"python3? -m pytest$|pytest$")

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
_TITLE = re.compile(r"""title=(?:"([^"]*)"|'([^']*)'|(\S+))""")
_EXIT = re.compile(r"#\s*exit\s+(\d+)\s*$")
_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
_PG_URL = re.compile(r"postgres(?:ql)?(?:\+psycopg)?://[^\s'\"\)\]}>]*")

#: Longest a command or a Python block may run, in seconds.
STEP_TIMEOUT = 600


@dataclass(frozen=True)
class Block:
    """A fenced code block: its language, its ``title=`` (a file path), its text, and the line of its fence."""

    lang: str
    title: str | None
    text: str
    line: int


@dataclass(frozen=True)
class Step:
    """One thing the runner does: ``python`` (run), ``sh`` (run a command), ``write`` (a file), ``yaml`` (parse).

    ``line`` is the page line it comes from (the fence's line for a block, the command's own line for a command);
    ``exit`` the status a command must end with.
    """

    kind: str
    line: int
    text: str
    path: str | None = None
    exit: int = 0


def blocks(text: str) -> list[Block]:
    """Every fenced block of a Markdown text, in order, with its indentation (in a list, a tab, an admonition)
    removed.  A fence closes at a fence of the same character, at least as long, with nothing after it."""
    lines = text.splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        indent, fence, info = match["indent"], match["fence"], match["info"].strip()
        body: list[str] = []
        j = i + 1
        while j < len(lines):
            closing = lines[j].strip()
            if closing.startswith(fence[0] * len(fence)) and not closing.strip(fence[0]):
                break
            body.append(lines[j][len(indent) :] if lines[j].startswith(indent) else lines[j].lstrip())
            j += 1
        words = info.replace("{", " ").replace("}", " ").split()
        lang = words[0].lstrip(".").lower() if words else ""
        found = _TITLE.search(info)
        title = next((g for g in found.groups() if g), None) if found else None
        out.append(Block(lang, title, "\n".join(body) + "\n", i + 1))
        i = j + 1
    return out


def _command_lines(block: Block) -> list[tuple[int, str]]:
    """The commands of a shell or console block, each with its page line; continuations and heredocs joined."""
    raw = block.text.splitlines()
    console = block.lang in CONSOLE
    out: list[tuple[int, str]] = []
    k = 0
    while k < len(raw):
        line = raw[k]
        number = block.line + 1 + k
        k += 1
        if console:
            if not line.startswith("$ "):
                continue
            line = line[2:]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        command = [line]
        while command[-1].endswith("\\") and k < len(raw):
            command.append(raw[k][2:] if console and raw[k].startswith("> ") else raw[k])
            k += 1
        heredoc = _HEREDOC.search(" ".join(command))
        if heredoc is not None:
            while k < len(raw):
                command.append(raw[k])
                k += 1
                if raw[k - 1].strip() == heredoc[2]:
                    break
        out.append((number, "\n".join(command)))
    return out


def _bare(segment: str) -> str:
    """A command without its trailing comment."""
    return segment.split(" #", 1)[0].strip()


def _is_install(segment: str, clones: set[str]) -> bool:
    """Whether a command installs hoinghe (see :data:`NOT_RUN`); a ``git clone`` adds its folder to ``clones``."""
    if segment.startswith("git clone"):
        positional = [a for a in shlex.split(segment)[2:] if not a.startswith("-")]
        if positional:
            folder = positional[1] if len(positional) > 1 else positional[0].rstrip("/").rsplit("/", 1)[-1]
            clones.add(folder.removesuffix(".git"))
    into_clone = any(re.fullmatch(rf"cd {re.escape(name)}/?", segment) for name in clones)
    return into_clone or any(pattern.fullmatch(segment) or pattern.match(segment) for pattern in NOT_RUN)


def _runnable(command: str, clones: set[str]) -> str | None:
    """The part of a command that runs: without its leading install segments; ``None`` when nothing is left."""
    first, newline, rest = command.partition("\n")
    parts = first.split(" && ")
    dropped = 0
    while dropped < len(parts) and _is_install(_bare(parts[dropped]), clones):
        dropped += 1
    if dropped == 0:
        return command
    remaining = parts[dropped:]
    if not remaining or (len(remaining) == 1 and OWN_SUITE.fullmatch(_bare(remaining[0]))):
        return None
    return " && ".join(remaining) + newline + rest


def _expected_exit(command: str) -> int:
    """The status a ``# exit N`` comment on the command (any of its lines) expects; 0 without one."""
    for line in command.splitlines():
        found = _EXIT.search(line)
        if found is not None:
            return int(found[1])
    return 0


def steps(text: str) -> list[Step]:
    """What the runner does for a page, in order (see ``tests/test_docs.py`` for the conventions)."""
    out: list[Step] = []
    clones: set[str] = set()
    for block in blocks(text):
        if block.title is not None and block.lang:
            out.append(Step("write", block.line, block.text, path=block.title))
        elif block.lang in PYTHON:
            out.append(Step("python", block.line, block.text))
        elif block.lang in SHELL | CONSOLE:
            for number, command in _command_lines(block):
                runnable = _runnable(command, clones)
                if runnable is not None:
                    out.append(Step("sh", number, runnable, exit=_expected_exit(runnable)))
        elif block.lang in YAML:
            out.append(Step("yaml", block.line, block.text))
    return out


def uses_postgresql(page_steps: list[Step]) -> bool:
    return any(_PG_URL.search(s.text) for s in page_steps if s.kind != "yaml")


def with_postgresql(page_steps: list[Step], url: str) -> list[Step]:
    """The steps with every PostgreSQL URL replaced by ``url`` (a throwaway database's)."""
    return [
        Step(s.kind, s.line, _PG_URL.sub(url, s.text), s.path, s.exit) if s.kind != "yaml" else s
        for s in page_steps
    ]


# ---------------------------------------------------------------------------------------------------- runner


def _python(step: Step, page: str, namespace: dict[str, Any]) -> str | None:
    # Padded so a traceback names the page's own line numbers.
    code = compile("\n" * step.line + step.text, page, "exec")
    try:
        exec(code, namespace)  # noqa: S102 - running the page's examples is the point
    except BaseException:  # noqa: BLE001 - any failure of an example is reported, SystemExit included
        return traceback.format_exc()
    return None


def _shell(step: Step, state: dict[str, Any], scratch: Path) -> str | None:
    """Run one command in bash, in the folder and environment the page's earlier commands left."""
    script = f'{step.text}\n__status=$?\npwd > "{scratch}/pwd"\nenv -0 > "{scratch}/env"\nexit $__status\n'
    try:
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=state["cwd"],
            env=state["env"],
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"did not finish in {STEP_TIMEOUT} s"
    if (scratch / "pwd").exists():
        state["cwd"] = (scratch / "pwd").read_text().strip()
        pairs = (scratch / "env").read_text().split("\0")
        state["env"] = dict(p.split("=", 1) for p in pairs if "=" in p)
        state["env"].pop("__status", None)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    if done.returncode != step.exit:
        said = f"exit {done.returncode}, expected {step.exit}"
        return f"{said}\n--- stdout\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-4000:]}"
    return None


def play(page: str, page_steps: list[Step]) -> dict[str, Any] | None:
    """Play the steps in the working folder; ``None`` when all pass, else the failing step and what happened."""
    import yaml  # noqa: PLC0415 - the runner's own child process needs it, the parser does not

    namespace: dict[str, Any] = {"__name__": "__main__"}
    root = Path.cwd()
    state: dict[str, Any] = {"cwd": str(root), "env": dict(os.environ)}
    with tempfile.TemporaryDirectory(prefix="docblocks-") as scratch:
        for step in page_steps:
            problem: str | None = None
            if step.kind == "python":
                problem = _python(step, page, namespace)
            elif step.kind == "sh":
                problem = _shell(step, state, Path(scratch))
            elif step.kind == "write":
                target = root / (step.path or "")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(step.text, encoding="utf-8")
            elif step.kind == "yaml":
                try:
                    list(yaml.safe_load_all(step.text))
                except yaml.YAMLError as exc:
                    problem = f"the YAML does not parse: {exc}"
            if problem is not None:
                return {**asdict(step), "problem": problem}
    return None


def main(argv: list[str]) -> int:
    steps_file, result_file = argv
    data = json.loads(Path(steps_file).read_text("utf-8"))
    failure = play(data["page"], [Step(**s) for s in data["steps"]])
    Path(result_file).write_text(json.dumps({"failure": failure}), "utf-8")
    return 0 if failure is None else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

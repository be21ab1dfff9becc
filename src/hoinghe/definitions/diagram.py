"""Diagrams of a workflow: Mermaid ``stateDiagram-v2`` text, Graphviz DOT, and SVG through Graphviz."""

from __future__ import annotations

import shutil
import subprocess

from hoinghe.definitions.workflow import WorkflowDefinition
from hoinghe.errors import HoingheError
from hoinghe.org.text import Language, Text

__all__ = ["DiagramError", "to_dot", "to_mermaid", "to_svg"]


class DiagramError(HoingheError, RuntimeError):
    """A diagram could not be drawn (Graphviz missing or failing)."""

    code = "HNG-E010"


def _label(wf: WorkflowDefinition, state_id: str, language: Language) -> str:
    for s in wf.states:
        if s.id == state_id and s.title is not None:
            return s.title.get(language)
    return state_id


def _transition_label(t_id: str, title: str | None, roles: list[str]) -> str:
    head = title or t_id
    return f"{head} [{', '.join(roles)}]" if roles else head


def _quote_mermaid(text: str) -> str:
    # Mermaid labels end at a colon or newline; keep them on one line.
    return text.replace(":", " -").replace("\n", " ")


def to_mermaid(wf: WorkflowDefinition, language: Language = "vi") -> str:
    """The workflow as Mermaid ``stateDiagram-v2`` text (renders on GitHub and in mkdocs-material)."""
    lines = ["stateDiagram-v2", f"    %% {wf.id}: {wf.title.get(language)}"]
    lines.extend(f'    state "{_quote_mermaid(_label(wf, s.id, language))}" as {s.id}' for s in wf.states)
    lines.append(f"    [*] --> {wf.initial}")
    for t in wf.transitions:
        roles = [f"{r.role}@{r.at}" for r in t.by]
        label = _quote_mermaid(_transition_label(t.id, t.title.get(language) if t.title else None, roles))
        lines.extend(f"    {src} --> {t.to}: {label}" for src in t.from_)
    lines.extend(f"    {final} --> [*]" for final in wf.final)
    return "\n".join(lines) + "\n"


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(wf: WorkflowDefinition, language: Language = "vi") -> str:
    """The workflow as Graphviz DOT."""
    lines = [
        f"digraph {_dot_string(wf.id)} {{",
        f"  label={_dot_string(wf.title.get(language))}; labelloc=t; rankdir=LR;",
        '  node [shape=box, style=rounded, fontname="Helvetica"]; edge [fontname="Helvetica", fontsize=10];',
        '  __start [shape=point, label=""];',
    ]
    finals = set(wf.final)
    for state in wf.states:
        shape = ", peripheries=2" if state.id in finals else ""
        lines.append(
            f"  {_dot_string(state.id)} [label={_dot_string(_label(wf, state.id, language))}{shape}];"
        )
    lines.append(f"  __start -> {_dot_string(wf.initial)};")
    for t in wf.transitions:
        roles = [f"{r.role}@{r.at}" for r in t.by]
        label = _transition_label(t.id, t.title.get(language) if t.title else None, roles)
        lines.extend(
            f"  {_dot_string(src)} -> {_dot_string(t.to)} [label={_dot_string(label)}];" for src in t.from_
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_svg(wf: WorkflowDefinition, language: Language = "vi", *, dot_command: str = "dot") -> str:
    """The workflow as SVG, drawn by Graphviz's ``dot``; :class:`DiagramError` when it is not installed."""
    exe = shutil.which(dot_command)
    if exe is None:
        msg = Text(
            f"chưa cài lệnh `{dot_command}` của Graphviz nên không vẽ được SVG; hãy cài Graphviz "
            "(Debian/Ubuntu: apt-get install graphviz) hoặc dùng --format mermaid, cách này không cần cài gì thêm",
            f"Graphviz's `{dot_command}` command is not installed, so no SVG can be drawn; install Graphviz "
            "(Debian/Ubuntu: apt-get install graphviz) or use --format mermaid, which needs nothing",
        )
        raise DiagramError(msg)
    result = subprocess.run(  # noqa: S603 - fixed arguments, input is our own DOT text
        [exe, "-Tsvg"], input=to_dot(wf, language).encode(), capture_output=True, timeout=60, check=False
    )
    if result.returncode != 0:
        said = result.stderr.decode(errors="replace").strip()
        msg = Text(f"Graphviz báo lỗi: {said}", f"Graphviz failed: {said}")
        raise DiagramError(msg)
    return result.stdout.decode()

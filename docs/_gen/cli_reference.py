"""The command line reference, from the command tree typer builds for ``hoinghe`` (``typer.main.get_command``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer.main

from _gen import source
from _gen.markdown import code, plain, table
from hoinghe.cli import app


def commands() -> Iterator[tuple[Any, Any]]:
    """Every command and group under ``hoinghe``, depth first in the order the help lists them, with its context."""

    def walk(command: Any, ctx: Any) -> Iterator[tuple[Any, Any]]:
        yield command, ctx
        if hasattr(command, "list_commands"):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    yield from walk(sub, sub.context_class(sub, info_name=name, parent=ctx))

    root = typer.main.get_command(app)
    yield from walk(root, root.context_class(root, info_name="hoinghe"))


def _usage(command: Any, ctx: Any) -> str:
    parts = [ctx.command_path]
    options = [p for p in command.params if p.param_type_name == "option"]
    if options:
        parts.append("[OPTIONS]")
    for param in command.params:
        if param.param_type_name != "argument":
            continue
        name = (param.name or "").upper() + ("..." if param.nargs == -1 else "")
        parts.append(name if param.required else f"[{name}]")
    if hasattr(command, "list_commands"):
        parts.append("COMMAND [ARGS]...")
    return " ".join(parts)


def _rows(command: Any, ctx: Any, kind: str) -> list[tuple[str, str]]:
    rows = []
    for param in command.params:
        if param.param_type_name != kind or getattr(param, "hidden", False):
            continue
        record = param.get_help_record(ctx)
        if record is None:
            continue
        names, said = record
        rows.append((code(names), plain(said)))
    return rows


def _help(command: Any) -> str:
    text = (command.help or "").replace("\b\n", "")
    return "\n\n".join(plain(" ".join(p.split())) for p in text.split("\n\n") if p.strip())


def page() -> str:
    """The command line reference page."""
    cli = source.package().get_member("cli")
    intro = cli.docstring.value.split("\n\n", 1)[1] if cli.docstring is not None else ""
    lines = [
        "# Command line",
        "",
        (
            "`hoinghe` is installed with the package. Every command below is listed with its options as "
            "`hoinghe COMMAND --help` shows them; `--help` itself is left out. This page is generated from the "
            "command tree, so it matches the installed release."
        ),
        "",
        " ".join(intro.split()),
        "",
    ]
    for command, ctx in commands():
        depth = ctx.command_path.count(" ")
        if depth == 0:
            lines += ["```text", _usage(command, ctx), "```", "", _help(command), ""]
            continue
        anchor = ctx.command_path.replace(" ", "-")
        lines += [f"{'#' * (depth + 1)} {ctx.command_path} {{ #{anchor} }}", "", _help(command), ""]
        lines += ["```text", _usage(command, ctx), "```", ""]
        arguments = _rows(command, ctx, "argument")
        options = [row for row in _rows(command, ctx, "option") if row[0] != "`--help`"]
        if arguments:
            lines += table(("argument", "what"), arguments)
            lines.append("")
        if options:
            lines += table(("option", "what"), options)
            lines.append("")
        if hasattr(command, "list_commands"):
            names = command.list_commands(ctx)
            listed = ", ".join(f"[`{n}`](#{anchor}-{n})" for n in names)
            lines += [f"Commands: {listed}.", ""]
    return "\n".join(lines) + "\n"


def command_paths() -> list[str]:
    """``hoinghe case open`` ... for every command and group, for the test that the page lists them all."""
    return [ctx.command_path for _, ctx in commands()]

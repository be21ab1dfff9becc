"""Commands on definitions: check, schema, diagram, rules."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from hoinghe.cli._app import (
    DiagramFormat,
    Lang,
    PathsArg,
    TableFormat,
    _fail,
    _library,
    _print_diagnostics,
    app,
)


@app.command()
def check(
    paths: Annotated[list[Path], typer.Argument(help="YAML files or folders to check.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print diagnostics as JSON.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
) -> None:
    """Check profiles, workflows and rule packs; one line per problem as file:line:col: CODE message.

    The shipped profiles and packs are read too, so a province's profile may extend them.
    Exit 0 when clean, 1 when there are errors (or warnings, with --strict).
    """
    from hoinghe.loading import Library, shipped_path  # noqa: PLC0415

    library = Library.from_paths(*paths, shipped=True)
    targets = {str(p.resolve()) for p in paths}
    shipped = str(shipped_path().resolve())
    mine = [d for d in library.check() if d.location is None or _inside(d.location.file, targets, shipped)]
    files = sum(1 for f in library.files if _inside(f, targets, shipped))
    _print_diagnostics(mine, as_json, files)
    if any(d.is_error for d in mine) or (strict and mine):
        raise typer.Exit(1)


def _inside(file: str, targets: set[str], shipped: str) -> bool:
    resolved = str(Path(file).resolve())
    if any(resolved == t or resolved.startswith(t.rstrip("/") + "/") for t in targets):
        return True
    return not resolved.startswith(shipped)


@app.command()
def schema(
    kind: Annotated[
        str | None, typer.Option(help="profile, workflow or rules; all three when omitted.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write <kind>.schema.json files here.")
    ] = None,
) -> None:
    """Print the JSON Schema (draft-07) of hoinghe's YAML documents, for editor completion."""
    from hoinghe.loading import KINDS, json_schema  # noqa: PLC0415

    kinds = [kind] if kind else list(KINDS)
    for k in kinds:
        if k not in KINDS:
            raise _fail(f"no document kind {k!r}; kinds are {', '.join(KINDS)}", 2)
    schemas = {k: json_schema(k) for k in kinds}
    if output is not None:
        output.mkdir(parents=True, exist_ok=True)
        for k, s in schemas.items():
            (output / f"{k}.schema.json").write_text(
                json.dumps(s, ensure_ascii=False, indent=2) + "\n", "utf-8"
            )
            typer.echo(str(output / f"{k}.schema.json"))
        return
    typer.echo(json.dumps(schemas[kinds[0]] if kind else schemas, ensure_ascii=False, indent=2))


@app.command()
def diagram(
    workflow: Annotated[str, typer.Argument(help="A workflow id (shipped or under --path) or a YAML file.")],
    fmt: Annotated[
        DiagramFormat, typer.Option("--format", "-f", help="Output format.")
    ] = DiagramFormat.mermaid,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of state names.")] = Lang.vi,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
    paths: PathsArg = None,
) -> None:
    """Draw a workflow: Mermaid stateDiagram-v2 text, Graphviz DOT, or SVG (needs Graphviz)."""
    from hoinghe.definitions import WorkflowDefinition  # noqa: PLC0415
    from hoinghe.definitions.diagram import to_dot, to_mermaid, to_svg  # noqa: PLC0415
    from hoinghe.loading import load_document  # noqa: PLC0415

    if workflow.endswith((".yaml", ".yml")) or Path(workflow).is_file():
        document = load_document(Path(workflow))
    else:
        document = _library(paths).get("workflow", workflow)
    wf = document.definition
    if not isinstance(wf, WorkflowDefinition):
        raise _fail(f"{workflow} is a {document.kind} document, not a workflow")
    text = {"mermaid": to_mermaid, "dot": to_dot, "svg": to_svg}[fmt.value](wf, lang.value)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, "utf-8")
        typer.echo(str(output), err=True)


@app.command()
def rules(
    profile: Annotated[str, typer.Option(help="The profile whose rules in force are listed.")] = "vn-2025",
    fmt: Annotated[TableFormat, typer.Option("--format", "-f")] = TableFormat.md,
    lang: Annotated[Lang, typer.Option("--lang")] = Lang.vi,
    on: Annotated[
        str | None,
        typer.Option(help="Only what is in force on this date (YYYY-MM-DD); everything when omitted."),
    ] = None,
    paths: PathsArg = None,
) -> None:
    """List the rules and parameters in force for a profile, with their citations."""
    import datetime as dt  # noqa: PLC0415

    from hoinghe.rules.packs import params_in_force, rules_in_force  # noqa: PLC0415

    try:
        day = dt.date.fromisoformat(on) if on else None
    except ValueError:
        raise _fail(f"--on {on!r} is not a date written YYYY-MM-DD", 2) from None
    resolved = _library(paths).profile(profile)
    params = params_in_force(resolved.rule_packs, day)
    in_force = {id(r) for r in rules_in_force(resolved.rule_packs, day)}
    rows = [(pack.id, rule) for pack in resolved.rule_packs for rule in pack.rules if id(rule) in in_force]
    if fmt is TableFormat.json:
        from hoinghe.loading._converter import converter  # noqa: PLC0415

        out: dict[str, Any] = {
            "profile": resolved.id,
            "params": {k: converter.unstructure(v) for k, v in params.items()},
            "rules": [{"pack": pack_id, **converter.unstructure(rule)} for pack_id, rule in rows],
        }
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    head = (
        ("Quy tắc", "Nội dung", "Nguồn", "Độ tin cậy")
        if lang is Lang.vi
        else ("Rule", "Requires", "Source", "Confidence")
    )
    typer.echo(f"# {resolved.title.get(lang.value)} ({resolved.id})\n")
    typer.echo(f"| {' | '.join(head)} |\n|---|---|---|---|")
    for _, rule in rows:
        title = rule.title.get(lang.value) if rule.title else rule.id
        cells = (f"**{rule.id}** {title}", f"`{rule.require}`", str(rule.cite), rule.confidence or "")
        typer.echo("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    typer.echo(
        "\n| "
        + ("Tham số | Giá trị | Hướng thắt chặt" if lang is Lang.vi else "Parameter | Value | Tighten")
        + " |"
    )
    typer.echo("|---|---|---|")
    for name, param in params.items():
        typer.echo(f"| `{name}` | {param.value!r} | {param.tighten} |")


# ================================================================================================ the database

"""Commands on definitions: check, schema, diagram, rules."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from hoinghe.cli._app import (
    BY_DEFAULT,
    EXIT_USAGE,
    DiagramFormat,
    Lang,
    PathsArg,
    TableFormat,
    _date,
    _fail,
    _language,
    _library,
    _print_diagnostics,
    app,
    shown,
)
from hoinghe.i18n import Text

_CHECK = Text(
    """Kiểm tra hồ sơ cấu hình, quy trình và bộ quy tắc; mỗi vấn đề một dòng dạng file:line:col: MÃ thông báo.

    Các hồ sơ cấu hình và bộ quy tắc có sẵn cũng được đọc, để hồ sơ cấu hình của tỉnh có thể kế thừa chúng.
    Thoát với mã 0 khi không có vấn đề, 1 khi có lỗi (hoặc có cảnh báo, với --strict).""",
    """Check profiles, workflows and rule packs; one line per problem as file:line:col: CODE message.

    The shipped profiles and packs are read too, so a province's profile may extend them.
    Exit 0 when clean, 1 when there are errors (or warnings, with --strict).""",
)


@app.command(help=shown(_CHECK))
def check(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help=shown(Text("Các tệp hoặc thư mục YAML cần kiểm tra.", "YAML files or folders to check."))
        ),
    ],
    as_json: Annotated[
        bool,
        typer.Option("--json", help=shown(Text("In các chẩn đoán dạng JSON.", "Print diagnostics as JSON."))),
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help=shown(Text("Coi cả cảnh báo là lỗi.", "Fail on warnings too.")))
    ] = False,
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


@app.command(
    help=shown(
        Text(
            "In JSON Schema (draft-07) của các tài liệu YAML của hoinghe, để trình soạn thảo gợi ý khi gõ.",
            "Print the JSON Schema (draft-07) of hoinghe's YAML documents, for editor completion.",
        )
    )
)
def schema(
    kind: Annotated[
        str | None,
        typer.Option(
            help=shown(
                Text(
                    "profile, workflow, rules hoặc plan; tất cả nếu bỏ trống.",
                    "profile, workflow, rules or plan; all of them when omitted.",
                )
            )
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help=shown(
                Text(
                    "Ghi các tệp <kind>.schema.json vào thư mục này.", "Write <kind>.schema.json files here."
                )
            ),
        ),
    ] = None,
) -> None:
    """Print the JSON Schema (draft-07) of hoinghe's YAML documents, for editor completion."""
    from hoinghe.loading import KINDS, json_schema  # noqa: PLC0415

    kinds = [kind] if kind else list(KINDS)
    for k in kinds:
        if k not in KINDS:
            msg = Text(
                f"không có loại tài liệu {k!r}; các loại là {', '.join(KINDS)}",
                f"no document kind {k!r}; kinds are {', '.join(KINDS)}",
            )
            raise _fail(msg, EXIT_USAGE)
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


@app.command(
    help=shown(
        Text(
            "Vẽ sơ đồ quy trình: văn bản Mermaid stateDiagram-v2, Graphviz DOT hoặc SVG (cần Graphviz).",
            "Draw a workflow: Mermaid stateDiagram-v2 text, Graphviz DOT, or SVG (needs Graphviz).",
        )
    )
)
def diagram(
    workflow: Annotated[
        str,
        typer.Argument(
            help=shown(
                Text(
                    "Mã quy trình (có sẵn hoặc trong --path) hoặc một tệp YAML.",
                    "A workflow id (shipped or under --path) or a YAML file.",
                )
            )
        ),
    ],
    fmt: Annotated[
        DiagramFormat, typer.Option("--format", "-f", help=shown(Text("Định dạng đầu ra.", "Output format.")))
    ] = DiagramFormat.mermaid,
    lang: Annotated[
        Lang | None,
        typer.Option(
            "--lang",
            show_default=False,
            help=shown(Text("Ngôn ngữ của tên trạng thái", "Language of state names") + BY_DEFAULT),
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help=shown(Text("Ghi vào tệp này.", "Write to this file."))),
    ] = None,
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
        msg = Text(
            f"{workflow} là tài liệu loại {document.kind}, không phải một quy trình",
            f"{workflow} is a {document.kind} document, not a workflow",
        )
        raise _fail(msg)
    text = {"mermaid": to_mermaid, "dot": to_dot, "svg": to_svg}[fmt.value](wf, _language(lang))
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, "utf-8")
        typer.echo(str(output), err=True)


@app.command(
    help=shown(
        Text(
            "Liệt kê các quy tắc và tham số đang có hiệu lực của một hồ sơ cấu hình, kèm nguồn trích dẫn.",
            "List the rules and parameters in force for a profile, with their citations.",
        )
    )
)
def rules(
    profile: Annotated[
        str,
        typer.Option(
            help=shown(
                Text(
                    "Hồ sơ cấu hình có các quy tắc đang có hiệu lực được liệt kê.",
                    "The profile whose rules in force are listed.",
                )
            )
        ),
    ] = "vn-2025",
    fmt: Annotated[
        TableFormat,
        typer.Option(
            "--format",
            "-f",
            help=shown(Text("Định dạng: bảng Markdown hoặc JSON.", "Format: a Markdown table or JSON.")),
        ),
    ] = TableFormat.md,
    lang: Annotated[
        Lang | None,
        typer.Option(
            "--lang",
            show_default=False,
            help=shown(Text("Ngôn ngữ của bảng", "Language of the table") + BY_DEFAULT),
        ),
    ] = None,
    on: Annotated[
        str | None,
        typer.Option(
            help=shown(
                Text(
                    "Chỉ những gì có hiệu lực vào ngày này (YYYY-MM-DD); tất cả nếu bỏ trống.",
                    "Only what is in force on this date (YYYY-MM-DD); everything when omitted.",
                )
            )
        ),
    ] = None,
    paths: PathsArg = None,
) -> None:
    """List the rules and parameters in force for a profile, with their citations."""
    from hoinghe.rules.packs import params_in_force, rules_in_force  # noqa: PLC0415

    day = _date(on, "--on")
    language = _language(lang)
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
    head = [h.get(language) for h in _RULE_HEAD]
    typer.echo(f"# {resolved.title.get(language)} ({resolved.id})\n")
    typer.echo(f"| {' | '.join(head)} |\n|---|---|---|---|")
    for _, rule in rows:
        title = rule.title.get(language) if rule.title else rule.id
        cells = (f"**{rule.id}** {title}", f"`{rule.require}`", str(rule.cite), rule.confidence or "")
        typer.echo("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    typer.echo(f"\n| {' | '.join(h.get(language) for h in _PARAM_HEAD)} |")
    typer.echo("|---|---|---|")
    for name, param in params.items():
        typer.echo(f"| `{name}` | {param.value!r} | {param.tighten} |")


_RULE_HEAD = (
    Text("Quy tắc", "Rule"),
    Text("Nội dung", "Requires"),
    Text("Nguồn", "Source"),
    Text("Độ tin cậy", "Confidence"),
)
_PARAM_HEAD = (Text("Tham số", "Parameter"), Text("Giá trị", "Value"), Text("Hướng thắt chặt", "Tighten"))

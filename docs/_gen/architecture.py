"""The architecture page: the layers and contracts import-linter keeps (from ``pyproject.toml``) and one line per
module (the summary of its docstring)."""

from __future__ import annotations

import tomllib
from typing import Any

from _gen import api, source
from _gen.markdown import cell, code, prose

PYPROJECT = source.ROOT / "pyproject.toml"


def contracts() -> list[dict[str, Any]]:
    """The import-linter contracts of ``pyproject.toml``, in order."""
    config = tomllib.loads(PYPROJECT.read_text("utf-8"))
    found: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return found


def _modules_list(names: list[str]) -> str:
    return ", ".join(code(n) for n in names)


def _contract(contract: dict[str, Any]) -> list[str]:
    kind = contract["type"]
    lines = [f"### {contract['name']}", ""]
    if kind == "layers":
        lines += [
            (
                "Each layer may import the layers below it, never one above. Modules on one line separated by `|` "
                "are independent: neither imports the other."
            ),
            "",
        ]
        separator = " \\| "
        for i, layer in enumerate(contract["layers"], 1):
            lines.append(f"{i}. " + separator.join(code(m.strip()) for m in layer.split("|")))
    elif kind == "forbidden":
        indirect = (
            " (directly; an indirect import through another module is allowed)"
            if contract.get("allow_indirect_imports")
            else ", directly or through another module"
        )
        lines += [
            (
                f"None of {_modules_list(contract['source_modules'])} imports "
                f"{_modules_list(contract['forbidden_modules'])}{indirect}."
            ),
        ]
    else:
        lines += [
            f"A `{kind}` contract: " + ", ".join(f"{k} = {v}" for k, v in contract.items() if k != "name")
        ]
    return [*lines, ""]


def page() -> str:
    """The architecture page."""
    rendered = {path for area in api.AREAS for path, _ in api.rendered(area)}
    pages = {package: area.stem for area in api.AREAS for package in area.modules}
    lines = [
        "# Architecture",
        "",
        (
            "hoinghe is one package in layers. The layers and the rules between them are contracts that "
            "`lint-imports` checks in CI (the `[tool.importlinter]` tables of `pyproject.toml`, read when this page "
            "is built); the modules are listed with the first line of their docstring. Modules whose name starts "
            "with `_` are private to their package."
        ),
        "",
        "## Contracts",
        "",
    ]
    for contract in contracts():
        lines += _contract(contract)
    lines += ["## Modules", "", "| module | what it does |", "|---|---|"]
    for module in source.modules():
        name = code(module.path)
        area = next((pages[p] for p in pages if module.path == p or module.path.startswith(f"{p}.")), None)
        if module.path in rendered:
            name = f"[{name}][{module.path}]"
        elif area is not None and not source.is_private(module.path):
            name = f"[{name}](reference/api/{area}.md)"
        lines.append(f"| {name} | {cell(prose(source.summary(module)))} |")
    return "\n".join(lines) + "\n"

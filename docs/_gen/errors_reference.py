"""The errors reference: every diagnostic code of ``hoinghe.errors.CODES`` and every exception with an HNG-E code.

Titles (English and Vietnamese) and severities come from ``CODES``; the exceptions are found in the source (every
class whose body sets ``code = "HNG-E..."``); causes and fixes are written in ``errors.yaml`` beside this file.
:func:`entries` fails when a code or an exception has no entry there, or an entry names one that does not exist.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import griffe
import yaml

from _gen import api, source
from _gen.markdown import emphasis
from hoinghe.errors import CODES, Severity

ENTRIES_FILE = Path(__file__).with_name("errors.yaml")


class MissingEntry(LookupError):
    """``errors.yaml`` lacks a code or an exception, or names one that does not exist."""


@attrs.frozen
class ExceptionClass:
    """An exception class of the package with its own HNG-E code."""

    code: str
    name: str
    path: str
    bases: tuple[str, ...]
    summary: str


def exceptions() -> list[ExceptionClass]:
    """Every class of the package whose body sets ``code = "HNG-E..."``, by code."""
    found: list[ExceptionClass] = []
    for module in source.modules():
        for cls in module.classes.values():
            if cls.is_alias:
                continue
            attribute = cls.members.get("code")
            value = attribute.value if isinstance(attribute, griffe.Attribute) else None
            text = str(value).strip("'\"") if value is not None else ""
            if text.startswith("HNG-E"):
                bases = tuple(str(b) for b in cls.bases)
                found.append(ExceptionClass(text, cls.name, cls.path, bases, source.summary(cls)))
    return sorted(found, key=lambda e: e.code)


def entries() -> dict[str, dict[str, str]]:
    """The cause and fix of every code and exception code, checked against ``CODES`` and the source.

    Raises:
        MissingEntry: with every code missing from ``errors.yaml`` and every entry that names no code.
    """
    data = yaml.safe_load(ENTRIES_FILE.read_text("utf-8"))
    codes: dict[str, dict[str, str]] = data["codes"]
    raised: dict[str, dict[str, str]] = data["exceptions"]
    problems = [
        f"{code}: no entry under `codes:` in {ENTRIES_FILE.name}" for code in CODES if code not in codes
    ]
    problems += [
        f"{code}: not in hoinghe.errors.CODES; remove it from {ENTRIES_FILE.name}"
        for code in codes
        if code not in CODES
    ]
    classes = exceptions()
    found = {e.code: e for e in classes}
    problems += [
        f"{code} ({e.path}): no entry under `exceptions:`" for code, e in found.items() if code not in raised
    ]
    problems += [
        f"{code}: no exception class has this code; remove it" for code in raised if code not in found
    ]
    duplicates = [e for e in classes if found[e.code].path != e.path]
    problems += [f"{e.code}: used by both {found[e.code].path} and {e.path}" for e in duplicates]
    families = data["families"]
    problems += [
        f"{code}: no family {code[4]!r} under `families:`" for code in CODES if code[4] not in families
    ]
    for code, entry in {**codes, **raised}.items():
        problems += [f"{code}: no `{part}`" for part in ("cause", "fix") if not entry.get(part)]
    if problems:
        raise MissingEntry("\n".join(problems))
    return {**codes, **raised}


def _families() -> dict[str, str]:
    return dict(yaml.safe_load(ENTRIES_FILE.read_text("utf-8"))["families"])


def anchor(code: str) -> str:
    return code.lower()


def page() -> str:
    """The errors reference page."""
    said = entries()
    documented = set(api.documented().values())
    lines = [
        "# Errors reference",
        "",
        (
            "Every problem hoinghe reports has a stable code. A loader or checker reports *diagnostics* "
            "(`hoinghe check` prints one per line as `file:line:column: CODE message`, `--json` gives the same as "
            "data); a refused step lists its *blockers*, each with an `HNG-B` code; and the exceptions hoinghe "
            "raises each have an `HNG-E` code. Messages exist in Vietnamese and English. The short titles below are "
            "those of `hoinghe.errors.CODES`, the catalogue the code itself uses."
        ),
        "",
    ]
    warnings = [code for code, c in CODES.items() if c.severity is Severity.WARNING]
    if warnings:
        listed = ", ".join(f"[{code}](#{anchor(code)})" for code in warnings)
        lines += [
            (
                f"A diagnostic is an error unless its code is a warning: {listed}. A warning is reported, but the "
                "definition still loads and runs."
            ),
            "",
        ]
    lines += ["## Diagnostic codes", ""]
    for letter, family in _families().items():
        lines += [f"### {letter}: {family} {{ #family-{letter.lower()} }}", ""]
        for code, entry in CODES.items():
            if code[4] != letter:
                continue
            kind = "warning" if entry.severity is Severity.WARNING else "error"
            lines += [
                f"#### {code}: {entry.en} {{ #{anchor(code)} }}",
                "",
                f"{emphasis(entry.vi)} · {kind}",
                "",
                f"**Cause.** {said[code]['cause']}",
                "",
                f"**Fix.** {said[code]['fix']}",
                "",
            ]
    lines += [
        "## Exceptions",
        "",
        (
            "Everything hoinghe raises on purpose derives from `HoingheError`; a class also derives from the built-in "
            "exception a caller would naturally catch (`NotFound` is a `KeyError`, `DefinitionError` a `ValueError`)."
        ),
        "",
    ]
    for exc in exceptions():
        if exc.path not in documented:
            msg = f"{exc.path} is not rendered by any API page; add its module to docs/_gen/api.py"
            raise MissingEntry(msg)
        bases = ", ".join(f"`{b}`" for b in exc.bases)
        lines += [
            f"### {exc.code}: {exc.name} {{ #{anchor(exc.code)} }}",
            "",
            f"[`{exc.path}`][{exc.path}], derived from {bases}. {exc.summary}",
            "",
            f"**Cause.** {said[exc.code]['cause']}",
            "",
            f"**Fix.** {said[exc.code]['fix']}",
            "",
        ]
    return "\n".join(lines) + "\n"

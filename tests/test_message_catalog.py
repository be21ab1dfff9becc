"""The message catalogue: every message hoinghe shows exists in Vietnamese and English.

hoinghe's messages are written where they are raised, as ``Text(vi, en)`` pairs.  This test reads the source of
every module under ``src/hoinghe`` and builds the catalogue of those pairs, then fails on:

* a ``Text(...)`` built in code with one language missing or empty, with the two languages equal, filling in
  different values (the variables an f-string's holes read, or a template's fields), or whose Vietnamese has no Vietnamese letter at
  all although it is a sentence;
* a message in one language only: a string literal or f-string with words in it (directly, or through a local
  variable such as ``msg = f"..."``) given to ``raise SomeError(...)``, to ``Diagnostic(...)``, to ``typer.echo``,
  ``console.print`` or ``typer.Exit``-style output, to a rich table's title or column header, or as the ``help=``
  of a command-line option.

Where a helper function carries a message on, its parameter is typed ``Text`` and mypy refuses a ``str``; the
sinks above accept any object, so only this test can see them.  Programming errors (``AssertionError``,
``NotImplementedError``, a module's ``AttributeError``) and log lines, which are for whoever runs the process, are out of its scope.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "hoinghe"
MODULES = sorted(SRC.rglob("*.py"))

_WORD = re.compile(r"[^\W\d_]{2,}")
_VIETNAMESE = re.compile(
    r"[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]", re.IGNORECASE
)
# Programming errors, and Python's own protocol (a module's ``__getattr__`` raises AttributeError).
_PROGRAMMING = {"AssertionError", "NotImplementedError", "AttributeError"}
_ECHO = {"echo", "secho", "print", "print_json", "log", "rule"}
_PRINTERS = {"typer", "click", "console", "self.console", "err_console", "_console", "out"}


@attrs.frozen
class Problem:
    file: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.what}"


def _fields(text: str) -> list[tuple[str, str | None]]:
    """The literal parts and field names of a ``str.format`` template; one literal part when it is none."""
    try:
        return [(literal, field) for literal, field, _, _ in string.Formatter().parse(text)]
    except ValueError:
        return [(text, None)]


def _literal_text(node: ast.AST) -> str | None:
    """The fixed text of a string literal, f-string or ``+`` of them (holes left out); None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return "".join(literal for literal, _ in _fields(node.value))
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal_text(node.left), _literal_text(node.right)
        if left is not None or right is not None:
            return (left or "") + (right or "")
    if isinstance(node, ast.IfExp):
        body, other = _literal_text(node.body), _literal_text(node.orelse)
        if body is not None or other is not None:
            return (body or "") + " " + (other or "")
    return None


def _holes(node: ast.AST) -> set[str]:
    """The names a message fills in: the variables its f-string holes read, or its template's fields.

    Each language may read them its own way (``kind.vi`` and ``kind.get('en')``, an English plural ending), so the
    roots are compared, not the expressions.
    """
    if isinstance(node, ast.JoinedStr):
        return {
            name.id
            for value in node.values
            if isinstance(value, ast.FormattedValue)
            for name in ast.walk(value.value)
            if isinstance(name, ast.Name)
        }
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {re.split(r"[.\[!:]", field)[0] for _, field in _fields(node.value) if field is not None}
    if isinstance(node, ast.BinOp | ast.IfExp):
        return set().union(*(_holes(child) for child in ast.iter_child_nodes(node)))
    return set()


def _has_words(text: str | None) -> bool:
    return text is not None and _WORD.search(text) is not None


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


class _Scan(ast.NodeVisitor):
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.pairs: list[tuple[str, str]] = []
        self._scopes: list[dict[str, list[ast.AST]]] = [{}]

    # -- scopes: the literal values assigned to each local name, to follow ``msg = f"..."; raise X(msg)``
    def _visit_scope(self, node: ast.AST) -> None:
        assigned: dict[str, list[ast.AST]] = {}
        for sub in ast.walk(node):
            if isinstance(sub, ast.Assign):
                for target in sub.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, []).append(sub.value)
            elif (
                isinstance(sub, ast.AnnAssign) and isinstance(sub.target, ast.Name) and sub.value is not None
            ):
                assigned.setdefault(sub.target.id, []).append(sub.value)
        self._scopes.append(assigned)
        self.generic_visit(node)
        self._scopes.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _visit_scope  # noqa: N815

    def _one_language(self, node: ast.AST | None) -> bool:
        if node is None:
            return False
        if _has_words(_literal_text(node)):
            return True
        if isinstance(node, ast.Name):
            return any(_has_words(_literal_text(value)) for value in self._scopes[-1].get(node.id, ()))
        return False

    def _flag(self, node: ast.AST, what: str) -> None:
        self.problems.append(Problem(self.file, getattr(node, "lineno", 0), what))

    def visit_Raise(self, node: ast.Raise) -> None:
        exc = node.exc
        if (
            isinstance(exc, ast.Call)
            and _name(exc.func) not in _PROGRAMMING
            and exc.args
            and self._one_language(exc.args[0])
        ):
            self._flag(node, f"raise {_name(exc.func)}(...) with a message in one language")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = _name(node.func)
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        if name == "Text":
            self._text(node, keywords)
        elif name == "Diagnostic":
            message = node.args[1] if len(node.args) > 1 else keywords.get("message")
            if self._one_language(message):
                self._flag(node, "Diagnostic(...) with a message in one language")
        elif name in _ECHO and isinstance(node.func, ast.Attribute) and node.args:
            owner = ast.unparse(node.func.value)
            if owner in _PRINTERS and self._one_language(node.args[0]):
                self._flag(node, f"{owner}.{name}(...) prints text in one language")
        elif (
            name in {"Table", "add_column", "Panel", "Progress", "TextColumn"}
            and ast.unparse(node.func) != "sa.Table"
        ):
            for value in [*node.args[:1], keywords.get("title"), keywords.get("header")]:
                if self._one_language(value):
                    self._flag(node, f"{name}(...) shows a title or header in one language")
        for key in ("help", "rich_help_panel", "prompt"):
            if self._one_language(keywords.get(key)):
                self._flag(node, f"{name}({key}=...) in one language")
        self.generic_visit(node)

    def _text(self, node: ast.Call, keywords: dict[str, ast.expr]) -> None:
        vi = node.args[0] if node.args else keywords.get("vi")
        en = node.args[1] if len(node.args) > 1 else keywords.get("en")
        if vi is None or en is None:
            if isinstance(node.func, ast.Name) or not ast.unparse(node.func).endswith("same"):
                self._flag(node, "Text(...) without both languages")
            return
        vi_text, en_text = _literal_text(vi), _literal_text(en)
        if vi_text is None or en_text is None:
            return  # built from values, not words: nothing to compare here
        if (not vi_text.strip() and not _holes(vi)) or (not en_text.strip() and not _holes(en)):
            self._flag(node, "Text(...) with an empty language")
            return
        self.pairs.append((ast.unparse(vi), ast.unparse(en)))
        if _has_words(vi_text) and ast.unparse(vi) == ast.unparse(en):
            self._flag(node, "Text(...) whose Vietnamese is the English")
        if _holes(vi) != _holes(en):
            self._flag(node, f"Text(...) whose languages fill different holes: {_holes(vi) ^ _holes(en)}")
        if len(_WORD.findall(vi_text)) >= 3 and not _VIETNAMESE.search(vi_text):
            self._flag(node, f"Text(...) whose Vietnamese has no Vietnamese letter: {vi_text[:60]!r}")


def _scan(path: Path) -> _Scan:
    scan = _Scan(str(path.relative_to(SRC.parent.parent)))
    scan.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return scan


def _ids() -> Iterator[str]:
    for path in MODULES:
        yield str(path.relative_to(SRC)).removesuffix(".py")


@pytest.mark.parametrize("path", MODULES, ids=list(_ids()))
def test_every_message_of_the_module_is_in_both_languages(path: Path) -> None:
    problems = _scan(path).problems
    assert not problems, "messages in one language only:\n" + "\n".join(map(str, problems))


def test_the_catalogue_is_large_and_has_no_conflicting_translations() -> None:
    """One English message reads one way in Vietnamese across the library, so staff meet one term for one thing."""
    english_to_vietnamese: dict[str, set[str]] = {}
    for path in MODULES:
        for vi, en in _scan(path).pairs:
            english_to_vietnamese.setdefault(en, set()).add(vi)
    assert len(english_to_vietnamese) > 100
    conflicting = {en: vis for en, vis in english_to_vietnamese.items() if len(vis) > 1 and len(en) > 12}
    assert not conflicting, conflicting


def test_the_scan_finds_what_it_should() -> None:
    """The checks themselves: each kind of one-language message is caught, and a good pair passes."""
    source = """
def f(x):
    msg = f"no unit {x!r}"
    raise NotFound(msg)

def g(x):
    raise ValueError("bad value")

def h(x):
    Diagnostic("HNG-S001", f"unknown key {x}")
    typer.echo(f"{x}: fired")
    Text("one language only")
    Text(f"đơn vị {x}", f"unit {x} in {y}")
    Text("same words here", "same words here")
    Text("no Vietnamese letter here at all", "English")
    typer.Option("--x", help="English only")

def fine(x):
    raise NotFound(Text("đơn vị", "unit"), x)
    typer.echo(f"{x}: {x}")
    Text(f"không có đơn vị {x!r}", f"no unit {x!r}")
    Text.same(x)
    raise AssertionError("unreachable")
"""
    scan = _Scan("<test>")
    scan.visit(ast.parse(source))
    lines = sorted({p.line for p in scan.problems})
    assert lines == [4, 7, 10, 11, 12, 13, 14, 15, 16], [str(p) for p in scan.problems]

"""Griffe extensions for the API pages: attrs signatures, and reStructuredText habits read as Markdown.

- :class:`AttrsInit` gives each ``@attrs.frozen`` / ``@attrs.define`` class the ``__init__`` attrs generates, so
  the page shows its signature (fields, annotations, defaults) and its ``Args:`` match real parameters.
- :class:`RestructuredText` turns what the docstrings write in reStructuredText into Markdown: cross-reference
  roles (``:class:`~hoinghe.errors.NotFound```) into links where the target is documented (plain code otherwise),
  doctest paragraphs (``>>>``) into ``pycon`` blocks, and ``::`` literal blocks into code blocks.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

import griffe

_ATTRS_DECORATORS = {"attrs.frozen", "attrs.define", "attrs.mutable", "attr.s", "attr.attrs"}
_FIELD_CALLS = {"attrs.field", "attr.ib", "attr.attrib", "attr.field"}


def _decorator(cls: griffe.Class) -> griffe.Expr | None:
    for decorator in cls.decorators:
        value = decorator.value
        function = value.function if isinstance(value, griffe.ExprCall) else value
        if isinstance(function, griffe.Expr) and function.canonical_path in _ATTRS_DECORATORS:
            return value if isinstance(value, griffe.Expr) else None
    return None


def _arguments(call: griffe.Expr | str | None) -> dict[str, str | griffe.Expr]:
    if not isinstance(call, griffe.ExprCall):
        return {}
    out: dict[str, str | griffe.Expr] = {}
    for argument in call.arguments:
        if isinstance(argument, griffe.ExprKeyword):
            out[argument.name] = argument.value
    return out


def _field_call(attribute: griffe.Attribute) -> griffe.ExprCall | None:
    value = attribute.value
    if isinstance(value, griffe.ExprCall) and value.function.canonical_path in _FIELD_CALLS:
        return value
    return None


def _has_default_method(cls: griffe.Class, name: str) -> bool:
    """``@name.default`` decorates a method of the class: attrs computes the default."""
    for member in cls.members.values():
        if isinstance(member, griffe.Function) and any(
            str(d.value) == f"{name}.default" for d in member.decorators
        ):
            return True
    return False


def _own_parameters(cls: griffe.Class, kw_only: bool) -> list[griffe.Parameter]:
    parameters: list[griffe.Parameter] = []
    for member in cls.members.values():
        if not isinstance(member, griffe.Attribute) or member.annotation is None:
            continue
        if "property" in member.labels or (
            "class-attribute" in member.labels and "instance-attribute" not in member.labels
        ):
            continue
        call = _field_call(member)
        arguments = _arguments(call)
        if str(arguments.get("init", "True")) == "False":
            continue
        name = str(arguments.get("alias", "")).strip("'\"") or member.name.lstrip("_")
        default: str | griffe.Expr | None
        if "default" in arguments:
            default = arguments["default"]
        elif "factory" in arguments:
            factory = arguments["factory"]
            default = griffe.ExprCall(function=factory, arguments=[])  # type: ignore[arg-type]
        elif call is not None:
            default = "..." if _has_default_method(cls, member.name) else None
        else:
            default = member.value
        keyword = kw_only or str(arguments.get("kw_only", "False")) == "True"
        parameters.append(
            griffe.Parameter(
                name,
                annotation=member.annotation,
                kind=griffe.ParameterKind.keyword_only
                if keyword
                else griffe.ParameterKind.positional_or_keyword,
                default=default,
                docstring=member.docstring,
            )
        )
    return parameters


def _set_init(cls: griffe.Class) -> None:
    decorator = _decorator(cls)
    if decorator is None or "__init__" in cls.members:
        return
    options = _arguments(decorator)
    if str(options.get("init", "True")) == "False":
        return
    parameters: dict[str, griffe.Parameter] = {}
    mro: list[griffe.Class] = []
    with contextlib.suppress(Exception):  # a base that cannot be resolved statically: its fields are unknown
        mro = list(cls.mro())
    for base in reversed(mro):
        base_decorator = _decorator(base)
        if base_decorator is not None:
            base_kw = str(_arguments(base_decorator).get("kw_only", "False")) == "True"
            parameters.update((p.name, p) for p in _own_parameters(base, base_kw))
    kw_only = str(options.get("kw_only", "False")) == "True"
    parameters.update((p.name, p) for p in _own_parameters(cls, kw_only))
    ordered = sorted(parameters.values(), key=lambda p: p.kind is griffe.ParameterKind.keyword_only)
    init = griffe.Function(
        "__init__",
        lineno=cls.lineno,
        endlineno=cls.lineno,
        parent=cls,
        parameters=griffe.Parameters(
            griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword), *ordered
        ),
        returns="None",
    )
    cls.set_member("__init__", init)


def _walk(obj: griffe.Module | griffe.Class, seen: set[str]) -> Any:
    if obj.path in seen:
        return
    seen.add(obj.path)
    yield obj
    for member in obj.members.values():
        if not member.is_alias and isinstance(
            member, griffe.Module | griffe.Class | griffe.Function | griffe.Attribute
        ):
            if isinstance(member, griffe.Module | griffe.Class):
                yield from _walk(member, seen)
            else:
                yield member


class AttrsInit(griffe.Extension):
    """Give attrs classes the ``__init__`` attrs writes for them."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:  # noqa: ARG002 - griffe passes more
        for obj in _walk(pkg, set()):
            if isinstance(obj, griffe.Class):
                _set_init(obj)


_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|data|attr|exc|obj|const|term):`([^`]+)`")
_TITLED = re.compile(r"^(.*?)\s*<([^>]+)>$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_SECTION = re.compile(r"^[A-Z][A-Za-z ]*:$")


def _resolve(obj: griffe.Object, target: str) -> str | None:
    """The full path of ``target`` as seen from ``obj`` (relative names resolved in its scope), or ``None``."""
    if target.startswith("hoinghe."):
        return target
    first, _, rest = target.partition(".")
    scope: griffe.Object | None = obj
    while scope is not None:
        with contextlib.suppress(Exception):
            found = scope.resolve(first)
            return f"{found}.{rest}" if rest else found
        scope = scope.parent
    return None


def _role(obj: griffe.Object, match: re.Match[str]) -> str:
    inner = match[1].strip()
    titled = _TITLED.match(inner)
    if titled:
        shown, target = titled[1], titled[2].lstrip("~")
    elif inner.startswith("~"):
        target = inner[1:]
        shown = target.rsplit(".", 1)[-1]
    else:
        shown = target = inner
    path = _resolve(obj, target)
    code = f"<code>{shown}</code>"
    if path is None or not path.startswith("hoinghe."):
        return f"`{shown}`"
    return f'<autoref identifier="{path}" optional>{code}</autoref>'


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _doctest(lines: list[str], i: int, out: list[str]) -> int:
    """Put the doctest paragraph starting at ``lines[i]`` in a ``pycon`` fence; the index after it.

    Inside a Google section griffe dedents the body itself, so the fence keeps the section's indentation;
    anywhere else it starts at the margin, where Markdown reads a fence rather than indented code.  Doctests of
    an ``Examples:`` section are griffe's to read, and left as they are.
    """
    cut = _indent(lines[i])
    level, section = cut, None
    for above in reversed(out):  # the lines it is nested in, nearest first
        if above.strip() and _indent(above) < level:
            level = _indent(above)
            if _SECTION.match(above.strip()):
                section = above.strip()
                break
    if section in ("Examples:", "Example:"):
        out.append(lines[i])
        return i + 1
    pad = " " * cut if section is not None else ""
    end = i
    while end < len(lines) and lines[end].strip():
        end += 1
    out += [f"{pad}```pycon", *(f"{pad}{raw[cut:]}" for raw in lines[i:end]), f"{pad}```"]
    return end


def _literal(lines: list[str], i: int, out: list[str]) -> int:
    """Put the literal block an ``...::`` line at ``lines[i]`` introduces in a fence; the index after it."""
    base = _indent(lines[i])
    head = lines[i].rstrip()[:-1]  # "text::" reads "text:"; a lone "::" disappears
    if head.strip() not in ("", ":"):
        out.append(head)
    end = i + 1
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > base):
        end += 1
    body = lines[i + 1 : end]
    while body and not body[-1].strip():
        body.pop()
    while body and not body[0].strip():
        body.pop(0)
    if body:
        inner = min(_indent(b) for b in body if b.strip())
        pad = " " * base
        out += ["", f"{pad}```text", *(f"{pad}{b[inner:]}" for b in body), f"{pad}```", ""]
    return end


def _blocks(text: str) -> str:
    """Doctest paragraphs and ``::`` literal blocks as fenced code blocks (fences already there are kept)."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    in_fence = False
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and stripped.startswith(">>>") and (not out or not out[-1].strip()):
            i = _doctest(lines, i, out)
            continue
        elif not in_fence and stripped.endswith("::") and i + 1 < len(lines) and not lines[i + 1].strip():
            i = _literal(lines, i, out)
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def _markdown(obj: griffe.Object, text: str) -> str:
    return _ROLE.sub(lambda m: _role(obj, m), _blocks(text))


class RestructuredText(griffe.Extension):
    """Read the docstrings' reStructuredText habits as Markdown."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:  # noqa: ARG002 - griffe passes more
        for obj in _walk(pkg, set()):
            if obj.docstring is not None:
                obj.docstring.value = _markdown(obj, obj.docstring.value)

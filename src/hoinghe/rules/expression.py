"""Rule expressions: a safe, typed, explainable subset of CEL, compiled to Python closures.

An expression is parsed, type-checked against a facts schema (:data:`~hoinghe.rules.FACTS` or
:func:`~hoinghe.rules.facts_schema`) and compiled once, at load time; evaluating it is a call through a tree of
closures.  Nothing in the text can reach Python: there is no ``eval``, no attribute access, only the names the
schema declares.

The language
------------
Literals
    ``42``, ``-7``, ``0x1F`` (int, 64-bit); ``1.5``, ``.5``, ``1e3`` (double); ``'text'`` or ``"text"`` with the
    escapes ``\\n \\t \\\\ \\' \\" \\xHH \\uHHHH \\UHHHHHHHH \\ooo``, raw ``r'...'``; ``true``, ``false``,
    ``null``; lists ``[1, 2]``; maps ``{'a': 1}`` (keys int, string or bool).
Names and fields
    the facts' top-level names (``subject``, ``members`` ...), ``a.b`` on objects and string-keyed maps,
    ``l[i]`` on lists, ``m['k']`` on maps.
Operators, loosest first
    ``c ? a : b``; ``||``; ``&&``; ``== != < <= > >= in``; ``+ -``; ``* / %``; unary ``! -``.
    ``+`` adds numbers and joins strings and lists; ``/`` on ints truncates toward zero and ``%`` takes the
    sign of the dividend; int overflow and division by zero are errors; doubles follow IEEE 754
    (``1.0 / 0.0`` is ``inf``), except that ordering a NaN (``x < 0.0 / 0.0``) is an error, as in CEL.
    An int and a double compare (``==``, ``<`` ...) as two doubles, but never mix
    in arithmetic: write ``double(n) * 0.5``.  ``x in list`` tests membership, ``k in map`` a key.
    ``&&`` and ``||`` absorb errors as CEL does: ``false && <error>`` and ``<error> && false`` are both false.
Functions
    ``size(x)`` / ``x.size()`` (code points of a string, items of a list or map); ``has(a.b)`` (is the field
    present); ``int(x)``, ``double(x)``, ``string(x)``; ``s.startsWith(t)``, ``s.endsWith(t)``,
    ``s.contains(t)``.
Macros
    ``l.all(x, p)``, ``l.exists(x, p)``, ``l.exists_one(x, p)``, ``l.filter(x, p)``, ``l.map(x, e)``; on a
    map they range over its keys.  ``all`` and ``exists`` absorb errors like ``&&`` and ``||``.
    The variable may not reuse a fact's or an enclosing macro's name.
Dates (hoinghe's own; CEL has timestamps instead)
    ``date('2024-07-01')``; ``months_between(d1, d2)``: whole months from ``d1`` to ``d2`` (a month is complete
    when the day of the month is reached again: 31 January to 29 February is 0, to 1 March is 1; negative when
    ``d2`` is earlier); ``days_between(d1, d2)``: ``d2 - d1`` in days; ``age_on(birth_date, d)``: whole years
    (a 29 February birthday is reached on 1 March in other years); ``d.year()``.  Dates compare with
    ``== != < <= > >=``.

Types are checked before anything runs: an unknown name, field, function or method, or an operator applied to
the wrong types, raises :class:`~hoinghe.errors.ExpressionError` (``HNG-R002``) with the 1-based column (counted
from the start of the text) of the offending token, and close matches for a misspelt name.  Syntax errors are
``HNG-R001``; an expression longer than :data:`MAX_LENGTH` characters, nested deeper than :data:`MAX_DEPTH` or
with more than :data:`MAX_NODES` nodes is ``HNG-R003``.  Errors while evaluating (a missing fact, division by
zero, an index out of range) are ``ExpressionError`` too, with code ``HNG-R008``.

Not supported, and refused when the text is checked: unsigned ints, bytes, timestamps and durations,
``matches``, ``type()``, ``dyn()``, message construction (``Foo{a: 1}``), comments, reserved words and names
starting with ``__``, any character outside strings that is not ASCII.

Where hoinghe differs from CEL or from the ``cel`` package (0.10) used as the test oracle
-------------------------------------------------------------------------------------------
* Typing is strict where CEL's dynamic evaluation is lenient: ``1 == 'a'`` and ``true || 1`` are type errors,
  not ``false`` and ``true``.  Values of type ``dyn`` (an empty list, a mixed list) are checked when they run.
* ``size('héllo')`` is 5: code points, as the CEL specification says; the ``cel`` package counts UTF-8 bytes.
* ``-(-9223372036854775808)`` is an overflow error, as CEL specifies; the ``cel`` package wraps around.
* ``all``/``exists`` let a deciding element win over another element's error, as the specification says
  (``[0, 1].exists(x, 1 / x == 1)`` is true); the ``cel`` package stops at the first error.
* A map literal with a repeated key is an error (as in cel-go); the ``cel`` package keeps the last value.
  Map keys are never doubles (as in the ``cel`` package), and one map cannot mix int and bool keys.
* ``string(true)`` is ``'true'`` (specification); the ``cel`` package has no such overload.
  ``string(2.0)`` is ``'2'``, written as the ``cel`` package writes doubles (never with an exponent).
* ``a ? b ? c : d : e`` needs parentheses around the inner conditional, as in CEL's grammar.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from hoinghe.errors import ExpressionError
from hoinghe.org.text import Language, Text
from hoinghe.rules import _ast as a
from hoinghe.rules._checker import check
from hoinghe.rules._compiler import RUNTIME, RUNTIME_ERRORS, Compiled, Env, compile_tree
from hoinghe.rules._parser import MAX_DEPTH, MAX_LENGTH, MAX_NODES, parse
from hoinghe.rules.types import BOOL, DYN, ObjectType, Type

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NODES",
    "Expression",
    "Template",
    "compile_expression",
    "render_template",
    "render_value",
]

_COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">=", "in"})
_ELEMENT_WIDTH = 60  # how much of a list element an explanation shows before "..."


@attrs.frozen(eq=False)
class Expression:
    """A compiled rule expression.  Build it with :func:`compile_expression`.

    Attributes:
        text: the source text.
        type: the type of its value (``bool`` for a rule's condition).
    """

    text: str
    type: Type
    _node: a.Expr = attrs.field(repr=False, alias="node")
    _compiled: Compiled = attrs.field(repr=False, alias="compiled")
    _fields: frozenset[str] = attrs.field(repr=False, alias="fields")
    _run: Callable[[Env], Any] = attrs.field(init=False, repr=False)

    @_run.default
    def _root(self) -> Callable[[Env], Any]:
        return self._compiled.root  # kept apart: one attribute lookup less on every evaluation

    def evaluate(self, facts: Mapping[str, object]) -> object:
        """The value of the expression over ``facts``; the facts are only read.

        Raises:
            ExpressionError: when evaluation fails (a missing fact, division by zero ...) and no ``&&``/``||``
                absorbed the failure.
        """
        try:
            return self._run(facts)
        except ExpressionError:
            raise
        except RUNTIME_ERRORS as e:  # a fact whose run-time type is not its declared one
            raise ExpressionError(
                Text(
                    f"không tính được giá trị: {e} (có dữ kiện nào sai kiểu không?)",
                    f"evaluation failed: {e} (does a fact have the wrong type?)",
                ),
                code=RUNTIME,
            ) from e

    def explain(self, facts: Mapping[str, object], language: Language | None = None) -> tuple[str, ...]:
        """Why a boolean expression is not true over ``facts``, clause by clause, with the values read.

        ``()`` when it is true.  For ``a && b`` only the failing conjuncts are listed; for ``all`` the first
        failing element.  The few words between the expression's own text and values are in ``language`` (the
        one in force when not given).
        """
        if self.type not in (BOOL, DYN):
            raise ExpressionError(
                Text(
                    f"chỉ giải thích được biểu thức kiểu bool, không phải kiểu {self.type}",
                    f"only a bool expression can be explained, not a {self.type}",
                ),
                code=RUNTIME,
            )
        explainer = _Explainer(self.text, self._compiled, language)
        return tuple(explainer.reasons(self._node, facts, expected=True, nested=False))

    def fields(self) -> frozenset[str]:
        """The dotted fact paths read: ``subject.union_member_count``, ``members[].union_member``."""
        return self._fields


def compile_expression(text: str, schema: ObjectType) -> Expression:
    """Parse, type-check and compile ``text`` against the facts ``schema``.

    Raises:
        ExpressionError: ``HNG-R001`` syntax, ``HNG-R002`` type error or unknown name, ``HNG-R003`` too large;
            ``column`` says where.
    """
    if not isinstance(text, str):
        raise ExpressionError(
            Text(
                f"biểu thức phải là chuỗi ký tự, không phải {type(text).__name__}",
                f"an expression must be text, not {type(text).__name__}",
            ),
            code="HNG-R001",
        )
    try:
        node = parse(text)
        checked = check(node, schema)
        return Expression(
            text, checked.type, node=node, compiled=compile_tree(node, checked), fields=checked.fields
        )
    except RecursionError as e:  # the caps make this unreachable; this keeps the promise if they are raised
        raise ExpressionError(
            Text(
                f"biểu thức lồng quá sâu (MAX_DEPTH = {MAX_DEPTH})",
                f"expression nests too deeply (MAX_DEPTH = {MAX_DEPTH})",
            ),
            code="HNG-R003",
        ) from e


# -- values as people read them -----------------------------------------------------------------------------------


def render_value(value: object, *, quote: bool = True, width: int | None = None) -> str:
    """A value written as in an expression: ``3``, ``'m3'``, ``[1, 2]``, ``{id: 'm3', age: 40}``.

    ``quote=False`` leaves a top-level string bare (for templates); ``width`` cuts long lists and maps with
    ``...``.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if value == value else "NaN"  # noqa: PLR0124 - NaN is the one value unequal to itself
    if isinstance(value, str):
        if not quote:
            return value
        escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
        return "'" + "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in escaped) + "'"
    if isinstance(value, list | tuple):
        return _join("[", (render_value(v, width=width) for v in value), "]", width)
    if isinstance(value, Mapping):
        parts = (
            f"{k if isinstance(k, str) and k.isidentifier() else render_value(k)}: {render_value(v, width=width)}"
            for k, v in value.items()
        )
        return _join("{", parts, "}", width)
    return str(value)  # int, date


def _join(open_: str, parts: Iterable[str], close: str, width: int | None) -> str:
    # `parts` is lazy: a list of ten thousand members is not rendered only to be cut after three.
    out: list[str] = []
    used = 0
    for part in parts:
        if width is not None and out and used + len(part) > width:
            out.append("...")
            break
        out.append(part)
        used += len(part) + 2
    return open_ + ", ".join(out) + close


def _constant(node: a.Expr) -> bool:
    if isinstance(node, a.Ident | a.Call | a.Macro):  # a call may read `today`, a macro its variable
        return False
    return all(_constant(child) for child in a.children(node))


def _message(error: Exception, language: Language | None) -> str:
    if isinstance(error, ExpressionError):
        return error.describe(language)
    return f"{type(error).__name__}: {error}"


class _Explainer:
    def __init__(self, text: str, compiled: Compiled, language: Language | None) -> None:
        self.text = text
        self.closures = compiled.closures
        self.language = language

    def source(self, node: a.Expr) -> str:
        return self.text[node.start : node.end]

    def operand(self, node: a.Expr, env: Env) -> str:
        if _constant(node):  # `5`, `['a', 'b']`: the text already says the value
            return self.source(node)
        try:
            return f"{self.source(node)} ({render_value(self.closures[node](env), width=_ELEMENT_WIDTH)})"
        except RUNTIME_ERRORS as e:
            source, failed = self.source(node), _message(e, self.language)
            return Text(f"{source} (lỗi: {failed})", f"{source} (failed: {failed})").get(self.language)

    def reasons(self, node: a.Expr, env: Env, *, expected: bool, nested: bool) -> list[str]:
        """Why ``node`` is not ``expected``; ``[]`` when it is."""
        try:
            value = self.closures[node](env)
        except RUNTIME_ERRORS as e:
            if isinstance(node, a.Logical):  # name the operand that failed, not the whole chain
                return [
                    r for o in node.operands for r in self.reasons(o, env, expected=expected, nested=nested)
                ]
            source, failed = self.source(node), _message(e, self.language)
            return [Text(f"{source} lỗi: {failed}", f"{source} failed: {failed}").get(self.language)]
        if value is expected:
            return []
        match node:
            case a.Unary(op="!"):
                return self.reasons(node.operand, env, expected=not expected, nested=nested)
            case a.Logical():
                # && that should be true, || that should be false: the operands that spoil it; otherwise all.
                return [
                    r for o in node.operands for r in self.reasons(o, env, expected=expected, nested=nested)
                ]
            case a.Conditional():
                condition = self.closures[node.condition](env)
                branch = node.then if condition is True else node.otherwise
                head = self.clause(node.condition, env, condition, nested=False)
                return [head, *self.reasons(branch, env, expected=expected, nested=nested)]
            case a.Macro(function="all" | "exists"):
                return [self.quantifier(node, env, value)]
        return [self.clause(node, env, value, nested=nested)]

    def clause(self, node: a.Expr, env: Env, value: object, *, nested: bool) -> str:
        """``node`` with the values it read: ``x.y (3) >= 5 is false``, or ``x.ok (false)`` inside a macro."""
        if isinstance(node, a.Binary) and node.op in _COMPARISONS:
            left, right = self.operand(node.left, env), self.operand(node.right, env)
            shown = render_value(value)
            return Text(f"{left} {node.op} {right} là {shown}", f"{left} {node.op} {right} is {shown}").get(
                self.language
            )
        shown = render_value(value, width=_ELEMENT_WIDTH)
        if nested:
            return f"{self.source(node)} ({shown})"
        source = self.source(node)
        return Text(f"{source} là {shown}", f"{source} is {shown}").get(self.language)

    def quantifier(self, node: a.Macro, env: Env, value: Any) -> str:
        items = self.closures[node.target](env)
        items = list(items) if isinstance(items, Mapping) else items
        source, shown = self.source(node), render_value(value)
        head = Text(f"{source} là {shown}", f"{source} is {shown}").get(self.language)
        inner_env = dict(env)
        for item in items if (node.function == "all") != (value is True) else ():
            # The element that decides: the first failing one of a false `all`, the first match of a true `exists`.
            inner_env[node.variable] = item
            element = f"{node.variable} = {render_value(item, width=_ELEMENT_WIDTH)}"
            body = self.source(node.body)
            if node.function == "all" and (
                inner := self.reasons(node.body, inner_env, expected=True, nested=True)
            ):
                failed = "; ".join(inner)
                fails = Text(f"{head}: {element} không thỏa {failed}", f"{head}: {element} fails {failed}")
                return fails.get(self.language)
            if node.function == "exists" and not self.reasons(
                node.body, inner_env, expected=True, nested=True
            ):
                satisfies = Text(f"{head}: {element} thỏa {body}", f"{head}: {element} satisfies {body}")
                return satisfies.get(self.language)
        if node.function == "exists" and value is False:
            body, target = self.source(node.body), self.source(node.target)
            none = Text(
                f"{head}: không phần tử nào trong {len(items)} phần tử của {target} thỏa {body}",
                f"{head}: none of the {len(items)} element{'s' if len(items) != 1 else ''} of {target} "
                f"satisfies {body}",
            )
            return none.get(self.language)
        return head


# -- message templates ------------------------------------------------------------------------------------------


@attrs.frozen(eq=False)
class Template:
    """A message with ``{expression}`` holes.  Build it with :func:`render_template`."""

    text: str
    parts: tuple[str | Expression, ...] = attrs.field(repr=False)

    def format(self, facts: Mapping[str, object], *, missing: str | None = None) -> str:
        """The message with each hole replaced by its value (strings without quotes).

        Args:
            missing: shown for a hole that cannot be evaluated (a fact nobody recorded); when ``None``, such a
                hole raises.

        Raises:
            ExpressionError: a hole cannot be evaluated and ``missing`` is ``None``.
        """
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            try:
                out.append(render_value(part.evaluate(facts), quote=False))
            except ExpressionError:
                if missing is None:
                    raise
                out.append(missing)
        return "".join(out)

    def fields(self) -> frozenset[str]:
        """The dotted fact paths the holes read."""
        return frozenset().union(*(p.fields() for p in self.parts if isinstance(p, Expression)))


def render_template(template: str, schema: ObjectType) -> Template:
    """Compile a message template: text with ``{expression}`` holes, ``{{`` and ``}}`` for literal braces.

    Raises:
        ExpressionError: as :func:`compile_expression`, with ``column`` counted in the whole template; an
            unclosed ``{`` or a lone ``}`` is ``HNG-R001``.
    """
    parts: list[str | Expression] = []
    text: list[str] = []
    i = 0
    while i < len(template):
        ch = template[i]
        if ch in "{}" and template[i + 1 : i + 2] == ch:
            text.append(ch)
            i += 2
        elif ch == "}":
            raise ExpressionError(
                Text(
                    "mẫu có một dấu '}' đứng riêng; hãy viết '}}' nếu muốn in dấu ngoặc",
                    "a lone '}' in a template; write '}}' for a brace",
                ),
                column=i + 1,
            )
        elif ch == "{":
            end = _closing_brace(template, i)
            source = template[i + 1 : end]
            if not source.strip():
                raise ExpressionError(
                    Text(
                        "mẫu có cặp {} rỗng; hãy viết '{{}}' nếu muốn in dấu ngoặc",
                        "an empty {} in a template; write '{{}}' for braces",
                    ),
                    column=i + 1,
                )
            try:
                expression = compile_expression(source, schema)
            except ExpressionError as e:
                column = i + 1 + e.column if e.column else i + 1
                raise ExpressionError(e.text, code=e.diagnostic_code, column=column) from e
            parts.extend(["".join(text), expression])
            text = []
            i = end + 1
        else:
            text.append(ch)
            i += 1
    parts.append("".join(text))
    return Template(template, tuple(p for p in parts if p != ""))


def _closing_brace(template: str, start: int) -> int:
    """The offset of the ``}`` closing the hole opened at ``start``, skipping strings and nested braces."""
    depth, i, quote = 0, start + 1, ""
    while i < len(template):
        ch = template[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    raise ExpressionError(
        Text(
            "mẫu có dấu '{' chưa được đóng; hãy viết '{{' nếu muốn in dấu ngoặc",
            "a '{' in a template is not closed; write '{{' for a brace",
        ),
        column=start + 1,
    )

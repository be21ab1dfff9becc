"""Turn a checked syntax tree into a tree of plain Python closures.

Each node becomes one closure ``env -> value`` where ``env`` maps the fact names (and macro variables) to
values.  Where the checker proved both operands have one primitive type, the closure uses Python's own operator
(``l(env) >= r(env)``), which is what keeps a simple rule near a microsecond; ``dyn`` operands go through the
slower functions of ``_runtime`` that check the run-time types the way CEL does.  Every closure is kept in
``Compiled.closures`` so an explanation can evaluate any sub-expression again.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from hoinghe.errors import ExpressionError
from hoinghe.org.text import Text
from hoinghe.rules import _ast as a
from hoinghe.rules._checker import Checked
from hoinghe.rules._runtime import (
    ORDER,
    RUNTIME,
    RUNTIME_ERRORS,
    cel_arith,
    cel_equals,
    check_key,
    compare,
    contains,
    elements_of,
    fail,
    function_for,
    index,
    int64,
    is_int,
    type_name,
)
from hoinghe.rules.types import BOOL, DATE, DOUBLE, DYN, INT, STRING, ListType, Type

__all__ = ["RUNTIME", "RUNTIME_ERRORS", "Compiled", "Env", "Eval", "compile_tree", "type_name"]

Env = Mapping[str, Any]
Eval = Callable[[Env], Any]

_OPERATOR: dict[str, Callable[[Any, Any], bool]] = {"==": operator.eq, "!=": operator.ne, **ORDER}
# Closures for comparisons of operands of one primitive type: Python's operators are CEL's there.
_NATIVE: dict[str, Callable[[Eval, Eval], Eval]] = {
    "==": lambda x, y: lambda f: x(f) == y(f),
    "!=": lambda x, y: lambda f: x(f) != y(f),
    "<": lambda x, y: lambda f: x(f) < y(f),
    "<=": lambda x, y: lambda f: x(f) <= y(f),
    ">": lambda x, y: lambda f: x(f) > y(f),
    ">=": lambda x, y: lambda f: x(f) >= y(f),
}
_PLAIN = (INT, STRING, BOOL, DATE)  # types whose Python equality and containment are CEL's


@attrs.frozen
class Compiled:
    root: Eval
    closures: Mapping[a.Expr, Eval]


def compile_tree(root: a.Expr, checked: Checked) -> Compiled:
    """Compile a tree the checker accepted into closures."""
    builder = _Builder(checked.types)
    return Compiled(builder.build(root), builder.closures)


def _chain(node: a.Expr) -> tuple[str, ...] | None:
    """``("subject", "leaders")`` for ``subject.leaders``: a run of fields on a name, read as nested lookups."""
    if isinstance(node, a.Ident):
        return (node.name,)
    if isinstance(node, a.Select) and (base := _chain(node.operand)) is not None:
        return (*base, node.field)
    return None


def _missing(node: a.Expr, env: Env, names: tuple[str, ...]) -> ExpressionError:
    value: Any = env
    for i, name in enumerate(names):
        if not isinstance(value, Mapping):
            read = ".".join(names[:i])
            return fail(
                node,
                Text(
                    f"'{read}' là {type_name(value)}, không phải object hay map",
                    f"'{read}' is a {type_name(value)}, not an object or a map",
                ),
            )
        if name not in value:
            read = ".".join(names[: i + 1])
            return fail(node, Text(f"thiếu '{read}' trong dữ kiện", f"'{read}' is missing from the facts"))
        value = value[name]
    read = ".".join(names)  # pragma: no cover - the lookup succeeded after all
    return fail(node, Text(f"không đọc được '{read}'", f"cannot read '{read}'"))  # pragma: no cover


def _path(node: a.Expr, names: tuple[str, ...]) -> Eval:
    # Unrolled for the usual lengths: one closure call and plain subscripts, the cost of a hand-written lambda.
    if len(names) == 1:
        (n0,) = names

        def run1(f: Env) -> Any:
            try:
                return f[n0]
            except KeyError:
                raise _missing(node, f, names) from None

        return run1
    if len(names) == 2:  # noqa: PLR2004
        n0, n1 = names

        def run2(f: Env) -> Any:
            try:
                return f[n0][n1]
            except (KeyError, TypeError):
                raise _missing(node, f, names) from None

        return run2

    def run(f: Env) -> Any:
        try:
            value: Any = f
            for name in names:
                value = value[name]
        except (KeyError, TypeError):
            raise _missing(node, f, names) from None
        return value

    return run


def _fused(node: a.Binary, left: Eval, right: Eval) -> Eval | None:
    """One closure for ``x.y <op> z.w`` or ``x.y <op> literal``: the commonest rule, at a lambda's cost."""
    lpath, rpath, cmp = _chain(node.left), _chain(node.right), _OPERATOR[node.op]
    if lpath is None or len(lpath) != 2:  # noqa: PLR2004
        return None
    n0, n1 = lpath
    if rpath is not None and len(rpath) == 2:  # noqa: PLR2004
        n2, n3 = rpath

        def paths(f: Env) -> Any:
            try:
                return cmp(f[n0][n1], f[n2][n3])
            except (KeyError, TypeError):
                left(f), right(f)  # raise the error that names the missing fact, if one is missing
                raise

        return paths
    if isinstance(node.right, a.Literal):
        value = node.right.value

        def path_literal(f: Env) -> Any:
            try:
                return cmp(f[n0][n1], value)
            except (KeyError, TypeError):
                left(f)
                raise

        return path_literal
    return None


class _Builder:
    def __init__(self, types: Mapping[a.Expr, Type]) -> None:
        self.types = types
        self.closures: dict[a.Expr, Eval] = {}

    def build(self, node: a.Expr) -> Eval:
        run = self._build(node)
        self.closures[node] = run
        return run

    def _build(self, node: a.Expr) -> Eval:  # noqa: C901, PLR0911 - one case per node kind
        match node:
            case a.Literal(value=value):
                return lambda _: value
            case a.Ident() | a.Select() if (names := _chain(node)) is not None:
                if isinstance(node, a.Select):
                    self.build(node.operand)  # explanations may evaluate the parts of a path too
                return _path(node, names)
            case a.Select(operand=operand, field=field):
                record = self.build(operand)
                return lambda f: index(node, record(f), field)
            case a.Has():
                return self.has(node)
            case a.Index():
                container, key = self.build(node.operand), self.build(node.index)
                return lambda f: index(node, container(f), key(f))
            case a.ListLit():
                items = [self.build(item) for item in node.items]
                return lambda f: [item(f) for item in items]
            case a.MapLit():
                return self.map_literal(node)
            case a.Unary():
                return self.unary(node)
            case a.Binary():
                return self.binary(node)
            case a.Logical():
                return self.logical(node)
            case a.Conditional():
                return self.conditional(node)
            case a.Call():
                return self.call(node)
            case a.Macro():
                return self.macro(node)
            case _:  # pragma: no cover - a.Ident and a.Select always match the path case
                raise AssertionError(node)

    def has(self, node: a.Has) -> Eval:
        self.build(node.select)
        operand, field = self.build(node.select.operand), node.select.field

        def run(f: Env) -> bool:
            value = operand(f)
            if isinstance(value, Mapping):
                return field in value
            raise fail(
                node,
                Text(
                    f"has() cần một object hoặc map, không phải {type_name(value)}",
                    f"has() needs an object or a map, not {type_name(value)}",
                ),
            )

        return run

    def map_literal(self, node: a.MapLit) -> Eval:
        entries = [(self.build(k), self.build(v)) for k, v in node.entries]

        def run(f: Env) -> dict[Any, Any]:
            out: dict[Any, Any] = {}
            for key_of, value_of in entries:
                key = key_of(f)
                check_key(node, key)
                if key in out:  # also for 1 and true, which one Python dict cannot hold apart
                    raise fail(node, Text(f"khóa bị trùng trong map: {key!r}", f"duplicate map key {key!r}"))
                out[key] = value_of(f)
            return out

        return run

    def unary(self, node: a.Unary) -> Eval:
        operand, t = self.build(node.operand), self.types[node.operand]
        if node.op == "!" and t == BOOL:
            return lambda f: not operand(f)
        if node.op == "-" and t == DOUBLE:
            return lambda f: -operand(f)

        def run(f: Env) -> Any:
            value = operand(f)
            if node.op == "!" and isinstance(value, bool):
                return not value
            if node.op == "-" and isinstance(value, float):
                return -value
            if node.op == "-" and is_int(value):
                return int64(node, -value)  # -(-2**63) overflows
            raise fail(
                node,
                Text(
                    f"không áp dụng được '{node.op}' cho {type_name(value)}",
                    f"'{node.op}' does not apply to {type_name(value)}",
                ),
            )

        return run

    def binary(self, node: a.Binary) -> Eval:  # noqa: PLR0911
        left, right = self.build(node.left), self.build(node.right)
        lt, rt, op = self.types[node.left], self.types[node.right], node.op
        numeric = {lt, rt} == {INT, DOUBLE}
        if numeric and op in ("==", "!="):  # CEL compares an int with a double as two doubles
            return _NATIVE[op](lambda f: float(left(f)), lambda f: float(right(f)))
        if op in _NATIVE and lt == rt and (lt in _PLAIN or (lt == DOUBLE and op in ("==", "!="))):
            return _fused(node, left, right) or _NATIVE[op](left, right)
        if op in ("==", "!="):
            equal = op == "=="
            return lambda f: cel_equals(left(f), right(f)) is equal
        if op in ORDER:
            return lambda f: compare(node, left(f), right(f))
        if op == "in":
            if isinstance(rt, ListType) and rt.elem == lt and lt in _PLAIN:
                return lambda f: left(f) in right(f)
            return lambda f: contains(node, left(f), right(f))
        if lt == rt == INT and op in "+-*":
            combine = {"+": operator.add, "-": operator.sub, "*": operator.mul}[op]
            return lambda f: int64(node, combine(left(f), right(f)))
        if lt == rt == DOUBLE and op in "+-*":
            combine = {"+": operator.add, "-": operator.sub, "*": operator.mul}[op]
            return lambda f: combine(left(f), right(f))
        if lt == rt == STRING:
            return lambda f: left(f) + right(f)
        return lambda f: cel_arith(node, left(f), right(f))

    def logical(self, node: a.Logical) -> Eval:
        operands = [self.build(operand) for operand in node.operands]
        # CEL's && and || are commutative about errors: `false && <error>` and `<error> && false` are both false.
        decisive = node.op == "||"

        def run(f: Env) -> bool:
            error: Exception | None = None
            for operand in operands:
                try:
                    value = operand(f)
                except RUNTIME_ERRORS as e:
                    error = error or e
                    continue
                if not isinstance(value, bool):
                    error = error or fail(
                        node,
                        Text(
                            f"một toán hạng của {node.op} là {type_name(value)}, không phải bool",
                            f"an operand of {node.op} is {type_name(value)}, not bool",
                        ),
                    )
                elif value == decisive:
                    return decisive
            if error is not None:
                raise error
            return not decisive

        return run

    def conditional(self, node: a.Conditional) -> Eval:
        condition, then, otherwise = (self.build(n) for n in (node.condition, node.then, node.otherwise))

        def run(f: Env) -> Any:
            value = condition(f)
            if value is True:
                return then(f)
            if value is False:
                return otherwise(f)
            raise fail(
                node,
                Text(
                    f"điều kiện của ?: là {type_name(value)}, không phải bool",
                    f"the condition of ?: is {type_name(value)}, not bool",
                ),
            )

        return run

    def call(self, node: a.Call) -> Eval:
        args = [self.build(arg) for arg in ((node.target,) if node.target else ()) + node.args]
        function = function_for(node)
        if len(args) == 1:
            (x,) = args
            if node.function == "size" and self.types[node.target or node.args[0]] != DYN:
                return lambda f: len(x(f))
            return lambda f: function(x(f))
        x, y = args
        return lambda f: function(x(f), y(f))

    def macro(self, node: a.Macro) -> Eval:
        target, body, var, kind = self.build(node.target), self.build(node.body), node.variable, node.function

        def run(f: Env) -> Any:
            items = elements_of(node, target(f))
            env = dict(f)  # our own copy: binding the variable never touches the caller's facts
            if kind in ("filter", "map", "exists_one"):
                results = []
                for item in items:
                    env[var] = item
                    results.append(body(env))
                if kind == "map":
                    return results
                for value in results:
                    if not isinstance(value, bool):
                        raise fail(node, _not_bool(kind, value))
                if kind == "filter":
                    return [item for item, keep in zip(items, results, strict=True) if keep]
                return results.count(True) == 1
            return _quantify(node, items, env, var, body)

        return run


def _not_bool(macro: str, value: object) -> Text:
    return Text(
        f"điều kiện của {macro}() là {type_name(value)}, không phải bool",
        f"the condition of {macro}() is {type_name(value)}, not bool",
    )


def _quantify(node: a.Macro, items: Sequence[Any], env: dict[str, Any], var: str, body: Eval) -> bool:
    """``all`` and ``exists`` as CEL defines them: a deciding element wins over an error from another one."""
    decisive = node.function == "exists"
    error: Exception | None = None
    for item in items:
        env[var] = item
        try:
            value = body(env)
        except RUNTIME_ERRORS as e:
            error = error or e
            continue
        if not isinstance(value, bool):
            error = error or fail(node, _not_bool(node.function, value))
        elif value == decisive:
            return decisive
    if error is not None:
        raise error
    return not decisive

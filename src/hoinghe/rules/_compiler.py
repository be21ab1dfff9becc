"""Turn a checked syntax tree into a tree of plain Python closures, and the CEL semantics they run.

Each node becomes one closure ``env -> value`` where ``env`` maps the fact names (and macro variables) to
values.  Where the checker proved both operands have one primitive type, the closure uses Python's own operator
(``l(env) >= r(env)``), which is what keeps a simple rule near a microsecond; ``dyn`` operands go through the
slower ``cel_*`` functions that check the run-time types the way CEL does.  Every closure is kept in
``Compiled.closures`` so an explanation can evaluate any sub-expression again.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from hoinghe.errors import ExpressionError
from hoinghe.rules import _ast as a
from hoinghe.rules._checker import Checked, parse_date
from hoinghe.rules.types import BOOL, DATE, DOUBLE, DYN, INT, STRING, ListType, Type

__all__ = ["RUNTIME_ERRORS", "Compiled", "Env", "Eval", "compile_tree", "type_name"]

Env = Mapping[str, Any]
Eval = Callable[[Env], Any]

#: The code of errors raised while evaluating (errors.py has no code of its own for them yet).
RUNTIME = "HNG-R008"
#: What a closure may raise: our own errors, and Python's when a fact does not have its declared type.
RUNTIME_ERRORS: tuple[type[Exception], ...] = (TypeError, ValueError, ArithmeticError, LookupError)
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_OPERATOR: dict[str, Callable[[Any, Any], bool]] = {"==": operator.eq, "!=": operator.ne, **_ORDER}
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
_INT_TEXT = re.compile(r"[+-]?[0-9]+", re.ASCII)
_DOUBLE_TEXT = re.compile(
    r"[+-]?(?:inf|infinity|nan|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?)", re.IGNORECASE | re.ASCII
)


@attrs.frozen
class Compiled:
    root: Eval
    closures: Mapping[a.Expr, Eval]


def _fail(node: a.Expr, message: str) -> ExpressionError:
    return ExpressionError(message, code=RUNTIME, column=node.column)


def type_name(value: object) -> str:
    """The rule type name of a run-time value, for messages."""
    if isinstance(value, bool):
        return "bool"
    kinds = ((int, "int"), (float, "double"), (str, "string"), (dt.date, "date"), (list | tuple, "list"))
    for cls, name in kinds:
        if isinstance(value, cls):
            return name
    return "map" if isinstance(value, Mapping) else "null" if value is None else type(value).__name__


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


# -- CEL semantics on run-time values ---------------------------------------------------------------------------


def cel_equals(x: object, y: object) -> bool:
    """CEL's heterogeneous equality: values of different types are unequal, ints and doubles compare as doubles."""
    if isinstance(x, bool) or isinstance(y, bool):
        return isinstance(x, bool) and isinstance(y, bool) and x == y
    if _is_num(x) and _is_num(y):
        return x == y if type(x) is type(y) else float(x) == float(y)  # type: ignore[arg-type]
    if isinstance(x, list | tuple) and isinstance(y, list | tuple):
        return len(x) == len(y) and all(cel_equals(i, j) for i, j in zip(x, y, strict=True))
    if isinstance(x, Mapping) and isinstance(y, Mapping):
        if len(x) != len(y):
            return False
        keyed = {(type_name(k), k): v for k, v in y.items()}
        return all((type_name(k), k) in keyed and cel_equals(v, keyed[type_name(k), k]) for k, v in x.items())
    if type_name(x) != type_name(y):
        return False
    return x == y


def _compare(node: a.Binary, x: Any, y: Any) -> bool:
    if _is_num(x) and _is_num(y):
        if x != x or y != y:  # noqa: PLR0124 - NaN is the one value unequal to itself
            raise _fail(node, "NaN values cannot be ordered")  # as in CEL, where Python would say false
        if type(x) is not type(y):
            x, y = float(x), float(y)
    elif type_name(x) != type_name(y) or type_name(x) not in ("string", "bool", "date"):
        raise _fail(node, f"'{node.op}' does not apply to {type_name(x)} and {type_name(y)}")
    return _ORDER[node.op](x, y)


def _int(node: a.Expr, value: int) -> int:
    if INT_MIN <= value <= INT_MAX:
        return value
    raise _fail(node, "int overflow: the result is outside the 64-bit range")


def _int_div(node: a.Expr, x: int, y: int) -> int:
    if y == 0:
        raise _fail(node, "division by zero")
    quotient = abs(x) // abs(y)  # CEL truncates toward zero; Python's // floors
    return _int(node, quotient if (x < 0) == (y < 0) else -quotient)


def _int_mod(node: a.Expr, x: int, y: int) -> int:
    if y == 0:
        raise _fail(node, "modulo by zero")
    if x == INT_MIN and y == -1:
        raise _fail(node, "int overflow: the result is outside the 64-bit range")
    remainder = abs(x) % abs(y)  # the sign follows the dividend, as in CEL (and C), not the divisor
    return -remainder if x < 0 else remainder


def _double_div(x: float, y: float) -> float:
    if y != 0:
        return x / y
    if x == 0 or math.isnan(x):
        return math.nan
    return math.copysign(math.inf, x) * math.copysign(1.0, y)  # IEEE 754, where Python raises


def cel_arith(node: a.Binary, x: Any, y: Any) -> Any:
    op = node.op
    if _is_int(x) and _is_int(y):
        if op == "/":
            return _int_div(node, x, y)
        if op == "%":
            return _int_mod(node, x, y)
        return _int(node, x + y if op == "+" else x - y if op == "-" else x * y)
    if isinstance(x, float) and isinstance(y, float) and op != "%":
        return x + y if op == "+" else x - y if op == "-" else x * y if op == "*" else _double_div(x, y)
    if op == "+" and isinstance(x, str) and isinstance(y, str):
        return x + y
    if op == "+" and isinstance(x, list | tuple) and isinstance(y, list | tuple):
        return [*x, *y]
    raise _fail(node, f"'{op}' does not apply to {type_name(x)} and {type_name(y)}")


def _key(node: a.Expr, key: object) -> None:
    if not (isinstance(key, str | int) and not isinstance(key, float)):
        raise _fail(node, f"a map key must be int, string or bool, not {type_name(key)}")


def _map_has(mapping: Mapping[Any, Any], key: object) -> bool:
    if key not in mapping:
        return False
    if isinstance(key, str):
        return True
    # Python finds True under the key 1 and 1 under True; CEL keeps bool and int keys apart.
    return any(k == key and isinstance(k, bool) == isinstance(key, bool) for k in mapping)


def _contains(node: a.Binary, x: Any, container: Any) -> bool:
    if isinstance(container, list | tuple):
        return any(cel_equals(x, item) for item in container)
    if isinstance(container, Mapping):
        _key(node, x)
        return _map_has(container, x)
    raise _fail(node, f"'in' needs a list or a map on its right, not {type_name(container)}")


def _index(node: a.Expr, container: Any, key: Any) -> Any:
    if isinstance(container, list | tuple):
        if not _is_int(key):
            raise _fail(node, f"a list index must be an int, not {type_name(key)}")
        if not 0 <= key < len(container):
            raise _fail(node, f"index {key} is out of range for a list of size {len(container)}")
        return container[key]
    if isinstance(container, Mapping):
        _key(node, key)
        if not _map_has(container, key):
            raise _fail(node, f"no key {key!r} in the map")
        return container[key]
    raise _fail(node, f"cannot index a {type_name(container)}")


def _items(node: a.Expr, value: Any) -> Sequence[Any]:
    if isinstance(value, list | tuple):
        return value
    if isinstance(value, Mapping):
        return list(value)
    raise _fail(node, f"cannot iterate over a {type_name(value)}")


def _size(node: a.Expr, value: Any) -> int:
    # Strings count code points (CEL's definition), not UTF-8 bytes.
    if isinstance(value, str | list | tuple | Mapping):
        return len(value)
    raise _fail(node, f"size() does not apply to {type_name(value)}")


def format_double(value: float) -> str:
    """A double as CEL's ``string()`` writes it in the ``cel`` package: shortest digits, never an exponent."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = format(decimal.Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _to_int(node: a.Expr, value: Any) -> int:
    if _is_int(value):
        return int(value)
    if isinstance(value, float):
        if not INT_MIN < value < 2.0**63:  # also false for NaN
            raise _fail(node, f"int({value!r}) is outside the 64-bit range")
        return _int(node, int(value))  # int() truncates toward zero, as CEL does
    if isinstance(value, str) and _INT_TEXT.fullmatch(value):
        return _int(node, int(value))
    raise _fail(node, f"int() cannot convert {type_name(value)} {value!r}")


def _to_double(node: a.Expr, value: Any) -> float:
    if _is_num(value):
        return float(value)
    if isinstance(value, str) and _DOUBLE_TEXT.fullmatch(value):
        return float(value)
    raise _fail(node, f"double() cannot convert {type_name(value)} {value!r}")


def _to_string(node: a.Expr, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_int(value):
        return str(value)
    if isinstance(value, float):
        return format_double(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise _fail(node, f"string() cannot convert {type_name(value)}")


def _to_date(node: a.Expr, value: Any) -> dt.date:
    parsed = parse_date(value) if isinstance(value, str) else None
    if parsed is None:
        raise _fail(node, f"date() needs text written YYYY-MM-DD, not {value!r}")
    return parsed


def _dates(node: a.Expr, *values: Any) -> None:
    for value in values:
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise _fail(node, f"{node_name(node)}() needs dates, not {type_name(value)}")


def node_name(node: a.Expr) -> str:
    return node.function if isinstance(node, a.Call | a.Macro) else type(node).__name__


def _months_between(start: dt.date, end: dt.date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    if months > 0 and end.day < start.day:
        months -= 1  # the last month is not complete yet
    elif months < 0 and end.day > start.day:
        months += 1
    return months


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _string_method(node: a.Call, method: Callable[[str, str], bool]) -> Callable[[Any, Any], bool]:
    def run(receiver: Any, arg: Any) -> bool:
        if not (isinstance(receiver, str) and isinstance(arg, str)):
            raise _fail(node, f"{node.function}() needs strings, not {type_name(receiver)}, {type_name(arg)}")
        return method(receiver, arg)

    return run


def _functions(node: a.Call) -> Callable[..., Any]:
    """The run-time implementation of a (type-checked) function or method call."""

    def dates(function: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            _dates(node, *args)
            return function(*args)

        return run

    table: dict[str, Callable[..., Any]] = {
        "size": lambda v: _size(node, v),
        "int": lambda v: _to_int(node, v),
        "double": lambda v: _to_double(node, v),
        "string": lambda v: _to_string(node, v),
        "date": lambda v: _to_date(node, v),
        "months_between": dates(_months_between),
        "days_between": dates(lambda x, y: (y - x).days),
        "age_on": dates(_age_on),
        "year": dates(lambda d: d.year),
        "startsWith": _string_method(node, str.startswith),
        "endsWith": _string_method(node, str.endswith),
        "contains": _string_method(node, operator.contains),
    }
    return table[node.function]


# -- closures -----------------------------------------------------------------------------------------------------


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
            return _fail(node, f"'{'.'.join(names[:i])}' is a {type_name(value)}, not an object or a map")
        if name not in value:
            return _fail(node, f"'{'.'.join(names[: i + 1])}' is missing from the facts")
        value = value[name]
    return _fail(
        node, f"cannot read '{'.'.join(names)}'"
    )  # pragma: no cover - the lookup succeeded after all


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
                return lambda f: _index(node, record(f), field)
            case a.Has():
                return self.has(node)
            case a.Index():
                container, key = self.build(node.operand), self.build(node.index)
                return lambda f: _index(node, container(f), key(f))
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
            raise _fail(node, f"has() needs an object or a map, not {type_name(value)}")

        return run

    def map_literal(self, node: a.MapLit) -> Eval:
        entries = [(self.build(k), self.build(v)) for k, v in node.entries]

        def run(f: Env) -> dict[Any, Any]:
            out: dict[Any, Any] = {}
            for key_of, value_of in entries:
                key = key_of(f)
                _key(node, key)
                if key in out:  # also for 1 and true, which one Python dict cannot hold apart
                    raise _fail(node, f"duplicate map key {key!r}")
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
            if node.op == "-" and _is_int(value):
                return _int(node, -value)  # -(-2**63) overflows
            raise _fail(node, f"'{node.op}' does not apply to {type_name(value)}")

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
        if op in _ORDER:
            return lambda f: _compare(node, left(f), right(f))
        if op == "in":
            if isinstance(rt, ListType) and rt.elem == lt and lt in _PLAIN:
                return lambda f: left(f) in right(f)
            return lambda f: _contains(node, left(f), right(f))
        if lt == rt == INT and op in "+-*":
            combine = {"+": operator.add, "-": operator.sub, "*": operator.mul}[op]
            return lambda f: _int(node, combine(left(f), right(f)))
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
                    error = error or _fail(node, f"an operand of {node.op} is {type_name(value)}, not bool")
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
            raise _fail(node, f"the condition of ?: is {type_name(value)}, not bool")

        return run

    def call(self, node: a.Call) -> Eval:
        args = [self.build(arg) for arg in ((node.target,) if node.target else ()) + node.args]
        function = _functions(node)
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
            items = _items(node, target(f))
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
                        raise _fail(node, f"the condition of {kind}() is {type_name(value)}, not bool")
                if kind == "filter":
                    return [item for item, keep in zip(items, results, strict=True) if keep]
                return results.count(True) == 1
            return _quantify(node, items, env, var, body)

        return run


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
            error = error or _fail(
                node, f"the condition of {node.function}() is {type_name(value)}, not bool"
            )
        elif value == decisive:
            return decisive
    if error is not None:
        raise error
    return not decisive

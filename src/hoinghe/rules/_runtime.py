"""CEL semantics on run-time values: what the compiled closures call when Python's operators are not CEL's.

Heterogeneous equality, ordering (NaN cannot be ordered), 64-bit int arithmetic that fails on overflow and
truncates toward zero, IEEE 754 doubles, map keys kept apart by type, indexing, the conversions ``int()``,
``double()``, ``string()`` and ``date()``, the date functions, the string methods, and the type names and double
formatting used in messages and by ``string()``.  ``_compiler`` builds the closures and calls these only where the
checker could not prove the operand types (``dyn``); each failure is an ``ExpressionError`` with code ``HNG-R008``
and the column of the node that failed.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hoinghe.errors import ExpressionError
from hoinghe.org.text import Text
from hoinghe.rules import _ast as a
from hoinghe.rules._checker import parse_date

__all__ = [
    "INT_MAX",
    "INT_MIN",
    "ORDER",
    "RUNTIME",
    "RUNTIME_ERRORS",
    "cel_arith",
    "cel_equals",
    "check_key",
    "compare",
    "contains",
    "elements_of",
    "fail",
    "format_double",
    "function_for",
    "index",
    "int64",
    "is_int",
    "node_name",
    "type_name",
]

#: The code of errors raised while evaluating (errors.py has no code of its own for them yet).
RUNTIME = "HNG-R008"
#: What a closure may raise: our own errors, and Python's when a fact does not have its declared type.
RUNTIME_ERRORS: tuple[type[Exception], ...] = (TypeError, ValueError, ArithmeticError, LookupError)
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_INT_TEXT = re.compile(r"[+-]?[0-9]+", re.ASCII)
_OVERFLOW = Text(
    "tràn số nguyên: kết quả nằm ngoài phạm vi 64 bit", "int overflow: the result is outside the 64-bit range"
)
_DOUBLE_TEXT = re.compile(
    r"[+-]?(?:inf|infinity|nan|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?)", re.IGNORECASE | re.ASCII
)


def fail(node: a.Expr, message: Text) -> ExpressionError:
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


def is_int(v: object) -> bool:
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


def compare(node: a.Binary, x: Any, y: Any) -> bool:
    if _is_num(x) and _is_num(y):
        if x != x or y != y:  # noqa: PLR0124 - NaN is the one value unequal to itself
            # as in CEL, where Python would say false
            raise fail(node, Text("không thể so sánh thứ tự các giá trị NaN", "NaN values cannot be ordered"))
        if type(x) is not type(y):
            x, y = float(x), float(y)
    elif type_name(x) != type_name(y) or type_name(x) not in ("string", "bool", "date"):
        raise fail(node, _not_for(node.op, x, y))
    return ORDER[node.op](x, y)


def _not_for(op: str, x: object, y: object) -> Text:
    left, right = type_name(x), type_name(y)
    return Text(
        f"không áp dụng được '{op}' cho {left} và {right}", f"'{op}' does not apply to {left} and {right}"
    )


def int64(node: a.Expr, value: int) -> int:
    if INT_MIN <= value <= INT_MAX:
        return value
    raise fail(node, _OVERFLOW)


def _int_div(node: a.Expr, x: int, y: int) -> int:
    if y == 0:
        raise fail(node, Text("chia cho 0", "division by zero"))
    quotient = abs(x) // abs(y)  # CEL truncates toward zero; Python's // floors
    return int64(node, quotient if (x < 0) == (y < 0) else -quotient)


def _int_mod(node: a.Expr, x: int, y: int) -> int:
    if y == 0:
        raise fail(node, Text("chia lấy dư cho 0", "modulo by zero"))
    if x == INT_MIN and y == -1:
        raise fail(node, _OVERFLOW)
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
    if is_int(x) and is_int(y):
        if op == "/":
            return _int_div(node, x, y)
        if op == "%":
            return _int_mod(node, x, y)
        return int64(node, x + y if op == "+" else x - y if op == "-" else x * y)
    if isinstance(x, float) and isinstance(y, float) and op != "%":
        return x + y if op == "+" else x - y if op == "-" else x * y if op == "*" else _double_div(x, y)
    if op == "+" and isinstance(x, str) and isinstance(y, str):
        return x + y
    if op == "+" and isinstance(x, list | tuple) and isinstance(y, list | tuple):
        return [*x, *y]
    raise fail(node, _not_for(op, x, y))


def check_key(node: a.Expr, key: object) -> None:
    if not (isinstance(key, str | int) and not isinstance(key, float)):
        raise fail(
            node,
            Text(
                f"khóa của map phải là int, string hoặc bool, không phải {type_name(key)}",
                f"a map key must be int, string or bool, not {type_name(key)}",
            ),
        )


def _map_has(mapping: Mapping[Any, Any], key: object) -> bool:
    if key not in mapping:
        return False
    if isinstance(key, str):
        return True
    # Python finds True under the key 1 and 1 under True; CEL keeps bool and int keys apart.
    return any(k == key and isinstance(k, bool) == isinstance(key, bool) for k in mapping)


def contains(node: a.Binary, x: Any, container: Any) -> bool:
    if isinstance(container, list | tuple):
        return any(cel_equals(x, item) for item in container)
    if isinstance(container, Mapping):
        check_key(node, x)
        return _map_has(container, x)
    raise fail(
        node,
        Text(
            f"vế phải của 'in' phải là danh sách hoặc map, không phải {type_name(container)}",
            f"'in' needs a list or a map on its right, not {type_name(container)}",
        ),
    )


def index(node: a.Expr, container: Any, key: Any) -> Any:
    if isinstance(container, list | tuple):
        if not is_int(key):
            raise fail(
                node,
                Text(
                    f"chỉ số của danh sách phải là int, không phải {type_name(key)}",
                    f"a list index must be an int, not {type_name(key)}",
                ),
            )
        if not 0 <= key < len(container):
            raise fail(
                node,
                Text(
                    f"chỉ số {key} nằm ngoài danh sách có {len(container)} phần tử",
                    f"index {key} is out of range for a list of size {len(container)}",
                ),
            )
        return container[key]
    if isinstance(container, Mapping):
        check_key(node, key)
        if not _map_has(container, key):
            raise fail(node, Text(f"map không có khóa {key!r}", f"no key {key!r} in the map"))
        return container[key]
    raise fail(
        node,
        Text(
            f"không thể lấy phần tử theo chỉ số của một {type_name(container)}",
            f"cannot index a {type_name(container)}",
        ),
    )


def elements_of(node: a.Expr, value: Any) -> Sequence[Any]:
    if isinstance(value, list | tuple):
        return value
    if isinstance(value, Mapping):
        return list(value)
    raise fail(
        node, Text(f"không thể duyệt qua một {type_name(value)}", f"cannot iterate over a {type_name(value)}")
    )


def _size(node: a.Expr, value: Any) -> int:
    # Strings count code points (CEL's definition), not UTF-8 bytes.
    if isinstance(value, str | list | tuple | Mapping):
        return len(value)
    raise fail(
        node,
        Text(
            f"không áp dụng được size() cho {type_name(value)}",
            f"size() does not apply to {type_name(value)}",
        ),
    )


def format_double(value: float) -> str:
    """A double as CEL's ``string()`` writes it in the ``cel`` package: shortest digits, never an exponent."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = format(decimal.Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _to_int(node: a.Expr, value: Any) -> int:
    if is_int(value):
        return int(value)
    if isinstance(value, float):
        if not INT_MIN < value < 2.0**63:  # also false for NaN
            raise fail(
                node,
                Text(
                    f"int({value!r}) nằm ngoài phạm vi 64 bit", f"int({value!r}) is outside the 64-bit range"
                ),
            )
        return int64(node, int(value))  # int() truncates toward zero, as CEL does
    if isinstance(value, str) and _INT_TEXT.fullmatch(value):
        return int64(node, int(value))
    raise fail(
        node,
        Text(
            f"int() không chuyển đổi được {type_name(value)} {value!r}",
            f"int() cannot convert {type_name(value)} {value!r}",
        ),
    )


def _to_double(node: a.Expr, value: Any) -> float:
    if _is_num(value):
        return float(value)
    if isinstance(value, str) and _DOUBLE_TEXT.fullmatch(value):
        return float(value)
    raise fail(
        node,
        Text(
            f"double() không chuyển đổi được {type_name(value)} {value!r}",
            f"double() cannot convert {type_name(value)} {value!r}",
        ),
    )


def _to_string(node: a.Expr, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_int(value):
        return str(value)
    if isinstance(value, float):
        return format_double(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise fail(
        node,
        Text(
            f"string() không chuyển đổi được {type_name(value)}",
            f"string() cannot convert {type_name(value)}",
        ),
    )


def _to_date(node: a.Expr, value: Any) -> dt.date:
    parsed = parse_date(value) if isinstance(value, str) else None
    if parsed is None:
        raise fail(
            node,
            Text(
                f"date() cần chuỗi viết theo dạng YYYY-MM-DD, không phải {value!r}",
                f"date() needs text written YYYY-MM-DD, not {value!r}",
            ),
        )
    return parsed


def _dates(node: a.Expr, *values: Any) -> None:
    for value in values:
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise fail(
                node,
                Text(
                    f"{node_name(node)}() cần giá trị ngày, không phải {type_name(value)}",
                    f"{node_name(node)}() needs dates, not {type_name(value)}",
                ),
            )


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
            raise fail(
                node,
                Text(
                    f"{node.function}() cần chuỗi, không phải {type_name(receiver)}, {type_name(arg)}",
                    f"{node.function}() needs strings, not {type_name(receiver)}, {type_name(arg)}",
                ),
            )
        return method(receiver, arg)

    return run


def function_for(node: a.Call) -> Callable[..., Any]:
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

"""Type-check a syntax tree against the facts schema, before anything runs.

Every node gets a type; an unknown name, field, function or method, or an operator applied to the wrong types,
is an ``ExpressionError`` with code ``HNG-R002`` and the column of the offending token.  Unknown names come with
the closest known ones (``difflib``), so ``subject.unin_member_count`` says "did you mean 'union_member_count'?".
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping

import attrs

from hoinghe.errors import ExpressionError
from hoinghe.org.text import Text
from hoinghe.rules._ast import (
    Binary,
    Call,
    Conditional,
    Expr,
    Has,
    Ident,
    Index,
    ListLit,
    Literal,
    Logical,
    Macro,
    MapLit,
    Select,
    Unary,
)
from hoinghe.rules.types import (
    BOOL,
    DATE,
    DOUBLE,
    DYN,
    INT,
    NULL,
    STRING,
    ListType,
    MapType,
    ObjectType,
    Primitive,
    Type,
    common_type,
)

__all__ = ["Checked", "check", "parse_date"]

TYPE_ERROR = "HNG-R002"

# name -> (accepted kinds of each argument, result).  A kind is a primitive's name, "list" or "map".
_FUNCTIONS: dict[str, tuple[tuple[tuple[str, ...], ...], Type]] = {
    "size": ((("string", "list", "map"),), INT),
    "int": ((("int", "double", "string"),), INT),
    "double": ((("int", "double", "string"),), DOUBLE),
    "string": ((("int", "double", "string", "bool", "date"),), STRING),
    "date": ((("string",),), DATE),
    "months_between": ((("date",), ("date",)), INT),
    "days_between": ((("date",), ("date",)), INT),
    "age_on": ((("date",), ("date",)), INT),
}
# name -> (accepted kinds of the receiver, of each argument, result).
_METHODS: dict[str, tuple[tuple[str, ...], tuple[tuple[str, ...], ...], Type]] = {
    "size": (("string", "list", "map"), (), INT),
    "startsWith": (("string",), (("string",),), BOOL),
    "endsWith": (("string",), (("string",),), BOOL),
    "contains": (("string",), (("string",),), BOOL),
    "year": (("date",), (), INT),
}
_NUMERIC = (INT, DOUBLE)
_ORDERED = (INT, DOUBLE, STRING, BOOL, DATE)
_KEYS = (INT, STRING, BOOL, DYN)
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


@attrs.frozen
class Checked:
    """The result of checking: the expression's type, every node's type and the fact paths read."""

    type: Type
    types: Mapping[Expr, Type]
    fields: frozenset[str]


@attrs.frozen
class _Var:
    type: Type
    path: str | None  # "members[]" for a macro variable over a fact list; None over a computed list


def check(node: Expr, schema: ObjectType) -> Checked:
    """Type-check ``node`` against ``schema``.

    Raises:
        ExpressionError: ``HNG-R002`` at the first type error or unknown name.
    """
    checker = _Checker(schema)
    result = checker.check(node, {})
    return Checked(result, checker.types, frozenset(checker.fields))


def parse_date(text: str) -> dt.date | None:
    """``YYYY-MM-DD`` as a date, or None; stricter than ``date.fromisoformat``, which takes ``20240701`` too."""
    if not _DATE_TEXT.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _kind(t: Type) -> str:
    if isinstance(t, Primitive):
        return t.value
    return "list" if isinstance(t, ListType) else "map" if isinstance(t, MapType) else "object"


def _accepts(t: Type, kinds: tuple[str, ...]) -> bool:
    return t == DYN or _kind(t) in kinds


def _equatable(a: Type, b: Type) -> bool:
    if a == b or DYN in (a, b) or NULL in (a, b) or (a in _NUMERIC and b in _NUMERIC):
        return True
    if isinstance(a, ListType) and isinstance(b, ListType):
        return _equatable(a.elem, b.elem)
    if isinstance(a, MapType) and isinstance(b, MapType):
        return _equatable(a.key, b.key) and _equatable(a.value, b.value)
    return False


def _orderable(a: Type, b: Type) -> bool:
    if DYN in (a, b):
        return a in (*_ORDERED, DYN) and b in (*_ORDERED, DYN)
    return (a == b and a in _ORDERED) or (a in _NUMERIC and b in _NUMERIC)


def _key_fits(key: Type, map_key: Type) -> bool:
    # Maps are never keyed by doubles (as in the `cel` package), so `1.0 in {1: 'a'}` is refused.
    return key in _KEYS and (DYN in (key, map_key) or key == map_key)


def _hint(name: str, known: Iterable[str]) -> Text:
    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=3)
    if close:
        options = Text.join(Text(" hoặc ", " or "), [repr(c) for c in close])
        return Text(f"; có phải là {options.vi} không?", f"; did you mean {options.get('en')}?")
    if known and len(known) <= 30:  # noqa: PLR2004 - a longer list helps nobody
        listed = ", ".join(known)
        return Text(f"; các tên đã biết: {listed}", f"; known: {listed}")
    return Text.same("")


class _Checker:
    def __init__(self, schema: ObjectType) -> None:
        self.schema = schema
        self.types: dict[Expr, Type] = {}
        self.fields: set[str] = set()

    def fail(self, node: Expr, message: Text) -> ExpressionError:
        return ExpressionError(message, code=TYPE_ERROR, column=node.column)

    def check(self, node: Expr, scope: Mapping[str, _Var], *, record: bool = True) -> Type:
        result = self._check(node, scope, record=record)
        self.types[node] = result
        return result

    def path(self, node: Expr, scope: Mapping[str, _Var]) -> str | None:
        """The dotted fact path ``node`` reads, if it is a chain of fields on a fact or a macro variable."""
        if isinstance(node, Ident):
            return scope[node.name].path if node.name in scope else node.name
        if isinstance(node, Select) and (base := self.path(node.operand, scope)) is not None:
            return f"{base}.{node.field}"
        return None

    def _check(self, node: Expr, scope: Mapping[str, _Var], *, record: bool) -> Type:  # noqa: C901, PLR0911 - a case a kind
        match node:
            case Literal(value=value):
                return {bool: BOOL, int: INT, float: DOUBLE, str: STRING}.get(type(value), NULL)
            case Ident():
                return self.ident(node, scope, record=record)
            case Select():
                operand = self.check(node.operand, scope, record=False)
                if record and (path := self.path(node, scope)) is not None:
                    self.fields.add(path)
                return self.select(node, operand)
            case Has():
                self.check(node.select, scope)
                return BOOL
            case Index():
                return self.index(node, self.check(node.operand, scope), self.check(node.index, scope))
            case ListLit():
                items = [self.check(item, scope) for item in node.items]
                return ListType(_common(items))
            case MapLit():
                return self.map_literal(node, scope)
            case Unary():
                return self.unary(node, self.check(node.operand, scope))
            case Binary():
                return self.binary(node, self.check(node.left, scope), self.check(node.right, scope))
            case Logical():
                for part in node.operands:
                    either = Text(f"một toán hạng của {node.op}", f"an operand of {node.op}")
                    self.expect(part, self.check(part, scope), ("bool",), either)
                return BOOL
            case Conditional():
                return self.conditional(node, scope)
            case Call():
                return self.call(node, scope)
            case Macro():
                return self.macro(node, scope)

    def expect(self, node: Expr, t: Type, kinds: tuple[str, ...], what: Text) -> None:
        if not _accepts(t, kinds):
            # Point at the start of the offending operand, not at its last field name.
            allowed = Text.join(Text(" hoặc ", " or "), kinds)
            message = Text(
                f"{what.vi} phải là {allowed.vi}, không phải {t}",
                f"{what.get('en')} must be {allowed.get('en')}, not {t}",
            )
            raise ExpressionError(message, code=TYPE_ERROR, column=node.start + 1)

    def ident(self, node: Ident, scope: Mapping[str, _Var], *, record: bool) -> Type:
        if node.name in scope:
            return scope[node.name].type
        if node.name in self.schema.fields:
            if record:
                self.fields.add(node.name)
            return self.schema.fields[node.name]
        unknown = Text(f"không có tên '{node.name}'", f"unknown name '{node.name}'")
        raise self.fail(node, unknown + _hint(node.name, [*self.schema.fields, *scope]))

    def select(self, node: Select, operand: Type) -> Type:
        if isinstance(operand, ObjectType):
            if node.field not in operand.fields:
                unknown = Text(
                    f"{operand} không có trường '{node.field}'", f"unknown field '{node.field}' of {operand}"
                )
                raise self.fail(node, unknown + _hint(node.field, operand.fields))
            return operand.fields[node.field]
        if isinstance(operand, MapType) and operand.key in (STRING, DYN):
            return operand.value
        if operand == DYN:
            return DYN
        raise self.fail(
            node,
            Text(
                f"{operand} không có trường nào; không thể chọn '{node.field}'",
                f"{operand} has no fields; cannot select '{node.field}'",
            ),
        )

    def index(self, node: Index, operand: Type, index: Type) -> Type:
        if isinstance(operand, ListType) and index in (INT, DYN):
            return operand.elem
        if isinstance(operand, MapType) and _key_fits(index, operand.key):
            return operand.value
        if operand == DYN and index in _KEYS:
            return DYN
        if isinstance(operand, ObjectType):
            raise self.fail(
                node,
                Text(
                    f"{operand} không phải map; hãy chọn trường của nó bằng '.', như {operand}.name",
                    f"{operand} is not a map; select its fields with '.', as {operand}.name",
                ),
            )
        raise self.fail(
            node,
            Text(f"không thể dùng {index} làm chỉ số cho {operand}", f"cannot index {operand} with {index}"),
        )

    def map_literal(self, node: MapLit, scope: Mapping[str, _Var]) -> Type:
        keys: list[Type] = []
        values: list[Type] = []
        seen: set[tuple[type, object]] = set()
        for key, value in node.entries:
            key_type = self.check(key, scope)
            if key_type not in _KEYS:
                raise self.fail(
                    key,
                    Text(
                        f"khóa của map phải là int, string hoặc bool, không phải {key_type}",
                        f"a map key must be int, string or bool, not {key_type}",
                    ),
                )
            if isinstance(key, Literal):
                if (type(key.value), key.value) in seen:
                    raise self.fail(
                        key,
                        Text(f"khóa bị trùng trong map: {key.value!r}", f"duplicate map key {key.value!r}"),
                    )
                seen.add((type(key.value), key.value))
            keys.append(key_type)
            values.append(self.check(value, scope))
        if INT in keys and BOOL in keys:
            raise self.fail(
                node,
                Text(
                    "một map không được dùng lẫn khóa int và khóa bool", "a map cannot mix int and bool keys"
                ),
            )
        return MapType(_common(keys), _common(values))

    def unary(self, node: Unary, operand: Type) -> Type:
        if node.op == "!":
            self.expect(node, operand, ("bool",), Text("toán hạng của !", "the operand of !"))
            return BOOL
        self.expect(
            node, operand, ("int", "double"), Text("toán hạng của phép đổi dấu -", "the operand of unary -")
        )
        return operand

    def binary(self, node: Binary, left: Type, right: Type) -> Type:
        result = _binary_type(node.op, left, right)
        if result is None:
            raise self.fail(
                node,
                Text(
                    f"không áp dụng được '{node.op}' cho {left} và {right}",
                    f"'{node.op}' does not apply to {left} and {right}",
                ),
            )
        return result

    def conditional(self, node: Conditional, scope: Mapping[str, _Var]) -> Type:
        condition = Text("điều kiện của ?:", "the condition of ?:")
        self.expect(node.condition, self.check(node.condition, scope), ("bool",), condition)
        then, otherwise = self.check(node.then, scope), self.check(node.otherwise, scope)
        result = common_type(then, otherwise)
        if result == DYN and DYN not in (then, otherwise) and NULL not in (then, otherwise):
            raise self.fail(
                node,
                Text(
                    f"hai nhánh của ?: khác kiểu nhau: {then} và {otherwise}",
                    f"the branches of ?: have different types: {then} and {otherwise}",
                ),
            )
        return result

    def call(self, node: Call, scope: Mapping[str, _Var]) -> Type:
        name = node.function
        if node.target is None:
            if name not in _FUNCTIONS:
                if name in _METHODS:
                    raise self.fail(
                        node,
                        Text(
                            f"{name}() là phương thức: hãy viết value.{name}(...)",
                            f"{name}() is a method: write value.{name}(...)",
                        ),
                    )
                unknown = Text(f"không có hàm '{name}'", f"unknown function '{name}'")
                raise self.fail(node, unknown + _hint(name, _FUNCTIONS))
            params, result = _FUNCTIONS[name]
            args = node.args
        else:
            target = self.check(node.target, scope)  # first, so an unknown name is reported before the method
            if name not in _METHODS:
                unknown = Text(f"không có phương thức '{name}'", f"unknown method '{name}'")
                raise self.fail(node, unknown + _hint(name, _METHODS))
            receiver, params, result = _METHODS[name]
            self.expect(
                node.target, target, receiver, Text(f"giá trị gọi {name}()", f"the receiver of {name}()")
            )
            args = node.args
        if len(args) != len(params):
            raise self.fail(
                node,
                Text(
                    f"{name}() nhận {len(params)} đối số",
                    f"{name}() takes {len(params)} argument{'s' if len(params) != 1 else ''}",
                ),
            )
        for position, (arg, kinds) in enumerate(zip(args, params, strict=True), 1):
            argument = Text(f"đối số thứ {position} của {name}()", f"argument {position} of {name}()")
            self.expect(arg, self.check(arg, scope), kinds, argument)
        literal = args[0] if args and isinstance(args[0], Literal) else None
        if (
            name == "date"
            and literal
            and isinstance(literal.value, str)
            and parse_date(literal.value) is None
        ):
            raise self.fail(
                literal,
                Text(
                    f"{literal.value!r} không phải ngày viết theo dạng YYYY-MM-DD",
                    f"{literal.value!r} is not a date written YYYY-MM-DD",
                ),
            )
        return result

    def macro(self, node: Macro, scope: Mapping[str, _Var]) -> Type:
        target = self.check(node.target, scope)
        if node.variable in scope or node.variable in self.schema.fields:
            raise self.fail(
                node,
                Text(
                    f"biến '{node.variable}' che mất một tên khác; hãy chọn tên khác",
                    f"the variable '{node.variable}' hides another name; choose a different one",
                ),
            )
        base = self.path(node.target, scope)
        if isinstance(target, ListType):
            var = _Var(target.elem, f"{base}[]" if base else None)
        elif isinstance(target, MapType):
            var = _Var(target.key, None)
        elif target == DYN:
            var = _Var(DYN, None)
        else:
            raise self.fail(
                node,
                Text(
                    f"{node.function}() cần một danh sách hoặc một map, không phải {target}",
                    f"{node.function}() needs a list or a map, not {target}",
                ),
            )
        body = self.check(node.body, {**scope, node.variable: var})
        if node.function == "map":
            return ListType(body)
        condition = Text(f"điều kiện của {node.function}()", f"the condition of {node.function}()")
        self.expect(node.body, body, ("bool",), condition)
        return ListType(var.type) if node.function == "filter" else BOOL


def _binary_type(op: str, left: Type, right: Type) -> Type | None:
    """The type of ``left <op> right``, or None when the operator does not apply."""
    if op in ("==", "!="):
        return BOOL if _equatable(left, right) else None
    if op in ("<", "<=", ">", ">="):
        return BOOL if _orderable(left, right) else None
    if op == "in":
        if isinstance(right, ListType):
            return BOOL if _equatable(left, right.elem) else None
        if isinstance(right, MapType):
            return BOOL if _key_fits(left, right.key) else None
        return BOOL if right == DYN else None
    if DYN in (left, right):
        known = right if left == DYN else left
        allowed = {"+": ("int", "double", "string", "list"), "%": ("int",)}.get(op, ("int", "double"))
        return known if _accepts(known, allowed) else None
    if left == right and (left == INT or (left == DOUBLE and op != "%") or (left == STRING and op == "+")):
        return left
    if op == "+" and isinstance(left, ListType) and isinstance(right, ListType):
        same = DYN in (left.elem, right.elem) or left.elem == right.elem
        return ListType(common_type(left.elem, right.elem)) if same else None
    return None


def _common(types: list[Type]) -> Type:
    result: Type | None = None
    for t in types:
        result = t if result is None else common_type(result, t)
    return DYN if result is None else result

"""Parse a rule expression into a syntax tree, refusing anything too long, too deep or too big.

A recursive-descent parser following CEL's grammar and precedence (lowest first)::

    expr     = or ["?" or ":" expr]
    or       = and {"||" and}
    and      = relation {"&&" relation}
    relation = sum {("==" | "!=" | "<" | "<=" | ">" | ">=" | "in") sum}
    sum      = product {("+" | "-") product}
    product  = unary {("*" | "/" | "%") unary}
    unary    = ("!" | "-") unary | member
    member   = primary {"." IDENT ["(" args ")"] | "[" expr "]"}
    primary  = literal | IDENT ["(" args ")"] | "(" expr ")" | "[" items "]" | "{" entries "}"

The caps are checked as the parser goes, not afterwards: a counter of nested ``expr``/``unary`` calls stops
``"(" * 100000`` at the 65th parenthesis (the text-length cap stops it even earlier), long before Python's own
recursion limit, and the node counter stops a huge flat list.  Left-associative chains (``a + b + c``, ``a.b.c``)
are built by loops, so their tree depth is measured once more after parsing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

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
    _Node,
    children,
)
from hoinghe.rules._lexer import INT_OUT_OF_RANGE, SYNTAX, Token, tokenize

__all__ = ["MACROS", "MAX_DEPTH", "MAX_LENGTH", "MAX_NODES", "parse"]

#: The longest expression text accepted, in characters.
MAX_LENGTH = 4000
#: The deepest nesting accepted (parentheses, operators, brackets, calls).
MAX_DEPTH = 64
#: The most syntax-tree nodes accepted in one expression.
MAX_NODES = 1000

TOO_BIG = "HNG-R003"
_T = TypeVar("_T")
_N = TypeVar("_N", bound=_Node)
MACROS = frozenset({"all", "exists", "exists_one", "filter", "map"})
_MAX_INT = 2**63 - 1
# Binding strength of the binary operators; `&&`, `||` and `?:` are handled by their own rules.
_PRECEDENCE = {
    "==": 3,
    "!=": 3,
    "<": 3,
    "<=": 3,
    ">": 3,
    ">=": 3,
    "in": 3,
    "+": 4,
    "-": 4,
    "*": 5,
    "/": 5,
    "%": 5,
}
_RELATION = 3
_TOO_DEEP = Text(
    f"biểu thức lồng sâu quá MAX_DEPTH = {MAX_DEPTH} mức; hãy tách nó thành nhiều quy tắc",
    f"expression nests deeper than MAX_DEPTH = {MAX_DEPTH} levels; split it into several rules",
)
_END = Text("cuối biểu thức", "the end of the expression")


def parse(text: str) -> Expr:
    """Parse ``text`` into a syntax tree.

    Raises:
        ExpressionError: ``HNG-R001`` for a syntax error, ``HNG-R003`` when a cap is exceeded.
    """
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            Text(
                f"biểu thức dài {len(text)} ký tự; giới hạn là MAX_LENGTH = {MAX_LENGTH}",
                f"expression is {len(text)} characters long; the limit is MAX_LENGTH = {MAX_LENGTH}",
            ),
            code=TOO_BIG,
            column=MAX_LENGTH + 1,
        )
    node = _Parser(text, tokenize(text)).parse()
    _check_tree(node)
    return node


def _check_tree(root: Expr) -> None:
    """Check the depth of the finished tree and the range of its int literals, without recursion."""
    stack: list[tuple[Expr, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(_TOO_DEEP, code=TOO_BIG, column=node.column)
        if isinstance(node, Literal) and type(node.value) is int and node.value > _MAX_INT:
            raise ExpressionError(INT_OUT_OF_RANGE.format(word=node.value), code=SYNTAX, column=node.column)
        stack.extend((child, depth + 1) for child in children(node))


class _Parser:
    def __init__(self, text: str, tokens: Iterator[Token]) -> None:
        self.text = text
        self.source = tokens
        self.tokens: list[Token] = []  # the tokens read so far; the lexer runs only as far as the parser gets
        self.pos = 0
        self.depth = 0
        self.nodes = 0

    # -- token helpers ------------------------------------------------------------------------------------------

    def peek(self) -> Token:
        if self.pos == len(self.tokens):
            self.tokens.append(next(self.source))
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.peek()
        self.pos += 1
        return token

    def expect(self, kind: str, what: Text) -> Token:
        token = self.advance()
        if token.kind != kind:
            found = self.describe(token)
            raise self.error(
                Text(
                    f"cần {what.vi}, nhưng gặp {found.vi}",
                    f"expected {what.get('en')}, found {found.get('en')}",
                ),
                token,
            )
        return token

    def describe(self, token: Token) -> Text:
        return _END if token.kind == "eof" else Text.same(repr(self.text[token.start : token.end]))

    def error(self, message: Text, token: Token) -> ExpressionError:
        return ExpressionError(message, code=SYNTAX, column=token.start + 1)

    def enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.too_deep(token)

    def too_deep(self, token: Token) -> ExpressionError:
        return ExpressionError(_TOO_DEEP, code=TOO_BIG, column=token.start + 1)

    def chain(self, links: int, token: Token) -> None:
        # A chain `a.b.c` or `1 + 2 + 3` is built by a loop but is as deep as it is long: stop it early.
        if self.depth + links > MAX_DEPTH:
            raise self.too_deep(token)

    def make(self, cls: type[_N], **fields: Any) -> _N:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ExpressionError(
                Text(
                    f"biểu thức có nhiều hơn MAX_NODES = {MAX_NODES} nút; hãy tách nó thành nhiều quy tắc",
                    f"expression has more than MAX_NODES = {MAX_NODES} nodes; split it into several rules",
                ),
                code=TOO_BIG,
                column=fields["column"],
            )
        return cls(**fields)

    # -- grammar ------------------------------------------------------------------------------------------------

    def parse(self) -> Expr:
        if self.peek().kind == "eof":
            raise self.error(Text("biểu thức rỗng", "empty expression"), self.peek())
        node = self.expr()
        if self.peek().kind != "eof":
            token = self.peek()
            found = self.describe(token)
            raise self.error(
                Text(
                    f"thừa {found.vi} sau một biểu thức đã hoàn chỉnh",
                    f"unexpected {found.get('en')} after a complete expression",
                ),
                token,
            )
        return node

    def expr(self) -> Expr:
        self.enter(self.peek())
        node = self.logical("||")
        if self.peek().kind == "?":
            question = self.advance()
            # CEL's grammar: the `then` branch is an `or`, so `a ? b ? c : d : e` needs parentheses.
            then = self.logical("||")
            self.expect(
                ":", Text("dấu ':' của biểu thức điều kiện 'c ? a : b'", "':' of the conditional 'c ? a : b'")
            )
            otherwise = self.expr()
            node = self.make(
                Conditional,
                condition=node,
                then=then,
                otherwise=otherwise,
                start=node.start,
                end=otherwise.end,
                column=question.start + 1,
            )
        self.depth -= 1
        return node

    def logical(self, op: str) -> Expr:
        operands = [self.logical("&&") if op == "||" else self.binary(_RELATION)]
        first: Token | None = None
        while self.peek().kind == op:
            token = self.advance()
            first = first or token
            operands.append(self.logical("&&") if op == "||" else self.binary(_RELATION))
        if first is None:
            return operands[0]
        return self.make(
            Logical,
            op=op,
            operands=tuple(operands),
            start=operands[0].start,
            end=operands[-1].end,
            column=first.start + 1,
        )

    def binary(self, level: int) -> Expr:
        # Precedence climbing: the loop builds left-associative chains, the call binds tighter operators.
        left = self.unary()
        links = 0
        while (prec := _PRECEDENCE.get(self.peek().kind)) is not None and prec >= level:
            token = self.advance()
            links += 1
            self.chain(links, token)
            right = self.binary(prec + 1)
            left = self.make(
                Binary,
                op=token.kind,
                left=left,
                right=right,
                start=left.start,
                end=right.end,
                column=token.start + 1,
            )
        return left

    def unary(self) -> Expr:
        token = self.peek()
        if token.kind not in ("!", "-"):
            return self.member()
        self.advance()
        self.enter(token)
        literal_next = self.peek().kind in ("int", "double")
        operand = self.unary()
        self.depth -= 1
        if (
            token.kind == "-"
            and literal_next
            and isinstance(operand, Literal)
            and isinstance(operand.value, int | float)
        ):
            # Fold `-5` into one literal, as CEL does: `-9223372036854775808` is a valid int, its magnitude is not.
            return Literal(value=-operand.value, start=token.start, end=operand.end, column=token.start + 1)
        return self.make(
            Unary, op=token.kind, operand=operand, start=token.start, end=operand.end, column=token.start + 1
        )

    def member(self) -> Expr:
        node = self.primary()
        links = 0
        while True:
            token = self.peek()
            if token.kind in (".", "["):
                links += 1
                self.chain(links, token)
            if token.kind == ".":
                self.advance()
                name = self.expect(
                    "ident", Text("tên trường hoặc phương thức sau '.'", "a field or method name after '.'")
                )
                if self.peek().kind == "(":
                    node = self.method(node, name)
                else:
                    node = self.make(
                        Select,
                        operand=node,
                        field=name.value,
                        start=node.start,
                        end=name.end,
                        column=name.start + 1,
                    )
            elif token.kind == "[":
                self.advance()
                index = self.expr()
                close = self.expect("]", Text.same("']'"))
                node = self.make(
                    Index, operand=node, index=index, start=node.start, end=close.end, column=token.start + 1
                )
            else:
                return node

    def arguments(self) -> tuple[list[Expr], Token]:
        self.expect("(", Text.same("'('"))
        args: list[Expr] = []
        if self.peek().kind != ")":
            args.append(self.expr())
            while self.peek().kind == ",":
                self.advance()
                args.append(self.expr())
        return args, self.expect(")", Text("',' hoặc ')'", "',' or ')'"))

    def method(self, target: Expr, name: Token) -> Expr:
        function = str(name.value)
        args, close = self.arguments()
        span = {"start": target.start, "end": close.end, "column": name.start + 1}
        if function not in MACROS:
            return self.make(Call, function=function, target=target, args=tuple(args), **span)
        if len(args) != 2 or not isinstance(args[0], Ident):  # noqa: PLR2004
            raise self.error(
                Text(
                    f"{function}() nhận một tên biến và một biểu thức: list.{function}(x, ...)",
                    f"{function}() takes a variable name and an expression: list.{function}(x, ...)",
                ),
                name,
            )
        return self.make(Macro, function=function, target=target, variable=args[0].name, body=args[1], **span)

    def primary(self) -> Expr:
        token = self.advance()
        column = token.start + 1
        kind = token.kind
        if kind in ("int", "double", "string"):
            return self.make(Literal, value=token.value, start=token.start, end=token.end, column=column)
        if kind in ("true", "false", "null"):
            value = {"true": True, "false": False, "null": None}[kind]
            return self.make(Literal, value=value, start=token.start, end=token.end, column=column)
        if kind == "ident":
            if self.peek().kind == "(":
                return self.function(token)
            return self.make(Ident, name=token.value, start=token.start, end=token.end, column=column)
        if kind == "(":
            node = self.expr()
            close = self.expect(")", Text.same("')'"))
            # The span takes in the parentheses, so an enclosing node's source text is balanced.
            return attrs.evolve(node, start=token.start, end=close.end)
        if kind == "[":
            items = self.sequence("]", self.expr)
            return self.make(
                ListLit,
                items=tuple(items),
                start=token.start,
                end=self.tokens[self.pos - 1].end,
                column=column,
            )
        if kind == "{":
            entries = self.sequence("}", self.entry)
            return self.make(
                MapLit,
                entries=tuple(entries),
                start=token.start,
                end=self.tokens[self.pos - 1].end,
                column=column,
            )
        if kind == ".":
            raise self.error(Text("tên không được bắt đầu bằng '.'", "a name cannot start with '.'"), token)
        found = self.describe(token)
        raise self.error(
            Text(f"cần một giá trị, nhưng gặp {found.vi}", f"expected a value, found {found.get('en')}"),
            token,
        )

    def entry(self) -> tuple[Expr, Expr]:
        key = self.expr()
        self.expect(
            ":", Text("dấu ':' giữa khóa của map và giá trị của nó", "':' between a map key and its value")
        )
        return key, self.expr()

    def sequence(self, close: str, item: Callable[[], _T]) -> list[_T]:
        """Items separated by commas up to ``close``, which is consumed; a trailing comma is allowed."""
        items: list[_T] = []
        while self.peek().kind != close:
            items.append(item())
            if self.peek().kind != ",":
                break
            self.advance()
        self.expect(close, Text(f"',' hoặc {close!r}", f"',' or {close!r}"))
        return items

    def function(self, name: Token) -> Expr:
        function = str(name.value)
        args, close = self.arguments()
        span = {"start": name.start, "end": close.end, "column": name.start + 1}
        if function == "has":
            if len(args) != 1 or not isinstance(args[0], Select):
                raise self.error(
                    Text(
                        "has() nhận đúng một trường được chọn, ví dụ has(subject.name)",
                        "has() takes one field selection, such as has(subject.name)",
                    ),
                    name,
                )
            return self.make(Has, select=args[0], **span)
        if function in MACROS:
            raise self.error(
                Text(
                    f"{function}() được gọi trên một danh sách: list.{function}(x, ...)",
                    f"{function}() is called on a list: list.{function}(x, ...)",
                ),
                name,
            )
        return self.make(Call, function=function, target=None, args=tuple(args), **span)

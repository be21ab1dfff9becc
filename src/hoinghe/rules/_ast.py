"""The syntax tree of a rule expression: frozen nodes that remember where they came from.

Every node has ``start``/``end`` (0-based offsets of its source text, so explanations can quote what the author
wrote) and ``column`` (1-based, the token an error about this node points at: the operator of a binary
expression, the field name of a selection, the name of a call).  Nodes compare and hash by identity: two
``x`` at different places are different nodes, and the checker and compiler key their tables by node.
"""

from __future__ import annotations

from typing import TypeAlias

import attrs

__all__ = [
    "Binary",
    "Call",
    "Conditional",
    "Expr",
    "Has",
    "Ident",
    "Index",
    "ListLit",
    "Literal",
    "Logical",
    "Macro",
    "MapLit",
    "Select",
    "Unary",
    "children",
]

#: A literal's Python value; ``None`` is CEL's ``null``.
LiteralValue: TypeAlias = int | float | str | bool | None


@attrs.frozen(eq=False, kw_only=True)
class _Node:
    start: int
    end: int
    column: int


@attrs.frozen(eq=False, kw_only=True)
class Literal(_Node):
    value: LiteralValue


@attrs.frozen(eq=False, kw_only=True)
class Ident(_Node):
    name: str


@attrs.frozen(eq=False, kw_only=True)
class Select(_Node):
    """``operand.field``."""

    operand: Expr
    field: str


@attrs.frozen(eq=False, kw_only=True)
class Has(_Node):
    """``has(operand.field)``: whether the field is present, without reading it."""

    select: Select


@attrs.frozen(eq=False, kw_only=True)
class Index(_Node):
    """``operand[index]`` on a list or a map."""

    operand: Expr
    index: Expr


@attrs.frozen(eq=False, kw_only=True)
class ListLit(_Node):
    items: tuple[Expr, ...]


@attrs.frozen(eq=False, kw_only=True)
class MapLit(_Node):
    entries: tuple[tuple[Expr, Expr], ...]


@attrs.frozen(eq=False, kw_only=True)
class Unary(_Node):
    """``!operand`` or ``-operand``."""

    op: str
    operand: Expr


@attrs.frozen(eq=False, kw_only=True)
class Binary(_Node):
    """Arithmetic (``+ - * / %``), comparison (``== != < <= > >=``) or ``in``."""

    op: str
    left: Expr
    right: Expr


@attrs.frozen(eq=False, kw_only=True)
class Logical(_Node):
    """``&&`` or ``||`` over two or more operands, kept flat so a long chain is not a deep tree."""

    op: str
    operands: tuple[Expr, ...]


@attrs.frozen(eq=False, kw_only=True)
class Conditional(_Node):
    """``condition ? then : otherwise``."""

    condition: Expr
    then: Expr
    otherwise: Expr


@attrs.frozen(eq=False, kw_only=True)
class Call(_Node):
    """``function(args)`` when ``target`` is None, else the method call ``target.function(args)``."""

    function: str
    target: Expr | None
    args: tuple[Expr, ...]


@attrs.frozen(eq=False, kw_only=True)
class Macro(_Node):
    """``target.function(variable, body)`` for ``all``, ``exists``, ``exists_one``, ``filter`` and ``map``."""

    function: str
    target: Expr
    variable: str
    body: Expr


Expr: TypeAlias = (
    Literal
    | Ident
    | Select
    | Has
    | Index
    | ListLit
    | MapLit
    | Unary
    | Binary
    | Logical
    | Conditional
    | Call
    | Macro
)


def children(node: Expr) -> tuple[Expr, ...]:  # noqa: PLR0911 - one return per node kind reads best
    """The direct sub-expressions of ``node``, left to right."""
    match node:
        case Literal() | Ident():
            return ()
        case Select() | Unary():
            return (node.operand,)
        case Has():
            return (node.select,)
        case Index():
            return (node.operand, node.index)
        case ListLit():
            return node.items
        case MapLit():
            return tuple(part for entry in node.entries for part in entry)
        case Binary():
            return (node.left, node.right)
        case Logical():
            return node.operands
        case Conditional():
            return (node.condition, node.then, node.otherwise)
        case Call():
            return node.args if node.target is None else (node.target, *node.args)
        case Macro():
            return (node.target, node.body)

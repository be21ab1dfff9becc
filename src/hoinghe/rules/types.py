"""The types of rule expressions: primitives, lists, maps and objects (the facts and their parts).

A type describes what a value looks like at run time:

==========================  ===============================================
type                        Python value
==========================  ===============================================
``INT``                     ``int`` (never ``bool``), 64-bit signed range
``DOUBLE``                  ``float``
``BOOL``                    ``bool``
``STRING``                  ``str``
``DATE``                    ``datetime.date`` (never ``datetime.datetime``)
``NULL``                    ``None``
``DYN``                     anything; checked when the expression runs
``ListType(elem)``          ``list`` or ``tuple``
``MapType(key, value)``     ``dict`` (keys are int, string or bool)
``ObjectType(name, ...)``   ``dict`` with the declared string keys
==========================  ===============================================
"""

from __future__ import annotations

import datetime as dt
import enum
import types
from collections.abc import Mapping
from typing import TypeAlias

import attrs

from hoinghe.errors import ExpressionError
from hoinghe.org.text import Text

__all__ = [
    "BOOL",
    "DATE",
    "DOUBLE",
    "DYN",
    "INT",
    "NULL",
    "STRING",
    "ListType",
    "MapType",
    "ObjectType",
    "Primitive",
    "Type",
    "common_type",
    "type_of_value",
]


class Primitive(enum.Enum):
    """A type without parts.  ``DYN`` stands for "any type", checked at run time."""

    INT = "int"
    DOUBLE = "double"
    BOOL = "bool"
    STRING = "string"
    DATE = "date"
    NULL = "null"
    DYN = "dyn"

    def __str__(self) -> str:
        return self.value


INT = Primitive.INT
DOUBLE = Primitive.DOUBLE
BOOL = Primitive.BOOL
STRING = Primitive.STRING
DATE = Primitive.DATE
NULL = Primitive.NULL
DYN = Primitive.DYN


@attrs.frozen
class ListType:
    """A list whose elements all have type ``elem``."""

    elem: Type

    def __str__(self) -> str:
        return f"list<{self.elem}>"


@attrs.frozen
class MapType:
    """A map from ``key`` (int, string, bool or dyn) to ``value``."""

    key: Type
    value: Type

    def __str__(self) -> str:
        return f"map<{self.key}, {self.value}>"


def _frozen_fields(fields: Mapping[str, Type]) -> Mapping[str, Type]:
    # A read-only view over a private copy: nobody can add a field after the schema is declared.
    return types.MappingProxyType(dict(fields))


@attrs.frozen
class ObjectType:
    """A record with named fields, such as ``subject`` or one of ``members``.

    ``name`` is used in messages ("unknown field 'x' of subject"); two object types are equal when their names
    and fields are.
    """

    name: str
    # Excluded from the hash (a mapping has none); equal objects still hash alike because their names are equal.
    fields: Mapping[str, Type] = attrs.field(converter=_frozen_fields, hash=False)

    def __str__(self) -> str:
        return self.name


Type: TypeAlias = Primitive | ListType | MapType | ObjectType


def common_type(a: Type, b: Type) -> Type:
    """The type of a list or map holding values of both types: the same type when they agree, else ``DYN``."""
    if a == b:
        return a
    if isinstance(a, ListType) and isinstance(b, ListType):
        return ListType(common_type(a.elem, b.elem))
    if isinstance(a, MapType) and isinstance(b, MapType):
        return MapType(common_type(a.key, b.key), common_type(a.value, b.value))
    return DYN


def _common_of(types_: list[Type]) -> Type:
    result: Type | None = None
    for t in types_:
        result = t if result is None else common_type(result, t)
    return DYN if result is None else result


def type_of_value(value: object) -> Type:
    """Infer the type of a plain Python value, such as a rule-pack parameter.

    Lists and maps get the common type of their elements (``dyn`` when empty or mixed); a ``dict`` is a map.

    Raises:
        ExpressionError: ``HNG-R002`` when the value (or a part of it) has no rule type, such as a ``datetime``
            or a set.
    """
    # bool before int: bool is a subclass of int in Python but a separate type in rules.
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, float):
        return DOUBLE
    if isinstance(value, str):
        return STRING
    if value is None:
        return NULL
    # datetime is a subclass of date; a timestamp is not a date and comparing the two raises in Python.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return DATE
    if isinstance(value, list | tuple):
        return ListType(_common_of([type_of_value(v) for v in value]))
    if isinstance(value, dict):
        key = _common_of([type_of_value(k) for k in value])
        if key not in (INT, STRING, BOOL, DYN):
            keys = Text(
                f"khóa của map phải là int, string hoặc bool, không phải {key}",
                f"map keys must be int, string or bool, not {key}",
            )
            raise ExpressionError(keys, code="HNG-R002")
        return MapType(key, _common_of([type_of_value(v) for v in value.values()]))
    python = type(value).__name__
    raise ExpressionError(
        Text(
            f"giá trị kiểu Python {python} không có kiểu tương ứng trong quy tắc "
            "(hãy dùng int, float, bool, str, date, list hoặc dict)",
            f"a value of Python type {python} has no rule type (use int, float, bool, str, date, list or dict)",
        ),
        code="HNG-R002",
    )

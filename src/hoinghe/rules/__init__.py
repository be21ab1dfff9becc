"""Rule expressions: a safe, typed, explainable subset of CEL over the facts of a case.

See :mod:`hoinghe.rules.expression` for the language.
"""

from hoinghe.rules.expression import (
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NODES,
    Expression,
    Template,
    compile_expression,
    render_template,
    render_value,
)
from hoinghe.rules.facts import FACTS, facts_schema
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
    type_of_value,
)

__all__ = [
    "BOOL",
    "DATE",
    "DOUBLE",
    "DYN",
    "FACTS",
    "INT",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NODES",
    "NULL",
    "STRING",
    "Expression",
    "ListType",
    "MapType",
    "ObjectType",
    "Primitive",
    "Template",
    "Type",
    "common_type",
    "compile_expression",
    "facts_schema",
    "render_template",
    "render_value",
    "type_of_value",
]

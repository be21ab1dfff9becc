"""Differential test: generated well-typed expressions evaluate the same in hoinghe and in the ``cel`` package.

The generator builds expressions in the subset both languages share (ints, doubles, bools, strings, lists, maps,
arithmetic, comparisons, logic, ``in``, ``size``, ``?:``, macros over lists, field selection) over generated
facts, and prints them with only the parentheses CEL's precedence needs, so the two parsers are compared too.

Left out, each because ``cel`` (0.10) cannot express it or deliberately differs (see the docstring of
:mod:`hoinghe.rules.expression`):

* our date helpers and date values (``cel`` has timestamps, not dates, and cannot take a ``datetime.date``);
* unary minus on an int expression (``cel`` wraps ``-(-2**63)`` instead of reporting the overflow);
* non-ASCII strings (``cel`` counts UTF-8 bytes in ``size``, CEL and we count code points);
* ``string(bool)`` (``cel`` has no such overload);
* an error inside a macro body (``cel`` stops at the first error where CEL lets a deciding element win), so
  macro bodies are generated from operations that cannot fail;
* ``map``/``filter`` over maps (``cel`` iterates a map in hash order, we in insertion order).
"""

from __future__ import annotations

import functools
import math
import re
import string

import cel
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hoinghe.errors import ExpressionError
from hoinghe.rules import (
    BOOL,
    DOUBLE,
    INT,
    STRING,
    ListType,
    MapType,
    ObjectType,
    _ast,
    _parser,
    compile_expression,
)

ITEM = ObjectType("item", {"n": INT, "name": STRING, "ok": BOOL})
SCHEMA = ObjectType(
    "facts",
    {
        "i": INT,
        "j": INT,
        "d": DOUBLE,
        "e": DOUBLE,
        "s": STRING,
        "t": STRING,
        "b": BOOL,
        "li": ListType(INT),
        "ld": ListType(DOUBLE),
        "ls": ListType(STRING),
        "m": MapType(STRING, INT),
        "o": ObjectType("o", {"n": INT, "name": STRING, "tags": ListType(STRING), "ok": BOOL}),
        "objs": ListType(ITEM),
    },
)

# Binding strength of what a generated piece is, as in CEL's grammar: a piece is wrapped in parentheses
# exactly when it binds more loosely than its place needs.
TERNARY, OR, AND, RELATION, SUM, PRODUCT, UNARY, MEMBER = range(8)
LEAF_PATHS = {
    "int": ["i", "j", "o.n"],
    "double": ["d", "e"],
    "bool": ["b", "o.ok"],
    "string": ["s", "t", "o.name"],
    "list_int": ["li"],
    "list_double": ["ld"],
    "list_string": ["ls", "o.tags"],
    "map": ["m"],
    "list_item": ["objs"],
}
ELEMENT = {"list_int": "int", "list_double": "double", "list_string": "string", "list_item": "item"}
LIST_OF = {v: k for k, v in ELEMENT.items()}
SMALL = st.integers(-1000, 1000)
WORDS = st.text(alphabet=string.ascii_letters[:6] + string.digits[:4] + " _-'\"\\", max_size=4)
KEYS = st.text(alphabet="abc", min_size=1, max_size=2)


def wrap(piece, level):
    text, prec = piece
    return text if prec >= level else f"({text})"


def quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def literal(draw, tag, safe):
    if tag == "int":
        value = draw(SMALL if safe else st.one_of(SMALL, st.integers(-(2**63), 2**63 - 1)))
        return str(value), UNARY if value < 0 else MEMBER
    if tag == "double":
        value = draw(st.floats(allow_nan=False, allow_infinity=False))
        return repr(value), UNARY if math.copysign(1, value) < 0 else MEMBER
    if tag == "bool":
        return draw(st.sampled_from(["true", "false"])), MEMBER
    if tag == "string":
        return quote(draw(WORDS)), MEMBER
    if tag == "map":
        keys = draw(st.lists(KEYS, unique=True, max_size=3))
        return "{" + ", ".join(f"{quote(k)}: {draw(SMALL)}" for k in keys) + "}", MEMBER
    element = ELEMENT[tag]
    items = [literal(draw, element, safe) for _ in range(draw(st.integers(0, 3)))]
    return "[" + ", ".join(text for text, _ in items) + "]", MEMBER


@st.composite
def expressions(draw, tag, depth, scope=(), safe=False):
    """The text and binding strength of an expression of type ``tag``.

    ``scope`` holds the macro variables in reach as (name, tag); ``safe`` asks for an expression that cannot
    fail (no division by a computed value, no index, no int multiplication, small ints).
    """
    variables = [name for name, var_tag in scope if var_tag == tag]
    leaves = [("path", p) for p in LEAF_PATHS.get(tag, [])] + [("var", v) for v in variables]
    if tag not in ("item", "list_item"):  # objects have no literals
        leaves.append(("literal", None))
    if leaves and (depth <= 0 or draw(st.integers(0, 3)) == 0):
        kind, value = draw(st.sampled_from(leaves))
        if kind == "literal":
            return literal(draw, tag, safe)
        return value, MEMBER
    return draw(st.sampled_from(BUILDERS[tag]))(draw, depth - 1, scope, safe)


@functools.cache
def _strategy(tag, depth, scope, safe):
    return expressions(tag, depth, scope, safe)  # building a strategy costs more than drawing from it


def sub(draw, tag, depth, scope, safe):
    return draw(_strategy(tag, depth, scope, safe))


def binary(op, level, left, right):
    return f"{wrap(left, level)} {op} {wrap(right, level + 1)}", level


def arithmetic(tag):
    def build(draw, depth, scope, safe):
        ops = ["+", "-"] if safe else ["+", "-", "*", "/"] + (["%"] if tag == "int" else [])
        if tag == "double":
            ops = ["+", "-", "*", "/"]
        op = draw(st.sampled_from(ops))
        left = sub(draw, tag, depth, scope, safe)
        right = sub(draw, tag, depth, scope, safe)
        if safe and tag == "int" and draw(st.booleans()):
            # Division by a literal that is never zero cannot fail.
            op, right = draw(st.sampled_from(["/", "%"])), (str(draw(st.integers(1, 9))), MEMBER)
        return binary(op, PRODUCT if op in "*/%" else SUM, left, right)

    return build


def conditional(tag):
    def build(draw, depth, scope, safe):
        condition = sub(draw, "bool", depth, scope, safe)
        then, otherwise = sub(draw, tag, depth, scope, safe), sub(draw, tag, depth, scope, safe)
        return f"{wrap(condition, OR)} ? {wrap(then, OR)} : {wrap(otherwise, TERNARY)}", TERNARY

    return build


def size_of(draw, depth, scope, safe):
    tag = draw(st.sampled_from(["string", "list_int", "list_string", "list_item", "map"]))
    operand = sub(draw, tag, depth, scope, safe)
    if draw(st.booleans()):
        return f"size({operand[0]})", MEMBER
    return f"{wrap(operand, MEMBER)}.size()", MEMBER


def index(tag):
    def build(draw, depth, scope, safe):
        if safe:
            return sub(draw, tag, depth, scope, safe)
        container = sub(draw, LIST_OF[tag], depth, scope, safe)
        position = (
            (str(draw(st.integers(-1, 3))), MEMBER)
            if draw(st.booleans())
            else sub(draw, "int", 0, scope, safe)
        )
        return f"{wrap(container, MEMBER)}[{position[0]}]", MEMBER

    return build


def map_value(draw, depth, scope, safe):
    if safe:
        return sub(draw, "int", depth, scope, safe)
    container = sub(draw, "map", depth, scope, safe)
    return f"{wrap(container, MEMBER)}[{quote(draw(KEYS))}]", MEMBER


def item_field(tag, field):
    def build(draw, depth, scope, safe):
        if safe and all(var_tag != "item" for _, var_tag in scope):
            return sub(
                draw, tag, depth, scope, safe
            )  # only `objs[k]` would give an item here, and it may fail
        item = sub(draw, "item", depth, scope, safe)
        return f"{wrap(item, MEMBER)}.{field}", MEMBER

    return build


def conversion(function, from_tag):
    def build(draw, depth, scope, safe):
        return f"{function}({sub(draw, from_tag, depth, scope, safe)[0]})", MEMBER

    return build


def round_trip(outer, inner, tag):
    def build(draw, depth, scope, safe):
        return f"{outer}(string({sub(draw, tag, depth, scope, safe)[0]}))", MEMBER

    return build


def unsafe_only(build, fallback_tag):
    def guarded(draw, depth, scope, safe):
        if safe:
            return sub(draw, fallback_tag, depth, scope, safe)
        return build(draw, depth, scope, safe)

    return guarded


def comparison(draw, depth, scope, safe):
    left_tag, right_tag = draw(
        st.sampled_from(
            [
                ("int", "int"),
                ("double", "double"),
                ("int", "double"),
                ("double", "int"),
                ("string", "string"),
                ("bool", "bool"),
                ("list_int", "list_int"),
                ("list_int", "list_double"),
                ("list_string", "list_string"),
                ("map", "map"),
                ("list_item", "list_item"),
            ]
        )
    )
    ordered = left_tag in ("int", "double", "string", "bool")
    op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="] if ordered else ["==", "!="]))
    return binary(
        op, RELATION, sub(draw, left_tag, depth, scope, safe), sub(draw, right_tag, depth, scope, safe)
    )


def logic(draw, depth, scope, safe):
    op = draw(st.sampled_from(["&&", "||"]))
    level = AND if op == "&&" else OR
    return binary(op, level, sub(draw, "bool", depth, scope, safe), sub(draw, "bool", depth, scope, safe))


def negation(draw, depth, scope, safe):
    return "!" + wrap(sub(draw, "bool", depth, scope, safe), UNARY), UNARY


def membership(draw, depth, scope, safe):
    element, container = draw(
        st.sampled_from(
            [("int", "list_int"), ("string", "list_string"), ("double", "list_int"), ("string", "map")]
        )
    )
    return binary(
        "in", RELATION, sub(draw, element, depth, scope, safe), sub(draw, container, depth, scope, safe)
    )


def string_test(draw, depth, scope, safe):
    method = draw(st.sampled_from(["startsWith", "endsWith", "contains"]))
    receiver, arg = sub(draw, "string", depth, scope, safe), sub(draw, "string", depth, scope, safe)
    return f"{wrap(receiver, MEMBER)}.{method}({arg[0]})", MEMBER


def has_key(draw, depth, scope, safe):
    return f"has(m.{draw(KEYS)})", MEMBER


def macro(result_tag):
    def build(draw, depth, scope, safe):
        range_tag = draw(st.sampled_from(["list_int", "list_double", "list_string", "list_item"]))
        if result_tag == "list_item":
            function = "filter"
        elif result_tag.startswith("list_"):
            function = draw(st.sampled_from(["filter", "map"]))
        else:
            function = draw(st.sampled_from(["all", "exists", "exists_one"]))
        if function == "filter":
            range_tag = result_tag
        var = f"v{len(scope)}"
        inner = (*scope, (var, ELEMENT[range_tag]))
        body_tag = ELEMENT[result_tag] if function == "map" else "bool"
        target = sub(draw, range_tag, depth, scope, safe)
        body = sub(draw, body_tag, depth, inner, safe=True)
        return f"{wrap(target, MEMBER)}.{function}({var}, {body[0]})", MEMBER

    return build


def list_concat(tag):
    def build(draw, depth, scope, safe):
        return binary("+", SUM, sub(draw, tag, depth, scope, safe), sub(draw, tag, depth, scope, safe))

    return build


def dynamic(tag):
    def build(draw, depth, scope, safe):
        # `[x, 'other'][0]` has type dyn for our checker: the value goes through the run-time checked paths.
        value = sub(draw, tag, depth, scope, safe)[0]
        other = literal(draw, draw(st.sampled_from(["string", "bool", "int", "double"])), safe=True)[0]
        return (
            (f"[{value}, {other}][0]", MEMBER) if draw(st.booleans()) else (f"[{other}, {value}][1]", MEMBER)
        )

    return build


def null_test(draw, depth, scope, safe):
    tag = draw(st.sampled_from(["int", "string", "list_int"]))
    return binary(
        draw(st.sampled_from(["==", "!="])), RELATION, sub(draw, tag, depth, scope, safe), ("null", MEMBER)
    )


# A builder listed twice is drawn twice as often.
BUILDERS = {
    "int": [
        arithmetic("int"),
        arithmetic("int"),
        dynamic("int"),
        conditional("int"),
        size_of,
        index("int"),
        map_value,
        item_field("int", "n"),
        unsafe_only(conversion("int", "double"), "int"),
        round_trip("int", "int", "int"),
    ],
    "double": [
        arithmetic("double"),
        arithmetic("double"),
        dynamic("double"),
        conditional("double"),
        index("double"),
        conversion("double", "int"),
        round_trip("double", "double", "double"),
    ],
    "bool": [
        comparison,
        comparison,
        logic,
        logic,
        dynamic("bool"),
        negation,
        membership,
        string_test,
        has_key,
        conditional("bool"),
        macro("bool"),
        item_field("bool", "ok"),
        null_test,
    ],
    "string": [
        list_concat("string"),
        dynamic("string"),
        conditional("string"),
        index("string"),
        item_field("string", "name"),
        conversion("string", "int"),
        conversion("string", "double"),
    ],
    "list_int": [list_concat("list_int"), conditional("list_int"), macro("list_int")],
    "list_double": [list_concat("list_double"), conditional("list_double")],
    "list_string": [list_concat("list_string"), conditional("list_string"), macro("list_string")],
    "map": [conditional("map")],
    "list_item": [conditional("list_item"), macro("list_item")],
    "item": [index("item")],
}

ITEMS = st.fixed_dictionaries({"n": SMALL, "name": WORDS, "ok": st.booleans()})
FACTS = st.fixed_dictionaries(
    {
        "i": SMALL,
        "j": st.one_of(SMALL, st.integers(-(10**6), 10**6)),
        "d": st.floats(allow_nan=False, allow_infinity=False),
        "e": st.floats(),
        "s": WORDS,
        "t": WORDS,
        "b": st.booleans(),
        "li": st.lists(SMALL, max_size=3),
        "ld": st.lists(st.floats(allow_nan=False), max_size=2),
        "ls": st.lists(WORDS, max_size=3),
        "m": st.dictionaries(KEYS, SMALL, max_size=3),
        "o": st.fixed_dictionaries(
            {"n": SMALL, "name": WORDS, "tags": st.lists(WORDS, max_size=2), "ok": st.booleans()}
        ),
        "objs": st.lists(ITEMS, max_size=2),
    }
)


def same(ours, theirs):
    """Equal values of the same CEL type; NaN equals NaN, and 0.0 differs from -0.0."""
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return type(ours) is type(theirs) and ours == theirs
    if isinstance(ours, float) and isinstance(theirs, float):
        if math.isnan(ours) or math.isnan(theirs):
            return math.isnan(ours) and math.isnan(theirs)
        return ours == theirs and math.copysign(1, ours) == math.copysign(1, theirs)
    if isinstance(ours, list | tuple) and isinstance(theirs, list | tuple):
        return len(ours) == len(theirs) and all(same(x, y) for x, y in zip(ours, theirs, strict=True))
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return ours.keys() == theirs.keys() and all(same(ours[k], theirs[k]) for k in ours)
    return type(ours) is type(theirs) and ours == theirs


def outcome(function):
    try:
        return "value", function()
    except (ExpressionError, ValueError, TypeError, RuntimeError, ArithmeticError, LookupError) as e:
        return "error", e


VARIABLE = re.compile(r"\bv[0-9]+\b")


def parts(text):
    """The compound sub-expressions of ``text`` that use no macro variable, each an expression of its own.

    Comparing them too, not only the whole, finds a wrong value that the whole expression hides (say, an int
    division inside a comparison that comes out the same either way).
    """
    found = []
    stack = [_parser.parse(text)]
    while stack:
        node = stack.pop()
        stack.extend(_ast.children(node))
        source = text[node.start : node.end]
        if isinstance(node, _ast.Binary | _ast.Call | _ast.Index | _ast.Conditional) and not VARIABLE.search(
            source
        ):
            found.append(source)
    return found


def check_agreement(text, facts):
    expression = compile_expression(text, SCHEMA)  # the generator only makes well-typed expressions
    ours = outcome(lambda: expression.evaluate(facts))
    theirs = outcome(lambda: cel.evaluate(text, facts))
    if ours[0] == "error" or theirs[0] == "error":
        assert ours[0] == theirs[0], f"{text}\nours: {ours[1]!r}\ncel: {theirs[1]!r}"
    else:
        assert same(ours[1], theirs[1]), f"{text}\nours: {ours[1]!r}\ncel: {theirs[1]!r}"


@settings(max_examples=2000, deadline=None)
@given(tag=st.sampled_from(["bool", "int", "double", "string", "list_int"]), data=st.data(), facts=FACTS)
def test_hoinghe_agrees_with_cel(tag, data, facts):
    text, _ = data.draw(expressions(tag, 4), label="expression")
    check_agreement(text, facts)
    for part in parts(text):  # the parts of the whole, each on its own
        check_agreement(part, facts)


@pytest.mark.parametrize(
    "text",
    [
        "1 + 2 * 3 - 4 / 2 % 3",
        "-7 / 2 == -3 && -7 % 3 == -1",
        "true || false && false",
        "1 < 2 == true",
        "false ? 1 : true ? 2 : 3",
        "[1, 2, 3].exists_one(x, x > 2)",
        "[1, 2, 3].filter(x, x % 2 == 1).map(x, x * 10)",
        "{'a': 1, 'b': 2}.all(k, k.size() == 1)",
        "'b' in {'a': 1, 'b': 2}",
        "[1, 2] == [1.0, 2.0]",
        "9007199254740993 > 9007199254740992.0",
        "string(1e21) + string(0.1) + string(-0.0) + string(1e-7)",
        "string(1.0 / 0.0) + string(-1.0 / 0.0) + string(0.0 / 0.0)",
        "[1, 'a'][0] < 1.5 && [1, 'a'][0] == 1.0 && 2.5 > [1, 'a'][0]",
        "false && 1 / 0 == 1",
        "1 / 0 == 1 && false",
        "9223372036854775807 + 1 > 0",
        "int('-12') + int(2.9) + int(-2.9)",
        "double('1e3') == 1000.0",
        "size('abc') + size([1]) + size({'a': 1})",
        "-9223372036854775808 / -1",
        "-9223372036854775808 % -1",
        "int(-9223372036854775808.0)",
        "[1, 2][2]",
        "{'a': 1}['b']",
    ],
)
def test_hand_picked_cases_agree_with_cel(text):
    expression = compile_expression(text, SCHEMA)
    ours = outcome(lambda: expression.evaluate({}))
    theirs = outcome(lambda: cel.evaluate(text))
    assert ours[0] == theirs[0], (ours, theirs)
    if ours[0] == "value":
        assert same(ours[1], theirs[1]), (ours, theirs)


@pytest.mark.parametrize(
    ("text", "ours", "theirs"),
    [
        ("size('héllo')", 5, 6),
        ("-(-9223372036854775808)", "error", -(2**63)),
        ("[0, 1].exists(x, 1 / x == 1)", True, "error"),
        ("{'a': 1, 'a': 2}", "error", {"a": 2}),
    ],
)
def test_documented_differences_from_cel_are_still_there(text, ours, theirs):
    # If the `cel` package changes here, the module docstring of hoinghe.rules.expression needs updating.
    def result(function):
        kind, value = outcome(function)
        return "error" if kind == "error" else value

    assert result(lambda: compile_expression(text, SCHEMA).evaluate({})) == ours
    assert result(lambda: cel.evaluate(text)) == theirs

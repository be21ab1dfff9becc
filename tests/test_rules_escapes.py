"""RELIABILITY.md R-1..R-4: rule expressions cannot reach Python, cannot exhaust the parser, never change facts."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import time
import tokenize
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hoinghe.errors import ExpressionError
from hoinghe.rules import (
    BOOL,
    INT,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NODES,
    ListType,
    compile_expression,
    facts_schema,
)

SRC = Path(__file__).resolve().parent.parent / "src" / "hoinghe"
SCHEMA = facts_schema({"group_min_members": INT, "codes": ListType(INT)})
FORBIDDEN_CALLS = {"eval", "exec", "compile"}


def _names_called(path):
    """(line, name) of every call of ``eval``/``exec``/``compile`` as a builtin and every ``__import__``."""
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(path.read_text("utf-8")).readline) if t.string]
    found = []
    for before, token, after in zip([None, *tokens], tokens, [*tokens[1:], None], strict=False):
        if token.type != tokenize.NAME:
            continue
        # `re.compile(` is a method and `def compile(` a definition; only the bare builtin call counts.
        builtin_call = (
            token.string in FORBIDDEN_CALLS
            and after is not None
            and after.string == "("
            and (before is None or before.string not in (".", "def"))
        )
        if builtin_call or token.string == "__import__":
            found.append((token.start[0], token.string))
    return found


def test_r1_no_eval_exec_compile_or_import_in_src():
    files = sorted(SRC.rglob("*.py"))
    assert files
    offenders = [
        f"{path.relative_to(SRC)}:{line}: {name}" for path in files for line, name in _names_called(path)
    ]
    assert offenders == []


def test_r1_the_scanner_finds_what_it_looks_for(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "x = eval('1')\nexec('y')\nc = compile('1', 'f', 'eval')\nm = __import__('os')\nre.compile('x')\n"
    )
    assert [name for _, name in _names_called(sample)] == ["eval", "exec", "compile", "__import__"]


def test_r1_the_rules_package_reaches_no_attribute_by_name():
    text = "\n".join(path.read_text("utf-8") for path in (SRC / "rules").glob("*.py"))
    for word in ("getattr(", "setattr(", "import ast", "from ast", "lark", "importlib", "__dict__"):
        assert word not in text, word


# -- known sandbox escapes, each refused at compile time ------------------------------------------------

ESCAPES = [
    "().__class__.__bases__[0].__subclasses__()",
    "''.__class__.__mro__[1].__subclasses__()",
    "subject.__class__",
    "subject.__dict__",
    "subject.__init__.__globals__",
    "x.__globals__",
    "members.__len__()",
    "__import__('os').system('id')",
    "__builtins__",
    "'{0.__class__}'.format(subject)",
    "'%s' % subject",
    "f'{subject}'",
    "lambda: 1",
    "(lambda x: x)(1)",
    "[x for x in members]",
    "{x: 1 for x in members}",
    "getattr(subject, 'name')",
    "setattr(subject, 'name', 1)",
    "open('/etc/passwd')",
    "eval('1')",
    "exec('import os')",
    "compile('1', 'f', 'eval')",
    "globals()",
    "locals()",
    "vars(subject)",
    "type(subject)",
    "dir(subject)",
    "import os",
    "subject.name; 1",
    "subject.name = 'x'",
    "members.pop()",
    "subject.leaders.clear()",
    "subject.name.format(subject)",
    "subject.name.encode()",
    "subject.\\u005f_class__",
    "subject\\x2e__class__",
    "'\\x5f\\x5fimport\\x5f\\x5f'('os')",
    "subject.nаme",  # a Cyrillic а
    "subject．name",  # a full-width dot
    "ѕubject.name",  # a Cyrillic ѕ
    "members[0].__class__",
    "subject['__class__']",
    "params.__class__",
    "1 if True else 2",
    "not True",
    "True and False",
    "subject.name is None",
    "`id`",
    "$subject",
    "@subject",
    "subject.name // comment",
    "Foo{a: 1}",
    "google.protobuf.Any{}",
    ".subject",
    "async",
    "let x = 1",
]


def test_r2_corpus_is_large_enough():
    assert len(ESCAPES) >= 25


@pytest.mark.parametrize("text", ESCAPES)
def test_r2_escape_is_rejected_at_compile_time(text):
    with pytest.raises(ExpressionError) as info:
        compile_expression(text, SCHEMA)
    assert info.value.diagnostic_code in ("HNG-R001", "HNG-R002")
    assert info.value.column >= 1


def test_r2_dunder_keys_in_data_stay_data():
    # A map key spelt like a dunder is only a string: looking it up reads the map, nothing else.
    expression = compile_expression("subject.leaders['__class__']", SCHEMA)
    with pytest.raises(ExpressionError, match="no key"):
        expression.evaluate({"subject": {"leaders": {"chair": "m1"}}})


# -- caps -------------------------------------------------------------------------------------------------


def _refused(text):
    with pytest.raises(ExpressionError) as info:
        compile_expression(text, SCHEMA)
    assert info.value.diagnostic_code == "HNG-R003", str(info.value)
    return str(info.value)


def test_r3_length_cap_names_the_limit():
    message = _refused("1 + " * 1000 + "1")
    assert f"MAX_LENGTH = {MAX_LENGTH}" in message
    assert compile_expression("'" + "x" * (MAX_LENGTH - 2) + "'", SCHEMA).evaluate({}) == "x" * (
        MAX_LENGTH - 2
    )


def test_r3_depth_cap_names_the_limit():
    assert f"MAX_DEPTH = {MAX_DEPTH}" in _refused("(" * 65 + "1" + ")" * 65)
    assert compile_expression("(" * 60 + "1" + ")" * 60, SCHEMA).evaluate({}) == 1


def test_r3_node_cap_names_the_limit():
    assert f"MAX_NODES = {MAX_NODES}" in _refused("[" + "1," * 1200 + "]")
    assert len(compile_expression("[" + "1," * 900 + "]", SCHEMA).evaluate({})) == 900


@pytest.mark.parametrize(
    "text",
    [
        "(" * 100_000,
        "(" * 3_999,
        "[" * 3_999,
        "{" * 3_999,
        "!" * 3_999 + "true",
        "-" * 3_999 + "1",
        "size(" * 800,
        "true ? 1 : " * 300 + "1",
        "subject" + ".name" * 700,
        "members" + "[0]" * 1000,
        " + ".join(["1"] * 100),  # a flat chain is a deep tree
        " && ".join(["true"] * 1000),
        "[1].map(x, " * 300 + "x" + ")" * 300,
    ],
)
def test_r3_deep_or_huge_input_fails_fast_without_recursion_error(text):
    started = time.perf_counter()
    _refused(text)
    assert time.perf_counter() - started < 0.05


def test_r3_long_and_chains_are_flat():
    # 300 conjuncts are one node with 300 operands: within the depth cap.
    assert compile_expression(" && ".join(["true"] * 300), SCHEMA).evaluate({}) is True


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("()[]{}!-+*/%<>=&|?:.,'\"\\ abx01_éа\n"), max_size=300))
def test_r3_arbitrary_text_only_ever_raises_expression_error(text):
    code = "ok"
    try:
        compile_expression(text, SCHEMA)
    except ExpressionError as e:
        code = e.diagnostic_code
    assert code in ("ok", "HNG-R001", "HNG-R002", "HNG-R003")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_r3_any_unicode_text_only_ever_raises_expression_error(text):
    with contextlib.suppress(ExpressionError):
        compile_expression(text, SCHEMA)


# -- facts are read, never changed; unknown names fail at compile time -------------------------------------


def _facts():
    return {
        "subject": {
            "trades": ["rice", "fish"],
            "leaders": {"chair": "m1"},
            "union_member_count": 3,
            "founded_on": dt.date(2020, 1, 1),
        },
        "members": [
            {"id": "m1", "age": 40, "trades": ["rice"], "union_member": True},
            {"id": "m2", "age": 17, "trades": [], "union_member": False},
        ],
        "params": {"group_min_members": 5, "codes": [3, 1, 2]},
        "today": dt.date(2024, 7, 1),
    }


MUTATION_PROBES = [
    "subject.trades + ['tea']",
    "members.map(m, m.trades + ['x'])",
    "members.filter(m, m.union_member)",
    "members.map(m, m)",
    "members.all(m, m.age > 0)",
    "members.exists(m, members.exists(n, n.id == m.id))",
    "params.codes.map(c, c * 2)",
    "params.codes.filter(c, c > 1)",
    "subject.leaders.map(k, k)",
    "[params.codes, params.codes][0] + [4]",
    "{'a': subject.trades}['a'] + ['z']",
    "size(subject.trades) + size(members)",
    "has(subject.rating) || subject.union_member_count >= params.group_min_members",
    "months_between(subject.founded_on, today)",
    "members.map(m, m.id).exists(i, i == 'm1')",
]


@pytest.mark.parametrize("text", MUTATION_PROBES)
def test_r4_evaluation_never_changes_the_facts(text):
    expression = compile_expression(text, SCHEMA)
    facts = _facts()
    before = copy.deepcopy(facts)
    for _ in range(2):
        expression.evaluate(facts)
        if expression.type == BOOL:
            expression.explain(facts)
    assert facts == before


def test_r4_results_are_new_lists_not_the_facts_own():
    facts = _facts()
    result = compile_expression("subject.trades + []", SCHEMA).evaluate(facts)
    assert result == facts["subject"]["trades"]
    assert result is not facts["subject"]["trades"]


def test_r4_macro_variables_do_not_leak_into_the_facts():
    facts = _facts()
    compile_expression("members.all(m, m.age > 0)", SCHEMA).evaluate(facts)
    assert "m" not in facts


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("subjet.union_member_count > 1", "subjet"),
        ("subject.union_member_count > minimum", "minimum"),
        ("members.all(m, n.age > 1)", "n"),
        ("os.system('x')", "os"),
    ],
)
def test_r4_unknown_name_is_a_compile_time_error(text, name):
    with pytest.raises(ExpressionError) as info:
        compile_expression(text, SCHEMA)
    assert info.value.diagnostic_code == "HNG-R002"
    assert f"unknown name '{name}'" in str(info.value)
    assert info.value.column == text.index(name) + 1

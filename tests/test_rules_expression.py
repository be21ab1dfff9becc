"""Unit tests of the rule expression language: operators, precedence, macros, dates, types, explanations."""

from __future__ import annotations

import datetime as dt
import math

import attrs
import pytest

from hoinghe.errors import ExpressionError
from hoinghe.rules import (
    BOOL,
    DATE,
    DOUBLE,
    DYN,
    FACTS,
    INT,
    NULL,
    STRING,
    ListType,
    MapType,
    ObjectType,
    compile_expression,
    facts_schema,
    render_template,
    render_value,
    type_of_value,
)

SCHEMA = facts_schema({"group_min_members": INT, "min_share": DOUBLE, "trades": ListType(STRING)})


def make_facts():
    return {
        "subject": {
            "id": "g1",
            "level": "commune",
            "kind": "group",
            "status": "active",
            "trade": "rice",
            "name": "Tổ hợp tác lúa",
            "member_count": 4,
            "union_member_count": 3,
            "min_age": 17,
            "max_age": 61,
            "trades": ["rice", "fish"],
            "communes": ["An Phú"],
            "leaders": {"chair": ["m1"], "deputy": ["m2"]},
            "leader_count": 1,
            "deputy_count": 1,
            "documents": ["charter", "minutes"],
            "months_active": 30,
            "founded_on": dt.date(2022, 1, 31),
            "rating": "good",
            "contract_signed_share": 0.75,
            "meetings_last_year": 4,
        },
        "members": [
            {"id": "m1", "name": "Lan", "age": 40, "birth_date": dt.date(1984, 2, 29), "union_member": True},
            {"id": "m2", "name": "Hùng", "age": 61, "birth_date": dt.date(1963, 5, 2), "union_member": True},
            {"id": "m3", "name": "Hoa", "age": 17, "birth_date": dt.date(2007, 3, 1), "union_member": False},
        ],
        "parent": {"id": "c1", "level": "commune", "kind": "branch", "name": "Chi hội An Phú"},
        "case": {"id": "k1", "state": "draft", "approvals": [], "days_in_state": 3, "proposer": "u1"},
        "actor": {"id": "u1", "roles": ["chair"]},
        "params": {"group_min_members": 5, "min_share": 0.5, "trades": ["rice"]},
        "today": dt.date(2024, 7, 1),
    }


def run(text, facts=None):
    return compile_expression(text, SCHEMA).evaluate(make_facts() if facts is None else facts)


def fails(text, code="HNG-R002"):
    with pytest.raises(ExpressionError) as info:
        compile_expression(text, SCHEMA)
    assert info.value.diagnostic_code == code, str(info.value)
    return info.value


def fails_at_run(text, facts=None):
    expression = compile_expression(text, SCHEMA)
    with pytest.raises(ExpressionError) as info:
        expression.evaluate(make_facts() if facts is None else facts)
    return info.value


# -- literals -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("42", 42),
        ("-7", -7),
        ("0x1F", 31),
        ("-9223372036854775808", -(2**63)),
        ("1.5", 1.5),
        (".5", 0.5),
        ("1e3", 1000.0),
        ("'a\\'b'", "a'b"),
        ('"a\\"b"', 'a"b'),
        (r"'\n\t\\'", "\n\t\\"),
        (r"'\x41\u00e9\U0001F600\101'", "Aé😀A"),
        (r"r'\n'", "\\n"),
        ("'Hà Nội'", "Hà Nội"),
        ("true", True),
        ("false", False),
        ("null", None),
        ("[1, 2, 3]", [1, 2, 3]),
        ("[1, 2,]", [1, 2]),
        ("[]", []),
        ("{'a': 1, 'b': 2}", {"a": 1, "b": 2}),
        ("{}", {}),
    ],
)
def test_literals(text, value):
    assert run(text) == value


@pytest.mark.parametrize(
    "text", ["9223372036854775808", "1u", "b'x'", "'''x'''", r"'\q'", r"'\ud800'", "'open", "1e999", "1abc"]
)
def test_bad_literals_are_syntax_errors(text):
    fails(text, "HNG-R001")


# -- operators ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 + 2", 3),
        ("5 - 7", -2),
        ("6 * 7", 42),
        ("7 / 2", 3),
        ("-7 / 2", -3),  # truncates toward zero
        ("7 / -2", -3),
        ("7 % 3", 1),
        ("-7 % 3", -1),  # the sign of the dividend
        ("7 % -3", 1),
        ("1.5 + 2.0", 3.5),
        ("1.0 / 4.0", 0.25),
        ("1.0 / 0.0", math.inf),
        ("-1.0 / 0.0", -math.inf),
        ("'ab' + 'cd'", "abcd"),
        ("[1] + [2, 3]", [1, 2, 3]),
        ("subject.trades + params.trades", ["rice", "fish", "rice"]),
        ("-subject.member_count", -4),
        ("-(2.5)", -2.5),
        ("!true", False),
        ("!!true", True),
    ],
)
def test_arithmetic_and_unary(text, value):
    assert run(text) == value


def test_double_nan():
    assert math.isnan(run("0.0 / 0.0"))
    assert run("0.0 / 0.0 == 0.0 / 0.0") is False
    assert run("0.0 / 0.0 != 1") is True
    # Ordering a NaN is an error in CEL (cel-go and the `cel` package), not Python's false.
    for text in ("0.0 / 0.0 < 1.0", "1 >= 0.0 / 0.0", "[0.0 / 0.0][0] > 1.0"):
        assert "NaN values cannot be ordered" in str(fails_at_run(text))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9223372036854775807 + 1", "overflow"),
        ("-9223372036854775808 - 1", "overflow"),
        ("4611686018427387904 * 2", "overflow"),
        ("-9223372036854775808 / -1", "overflow"),
        ("-9223372036854775808 % -1", "overflow"),
        ("-(-9223372036854775808)", "overflow"),
        ("1 / (subject.member_count - 4)", "division by zero"),
        ("1 % (subject.member_count - 4)", "modulo by zero"),
        ("subject.trades[2]", "out of range"),
        ("subject.trades[-1]", "out of range"),
        ("subject.leaders['treasurer']", "no key"),
        ("int('12x')", "cannot convert"),
        ("int(1e19)", "64-bit"),
        ("double('x')", "cannot convert"),
        ("date(subject.name)", "YYYY-MM-DD"),
    ],
)
def test_runtime_errors_are_expression_errors(text, message):
    error = fails_at_run(text)
    assert message in str(error)
    assert error.column > 0


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 < 2", True),
        ("2 <= 2", True),
        ("3 > 4", False),
        ("3 >= 4", False),
        ("1 == 1.0", True),  # ints and doubles compare on the number line
        ("1 < 1.5", True),
        ("2.0 > 1", True),
        ("1 != 1.0", False),
        ("9007199254740993 == 9007199254740992.0", True),  # as two doubles, like CEL
        ("'a' < 'b'", True),
        ("'B' < 'a'", True),
        ("false < true", True),
        ("[1, 2] == [1.0, 2.0]", True),
        ("[1, 2] == [2, 1]", False),
        ("{'a': 1} == {'a': 1.0}", True),
        ("{'a': 1} == {'a': 1, 'b': 2}", False),
        ("null == null", True),
        ("subject.name == null", False),
        ("0.0 / 0.0 == 0.0 / 0.0", False),
        ("today > date('2024-06-30')", True),
        ("subject.founded_on == date('2022-01-31')", True),
        ("'rice' in subject.trades", True),
        ("'tea' in subject.trades", False),
        ("1 in [1.0, 2.0]", True),
        ("'chair' in subject.leaders", True),
        ("'m1' in subject.leaders", False),
        ("1 in {1: 'x'}", True),
    ],
)
def test_comparisons(text, value):
    assert run(text) is value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 - 4 - 3", 3),  # left-associative
        ("100 / 10 / 5", 2),
        ("-2 * 3", -6),
        ("1 + 2 == 3", True),
        ("1 < 2 == true", True),
        ("true || false && false", True),
        ("(true || false) && false", False),
        ("!true || true", True),
        ("!(true || true)", False),
        ("false ? 1 : 2 + 10", 12),
        ("true ? 1 : 2 + 10", 1),
        ("false ? 1 : true ? 2 : 3", 2),  # right-associative
        ("1 + 1 == 2 && 'a' + 'b' == 'ab' || false", True),
        ("2 in [1, 2] == true", True),
    ],
)
def test_precedence(text, value):
    assert run(text) == value


def test_conditional_then_branch_needs_parentheses():
    fails("true ? false ? 1 : 2 : 3", "HNG-R001")
    assert run("true ? (false ? 1 : 2) : 3") == 2


@pytest.mark.parametrize(
    "text",
    [
        "false && 1 / 0 == 1",
        "1 / 0 == 1 && false",
        "true && false && 1 / 0 == 1",
    ],
)
def test_and_absorbs_errors_like_cel(text):
    assert run(text) is False


def test_or_absorbs_errors_like_cel():
    assert run("true || 1 / 0 == 1") is True
    assert run("1 / 0 == 1 || true") is True
    assert "division by zero" in str(fails_at_run("1 / 0 == 1 && true"))
    assert "division by zero" in str(fails_at_run("1 / 0 == 1 || false"))


def test_missing_fact_is_absorbed_by_and():
    facts = make_facts()
    del facts["subject"]["rating"]
    assert run("subject.rating == 'good' && false", facts) is False
    error = fails_at_run("subject.rating == 'good'", facts)
    assert "'subject.rating' is missing" in str(error)
    assert not isinstance(error, KeyError)


def test_conditional_evaluates_only_its_branch():
    assert run("subject.member_count > 0 ? 1 : 1 / 0") == 1


# -- fields, indexes and functions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("subject.name", "Tổ hợp tác lúa"),
        ("subject.leaders.chair", ["m1"]),
        ("subject.leaders['deputy']", ["m2"]),
        ("members[2].id", "m3"),
        ("{'a': [1, 2]}['a'][1]", 2),
        ("size(members)", 3),
        ("members.size()", 3),
        ("size('Hà Nội')", 6),  # code points, not bytes
        ("size(subject.leaders)", 2),
        ("has(subject.rating)", True),
        ("has(subject.leaders.treasurer)", False),
        ("int(2.9)", 2),
        ("int(-2.9)", -2),
        ("int('-12')", -12),
        ("double(3)", 3.0),
        ("double('1e3')", 1000.0),
        ("string(12)", "12"),
        ("string(2.0)", "2"),
        ("string(0.5)", "0.5"),
        ("string(true)", "true"),
        ("string(today)", "2024-07-01"),
        ("subject.name.startsWith('Tổ')", True),
        ("subject.name.endsWith('lúa')", True),
        ("subject.name.contains('hợp')", True),
        ("subject.name.contains('x')", False),
    ],
)
def test_fields_indexes_and_functions(text, value):
    assert run(text) == value


def test_has_on_missing_field_is_false():
    facts = make_facts()
    del facts["subject"]["rating"]
    assert run("has(subject.rating)", facts) is False


# -- macros ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("members.all(m, m.age >= 17)", True),
        ("members.all(m, m.union_member)", False),
        ("[].all(x, x > 0)", True),
        ("members.exists(m, m.age > 60)", True),
        ("members.exists(m, m.age > 70)", False),
        ("[].exists(x, x > 0)", False),
        ("members.exists_one(m, m.age < 18)", True),
        ("members.exists_one(m, m.union_member)", False),
        ("members.filter(m, m.union_member).map(m, m.id)", ["m1", "m2"]),
        ("members.map(m, m.age)", [40, 61, 17]),
        ("[1, 2, 3].map(x, x * 2)", [2, 4, 6]),
        ("[1, 2, 3].filter(x, x % 2 == 1)", [1, 3]),
        ("subject.leaders.all(role, role.size() > 3)", True),
        ("subject.leaders.map(role, role)", ["chair", "deputy"]),
        ("members.all(m, subject.trades.exists(t, t == 'rice'))", True),
        ("[[1, 2], [3]].map(l, l.map(x, x + 1))", [[2, 3], [4]]),
    ],
)
def test_macros(text, value):
    assert run(text) == value


def test_all_and_exists_absorb_errors_as_cel_specifies():
    # A deciding element wins over another element's error, in either order.
    assert run("[0, 1].exists(x, 1 / x == 1)") is True
    assert run("[1, 0].exists(x, 1 / x == 1)") is True
    assert run("[0, 2].all(x, 4 / x == 1)") is False
    assert "division by zero" in str(fails_at_run("[0, 1].all(x, 1 / x == 1)"))
    assert "division by zero" in str(fails_at_run("[0, 1].exists_one(x, 1 / x == 1)"))
    assert "division by zero" in str(fails_at_run("[0, 1].filter(x, 1 / x == 1)"))


@pytest.mark.parametrize(
    "text",
    [
        "members.all(subject, true)",  # hides a fact
        "members.all(m, members.all(m, true))",  # hides the enclosing variable
        "members.all(m, m)",  # not a bool
        "members.map(m, m.nope)",
        "subject.name.all(c, true)",  # a string is not a list
    ],
)
def test_macro_type_errors(text):
    fails(text)


@pytest.mark.parametrize("text", ["members.all(1, true)", "members.all(m)", "all(members, m, true)"])
def test_macro_syntax_errors(text):
    fails(text, "HNG-R001")


# -- dates ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("date('2024-07-01')", dt.date(2024, 7, 1)),
        ("date('2024-07-01').year()", 2024),
        ("today.year()", 2024),
        ("months_between(date('2024-01-31'), date('2024-02-29'))", 0),
        ("months_between(date('2024-01-31'), date('2024-03-01'))", 1),
        ("months_between(date('2024-01-15'), date('2024-07-15'))", 6),
        ("months_between(date('2024-01-15'), date('2024-07-14'))", 5),
        ("months_between(date('2024-07-15'), date('2024-01-20'))", -5),
        ("months_between(subject.founded_on, today)", 29),
        ("days_between(date('2024-02-28'), date('2024-03-01'))", 2),
        ("days_between(today, date('2024-06-30'))", -1),
        ("age_on(date('1984-02-29'), date('2024-02-28'))", 39),
        ("age_on(date('1984-02-29'), date('2024-02-29'))", 40),
        ("age_on(date('1983-02-28'), date('2023-03-01'))", 40),
        ("age_on(date('1984-02-29'), date('2023-02-28'))", 38),
        ("age_on(date('1984-02-29'), date('2023-03-01'))", 39),
        ("members.all(m, age_on(m.birth_date, today) >= 17)", True),
    ],
)
def test_date_helpers(text, value):
    assert run(text) == value


@pytest.mark.parametrize("text", ["date('2024-13-01')", "date('20240701')", "date('2024-7-1')"])
def test_bad_date_literal_is_a_compile_error_at_the_literal(text):
    assert fails(text).column == 6


def test_dates_need_dates():
    fails("months_between(today, 3)")
    fails("age_on('1984-02-29', today)")
    fails("date(1)")
    fails("today + 1")


# -- type errors and unknown names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ("subject.union_member_count + 'a'", 28, "'+' does not apply to int and string"),
        ("subject.name > 1", 14, "'>' does not apply to string and int"),
        ("1 == 'a'", 3, "'==' does not apply"),
        ("!subject.name", 1, "the operand of !"),
        ("-subject.name", 1, "unary -"),
        ("subject.member_count && true", 1, "an operand of &&"),
        ("subject.name ? 1 : 2", 1, "condition of ?:"),
        ("true ? 1 : 'a'", 6, "different types"),
        ("subject.member_count.size()", 1, "receiver of size()"),
        ("size(1)", 6, "argument 1 of size()"),
        ("size()", 1, "takes 1 argument"),
        ("subject.name.startsWith(1)", 25, "argument 1 of startsWith()"),
        ("1.5 % 2.0", 5, "'%' does not apply"),
        ("1 + 1.0", 3, "'+' does not apply to int and double"),
        ("subject['name']", 8, "select its fields with '.'"),
        ("subject.trades['a']", 15, "cannot index"),
        ("1 in subject.name", 3, "'in' does not apply"),
        ("1.5 in subject.leaders", 5, "'in' does not apply"),
        ("{1.5: 'x'}", 2, "map key"),
        ("{'a': 1, 'a': 2}", 10, "duplicate map key"),
        ("{1: 'x', true: 'y'}", 1, "mix int and bool"),
        ("[1] + ['a']", 5, "'+' does not apply"),
        ("subject.name.year()", 1, "receiver of year()"),
    ],
)
def test_type_errors_have_columns(text, column, words):
    error = fails(text)
    assert words in str(error)
    assert error.column == column


def test_unknown_field_suggests_close_matches():
    error = fails("subject.union_member_count >= 1 && subject.unin_member_count >= 1")
    assert "unknown field 'unin_member_count' of subject" in str(error)
    assert "did you mean 'union_member_count'" in str(error)
    assert error.column == 44


def test_unknown_name_and_function_and_method():
    assert "did you mean 'subject'" in str(fails("subjct.name"))
    assert "did you mean 'members'" in str(fails("size(member)"))
    error = fails("sise(members)")
    assert "unknown function 'sise'" in str(error)
    assert "did you mean 'size'" in str(error)
    assert "unknown method 'lower'" in str(fails("subject.name.lower()"))
    assert "startsWith() is a method" in str(fails("startsWith(subject.name, 'a')"))


def test_params_are_typed_per_profile():
    with pytest.raises(ExpressionError, match="unknown field 'group_min_members' of params"):
        compile_expression("params.group_min_members > 1", FACTS)
    assert compile_expression("params.group_min_members > 1", SCHEMA).type == BOOL


def test_result_types():
    assert compile_expression("members.map(m, m.age)", SCHEMA).type == ListType(INT)
    assert compile_expression("subject.leaders", SCHEMA).type == MapType(STRING, ListType(STRING))
    assert compile_expression("[]", SCHEMA).type == ListType(DYN)
    assert compile_expression("[1, 'a']", SCHEMA).type == ListType(DYN)
    assert compile_expression("today", SCHEMA).type == DATE
    assert compile_expression("null", SCHEMA).type == NULL


def test_dyn_values_are_checked_when_they_run():
    assert run("[1, 'a'][0] + 1") == 2
    error = fails_at_run("[1, 'a'][1] + 1")
    assert "'+' does not apply to string and int" in str(error)
    assert run("[1, 'a'][1] == 1") is False
    assert run("[1, 'a'].exists(x, x == 'a')") is True
    assert "does not apply" in str(fails_at_run("[1, 'a'][1] < 1"))


# -- explanations and fields ----------------------------------------------------------------------------------


def test_explain_a_comparison():
    expression = compile_expression("subject.union_member_count >= params.group_min_members", SCHEMA)
    assert expression.explain(make_facts()) == (
        "subject.union_member_count (3) >= params.group_min_members (5) is false",
    )


def test_explain_lists_only_the_failing_conjuncts():
    text = "subject.kind == 'group' && subject.union_member_count >= 5 && subject.rating == 'excellent'"
    assert compile_expression(text, SCHEMA).explain(make_facts()) == (
        "subject.union_member_count (3) >= 5 is false",
        "subject.rating ('good') == 'excellent' is false",
    )


def test_explain_all_shows_the_first_failing_element():
    (reason,) = compile_expression("members.all(m, m.union_member)", SCHEMA).explain(make_facts())
    assert reason.startswith("members.all(m, m.union_member) is false: m = {id: 'm3', ")
    assert reason.endswith("...} fails m.union_member (false)")


def test_explain_other_shapes():
    facts = make_facts()

    def explain(text):
        return compile_expression(text, SCHEMA).explain(facts)

    assert explain("subject.member_count > 1") == ()
    assert explain("!(subject.member_count > 1)") == ("subject.member_count (4) > 1 is true",)
    assert explain("subject.member_count > 9 || size(members) > 9") == (
        "subject.member_count (4) > 9 is false",
        "size(members) (3) > 9 is false",
    )
    assert explain("members.exists(m, m.age > 70)") == (
        "members.exists(m, m.age > 70) is false: none of the 3 elements of members satisfies m.age > 70",
    )
    assert explain("!members.exists(m, m.age < 18)")[0].endswith("satisfies m.age < 18")
    assert explain("subject.kind == 'group' ? size(members) >= 5 : true") == (
        "subject.kind ('group') == 'group' is true",
        "size(members) (3) >= 5 is false",
    )
    assert explain("1 / (subject.member_count - 4) > 0 && true") == (
        "1 / (subject.member_count - 4) > 0 failed: division by zero",
    )
    assert explain("(subject.member_count > 9 || false) && (true && size(members) > 9)") == (
        "subject.member_count (4) > 9 is false",
        "false is false",
        "size(members) (3) > 9 is false",
    )
    assert explain("subject.kind in ['branch', 'union']") == (
        "subject.kind ('group') in ['branch', 'union'] is false",
    )
    assert explain("(subject.member_count + 1) * 2 < 3") == (
        "(subject.member_count + 1) * 2 (10) < 3 is false",
    )
    with pytest.raises(ExpressionError, match="only a bool"):
        explain("subject.member_count")


def test_fields_lists_the_fact_paths_read():
    text = (
        "size(members) >= params.group_min_members && members.all(m, m.union_member) && has(subject.rating)"
    )
    assert compile_expression(text, SCHEMA).fields() == {
        "members",
        "members[].union_member",
        "params.group_min_members",
        "subject.rating",
    }
    assert compile_expression("'m1' in subject.leaders['chair']", SCHEMA).fields() == {"subject.leaders"}


def test_expression_is_frozen():
    expression = compile_expression("1 + 1", SCHEMA)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        expression.text = "2"  # type: ignore[misc]
    assert expression.type == INT
    assert "1 + 1" in repr(expression)


# -- templates ------------------------------------------------------------------------------------------------


def test_template_formats_values():
    template = render_template(
        "cần ít nhất {params.group_min_members} hội viên; hiện có {subject.union_member_count}.", SCHEMA
    )
    assert template.format(make_facts()) == "cần ít nhất 5 hội viên; hiện có 3."
    assert template.fields() == {"params.group_min_members", "subject.union_member_count"}


def test_template_braces_and_value_rendering():
    template = render_template(
        "{{{subject.kind}}} {subject.trades} {subject.contract_signed_share} {today}", SCHEMA
    )
    assert template.format(make_facts()) == "{group} ['rice', 'fish'] 0.75 2024-07-01"
    assert render_template("{ {'a': 1}['a'] } {'}'}", SCHEMA).format(make_facts()) == "1 }"


def test_template_unknown_field_has_its_column_in_the_template():
    with pytest.raises(ExpressionError) as info:
        render_template("hiện có {subject.unin_member_count} hội viên", SCHEMA)
    assert info.value.diagnostic_code == "HNG-R002"
    assert info.value.column == len("hiện có {subject.") + 1
    assert "did you mean 'union_member_count'" in str(info.value)


@pytest.mark.parametrize(("template", "column"), [("a } b", 3), ("a { b", 3), ("a {} b", 3), ("{1 +}", 5)])
def test_template_syntax_errors(template, column):
    with pytest.raises(ExpressionError) as info:
        render_template(template, SCHEMA)
    assert info.value.diagnostic_code == "HNG-R001"
    assert info.value.column == column


def test_render_value():
    assert (
        render_value({"id": "m3", "age": 17, "ok": False, "d": None})
        == "{id: 'm3', age: 17, ok: false, d: null}"
    )
    assert render_value([1.5, "a'b"]) == "[1.5, 'a\\'b']"
    assert render_value(list(range(100)), width=10) == "[0, 1, 2, 3, ...]"
    assert render_value("x", quote=False) == "x"


# -- the type model -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, BOOL),
        (5, INT),
        (0.5, DOUBLE),
        ("x", STRING),
        (None, NULL),
        (dt.date(2024, 1, 1), DATE),
        ([1, 2], ListType(INT)),
        ((1, 2), ListType(INT)),
        ([], ListType(DYN)),
        ([1, "a"], ListType(DYN)),
        ([[1], []], ListType(ListType(DYN))),
        ({"a": 1}, MapType(STRING, INT)),
        ({}, MapType(DYN, DYN)),
    ],
)
def test_type_of_value(value, expected):
    assert type_of_value(value) == expected


@pytest.mark.parametrize("value", [dt.datetime(2024, 1, 1, tzinfo=dt.UTC), {1, 2}, {1.5: "x"}, object()])
def test_type_of_value_refuses_what_rules_cannot_hold(value):
    with pytest.raises(ExpressionError):
        type_of_value(value)


def test_facts_schema():
    assert set(FACTS.fields) == {"subject", "members", "parent", "case", "loan", "actor", "params", "today"}
    assert isinstance(FACTS.fields["params"], ObjectType)
    assert FACTS.fields["params"].fields == {}
    schema = facts_schema({"n": INT})
    assert schema.fields["params"] == ObjectType("params", {"n": INT})
    assert hash(schema) == hash(facts_schema({"n": INT}))
    with pytest.raises(TypeError):
        FACTS.fields["x"] = INT  # type: ignore[index]

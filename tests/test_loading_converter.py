"""Structuring: strict scalars, shorthands that mean the long form, every failure with its path."""

import datetime as dt

import pytest

from hoinghe.definitions import Duration, EffectRef, ParamDef, RoleRef, RulePack, StateDef, WorkflowDefinition
from hoinghe.loading._converter import converter, flatten_errors
from hoinghe.org import Text


def failures(value, cls):
    with pytest.raises(Exception) as info:  # noqa: PT011 - cattrs groups are what we flatten
        converter.structure(value, cls)
    return [(f.path, f.code, f.message.get("en")) for f in flatten_errors(info.value)]


BASE = {
    "id": "w",
    "title": {"vi": "W"},
    "subject": {"level": "group"},
    "states": ["a", "b"],
    "initial": "a",
    "final": ["b"],
    "transitions": [{"id": "t", "from": "a", "to": "b"}],
}


def test_shorthands_mean_the_long_form():
    short = converter.structure(
        {
            **BASE,
            "title": "W",
            "transitions": [
                {"id": "t", "from": "a", "to": "b", "by": "founder", "effects": ["activate_unit"]}
            ],
        },
        WorkflowDefinition,
    )
    long = converter.structure(
        {
            **BASE,
            "states": [{"id": "a"}, {"id": "b"}],
            "transitions": [
                {
                    "id": "t",
                    "from": ["a"],
                    "to": "b",
                    "by": [{"role": "founder", "at": "subject"}],
                    "effects": [{"id": "activate_unit"}],
                }
            ],
        },
        WorkflowDefinition,
    )
    assert short == long
    assert short.title == Text("W")
    assert short.states[0] == StateDef("a")
    assert short.transitions[0].by == (RoleRef("founder"),)
    assert short.transitions[0].effects == (EffectRef("activate_unit"),)


def test_unstructure_writes_yaml_names_and_round_trips():
    wf = converter.structure(BASE, WorkflowDefinition)
    raw = converter.unstructure(wf)
    assert raw["transitions"][0]["from"] == ["a"]
    assert "from_" not in raw["transitions"][0]
    assert converter.structure(raw, WorkflowDefinition) == wf


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (7, "expected text, got the number 7; if it is a name, quote it"),
        (True, "expected text, got the boolean true; if it is a name, quote it"),
        (["a"], "expected text, got a list"),
    ],
)
def test_text_is_never_made_from_other_scalars(value, message):
    assert failures({**BASE, "id": value}, WorkflowDefinition) == [(("id",), "HNG-S003", message)]


def test_a_string_is_never_iterated_into_a_list():
    assert failures({**BASE, "final": "b"}, WorkflowDefinition) == [
        (("final",), "HNG-S003", "expected a list, got the text 'b'")
    ]


def test_booleans_and_numbers_are_strict():
    t = {"id": "t", "from": "a", "to": "b", "not_by_proposer": "no", "approvals": {"by": [], "quorum": "2"}}
    found = failures({**BASE, "transitions": [t]}, WorkflowDefinition)
    assert sorted(found) == [
        (
            ("transitions", 0, "approvals", "quorum"),
            "HNG-S003",
            "expected a whole number, got the text '2'; write it without quotes",
        ),
        (
            ("transitions", 0, "not_by_proposer"),
            "HNG-S003",
            "expected true or false, got the text 'no' (yes/no/on/off are text here)",
        ),
    ]


def test_literals_suggest_the_closest_choice():
    found = failures({"id": "p", "title": "P", "params": {"x": {"value": 1, "tighten": "upp"}}}, RulePack)
    assert found == [
        (
            ("params", "x", "tighten"),
            "HNG-S004",
            "expected one of up, down, any, fixed, got the text 'upp'; did you mean 'up'?",
        )
    ]


def test_params_dates_and_durations():
    pack = converter.structure(
        {
            "id": "p",
            "title": "P",
            "effective": {"from": "2020-07-10"},
            "params": {"n": {"value": 5, "tighten": "up"}, "classes": {"value": ["a", "b"]}},
        },
        RulePack,
    )
    assert pack.effective.from_ == dt.date(2020, 7, 10)
    assert pack.params["n"] == ParamDef(5, "up")
    assert pack.params["classes"].value == ("a", "b")
    assert failures({"id": "p", "title": "P", "effective": {"from": "10/07/2020"}}, RulePack) == [
        (("effective", "from"), "HNG-S003", "expected a date written YYYY-MM-DD, got the text '10/07/2020'")
    ]
    assert converter.structure("3 months", Duration) == Duration(3, "months")


def test_missing_and_unknown_keys_together():
    found = failures({"id": "w", "titel": "W"}, WorkflowDefinition)
    codes = sorted((f[1], f[2]) for f in found)
    assert ("HNG-S001", "unknown key 'titel'; did you mean 'title'?") in codes
    assert ("HNG-S002", "required key 'title' is missing") in codes
    assert ("HNG-S002", "required key 'states' is missing") in codes

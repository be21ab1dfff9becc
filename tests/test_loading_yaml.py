"""Hostile YAML: RELIABILITY.md Y-1..Y-8."""

import json
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hoinghe.definitions import WorkflowDefinition
from hoinghe.errors import DefinitionError
from hoinghe.loading import LIMITS, MAX_DEPTH, YamlLimits, load_document, read_document
from hoinghe.loading._yaml import parse_yaml

SRC = Path(__file__).resolve().parent.parent / "src"

WORKFLOW = """\
hoinghe: 1
kind: workflow
id: tiny
title: {vi: Nhỏ, en: Tiny}
subject: {level: group, kind: professional}
states: [proposed, launched]
initial: proposed
final: [launched]
transitions:
  - id: launch
    from: proposed
    to: launched
"""


def codes(text: str | bytes) -> list[str]:
    _, diagnostics = read_document(text, file="t.yaml")
    return [d.code for d in diagnostics]


def test_a_clean_document_loads():
    doc = load_document(WORKFLOW, file="tiny.yaml")
    assert doc.kind == "workflow"
    assert doc.definition.transitions[0].from_ == ("proposed",)


# Y-1 ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "payload",
    [
        "!!python/object/apply:os.system ['touch /tmp/hoinghe-pwned']",
        "!!python/object:__main__.X {}",
        "!!python/name:os.system",
        "!!binary aGVsbG8=",
        "!custom thing",
        "!!set {a, b}",
    ],
)
def test_y1_tags_are_refused_and_nothing_executes(payload, tmp_path):
    marker = Path("/tmp/hoinghe-pwned")  # noqa: S108 - the path the payload would create
    marker.unlink(missing_ok=True)
    _, diagnostics = read_document(f"hoinghe: 1\nkind: workflow\nid: {payload}\n", file="t.yaml")
    assert [d.code for d in diagnostics] == ["HNG-Y005"]
    assert diagnostics[0].location is not None
    assert diagnostics[0].location.line == 3
    assert "not allowed" in str(diagnostics[0].message)
    assert not marker.exists()


def test_y1_no_unsafe_loader_anywhere_in_src():
    bad = re.compile(
        r"yaml\.(load|unsafe_load|full_load)\(|FullLoader|UnsafeLoader|yaml\.Loader\b|pickle\.loads?\("
    )
    for path in SRC.rglob("*.py"):
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            assert not bad.search(line), f"{path}:{number}: {line.strip()}"


# Y-2 ------------------------------------------------------------------------------------------------------------
BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8)
)


def test_y2_alias_bomb_is_refused_fast_in_a_memory_capped_process():
    script = textwrap.dedent(
        f"""
        import json, resource, time
        resource.setrlimit(resource.RLIMIT_AS, (512 * 1024 * 1024, 512 * 1024 * 1024))
        from hoinghe.loading import read_document
        t = time.perf_counter()
        doc, diags = read_document({BILLION_LAUGHS!r})
        print(json.dumps([doc is None, [d.code for d in diags], time.perf_counter() - t]))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    refused, codes, seconds = json.loads(out.stdout)
    assert refused
    assert codes == ["HNG-Y004"]
    assert seconds < 1.0


def test_y2_the_first_anchor_is_named_with_its_line():
    _, diagnostics = read_document("hoinghe: 1\nkind: rules\nid: &x p\ntitle: *x\n", file="t.yaml")
    (d,) = diagnostics
    assert d.code == "HNG-Y004"
    assert "&x" in str(d.message)
    assert d.location is not None
    assert (d.location.line, d.location.column) == (3, 5)


# Y-3 ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "[" * 5000 + "]" * 5000,
        "a:\n" + "".join(" " * i + "-\n" for i in range(1, 300)),
        "{a: " * 3000 + "1" + "}" * 3000,
    ],
    ids=["flow-lists", "block-lists", "flow-maps"],
)
def test_y3_deep_nesting_fails_located_and_fast(text):
    start = time.perf_counter()
    _, diagnostics = read_document(text, file="deep.yaml")
    assert time.perf_counter() - start < 1.0
    assert [d.code for d in diagnostics] == ["HNG-Y006"]
    assert str(MAX_DEPTH) in str(diagnostics[0].message)
    assert str(diagnostics[0]).startswith("deep.yaml:")


# Y-4 ------------------------------------------------------------------------------------------------------------
def test_y4_file_size_is_capped_and_the_message_names_the_limit():
    _, diagnostics = read_document("a: b\n" * 10, file="t.yaml", limits=YamlLimits(max_bytes=20))
    assert [d.code for d in diagnostics] == ["HNG-Y003"]
    assert "20 bytes" in str(diagnostics[0].message)


def test_y4_node_count_is_capped():
    _, diagnostics = read_document("[" + "1, " * 1000 + "1]", limits=YamlLimits(max_nodes=500))
    assert [d.code for d in diagnostics] == ["HNG-Y007"]
    assert "500" in str(diagnostics[0].message)


def test_y4_default_size_cap_on_a_real_oversized_file(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * (2 * 1024 * 1024) + "\n")
    _, diagnostics = read_document(path)
    assert [d.code for d in diagnostics] == ["HNG-Y003"]


@pytest.mark.parametrize("field", ["states", "transitions"])
def test_y4_state_and_transition_counts_are_capped(field):
    limit = LIMITS[WorkflowDefinition, field]
    items = (
        ", ".join(f"s{i}" for i in range(limit + 1))
        if field == "states"
        else ", ".join(["{id: t, from: a, to: b}"] * (limit + 1))
    )
    text = (
        WORKFLOW.replace("states: [proposed, launched]", f"states: [{items}]")
        if field == "states"
        else WORKFLOW.split("transitions:", maxsplit=1)[0] + f"transitions: [{items}]\n"
    )
    _, diagnostics = read_document(text, file="t.yaml")
    assert [d.code for d in diagnostics] == ["HNG-S007"]
    assert f"limit is {limit}" in str(diagnostics[0].message)
    assert diagnostics[0].path == f"$.{field}"


# Y-5 ------------------------------------------------------------------------------------------------------------
def test_y5_duplicate_keys_name_both_lines():
    text = WORKFLOW.replace("initial: proposed\n", "initial: proposed\nid: again\n")
    _, diagnostics = read_document(text, file="t.yaml")
    dup = [d for d in diagnostics if d.code == "HNG-Y008"]
    assert len(dup) == 1
    assert "first at line 3, again at line 8" in str(dup[0].message)
    assert dup[0].location is not None
    assert dup[0].location.line == 8


def test_y5_duplicate_keys_inside_nested_mappings():
    parsed = parse_yaml("a:\n  b: 1\n  c: 2\n  b: 3\n", "t.yaml")
    assert [str(d) for d in parsed.diagnostics] == [
        "t.yaml:4:3: HNG-Y008 duplicate key 'b': first at line 2, again at line 4; keep one"
    ]


# Y-6 ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["on", "off", "yes", "no", "y", "n", "010", "0o17", "2024-01-01", "Yes", "NO", "1e3"]
)
def test_y6_yaml11_surprises_stay_text(name):
    doc = load_document(
        WORKFLOW.replace("[proposed, launched]", f"[proposed, {name}, launched]").replace(
            "    to: launched\n", f"    to: {name}\n  - id: finish\n    from: {name}\n    to: launched\n"
        )
    )
    assert name in doc.definition.state_ids


@pytest.mark.parametrize("name", ["1.10", "1.5", "7", "true", "null", "-2.5e3"])
def test_y6_numbers_and_booleans_as_names_are_refused_with_quote_it(name):
    _, diagnostics = read_document(WORKFLOW.replace("id: tiny", f"id: {name}"), file="t.yaml")
    (d,) = diagnostics
    assert d.code == "HNG-S003"
    assert "quote it" in str(d.message)
    assert f"'{name}'" in str(d.message)
    assert d.location is not None
    assert d.location.line == 3


def test_y6_quoted_values_are_text():
    doc = load_document(WORKFLOW.replace("id: tiny", "id: '1.10'"))
    assert doc.id == "1.10"


# Y-7 ------------------------------------------------------------------------------------------------------------
def test_y7_unknown_keys_give_path_line_and_a_suggestion():
    text = WORKFLOW.replace("    to: launched\n", "    to: launched\n    documets: [x]\n")
    _, diagnostics = read_document(text, file="t.yaml")
    (d,) = diagnostics
    assert d.code == "HNG-S001"
    assert d.path == "$.transitions[0].documets"
    assert d.location is not None
    assert (d.location.line, d.location.column) == (13, 5)
    assert "did you mean 'documents'" in str(d.message)


def test_y7_every_problem_is_reported_at_once():
    text = WORKFLOW.replace("initial: proposed", "initial: [proposed]").replace(
        "final: [launched]", "final: [launched]\nstates2: 1"
    )
    text = text.replace("    to: launched\n", "    to: launched\n    not_by_proposer: yes\n")
    _, diagnostics = read_document(text, file="t.yaml")
    assert sorted(d.code for d in diagnostics) == ["HNG-S001", "HNG-S003", "HNG-S003"]
    assert all(d.location is not None for d in diagnostics)


# envelope -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "HNG-S006"),
        ("- a\n- b\n", "HNG-S006"),
        ("hoinghe: 2\nkind: workflow\n", "HNG-S005"),
        ("hoinghe: 1\nkind: flow\n", "HNG-S006"),
        ("hoinghe: 1\n---\nhoinghe: 1\n", "HNG-Y009"),
        ("a: [1, 2\n", "HNG-Y002"),
        (b"hoinghe: 1\nkind: \xff\n", "HNG-Y001"),
    ],
)
def test_envelope_and_syntax_problems(text, code):
    assert code in codes(text)


def test_load_document_raises_definition_error_with_every_diagnostic():
    with pytest.raises(DefinitionError) as info:
        load_document("hoinghe: 1\nkind: workflow\nid: x\n", file="t.yaml")
    missing = {str(d.message) for d in info.value.diagnostics}
    assert "required key 'title' is missing" in missing
    assert "required key 'states' is missing" in missing


# Y-8 ------------------------------------------------------------------------------------------------------------
@settings(max_examples=400, deadline=1000)
@given(st.binary(max_size=400))
def test_y8_arbitrary_bytes_only_give_diagnostics(data):
    document, diagnostics = read_document(data)
    assert document is not None or diagnostics


_YAMLISH = st.text(
    alphabet=st.sampled_from(list("ab:-[]{},&*!|>'\"#%@`?\n  \t0123.~\\\u00e2\ud7ff")), max_size=200
)


@settings(max_examples=600, deadline=1000)
@given(_YAMLISH)
def test_y8_yaml_like_text_only_gives_diagnostics(text):
    document, diagnostics = read_document(text)
    assert document is not None or diagnostics


@settings(max_examples=300, deadline=1000)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=6), c, max_size=4),
        max_leaves=20,
    )
)
def test_y8_any_data_under_a_valid_envelope_only_gives_diagnostics(value):
    text = "hoinghe: 1\nkind: workflow\nbody: " + json.dumps(value) + "\n"
    document, diagnostics = read_document(text)
    assert document is None
    assert diagnostics

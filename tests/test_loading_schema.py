"""The editor schema agrees with the loader: generated documents valid for one are valid for the other."""

import json
import typing
from pathlib import Path

import attrs
import jsonschema
import pytest
import yaml
from cattrs.errors import BaseValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from hoinghe.definitions import Duration, ProfileDef, RulePack, WorkflowDefinition
from hoinghe.loading import KINDS, json_schema, read_document
from hoinghe.loading._converter import InvalidValue, converter
from hoinghe.loading._yaml import parse_yaml
from hoinghe.org import Hierarchy, Level

WORKFLOWS = Path(__file__).resolve().parent.parent / "workflows"
SHIPPED_SCHEMAS = Path(__file__).resolve().parent.parent / "src" / "hoinghe" / "schema"

st.register_type_strategy(
    Duration,
    st.builds(Duration, st.integers(0, 9999), st.sampled_from(["working_days", "days", "months", "years"])),
)
# JSON has no NaN or infinity, and neither do hoinghe's documents.
_finite = st.floats(allow_nan=False, allow_infinity=False)


def validator(kind: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json_schema(kind), format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("kind", list(KINDS))
def test_schema_is_valid_draft7(kind):
    jsonschema.Draft7Validator.check_schema(json_schema(kind))


@pytest.mark.parametrize("kind", list(KINDS))
def test_shipped_schema_files_are_up_to_date(kind):
    shipped = json.loads((SHIPPED_SCHEMAS / f"{kind}.schema.json").read_text("utf-8"))
    assert shipped == json_schema(kind), "run: hoinghe schema --output src/hoinghe/schema"


SHIPPED = sorted(WORKFLOWS.rglob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_schema_validates_every_shipped_file(path):
    value = parse_yaml(path.read_bytes(), str(path)).value
    errors = sorted(validator(value["kind"]).iter_errors(value), key=str)
    assert errors == []


# Any instance the type hints allow, built field by field: once hoinghe.testing is imported (by another test
# module, or the plugin), st.from_type draws only *valid* workflow definitions and hierarchies.
_ANY_HIERARCHY = st.builds(Hierarchy, st.lists(st.from_type(Level), max_size=4).map(tuple))


def _arbitrary(cls):
    hints = typing.get_type_hints(cls)
    fields = {}
    for field in attrs.fields(cls):
        if not field.init:
            continue
        hint = hints[field.name]
        value = st.none() | _ANY_HIERARCHY if hint == Hierarchy | None else st.from_type(hint)
        fixed = field.default is attrs.NOTHING or isinstance(field.default, attrs.Factory)
        fields[field.name] = value if fixed else st.just(field.default) | value
    return st.builds(cls, **fields)


def _document(kind: str, definition) -> dict:
    return {"hoinghe": 1, "kind": kind, **converter.unstructure(definition)}


@pytest.mark.parametrize(
    ("kind", "cls"), [("workflow", WorkflowDefinition), ("rules", RulePack), ("profile", ProfileDef)]
)
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_schema_and_loader_agree_on_every_generated_definition_and_it_round_trips(kind, cls, data):
    definition = data.draw(_arbitrary(cls).filter(_finite_floats))
    document = _document(kind, definition)
    schema_ok = not list(validator(kind).iter_errors(document))
    body = json.loads(json.dumps({k: v for k, v in document.items() if k not in ("hoinghe", "kind")}))
    try:
        loaded = converter.structure(body, cls)
    except (BaseValidationError, InvalidValue):
        loaded = None
    # Generated definitions may break the caps (too many effects ...): both sides must then refuse them.
    assert schema_ok == (loaded is not None)
    if loaded is not None:
        assert loaded == definition


# hypothesis-jsonschema needs about half a second per workflow document (it merges every anyOf), so fewer examples
# here; the other direction, above, runs many more.
@pytest.mark.parametrize("kind", list(KINDS))
@settings(
    max_examples=20,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_every_document_the_schema_accepts_the_loader_structures(kind, data):
    document = data.draw(_FROM_SCHEMA[kind])
    # Written out by PyYAML's emitter (which quotes and escapes what YAML needs) and read by the real reader.
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    loaded, diagnostics = read_document(text)
    assert [str(d) for d in diagnostics] == []
    assert loaded is not None
    assert loaded.kind == kind


_FROM_SCHEMA = {kind: from_schema(json_schema(kind)) for kind in KINDS}  # building these is the slow part


def _finite_floats(definition) -> bool:
    text = json.dumps(converter.unstructure(definition), default=str)
    return "NaN" not in text and "Infinity" not in text

"""The YAML reference: every key of every document kind, from the JSON Schema ``hoinghe schema`` emits.

Types, required keys, enumerations and limits come from :func:`hoinghe.loading.json_schema`; defaults from the
attrs classes the schema is generated from; descriptions from those classes' docstrings (``Attributes:``) or,
where a docstring has none, from ``yaml_keys.yaml`` beside this file.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

import attrs
import griffe
import yaml

from _gen import source
from _gen.markdown import code, prose, table
from hoinghe.loading import FORMAT_VERSION, KINDS, json_schema
from hoinghe.loading._converter import _SHORTHANDS, yaml_name

KEYS_FILE = Path(__file__).with_name("yaml_keys.yaml")
_NOTHING: Any = attrs.NOTHING


class MissingDescription(LookupError):
    """A key has no description, or ``yaml_keys.yaml`` names what does not exist or is described already."""


def classes() -> dict[str, type]:
    """Every attrs class the documents are made of, by the name the schema's ``definitions`` use."""
    found: dict[str, type] = {}

    def visit(tp: Any) -> None:
        if attrs.has(tp) and tp.__name__ not in found:
            found[tp.__name__] = tp
            attrs.resolve_types(tp)
            for field in attrs.fields(tp):
                visit(field.type)
        for arg in typing.get_args(tp):
            visit(arg)

    for cls in KINDS.values():
        visit(cls)
    return found


def _docstring_descriptions(cls: type) -> dict[str, str]:
    """``Attributes:`` (and ``Args:``) entries of the class docstring, by name."""
    obj = source.package().modules_collection.get_member(f"{cls.__module__}.{cls.__qualname__}")
    out: dict[str, str] = {}
    for section in obj.docstring.parsed if obj.docstring is not None else []:
        if section.kind in (griffe.DocstringSectionKind.attributes, griffe.DocstringSectionKind.parameters):
            out.update((item.name, item.description) for item in section.value)
    return out


def _class_text(cls: type) -> str:
    """The prose of a class docstring (its text sections), without ``Attributes:``."""
    obj = source.package().modules_collection.get_member(f"{cls.__module__}.{cls.__qualname__}")
    if obj.docstring is None:
        return ""
    parts = [s.value for s in obj.docstring.parsed if s.kind is griffe.DocstringSectionKind.text]
    return prose(_yaml_words(cls, "\n\n".join(str(p) for p in parts)))


def _yaml_words(cls: type, text: str) -> str:
    """A docstring's words as YAML says them: it speaks Python, where the key ``from`` is the field ``from_``."""
    for field in attrs.fields(cls):
        if field.name != yaml_name(field.name):
            text = text.replace(f"``{field.name}``", f"``{yaml_name(field.name)}``")
    return text


def descriptions() -> dict[tuple[str, str], str]:
    """The description of every key ``(class name, YAML key)`` of the documents.

    Raises:
        MissingDescription: a key has no description, or ``yaml_keys.yaml`` has an entry for a class or key that
            does not exist, or for a key the class docstring already describes.
    """
    extra: dict[str, dict[str, str]] = yaml.safe_load(KEYS_FILE.read_text("utf-8")) or {}
    out: dict[tuple[str, str], str] = {}
    problems: list[str] = []
    objects = {name: cls for name, cls in classes().items() if name in _object_definitions()}
    for name, cls in objects.items():
        documented = _docstring_descriptions(cls)
        written = extra.get(name, {})
        for field in attrs.fields(cls):
            if not field.init:
                continue
            key = yaml_name(field.name)
            said = documented.get(field.name) or documented.get(key)
            if said and key in written:
                problems.append(f"{name}.{key}: the docstring describes it; remove it from {KEYS_FILE.name}")
            text = said or written.get(key)
            if not text:
                problems.append(f"{name}.{key}: no description (docstring Attributes: or {KEYS_FILE.name})")
                continue
            out[name, key] = prose(_yaml_words(cls, text[:1].upper() + text[1:]))
        known = {yaml_name(f.name) for f in attrs.fields(cls) if f.init}
        problems += [f"{name}.{key}: no such key in {KEYS_FILE.name}" for key in written if key not in known]
    problems += [f"{name}: no such class in {KEYS_FILE.name}" for name in extra if name not in objects]
    if problems:
        raise MissingDescription("\n".join(problems))
    return out


def _object_definitions() -> set[str]:
    """Names of the classes written as YAML mappings (``Duration`` is written as text, so it has no keys)."""
    names = {cls.__name__ for cls in KINDS.values()}
    for kind in KINDS:
        for name, schema in json_schema(kind)["definitions"].items():
            if _object(schema) is not None:
                names.add(name)
    return names


def _object(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The mapping form of a definition (a shorthand's ``anyOf`` holds a text form beside it)."""
    if schema.get("type") == "object" and "properties" in schema:
        return schema
    for option in schema.get("anyOf", []):
        if option.get("type") == "object" and "properties" in option:
            return dict(option)
    return None


def anchor(name: str) -> str:
    return f"type-{name.lower()}"


def describe_type(schema: dict[str, Any]) -> str:  # noqa: PLR0911 - one case per kind of schema
    """A schema's type as a reader says it: ``list of [TransitionDef](#...)``, ``one of `up`, `down` ``."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{anchor(name)})"
    if "const" in schema:
        return f"always {code(schema['const'])}"
    if "enum" in schema:
        return "one of " + ", ".join(code(v) for v in schema["enum"])
    if "anyOf" in schema:
        options = [describe_type(s) for s in schema["anyOf"] if s.get("type") != "null"]
        return " or ".join(dict.fromkeys(options))
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(describe_type({"type": k}) for k in kind)
    if kind == "array":
        limit = f" (at most {schema['maxItems']:,})" if "maxItems" in schema else ""
        return f"list of {describe_type(schema['items'])}{limit}"
    if kind == "object":
        limit = f" (at most {schema['maxProperties']:,})" if "maxProperties" in schema else ""
        return f"mapping of name to {describe_type(schema.get('additionalProperties', {}))}{limit}"
    if kind == "string":
        if schema.get("format") == "date":
            return "date (`YYYY-MM-DD`)"
        if "examples" in schema:
            return "duration (" + ", ".join(code(e) for e in schema["examples"]) + ")"
        return "text"
    return {"integer": "whole number", "number": "number", "boolean": "`true` or `false`"}.get(
        str(kind), "any"
    )


def default(field: attrs.Attribute[Any]) -> str:
    """The default of a field as YAML reads it (empty when the key is required or absent means none)."""
    value = field.default
    if value is _NOTHING:
        return ""
    if isinstance(value, attrs.Factory):  # type: ignore[arg-type]
        value = value.factory()  # type: ignore[union-attr]
    if value is None:
        return ""
    if attrs.has(type(value)):
        return "every key at its default"
    if isinstance(value, bool):
        return code(str(value).lower())
    if isinstance(value, tuple | list):
        return code("[]") if not value else code(list(value))
    if isinstance(value, dict):
        return code("{}") if not value else code(value)
    return code(value)


def _shorthand(cls: type) -> str:
    """What a bare text stands for, for classes that may be written as one (``Text``, ``StateDef`` ...)."""
    make = _SHORTHANDS.get(cls)
    if make is None:
        return ""
    made = make("x")
    field = next(f for f in attrs.fields(cls) if getattr(made, f.name) == "x")
    return f"May be written as plain text, which is its `{yaml_name(field.name)}`."


def _rows(cls: type, schema: dict[str, Any], said: dict[tuple[str, str], str]) -> list[tuple[str, ...]]:
    fields = {yaml_name(f.name): f for f in attrs.fields(cls) if f.init}
    required = set(schema.get("required", []))
    rows: list[tuple[str, ...]] = []
    for key, prop in schema["properties"].items():
        is_required = "yes" if key in required else "no"
        if key == "hoinghe":
            rows.append(
                (code(key), describe_type(prop), is_required, "", f"The format version: {FORMAT_VERSION}.")
            )
        elif key == "kind":
            rows.append((code(key), describe_type(prop), is_required, "", "The document's kind."))
        else:
            rows.append(
                (code(key), describe_type(prop), is_required, default(fields[key]), said[cls.__name__, key])
            )
    return rows


def _refs(schema: Any) -> list[str]:
    """The definitions a schema names, in the order it names them."""
    if isinstance(schema, dict):
        here = [schema["$ref"].rsplit("/", 1)[-1]] if "$ref" in schema else []
        return here + [name for value in schema.values() for name in _refs(value)]
    if isinstance(schema, list):
        return [name for value in schema for name in _refs(value)]
    return []


def _depth_first(schema: dict[str, Any]) -> list[str]:
    """The definitions of a document's schema, each followed by those it names first."""
    order: list[str] = []

    def visit(names: list[str]) -> None:
        for name in names:
            if name not in order:
                order.append(name)
                visit(_refs(schema["definitions"][name]))

    visit(_refs(schema["properties"]))
    return order


def page() -> str:
    """The YAML reference page."""
    said = descriptions()
    by_name = classes()
    lines = [
        "# YAML reference",
        "",
        (
            "hoinghe reads four kinds of YAML document: profiles, workflows, rule packs and plans. Each starts with "
            f"`hoinghe: {FORMAT_VERSION}` and `kind:`; `hoinghe check` reports any other key, a wrong type or a "
            "missing required key with its `file:line:column`. This page is generated from the JSON Schema that "
            "`hoinghe schema` writes (the same schema an editor reads for completion), so it lists exactly what "
            "the loader accepts; what needs more than one document (an unknown state, role or rule) is checked by "
            "`hoinghe check` and listed in the [errors reference](errors.md)."
        ),
        "",
        (
            "Keys marked *no* under *required* may be left out; an empty *default* then means *none*. "
            "A type written *[Name](#)* is a mapping whose keys are listed under that name."
        ),
        "",
    ]
    shown: set[str] = set()
    for kind, cls in KINDS.items():
        schema = json_schema(kind)
        lines += [f"## `kind: {kind}` {{ #kind-{kind} }}", "", _class_text(cls), ""]
        lines += [f"Schema: `{schema['$id']}` (or `hoinghe schema {kind}`).", ""]
        lines += table(("key", "type", "required", "default", "description"), _rows(cls, schema, said))
        lines.append("")
        for name in _depth_first(schema):
            body = _object(schema["definitions"][name])
            if name in shown or body is None:
                continue
            shown.add(name)
            text = " ".join(part for part in (_class_text(by_name[name]), _shorthand(by_name[name])) if part)
            lines += [f"### {name} {{ #{anchor(name)} }}", "", text, ""]
            lines += table(
                ("key", "type", "required", "default", "description"), _rows(by_name[name], body, said)
            )
            lines.append("")
    return "\n".join(lines) + "\n"


def schema_keys() -> set[tuple[str, str]]:
    """Every ``(kind or class name, key)`` the schema has, for the test that the page lists them all."""
    out: set[tuple[str, str]] = set()
    for kind in KINDS:
        schema = json_schema(kind)
        out.update((kind, key) for key in schema["properties"])
        for name, definition in schema["definitions"].items():
            body = _object(definition)
            if body is not None:
                out.update((name, key) for key in body["properties"])
    return out

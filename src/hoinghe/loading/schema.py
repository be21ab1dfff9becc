"""JSON Schema (draft-07) for each document kind, generated from the definitions themselves so it cannot drift.

Editors use it for completion and inline errors (``# yaml-language-server: $schema=...``).  The schema describes
structure (keys, types, shorthands); what needs more than one document (unknown states, roles, rules) is left to
``hoinghe check``.  A property test shows the schema and the loader accept the same documents.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Any, Literal, get_args, get_origin

import attrs

from hoinghe.definitions.rulepack import ParamValue
from hoinghe.definitions.workflow import Duration
from hoinghe.i18n import Text
from hoinghe.loading._converter import _SHORTHANDS, LIMITS, ONE_OR_MANY, yaml_name
from hoinghe.loading.documents import FORMAT_VERSION, KINDS

__all__ = ["SCHEMA_URL", "json_schema"]

SCHEMA_URL = "https://hoinghe.readthedocs.io/schema/{kind}.json"
_DURATION_PATTERN = r"^\s*(\d{1,4})\s+(working_days|days|months|years)\s*$"
_DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


class _Builder:
    def __init__(self) -> None:
        self.definitions: dict[str, Any] = {}

    def type_schema(self, tp: Any) -> dict[str, Any]:  # noqa: PLR0911 - one case per kind of type
        if tp is str:
            return {"type": "string"}
        if tp is bool:
            return {"type": "boolean"}
        if tp is int:
            return {"type": "integer"}
        if tp is float:
            return {"type": "number"}
        if tp is dt.date:
            return {"type": "string", "format": "date", "pattern": _DATE_PATTERN}
        if tp is Duration:
            return {
                "type": "string",
                "pattern": _DURATION_PATTERN,
                "examples": ["15 working_days", "6 months"],
            }
        if tp == ParamValue:
            return {
                "anyOf": [
                    {"type": ["integer", "number", "boolean", "string"]},
                    {"type": "array", "items": {"type": "string"}},
                ]
            }
        origin = get_origin(tp)
        if origin is Literal:
            return {"enum": list(get_args(tp))}
        if origin is tuple:
            return {"type": "array", "items": self.type_schema(get_args(tp)[0])}
        if origin is dict:
            return {"type": "object", "additionalProperties": self.type_schema(get_args(tp)[1])}
        if origin in (typing.Union, types.UnionType):
            options = [self.type_schema(a) for a in get_args(tp)]
            return {"anyOf": options}
        if tp is type(None):
            return {"type": "null"}
        if attrs.has(tp):
            return self.ref(tp)
        msg = Text(f"không có JSON Schema cho {tp!r}", f"no JSON Schema for {tp!r}")
        raise TypeError(msg)

    def ref(self, cls: type) -> dict[str, Any]:
        name = cls.__name__
        if name not in self.definitions:
            self.definitions[name] = {}  # placeholder against recursion
            self.definitions[name] = self.object_schema(cls)
        return {"$ref": f"#/definitions/{name}"}

    def object_schema(self, cls: type) -> dict[str, Any]:
        attrs.resolve_types(cls)
        properties: dict[str, Any] = {}
        required: list[str] = []
        for a in attrs.fields(cls):
            if not a.init:
                continue
            key = yaml_name(a.name)
            schema = self.type_schema(a.type)
            if (cls, a.name) in ONE_OR_MANY:
                schema = {"anyOf": [schema["items"], schema]}
            limit = LIMITS.get((cls, a.name))
            if limit is not None:
                schema = _capped(schema, limit)
            if a.default is attrs.NOTHING:
                required.append(key)
            properties[key] = schema
        doc = (cls.__doc__ or "").strip().splitlines()
        out: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
        if doc:
            out["description"] = doc[0]
        if required:
            out["required"] = required
        if cls in _SHORTHANDS:
            return {"anyOf": [{"type": "string"}, out], "description": out.get("description", "")}
        return out


def _capped(schema: dict[str, Any], limit: int) -> dict[str, Any]:
    """``schema`` with at most ``limit`` items (a list) or entries (a mapping), also inside a one-or-many."""
    if "anyOf" in schema:
        return {**schema, "anyOf": [_capped(s, limit) for s in schema["anyOf"]]}
    if schema.get("type") == "array":
        return {**schema, "maxItems": limit}
    if schema.get("type") == "object":
        return {**schema, "maxProperties": limit}
    return schema


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft-07) of one document kind: ``profile``, ``workflow`` or ``rules``."""
    if kind not in KINDS:
        kinds = ", ".join(KINDS)
        msg = Text(
            f"không có loại tài liệu {kind!r}; các loại là {kinds}",
            f"no document kind {kind!r}; kinds are {kinds}",
        )
        raise ValueError(msg)
    builder = _Builder()
    body = builder.object_schema(KINDS[kind])
    body["properties"] = {
        "hoinghe": {"const": FORMAT_VERSION, "description": "format version of hoinghe documents"},
        "kind": {"const": kind},
        **body["properties"],
    }
    body["required"] = ["hoinghe", "kind", *body.get("required", [])]
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_URL.format(kind=kind),
        "title": f"hoinghe {kind} document",
        **body,
        "definitions": builder.definitions,
    }

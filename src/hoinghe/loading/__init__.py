"""Loading definitions from YAML: safe parsing, located diagnostics, structuring, checks, the editor schema."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from hoinghe.definitions.plan import PlanDef
from hoinghe.definitions.profile import Profile
from hoinghe.errors import Diagnostic
from hoinghe.loading._converter import LIMITS
from hoinghe.loading._yaml import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, SourceMap, YamlLimits
from hoinghe.loading.documents import FORMAT_VERSION, KINDS, Document, load_document, read_document
from hoinghe.loading.library import Library, definition_hash, shipped_path
from hoinghe.loading.schema import json_schema

__all__ = [
    "FORMAT_VERSION",
    "KINDS",
    "LIMITS",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "Document",
    "Library",
    "SourceMap",
    "YamlLimits",
    "check_paths",
    "definition_hash",
    "json_schema",
    "load_document",
    "load_plan",
    "load_profile",
    "read_document",
    "shipped_path",
]


def check_paths(*paths: str | Path, shipped: bool = False) -> list[Diagnostic]:
    """Every problem in the YAML files under ``paths``, located and coded (empty when clean)."""
    return Library.from_paths(*paths, shipped=shipped).check()


def load_profile(profile_id: str, paths: Iterable[str | Path] = ()) -> Profile:
    """The resolved profile ``profile_id`` from the shipped documents and those under ``paths``.

    Raises:
        NotFound: no profile has that id.
        DefinitionError: the profile, or a workflow or rule pack it uses, has errors (all of them listed).
    """
    return Library.from_paths(*paths, shipped=True).profile(profile_id)


def load_plan(plan_id: str, paths: Iterable[str | Path] = ()) -> PlanDef:
    """The rollout plan ``plan_id`` from the shipped documents and those under ``paths``.

    Raises:
        NotFound: no plan has that id.
        DefinitionError: the plan has errors.
    """
    return Library.from_paths(*paths, shipped=True).plan(plan_id)

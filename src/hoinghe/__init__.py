"""hoinghe: durable, rule-checked workflows for professional farmer branches and groups.

The public API is re-exported here, lazily (so the ``hoinghe`` command starts fast); everything else is an
implementation detail.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hoinghe.definitions import (
        ApprovalDef,
        Citation,
        Duration,
        EffectRef,
        ParamDef,
        Profile,
        ProfileDef,
        RoleRef,
        RuleDef,
        RulePack,
        StateDef,
        SubjectSpec,
        TimerDef,
        TransitionDef,
        WorkflowDefinition,
    )
    from hoinghe.errors import (
        DefinitionError,
        Diagnostic,
        ExpressionError,
        HoingheError,
        NotFound,
        Severity,
        SourceLocation,
    )
    from hoinghe.loading import Library, check_paths, json_schema, load_document, load_profile
    from hoinghe.org import Hierarchy, Level, Text

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "ApprovalDef": "hoinghe.definitions",
    "Citation": "hoinghe.definitions",
    "DefinitionError": "hoinghe.errors",
    "Diagnostic": "hoinghe.errors",
    "Duration": "hoinghe.definitions",
    "EffectRef": "hoinghe.definitions",
    "ExpressionError": "hoinghe.errors",
    "Hierarchy": "hoinghe.org",
    "HoingheError": "hoinghe.errors",
    "Level": "hoinghe.org",
    "Library": "hoinghe.loading",
    "NotFound": "hoinghe.errors",
    "ParamDef": "hoinghe.definitions",
    "Profile": "hoinghe.definitions",
    "ProfileDef": "hoinghe.definitions",
    "RoleRef": "hoinghe.definitions",
    "RuleDef": "hoinghe.definitions",
    "RulePack": "hoinghe.definitions",
    "Severity": "hoinghe.errors",
    "SourceLocation": "hoinghe.errors",
    "StateDef": "hoinghe.definitions",
    "SubjectSpec": "hoinghe.definitions",
    "Text": "hoinghe.org",
    "TimerDef": "hoinghe.definitions",
    "TransitionDef": "hoinghe.definitions",
    "WorkflowDefinition": "hoinghe.definitions",
    "check_paths": "hoinghe.loading",
    "json_schema": "hoinghe.loading",
    "load_document": "hoinghe.loading",
    "load_profile": "hoinghe.loading",
}

__all__ = [
    "ApprovalDef",
    "Citation",
    "DefinitionError",
    "Diagnostic",
    "Duration",
    "EffectRef",
    "ExpressionError",
    "Hierarchy",
    "HoingheError",
    "Level",
    "Library",
    "NotFound",
    "ParamDef",
    "Profile",
    "ProfileDef",
    "RoleRef",
    "RuleDef",
    "RulePack",
    "Severity",
    "SourceLocation",
    "StateDef",
    "SubjectSpec",
    "Text",
    "TimerDef",
    "TransitionDef",
    "WorkflowDefinition",
    "__version__",
    "check_paths",
    "json_schema",
    "load_document",
    "load_profile",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        msg = f"module 'hoinghe' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

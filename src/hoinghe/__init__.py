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
    from hoinghe.engine import (
        Blocker,
        Calendar,
        Clock,
        EffectContext,
        EffectError,
        Engine,
        FixedClock,
        ManualClock,
        Option,
        Refused,
        ReplayReport,
        SequentialIds,
        SystemClock,
        TickReport,
        Verdict,
        VietnamCalendar,
        WeekdayCalendar,
        replay,
    )
    from hoinghe.errors import (
        ConflictError,
        DefinitionError,
        Diagnostic,
        ExpressionError,
        HoingheError,
        IdempotencyError,
        MigrationError,
        NotFound,
        Severity,
        SourceLocation,
        StorageError,
    )
    from hoinghe.hooks import (
        Listener,
    )
    from hoinghe.loading import (
        Library,
        check_paths,
        json_schema,
        load_document,
        load_profile,
    )
    from hoinghe.org import (
        Actor,
        Hierarchy,
        Level,
        Member,
        Org,
        RoleGrant,
        Text,
        Unit,
    )
    from hoinghe.records import (
        Case,
        Document,
        Event,
    )
    from hoinghe.storage import (
        MemoryStore,
        SqlStore,
        Store,
        open_store,
    )

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "Actor": "hoinghe.org",
    "ApprovalDef": "hoinghe.definitions",
    "Blocker": "hoinghe.engine",
    "Calendar": "hoinghe.engine",
    "Case": "hoinghe.records",
    "Citation": "hoinghe.definitions",
    "Clock": "hoinghe.engine",
    "ConflictError": "hoinghe.errors",
    "DefinitionError": "hoinghe.errors",
    "Diagnostic": "hoinghe.errors",
    "Document": "hoinghe.records",
    "Duration": "hoinghe.definitions",
    "EffectContext": "hoinghe.engine",
    "EffectError": "hoinghe.engine",
    "EffectRef": "hoinghe.definitions",
    "Engine": "hoinghe.engine",
    "Event": "hoinghe.records",
    "ExpressionError": "hoinghe.errors",
    "FixedClock": "hoinghe.engine",
    "Hierarchy": "hoinghe.org",
    "HoingheError": "hoinghe.errors",
    "IdempotencyError": "hoinghe.errors",
    "Level": "hoinghe.org",
    "Library": "hoinghe.loading",
    "Listener": "hoinghe.hooks",
    "ManualClock": "hoinghe.engine",
    "Member": "hoinghe.org",
    "MemoryStore": "hoinghe.storage",
    "MigrationError": "hoinghe.errors",
    "NotFound": "hoinghe.errors",
    "Option": "hoinghe.engine",
    "Org": "hoinghe.org",
    "ParamDef": "hoinghe.definitions",
    "Profile": "hoinghe.definitions",
    "ProfileDef": "hoinghe.definitions",
    "Refused": "hoinghe.engine",
    "ReplayReport": "hoinghe.engine",
    "RoleGrant": "hoinghe.org",
    "RoleRef": "hoinghe.definitions",
    "RuleDef": "hoinghe.definitions",
    "RulePack": "hoinghe.definitions",
    "SequentialIds": "hoinghe.engine",
    "Severity": "hoinghe.errors",
    "SourceLocation": "hoinghe.errors",
    "StateDef": "hoinghe.definitions",
    "StorageError": "hoinghe.errors",
    "SqlStore": "hoinghe.storage",
    "Store": "hoinghe.storage",
    "SubjectSpec": "hoinghe.definitions",
    "SystemClock": "hoinghe.engine",
    "Text": "hoinghe.org",
    "TickReport": "hoinghe.engine",
    "TimerDef": "hoinghe.definitions",
    "TransitionDef": "hoinghe.definitions",
    "Unit": "hoinghe.org",
    "Verdict": "hoinghe.engine",
    "VietnamCalendar": "hoinghe.engine",
    "WeekdayCalendar": "hoinghe.engine",
    "WorkflowDefinition": "hoinghe.definitions",
    "check_paths": "hoinghe.loading",
    "json_schema": "hoinghe.loading",
    "load_document": "hoinghe.loading",
    "load_profile": "hoinghe.loading",
    "open_store": "hoinghe.storage",
    "replay": "hoinghe.engine",
}

__all__ = [
    "Actor",
    "ApprovalDef",
    "Blocker",
    "Calendar",
    "Case",
    "Citation",
    "Clock",
    "ConflictError",
    "DefinitionError",
    "Diagnostic",
    "Document",
    "Duration",
    "EffectContext",
    "EffectError",
    "EffectRef",
    "Engine",
    "Event",
    "ExpressionError",
    "FixedClock",
    "Hierarchy",
    "HoingheError",
    "IdempotencyError",
    "Level",
    "Library",
    "Listener",
    "ManualClock",
    "Member",
    "MemoryStore",
    "MigrationError",
    "NotFound",
    "Option",
    "Org",
    "ParamDef",
    "Profile",
    "ProfileDef",
    "Refused",
    "ReplayReport",
    "RoleGrant",
    "RoleRef",
    "RuleDef",
    "RulePack",
    "SequentialIds",
    "Severity",
    "SourceLocation",
    "SqlStore",
    "StateDef",
    "StorageError",
    "Store",
    "SubjectSpec",
    "SystemClock",
    "Text",
    "TickReport",
    "TimerDef",
    "TransitionDef",
    "Unit",
    "Verdict",
    "VietnamCalendar",
    "WeekdayCalendar",
    "WorkflowDefinition",
    "__version__",
    "check_paths",
    "json_schema",
    "load_document",
    "load_profile",
    "open_store",
    "replay",
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

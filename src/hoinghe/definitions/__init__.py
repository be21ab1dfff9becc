"""Frozen definitions: profiles, workflows and rule packs, and the static checks run on them."""

from hoinghe.definitions.effects import BUILTIN_EFFECTS
from hoinghe.definitions.graph import Vocabulary, check_workflow, reachable_states
from hoinghe.definitions.plan import PlanDef, TargetDef
from hoinghe.definitions.profile import DocumentDef, Profile, ProfileDef, RoleDef
from hoinghe.definitions.rulepack import (
    AppliesTo,
    Citation,
    Confidence,
    Effective,
    ParamDef,
    ParamValue,
    RuleDef,
    RulePack,
    Tighten,
)
from hoinghe.definitions.workflow import (
    RELATIVE_UNITS,
    ApprovalDef,
    ChecksDef,
    Duration,
    EffectRef,
    NotifyDef,
    RoleRef,
    ScheduleDef,
    StateDef,
    SubjectSpec,
    TimerDef,
    TransitionDef,
    WorkflowDefinition,
)

__all__ = [
    "BUILTIN_EFFECTS",
    "RELATIVE_UNITS",
    "AppliesTo",
    "ApprovalDef",
    "ChecksDef",
    "Citation",
    "Confidence",
    "DocumentDef",
    "Duration",
    "EffectRef",
    "Effective",
    "NotifyDef",
    "ParamDef",
    "ParamValue",
    "PlanDef",
    "Profile",
    "ProfileDef",
    "RoleDef",
    "RoleRef",
    "RuleDef",
    "RulePack",
    "ScheduleDef",
    "StateDef",
    "SubjectSpec",
    "TargetDef",
    "Tighten",
    "TimerDef",
    "TransitionDef",
    "Vocabulary",
    "WorkflowDefinition",
    "check_workflow",
    "reachable_states",
]

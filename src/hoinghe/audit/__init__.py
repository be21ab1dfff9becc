"""Compliance audits of existing units against the rules in force, and what-if comparisons with a draft pack.

>>> import datetime as dt
>>> from hoinghe.sim import Scenario, simulate
>>> rollout = simulate(Scenario(synthetic=(1, 1, 2), until=dt.date(2021, 12, 31)), seed=2)
>>> found = audit(rollout.store, rollout.world.profile, on=dt.date(2022, 1, 1))
>>> found.checked == len(found.compliant_units) + len(found.non_compliant_units)
True
"""

from hoinghe.audit.check import CONSOLIDATION_WORKFLOW, Consolidation, audit, open_consolidation
from hoinghe.audit.drafts import DraftStack, draft_stack, load_draft
from hoinghe.audit.model import Audit, AuditError, Difference, Finding, Place, WhatIf
from hoinghe.audit.standing import AUDITOR, STANDING_TRANSITION, founding_workflows
from hoinghe.audit.whatif import compare

__all__ = [
    "AUDITOR",
    "CONSOLIDATION_WORKFLOW",
    "STANDING_TRANSITION",
    "Audit",
    "AuditError",
    "Consolidation",
    "Difference",
    "DraftStack",
    "Finding",
    "Place",
    "WhatIf",
    "audit",
    "compare",
    "draft_stack",
    "founding_workflows",
    "load_draft",
    "open_consolidation",
]

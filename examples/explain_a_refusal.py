"""Check a proposed professional group against the rules in force, and read why it is refused.

Run: python examples/explain_a_refusal.py
"""

from __future__ import annotations

import datetime as dt

from hoinghe import load_profile
from hoinghe.rules.ruleset import RuleSet

TODAY = dt.date(2026, 3, 2)


def member(i: int, *, union_member: bool = True) -> dict[str, object]:
    return {
        "id": f"m{i}",
        "name": f"Hội viên {i}",
        "age": 45,
        "birth_date": dt.date(1981, 5, 1),
        "commune": "Xã Yên Sơn",
        "trades": ["cam sành"],
        "union_member": union_member,
        "in_units": [],
        "professional_units": 0,
        "borrower": False,
    }


members = [member(i) for i in range(3)] + [member(3, union_member=False)]
facts = {
    "subject": {
        "id": "g-cam-1",
        "level": "group",
        "kind": "professional",
        "status": "proposed",
        "trade": "cam sành",
        "name": "Tổ hội trồng cam sành thôn 3",
        "member_count": len(members),
        "union_member_count": sum(1 for m in members if m["union_member"]),
        "min_age": 45,
        "max_age": 45,
        "trades": ["cam sành"],
        "communes": ["Xã Yên Sơn"],
        "leaders": {"group_leader": "m0", "deputy_leader": "m1"},
        "leader_count": 1,
        "deputy_count": 1,
        "documents": [
            "request_to_found",
            "member_list",
            "voluntary_applications",
            "founding_minutes",
            "operating_rules",
        ],
        "months_active": 0,
        "founded_on": TODAY,
        "rating": "",
        "contract_signed_share": 0.0,
        "meetings_last_year": 0,
    },
    "members": members,
    "parent": {"id": "c-yen-son", "level": "commune", "kind": "", "name": "Hội Nông dân xã Yên Sơn"},
    "case": {
        "id": "case-1",
        "workflow": "found-professional-group",
        "state": "founding_meeting_held",
        "opened_on": dt.date(2026, 1, 12),
        "approvals": [],
        "days_in_state": 3,
        "proposer": "founder-1",
    },
    "actor": {"id": "founder-1", "roles": ["founding_committee"]},
    "today": TODAY,
}

profile = load_profile("vn-2025")
rules = RuleSet.build(profile.rule_packs, on=TODAY)
workflow = profile.workflow("found-professional-group")
submit = workflow.transition("submit_dossier")
chosen = rules.select(
    submit.rules, level="group", kind="professional", workflow=workflow.id, transition=submit.id
)
failures = rules.check(chosen, facts)

for failure in failures:
    print(failure.describe("vi"))
    print("   ", failure.describe("en"))
    for line in failure.explanation:
        print("    because", line)

refused = {f.rule_id for f in failures if f.blocks}
assert {"MEM-02", "MEM-08"} <= refused, refused

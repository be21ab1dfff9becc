"""A province runs its own founding workflow and a tighter group minimum, on top of the shipped vn-2025 profile.

The province writes three YAML files: a profile extending ``vn-2025`` with its rule pack, the pack (a group needs
at least 7 members instead of 5), and its own ``found-professional-group`` (no survey or outreach step; the dossier
must include a production and business plan).  The engine then refuses a group of 6 and founds one of 7.

Run: python examples/province_workflow.py
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import hoinghe as hn
from hoinghe import Actor, Engine, ManualClock, Member, Refused, RoleGrant, SequentialIds, Unit
from hoinghe.storage import MemoryStore

PROFILE = """\
hoinghe: 1
kind: profile
id: my-province
title: {vi: Hội Nông dân tỉnh mẫu, en: Example province}
extends: vn-2025
rules: [my-province-2026]
"""
PACK = """\
hoinghe: 1
kind: rules
id: my-province-2026
title: {vi: Hướng dẫn của tỉnh (2026), en: Provincial guidance (2026)}
params:
  group_min_members: {value: 7}  # tightens the central minimum of 5 (MEM-02 reads it)
"""
WORKFLOW = """\
hoinghe: 1
kind: workflow
id: found-professional-group
title: {vi: Thành lập tổ hội nghề nghiệp (quy trình của tỉnh), en: Found a professional group (province)}
subject: {level: group, kind: professional, new: true}
states: [proposed, applications_collected, dossier_submitted, approved, rejected]
initial: proposed
final: [approved, rejected]
transitions:
  - {id: collect_applications, from: proposed, to: applications_collected,
     by: {role: union_officer, at: commune}, documents: [voluntary_applications, member_list],
     rules: [MEM-02, MEM-05, MEM-08]}
  - {id: submit_dossier, from: applications_collected, to: dossier_submitted,
     by: {role: union_officer, at: commune},
     documents: [request_to_found, founding_minutes, operating_rules, business_plan], rules: [MEM-02, LEAD-02]}
  - {id: approve, from: dossier_submitted, to: approved, not_by_proposer: true,
     by: {role: standing_committee, at: lowest_common_parent}, documents: [founding_decision, leader_decision],
     rules: [MEM-02], effects: [activate_unit, appoint_leaders]}
  - {id: reject, from: dossier_submitted, to: rejected, by: {role: standing_committee, at: lowest_common_parent}}
"""

with tempfile.TemporaryDirectory() as folder:
    files = {"my-province.yaml": PROFILE, "pack.yaml": PACK, "found-group.yaml": WORKFLOW}
    for name, text in files.items():
        Path(folder, name).write_text(text, "utf-8")
    # The province's found-professional-group replaces the shipped workflow of the same id.
    library = hn.Library.from_paths(folder, shipped=True)
    assert library.check() == [], library.check()
    profile = library.profile("my-province")
    assert "survey" not in {t.id for t in profile.workflow("found-professional-group").transitions}

members = [
    Member(f"m{i}", f"Hội viên {i}", dt.date(1980, 1, 1), "c-1", dt.date(2015, 1, 1), ("bưởi",))
    for i in range(1, 8)
]
store = MemoryStore()
store.put_org(
    units=[
        Unit("central", "central", "Trung ương Hội Nông dân Việt Nam", None),
        Unit("p-1", "province", "Hội Nông dân tỉnh mẫu", "central"),
        Unit("c-1", "commune", "Hội Nông dân xã mẫu", "p-1"),
    ],
    members=members,
    actors=[
        Actor("officer", "Cán bộ Hội xã", (RoleGrant("union_officer", "c-1"),)),
        Actor("btv", "Ban Thường vụ Hội Nông dân xã", (RoleGrant("standing_committee", "c-1"),)),
    ],
)
clock = ManualClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
engine = Engine(profile, store, clock=clock, ids=SequentialIds(), listeners_in_background=False)


def docs(*kinds: str) -> dict[str, str]:
    return {k: f"file:///ho-so/{k}.pdf" for k in kinds}


group = Unit("g-buoi", "group", "Tổ hội trồng bưởi", "c-1", kind="professional", trade="bưởi")
case = engine.open("found-professional-group", group, "officer")
first = [o.transition for o in engine.available(case.id, "officer")]
print("First steps (no survey in this province):", first)
forms = docs("voluntary_applications", "member_list")
six, seven = [m.id for m in members[:6]], [m.id for m in members]
try:
    engine.fire(case.id, "collect_applications", "officer", documents=forms, data={"members": six})
except Refused as refused:
    too_few = refused.blockers
    print(f"Six members:\n  {too_few[0].describe('vi')}\n  {too_few[0].describe('en')}")
else:
    raise AssertionError("the province's minimum of 7 let a group of 6 through")
case = engine.fire(case.id, "collect_applications", "officer", documents=forms, data={"members": seven})
print("Seven members:", case.state)

leaders = {"leaders": {"group_leader": "m1", "group_deputy": "m2"}}
dossier = docs("request_to_found", "founding_minutes", "operating_rules")
missing = engine.check(case.id, "submit_dossier", "officer", documents=dossier, data=leaders)
print("Without a business plan:", missing.describe("en"))
dossier |= docs("business_plan")
engine.fire(case.id, "submit_dossier", "officer", documents=dossier, data=leaders)
case = engine.fire(case.id, "approve", "btv", documents=docs("founding_decision", "leader_decision"))
unit = store.unit("g-buoi")
print(f"{case.state}: {unit.name} is {unit.status} with {len(unit.members)} members, leaders {unit.leaders}")

assert [r.rule_id for r in too_few] == ["MEM-02"]
assert too_few[0].message.get("en") == "A professional group needs at least 7 members; it has 6."
assert first == ["collect_applications"]
steps = ["collect_applications", "submit_dossier", "approve"]  # the province's steps, nothing else
assert [e.transition for e in engine.history(case.id)][1:] == steps
assert [b.required for b in missing.blockers] == [("business_plan",)]
assert unit.status == "active"
assert unit.members == tuple(seven)

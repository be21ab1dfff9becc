"""Ask the engine why a founding step is refused: each blocker in Vietnamese and English, with its citation.

A member list of 4 is refused by MEM-02 (a professional group needs at least 5 members); ``engine.check`` lists
every blocker of a step at once (missing documents, MEM-02, someone who is not a union member); and an officer of
another commune is told which role, at which unit, the step takes.

Run: python examples/explain_a_refusal.py
"""

from __future__ import annotations

import datetime as dt

from hoinghe import (
    Actor,
    Blocker,
    Engine,
    ManualClock,
    Member,
    Refused,
    RoleGrant,
    SequentialIds,
    Unit,
    load_profile,
)
from hoinghe.storage import MemoryStore

TRADE = "cam sành"


def farmer(member_id: str, *, union_member: bool = True) -> Member:
    joined = dt.date(2015, 3, 1) if union_member else None
    return Member(member_id, f"Nông dân {member_id}", dt.date(1980, 1, 1), "c-ys", joined, (TRADE,))


store = MemoryStore()
store.put_org(
    units=[
        Unit("central", "central", "Trung ương Hội Nông dân Việt Nam", None),
        Unit("p-tq", "province", "Hội Nông dân tỉnh Tuyên Quang", "central"),
        Unit("c-ys", "commune", "Hội Nông dân xã Yên Sơn", "p-tq"),
        Unit("c-hy", "commune", "Hội Nông dân xã Hàm Yên", "p-tq"),
    ],
    members=[*(farmer(f"m{i}") for i in range(1, 6)), farmer("x1", union_member=False)],
    actors=[
        Actor("officer", "Cán bộ Hội xã Yên Sơn", (RoleGrant("union_officer", "c-ys"),)),
        Actor("officer-hy", "Cán bộ Hội xã Hàm Yên", (RoleGrant("union_officer", "c-hy"),)),
    ],
)
engine = Engine(
    load_profile("vn-2025"),
    store,
    clock=ManualClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)),
    ids=SequentialIds(),
    listeners_in_background=False,
)
DOSSIER = {"voluntary_applications": "file:///ho-so/don.pdf", "member_list": "file:///ho-so/danh-sach.pdf"}


def show(blockers: tuple[Blocker, ...]) -> None:
    for blocker in blockers:
        print(" ", blocker.describe("vi"))
        print(" ", blocker.describe("en"))
        for line in blocker.explanation:
            print("    because", line)
        if blocker.kind == "permission":
            print("    any one of:", ", ".join(blocker.required))


group = Unit("g-cam", "group", "Tổ hội trồng cam sành thôn 3", "c-ys", kind="professional", trade=TRADE)
case = engine.open("found-professional-group", group, "officer")
engine.fire(case.id, "survey", "officer", documents={"survey_report": "file:///ho-so/khao-sat.pdf"})
engine.fire(case.id, "start_outreach", "officer")

print("1. Four members hand in their applications:")
try:
    four = {"members": ["m1", "m2", "m3", "m4"]}
    engine.fire(case.id, "collect_applications", "officer", documents=DOSSIER, data=four)
except Refused as refused:
    small = refused.blockers
    show(small)
else:
    raise AssertionError("a group of 4 was accepted")

print("\n2. Three members, a farmer not yet in the Union, no documents - every blocker at once:")
verdict = engine.check(case.id, "collect_applications", "officer", data={"members": ["m1", "m2", "m3", "x1"]})
show(verdict.blockers)

print("\n3. An officer of another commune tries the step with a complete dossier:")
five = {"members": ["m1", "m2", "m3", "m4", "m5"]}
outsider = engine.check(case.id, "collect_applications", "officer-hy", documents=DOSSIER, data=five)
show(outsider.blockers)

assert [b.rule_id for b in small] == ["MEM-02"]
assert small[0].message.get("en") == "A professional group needs at least 5 members; it has 4."
assert small[0].citation is not None
assert "205-HD/HNDTW" in small[0].describe("vi")
assert "205-HD/HNDTW" in small[0].describe("en")
assert small[0].explanation == ("subject.union_member_count (4) >= params.group_min_members (5) is false",)
assert {b.kind for b in verdict.blockers} == {"document", "rule"}
assert {r for b in verdict.blockers for r in b.required} == {"voluntary_applications", "member_list"}
assert {b.rule_id for b in verdict.blockers} >= {"MEM-02", "MEM-08"}
assert store.case(case.id).state == "mobilizing"  # neither the refusal nor the check wrote anything
assert [b.kind for b in outsider.blockers] == ["permission"]
assert outsider.blockers[0].required == ("founding_committee@g-cam", "union_officer@c-ys")
assert "Union officer in charge at Hội Nông dân xã Yên Sơn (c-ys)" in outsider.blockers[0].message.get("en")
assert engine.check(case.id, "collect_applications", "officer", documents=DOSSIER, data=five).allowed

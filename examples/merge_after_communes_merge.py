"""After two communes merge (the 2025 reorganisation), their two tea-growing groups are re-parented, then merged.

A small workflow defined in Python moves both groups under the new commune union (the ``reparent_units`` effect,
decided by the province); the shipped ``merge-units`` workflow then merges them: the members move to the
surviving group and the absorbed one closes as ``merged``, pointing to its successor.

Run: python examples/merge_after_communes_merge.py
"""

from __future__ import annotations

import datetime as dt

import attrs

import hoinghe as hn
from hoinghe import Actor, Engine, ManualClock, Member, Refused, RoleGrant, SequentialIds, Unit
from hoinghe.storage import MemoryStore

TRADE = "chè"
old_a = Unit("c-tl", "commune", "Hội Nông dân xã Tân Long", "p-tq")
old_b = Unit("c-tt", "commune", "Hội Nông dân xã Tân Tiến", "p-tq")
members_a, members_b = ("a1", "a2", "a3", "a4", "a5"), ("b1", "b2", "b3", "b4", "b5", "b6")
store = MemoryStore()
store.put_org(
    units=[
        Unit("central", "central", "Trung ương Hội Nông dân Việt Nam", None),
        Unit("p-tq", "province", "Hội Nông dân tỉnh Tuyên Quang", "central"),
        old_a,
        old_b,
        Unit("g-a", "group", "Tổ hội chè thôn Đồng", "c-tl", "professional", TRADE, members=members_a),
        Unit("g-b", "group", "Tổ hội chè thôn Làng", "c-tt", "professional", TRADE, members=members_b),
    ],
    members=[Member(m, f"Hội viên {m}", None, "c-tl", dt.date(2010, 1, 1)) for m in members_a]
    + [Member(m, f"Hội viên {m}", None, "c-tt", dt.date(2010, 1, 1)) for m in members_b],
    actors=[
        Actor("btv-p", "Ban Thường vụ tỉnh Tuyên Quang", (RoleGrant("standing_committee", "p-tq"),)),
        Actor("officer", "Cán bộ Hội xã Tân Long (mới)", (RoleGrant("union_officer", "c-new"),)),
        Actor("btv-new", "Ban Thường vụ xã Tân Long (mới)", (RoleGrant("standing_committee", "c-new"),)),
    ],
)
# The communes' merger is the State's administrative act, not a union workflow: record it as such.
store.put_org(
    units=[
        Unit("c-new", "commune", "Hội Nông dân xã Tân Long (mới)", "p-tq"),
        attrs.evolve(old_a, status="merged", successor="c-new"),
        attrs.evolve(old_b, status="merged", successor="c-new"),
    ]
)
engine = Engine(
    hn.load_profile("vn-2025"),
    store,
    clock=ManualClock(dt.datetime(2025, 9, 8, 9, 0, tzinfo=dt.UTC)),
    ids=SequentialIds(),
    listeners_in_background=False,
)

# The units of merged communes were re-parented by decisions of the province (DOMAIN.md, "Restructuring").
reparent = hn.WorkflowDefinition(
    id="reparent-after-commune-merger",
    title=hn.Text("Chuyển tổ hội về Hội cơ sở mới", "Move groups to the new commune union"),
    subject=hn.SubjectSpec(level="group", kind="professional"),
    states=(hn.StateDef("proposed"), hn.StateDef("moved")),
    initial="proposed",
    final=("moved",),
    transitions=(
        hn.TransitionDef(
            id="decide",
            from_=("proposed",),
            to="moved",
            by=(hn.RoleRef("standing_committee", at="province"),),
            effects=(hn.EffectRef("reparent_units"),),
        ),
    ),
)
engine.register(reparent)

try:  # before the move, the new commune union has no say over a group of the old commune
    engine.open("merge-units", "g-a", "officer")
except Refused as refused:
    before = refused.blockers
    print("Before re-parenting:\n ", before[0].describe("vi"), "\n ", before[0].describe("en"))
else:
    raise AssertionError("the new commune union opened a merger of groups it does not cover yet")

move = engine.open(
    "reparent-after-commune-merger", "g-a", "btv-p", data={"new_parent": "c-new", "units": ["g-a", "g-b"]}
)
engine.fire(move.id, "decide", "btv-p")
print("Re-parented:", {u: store.unit(u).parent for u in ("g-a", "g-b")})


merge = engine.open("merge-units", "g-a", "officer", data={"absorb": ["g-b"]})
steps = [
    ("agree_plan", "officer", ("merge_plan", "meeting_minutes")),
    ("submit", "officer", ("request_to_restructure",)),
    ("decide", "btv-new", ("merge_decision",)),
]
for transition, actor, documents in steps:
    case = engine.fire(
        merge.id, transition, actor, documents={k: f"file:///tan-long/{k}.pdf" for k in documents}
    )
    print(f"  {transition:<11} by {actor:<8} -> {case.state}")

survivor, absorbed = store.unit("g-a"), store.unit("g-b")
for unit in (survivor, absorbed):
    print(f"{unit.id} {unit.name}: {unit.status}, under {unit.parent}, successor {unit.successor}")
    print(f"    members: {', '.join(unit.members) or '-'}")

assert case.state == "merged"
assert before[0].required[-1] == "standing_committee@c-tl"  # the old commune's committee, not c-new's
assert survivor.parent == absorbed.parent == "c-new"
assert survivor.status == "active"
assert survivor.members == members_a + members_b
assert absorbed.status == "merged"
assert absorbed.successor == "g-a"
assert absorbed.members == ()
assert [u.id for u in store.memberships("b1", status="active")] == ["g-a"]

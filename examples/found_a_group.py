"""A commune union founds a professional orange-growing group, through every step of the founding workflow.

Survey, outreach, voluntary applications with the member list, the founding meeting electing a leader and a
deputy, the dossier, the decision of the commune standing committee, and the launch held by the new leader.

Run: python examples/found_a_group.py
"""

from __future__ import annotations

import datetime as dt

from hoinghe import Actor, Engine, ManualClock, Member, RoleGrant, SequentialIds, Text, Unit, load_profile
from hoinghe.storage import MemoryStore

TRADE = "cam sành"
ROSTER = [f"m{i}" for i in range(1, 8)]

store = MemoryStore()
store.put_org(
    units=[
        Unit("central", "central", "Trung ương Hội Nông dân Việt Nam", None),
        Unit("p-tq", "province", "Hội Nông dân tỉnh Tuyên Quang", "central"),
        Unit("c-ys", "commune", "Hội Nông dân xã Yên Sơn", "p-tq"),
    ],
    members=[
        Member(m, f"Hội viên {m}", dt.date(1970 + i, 5, 1), "c-ys", dt.date(2012, 1, 1), (TRADE,))
        for i, m in enumerate(ROSTER)
    ],
    actors=[
        Actor("officer", "Cán bộ Hội xã Yên Sơn", (RoleGrant("union_officer", "c-ys"),)),
        Actor("btv", "Ban Thường vụ Hội Nông dân xã Yên Sơn", (RoleGrant("standing_committee", "c-ys"),)),
        # The leader the founding meeting elects; their grant is on the group being founded.
        Actor("leader", "Tổ trưởng (hội viên m1)", (RoleGrant("group_leader", "g-cam"),), member="m1"),
    ],
)
clock = ManualClock(dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC))
engine = Engine(
    load_profile("vn-2025"), store, clock=clock, ids=SequentialIds(), listeners_in_background=False
)
workflow = engine.profile.workflow("found-professional-group")
title = {s.id: s.title or Text(s.id) for s in workflow.states}


def doc(kind: str) -> str:
    return f"file:///ho-so/g-cam/{kind}.pdf"


group = Unit("g-cam", "group", "Tổ hội trồng cam sành thôn 3", "c-ys", kind="professional", trade=TRADE)
case = engine.open("found-professional-group", group, "officer")
print(f"{case.id} opened by officer: {title[case.state].get('vi')} / {title[case.state].get('en')}")

steps: list[tuple[str, str, list[str], dict[str, object]]] = [
    ("survey", "officer", ["survey_report"], {}),
    ("start_outreach", "officer", [], {}),
    ("collect_applications", "officer", ["voluntary_applications", "member_list"], {"members": ROSTER}),
    (
        "hold_founding_meeting",
        "officer",
        ["founding_minutes", "operating_rules", "activity_plan"],
        {"leaders": {"group_leader": "m1", "group_deputy": "m2"}},
    ),
    ("submit_dossier", "officer", ["request_to_found"], {}),
    ("approve", "btv", ["founding_decision", "leader_decision"], {}),
    ("launch", "leader", [], {}),
]
for transition, actor, documents, data in steps:
    clock.advance(dt.timedelta(days=7))  # about a week between steps, so the history reads like a real one
    case = engine.fire(case.id, transition, actor, documents={k: doc(k) for k in documents}, data=data)
    state = title[case.state]
    print(f"  {transition:<22} by {actor:<8} -> {state.get('vi')} / {state.get('en')}")

unit = store.unit("g-cam")
print(f"\n{unit.name} ({unit.id}), under {unit.parent}: {unit.status}, founded on {unit.founded_on}")
print(f"  trade {unit.trade}; members: {', '.join(unit.members)}")
for role, holders in unit.leaders.items():
    print(f"  {role}: {', '.join(holders)}")

print("\nHistory:")
for event in engine.history(case.id):
    what = event.transition or event.kind
    rules = f" ({len(event.rules)} rules held)" if event.rules else ""
    print(f"  #{event.seq} {event.at:%Y-%m-%d} {event.actor:<8} {what:<22} -> {event.state}{rules}")

assert case.state == "launched"
assert case.closed
assert unit.status == "active"
assert unit.founded_on == dt.date(2026, 4, 13)  # the day of the decision (six weeks in)
assert unit.members == tuple(ROSTER)
assert unit.leaders == {"group_leader": ("m1",), "group_deputy": ("m2",)}
assert [e.transition for e in engine.history(case.id)][1:] == [s[0] for s in steps]
assert "MEM-02" in engine.history(case.id)[-2].rules  # the decision checked the group minimum, and it held

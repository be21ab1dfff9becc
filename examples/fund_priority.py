"""Rank Farmer Support Fund loan applications: members of professional groups first, and why.

Two groups of the commune Yên Sơn apply for a loan under one plan each (Decree 37/2023/NĐ-CP): households of a
residential group, and households who are also members of the professional group of orange growers.  The plan
implementing Resolution 04 (II.2.3) gives the Fund's loans first to members of professional groups and branches;
``hoinghe.fund.rank`` puts the applications in that order and gives the reasons.  A third application asks more
than the household ceiling (a parameter of the pack decree-37-2023) and comes last, with the rule it fails; the
engine checks the same rule where the Fund's board appraises the plan, and refuses it there.

Run: python examples/fund_priority.py
"""

from __future__ import annotations

import datetime as dt

from hoinghe import Actor, Engine, ManualClock, Member, RoleGrant, SequentialIds, Unit, load_profile
from hoinghe.fund import rank
from hoinghe.storage import MemoryStore

TRADE = "cam sành"
MILLION = 1_000_000


def farmer(member_id: str) -> Member:
    return Member(
        member_id, f"Nông dân {member_id}", dt.date(1980, 1, 1), "c-ys", dt.date(2015, 3, 1), (TRADE,)
    )


store = MemoryStore()
store.put_org(
    units=[
        Unit("central", "central", "Trung ương Hội Nông dân Việt Nam", None),
        Unit("p-tq", "province", "Hội Nông dân tỉnh Tuyên Quang", "central"),
        Unit("c-ys", "commune", "Hội Nông dân xã Yên Sơn", "p-tq"),
        Unit(
            "g-cam",
            "group",
            "Tổ hội nghề nghiệp trồng cam sành",
            "c-ys",
            kind="professional",
            trade=TRADE,
            members=("m1", "m2", "m3", "m4", "m5"),
        ),
        Unit(
            "g-thon3", "group", "Tổ hội thôn 3", "c-ys", kind="residential", members=("m1", "m2", "m6", "m7")
        ),
        Unit("g-thon4", "group", "Tổ hội thôn 4", "c-ys", kind="residential", members=("m8", "m9", "m10")),
    ],
    members=[farmer(f"m{i}") for i in range(1, 11)],
    actors=[
        Actor("officer", "Cán bộ Hội xã Yên Sơn", (RoleGrant("union_officer", "c-ys"),)),
        Actor("board", "Ban điều hành Quỹ hỗ trợ nông dân tỉnh", (RoleGrant("fund_board", "p-tq"),)),
    ],
)
profile = load_profile("vn-2025")
engine = Engine(
    profile,
    store,
    clock=ManualClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)),
    ids=SequentialIds(),
    listeners_in_background=False,
)
DOCUMENTS = {"business_plan": "file:///ho-so/phuong-an.pdf", "loan_application": "file:///ho-so/don-vay.pdf"}


def apply(group: str, borrowers: list[str], amount: int) -> str:
    data = {
        "borrowers": borrowers,
        "amounts": dict.fromkeys(borrowers, amount),
        "product": TRADE,
        "months": 36,
    }
    case = engine.open("fund-loan-application", group, "officer", data=data)
    engine.fire(case.id, "submit", "officer", documents=DOCUMENTS)
    return case.id


plain = apply("g-thon4", ["m8", "m9"], 60 * MILLION)  # submitted first
professional = apply("g-thon3", ["m1", "m2"], 60 * MILLION)  # its borrowers grow oranges in g-cam
too_much = apply("g-thon3", ["m6"], 150 * MILLION)

ranking = rank(store, profile, on=dt.date(2026, 3, 10))
for ranked in ranking:
    print(f"{ranked.position}. {ranked.case_id} ({ranked.subject}), score {ranked.score:g}")
    for reason in ranked.reasons:
        print("   ", reason.get("vi"))
        print("   ", reason.get("en"))

assert [r.case_id for r in ranking] == [professional, plain, too_much]
assert ranking[2].failed == ("FUND-07",)

# The commune union checks the borrowers; the board, appraising, checks the loan's terms and may not go on.
engine.fire(
    too_much, "verify", "officer", documents={"residence_certification": "file:///ho-so/xac-nhan.pdf"}
)
verdict = engine.check(
    too_much, "appraise", "board", documents={"loan_appraisal": "file:///ho-so/tham-dinh.pdf"}
)
for blocker in verdict.blockers:
    print(blocker.describe("vi"))
    print(blocker.describe("en"))
assert [b.rule_id for b in verdict.blockers] == ["FUND-07"]

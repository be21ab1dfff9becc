"""A small organisation for engine tests: one province, three communes, farmers and the people who act.

``vn-2025`` levels (central > province > commune > branch > group).  Communes c-1 and c-2 are in province p-1,
c-9 is in province p-2.  Farmers f1..f12 live in c-1 and grow oranges (``cam``); f13..f16 live in c-2; f17 is not
a union member; f18 grows rice.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from typing import Any

from hoinghe import Actor, Engine, ManualClock, Member, Profile, RoleGrant, SequentialIds, Unit, load_profile
from hoinghe.storage import MemoryStore

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday


@functools.cache
def profile(profile_id: str = "vn-2025") -> Profile:
    return load_profile(profile_id)


def units() -> list[Unit]:
    return [
        Unit("central", "central", "Trung ương Hội Nông dân Việt Nam", None),
        Unit("p-1", "province", "Hội Nông dân tỉnh Tuyên Quang", "central"),
        Unit("p-2", "province", "Hội Nông dân tỉnh Hà Giang", "central"),
        Unit("c-1", "commune", "Hội Nông dân xã Yên Sơn", "p-1"),
        Unit("c-2", "commune", "Hội Nông dân xã Hàm Yên", "p-1"),
        Unit("c-9", "commune", "Hội Nông dân xã Bắc Mê", "p-2"),
    ]


def farmer(i: int, commune: str = "c-1", *, union: bool = True, trades: Iterable[str] = ("cam",)) -> Member:
    return Member(
        f"f{i}",
        f"Nông dân {i}",
        dt.date(1975 + i % 20, 1 + i % 12, 1 + i % 28),
        commune,
        dt.date(2010, 1, 1) if union else None,
        tuple(trades),
    )


def members() -> list[Member]:
    out = [farmer(i) for i in range(1, 13)]
    out += [farmer(i, "c-2") for i in range(13, 17)]
    out.append(farmer(17, union=False))
    out.append(farmer(18, trades=("lua",)))
    return out


def actors() -> list[Actor]:
    return [
        Actor("officer-1", "Cán bộ Hội xã Yên Sơn", (RoleGrant("union_officer", "c-1"),)),
        Actor("btv-1", "Ban Thường vụ xã Yên Sơn", (RoleGrant("standing_committee", "c-1"),)),
        Actor("bch-1", "Ban Chấp hành xã Yên Sơn", (RoleGrant("executive_committee", "c-1"),)),
        Actor("officer-2", "Cán bộ Hội xã Hàm Yên", (RoleGrant("union_officer", "c-2"),)),
        Actor("btv-2", "Ban Thường vụ xã Hàm Yên", (RoleGrant("standing_committee", "c-2"),)),
        Actor("btv-p1", "Ban Thường vụ tỉnh Tuyên Quang", (RoleGrant("standing_committee", "p-1"),)),
        Actor("btv-9", "Ban Thường vụ xã Bắc Mê", (RoleGrant("standing_committee", "c-9"),)),
    ]


def store() -> MemoryStore:
    out = MemoryStore()
    out.put_org(units=units(), members=members(), actors=actors())
    return out


def engine(profile_id: str = "vn-2025", **kwargs: Any) -> Engine:
    """An engine on a fresh memory store, a manual clock at :data:`START` and sequential ids."""
    kwargs.setdefault("clock", ManualClock(START))
    kwargs.setdefault("ids", SequentialIds())
    kwargs.setdefault("listeners_in_background", False)
    chosen = kwargs.pop("profile", None) or profile(profile_id)
    return Engine(chosen, kwargs.pop("store", None) or store(), **kwargs)


def new_group(unit_id: str = "g-new", commune: str = "c-1", trade: str = "cam") -> Unit:
    return Unit(
        unit_id, "group", f"Tổ hội nghề nghiệp {trade} {unit_id}", commune, kind="professional", trade=trade
    )


DOSSIER: Mapping[str, str] = {
    "request_to_found": "file:///dossier/to-trinh.pdf",
    "member_list": "file:///dossier/danh-sach.pdf",
    "voluntary_applications": "file:///dossier/don.pdf",
    "founding_minutes": "file:///dossier/bien-ban.pdf",
    "operating_rules": "file:///dossier/quy-che.pdf",
    "activity_plan": "file:///dossier/ke-hoach.pdf",
}


def found_until_submitted(
    eng: Engine, members: Iterable[str] = ("f1", "f2", "f3", "f4", "f5", "f6"), unit: Unit | None = None
) -> str:
    """Open a founding case for a group and take it to ``dossier_submitted``; returns the case id."""
    roster = list(members)
    case = eng.open("found-professional-group", unit or new_group(), "officer-1")
    eng.fire(case.id, "survey", "officer-1", documents={"survey_report": "file:///khao-sat.pdf"})
    eng.fire(case.id, "start_outreach", "officer-1")
    eng.fire(
        case.id,
        "collect_applications",
        "officer-1",
        documents={k: DOSSIER[k] for k in ("voluntary_applications", "member_list")},
        data={"members": roster},
    )
    eng.fire(
        case.id,
        "hold_founding_meeting",
        "officer-1",
        documents={k: DOSSIER[k] for k in ("founding_minutes", "operating_rules", "activity_plan")},
        data={"leaders": {"group_leader": roster[0], "group_deputy": roster[1]}},
    )
    eng.fire(
        case.id, "submit_dossier", "officer-1", documents={"request_to_found": DOSSIER["request_to_found"]}
    )
    return case.id


DECISION: Mapping[str, str] = {
    "founding_decision": "file:///qd/thanh-lap.pdf",
    "leader_decision": "file:///qd/cong-nhan.pdf",
}

"""Fixtures of the Tuyên Quang provincial union's own tests, on top of hoinghe's ``hoinghe_*`` fixtures.

The province runs its own profile (``tuyen-quang``: vn-2019 and the province's guidance on groups), so
``hoinghe_profile`` is redefined here; every ``hoinghe_*`` fixture built on it (the engine, the simulator) follows.
A whole project would rather set ``hoinghe_profile = tuyen-quang`` in its pytest configuration.
"""

from __future__ import annotations

import datetime as dt

import pytest

from hoinghe import Actor, Member, Org, Profile, RoleGrant, Store, Unit, load_profile

COMMUNE = "c-02221"  # Thị trấn Na Hang
TRADE = "cam"  # oranges


@pytest.fixture(scope="session")
def province_profile() -> Profile:
    return load_profile("tuyen-quang")


@pytest.fixture
def hoinghe_profile(province_profile: Profile) -> Profile:
    return province_profile


@pytest.fixture(scope="session")
def na_hang_org(province_profile: Profile) -> Org:
    """Na Hang district with one commune union, its officer and standing committee, and eight orange growers."""
    return Org.build(
        province_profile.hierarchy,
        units=[
            Unit("central", "central", "Trung ương Hội Nông dân Việt Nam", None),
            Unit("p-08", "province", "Hội Nông dân tỉnh Tuyên Quang", "central"),
            Unit("d-072", "district", "Hội Nông dân huyện Na Hang", "p-08"),
            Unit(COMMUNE, "commune", "Hội Nông dân thị trấn Na Hang", "d-072"),
        ],
        members=[
            Member(
                f"nh-{i}", f"Hội viên {i}", dt.date(1970 + i, 3, 1), COMMUNE, dt.date(2012, 1, 1), (TRADE,)
            )
            for i in range(1, 9)
        ],
        actors=[
            Actor("officer", "Cán bộ Hội thị trấn Na Hang", (RoleGrant("union_officer", COMMUNE),)),
            Actor("btv", "Ban Thường vụ Hội thị trấn Na Hang", (RoleGrant("standing_committee", COMMUNE),)),
        ],
    )


@pytest.fixture
def na_hang(na_hang_org: Org, hoinghe_store: Store) -> Org:
    """The Na Hang organisation, put in ``hoinghe_store`` (the store ``hoinghe_engine`` runs on)."""
    hoinghe_store.put_org(
        units=na_hang_org.units.values(),
        members=na_hang_org.members.values(),
        actors=na_hang_org.actors.values(),
    )
    return na_hang_org

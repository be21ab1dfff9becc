"""What only the SQL store does: its schema upgrade chain, its cached organisation, its errors."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
import sqlalchemy as sa

import world
from hoinghe import SqlStore, StorageError
from hoinghe.records import Activity
from hoinghe.storage.schema import SCHEMA_VERSION

V3_OUTBOX_COLUMNS = ("channel", "created", "lease_owner", "lease_until", "next_attempt", "failed")


def as_schema(url: str, version: int) -> None:
    """Take a database written by this hoinghe back to what an older one left (what each upgrade adds, removed)."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if version < 4:
            conn.exec_driver_sql("DROP TABLE activities")
        if version < 3:
            conn.exec_driver_sql("DROP TABLE actor_grants")
            conn.exec_driver_sql("DROP INDEX outbox_by_case")
            for column in V3_OUTBOX_COLUMNS:
                conn.exec_driver_sql(f"ALTER TABLE outbox DROP COLUMN {column}")
        if version < 2:
            conn.exec_driver_sql("DROP TABLE org_version")
        conn.execute(
            sa.text("UPDATE hoinghe_meta SET value = :v WHERE key = 'schema_version'"), {"v": str(version)}
        )
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    return str(request.getfixturevalue("postgres_db"))


@pytest.mark.parametrize("old", [1, 2, 3])
def test_an_older_database_is_upgraded_in_place(url, old):
    store = SqlStore(url)
    store.put_org(units=world.units(), members=world.members(), actors=world.actors())
    engine = world.engine(store=store)
    case_id = world.found_until_submitted(engine)
    engine.fire(case_id, "approve", "btv-1", documents=world.DECISION)  # two notifications wait
    store.close()
    as_schema(url, old)
    with pytest.raises(StorageError, match="run hoinghe db upgrade"):
        SqlStore(url, create=False)
    store = SqlStore(url)
    assert store.schema_version() == SCHEMA_VERSION == 4
    assert store.unit("c-1").name == "Hội Nông dân xã Yên Sơn"
    # 2 -> 3: the grants of the actors already stored are indexed, and the waiting messages can be claimed.
    assert [a.id for a in store.holders("standing_committee", "c-1")] == ["btv-1"]
    claimed = store.claim_outbox("w1", world.START, lease=dt.timedelta(minutes=1))
    assert [s.message.key for s in claimed] == [f"{case_id}:7:notify:0", f"{case_id}:7:notify:1"]
    assert store.outbox_status(world.START).leased == 2
    # 3 -> 4: outreach sessions and trainings can be kept.
    session = Activity("tt-1", "outreach", "c-1", dt.date(2024, 3, 1), "Tổ hội nghề nghiệp", members=("f-1",))
    store.put_activities([session])
    assert store.activities(unit="c-1", kind="outreach") == [session]
    store.close()


def test_the_cached_organisation_follows_changes_made_by_another_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first, second = SqlStore(url), SqlStore(url)
    first.put_org(units=world.units(), members=world.members(), actors=world.actors())
    with first.session():
        assert first.unit("c-1").name == "Hội Nông dân xã Yên Sơn"
        assert first.unit("c-1").name == "Hội Nông dân xã Yên Sơn"  # from the cache now
    (commune,) = [u for u in world.units() if u.id == "c-1"]
    second.put_org(units=[attrs.evolve(commune, name="Hội Nông dân xã mới")])
    with first.session():
        assert first.unit("c-1").name == "Hội Nông dân xã mới"
    first.close()
    second.close()


def test_decisions_that_change_no_unit_read_the_organisation_from_the_cache(tmp_path):
    store = SqlStore(f"sqlite:///{tmp_path / 'count.db'}")
    store.put_org(units=world.units(), members=world.members(), actors=world.actors())
    engine = world.engine(store=store)
    case = engine.open("found-professional-group", world.new_group("g-1"), "officer-1")
    engine.fire(case.id, "survey", "officer-1", documents={"survey_report": "u"})  # fills the cache
    statements: list[str] = []
    sa.event.listen(store._engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    engine.fire(case.id, "start_outreach", "officer-1")
    assert not [s for s in statements if "FROM units" in s or "FROM actors" in s], statements
    assert any("FROM org_version" in s for s in statements)
    assert engine.store.case(case.id).state == "mobilizing"
    store.close()


def test_an_engine_runs_on_a_private_in_memory_database():
    store = SqlStore("sqlite://")  # one connection shared by reads and writes
    store.put_org(units=world.units(), members=world.members(), actors=world.actors())
    engine = world.engine(store=store)
    case_id = world.found_until_submitted(engine)
    engine.fire(case_id, "approve", "btv-1", documents=world.DECISION)
    assert (store.case(case_id).state, store.unit("g-new").status) == ("approved", "active")
    store.close()

"""Every store keeps the Store protocol's promises: the conformance suite and the comparison with the reference.

The suite of :mod:`hoinghe.testing.conformance` runs against the reference ``MemoryStore``, SQLite in a file and in
memory, and PostgreSQL; the Hypothesis comparison runs SQLite and PostgreSQL beside a ``MemoryStore``.
"""

from __future__ import annotations

import contextlib
import functools
import uuid
from pathlib import Path

import attrs
import psycopg
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

import pg
from hoinghe import MemoryStore, SqlStore
from hoinghe.storage import Store
from hoinghe.storage.schema import metadata
from hoinghe.testing import StoreComparison, StoreConformance

# Modest: every step reads the whole store back, and each PostgreSQL example gets a database of its own.
COMPARISON = settings(
    max_examples=10,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@functools.cache
def _postgres_database() -> str:
    return pg.fresh_database("conformance")


def _empty_postgres_store() -> SqlStore:
    """A store on this module's PostgreSQL database, emptied first.

    A database per test would cost a quarter of a second each (and disk space until the cluster goes away), so the
    tests share one and empty its tables before each.
    """
    url = _postgres_database()
    store = SqlStore(url)  # creates the schema on first use
    tables = ", ".join(t.name for t in metadata.sorted_tables if t.name != "hoinghe_meta")
    with psycopg.connect(pg.libpq_url(url), autocommit=True) as conn:
        conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    return store


class TestMemoryStore(StoreConformance):
    def make_store(self) -> Store:
        return MemoryStore()


class TestSqliteFile(StoreConformance):
    @pytest.fixture(autouse=True)
    def _folder(self, tmp_path: Path) -> None:
        self.folder = tmp_path

    def make_store(self) -> Store:
        return SqlStore(f"sqlite:///{self.folder / 'store.db'}")


class TestSqliteMemory(StoreConformance):
    def make_store(self) -> Store:
        return SqlStore("sqlite://")


class TestPostgres(StoreConformance):
    def make_store(self) -> Store:
        return _empty_postgres_store()


# ------------------------------------------------------------------------------------------------ the suite itself


class _Leaky(MemoryStore):
    """A store whose batches do not roll back: the suite and the comparison must notice."""

    def batch(self):
        return contextlib.nullcontext()


class _Lax(MemoryStore):
    """A store that takes a commit whatever version the case is at."""

    def commit(self, commit):
        stored = next((c for c in self.cases() if c.id == commit.case.id), None)
        super().commit(attrs.evolve(commit, expected_version=0 if stored is None else stored.version))


class _Forgetful(MemoryStore):
    """A store that keeps no definition versions."""

    def put_version(self, record):
        del record


class _CheckLeaky(StoreConformance):
    def make_store(self) -> Store:
        return _Leaky()


def test_the_suite_catches_a_batch_that_does_not_roll_back():
    suite = _CheckLeaky()
    try:
        with pytest.raises(AssertionError, match="after a batch that raised"):
            suite.test_an_exception_in_a_batch_rolls_everything_back()
    finally:
        suite.teardown_method(None)


def test_the_suite_closes_each_store_it_made():
    closed = []

    class Closing(MemoryStore):
        def close(self) -> None:
            closed.append(self)

    class Check(StoreConformance):
        def make_store(self) -> Store:
            return Closing()

    suite = Check()
    suite.test_put_org_reads_back_what_was_put()
    made = suite.store
    suite.teardown_method(None)
    assert closed == [made]


@pytest.mark.parametrize(
    ("store", "complaint"),
    [
        (_Forgetful, r"version\(h\d\) differs"),
        (
            _Lax,
            r"commit\(k\d at \d+, events \[[\d, ]*\], fault (stale|ahead)\): the reference store gave ConflictError",
        ),
        (_Leaky, r"differs"),
    ],
    ids=["forgets writes", "ignores versions", "batches do not roll back"],
)
def test_the_comparison_catches_a_wrong_store(store, complaint):
    class Check(StoreComparison):
        def make_store(self) -> Store:
            return store()

    quick = settings(COMPARISON, max_examples=100, database=None, phases=[Phase.generate])
    with pytest.raises(AssertionError, match=complaint):
        run_state_machine_as_test(Check, settings=quick)


# ------------------------------------------------------------------------------------------------ comparisons


def test_sqlite_file_agrees_with_the_reference(tmp_path):
    class SqliteFile(StoreComparison):
        def make_store(self) -> Store:
            return SqlStore(f"sqlite:///{tmp_path / uuid.uuid4().hex}.db", synchronous="OFF")

    run_state_machine_as_test(SqliteFile, settings=COMPARISON)


def test_postgres_agrees_with_the_reference():
    class Postgres(StoreComparison):
        def make_store(self) -> Store:
            return _empty_postgres_store()

    run_state_machine_as_test(Postgres, settings=settings(COMPARISON, max_examples=8))

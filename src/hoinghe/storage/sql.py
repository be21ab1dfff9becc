"""The SQL store: SQLite by default, PostgreSQL when many processes or machines share one database.

Built on SQLAlchemy 2 Core (no ORM).  Records are kept as JSON payloads (:mod:`hoinghe.storage.codec`) beside the
columns queries filter on.  A decision is one transaction: the case row is updated only if its version is still
the one read (``UPDATE ... WHERE version = :expected``), every unit changed only if it still equals what was read,
the event row's primary key (case, seq) refuses a duplicate, and the idempotency key's primary key refuses a second
use.  Anything else that goes wrong rolls the transaction back whole and raises
:class:`~hoinghe.errors.StorageError`.

SQLite: WAL journal, foreign keys on, a busy timeout, ``synchronous`` FULL unless told otherwise (NORMAL is faster
and, in WAL mode, can lose the last transactions on power loss, never corrupt the database), and writes begin with
``BEGIN IMMEDIATE`` so two writers queue on the busy timeout instead of failing with "database is locked".

PostgreSQL: serialization failures and deadlocks are retried with bounded, jittered exponential backoff; a decision
that still fails raises :class:`~hoinghe.errors.StorageError`, never leaving part of it written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal, TypeVar

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection, Engine
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from hoinghe.errors import ConflictError, NotFound, StorageError
from hoinghe.i18n import Text
from hoinghe.org.hierarchy import Hierarchy
from hoinghe.org.model import Actor, Member, Unit, UnitStatus
from hoinghe.org.registry import Org
from hoinghe.records import (
    Activity,
    ActivityKind,
    Case,
    Commit,
    Event,
    IdempotencyRecord,
    OutboxMessage,
    OutboxState,
    OutboxStatus,
    Timer,
    VersionRecord,
    check_shape,
)
from hoinghe.storage._wording import ACTOR, CASE, MEMBER, UNIT, VERSION, stale_case, unit_changed
from hoinghe.storage.codec import decode, decode_text, encode, encode_text
from hoinghe.storage.memory import MemoryStore
from hoinghe.storage.schema import SCHEMA_VERSION, tables, upgrade_schema

__all__ = ["DEFAULT_URL", "SqlStore", "Synchronous", "open_store"]

#: Where ``hoinghe`` keeps its data when told nothing else: a SQLite file in the working directory.
DEFAULT_URL = "sqlite:///hoinghe.db"

Synchronous = Literal["FULL", "NORMAL", "EXTRA", "OFF"]
_R = TypeVar("_R")
_PG_RETRY_CODES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
_T = tables


def _by_id(table: sa.Table) -> sa.Select[Any]:
    return sa.select(table.c.payload).where(table.c.id == sa.bindparam("key"))


# Statements of the hot paths, built once: building a statement costs more than running it on SQLite.
_SELECT = {name: _by_id(getattr(_T, name)) for name in ("units", "members", "actors", "cases")}
_UNIT_FOR_UPDATE = _by_id(_T.units).with_for_update()
_CASE_EXISTS = sa.select(_T.cases.c.id).where(_T.cases.c.id == sa.bindparam("key"))
_MEMBER_EXISTS = sa.select(_T.members.c.id).where(_T.members.c.id == sa.bindparam("key"))
_CASE_VERSION = sa.select(_T.cases.c.version).where(_T.cases.c.id == sa.bindparam("key"))
_UPDATE_CASE = sa.update(_T.cases).where(
    _T.cases.c.id == sa.bindparam("key"), _T.cases.c.version == sa.bindparam("expected")
)
_UPDATE = {
    name: sa.update(getattr(_T, name)).where(getattr(_T, name).c.id == sa.bindparam("key"))
    for name in ("units", "members", "actors")
}
_DELETE_MEMBERSHIPS = sa.delete(_T.memberships).where(_T.memberships.c.unit_id == sa.bindparam("key"))
_DELETE_TIMERS_OF_CASE = sa.delete(_T.timers).where(_T.timers.c.case_id == sa.bindparam("key"))
_EVENTS_OF_CASE = (
    sa.select(_T.events.c.payload)
    .where(_T.events.c.case_id == sa.bindparam("key"), _T.events.c.seq > sa.bindparam("after"))
    .order_by(_T.events.c.seq)
)
_MEMBERSHIPS = (
    sa.select(_T.units.c.payload)
    .join(_T.memberships, _T.memberships.c.unit_id == _T.units.c.id)
    .where(_T.memberships.c.member_id == sa.bindparam("key"))
    .order_by(_T.units.c.n)
)
_MEMBERS_IN = sa.select(_T.members.c.payload).where(_T.members.c.id.in_(sa.bindparam("ids", expanding=True)))
_INSERT = {name: sa.insert(table) for name, table in vars(_T).items()}
_ORG_VERSION = sa.select(_T.org_version.c.version).where(_T.org_version.c.id == 1)
_BUMP_ORG = (
    sa.update(_T.org_version).where(_T.org_version.c.id == 1).values(version=_T.org_version.c.version + 1)
)
_ORG_CACHE_SIZE = 100_000
_HOLDERS = (
    sa.select(_T.actors.c.payload)
    .join(_T.actor_grants, _T.actor_grants.c.actor_id == _T.actors.c.id)
    .where(_T.actor_grants.c.role == sa.bindparam("role"), _T.actor_grants.c.unit_id == sa.bindparam("unit"))
    .order_by(_T.actors.c.id)
)

# The relay's statements.  "Open" messages are neither delivered nor given up; a case's open messages on one
# channel go out in order, so only the oldest open message of a (case, channel) stream (its head) may be claimed
# on its own.
_O = _T.outbox.alias("o")
_P = _T.outbox.alias("p")
_OPEN = sa.and_(_O.c.delivered.is_(None), _O.c.failed.is_(None))
_HEADS = (
    sa.select(_O.c.n, _O.c.case_id, _O.c.channel)
    .where(
        _OPEN,
        sa.or_(_O.c.lease_until.is_(None), _O.c.lease_until <= sa.bindparam("now")),
        sa.or_(_O.c.next_attempt.is_(None), _O.c.next_attempt <= sa.bindparam("now")),
        ~sa.exists().where(
            _P.c.case_id == _O.c.case_id,
            _P.c.channel == _O.c.channel,
            _P.c.n < _O.c.n,
            _P.c.delivered.is_(None),
            _P.c.failed.is_(None),
        ),
    )
    .order_by(_O.c.n)
    .limit(sa.bindparam("limit"))
    .with_for_update(of=_O, skip_locked=True)
)
_FOLLOWERS = (
    sa.select(_O.c.n, _O.c.case_id, _O.c.channel, _O.c.payload, _O.c.attempts, _O.c.last_error)
    .where(_OPEN, _O.c.case_id.in_(sa.bindparam("cases", expanding=True)))
    .order_by(_O.c.n)
)
_LEASE = (
    sa.update(_T.outbox)
    .where(_T.outbox.c.n.in_(sa.bindparam("ns", expanding=True)))
    .values(lease_owner=sa.bindparam("worker"), lease_until=sa.bindparam("until"))
)
_OUTBOX_KEY = _T.outbox.c.key == sa.bindparam("message_key")
_DELIVERED = (
    sa.update(_T.outbox)
    .where(_OUTBOX_KEY, _T.outbox.c.delivered.is_(None))
    .values(delivered=sa.bindparam("at"), lease_owner=None, lease_until=None)
)
_FAILED = (
    sa.update(_T.outbox)
    .where(_OUTBOX_KEY, _T.outbox.c.delivered.is_(None))
    .values(
        attempts=_T.outbox.c.attempts + 1,
        last_error=sa.bindparam("error"),
        next_attempt=sa.bindparam("retry_at"),
        failed=sa.bindparam("failed"),
        lease_owner=None,
        lease_until=None,
    )
)
_RELEASE = (
    sa.update(_T.outbox)
    .where(
        _T.outbox.c.key.in_(sa.bindparam("keys", expanding=True)),
        _T.outbox.c.lease_owner == sa.bindparam("worker"),
    )
    .values(lease_owner=None, lease_until=None)
)
_IDEMPOTENCY = sa.select(_T.idempotency).where(_T.idempotency.c.key == sa.bindparam("key"))
_UNITS_IN = sa.select(_T.units.c.id).where(_T.units.c.id.in_(sa.bindparam("ids", expanding=True)))

_DECODED: dict[tuple[type, str], Any] = {}
_DECODED_SIZE = 50_000
_ERROR_SIZE = 2000  # characters of a delivery error kept, in each language


def _decoded(cls: type[_R], text: str) -> _R:
    """``decode``, remembered by payload text: records are immutable, so the same text is the same record."""
    key = (cls, text)
    found = _DECODED.get(key)
    if found is None:
        if len(_DECODED) >= _DECODED_SIZE:
            _DECODED.clear()  # a simple bound; refilling costs one decode per record read
        found = _DECODED[key] = decode(cls, text)
    record: _R = found
    return record


def _written_first(exc: sa.exc.IntegrityError) -> ConflictError:
    return ConflictError(
        Text(
            f"một quyết định khác đã ghi bản ghi này trước: {exc.orig}",
            f"another decision wrote the same record first: {exc.orig}",
        )
    )


def _error(stored: str | None) -> Text | None:
    return None if stored is None else decode_text(stored)


def _first_line(exc: BaseException) -> str:
    """An error's message without SQLAlchemy's "Background on this error" link line."""
    return str(exc).split("\n(Background on this error", 1)[0].strip()


def _epoch(at: dt.datetime) -> float:
    return at.timestamp()


def _from_epoch(value: float | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromtimestamp(value, dt.UTC)


def _pg_retryable(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", None)
    return isinstance(exc, sa.exc.DBAPIError) and getattr(orig, "sqlstate", None) in _PG_RETRY_CODES


class SqlStore:
    """A :class:`~hoinghe.storage.Store` in a SQL database.

    Args:
        url: a SQLAlchemy URL: ``sqlite:///path/to/file.db`` (the default, ``hoinghe.db`` here),
            ``sqlite://`` for a private in-memory database, or ``postgresql+psycopg://user@host/db``.
        synchronous: SQLite's durability level: ``FULL`` (default: a committed decision survives power loss),
            ``NORMAL`` (faster; in WAL mode the last commits may be lost on power loss, the file stays sound).
        busy_timeout_ms: how long a SQLite writer waits for another before giving up.
        create: create or upgrade the schema on connect (``hoinghe db upgrade`` does it explicitly).
        retries: attempts for a PostgreSQL decision that hits a serialization failure or a deadlock.

    Raises:
        StorageError: the database cannot be reached, or its schema is newer than this hoinghe.
    """

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        synchronous: Synchronous = "FULL",
        busy_timeout_ms: int = 30_000,
        create: bool = True,
        retries: int = 8,
    ) -> None:
        self.url = url
        self.synchronous = synchronous
        self.busy_timeout_ms = busy_timeout_ms
        self._retries = retries
        self._local = threading.local()
        # The organisation as read, kept across decisions while the database's org_version says it is current.
        self._org_lock = threading.Lock()
        self._org_version: int | None = None
        self._org: dict[str, dict[str, Any]] = {"units": {}, "members": {}, "actors": {}}
        try:
            self._engine = self._make_engine(url)
        except sa.exc.ArgumentError as exc:
            msg = Text(
                f"{self._shown()} không phải URL cơ sở dữ liệu; hãy viết sqlite:///path/to/file.db "
                "hoặc postgresql+psycopg://user@host/db",
                f"{self._shown()} is not a database URL; write sqlite:///path/to/file.db "
                "or postgresql+psycopg://user@host/db",
            )
            raise StorageError(msg) from exc
        try:
            if create:
                self.upgrade()
            else:
                self._check_version()
        except BaseException as exc:
            self._engine.dispose()  # a store that failed to open leaves no connection behind
            if isinstance(exc, sa.exc.SQLAlchemyError):
                msg = Text(
                    f"không mở được cơ sở dữ liệu {self._shown()}: {_first_line(exc)}",
                    f"cannot open the database {self._shown()}: {_first_line(exc)}",
                )
                raise StorageError(msg) from exc
            raise

    def __repr__(self) -> str:
        return f"<SqlStore {self._shown()}>"

    def _shown(self) -> str:
        try:
            return sa.engine.make_url(self.url).render_as_string(hide_password=True)
        except sa.exc.ArgumentError:
            return repr(self.url)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    # ----------------------------------------------------------------------------------------- connecting

    def _make_engine(self, url: str) -> Engine:
        parsed = sa.engine.make_url(url)
        if parsed.get_backend_name() == "sqlite":
            memory = parsed.database in (None, "", ":memory:")
            engine = sa.create_engine(
                url,
                connect_args={"check_same_thread": False, "timeout": self.busy_timeout_ms / 1000},
                poolclass=sa.pool.StaticPool if memory else sa.pool.QueuePool,
            )
            self._sqlite_events(engine, memory=memory)
            return engine
        return sa.create_engine(url, pool_pre_ping=True, isolation_level="READ COMMITTED")

    def _sqlite_events(self, engine: Engine, *, memory: bool) -> None:
        synchronous, timeout = self.synchronous, self.busy_timeout_ms

        @sa_event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite's own transaction handling would BEGIN too late; SQLAlchemy's recipe takes it over.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(timeout)}")
            cursor.close()

        @sa_event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            write = conn.get_execution_options().get("hoinghe_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    def pragmas(self) -> dict[str, Any]:
        """SQLite's settings on a connection of this store, as SQLite reports them (D-5)."""
        with self._engine.connect() as conn:
            return {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }

    @contextlib.contextmanager
    def _connection(self, *, write: bool) -> Iterator[Connection]:
        """A connection in a transaction: the batch's, or a new one committed at the end."""
        batch: Connection | None = getattr(self._local, "batch", None)
        if batch is not None:
            if not write:
                yield batch
                return
            # A savepoint per write: a conflict undoes that decision only, and the batch goes on.
            with batch.begin_nested():
                yield batch
            return
        reader: Connection | None = getattr(self._local, "reader", None)
        if reader is not None and not write:
            yield reader  # the session's connection: one read transaction for the whole decision
            return
        with self._engine.connect() as raw:
            conn = raw.execution_options(hoinghe_write=write)
            with conn.begin():
                yield conn

    def _run(self, work: Callable[[Connection], _R], *, write: bool) -> _R:
        """Run ``work`` in one transaction, retrying PostgreSQL's transient failures; errors become ours."""
        attempts = (
            1
            if getattr(self._local, "batch", None) is not None or self.dialect != "postgresql"
            else self._retries
        )
        if write:
            self._refresh_reader()
        retrying = Retrying(
            stop=stop_after_attempt(attempts),
            wait=wait_random_exponential(multiplier=0.005, max=0.5),
            retry=retry_if_exception(_pg_retryable),
            reraise=True,
        )
        try:
            if attempts == 1:
                with self._connection(write=write) as conn:
                    return work(conn)
            for attempt in retrying:
                with attempt, self._connection(write=write) as conn:
                    return work(conn)
        except (ConflictError, NotFound, StorageError):
            raise
        except sa.exc.IntegrityError as exc:
            raise _written_first(exc) from exc
        except sa.exc.SQLAlchemyError as exc:
            msg = Text(
                f"cơ sở dữ liệu gặp lỗi; không có gì được ghi: {_first_line(exc)}",
                f"the database failed; nothing was written: {_first_line(exc)}",
            )
            raise StorageError(msg) from exc
        raise AssertionError  # pragma: no cover - Retrying either returns or raises

    # ----------------------------------------------------------------------------------------- schema

    def upgrade(self) -> int:
        """Create the tables, or bring an older schema up to this hoinghe's; returns the schema version."""
        with self._engine.connect() as raw:
            conn = raw.execution_options(hoinghe_write=True)
            with conn.begin():
                return upgrade_schema(conn)

    def schema_version(self) -> int | None:
        """The schema version recorded in the database; ``None`` when it has no hoinghe tables."""
        with self._engine.connect() as conn:
            if not sa.inspect(conn).has_table(_T.meta.name):
                return None
            value = conn.execute(sa.select(_T.meta.c.value).where(_T.meta.c.key == "schema_version")).scalar()
            return None if value is None else int(value)

    def _check_version(self) -> None:
        found = self.schema_version()
        if found is None or found < SCHEMA_VERSION:
            msg = Text(
                f"cơ sở dữ liệu {self._shown()} có lược đồ phiên bản {found}, bản hoinghe này cần "
                f"{SCHEMA_VERSION}: hãy chạy hoinghe db upgrade",
                f"the database {self._shown()} has schema {found}, this hoinghe needs {SCHEMA_VERSION}: "
                "run hoinghe db upgrade",
            )
            raise StorageError(msg)
        if found > SCHEMA_VERSION:
            msg = Text(
                f"cơ sở dữ liệu {self._shown()} có lược đồ phiên bản {found}, mới hơn bản hoinghe này "
                f"({SCHEMA_VERSION}): hãy nâng cấp hoinghe",
                f"the database {self._shown()} has schema {found}, newer than this hoinghe ({SCHEMA_VERSION}): "
                "upgrade hoinghe",
            )
            raise StorageError(msg)

    # ----------------------------------------------------------------------------------------- sessions

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        """Reads in the block share one connection and one read transaction (a decision's consistent view).

        A write in the block ends that read transaction, so the reads after it see the write, and whatever
        other processes committed meanwhile.  Nested sessions, and sessions inside a batch, join.
        """
        if (
            getattr(self._local, "reader", None) is not None
            or getattr(self._local, "batch", None) is not None
        ):
            yield
            return
        try:
            with self._engine.connect() as conn:
                self._local.reader = conn
                self._local.org_checked = None
                try:
                    yield
                finally:
                    self._local.reader = None
                    self._local.org_checked = None
                    conn.rollback()
        except sa.exc.SQLAlchemyError as exc:
            msg = Text(
                f"cơ sở dữ liệu gặp lỗi: {_first_line(exc)}", f"the database failed: {_first_line(exc)}"
            )
            raise StorageError(msg) from exc

    def _refresh_reader(self) -> None:
        self._local.org_checked = None  # the write may have changed the organisation: check again
        reader: Connection | None = getattr(self._local, "reader", None)
        if reader is not None and reader.in_transaction():
            reader.rollback()

    # ----------------------------------------------------------------------------------------- batches

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Every commit in the block goes into one transaction: all of them land, or none (bulk imports, simulation).

        Reads in the block (from this thread) see the block's own writes.  Nested blocks join the outer one.
        """
        if getattr(self._local, "batch", None) is not None:
            yield
            return
        try:
            with self._engine.connect() as raw:
                conn = raw.execution_options(hoinghe_write=True)
                with conn.begin():
                    self._local.batch = conn
                    self._local.org_checked = None
                    try:
                        yield
                    except BaseException:
                        # The batch's reads saw its own writes, now undone: forget what they cached.
                        with self._org_lock:
                            self._org_version = None
                        raise
                    finally:
                        self._local.batch = None
                        self._local.org_checked = None
        except (ConflictError, NotFound, StorageError):
            raise
        except sa.exc.IntegrityError as exc:
            raise _written_first(exc) from exc
        except sa.exc.SQLAlchemyError as exc:
            msg = Text(
                f"cơ sở dữ liệu gặp lỗi; không phần nào của lô được ghi: {_first_line(exc)}",
                f"the database failed; nothing of the batch was written: {_first_line(exc)}",
            )
            raise StorageError(msg) from exc

    # ----------------------------------------------------------------------------------------- organisation

    def _get(self, table: str, kind: Text, cls: type[_R], key: str) -> _R:
        statement = _SELECT[table]

        def read(conn: Connection) -> _R:
            text = conn.execute(statement, {"key": key}).scalar()
            if text is None:
                raise NotFound(kind, key)
            return _decoded(cls, text)

        return self._run(read, write=False)

    def _current_org(self) -> dict[str, dict[str, Any]] | None:
        """The cached organisation, when this thread is in a session or batch and the cache is current."""
        if getattr(self._local, "reader", None) is None and getattr(self._local, "batch", None) is None:
            return None  # a lone read: one query is all it costs anyway
        checked: int | None = getattr(self._local, "org_checked", None)
        if checked is None:
            checked = self._run(lambda conn: conn.execute(_ORG_VERSION).scalar(), write=False)
            if checked is None:
                return None  # no counter row (emptied by hand): nothing tells when a cache goes stale
            with self._org_lock:
                if checked != self._org_version or sum(map(len, self._org.values())) > _ORG_CACHE_SIZE:
                    self._org = {"units": {}, "members": {}, "actors": {}}
                    self._org_version = checked
            self._local.org_checked = checked
        with self._org_lock:
            return self._org if self._org_version == checked else None

    def _org_get(self, table: str, kind: Text, cls: type[_R], key: str) -> _R:
        org = self._current_org()
        if org is not None and (found := org[table].get(key)) is not None:
            record: _R = found
            return record
        record = self._get(table, kind, cls, key)
        if org is not None:
            org[table][key] = record
        return record

    def unit(self, unit_id: str) -> Unit:
        return self._org_get("units", UNIT, Unit, unit_id)

    def member(self, member_id: str) -> Member:
        return self._org_get("members", MEMBER, Member, member_id)

    def actor(self, actor_id: str) -> Actor:
        return self._org_get("actors", ACTOR, Actor, actor_id)

    def holders(self, role: str, unit_id: str) -> list[Actor]:
        texts = self._run(
            lambda conn: list(conn.execute(_HOLDERS, {"role": role, "unit": unit_id}).scalars()), write=False
        )
        return [_decoded(Actor, text) for text in texts]

    def members_by_id(self, member_ids: Iterable[str]) -> dict[str, Member]:
        ids = list(dict.fromkeys(member_ids))
        if not ids:
            return {}

        org = self._current_org()
        known = {} if org is None else {m: org["members"][m] for m in ids if m in org["members"]}
        wanted = [m for m in ids if m not in known]

        def read(conn: Connection) -> dict[str, Member]:
            found = [_decoded(Member, text) for text in conn.execute(_MEMBERS_IN, {"ids": wanted}).scalars()]
            return {m.id: m for m in found}

        if wanted:
            fresh = self._run(read, write=False)
            known.update(fresh)
            if org is not None:
                org["members"].update(fresh)
        return known

    def memberships(self, member_id: str, *, status: UnitStatus | None = None) -> list[Unit]:
        def read(conn: Connection) -> list[Unit]:
            if conn.execute(_MEMBER_EXISTS, {"key": member_id}).first() is None:
                raise NotFound(MEMBER, member_id)
            units = [
                _decoded(Unit, text) for text in conn.execute(_MEMBERSHIPS, {"key": member_id}).scalars()
            ]
            return [u for u in units if status is None or u.status == status]

        return self._run(read, write=False)

    def put_org(
        self, *, units: Iterable[Unit] = (), members: Iterable[Member] = (), actors: Iterable[Actor] = ()
    ) -> None:
        units, members, actors = list(units), list(members), list(actors)

        def write(conn: Connection) -> None:
            _upsert_many(conn, "members", [{"id": m.id, "payload": encode(m)} for m in members])
            _upsert_many(conn, "actors", [{"id": a.id, "payload": encode(a)} for a in actors])
            if actors:
                conn.execute(
                    sa.delete(_T.actor_grants).where(_T.actor_grants.c.actor_id.in_([a.id for a in actors]))
                )
                grants = [
                    {"actor_id": actor.id, "role": role, "unit_id": unit}
                    for actor in actors
                    for role, unit in dict.fromkeys((g.role, g.unit) for g in actor.grants)
                ]
                if grants:
                    conn.execute(_INSERT["actor_grants"], grants)
            for unit in units:
                _put_unit(conn, unit)
            conn.execute(_BUMP_ORG)

        self._run(write, write=True)

    def units(
        self, *, level: str | None = None, kind: str | None = None, status: UnitStatus | None = None
    ) -> Iterator[Unit]:
        query = sa.select(_T.units.c.payload).order_by(_T.units.c.n)
        for column, value in (("level", level), ("kind", kind), ("status", status)):
            if value is not None:
                query = query.where(_T.units.c[column] == value)
        texts = self._run(lambda conn: list(conn.execute(query).scalars()), write=False)
        return (_decoded(Unit, text) for text in texts)

    def org(self, hierarchy: Hierarchy) -> Org:
        def read(conn: Connection) -> Org:
            units = [
                decode(Unit, t)
                for t in conn.execute(sa.select(_T.units.c.payload).order_by(_T.units.c.n)).scalars()
            ]
            members = [decode(Member, t) for t in conn.execute(sa.select(_T.members.c.payload)).scalars()]
            actors = [decode(Actor, t) for t in conn.execute(sa.select(_T.actors.c.payload)).scalars()]
            return Org.build(hierarchy, units, members, actors)

        return self._run(read, write=False)

    # ----------------------------------------------------------------------------------------- cases

    def case(self, case_id: str) -> Case:
        return self._get("cases", CASE, Case, case_id)

    def cases(
        self,
        *,
        workflow: str | None = None,
        subject: str | None = None,
        state: str | None = None,
        closed: bool | None = None,
    ) -> Iterator[Case]:
        query = sa.select(_T.cases.c.payload).order_by(_T.cases.c.n)
        for column, value in (
            ("workflow", workflow),
            ("subject", subject),
            ("state", state),
            ("closed", closed),
        ):
            if value is not None:
                query = query.where(_T.cases.c[column] == value)
        texts = self._run(lambda conn: list(conn.execute(query).scalars()), write=False)
        return (_decoded(Case, text) for text in texts)

    def events(self, case_id: str, *, after: int = 0) -> list[Event]:
        def read(conn: Connection) -> list[Event]:
            if conn.execute(_CASE_EXISTS, {"key": case_id}).first() is None:
                raise NotFound(CASE, case_id)
            rows = conn.execute(_EVENTS_OF_CASE, {"key": case_id, "after": after}).scalars()
            return [_decoded(Event, text) for text in rows]

        return self._run(read, write=False)

    def commit(self, commit: Commit) -> None:
        try:
            self._run(lambda conn: _write_commit(conn, commit), write=True)
        finally:
            self._refresh_reader()

    def idempotency(self, key: str) -> IdempotencyRecord | None:
        def read(conn: Connection) -> IdempotencyRecord | None:
            row = conn.execute(_IDEMPOTENCY, {"key": key}).first()
            return None if row is None else IdempotencyRecord(row.key, row.fingerprint, row.case_id, row.seq)

        return self._run(read, write=False)

    # ----------------------------------------------------------------------------------------- timers, outbox

    def due_timers(self, now: dt.datetime) -> list[Timer]:
        query = (
            sa.select(_T.timers.c.payload)
            .where(_T.timers.c.due <= _epoch(now))
            .order_by(_T.timers.c.due, _T.timers.c.id)
        )
        texts = self._run(lambda conn: list(conn.execute(query).scalars()), write=False)
        return [decode(Timer, text) for text in texts]

    def timers(self, case_id: str) -> list[Timer]:
        query = (
            sa.select(_T.timers.c.payload)
            .where(_T.timers.c.case_id == case_id)
            .order_by(_T.timers.c.due, _T.timers.c.id)
        )
        texts = self._run(lambda conn: list(conn.execute(query).scalars()), write=False)
        return [decode(Timer, text) for text in texts]

    def outbox(self) -> list[OutboxMessage]:
        query = sa.select(_T.outbox.c.payload).where(_T.outbox.c.delivered.is_(None)).order_by(_T.outbox.c.n)
        texts = self._run(lambda conn: list(conn.execute(query).scalars()), write=False)
        return [decode(OutboxMessage, text) for text in texts]

    # ----------------------------------------------------------------------------------------- the relay's side

    def claim_outbox(
        self, worker: str, now: dt.datetime, *, lease: dt.timedelta, limit: int = 100
    ) -> list[OutboxState]:
        at = _epoch(now)

        def claim(conn: Connection) -> list[OutboxState]:
            heads = conn.execute(_HEADS, {"now": at, "limit": limit}).all()
            if not heads:
                return []
            first = {(row.case_id, row.channel): row.n for row in heads}
            rows = conn.execute(_FOLLOWERS, {"cases": sorted({case for case, _ in first})}).all()
            taken = [row for row in rows if row.n >= first.get((row.case_id, row.channel), row.n + 1)][:limit]
            conn.execute(
                _LEASE,
                {"ns": [row.n for row in taken], "worker": worker, "until": at + lease.total_seconds()},
            )
            return [
                OutboxState(
                    _decoded(OutboxMessage, row.payload),
                    attempts=row.attempts,
                    error=_error(row.last_error),
                    leased_to=worker,
                )
                for row in taken
            ]

        return self._run(claim, write=True)

    def outbox_delivered(self, key: str, at: dt.datetime) -> None:
        self._run(lambda conn: conn.execute(_DELIVERED, {"message_key": key, "at": _epoch(at)}), write=True)

    def outbox_failed(
        self, key: str, at: dt.datetime, error: Text | str, *, retry_at: dt.datetime | None
    ) -> None:
        said = error if isinstance(error, Text) else Text.same(error)
        values = {
            "message_key": key,
            "error": encode_text(Text(said.vi[:_ERROR_SIZE], said.get("en")[:_ERROR_SIZE])),
            "retry_at": None if retry_at is None else _epoch(retry_at),
            "failed": _epoch(at) if retry_at is None else None,
        }
        self._run(lambda conn: conn.execute(_FAILED, values), write=True)

    def release_outbox(self, worker: str, keys: Iterable[str]) -> None:
        wanted = list(keys)
        if wanted:
            self._run(lambda conn: conn.execute(_RELEASE, {"keys": wanted, "worker": worker}), write=True)

    def outbox_status(self, now: dt.datetime, *, limit: int = 20) -> OutboxStatus:
        o, at = _T.outbox.c, _epoch(now)
        open_ = sa.and_(o.delivered.is_(None), o.failed.is_(None))
        leased = sa.and_(open_, o.lease_until.is_not(None), o.lease_until > at)
        free = sa.or_(o.lease_until.is_(None), o.lease_until <= at)
        counts = sa.select(
            sa.func.count().filter(open_),
            sa.func.count().filter(open_, free, sa.or_(o.next_attempt.is_(None), o.next_attempt <= at)),
            sa.func.count().filter(leased),
            sa.func.count().filter(open_, o.attempts > 0),
            sa.func.count().filter(o.failed.is_not(None), o.delivered.is_(None)),
            sa.func.count().filter(o.delivered.is_not(None)),
            sa.func.min(o.created).filter(open_),
        )
        problems = (
            sa.select(
                o.payload, o.attempts, o.last_error, o.next_attempt, o.failed, o.lease_owner, o.lease_until
            )
            .where(o.delivered.is_(None), sa.or_(o.failed.is_not(None), o.attempts > 0))
            .order_by(o.n)
            .limit(limit)
        )

        def read(conn: Connection) -> OutboxStatus:
            pending, due, held, retrying, failed, delivered, oldest = conn.execute(counts).one()
            found = tuple(
                OutboxState(
                    _decoded(OutboxMessage, row.payload),
                    attempts=row.attempts,
                    error=_error(row.last_error),
                    next_attempt=_from_epoch(row.next_attempt),
                    failed=_from_epoch(row.failed),
                    leased_to=row.lease_owner
                    if row.lease_until is not None and row.lease_until > at
                    else None,
                )
                for row in conn.execute(problems)
            )
            return OutboxStatus(pending, due, held, retrying, failed, delivered, _from_epoch(oldest), found)

        return self._run(read, write=False)

    def retry_outbox(self, keys: Iterable[str] | None = None) -> int:
        query = (
            sa.update(_T.outbox)
            .where(_T.outbox.c.failed.is_not(None), _T.outbox.c.delivered.is_(None))
            .values(failed=None, next_attempt=None)
        )
        if keys is not None:
            query = query.where(_T.outbox.c.key.in_(list(keys)))
        return self._run(lambda conn: conn.execute(query).rowcount, write=True)

    # ----------------------------------------------------------------------------------------- versions

    def put_version(self, record: VersionRecord) -> None:
        def write(conn: Connection) -> None:
            found = conn.execute(
                sa.select(_T.versions.c.hash).where(_T.versions.c.hash == record.hash)
            ).first()
            if found is None:
                conn.execute(
                    sa.insert(_T.versions).values(
                        hash=record.hash, workflow_id=record.workflow_id, payload=encode(record)
                    )
                )

        # Another process may keep the same version meanwhile: the same content, by its hash.
        with contextlib.suppress(ConflictError):
            self._run(write, write=True)

    def version(self, version_hash: str) -> VersionRecord:
        def read(conn: Connection) -> VersionRecord:
            text = conn.execute(
                sa.select(_T.versions.c.payload).where(_T.versions.c.hash == version_hash)
            ).scalar()
            if text is None:
                raise NotFound(VERSION, version_hash)
            return decode(VersionRecord, text)

        return self._run(read, write=False)

    # ----------------------------------------------------------------------------------------- outreach, training

    def put_activities(self, activities: Iterable[Activity]) -> None:
        # The last of a repeated id wins, as one by one would.
        put = {a.id: a for a in activities}
        if not put:
            return
        rows = [
            {"id": a.id, "unit_id": a.unit, "kind": a.kind, "day": a.day, "payload": encode(a)}
            for a in put.values()
        ]

        def write(conn: Connection) -> None:
            wanted = sorted({a.unit for a in put.values()})
            known = set(conn.execute(_UNITS_IN, {"ids": wanted}).scalars())
            missing = next((u for u in wanted if u not in known), None)
            if missing is not None:
                raise NotFound(UNIT, missing)
            dialect = sqlite_dialect if conn.dialect.name == "sqlite" else postgresql_dialect
            statement = dialect.insert(_T.activities)
            excluded = statement.excluded
            conn.execute(
                statement.on_conflict_do_update(
                    index_elements=["id"],
                    set_={
                        "unit_id": excluded.unit_id,
                        "kind": excluded.kind,
                        "day": excluded.day,
                        "payload": excluded.payload,
                    },
                ),
                rows,
            )

        self._run(write, write=True)

    def activities(
        self,
        *,
        unit: str | None = None,
        kind: ActivityKind | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
    ) -> list[Activity]:
        c = _T.activities.c
        # Ids sort by code point, as in Python, whatever collation a PostgreSQL database was created with.
        by_id = c.id.collate("C") if self.dialect == "postgresql" else c.id
        query = sa.select(c.payload).order_by(c.day, by_id)
        if unit is not None:
            query = query.where(c.unit_id == unit)
        if kind is not None:
            query = query.where(c.kind == kind)
        if since is not None:
            query = query.where(c.day >= since)
        if until is not None:
            query = query.where(c.day <= until)
        texts = self._run(lambda conn: list(conn.execute(query).scalars()), write=False)
        return [_decoded(Activity, text) for text in texts]


def open_store(url: str | None = None, **options: Any) -> SqlStore | MemoryStore:
    """The store a URL names: ``memory://`` for a :class:`~hoinghe.storage.memory.MemoryStore`, any other URL
    (``sqlite:///file.db``, ``postgresql+psycopg://...``) for a :class:`SqlStore`; :data:`DEFAULT_URL` when ``None``.
    """
    if url == "memory://":
        return MemoryStore()
    return SqlStore(url or DEFAULT_URL, **options)


# --------------------------------------------------------------------------------------------- writing


def _upsert_many(conn: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert or replace rows of an ``id, payload`` table in one statement (SQLite and PostgreSQL both have
    ``INSERT ... ON CONFLICT DO UPDATE``)."""
    if not rows:
        return
    target = getattr(_T, table)
    dialect = sqlite_dialect if conn.dialect.name == "sqlite" else postgresql_dialect
    statement = dialect.insert(target)
    conn.execute(
        statement.on_conflict_do_update(index_elements=["id"], set_={"payload": statement.excluded.payload}),
        list(
            {row["id"]: row for row in rows}.values()
        ),  # the last of a repeated id wins, as one by one would
    )


def _upsert(conn: Connection, table: str, key: str, values: dict[str, Any]) -> None:
    updated = conn.execute(_UPDATE[table], {"key": key, **values})
    if updated.rowcount == 0:
        conn.execute(_INSERT[table], {"id": key, **values})


def _put_unit(conn: Connection, unit: Unit) -> None:
    _upsert(
        conn,
        "units",
        unit.id,
        {
            "level": unit.level,
            "kind": unit.kind,
            "status": unit.status,
            "parent": unit.parent,
            "payload": encode(unit),
        },
    )
    conn.execute(_DELETE_MEMBERSHIPS, {"key": unit.id})
    members = list(dict.fromkeys(unit.members))
    if members:
        conn.execute(_INSERT["memberships"], [{"unit_id": unit.id, "member_id": m} for m in members])


def _case_columns(case: Case) -> dict[str, Any]:
    return {
        "workflow": case.workflow,
        "subject": case.subject,
        "state": case.state,
        "closed": case.closed,
        "version": case.version,
        "payload": encode(case),
    }


def _write_commit(conn: Connection, commit: Commit) -> None:
    check_shape(commit)
    case, expected = commit.case, commit.expected_version
    if expected == 0:
        if conn.execute(_CASE_EXISTS, {"key": case.id}).first() is not None:
            msg = Text(f"hồ sơ {case.id} đã có", f"case {case.id} exists already")
            raise ConflictError(msg, expected=0)
        conn.execute(_INSERT["cases"], {"id": case.id, **_case_columns(case)})
    else:
        updated = conn.execute(_UPDATE_CASE, {"key": case.id, "expected": expected, **_case_columns(case)})
        if updated.rowcount != 1:
            actual = conn.execute(_CASE_VERSION, {"key": case.id}).scalar()
            raise stale_case(case.id, actual, expected)
    for change in commit.units:
        stored = conn.execute(_UNIT_FOR_UPDATE, {"key": change.after.id}).scalar()
        if (None if stored is None else _decoded(Unit, stored)) != change.before:
            raise unit_changed(change.after.id, case.id)
        _put_unit(conn, change.after)
    for member in commit.members:
        _upsert(conn, "members", member.id, {"payload": encode(member)})
    if commit.units or commit.members:
        conn.execute(_BUMP_ORG)  # other processes' cached organisation is no longer current
    if commit.events:
        conn.execute(
            _INSERT["events"],
            [
                {"case_id": e.case_id, "seq": e.seq, "kind": e.kind, "payload": encode(e)}
                for e in commit.events
            ],
        )
    if commit.timers is not None:
        conn.execute(_DELETE_TIMERS_OF_CASE, {"key": case.id})
        if commit.timers:
            conn.execute(
                _INSERT["timers"],
                [
                    {"id": t.id, "case_id": t.case_id, "due": _epoch(t.due), "payload": encode(t)}
                    for t in commit.timers
                ],
            )
    if commit.done_timers:
        conn.execute(sa.delete(_T.timers).where(_T.timers.c.id.in_(commit.done_timers)))
    if commit.outbox:
        conn.execute(
            _INSERT["outbox"],
            [
                {
                    "key": m.key,
                    "case_id": m.case_id,
                    "seq": m.seq,
                    "topic": m.topic,
                    "channel": m.channel,
                    "created": None if m.at is None else _epoch(m.at),
                    "payload": encode(m),
                }
                for m in commit.outbox
            ],
        )
    key = commit.idempotency
    if key is not None:
        conn.execute(
            sa.insert(_T.idempotency).values(
                key=key.key, fingerprint=key.fingerprint, case_id=key.case_id, seq=key.seq
            )
        )

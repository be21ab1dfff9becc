"""The SQL schema, its version, and the steps that bring an older database up to date.

Tables hold each record as a JSON payload plus the columns queries filter and order on.  Tables whose rows are
listed in the order they were added (units, cases, outbox) carry an integer primary key ``n`` for that order and
a unique ``id``.  ``meta`` records the schema version; :func:`upgrade_schema` creates the tables or runs the
steps of :data:`UPGRADES` from the recorded version on, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hoinghe.errors import StorageError
from hoinghe.i18n import Text

__all__ = ["SCHEMA_VERSION", "UPGRADES", "metadata", "tables", "upgrade_schema"]

#: The schema this hoinghe writes.  2: ``org_version``, bumped by every change to units, members or actors.
#: 3: the relay's columns on ``outbox``, and ``actor_grants``.  4: ``activities`` (outreach sessions, trainings).
SCHEMA_VERSION = 4

metadata = sa.MetaData()

_meta = sa.Table(
    "hoinghe_meta", metadata, sa.Column("key", sa.String(64), primary_key=True), sa.Column("value", sa.Text)
)

_units = sa.Table(
    "units",
    metadata,
    sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(200), nullable=False, unique=True),
    sa.Column("level", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(64)),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("parent", sa.String(200)),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Index("units_by_level", "level", "kind", "status"),
)

_members = sa.Table(
    "members",
    metadata,
    sa.Column("id", sa.String(200), primary_key=True),
    sa.Column("payload", sa.Text, nullable=False),
)

_actors = sa.Table(
    "actors",
    metadata,
    sa.Column("id", sa.String(200), primary_key=True),
    sa.Column("payload", sa.Text, nullable=False),
)

_memberships = sa.Table(
    "memberships",
    metadata,
    sa.Column("member_id", sa.String(200), primary_key=True),
    sa.Column("unit_id", sa.String(200), sa.ForeignKey("units.id"), primary_key=True),
    sa.Index("memberships_by_unit", "unit_id"),
)

_cases = sa.Table(
    "cases",
    metadata,
    sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(200), nullable=False, unique=True),
    sa.Column("workflow", sa.String(200), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("state", sa.String(200), nullable=False),
    sa.Column("closed", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Index("cases_by_workflow", "workflow", "subject"),
    sa.Index("cases_by_subject", "subject"),
)

_events = sa.Table(
    "events",
    metadata,
    sa.Column("case_id", sa.String(200), sa.ForeignKey("cases.id"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
)

_timers = sa.Table(
    "timers",
    metadata,
    sa.Column("id", sa.String(400), primary_key=True),
    sa.Column("case_id", sa.String(200), sa.ForeignKey("cases.id"), nullable=False),
    sa.Column("due", sa.Float, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Index("timers_by_due", "due"),
    sa.Index("timers_by_case", "case_id"),
)


# Added in schema 3: the relay's bookkeeping (who holds a message and until when, when to try again, when it
# was given up), and when the message was written.
def _outbox_3() -> list[sa.Column[object]]:
    return [
        sa.Column("channel", sa.String(64), nullable=False, server_default="log"),
        sa.Column("created", sa.Float),
        sa.Column("lease_owner", sa.String(200)),
        sa.Column("lease_until", sa.Float),
        sa.Column("next_attempt", sa.Float),
        sa.Column("failed", sa.Float),
    ]


_OUTBOX_3 = _outbox_3()

_outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(400), nullable=False, unique=True),
    sa.Column("case_id", sa.String(200), sa.ForeignKey("cases.id"), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("topic", sa.String(200), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("delivered", sa.Float),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text),
    *_OUTBOX_3,
    sa.Index("outbox_pending", "delivered", "n"),
    sa.Index("outbox_by_case", "case_id", "n"),
)

# Added in schema 3: each actor's grants, so "who holds this role at that unit" is one indexed query.
_actor_grants = sa.Table(
    "actor_grants",
    metadata,
    sa.Column("actor_id", sa.String(200), sa.ForeignKey("actors.id"), primary_key=True),
    sa.Column("role", sa.String(200), primary_key=True),
    sa.Column("unit_id", sa.String(200), primary_key=True),
    sa.Index("actor_grants_by_role", "role", "unit_id"),
)

_idempotency = sa.Table(
    "idempotency",
    metadata,
    sa.Column("key", sa.String(400), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("case_id", sa.String(200), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
)

_versions = sa.Table(
    "versions",
    metadata,
    sa.Column("hash", sa.String(64), primary_key=True),
    sa.Column("workflow_id", sa.String(200), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
)

# Added in schema 4: outreach sessions and trainings, listed by unit, kind and day.
_activities = sa.Table(
    "activities",
    metadata,
    sa.Column("id", sa.String(200), primary_key=True),
    sa.Column("unit_id", sa.String(200), sa.ForeignKey("units.id"), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Index("activities_by_unit", "unit_id", "kind", "day"),
    sa.Index("activities_by_day", "kind", "day", "id"),
)

_org_version = sa.Table(
    "org_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger, nullable=False),
)

#: The tables by short name: ``tables.units``, ``tables.cases`` ...
tables = SimpleNamespace(
    meta=_meta,
    units=_units,
    members=_members,
    actors=_actors,
    actor_grants=_actor_grants,
    memberships=_memberships,
    cases=_cases,
    events=_events,
    timers=_timers,
    outbox=_outbox,
    idempotency=_idempotency,
    versions=_versions,
    org_version=_org_version,
    activities=_activities,
)


def _add_org_version(conn: Connection) -> None:
    """1 -> 2: the counter that tells a store its cached organisation is still current."""
    _org_version.create(conn)
    conn.execute(sa.insert(_org_version).values(id=1, version=0))


def _add_relay_and_grants(conn: Connection) -> None:
    """2 -> 3: the relay's columns on the outbox, and the grants of every actor already stored."""
    from hoinghe.org.model import Actor  # noqa: PLC0415 - only an upgrade reads actors here
    from hoinghe.storage.codec import decode  # noqa: PLC0415 - the codec imports nothing of the schema

    for column in _outbox_3():
        kind = column.type.compile(dialect=conn.dialect)
        default = column.server_default
        extra = f" DEFAULT '{default.arg}' NOT NULL" if isinstance(default, sa.DefaultClause) else ""
        conn.execute(sa.text(f"ALTER TABLE outbox ADD COLUMN {column.name} {kind}{extra}"))
    _actor_grants.create(conn)
    for payload in conn.execute(sa.select(_actors.c.payload)).scalars().all():
        actor = decode(Actor, payload)
        grants = dict.fromkeys((g.role, g.unit) for g in actor.grants)
        if grants:
            conn.execute(
                sa.insert(_actor_grants), [{"actor_id": actor.id, "role": r, "unit_id": u} for r, u in grants]
            )


def _add_activities(conn: Connection) -> None:
    """3 -> 4: the table of outreach sessions and trainings (empty: nothing recorded them before)."""
    _activities.create(conn)


#: version -> the step that upgrades a database of that version to the next, in the same transaction.
UPGRADES: dict[int, Callable[[Connection], None]] = {
    1: _add_org_version,
    2: _add_relay_and_grants,
    3: _add_activities,
}


def _recorded(conn: Connection) -> int | None:
    if not sa.inspect(conn).has_table(_meta.name):
        return None
    value = conn.execute(sa.select(_meta.c.value).where(_meta.c.key == "schema_version")).scalar()
    return None if value is None else int(value)


def upgrade_schema(conn: Connection) -> int:
    """Create the schema, or upgrade it step by step; returns the version now recorded.

    Raises:
        StorageError: the database's schema is newer than this hoinghe knows.
    """
    found = _recorded(conn)
    if found is None:
        metadata.create_all(conn)
        conn.execute(sa.insert(_meta).values(key="schema_version", value=str(SCHEMA_VERSION)))
        conn.execute(sa.insert(_org_version).values(id=1, version=0))
        return SCHEMA_VERSION
    if found > SCHEMA_VERSION:
        msg = Text(
            f"cơ sở dữ liệu có lược đồ phiên bản {found}, mới hơn bản hoinghe này ({SCHEMA_VERSION}): "
            "hãy nâng cấp hoinghe",
            f"the database has schema {found}, newer than this hoinghe ({SCHEMA_VERSION}): upgrade hoinghe",
        )
        raise StorageError(msg)
    while found < SCHEMA_VERSION:
        UPGRADES[found](conn)
        found += 1
        conn.execute(sa.update(_meta).where(_meta.c.key == "schema_version").values(value=str(found)))
    return found

"""The PostgreSQL test server (tests/pg.py): it answers, each fresh database is its own, and nothing outlives it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

import pg

TESTS = Path(__file__).resolve().parent


def tables(url: str) -> set[str]:
    with psycopg.connect(pg.libpq_url(url)) as conn:
        rows = conn.execute("select tablename from pg_tables where schemaname = 'public'").fetchall()
    return {row[0] for row in rows}


def test_the_server_answers(postgres_url):
    with psycopg.connect(pg.libpq_url(postgres_url)) as conn:
        (version,) = conn.execute("select version()").fetchone()
    assert version.startswith("PostgreSQL ")


def test_a_fresh_database_is_empty_and_takes_tables(postgres_db):
    name = make_url(postgres_db).database
    assert tables(postgres_db) == set()
    with psycopg.connect(pg.libpq_url(postgres_db)) as conn:
        assert conn.execute("select current_database()").fetchone() == (name,)
        conn.execute("create table cases (id text primary key, version int not null)")
        conn.execute("insert into cases values ('c-1', 3)")
        conn.commit()
    with psycopg.connect(pg.libpq_url(postgres_db)) as conn:
        assert conn.execute("select id, version from cases").fetchall() == [("c-1", 3)]


def test_fresh_databases_are_isolated(postgres_url):
    first, second = pg.fresh_database(), pg.fresh_database("other")
    assert make_url(first).database != make_url(second).database
    assert make_url(second).database.startswith("other_")
    with psycopg.connect(pg.libpq_url(first)) as conn:
        conn.execute("create table only_here (x int)")
    assert tables(first) == {"only_here"}
    assert tables(second) == set()


def test_the_url_works_with_sqlalchemy(postgres_db):
    engine = sa.create_engine(postgres_db)
    try:
        with engine.connect() as conn:
            assert conn.dialect.driver == "psycopg"
            assert conn.execute(sa.text("select 40 + 2")).scalar_one() == 42
    finally:
        engine.dispose()


def test_one_server_per_process_even_when_threads_race(postgres_url):
    with ThreadPoolExecutor(8) as pool:
        urls = set(pool.map(lambda _: pg.pg_url(), range(16)))
    assert urls == {postgres_url}


def test_the_environment_variable_names_the_server(monkeypatch):
    monkeypatch.setenv(pg.ENV, "postgresql+psycopg://ci:secret@db.example:6543/hoinghe")
    assert pg.pg_url() == "postgresql+psycopg://ci:secret@db.example:6543/hoinghe"


def test_missing_postgresql_is_an_error_that_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(pg, "DEBIAN_ROOT", tmp_path)
    with pytest.raises(RuntimeError, match="apt-get install postgresql") as caught:
        pg.find_bindir()
    assert pg.ENV in str(caught.value)


def test_a_database_prefix_must_be_an_identifier():
    with pytest.raises(ValueError, match="prefix"):
        pg.fresh_database('x"; drop database postgres; --')


CHILD = """
import json, os, signal, sys
import pg, psycopg
url = pg.pg_url()
cluster = pg._cluster
with psycopg.connect(pg.libpq_url(url)) as conn:
    pids = [row[0] for row in conn.execute("select pid from pg_stat_activity")]
server = cluster.server.pid
print(json.dumps({"root": str(cluster.root), "server": server, "pids": [server, *pids]}), flush=True)
if sys.argv[1] == "SIGKILL":
    os.kill(os.getpid(), signal.SIGKILL)
"""


def running(pid: int) -> bool:
    """Tell whether a postgres process has this pid and has not ended (a zombie has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z" and b"postgres" in cmdline


def uid_of(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])


@pytest.mark.parametrize("ending", ["exit", "SIGKILL"])
def test_no_postgres_process_outlives_the_tests(ending, tmp_path):
    env = {key: value for key, value in os.environ.items() if key != pg.ENV}
    env["PYTHONPATH"] = str(TESTS)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, ending], cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    seen = json.loads(child.stdout.readline())
    if os.geteuid() == 0:
        assert uid_of(seen["server"]) != 0
    assert len(seen["pids"]) >= 4  # the server, its background workers and the query's backend
    child.communicate(timeout=60)
    assert child.returncode == (-signal.SIGKILL if ending == "SIGKILL" else 0)
    # After a SIGKILL the watchdog cleans up on its own time: give it a few seconds.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (
        Path(seen["root"]).exists() or any(running(pid) for pid in seen["pids"])
    ):
        time.sleep(0.1)
    assert [pid for pid in seen["pids"] if running(pid)] == []
    assert not Path(seen["root"]).exists()

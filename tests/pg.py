"""A PostgreSQL server for the tests: ``pg_url()`` names it, ``fresh_database()`` gives each test its own database.

``HOINGHE_TEST_POSTGRES_URL`` names a server to use.  Without it, the first call starts a private cluster: ``initdb``
in a temporary folder, listening on 127.0.0.1 on a free port, fsync off, trust auth.  It is stopped and deleted at
exit (``atexit``), and by a watchdog process when the tests die without running ``atexit`` (SIGKILL, ``os._exit``),
so no postgres process outlives the test run.  PostgreSQL refuses to run as root, so root runs it as the ``postgres``
system user, or ``nobody`` where there is none.  Missing PostgreSQL is an error, never a skip: the PostgreSQL tests
are required.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

ENV = "HOINGHE_TEST_POSTGRES_URL"
DEBIAN_ROOT = Path("/usr/lib/postgresql")  # Debian's packages keep initdb and pg_ctl here, off PATH
SUPERUSER = "postgres"
HOW_TO_FIX = (
    "The PostgreSQL tests need a server. Install PostgreSQL (Debian/Ubuntu: `apt-get install postgresql`; "
    f"initdb and pg_ctl are looked for on PATH and in {DEBIAN_ROOT}/*/bin), or set {ENV} to the URL of a server "
    "to use, e.g. postgresql+psycopg://user:password@host:5432/postgres (the user needs CREATEDB)."
)
SETTINGS = """
# hoinghe tests: a throwaway cluster, so durability is traded for speed.
listen_addresses = '127.0.0.1'
unix_socket_directories = '{sockets}'
max_connections = 50
fsync = off
synchronous_commit = off
full_page_writes = off
"""

_lock = threading.Lock()
_cluster: _Cluster | None = None
_external_databases: list[str] = []


def pg_url() -> str:
    """Return the SQLAlchemy URL of the test server, starting the throwaway cluster on first use."""
    global _cluster  # noqa: PLW0603 - one cluster per process, started lazily
    if url := os.environ.get(ENV):
        return url
    with _lock:
        if _cluster is None:
            _cluster = _start()
        return _cluster.url


def fresh_database(prefix: str = "t") -> str:
    """Create an empty database with a unique name on the test server and return its SQLAlchemy URL."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,30}", prefix):
        raise ValueError(f"prefix must be a short lower-case identifier, not {prefix!r}")
    base = pg_url()
    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(libpq_url(base), autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    if os.environ.get(ENV):
        # A throwaway cluster is deleted whole; a shared server would keep every test's database.
        with _lock:
            if not _external_databases:
                atexit.register(_drop_external_databases, base, os.getpid())
            _external_databases.append(name)
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """Turn a SQLAlchemy URL (``postgresql+psycopg://...``) into one that psycopg and libpq accept."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def find_bindir() -> Path:
    """Return the folder holding initdb, pg_ctl and postgres: PATH first, else Debian's newest version."""
    candidates: list[Path] = []
    if found := shutil.which("initdb"):
        # /usr/local/bin/initdb may be a link into Debian's folder, where pg_ctl and postgres sit beside it.
        candidates += [Path(found).parent, Path(found).resolve().parent]
    candidates += sorted(DEBIAN_ROOT.glob("*/bin"), key=lambda p: _version(p.parent.name), reverse=True)
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return bindir
    raise RuntimeError(f"PostgreSQL's initdb, pg_ctl and postgres were not found. {HOW_TO_FIX}")


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", name))


@dataclass
class _Cluster:
    bindir: Path
    root: Path
    user: pwd.struct_passwd | None
    owner_pid: int = field(default_factory=os.getpid)
    url: str = ""
    server: subprocess.Popen[bytes] | None = None
    watchdog: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        # A child made by os.fork() runs atexit too: only the process that started the cluster stops it.
        if os.getpid() != self.owner_pid:
            return
        _stop_cluster(self.bindir, self.root, self.user)
        if self.server is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.server.wait(timeout=10)  # reaps it
        if self.watchdog is not None and self.watchdog.stdin is not None:
            self.watchdog.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.watchdog.wait(timeout=10)


def _start() -> _Cluster:
    started = time.monotonic()
    bindir = find_bindir()
    user = _server_user()
    root = Path(tempfile.mkdtemp(prefix="hoinghe-pg-", dir=_temp_base()))
    if user is not None:
        os.chown(root, user.pw_uid, user.pw_gid)
    cluster = _Cluster(bindir, root, user)
    # The watchdog deletes the cluster when its stdin closes, which happens however this process ends.
    cluster.watchdog = subprocess.Popen(
        [sys.executable, __file__, "watch", str(bindir), str(root), user.pw_name if user else ""],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a Ctrl-C meant for the tests must not kill it before it has cleaned up
    )
    try:
        _initdb(cluster)
        _start_server(cluster, deadline=started + 60)
    except BaseException:
        cluster.stop()
        raise
    atexit.register(cluster.stop)
    return cluster


def _server_user() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError(
        f"PostgreSQL cannot run as root and neither a `postgres` nor a `nobody` user exists. {HOW_TO_FIX}"
    )


def _temp_base() -> Path:
    base = Path(tempfile.gettempdir())
    if os.geteuid() == 0 and not all(folder.stat().st_mode & 0o001 for folder in (base, *base.parents)):
        # The server user must be able to reach its data folder; TMPDIR under /root would hide it.
        return Path("/tmp")  # noqa: S108 - the world-traversable fallback, with a private folder made by mkdtemp
    return base


def _as_user(user: pwd.struct_passwd | None) -> dict[str, Any]:
    if user is None:
        return {}
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def _run(cluster: _Cluster, *args: str) -> None:
    result = subprocess.run(
        [str(cluster.bindir / args[0]), *args[1:]],
        cwd=cluster.root,  # the server user may not be allowed into the tests' working folder
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        **_as_user(cluster.user),
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"`{' '.join(args)}` failed (exit {result.returncode}) in {cluster.root}:\n"
            f"{result.stdout}{result.stderr}\n{HOW_TO_FIX}"
        )


def _initdb(cluster: _Cluster) -> None:
    data = cluster.root / "data"
    _run(
        cluster,
        *("initdb", "-D", str(data), "-U", SUPERUSER, "--auth=trust"),
        *("-E", "UTF8", "--locale=C", "--no-sync"),
    )
    with (data / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.write(SETTINGS.format(sockets=cluster.root))


def _start_server(cluster: _Cluster, *, deadline: float) -> None:
    # The server is this process's child, not pg_ctl's daemon, so that stopping it can reap it: where PID 1 reaps
    # no orphans (as in some sandboxes), a daemon would stay behind as a zombie.  The port is free when asked for
    # but may be taken before the server binds it: then try again with another.
    for attempt in range(3):
        port = _free_port()
        with (cluster.root / "server.log").open("ab") as log:
            cluster.server = subprocess.Popen(
                [str(cluster.bindir / "postgres"), "-D", str(cluster.root / "data"), "-p", str(port)],
                cwd=cluster.root,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # out of the tests' process group, away from a Ctrl-C
                **_as_user(cluster.user),
            )
        cluster.url = f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/postgres"
        try:
            _wait_until_ready(cluster, deadline=deadline)
        except RuntimeError as error:
            if attempt == 2 or "could not bind" not in str(error):
                raise
        else:
            return


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_ready(cluster: _Cluster, *, deadline: float) -> None:
    assert cluster.server is not None
    while True:
        try:
            with psycopg.connect(libpq_url(cluster.url), connect_timeout=5) as conn:
                conn.execute("select 1")
        except psycopg.OperationalError as error:
            if cluster.server.poll() is not None:
                raise RuntimeError(
                    f"PostgreSQL exited with code {cluster.server.returncode} at start-up in {cluster.root}:\n"
                    f"{_log_tail(cluster)}\n{HOW_TO_FIX}"
                ) from error
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"PostgreSQL in {cluster.root} refused connections: {error}\n{_log_tail(cluster)}"
                ) from error
            time.sleep(0.05)
        else:
            return


def _log_tail(cluster: _Cluster) -> str:
    log = cluster.root / "server.log"
    return "\n".join(log.read_text(errors="replace").splitlines()[-15:]) if log.exists() else ""


def _stop_cluster(bindir: Path, root: Path, user: pwd.struct_passwd | None) -> None:
    data = root / "data"
    pid = _postmaster_pid(data)
    if pid is not None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            subprocess.run(
                [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "-t", "20", "stop"],
                cwd=root,
                capture_output=True,
                timeout=30,
                check=False,
                **_as_user(user),
            )
        if _postmaster_pid(data) == pid:
            # pg_ctl failed and the file still names the server: kill it; its children notice and exit.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
    shutil.rmtree(root, ignore_errors=True)


def _postmaster_pid(data: Path) -> int | None:
    try:
        return int((data / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


def _drop_external_databases(base: str, owner_pid: int) -> None:
    if os.getpid() != owner_pid:
        return
    with contextlib.suppress(psycopg.Error), psycopg.connect(libpq_url(base), autocommit=True) as conn:
        for name in _external_databases:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _watch(bindir: str, root: str, user_name: str) -> None:
    sys.stdin.buffer.read()  # returns at end of file: the tests closed the pipe or died
    _stop_cluster(Path(bindir), Path(root), pwd.getpwnam(user_name) if user_name else None)


if __name__ == "__main__" and sys.argv[1:2] == ["watch"]:
    _watch(*sys.argv[2:5])

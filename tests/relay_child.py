"""The relay tests' child process: it forks relay workers that deliver to a file until they are killed.

Started by ``test_relay.py`` (``python tests/relay_child.py``), it imports hoinghe once, then forks a worker for
each command, so a worker starts delivering within milliseconds (a fresh interpreter would spend most of a
round importing).  This process runs no threads and opens no database connection, so forking it is safe.

Commands, one a line on stdin; answers, one a line on stdout:

``relay URL SINK LEASE_SECONDS WORKER``
    fork a worker that runs a relay on ``URL`` until killed, delivering every channel to the file ``SINK``
    (one line per delivery: ``worker key case_id seq``); answer ``pid N`` at once and ``status ...`` when the
    worker has ended (the parent kills it, or it exits 0 once the outbox is drained and ``WORKER`` ends in
    ``-drain``); with ``-slow`` in its name, each delivery takes 5 ms.  A ``WORKER`` ending in ``-dead`` delivers to a dead sink instead: a webhook and an SMTP server
    at the 127.0.0.1 port ``SINK``, where nobody listens, retried with a short backoff and never given up (N-5).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
import traceback

# The PostgreSQL driver and its dialect are imported before forking too: on a loaded machine importing them in
# a worker took longer than the shortest life a worker is given.
import psycopg  # noqa: F401
import sqlalchemy.dialects.postgresql.psycopg  # noqa: F401

from hoinghe import SqlStore
from hoinghe.hooks.notifiers import EmailNotifier, WebhookNotifier
from hoinghe.hooks.relay import Relay
from hoinghe.records import OutboxMessage

FAILED = 3
CHANNELS = ("log", "email", "webhook")


class FileSink:
    """A consumer that appends one line per delivery to a file; one ``write`` per line, so a kill never leaves
    half a line."""

    def __init__(self, path: str, worker: str, channel: str) -> None:
        self.channel = channel
        self.worker = worker
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def send(self, message: OutboxMessage) -> None:
        if "-slow" in self.worker:  # a consumer that takes a while, so that workers overlap
            time.sleep(0.005)
        os.write(self._fd, f"{self.worker} {message.key} {message.case_id} {message.seq}\n".encode())

    def close(self) -> None:
        os.close(self._fd)


def work(url: str, sink: str, lease: float, worker: str) -> None:
    """The worker's life after the fork; it never returns."""
    code = 0
    try:
        store = SqlStore(url, create=False)
        if worker.endswith("-dead"):
            relay = Relay(
                store,
                [
                    WebhookNotifier(f"http://127.0.0.1:{sink}/hook", timeout=1.0),
                    EmailNotifier("127.0.0.1", int(sink), sender="hoi@example.vn", timeout=1.0),
                ],
                worker=worker,
                lease=dt.timedelta(seconds=lease),
                batch=50,
                tries=1,
                max_attempts=None,
                backoff=dt.timedelta(milliseconds=50),
                backoff_cap=dt.timedelta(milliseconds=200),
            )
        else:
            relay = Relay(
                store,
                [FileSink(sink, worker, channel) for channel in CHANNELS],
                worker=worker,
                lease=dt.timedelta(seconds=lease),
                batch=5,
            )
        while True:
            report = relay.run_once()
            if report.claimed == 0 and worker.endswith("-drain"):
                status = relay.status()
                if status.pending == 0:
                    break
    except BaseException:  # noqa: BLE001 - the parent reads the exit code
        traceback.print_exc()
        code = FAILED
    sys.stderr.flush()
    os._exit(code)


def status(pid: int) -> str:
    _, raw = os.waitpid(pid, 0)
    return f"signal {os.WTERMSIG(raw)}" if os.WIFSIGNALED(raw) else f"exit {os.waitstatus_to_exitcode(raw)}"


def answer(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> None:
    for line in sys.stdin:
        _, url, sink, lease, worker = line.split()
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            work(url, sink, float(lease), worker)
        answer(f"pid {pid}")
        answer(f"status {status(pid)}")


if __name__ == "__main__":
    main()

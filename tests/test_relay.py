"""The outbox relay: notifications written with transitions, delivered at least once and in order per case.

RELIABILITY.md N-1 (outbox rows with the transition), N-2 (relay killed at random points), N-3 (a broken notifier
never blocks a transition), N-4 (order per case with two workers).  N-5 (a dead sink) is in ``test_relay_soak.py``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

import world
from hoinghe import ManualClock, Refused, SqlStore
from hoinghe.hooks.notifiers import DeliveryError
from hoinghe.hooks.relay import Relay
from hoinghe.records import Case, Commit, Event, OutboxMessage
from hoinghe.storage import MemoryStore

EMAILS = {"officer-1": "canbo.yenson@hoind.example.vn", "btv-1": "btv.yenson@hoind.example.vn"}


def with_emails(store: object) -> None:
    store.put_org(actors=[attrs.evolve(a, email=EMAILS.get(a.id)) for a in world.actors()])  # type: ignore[attr-defined]


def approved(engine, unit_id: str = "g-new", members=("f1", "f2", "f3", "f4", "f5", "f6")) -> str:
    case_id = world.found_until_submitted(engine, members, world.new_group(unit_id))
    engine.fire(case_id, "approve", "btv-1", documents=world.DECISION)
    return case_id


class Recorder:
    """A notifier that keeps what it was given, failing as told first."""

    def __init__(self, channel: str, failures: list[BaseException] | None = None) -> None:
        self.channel = channel
        self.sent: list[OutboxMessage] = []
        self.failures = list(failures or [])
        self.calls = 0

    def send(self, message: OutboxMessage) -> None:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)

    def close(self) -> None:
        pass


def relay_for(store, *notifiers, clock=None, **kwargs) -> Relay:
    kwargs.setdefault("sleep", lambda _s: None)
    kwargs.setdefault("rng", random.Random(7))  # noqa: S311 - jitter
    return Relay(store, notifiers, worker="w1", clock=clock or ManualClock(world.START), **kwargs)


# ------------------------------------------------------------------------------------------------- N-1


def test_an_approval_writes_its_notifications_with_the_transition():
    engine = world.engine()
    with_emails(engine.store)
    case_id = approved(engine)
    event = engine.history(case_id)[-1]
    email, webhook = engine.store.outbox()
    assert (email.key, webhook.key) == (f"{case_id}:{event.seq}:notify:0", f"{case_id}:{event.seq}:notify:1")
    assert (email.channel, webhook.channel) == ("email", "webhook")
    assert email.topic == webhook.topic == "transition.approve"
    assert email.at == event.at
    # Recipients resolved when the event committed: the proposer, and the body that decided, with addresses.
    assert [dict(r) for r in email.payload["to"]] == [
        {"actor": "officer-1", "name": "Cán bộ Hội xã Yên Sơn", "email": EMAILS["officer-1"]},
        {
            "actor": "btv-1",
            "name": "Ban Thường vụ xã Yên Sơn",
            "grant": "standing_committee@c-1",
            "email": EMAILS["btv-1"],
        },
    ]
    assert [r["grant"] for r in webhook.payload["to"]] == ["standing_committee@p-1"]
    name = "Tổ hội nghề nghiệp cam g-new"
    assert email.payload["title"] == {"vi": f"Thành lập {name}", "en": f"{name} is founded"}
    assert email.payload["message"]["vi"] == (
        f"Hội Nông dân đã quyết định thành lập {name} với 6 hội viên (hồ sơ {case_id})."
    )
    assert (email.payload["state"], email.payload["from"]) == ("approved", "dossier_submitted")


def test_a_refused_transition_writes_no_notification():
    engine = world.engine()
    case_id = world.found_until_submitted(engine)
    with pytest.raises(Refused):
        engine.fire(case_id, "approve", "officer-1", documents=world.DECISION)  # the proposer may not decide
    assert engine.store.outbox() == []


# ------------------------------------------------------------------------------------------------- the relay


def test_the_relay_delivers_each_message_once_in_commit_order():
    engine = world.engine()
    first, second = approved(engine, "g-a"), approved(engine, "g-b", ("f7", "f8", "f9", "f10", "f11", "f12"))
    email, webhook = Recorder("email"), Recorder("webhook")
    relay = relay_for(engine.store, email, webhook)
    report = relay.run_once()
    assert len(report.delivered) == 4
    assert [m.case_id for m in email.sent] == [first, second]
    assert [m.case_id for m in webhook.sent] == [first, second]
    assert engine.store.outbox() == []
    assert relay.run_once().claimed == 0
    status = relay.status()
    assert (status.pending, status.delivered, status.failed) == (0, 4, 0)


def messages(store, case_id: str, *streams: tuple[int, str]) -> list[str]:
    """Commit a case whose events wrote messages (seq, channel) in this order; their keys."""
    case = Case(case_id, "wf", "h", "c-1", "open", 1, world.START, world.START, "officer-1")
    event = Event(
        case_id, 1, "opened", world.START, "officer-1", "open", workflow="wf", subject="c-1", definition="h"
    )
    outbox = tuple(
        OutboxMessage(f"{case_id}:{seq}:{channel}:{n}", case_id, seq, "t", {"n": n}, channel=channel)
        for n, (seq, channel) in enumerate(streams)
    )
    store.commit(Commit(case, (event,), 0, outbox=outbox))
    return [m.key for m in outbox]


def test_a_transient_failure_is_retried_later_and_holds_back_its_stream_only():
    store = MemoryStore()
    first, second, hook = messages(store, "k1", (1, "email"), (2, "email"), (2, "webhook"))
    clock = ManualClock(world.START)
    email = Recorder("email", [ConnectionError("refused"), ConnectionError("refused")])
    webhook = Recorder("webhook")
    relay = relay_for(store, email, webhook, clock=clock, tries=2, backoff=dt.timedelta(seconds=30))
    report = relay.run_once()
    assert report.retrying == (first,)
    assert report.held_back == (second,)  # the next email waits for the one before it
    assert report.delivered == (hook,)  # the webhook is another stream: it goes on
    assert (email.calls, webhook.calls) == (2, 1)  # tried twice in the round (tenacity), then recorded
    status = relay.status()
    assert (status.retrying, status.due) == (1, 1)
    (problem,) = status.problems
    assert problem.attempts == 1
    assert "ConnectionError: refused" in problem.last_error
    assert dt.timedelta(seconds=15) <= problem.next_attempt - clock.now() <= dt.timedelta(seconds=30)
    assert relay.run_once().claimed == 0  # before the next attempt is due, the whole stream waits
    clock.advance(dt.timedelta(seconds=31))
    assert relay.run_once().delivered == (first, second)
    assert [m.key for m in email.sent] == [first, second]
    assert relay.status().retrying == 0


def test_a_permanent_failure_is_given_up_and_the_case_goes_on():
    engine = world.engine()
    case_id = approved(engine)
    email = Recorder("email", [DeliveryError("no recipient has an email address", permanent=True)])
    webhook = Recorder("webhook")
    relay = relay_for(engine.store, email, webhook)
    report = relay.run_once()
    assert (report.given_up, report.delivered) == ((f"{case_id}:7:notify:0",), (f"{case_id}:7:notify:1",))
    assert email.calls == 1  # a permanent failure is not tried again in the round
    status = relay.status()
    assert (status.failed, status.pending) == (1, 0)
    assert status.problems[0].last_error == "no recipient has an email address"
    assert engine.store.retry_outbox() == 1  # after the addresses are fixed
    assert relay.run_once().delivered == (f"{case_id}:7:notify:0",)


def test_too_many_attempts_give_a_message_up():
    engine = world.engine()
    approved(engine)
    clock = ManualClock(world.START)
    email = Recorder("email", [TimeoutError("slow")] * 10)
    relay = relay_for(engine.store, email, Recorder("webhook"), clock=clock, tries=1, max_attempts=3)
    outcomes = []
    for _ in range(3):
        outcomes.append(relay.run_once())
        clock.advance(dt.timedelta(hours=2))
    assert [bool(r.retrying) for r in outcomes] == [True, True, False]
    assert outcomes[0].delivered  # the webhook is another stream: it went out at once
    assert outcomes[-1].given_up  # the email is given up on its 3rd attempt
    assert relay.status().failed == 1


def test_a_channel_nobody_configured_fails_visibly_and_goes_out_once_configured():
    engine = world.engine()
    case_id = approved(engine)
    clock = ManualClock(world.START)
    relay = relay_for(engine.store, Recorder("webhook"), clock=clock)
    report = relay.run_once()
    assert (report.retrying, report.delivered) == ((f"{case_id}:7:notify:0",), (f"{case_id}:7:notify:1",))
    assert "no notifier for channel 'email'" in relay.status().problems[0].last_error
    email = Recorder("email")
    later = relay_for(engine.store, email, Recorder("webhook"), clock=clock)
    clock.advance(dt.timedelta(hours=1))
    assert later.run_once().delivered == (f"{case_id}:7:notify:0",)
    assert len(email.sent) == 1


def test_a_batch_stops_before_its_lease_runs_out():
    engine = world.engine()
    approved(engine, "g-a")
    approved(engine, "g-b", ("f7", "f8", "f9", "f10", "f11", "f12"))
    clock = ManualClock(world.START)

    class Slow(Recorder):
        def send(self, message: OutboxMessage) -> None:
            super().send(message)
            clock.advance(dt.timedelta(seconds=30))  # each delivery takes half the lease

    relay = relay_for(
        engine.store, Slow("email"), Slow("webhook"), clock=clock, lease=dt.timedelta(minutes=1)
    )
    report = relay.run_once()
    assert len(report.delivered) == 2  # past 80% of the lease, the rest is given back untried
    assert len(report.held_back) == 2
    assert relay.status().due == 2  # released at once, not left to run out


# ------------------------------------------------------------------------------------------------- N-3


def test_n3_a_broken_notifier_never_blocks_a_transition(tmp_path):
    store = SqlStore(f"sqlite:///{tmp_path / 'n3.db'}")
    store.put_org(units=world.units(), members=world.members(), actors=world.actors())
    engine = world.engine(store=store)
    release = threading.Event()

    class Hanging(Recorder):
        def send(self, message: OutboxMessage) -> None:  # noqa: ARG002 - it never gets that far
            release.wait(30)
            raise RuntimeError("the sink fell over")

    relay = Relay(store, [Hanging("email"), Hanging("webhook")], sleep=lambda _s: None, tries=1)
    worker = threading.Thread(target=relay.run_once)
    first = approved(engine, "g-a")
    worker.start()
    try:
        started = time.monotonic()
        second = approved(engine, "g-b", ("f7", "f8", "f9", "f10", "f11", "f12"))  # commits while it hangs
        assert time.monotonic() - started < 10
        assert engine.case(second).state == "approved"
    finally:
        release.set()
        worker.join(30)
    assert engine.case(first).state == "approved"
    status = relay.status()
    assert status.pending == 4  # nothing lost: the failures are recorded, the messages wait
    # The first case's email and webhook failed; the second case's too if it committed before the relay claimed.
    assert status.retrying in {2, 4}
    store.close()


# ------------------------------------------------------------------------------------------------- N-2, N-4


class RelayChild:
    """``relay_child.py``: forks relay workers on command (see its docstring)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("relay_child.py"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def start(self, url: str, sink: Path, lease: float, worker: str) -> int:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(f"relay {url} {sink} {lease} {worker}\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline().strip()
        assert line.startswith("pid "), f"the relay child answered {line!r}"
        return int(line.removeprefix("pid "))

    def status(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline().strip()

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture
def relay_child() -> Iterator[RelayChild]:
    out = RelayChild()
    yield out
    out.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'relay.db'}"
    return str(request.getfixturevalue("postgres_db"))


@pytest.fixture
def store(url: str) -> Iterator[SqlStore]:
    out = SqlStore(url)
    out.put_org(units=world.units(), members=world.members(), actors=world.actors())
    yield out
    out.close()


ROSTERS = [
    ("f1", "f2", "f3", "f4", "f5", "f6"),
    ("f7", "f8", "f9", "f10", "f11", "f12"),
    ("f1", "f3", "f5", "f7", "f9", "f11"),
    ("f2", "f4", "f6", "f8", "f10", "f12"),
]


def committed_keys(store: SqlStore) -> list[str]:
    with store._engine.connect() as conn:  # every row ever written, delivered or not
        return list(conn.exec_driver_sql("SELECT key FROM outbox ORDER BY n").scalars())


def deliveries(sink: Path) -> list[tuple[str, str, str]]:
    if not sink.exists():
        return []
    return [tuple(line.split()[1:4]) for line in sink.read_text().splitlines()]  # (key, case, seq)


def test_n2_killed_relays_deliver_every_committed_message_at_least_once(store, url, tmp_path, relay_child):
    engine = world.engine(store=store)
    sink = tmp_path / "delivered.txt"
    rng = random.Random(2)  # noqa: S311 - test timing, not secrets
    rounds = 100
    # A worker connects first (a PostgreSQL connection takes longer), then claims and delivers until killed.
    longest = 0.06 if url.startswith("sqlite") else 0.2
    signals = 0
    for n in range(rounds):
        if n % 10 == 0:  # transitions keep committing between the kills
            approved(engine, f"g-{n}", ROSTERS[(n // 10) % len(ROSTERS)])
        pid = relay_child.start(url, sink, 0.2, f"w{n}")
        # Most kills land at random points; every fifth worker gets long enough to deliver, however loaded the
        # machine is, so the run makes progress between the kills.
        time.sleep(rng.uniform(0.0, longest) if n % 5 else 0.5)
        os.kill(pid, signal.SIGKILL)
        status = relay_child.status()
        assert status in {"status signal 9", "status exit 0"}, status
        signals += status == "status signal 9"
    assert signals >= rounds * 0.9
    assert deliveries(sink), "no worker delivered anything before it was killed"
    written = committed_keys(store)
    time.sleep(0.25)  # the last killed worker's lease runs out
    relay_child.start(url, sink, 0.2, "final-drain")
    assert relay_child.status() == "status exit 0"
    delivered = [key for key, _, _ in deliveries(sink)]
    # At least once: every committed message was delivered, and nothing else was.
    assert set(delivered) == set(written)
    assert len(written) == 2 * rounds // 10
    assert store.outbox_status(dt.datetime.now(dt.UTC)).pending == 0
    # A consumer that de-duplicates by key applies each message once.
    applied: dict[str, int] = {}
    for key in delivered:
        applied.setdefault(key, len(applied))
    assert len(applied) == len(written)


def test_n4_two_relay_workers_keep_each_cases_order(store, url, tmp_path):
    # 12 cases, each with three events that each wrote an email and a webhook message: two streams of three.
    written = []
    for i in range(12):
        streams = [(seq, channel) for seq in (1, 2, 3) for channel in ("email", "webhook")]
        written += messages(store, f"k{i}", *streams)
    sink = tmp_path / "delivered.txt"
    children = [RelayChild(), RelayChild()]
    try:
        for i, child in enumerate(children):
            child.start(url, sink, 30, f"w{i}-slow-drain")
        assert [c.status() for c in children] == ["status exit 0", "status exit 0"]
    finally:
        for child in children:
            child.close()
    lines = sink.read_text().splitlines()
    delivered = [line.split()[1] for line in lines]
    assert sorted(delivered) == sorted(written)  # each once: no lease ran out

    def streams(keys: list[str]) -> dict[tuple[str, str], list[str]]:
        out: dict[tuple[str, str], list[str]] = defaultdict(list)
        for key in keys:
            case_id, _, channel, _ = key.split(":")
            out[case_id, channel].append(key)
        return out

    assert streams(delivered) == streams(written)  # each case's stream, in the order it was committed
    assert {line.split()[0] for line in lines} == {"w0-slow-drain", "w1-slow-drain"}, "both workers took part"


# ------------------------------------------------------------------------------------------------- N-5


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def test_n5_a_dead_sink_blocks_nothing_the_backlog_shows_and_the_relay_stays_small(tmp_path, relay_child):
    url = f"sqlite:///{tmp_path / 'dead.db'}"
    store = SqlStore(url)
    store.put_org(units=world.units(), members=world.members(), actors=world.actors())
    with_emails(store)
    engine = world.engine(store=store)
    dead = socket.socket()  # bound, never listening: every connection to it is refused
    dead.bind(("127.0.0.1", 0))
    pid = relay_child.start(url, Path(str(dead.getsockname()[1])), 30, "n5-dead")
    try:
        slowest = 0.0
        samples = []
        for n in range(160):
            started = time.monotonic()
            approved(engine, f"g-{n}", ROSTERS[n % len(ROSTERS)])
            slowest = max(slowest, time.monotonic() - started)
            if n in {40, 159}:
                time.sleep(0.5)  # the relay goes round the whole backlog a few times
                samples.append(_rss_kib(pid))
        status = store.outbox_status(dt.datetime.now(dt.UTC))
    finally:
        os.kill(pid, signal.SIGKILL)
        assert relay_child.status() == "status signal 9"
        dead.close()
    assert slowest < 5.0, f"a founding took {slowest:.2f} s while the relay failed"
    # The backlog is reported: every message waits, each tried and failing, none lost or given up.
    assert (status.pending, status.delivered, status.failed) == (320, 0, 0)
    assert status.retrying >= 25  # the heads of the cases the relay went round (the rest wait behind them)
    assert "refused" in (status.problems[0].last_error or "").lower()
    # Four times the backlog, the same relay: its memory does not grow with what waits.
    assert samples[1] - samples[0] < 6 * 1024, f"the relay grew from {samples[0]} KiB to {samples[1]} KiB"
    store.close()

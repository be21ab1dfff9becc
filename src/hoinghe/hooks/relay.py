"""The relay: delivers the outbox through notifiers, at least once, in order per case and channel.

The engine writes notifications into the outbox in the same transaction as the event that causes them (N-1); the
relay reads them afterwards, so no network call ever happens inside a decision.  One round (:meth:`Relay.run_once`):

1. **claim**: lease a batch of messages to this worker (:meth:`~hoinghe.storage.Store.claim_outbox`).  A case's
   messages on one channel are a stream, taken whole from its oldest pending message on, so two workers never
   hold messages of the same stream; on PostgreSQL several relay processes share the work with
   ``FOR UPDATE SKIP LOCKED``;
2. **deliver**: each message to the notifier of its channel, retried in place a few times with exponential
   backoff and jitter (tenacity) when the failure is transient;
3. **record**: delivered, or failed with the time of the next attempt (a longer backoff, across rounds), or given
   up (a permanent failure, or too many attempts).  A failed message holds back the later messages of its stream
   until it is delivered or given up (other channels of the case go on); one given up waits for
   ``hoinghe relay retry``.

A worker that dies mid-round loses its lease when it runs out; the messages go out again from another round, so a
consumer may see a message twice and de-duplicates by its key (``Idempotency-Key``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol, Self

import attrs
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from hoinghe.errors import HoingheError
from hoinghe.hooks.notifiers import DeliveryError, Notifier
from hoinghe.i18n import Text
from hoinghe.records import OutboxState, OutboxStatus
from hoinghe.storage.base import Store

__all__ = ["Relay", "RelayReport"]

log = logging.getLogger("hoinghe.relay")


class _Clock(Protocol):
    def now(self) -> dt.datetime: ...


class _UtcClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)  # clock: the relay's leases and backoffs run on real time


@attrs.frozen
class RelayReport:
    """What one round did, by message key."""

    delivered: tuple[str, ...] = ()
    retrying: tuple[str, ...] = ()  # failed; tried again after a backoff
    given_up: tuple[str, ...] = ()  # failed for good; see ``hoinghe relay status``
    held_back: tuple[str, ...] = ()  # behind a failure in their stream, or past the lease; released untried

    @property
    def claimed(self) -> int:
        return len(self.delivered) + len(self.retrying) + len(self.given_up) + len(self.held_back)


def _transient(exc: BaseException) -> bool:
    return not (isinstance(exc, DeliveryError) and exc.permanent)


def _describe(exc: BaseException) -> Text:
    """What a failed attempt said, in both languages; the exception's type too, unless it is a DeliveryError."""
    if isinstance(exc, HoingheError):
        said = exc.text
    else:
        first = exc.args[0] if exc.args else None
        said = first if isinstance(first, Text) else Text.same(str(exc))
    if not said.vi:
        said = Text.same(type(exc).__name__)
    return said if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: " + said


class Relay:
    """Delivers outbox messages from ``store`` through ``notifiers``, one channel each.

    Args:
        store: the store the engine writes to.
        notifiers: the notifiers, by channel (``{"email": EmailNotifier(...)}``) or as a list (each under its
            ``channel``).  A message for a channel with no notifier fails (and is retried): configure the
            channel and it goes out.
        worker: this worker's name in leases; host, process and a random suffix by default.
        clock: where "now" comes from for leases and backoffs (anything with ``now()``); real UTC time by default.
        lease: how long a claimed batch belongs to this worker; make it longer than a batch takes to deliver.
        batch: messages claimed per round.
        tries: attempts within a round before the failure is recorded (transient failures only).
        max_attempts: recorded failures after which a message is given up; ``None`` never gives up.
        backoff: the wait after the first recorded failure, doubled after each one up to ``backoff_cap``
            (with jitter).
        sleep: how the relay waits between tries in a round and when idle (tests pass a fake).
        rng: the random source of jitter.
    """

    def __init__(
        self,
        store: Store,
        notifiers: Mapping[str, Notifier] | Iterable[Notifier],
        *,
        worker: str | None = None,
        clock: _Clock | None = None,
        lease: dt.timedelta = dt.timedelta(seconds=60),
        batch: int = 100,
        tries: int = 3,
        max_attempts: int | None = 10,
        backoff: dt.timedelta = dt.timedelta(seconds=30),
        backoff_cap: dt.timedelta = dt.timedelta(hours=1),
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.notifiers: dict[str, Notifier] = (
            dict(notifiers) if isinstance(notifiers, Mapping) else {n.channel: n for n in notifiers}
        )
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.clock: _Clock = clock or _UtcClock()
        self.lease = lease
        self.batch = batch
        self.tries = max(1, tries)
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.backoff_cap = backoff_cap
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrets

    def __repr__(self) -> str:
        return f"<Relay {self.worker}: {', '.join(sorted(self.notifiers)) or 'no channels'}>"

    # ------------------------------------------------------------------------------------------------ rounds

    def run_once(self) -> RelayReport:
        """Claim one batch and deliver it; returns what happened to each claimed message."""
        started = self.clock.now()
        claimed = self.store.claim_outbox(self.worker, started, lease=self.lease, limit=self.batch)
        # Stop delivering well before the lease runs out: past it, another worker may hold these messages.
        deadline = started + self.lease * 0.8
        delivered: list[str] = []
        retrying: list[str] = []
        given_up: list[str] = []
        held: list[str] = []
        blocked: set[tuple[str, str]] = set()
        for state in claimed:
            message = state.message
            if (message.case_id, message.channel) in blocked or self.clock.now() >= deadline:
                held.append(message.key)
                continue
            error = self._deliver(state)
            now = self.clock.now()
            if error is None:
                self.store.outbox_delivered(message.key, now)
                delivered.append(message.key)
                continue
            attempts = state.attempts + 1
            final = not _transient(error) or (self.max_attempts is not None and attempts >= self.max_attempts)
            retry_at = None if final else now + self._wait(attempts)
            self.store.outbox_failed(message.key, now, _describe(error), retry_at=retry_at)
            if final:
                log.error("gave up %s after %d attempt(s): %s", message.key, attempts, _describe(error))
                given_up.append(message.key)
            else:
                log.warning("will retry %s at %s: %s", message.key, retry_at, _describe(error))
                retrying.append(message.key)
                blocked.add((message.case_id, message.channel))  # the stream's later messages wait for it
        if held:
            self.store.release_outbox(self.worker, held)
        return RelayReport(tuple(delivered), tuple(retrying), tuple(given_up), tuple(held))

    def run_forever(
        self,
        *,
        idle: float = 1.0,
        stop: threading.Event | None = None,
        rounds: int | None = None,
        on_round: Callable[[RelayReport], None] | None = None,
    ) -> None:
        """Deliver until ``stop`` is set (or ``rounds`` rounds have run), waiting ``idle`` seconds when there is
        nothing to do.  A round that fails on the store (a database restart) is logged and tried again."""
        done = 0
        stop = stop or threading.Event()
        while not stop.is_set() and (rounds is None or done < rounds):
            done += 1
            try:
                report = self.run_once()
            except Exception:
                log.exception("relay round failed; trying again in %.1f s", idle)
                self._rest(stop, idle)
                continue
            if on_round is not None:
                on_round(report)
            if report.claimed < self.batch:  # the outbox is drained (or what is left waits): rest a while
                self._rest(stop, idle)

    def _rest(self, stop: threading.Event, seconds: float) -> None:
        # Real time waits on the event, so setting it ends the wait at once; an injected sleep is called as is.
        if self._sleep is time.sleep:
            stop.wait(seconds)
        else:
            self._sleep(seconds)

    def status(self, *, limit: int = 20) -> OutboxStatus:
        """The outbox at a glance (:meth:`~hoinghe.storage.Store.outbox_status`)."""
        return self.store.outbox_status(self.clock.now(), limit=limit)

    def close(self) -> None:
        """Close every notifier."""
        for notifier in self.notifiers.values():
            notifier.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------------------------------------ delivery

    def _deliver(self, state: OutboxState) -> BaseException | None:
        """None when delivered; else the last failure, after ``tries`` tries of a transient one."""
        message = state.message
        notifier = self.notifiers.get(message.channel)
        if notifier is None:
            channels = ", ".join(sorted(self.notifiers))
            known = Text.same(channels) if channels else Text("không có kênh nào", "none")
            said = Text(
                f"không có bộ gửi thông báo cho kênh {message.channel!r} (relay này có: {known.vi}); "
                "hãy cấu hình kênh đó, thông báo sẽ được gửi ở lần thử tiếp theo",
                f"no notifier for channel {message.channel!r} (this relay has: {known.get('en')}); "
                "configure it and the message goes out on its next attempt",
            )
            return DeliveryError(said, permanent=False)
        retrying = Retrying(
            stop=stop_after_attempt(self.tries),
            wait=wait_random_exponential(multiplier=0.2, max=5.0),
            retry=retry_if_exception(_transient),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            retrying(notifier.send, message)
        except Exception as exc:  # noqa: BLE001 - any failure of a notifier is recorded, never raised
            return exc
        return None

    def _wait(self, attempts: int) -> dt.timedelta:
        """Exponential backoff with full jitter over the upper half: base * 2**(attempts-1), capped."""
        ceiling: dt.timedelta = min(self.backoff * (2 ** min(attempts - 1, 30)), self.backoff_cap)
        return ceiling * (0.5 + self._rng.random() / 2)

"""Listeners: code told about each committed event, after the commit, never able to undo it.

A listener is any callable taking the event and the case after it; no base class.  Listeners run on one
background thread per engine, in commit order, so a listener that raises, hangs or is slow never undoes a
transition, never delays the caller of ``fire`` and never blocks other cases.  What a listener raises is logged on
the ``hoinghe.hooks`` logger and forgotten; for notifications that must arrive, use the outbox and the relay.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable, Sequence
from typing import Protocol

from hoinghe.records import Case, Event

__all__ = ["Dispatcher", "Listener"]

log = logging.getLogger("hoinghe.hooks")


class Listener(Protocol):
    """Told of each committed event with the case as it stands after it."""

    def __call__(self, event: Event, case: Case, /) -> None: ...


class Dispatcher:
    """Calls listeners with committed events, on a background thread (or inline, when ``background=False``)."""

    def __init__(self, listeners: Iterable[Listener], *, background: bool = True) -> None:
        self.listeners: tuple[Listener, ...] = tuple(listeners)
        self._background = background
        self._queue: queue.Queue[tuple[Sequence[Event], Case] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def submit(self, events: Sequence[Event], case: Case) -> None:
        """Hand committed events over; returns at once in background mode."""
        if not self.listeners:
            return
        if not self._background:
            self._deliver(events, case)
            return
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="hoinghe-listeners", daemon=True)
                    self._thread.start()
        self._queue.put((events, case))

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every event handed over so far was given to the listeners; False on timeout."""
        with self._queue.all_tasks_done:
            return self._queue.all_tasks_done.wait_for(lambda: self._queue.unfinished_tasks == 0, timeout)

    def close(self, timeout: float | None = None) -> bool:
        """Deliver what is pending and stop the thread; False when a listener still runs after ``timeout``."""
        done = self.drain(timeout)
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            alive = self._thread.is_alive()
            self._thread = None if not alive else self._thread
            return done and not alive
        return done

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                self._deliver(*item)
            finally:
                self._queue.task_done()

    def _deliver(self, events: Sequence[Event], case: Case) -> None:
        for event in events:
            for listener in self.listeners:
                try:
                    listener(event, case)
                except Exception:  # a listener's failure is its own; the transition stands
                    log.exception("listener %r failed on %s#%d", listener, event.case_id, event.seq)

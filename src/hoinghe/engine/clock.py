"""Time, injected: the engine never reads the system clock itself, so runs and tests are repeatable.

:class:`SystemClock` is the only place in hoinghe that reads the system time.  :class:`FixedClock` answers one
instant for ever; :class:`ManualClock` moves only when told, for simulations and tests.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, tzinfo
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

import attrs

from hoinghe.i18n import Text

__all__ = ["VIETNAM_TZ", "Clock", "FixedClock", "ManualClock", "SystemClock"]

#: Vietnam's time zone (UTC+7 all year); the default for the system clock.
VIETNAM_TZ: tzinfo = ZoneInfo("Asia/Ho_Chi_Minh")


@runtime_checkable
class Clock(Protocol):
    """Where the engine gets the time from."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...

    def today(self) -> date:
        """The current date, in the time zone of :meth:`now`."""
        ...


def _aware(at: datetime) -> datetime:
    # A naive datetime would compare wrongly with stored timestamps, or raise on comparison: refuse it early.
    if at.tzinfo is None or at.utcoffset() is None:
        msg = Text(
            f"{at.isoformat()} không có múi giờ; hãy truyền datetime có múi giờ, ví dụ tzinfo=VIETNAM_TZ",
            f"{at.isoformat()} has no time zone; pass an aware datetime, e.g. with tzinfo=VIETNAM_TZ",
        )
        raise ValueError(msg)
    return at


@attrs.frozen
class SystemClock:
    """The real time, in ``tz`` (Vietnam by default)."""

    tz: tzinfo = VIETNAM_TZ

    def now(self) -> datetime:
        return datetime.now(self.tz)  # clock: the one read of the system time in hoinghe

    def today(self) -> date:
        return self.now().date()


@attrs.frozen
class FixedClock:
    """A clock stopped at ``at`` (timezone-aware); ``today()`` is the date of ``at`` in its own time zone.

    Raises:
        ValueError: ``at`` is naive.
    """

    at: datetime = attrs.field(converter=_aware)

    def now(self) -> datetime:
        return self.at

    def today(self) -> date:
        return self.at.date()


class ManualClock:
    """A clock that moves only when told, safe to share between threads.

    Args:
        start: the first instant, timezone-aware.

    Raises:
        ValueError: ``start`` is naive.
    """

    __slots__ = ("_lock", "_now")

    def __init__(self, start: datetime) -> None:
        self._lock = threading.Lock()
        self._now = _aware(start)

    def __repr__(self) -> str:
        return f"ManualClock({self.now()!r})"

    def __getstate__(self) -> datetime:
        return self.now()  # the lock cannot be pickled; the copy gets its own

    def __setstate__(self, state: datetime) -> None:
        self._lock = threading.Lock()
        self._now = state

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def today(self) -> date:
        return self.now().date()

    def advance(self, step: timedelta) -> datetime:
        """Move forward by ``step`` and return the new instant.

        Raises:
            ValueError: ``step`` is negative (use :meth:`set` to go back on purpose).
        """
        if step < timedelta(0):
            msg = Text(
                f"đồng hồ không thể tiến một bước âm ({step}); muốn lùi lại thì dùng set()",
                f"a clock cannot advance by a negative step ({step}); use set() to go back on purpose",
            )
            raise ValueError(msg)
        with self._lock:
            self._now += step
            return self._now

    def set(self, at: datetime) -> None:
        """Jump to ``at`` (timezone-aware), forwards or backwards.

        Raises:
            ValueError: ``at`` is naive.
        """
        at = _aware(at)
        with self._lock:
            self._now = at

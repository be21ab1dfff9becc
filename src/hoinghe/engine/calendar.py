"""Working days: deadlines such as ``15 working_days`` count Vietnamese working days, skipping Tết.

:class:`VietnamCalendar` takes public holidays (Tết included) from the ``holidays`` package, year by year as they
are needed, and adds what a government decision changes each year: days off it adds, and the Saturdays it makes
working days in exchange for a bridged holiday.  :class:`WeekdayCalendar` knows weekends only, for synthetic worlds.
"""

from __future__ import annotations

import bisect
import calendar as _gregorian
import threading
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Protocol, runtime_checkable

import attrs
import holidays

from hoinghe.definitions.workflow import Duration
from hoinghe.i18n import Text

__all__ = ["Calendar", "VietnamCalendar", "WeekdayCalendar"]

_ONE_DAY = timedelta(days=1)


@runtime_checkable
class Calendar(Protocol):
    """Which days are working days, and date arithmetic with :class:`~hoinghe.definitions.Duration`."""

    def is_working_day(self, day: date) -> bool:
        """True when offices work on ``day``."""
        ...

    def add(self, start: date, duration: Duration) -> date:
        """The date ``duration`` after ``start``."""
        ...

    def working_days_between(self, a: date, b: date) -> int:
        """The number of working days after ``a`` up to and including ``b``; negative when ``b`` is before ``a``."""
        ...


def _add_months(start: date, months: int) -> date:
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    # 31 Jan + 1 month is the last day of February, not an error nor a day in March.
    return date(year, month, min(start.day, _gregorian.monthrange(year, month)[1]))


class _WorkingDayArithmetic:
    """Date arithmetic shared by the calendars; subclasses say which days are working days."""

    __slots__ = ()

    def is_working_day(self, day: date) -> bool:
        raise NotImplementedError

    def add(self, start: date, duration: Duration) -> date:
        """The date ``duration`` after ``start``.

        ``working_days``: the n-th working day after ``start`` (``start`` itself for 0); ``days``: calendar days;
        ``months`` and ``years``: calendar months and years, the day clamped to the end of a shorter month.

        Raises:
            ValueError: a negative number of working days (deadlines count forwards only).
        """
        n = duration.amount
        if duration.unit == "days":
            return start + timedelta(days=n)
        if duration.unit == "months":
            return _add_months(start, n)
        if duration.unit == "years":
            return _add_months(start, 12 * n)
        if n < 0:
            msg = Text(
                f"không cộng được {duration}: ngày làm việc chỉ đếm tới, không đếm lùi",
                f"cannot add {duration}: working days count forwards only",
            )
            raise ValueError(msg)
        day = start
        while n > 0:
            day += _ONE_DAY
            n -= self.is_working_day(day)
        return day

    def working_days_between(self, a: date, b: date) -> int:
        """The number of working days after ``a`` up to and including ``b``; negative when ``b`` is before ``a``.

        So ``working_days_between(d, add(d, Duration(n, "working_days"))) == n``.
        """
        if b < a:
            return -self.working_days_between(b, a)
        count, day = 0, a
        while day < b:
            day += _ONE_DAY
            count += self.is_working_day(day)
        return count


def _weekend(days: Iterable[int]) -> frozenset[int]:
    out = frozenset(days)
    if not out <= set(range(7)):
        msg = Text(
            f"ngày nghỉ cuối tuần là số thứ tự trong tuần, từ 0 (thứ Hai) đến 6 (Chủ nhật); nhận được {sorted(out)}",
            f"weekend days are weekday numbers, 0 (Monday) to 6 (Sunday); got {sorted(out)}",
        )
        raise ValueError(msg)
    if len(out) == 7:  # noqa: PLR2004
        msg = Text(
            "nghỉ cả bảy ngày trong tuần thì không còn ngày làm việc nào",
            "a weekend of all seven days leaves no working day",
        )
        raise ValueError(msg)
    return out


@attrs.frozen
class WeekdayCalendar(_WorkingDayArithmetic):
    """Every day but the weekend is a working day; no holidays.  For synthetic worlds and tests.

    Args:
        weekend: weekday numbers off work, 0 (Monday) to 6 (Sunday); Saturday and Sunday by default.
    """

    weekend: frozenset[int] = attrs.field(default=frozenset({5, 6}), converter=_weekend)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() not in self.weekend


@attrs.frozen
class _Year:
    """What the ``holidays`` package says about one year."""

    days_off: frozenset[date]
    working_weekend_days: frozenset[date]


_ADDED_SIZE = 64  # spans of years kept


class VietnamCalendar(_WorkingDayArithmetic):
    """Vietnamese working days: Monday to Friday, less public holidays (Tết included), as the government sets them.

    Public holidays come from the ``holidays`` package (``country_holidays("VN")``, observed days included),
    loaded for a year the first time a day of it is asked about, and kept.  Weekend days that the package knows
    were made working days (to bridge a holiday) count as working days.

    Args:
        extra_holidays: days off a government decision adds that the package does not list.
        extra_working_days: days a decision makes working days, usually a Saturday worked in exchange for a
            bridged holiday; they win over the package's holidays.
        weekend: weekday numbers off work, 0 (Monday) to 6 (Sunday).

    Raises:
        ValueError: a day is both an extra holiday and an extra working day, or the weekend is invalid.
    """

    __slots__ = ("_added", "_extra_holidays", "_extra_working_days", "_lock", "_weekend", "_years")

    def __init__(
        self,
        *,
        extra_holidays: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        weekend: Iterable[int] = (5, 6),
    ) -> None:
        self._extra_holidays = frozenset(extra_holidays)
        self._extra_working_days = frozenset(extra_working_days)
        if both := self._extra_holidays & self._extra_working_days:
            days = ", ".join(sorted(d.isoformat() for d in both))
            msg = Text(
                f"{days} không thể vừa là ngày nghỉ bổ sung vừa là ngày làm việc bổ sung",
                f"{days} cannot be both an extra holiday and an extra working day",
            )
            raise ValueError(msg)
        self._weekend = _weekend(weekend)
        self._years: dict[int, _Year] = {}
        self._added: dict[tuple[int, int], list[int]] = {}  # (first year, last year) -> working-day ordinals
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"VietnamCalendar(extra_holidays={sorted(self._extra_holidays)}, "
            f"extra_working_days={sorted(self._extra_working_days)}, weekend={sorted(self._weekend)})"
        )

    def __getstate__(self) -> tuple[frozenset[date], frozenset[date], frozenset[int]]:
        # The lock cannot be pickled, and the loaded years are cheap to load again in the receiving process.
        return (self._extra_holidays, self._extra_working_days, self._weekend)

    def __setstate__(self, state: tuple[frozenset[date], frozenset[date], frozenset[int]]) -> None:
        self._extra_holidays, self._extra_working_days, self._weekend = state
        self._years = {}
        self._added = {}
        self._lock = threading.Lock()

    def _year(self, year: int) -> _Year:
        known = self._years.get(year)
        if known is not None:
            return known
        with self._lock:  # one thread builds a year; the others wait and reuse it
            known = self._years.get(year)
            if known is None:
                package = holidays.country_holidays("VN", years=year)
                # `weekend_workdays` is the package's list of weekend days worked in exchange for a bridged
                # holiday; read it defensively, as older releases of the package do not have it.
                worked: Iterable[date] = getattr(package, "weekend_workdays", ())
                known = _Year(frozenset(package), frozenset(worked))
                self._years[year] = known
            return known

    def add(self, start: date, duration: Duration) -> date:
        """As :meth:`_WorkingDayArithmetic.add`; working days are counted on a sorted list of the working days of
        the years involved, built once per year, so a long simulation pays a lookup rather than a walk."""
        n = duration.amount
        if duration.unit != "working_days" or n <= 0:
            return super().add(start, duration)
        last = start.year + 1 + n // 200  # a year has well over 200 working days
        ords = self._working_ordinals(start.year, last)
        index = bisect.bisect_right(ords, start.toordinal()) + n - 1
        return date.fromordinal(ords[index])

    def _working_ordinals(self, first: int, last: int) -> list[int]:
        """The ordinals of every working day from 1 Jan ``first`` to 31 Dec ``last``, sorted."""
        key = (first, last)
        found = self._added.get(key)
        if found is None:
            day, end = date(first, 1, 1), date(last, 12, 31)
            found = []
            while day <= end:
                if self.is_working_day(day):
                    found.append(day.toordinal())
                day += _ONE_DAY
            with self._lock:
                if len(self._added) >= _ADDED_SIZE:
                    self._added.clear()
                self._added[key] = found
        return found

    def is_working_day(self, day: date) -> bool:
        """True when offices work on ``day``.

        Extra holidays, then extra working days, then the package's holidays, then the weekend decide.
        """
        if day in self._extra_holidays:
            return False
        if day in self._extra_working_days:
            return True
        year = self._year(day.year)
        if day in year.days_off:
            return False
        if day.weekday() in self._weekend:
            return day in year.working_weekend_days
        return True

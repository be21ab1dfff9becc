"""Reporting periods: from the plan's start, every ``report_months`` months, up to the report's day.

When the interval divides a year (1, 2, 3, 4, 6 or 12 months) the periods follow the calendar (half-years run
January-June and July-December, as the Union reports); the first one starts on the plan's start and the last one
ends on the report's day.  Other intervals count whole months from the plan's start.
"""

from __future__ import annotations

from datetime import date, timedelta

from hoinghe.org.text import Language
from hoinghe.reports import _wording as w
from hoinghe.reports.model import Period

__all__ = ["add_months", "periods", "plan_share"]

_MONTHS_IN_YEAR = 12


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months; the 31st becomes the month's last day when the month is shorter."""
    index = day.year * _MONTHS_IN_YEAR + day.month - 1 + months
    year, month = divmod(index, _MONTHS_IN_YEAR)
    first_of_next = date(year + (month + 1) // _MONTHS_IN_YEAR, (month + 1) % _MONTHS_IN_YEAR + 1, 1)
    return date(year, month + 1, min(day.day, (first_of_next - timedelta(days=1)).day))


def _block_start(day: date, months: int) -> date:
    """The first day of the calendar block of ``months`` months holding ``day``."""
    return date(day.year, (day.month - 1) // months * months + 1, 1)


def periods(start: date, end: date, months: int, language: Language) -> tuple[Period, ...]:
    """The reporting periods from ``start`` to ``end`` (both inclusive), each named in ``language``."""
    aligned = _MONTHS_IN_YEAR % months == 0
    out: list[Period] = []
    lo, k = start, 0
    while lo <= end:
        k += 1
        following = add_months(_block_start(lo, months), months) if aligned else add_months(start, k * months)
        natural_end = following - timedelta(days=1)
        hi = min(natural_end, end)
        whole = aligned and lo == _block_start(lo, months) and hi == natural_end
        out.append(Period(lo, hi, _label(lo, hi, months, language) if whole else _span(lo, hi, language)))
        lo = following
    return tuple(out)


def _span(lo: date, hi: date, language: Language) -> str:
    return f"{w.day(lo, language)} – {w.day(hi, language)}"


def _label(lo: date, hi: date, months: int, language: Language) -> str:
    year = lo.year
    if months == 12:  # noqa: PLR2004 - a whole calendar year
        return w.say("whole_year", language, year=year)
    if months == 6:  # noqa: PLR2004 - a calendar half-year
        return w.say("first_half" if lo.month == 1 else "second_half", language, year=year)
    if months == 3:  # noqa: PLR2004 - a calendar quarter
        return w.say("quarter", language, quarter=w.roman((lo.month + 2) // 3), year=year)
    if months == 1:
        month = lo.month if language == "vi" else w.month_name(lo.month)
        return w.say("month", language, month=month, year=year)
    return _span(lo, hi, language)


def plan_share(start: date, deadline: date, day: date) -> float:
    """How much of the plan's time has passed by the end of ``day``: 0 before it starts, 1 from the deadline."""
    elapsed = (day - start).days + 1
    total = (deadline - start).days + 1
    return min(max(elapsed / total, 0.0), 1.0)

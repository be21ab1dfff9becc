"""Injected time (clocks) and Vietnamese working days (calendars)."""

import datetime as dt
import pickle
import re
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

import hoinghe.engine
from hoinghe.definitions import Duration
from hoinghe.engine import (
    Calendar,
    Clock,
    FixedClock,
    ManualClock,
    SystemClock,
    VietnamCalendar,
    WeekdayCalendar,
)
from hoinghe.engine.clock import VIETNAM_TZ

SRC = Path(hoinghe.engine.__file__).resolve().parent.parent
UTC = dt.UTC
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
VN = VietnamCalendar()  # shared, so each year's holidays are loaded once for the whole module


def round_trip(value):
    return pickle.loads(pickle.dumps(value))  # noqa: S301 - bytes this test just made


def wd(n):
    return Duration(n, "working_days")


def test_engine_exports_are_sorted_and_resolve():
    exported = hoinghe.engine.__all__
    assert exported == sorted(exported, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n))
    assert all(getattr(hoinghe.engine, name) is not None for name in exported)


# ---------------------------------------------------------------------------------------------- clocks


def test_system_clock_reads_aware_time_in_vietnam():
    clock = SystemClock()
    now = clock.now()
    assert now.tzinfo is VIETNAM_TZ
    assert now.utcoffset() == dt.timedelta(hours=7)
    assert clock.today() in {now.date(), clock.now().date()}  # midnight may pass between the two reads
    assert SystemClock(UTC).now().utcoffset() == dt.timedelta(0)
    assert isinstance(clock, Clock)


def test_only_the_system_clock_reads_the_system_time():
    pattern = re.compile(r"\b(datetime\.now|datetime\.utcnow|date\.today|datetime\.today)\(")
    offenders = [
        f"{path.relative_to(SRC)}:{n}"
        for path in sorted(SRC.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line) and "# clock" not in line
    ]
    assert offenders == []


def test_fixed_clock_stays_put():
    at = dt.datetime(2026, 2, 16, 23, 30, tzinfo=HANOI)
    clock = FixedClock(at)
    assert clock.now() == clock.now() == at
    assert clock.today() == dt.date(2026, 2, 16)
    assert FixedClock(at.astimezone(UTC)).today() == dt.date(2026, 2, 16)  # 16:30 UTC the same day
    assert FixedClock(dt.datetime(2026, 2, 16, 20, tzinfo=UTC)).today() == dt.date(2026, 2, 16)
    assert isinstance(clock, Clock)


@pytest.mark.parametrize(
    "make", [FixedClock, ManualClock, lambda at: ManualClock(at.replace(tzinfo=UTC)).set(at)]
)
def test_clocks_refuse_naive_datetimes(make):
    with pytest.raises(ValueError, match="has no time zone; pass an aware datetime"):
        make(dt.datetime(2026, 1, 1, 8))  # noqa: DTZ001 - naive on purpose


def test_manual_clock_moves_when_told():
    start = dt.datetime(2026, 2, 13, 17, tzinfo=HANOI)
    clock = ManualClock(start)
    assert isinstance(clock, Clock)
    assert clock.now() == start
    assert clock.advance(dt.timedelta(hours=8)) == dt.datetime(2026, 2, 14, 1, tzinfo=HANOI)
    assert clock.today() == dt.date(2026, 2, 14)
    clock.set(start)
    assert clock.now() == start
    assert clock.advance(dt.timedelta(0)) == start
    assert "2026" in repr(clock)
    with pytest.raises(ValueError, match="cannot advance by a negative step"):
        clock.advance(dt.timedelta(seconds=-1))


def test_clocks_and_calendars_survive_pickling_for_worker_processes():
    clock = ManualClock(dt.datetime(2026, 1, 1, tzinfo=HANOI))
    copy = round_trip(clock)
    copy.advance(dt.timedelta(days=1))
    assert (clock.today(), copy.today()) == (dt.date(2026, 1, 1), dt.date(2026, 1, 2))
    calendar = VietnamCalendar(extra_holidays=[dt.date(2026, 3, 9)], weekend=[6])
    assert calendar.is_working_day(dt.date(2026, 3, 7))
    restored = round_trip(calendar)
    assert repr(restored) == repr(calendar)
    assert not restored.is_working_day(dt.date(2026, 3, 9))
    assert not restored.is_working_day(dt.date(2026, 2, 17))
    assert round_trip(FixedClock(clock.now())) == FixedClock(clock.now())
    assert round_trip(WeekdayCalendar()) == WeekdayCalendar()


def test_manual_clock_is_safe_to_share_between_threads():
    start = dt.datetime(2026, 1, 1, tzinfo=HANOI)
    clock = ManualClock(start)

    def tick():
        for _ in range(1000):
            clock.advance(dt.timedelta(seconds=1))

    threads = [threading.Thread(target=tick) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert clock.now() == start + dt.timedelta(seconds=8000)


# ---------------------------------------------------------------------------------------------- holidays


@pytest.mark.parametrize(
    "day",
    [
        # Tết Nguyên Đán, several days each year (the package adds the 29th of the lunar year when it is a bridge)
        *(dt.date(2025, 1, d) for d in range(27, 32)),
        *(dt.date(2026, 2, d) for d in range(16, 21)),
        *(dt.date(2027, 2, d) for d in (4, 5, 8, 9, 10)),
        # Giỗ Tổ Hùng Vương (10/3 lunar); in 2026 it falls on a Sunday and is observed on Monday
        dt.date(2025, 4, 7),
        dt.date(2026, 4, 27),
        dt.date(2027, 4, 16),
        # 30/4 and 1/5
        dt.date(2025, 4, 30),
        dt.date(2025, 5, 1),
        dt.date(2026, 4, 30),
        dt.date(2026, 5, 1),
        dt.date(2027, 4, 30),
        dt.date(2027, 5, 3),  # 1/5/2027 is a Saturday: observed on Monday
        # 2/9 and the day next to it
        dt.date(2025, 9, 1),
        dt.date(2025, 9, 2),
        dt.date(2026, 9, 1),
        dt.date(2026, 9, 2),
        dt.date(2027, 9, 2),
        dt.date(2027, 9, 3),
        # New Year's Day
        dt.date(2026, 1, 1),
    ],
)
def test_vietnamese_public_holidays_are_not_working_days(day):
    assert day.weekday() < 5
    assert not VN.is_working_day(day)


def test_tet_2026_is_not_a_working_day_and_the_days_around_it_are():
    assert not VN.is_working_day(dt.date(2026, 2, 17))  # mùng 1 Tết Bính Ngọ
    assert VN.is_working_day(dt.date(2026, 2, 13))  # the Friday before
    assert VN.is_working_day(dt.date(2026, 2, 23))  # the Monday after


def test_weekends_are_off_except_saturdays_worked_for_a_bridged_holiday():
    assert not VN.is_working_day(dt.date(2026, 3, 7))
    assert not VN.is_working_day(dt.date(2026, 3, 8))
    assert VN.is_working_day(dt.date(2026, 3, 9))
    # 2 May 2025 was taken off in exchange for working Saturday 26 April; 31 Aug 2026 for Saturday 22 Aug.
    assert not VN.is_working_day(dt.date(2025, 5, 2))
    assert VN.is_working_day(dt.date(2025, 4, 26))
    assert not VN.is_working_day(dt.date(2026, 8, 31))
    assert VN.is_working_day(dt.date(2026, 8, 22))


def test_fifteen_working_days_from_just_before_tet_skip_it():
    # Thu 12 Feb 2026: Fri 13 is the 1st, Tết runs Mon 16 - Fri 20, then three full weeks.
    assert VN.add(dt.date(2026, 2, 12), wd(15)) == dt.date(2026, 3, 12)
    assert WeekdayCalendar().add(dt.date(2026, 2, 12), wd(15)) == dt.date(2026, 3, 5)
    assert VN.working_days_between(dt.date(2026, 2, 12), dt.date(2026, 2, 23)) == 2


def test_a_government_decision_adds_days_off_and_working_saturdays():
    calendar = VietnamCalendar(
        extra_holidays=[dt.date(2026, 3, 9)], extra_working_days=[dt.date(2026, 3, 7), dt.date(2026, 2, 16)]
    )
    assert not calendar.is_working_day(dt.date(2026, 3, 9))
    assert calendar.is_working_day(dt.date(2026, 3, 7))
    assert calendar.is_working_day(dt.date(2026, 2, 16))  # an extra working day wins over the package
    assert "2026" in repr(calendar)


def test_a_day_cannot_be_both_extra_holiday_and_extra_working_day():
    with pytest.raises(ValueError, match="2026-03-07 cannot be both"):
        VietnamCalendar(extra_holidays=[dt.date(2026, 3, 7)], extra_working_days=[dt.date(2026, 3, 7)])


@pytest.mark.parametrize("make", [VietnamCalendar, WeekdayCalendar])
def test_the_weekend_is_a_setting(make):
    sunday_only = make(weekend=[6])
    assert sunday_only.is_working_day(dt.date(2026, 3, 7))
    assert not sunday_only.is_working_day(dt.date(2026, 3, 8))
    with pytest.raises(ValueError, match="0 \\(Monday\\) to 6 \\(Sunday\\); got \\[7\\]"):
        make(weekend=[7])
    with pytest.raises(ValueError, match="leaves no working day"):
        make(weekend=range(7))


def test_years_are_loaded_once_and_shared_between_threads():
    calendar = VietnamCalendar()
    days = [dt.date(2030, 1, 1) + dt.timedelta(days=i) for i in range(0, 365, 7)]
    expected = [VN.is_working_day(day) for day in days]
    results: list[list[bool]] = []

    def run():
        results.append([calendar.is_working_day(day) for day in days])

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 8
    assert list(calendar._years) == [2030]


# ---------------------------------------------------------------------------------------------- arithmetic


@pytest.mark.parametrize("calendar", [VN, WeekdayCalendar()], ids=["vietnam", "weekdays"])
def test_calendars_meet_the_protocol(calendar):
    assert isinstance(calendar, Calendar)


@pytest.mark.parametrize(
    ("start", "duration", "end"),
    [
        (dt.date(2026, 1, 31), Duration(30, "days"), dt.date(2026, 3, 2)),
        (dt.date(2026, 1, 31), Duration(-31, "days"), dt.date(2025, 12, 31)),
        (dt.date(2026, 1, 31), Duration(1, "months"), dt.date(2026, 2, 28)),
        (dt.date(2024, 1, 31), Duration(1, "months"), dt.date(2024, 2, 29)),
        (dt.date(2026, 8, 31), Duration(6, "months"), dt.date(2027, 2, 28)),
        (dt.date(2026, 1, 15), Duration(-2, "months"), dt.date(2025, 11, 15)),
        (dt.date(2026, 3, 31), Duration(12, "months"), dt.date(2027, 3, 31)),
        (dt.date(2024, 2, 29), Duration(1, "years"), dt.date(2025, 2, 28)),
        (dt.date(2024, 2, 29), Duration(4, "years"), dt.date(2028, 2, 29)),
        (dt.date(2026, 2, 17), wd(0), dt.date(2026, 2, 17)),  # no working days later is the same day
        (dt.date(2026, 2, 13), wd(1), dt.date(2026, 2, 23)),
        (dt.date(2026, 8, 21), wd(1), dt.date(2026, 8, 22)),  # a worked Saturday
    ],
)
def test_add(start, duration, end):
    assert VN.add(start, duration) == end


def test_working_days_count_forwards_only():
    with pytest.raises(ValueError, match="cannot add -1 working_days: working days count forwards only"):
        VN.add(dt.date(2026, 1, 5), wd(-1))


DAYS = st.dates(dt.date(2024, 1, 1), dt.date(2028, 12, 31))
CALENDARS = st.sampled_from([VN, WeekdayCalendar(), VietnamCalendar(weekend=[6])])


@given(calendar=CALENDARS, start=DAYS, n=st.integers(1, 80))
def test_adding_working_days_lands_on_the_nth_working_day(calendar, start, n):
    end = calendar.add(start, wd(n))
    assert calendar.is_working_day(end)
    span = (end - start).days
    # Exactly n working days after the start, up to and including the end: the end is the n-th.
    assert sum(calendar.is_working_day(start + dt.timedelta(days=i)) for i in range(1, span + 1)) == n
    assert calendar.working_days_between(start, end) == n


@given(calendar=CALENDARS, a=DAYS, b=DAYS)
def test_working_days_between_agrees_with_add(calendar, a, b):
    n = calendar.working_days_between(a, b)
    assert calendar.working_days_between(b, a) == -n
    if a <= b:
        # b is at or after the n-th working day after a, and before the (n+1)-th.
        assert calendar.add(a, wd(n)) <= b < calendar.add(a, wd(n + 1))


@given(start=st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)), weeks=st.integers(0, 20))
def test_a_weekday_calendar_has_five_working_days_a_week(start, weeks):
    calendar = WeekdayCalendar()
    assert calendar.working_days_between(start, start + dt.timedelta(weeks=weeks)) == 5 * weeks


@given(start=DAYS, months=st.integers(-36, 36))
def test_months_keep_the_day_or_clamp_it_to_the_month_end(start, months):
    end = VN.add(start, Duration(months, "months"))
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == months
    assert end.day == start.day or (end.day < start.day and (end + dt.timedelta(days=1)).day == 1)


@given(
    start=st.dates(dt.date(2015, 1, 1), dt.date(2030, 12, 31)),
    n=st.integers(1, 600),
)
def test_counting_on_the_list_of_working_days_agrees_with_walking_day_by_day(start, n):
    from hoinghe.engine.calendar import _WorkingDayArithmetic  # noqa: PLC0415 - the walking reference

    calendar = VietnamCalendar()
    duration = Duration(n, "working_days")
    assert calendar.add(start, duration) == _WorkingDayArithmetic.add(calendar, start, duration)

"""The engine: runs workflow cases.  So far its time and working-day calendar, both injected."""

from hoinghe.engine.calendar import Calendar, VietnamCalendar, WeekdayCalendar
from hoinghe.engine.clock import Clock, FixedClock, ManualClock, SystemClock

__all__ = [
    "Calendar",
    "Clock",
    "FixedClock",
    "ManualClock",
    "SystemClock",
    "VietnamCalendar",
    "WeekdayCalendar",
]

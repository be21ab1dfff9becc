"""The engine: runs workflow cases against a store, with injected time and working-day calendar."""

from hoinghe.engine.calendar import Calendar, VietnamCalendar, WeekdayCalendar
from hoinghe.engine.clock import Clock, FixedClock, ManualClock, SystemClock
from hoinghe.engine.effects import BUILTIN, Effect, EffectContext, EffectError
from hoinghe.engine.engine import SYSTEM, Engine, SequentialIds, TickReport
from hoinghe.engine.replay import Difference, Mismatch, ReplayReport, replay
from hoinghe.engine.verdict import Blocker, BlockerKind, Option, Refused, Verdict

__all__ = [
    "BUILTIN",
    "SYSTEM",
    "Blocker",
    "BlockerKind",
    "Calendar",
    "Clock",
    "Difference",
    "Effect",
    "EffectContext",
    "EffectError",
    "Engine",
    "FixedClock",
    "ManualClock",
    "Mismatch",
    "Option",
    "Refused",
    "ReplayReport",
    "SequentialIds",
    "SystemClock",
    "TickReport",
    "Verdict",
    "VietnamCalendar",
    "WeekdayCalendar",
    "replay",
]

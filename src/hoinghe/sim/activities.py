"""Outreach and training in a simulated rollout: the sessions a province records, with who attended.

Three kinds of session, as the plan implementing Resolution 04 asks (plan II.1, II.2.1, II.2.2):

- a commune union's outreach sessions (*tuyên truyền*) for its members, at ``outreach_rate`` a year (each
  commune's own rate drawn around it, so some communes lag), run by its union officer;
- a province's or district's conferences for cadres (*hội nghị quán triệt*), at ``cadre_rate`` a year: its own
  cadres attend, and each cadre of the unions directly below it with the chance ``cadre_attendance``;
- trainings (*tập huấn*) held by the union just above the communes (the district, or the province where there are
  no districts), at ``training_rate`` a year, for the heads and deputies of the professional branches and groups
  that started work at least ``training_delay`` days before and have not been trained yet.

Conferences and trainings follow each province's and district's programme: one on a day drawn in each stretch of
``1 / rate`` years from the plan's start, the same rate everywhere; what lags is the communes' outreach and who
comes.

The simulator meets a commune's farmers only when they join a new unit, though most were union members for years
before; so who attended a commune's session is drawn when the run ends, from every union member of the commune on
the session's day (each with the chance ``outreach_attendance``).  Who attends a conference depends on nothing the
run does, and is drawn when it starts; a training, on its day, invites the leaders waiting then.  The sessions are
written to the store in one go when the run ends (:meth:`Sessions.records`), in memory and in a SQL store alike.

Each session draws from its own stream, seeded by ``(seed, unit)``: the foundings of a run are the same with or
without outreach, and the sessions are the same whichever store the run is kept in.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from hoinghe.org.model import Member
from hoinghe.records import Activity
from hoinghe.sim.behaviour import Behaviour
from hoinghe.sim.world import Commune, World

__all__ = ["CONFERENCE_TOPIC", "OUTREACH_TOPIC", "TRAINING_TOPIC", "Sessions"]

#: What the sessions are about, as a union writes it in its records.
OUTREACH_TOPIC = "Tuyên truyền mục đích, ý nghĩa, hiệu quả của việc xây dựng chi hội, tổ hội nghề nghiệp"
CONFERENCE_TOPIC = (
    "Hội nghị quán triệt, triển khai Nghị quyết 04-NQ/HNDTW về xây dựng chi hội, tổ hội nghề nghiệp"
)
TRAINING_TOPIC = "Tập huấn kỹ năng tổ chức, quản lý, điều hành chi hội, tổ hội nghề nghiệp"

Arrivals = Callable[[float, str, dt.date], Iterator[dt.date]]
Schedule = Callable[..., None]


class Sessions:
    """The outreach sessions, conferences and trainings of one run, collected until :meth:`records`.

    Args:
        world: the units and actors.
        behaviour: the rates and chances.
        seed: the run's seed.
        arrivals: the run's Poisson days of a rate a year, for a named stream, from a day.
        at: schedules an action on a day.
        today: the simulated day.
        counts: the run's counts (``outreach_sessions``, ``cadre_conferences``, ``trainings``).
        until: the run's last day.
    """

    def __init__(  # noqa: PLR0917 - the run's parts, passed once
        self,
        world: World,
        behaviour: Behaviour,
        seed: int,
        arrivals: Arrivals,
        at: Schedule,
        today: Callable[[], dt.date],
        counts: Counter[str],
        until: dt.date,
    ) -> None:
        self.world, self.behaviour, self.seed, self.until = world, behaviour, seed, until
        self._arrivals, self._at, self._today, self.counts = arrivals, at, today, counts
        self._sessions: dict[str, list[dt.date]] = {}  # commune -> the days of its outreach sessions
        # commune -> its union members, in the order the run meets them
        self._residents: dict[str, list[Member]] = {}
        # organiser -> unit -> (the day it started work, its leaders not trained yet)
        self._waiting: dict[str, dict[str, tuple[dt.date, list[str]]]] = {}
        self._trained: set[str] = set()
        self._held: list[Activity] = []
        self._serial: Counter[str] = Counter()
        self._streams: dict[str, random.Random] = {}

    def _rng(self, stream: str) -> random.Random:
        return random.Random(f"{self.seed}:{stream}")  # noqa: S311 - simulation, not secrets

    def _id(self, prefix: str, unit: str) -> str:
        self._serial[f"{prefix}:{unit}"] += 1
        return f"{prefix}-{unit}-{self._serial[f'{prefix}:{unit}']}"

    # --------------------------------------------------------------------------------------------- planning

    def plan(self, start: dt.date) -> None:
        """Draw every session's day; hold the conferences, and put the trainings on the calendar."""
        b = self.behaviour
        for commune in self.world.communes.values():
            self._sessions[commune.unit] = list(
                self._arrivals(b.outreach_rate, f"outreach:{commune.unit}", start)
            )
        staff: dict[str, list[str]] = {}
        for actor in self.world.actors:
            for grant in actor.grants:
                staff.setdefault(grant.unit, []).append(actor.id)
        for union, below in self._unions_above():
            self._conferences(union, below, staff, start)
        for organiser in self._organisers():
            for day in self._programme(b.training_rate, f"training:{organiser}", start):
                self._at(day, self.train, organiser)

    def _programme(self, rate: float, stream: str, start: dt.date) -> Iterator[dt.date]:
        """One day, drawn uniformly, in each stretch of ``1 / rate`` years from ``start`` up to the last day."""
        if rate <= 0:
            return
        rng = self._rng(stream)
        stretch = 365.25 / rate
        n = 0
        while True:
            day = start + dt.timedelta(days=int((n + rng.random()) * stretch))
            if day > self.until:
                return
            yield day
            n += 1

    def _unions_above(self) -> Iterator[tuple[str, list[str]]]:
        """Each province and district union, with the unions directly below it."""
        world = self.world
        for district in world.districts.values():
            yield district.unit, list(district.communes)
        for province in world.provinces:
            if world.districts:
                below = [d.unit for d in world.districts.values() if d.province == province]
            else:
                below = [c.unit for c in world.communes.values() if c.province == province]
            yield province, below

    def _organisers(self) -> list[str]:
        """The unions that train leaders: the districts, or the provinces where there are none."""
        return list(self.world.districts) if self.world.districts else list(self.world.provinces)

    def _conferences(self, union: str, below: list[str], staff: dict[str, list[str]], start: dt.date) -> None:
        b = self.behaviour
        rng = self._rng(f"cadres-attend:{union}")
        for day in self._programme(b.cadre_rate, f"cadres:{union}", start):
            invited = [actor for unit in below for actor in staff.get(unit, ())]
            came = [actor for actor in invited if rng.random() < b.cadre_attendance]
            self._held.append(
                Activity(
                    id=self._id("tt", union),
                    kind="outreach",
                    unit=union,
                    day=day,
                    topic=CONFERENCE_TOPIC,
                    actors=tuple(dict.fromkeys([*staff.get(union, ()), *came])),
                    hours=4.0,
                )
            )
            self.counts["cadre_conferences"] += 1

    # ------------------------------------------------------------------------------------------ what happens

    def joined(self, commune: str, members: Iterable[Member]) -> None:
        """Farmers of ``commune`` the run has met (those who are union members may attend its sessions)."""
        known = [m for m in members if m.union_member_since is not None]
        if known:
            self._residents.setdefault(commune, []).extend(known)

    def _organiser(self, commune: Commune) -> str:
        return commune.district if self.world.districts and commune.district else commune.province

    def started(self, unit: str, commune: Commune, day: dt.date, leaders: Iterable[str]) -> None:
        """A professional branch or group started work on ``day``; its leaders wait for a training."""
        waiting = [m for m in dict.fromkeys(leaders) if m not in self._trained]
        if waiting:
            self._waiting.setdefault(self._organiser(commune), {})[unit] = (day, waiting)

    def ended(self, unit: str, commune: Commune) -> None:
        """The unit is no longer active (dissolved, converted, taken in, split): its leaders are not invited."""
        self._waiting.get(self._organiser(commune), {}).pop(unit, None)

    def train(self, organiser: str) -> None:
        """A training of ``organiser``: leaders who have waited long enough attend, each with a chance."""
        b, today = self.behaviour, self._today()
        rng = self._streams.get(organiser)
        if rng is None:
            rng = self._streams[organiser] = self._rng(f"training-attend:{organiser}")
        waiting = self._waiting.get(organiser, {})
        came: list[str] = []
        for unit, (started, leaders) in list(waiting.items()):
            if (today - started).days < b.training_delay:
                continue
            came.extend(leader for leader in leaders if rng.random() < b.training_attendance)
            self._trained.update(came)
            leaders[:] = [m for m in leaders if m not in self._trained]
            if not leaders:
                del waiting[unit]
        if not came:
            return
        self._held.append(
            Activity(
                id=self._id("th", organiser),
                kind="training",
                unit=organiser,
                day=today,
                topic=TRAINING_TOPIC,
                members=tuple(dict.fromkeys(came)),
                hours=8.0,
            )
        )
        self.counts["trainings"] += 1

    # ------------------------------------------------------------------------------------------- the record

    def records(self) -> list[Activity]:
        """Every session of the run, by day then id: the communes' outreach sessions with who attended."""
        chance = self.behaviour.outreach_attendance
        for unit, days in self._sessions.items():
            commune = self.world.communes[unit]
            residents = self._residents.get(unit, [])
            rng = self._rng(f"outreach-attend:{unit}")
            for day in days:
                came = tuple(
                    m.id
                    for m in residents
                    if rng.random() < chance
                    and m.union_member_since is not None
                    and m.union_member_since <= day
                )
                self._held.append(
                    Activity(
                        id=self._id("tt", unit),
                        kind="outreach",
                        unit=unit,
                        day=day,
                        topic=OUTREACH_TOPIC,
                        members=came,
                        actors=(commune.officer,),
                        hours=2.0,
                    )
                )
                self.counts["outreach_sessions"] += 1
        self._sessions.clear()
        return sorted(self._held, key=lambda a: (a.day, a.id))

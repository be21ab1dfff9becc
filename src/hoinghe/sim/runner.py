"""The runner: plays a rollout through the real engine on a simulated clock.

Every founding, review, conversion, dissolution and Farmer Support Fund loan is a case of the profile's own
workflows, opened and fired through :class:`~hoinghe.engine.Engine` by the world's actors, with the documents and
data the steps ask for; whatever the rules refuse is refused, recorded and mended (or withdrawn) as the behaviour
model says.  Nothing is written behind the engine's back except what a union's application would do itself:
adding the farmers who apply, recording branch meetings, giving a new unit's leader an account, and recording
the outreach sessions and trainings held (:mod:`hoinghe.sim.activities`, written when the run ends).

Time runs from the plan's start to ``until`` on a :class:`~hoinghe.engine.clock.ManualClock`; events wait in a
heap by day.  All randomness comes from streams seeded by ``(seed, stream name)`` strings, so a run depends on the
seed alone: the same seed gives the same events, byte for byte, in any process (D-9).
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import attrs

from hoinghe.definitions.plan import PlanDef
from hoinghe.definitions.workflow import Duration
from hoinghe.engine.clock import VIETNAM_TZ, ManualClock
from hoinghe.engine.engine import Engine, SequentialIds
from hoinghe.engine.verdict import Refused
from hoinghe.i18n import Text
from hoinghe.org.model import Actor, Member, RoleGrant, Unit
from hoinghe.sim.activities import Sessions
from hoinghe.sim.behaviour import DEFAULT, Behaviour
from hoinghe.sim.loans import Loans
from hoinghe.sim.world import Commune, Farmers, World
from hoinghe.storage.base import Store
from hoinghe.storage.memory import MemoryStore

__all__ = ["Rollout", "play"]

_DOC = "sim://{case}/{kind}"
_GROUP = "found-professional-group"
_BRANCH = "found-professional-branch"
_FAULTS = ("too_few", "outsider", "non_member")
_PLURAL = {"group": "groups", "branch": "branches"}
_HALF_YEAR = 183  # days: a unit is rated after six months of operation (413-HD/HNDTW)

Progress = Callable[[dt.date, dt.date], None]


@attrs.define
class Rollout:
    """What a run did: the world, the engine and store it ran on, and counts of what happened."""

    world: World
    engine: Engine
    plan: PlanDef
    seed: int
    start: dt.date
    until: dt.date
    counts: Counter[str]
    seconds: float

    @property
    def store(self) -> Store:
        return self.engine.store

    def __repr__(self) -> str:
        founded = self.counts["groups_founded"] + self.counts["branches_founded"]
        return f"<Rollout {self.world.scope.name} {self.start}..{self.until}: {founded} units founded, seed {self.seed}>"


@attrs.define
class _Founding:
    case: str
    level: str  # group | branch
    commune: Commune
    unit: Unit
    size: int
    fault: str | None
    members: list[str] = attrs.Factory(list)


class _Run:
    """One run's state: the event heap, the streams, the world's people."""

    def __init__(  # noqa: PLR0917 - the run's parts, passed once
        self,
        world: World,
        engine: Engine,
        clock: ManualClock,
        behaviour: Behaviour,
        seed: int,
        until: dt.date,
    ) -> None:
        self.world = world
        self.engine = engine
        self.clock = clock
        self.behaviour = behaviour
        self.seed = seed
        self.until = until
        self.rng = random.Random(f"{seed}:run")  # noqa: S311 - simulation, not secrets
        self.farmers = Farmers(behaviour, str(seed))
        self.heap: list[tuple[dt.date, int, Callable[..., None], tuple[Any, ...]]] = []
        self.order = itertools.count()
        self.counts: Counter[str] = Counter()
        self.serial: Counter[str] = Counter()
        self.active_branches: dict[str, str] = {}  # branch id -> commune
        self.active_groups: dict[str, dict[str, _Founding]] = {}  # commune -> group id -> its founding
        self.calendar = engine.calendar
        self.people: dict[str, Member] = {}  # every farmer the run has met
        self.sessions = Sessions(
            world, behaviour, seed, self.arrivals, self.at, clock.today, self.counts, until
        )
        self.loans = Loans(self, behaviour, seed, world.fund_boards)

    # ------------------------------------------------------------------------------------------- the clock

    def at(self, day: dt.date, action: Callable[..., None], *args: Any) -> None:
        if day <= self.until:
            heapq.heappush(self.heap, (day, next(self.order), action, args))

    def after(self, span: tuple[int, int], action: Callable[..., None], *args: Any) -> None:
        days = self.rng.randint(*span)
        self.at(self.calendar.add(self.clock.today(), Duration(days, "working_days")), action, *args)

    def run(self, progress: Progress | None) -> None:
        last = None
        while self.heap:
            day, _, action, args = heapq.heappop(self.heap)
            if day != last:
                self.clock.set(dt.datetime.combine(day, dt.time(8, 0), VIETNAM_TZ))
                if progress is not None and (last is None or day.month != last.month):
                    progress(day, self.until)
                last = day
            action(*args)

    # ------------------------------------------------------------------------------------------- schedules

    def arrivals(self, rate: float, stream: str, start: dt.date) -> Iterator[dt.date]:
        """Days of a Poisson process of ``rate`` a year (the rate itself drawn per unit: communes differ)."""
        rng = random.Random(f"{self.seed}:{stream}")  # noqa: S311 - simulation, not secrets
        shape = self.behaviour.spread
        own = rng.gammavariate(shape, rate / shape) if shape > 0 and rate > 0 else rate
        if own <= 0:
            return
        day = start
        while True:
            day = day + dt.timedelta(days=max(1, round(rng.expovariate(own) * 365.25)))
            if day > self.until:
                return
            yield day

    def plan_all(self, start: dt.date) -> None:
        b = self.behaviour
        for commune in self.world.communes.values():
            rate = b.group_rate if commune.rural else b.group_rate * b.urban_share
            for day in self.arrivals(rate, f"groups:{commune.unit}", start):
                self.at(day, self.start_founding, "group", commune)
        for district in self.world.districts.values():
            rural = [self.world.communes[c] for c in district.communes if self.world.communes[c].rural]
            choices = rural or [self.world.communes[c] for c in district.communes]
            if not choices:
                continue
            pick = random.Random(f"{self.seed}:branch-communes:{district.unit}")  # noqa: S311
            for day in self.arrivals(b.branch_rate, f"branches:{district.unit}", start):
                self.at(day, self.start_founding, "branch", pick.choice(choices))
        if not self.world.districts:  # no district level: each province's communes start branches
            for province in self.world.provinces:
                communes = [c for c in self.world.communes.values() if c.province == province and c.rural]
                if not communes:
                    continue
                pick = random.Random(f"{self.seed}:branch-communes:{province}")  # noqa: S311
                rate = b.branch_rate * max(1, len(communes) // 15)
                for day in self.arrivals(rate, f"branches:{province}", start):
                    self.at(day, self.start_founding, "branch", pick.choice(communes))
        if b.review:
            year = start.year
            while dt.date(year, 11, 15) <= self.until:
                self.at(dt.date(year, 11, 15), self.review_all)
                year += 1
        self.sessions.plan(start)

    def finish(self) -> None:
        """Record the run's outreach sessions and trainings (one write)."""
        self.engine.store.put_activities(self.sessions.records())

    # ------------------------------------------------------------------------------------------- engine calls

    def fire(
        self, f: _Founding, transition: str, actor: str, docs: tuple[str, ...] = (), **data: Any
    ) -> bool:
        return self.fire_case(f.case, transition, actor, docs, **data)

    def fire_case(
        self, case: str, transition: str, actor: str, docs: tuple[str, ...] = (), **data: Any
    ) -> bool:
        """Fire ``transition`` of ``case`` with documents of ``docs``; a refusal is counted, and is ``False``."""
        documents = {k: _DOC.format(case=case, kind=k) for k in docs}
        try:
            self.engine.fire(case, transition, actor, documents=documents, data=data or None)
        except Refused as refusal:
            self.counts["refusals"] += 1
            for blocker in refusal.verdict.blockers:
                self.counts[f"refused:{blocker.rule_id or blocker.code}"] += 1
            return False
        self.counts["fires"] += 1
        return True

    # ------------------------------------------------------------------------------------------- foundings

    def start_founding(self, level: str, commune: Commune) -> None:
        b, rng = self.behaviour, self.rng
        self.serial[f"{level}:{commune.unit}"] += 1
        n = self.serial[f"{level}:{commune.unit}"]
        code = commune.unit.removeprefix("c-")
        trade = self.farmers.trade(rng)
        prefix = "g" if level == "group" else "b"
        unit = Unit(
            f"{prefix}-{code}-{n}",
            level,
            f"{'Tổ hội' if level == 'group' else 'Chi hội'} nghề nghiệp {trade.replace('_', ' ')} số {n} ({commune.name})",
            commune.unit,
            kind="professional",
            trade=trade,
        )
        if level == "group":
            size = self.farmers.size(rng, b.group_median, b.group_range)
        else:
            size = self.farmers.size(rng, b.branch_median, b.branch_range)
        fault = rng.choice(_FAULTS) if rng.random() < b.faulty_dossier else None
        workflow = _GROUP if level == "group" else _BRANCH
        case = self.engine.open(workflow, unit, commune.officer)
        self.counts[_PLURAL[level] + "_opened"] += 1
        f = _Founding(case.id, level, commune, unit, size, fault)
        self.after(b.steps.survey, self.survey, f)

    def survey(self, f: _Founding) -> None:
        self.fire(f, "survey", f.commune.officer, ("survey_report",))
        if self.rng.random() < self.behaviour.abandon:
            self.after(self.behaviour.steps.outreach, self.withdraw, f)
            return
        self.after(self.behaviour.steps.outreach, self.outreach, f)

    def outreach(self, f: _Founding) -> None:
        self.fire(f, "start_outreach", f.commune.officer)
        self.after(self.behaviour.steps.applications, self.applications, f)

    def _members(self, f: _Founding, fault: str | None) -> list[str]:
        low = (self.behaviour.group_range if f.level == "group" else self.behaviour.branch_range)[0]
        count = max(1, low - 1) if fault == "too_few" else f.size
        drawn: list[Member] = self.farmers.draw(
            f.commune.unit,
            count,
            f.unit.trade or "",
            self.clock.today(),
            outsider=fault == "outsider",
            non_member=fault == "non_member",
        )
        self.engine.store.put_org(members=drawn)
        self.people.update((m.id, m) for m in drawn)
        self.sessions.joined(f.commune.unit, drawn)
        return [m.id for m in drawn]

    def member(self, member_id: str) -> Member | None:
        """A farmer the run has met, as drawn."""
        return self.people.get(member_id)

    def applications(self, f: _Founding, mended: bool = False) -> None:
        fault = None if mended else f.fault
        if (mended and f.fault == "too_few") or not f.members:
            f.members = self._members(f, fault)
        elif mended:  # replace the one who broke the rule by someone who fits
            f.members = [*f.members[:-1], *self._members(attrs.evolve(f, size=1), None)]
        docs = ("voluntary_applications", "member_list")
        if self.fire(f, "collect_applications", f.commune.officer, docs, members=f.members):
            self.after(self.behaviour.steps.meeting, self.meeting, f)
            return
        self.counts[f"{f.level}_dossiers_refused"] += 1
        if self.rng.random() < self.behaviour.withdraw_after_refusal:
            self.after(self.behaviour.steps.fix, self.withdraw, f)
        else:
            self.after(self.behaviour.steps.fix, self.mend, f)

    def mend(self, f: _Founding) -> None:
        """File the applications again, with the member who broke a rule replaced (or enough members)."""
        self.applications(f, mended=True)

    def meeting(self, f: _Founding) -> None:
        head, deputy = (
            ("group_leader", "group_deputy") if f.level == "group" else ("branch_head", "branch_deputy")
        )
        docs = ("founding_minutes", "operating_rules", "activity_plan")
        self.fire(
            f,
            "hold_founding_meeting",
            f.commune.officer,
            docs,
            leaders={head: f.members[0], deputy: f.members[1]},
        )
        self.after(self.behaviour.steps.submit, self.submit, f)

    def submit(self, f: _Founding) -> None:
        if self.fire(f, "submit_dossier", f.commune.officer, ("request_to_found",)):
            self.after(self.behaviour.steps.decision, self.decide, f)

    def decide(self, f: _Founding) -> None:
        if self.rng.random() < self.behaviour.rejection:
            self.fire(f, "reject", f.commune.committee)
            self.counts[_PLURAL[f.level] + "_rejected"] += 1
            return
        if self.fire(f, "approve", f.commune.committee, ("founding_decision", "leader_decision")):
            self.counts[_PLURAL[f.level] + "_founded"] += 1
            self.after(self.behaviour.steps.launch, self.launch, f)

    def launch(self, f: _Founding) -> None:
        self.fire(f, "launch", f.commune.officer)
        role = "group_leader" if f.level == "group" else "branch_head"
        leader = Actor(
            f"lead-{f.unit.id}", f"Trưởng {f.unit.name}", (RoleGrant(role, f.unit.id),), member=f.members[0]
        )
        self.engine.store.put_org(actors=[leader])
        self.sessions.started(f.unit.id, f.commune, self.clock.today(), f.members[:2])
        if f.level == "branch":
            self.active_branches[f.unit.id] = f.commune.unit
        else:
            self.active_groups.setdefault(f.commune.unit, {})[f.unit.id] = f
            self.later_life(f)
            self.loans.started(f)

    def withdraw(self, f: _Founding) -> None:
        self.fire(f, "withdraw", f.commune.committee)
        self.counts[_PLURAL[f.level] + "_withdrawn"] += 1

    # ------------------------------------------------------------------------------------------- later life

    def later_life(self, f: _Founding) -> None:
        """A group may become a cooperative group, dissolve, or take in another group, some years on."""
        b, rng = self.behaviour, self.rng
        rates = ((b.convert_rate, self.convert), (b.dissolve_rate, self.dissolve), (b.merge_rate, self.merge))
        total = sum(rate for rate, _ in rates)
        if total <= 0:
            return
        day = self.clock.today() + dt.timedelta(days=round(rng.expovariate(total) * 365.25))
        pick = rng.random() * total
        for rate, action in rates:
            if pick < rate:
                self.at(day, action, f)
                return
            pick -= rate
        self.at(day, rates[-1][1], f)  # rounding at the very end of the range

    def active(self, f: _Founding) -> bool:
        """Whether the group still works (not dissolved, converted or taken in)."""
        return f.unit.id in self.active_groups.get(f.commune.unit, {})

    def _gone(self, f: _Founding) -> None:
        self.active_groups.get(f.commune.unit, {}).pop(f.unit.id, None)
        self.sessions.ended(f.unit.id, f.commune)

    def merge(self, f: _Founding) -> None:
        """The group takes in another active group of its trade in its commune, if there is one."""
        if not self.active(f):
            return
        same = self.active_groups[f.commune.unit].values()
        others = [g for g in same if g.unit.id != f.unit.id and g.unit.trade == f.unit.trade]
        if not others:
            return
        other = self.rng.choice(others)
        leader = f"lead-{f.unit.id}"
        case = self._open("merge-units", f.unit.id, leader)
        if case is None:
            return
        self.fire(case, "agree_plan", leader, ("merge_plan", "meeting_minutes"))
        self.fire(case, "submit", leader, ("request_to_restructure", "merge_plan"))
        if self.fire(case, "decide", f.commune.committee, ("merge_decision",), absorb=[other.unit.id]):
            self.counts["groups_merged"] += 1
            self._gone(other)
            f.members = [*f.members, *other.members]

    def _open(self, workflow: str, unit: str, actor: str) -> _Founding | None:
        try:
            case = self.engine.open(workflow, unit, actor)
        except Refused:
            self.counts["refusals"] += 1
            return None
        commune = self.world.communes[self.engine.store.unit(unit).parent or ""]
        return _Founding(case.id, "group", commune, self.engine.store.unit(unit), 0, None)

    def convert(self, f: _Founding) -> None:
        if not self.active(f):
            return  # taken in by another group meanwhile
        leader = f"lead-{f.unit.id}"
        case = self._open("convert-to-cooperative-group", f.unit.id, leader)
        if case is None:
            return
        self.fire(case, "draft_contract", leader, ("meeting_minutes",))
        if self.fire(
            case, "sign_contract", leader, ("cooperation_contract",), contract_signed=list(f.members)
        ):
            self.counts["groups_converted"] += 1
            self._gone(f)
            self.fire(case, "notify_commune_committee", leader, ("notice_to_commune_committee",))

    def dissolve(self, f: _Founding) -> None:
        if not self.active(f):
            return  # taken in by another group meanwhile
        commune = f.commune
        case = self._open("dissolve-unit", f.unit.id, commune.officer)
        if case is None:
            return
        self.fire(case, "assess", commune.officer, ("review_report",))
        self.fire(case, "submit", commune.officer, ("request_to_restructure",))
        if self.fire(case, "decide", commune.committee, ("dissolution_decision",)):
            self.counts["groups_dissolved"] += 1
            self._gone(f)

    def review_all(self) -> None:
        """Each November, every professional branch founded at least six months before is reviewed and rated."""
        today = self.clock.today()
        ratings = ("hoan_thanh_xuat_sac", "hoan_thanh_tot", "hoan_thanh", "khong_hoan_thanh")
        for branch_id, commune_id in list(self.active_branches.items()):
            unit = self.engine.store.unit(branch_id)
            if (
                unit.status != "active"
                or unit.founded_on is None
                or (today - unit.founded_on).days < _HALF_YEAR
            ):
                continue
            # The branch met every quarter; the union's application records its meetings.
            meetings = tuple(today - dt.timedelta(days=91 * q + 10) for q in range(4))
            self.engine.store.put_org(
                units=[attrs.evolve(unit, meetings=(*unit.meetings, *sorted(meetings)))]
            )
            commune = self.world.communes[commune_id]
            head = f"lead-{branch_id}"
            review = self._open("review-unit", branch_id, head)
            if review is None:
                continue
            self.fire(review, "submit_self_assessment", head, ("self_assessment",))
            self.fire(review, "review", commune.officer, ("review_report",))
            rating = self.rng.choices(ratings, self.behaviour.rating_shares)[0]
            if self.fire(review, "rate", commune.committee, ("rating_decision",), rating=rating):
                self.counts["branches_rated"] += 1
                self.counts[f"rating:{rating}"] += 1
            if self.rng.random() < self.behaviour.split_rate:
                self.split(branch_id, commune)

    def split(self, branch_id: str, commune: Commune) -> None:
        """A branch of at least twice the minimum splits in two, each half with a head and a deputy."""
        unit = self.engine.store.unit(branch_id)
        if len(unit.members) < 2 * self.behaviour.branch_range[0]:
            return
        half = len(unit.members) // 2
        halves = [list(unit.members[:half]), list(unit.members[half:])]
        parts = [
            {
                "id": f"{branch_id}-{n}",
                "name": f"{unit.name} ({n})",
                "members": members,
                "leaders": {"branch_head": members[0], "branch_deputy": members[1]},
            }
            for n, members in enumerate(halves, 1)
        ]
        head = f"lead-{branch_id}"
        case = self._open("split-unit", branch_id, head)
        if case is None:
            return
        self.fire(case, "agree_plan", head, ("split_plan", "meeting_minutes"))
        self.fire(case, "submit", head, ("request_to_restructure", "split_plan"))
        if self.fire(case, "decide", commune.committee, ("split_decision",), parts=parts):
            self.counts["branches_split"] += 1
            del self.active_branches[branch_id]
            self.sessions.ended(branch_id, commune)
            for part, members in zip(parts, halves, strict=True):
                part_id = str(part["id"])
                grant = (RoleGrant("branch_head", part_id),)
                self.engine.store.put_org(
                    actors=[Actor(f"lead-{part_id}", f"Chi hội trưởng {part['name']}", grant)]
                )
                self.active_branches[part_id] = commune.unit
                self.sessions.started(part_id, commune, self.clock.today(), members[:2])


def play(
    world: World,
    plan: PlanDef,
    *,
    seed: int = 0,
    behaviour: Behaviour = DEFAULT,
    store: Store | None = None,
    start: dt.date | None = None,
    until: dt.date | None = None,
    progress: Progress | None = None,
) -> Rollout:
    """Play a rollout over ``world`` from ``start`` (the plan's start) to ``until`` (its deadline).

    Args:
        world: the units and actors (:func:`~hoinghe.sim.world.build_world`); they are added to the store.
        plan: the plan whose period is played (its targets are what reports compare with).
        seed: the run's seed; the same seed gives the same run.
        behaviour: the behaviour model.
        store: where the run is kept; a new memory store by default.  A SQL store is written in one batch per
            simulated month; the outreach sessions and trainings, in either store, in one write when the run ends.
        progress: called with (day, until) when a new month starts.
    """
    began = time.perf_counter()
    first = start or plan.start
    last = until or plan.deadline
    if last < first:
        msg = Text(
            f"lượt mô phỏng sẽ kết thúc ({last}) trước khi bắt đầu ({first})",
            f"the run would end ({last}) before it starts ({first})",
        )
        raise ValueError(msg)
    clock = ManualClock(dt.datetime.combine(first, dt.time(8, 0), VIETNAM_TZ))
    store = store if store is not None else MemoryStore()
    store.put_org(units=world.units, actors=world.actors)
    engine = Engine(world.profile, store, clock=clock, ids=SequentialIds(), listeners_in_background=False)
    run = _Run(world, engine, clock, behaviour, seed, last)
    run.plan_all(first)
    if isinstance(store, MemoryStore):
        run.run(progress)
    else:
        _run_in_monthly_batches(run, engine, progress)
    run.finish()
    return Rollout(world, engine, plan, seed, first, last, run.counts, time.perf_counter() - began)


def _run_in_monthly_batches(run: _Run, engine: Engine, progress: Progress | None) -> None:
    """Run with one store batch (one transaction) per simulated month: a durable store stays fast."""
    while run.heap:
        month = run.heap[0][0].replace(day=1)
        with engine.batch():
            while run.heap and run.heap[0][0].replace(day=1) == month:
                day, _, action, args = heapq.heappop(run.heap)
                run.clock.set(dt.datetime.combine(day, dt.time(8, 0), VIETNAM_TZ))
                action(*args)
        if progress is not None:
            progress(month, run.until)

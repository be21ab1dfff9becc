"""Farmer Support Fund loans in a simulated rollout: groups apply, the commune union checks, the Fund's board decides.

Each active professional group files a loan application at ``loan_rate`` a year (a Poisson process from the day it
starts work, the next one after the last is decided), through the real engine: a case of the workflow
``fund-loan-application`` whose data holds the ``borrowers`` (a ``loan_share`` of the group's members who are union
members and make its product), the ``amounts`` each household asks for, the ``product`` and the term in ``months``,
as :meth:`hoinghe.fund.ApplicationView.from_case` reads them.  The group's leader submits it, the commune union's
officer checks the borrowers, the province's Fund board appraises it, then finances it (and pays out) or, with the
chance ``loan_rejection``, does not.  An application whose group stops working meanwhile is withdrawn.  A member
borrows under one plan at a time (Decree 37/2023): one whose application is open, or whose loan has not run its
term, is not named again.

Every group draws from its own stream, seeded by ``(seed, group)``: the foundings of a run are the same with or
without loans.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from hoinghe.definitions.workflow import Duration
from hoinghe.engine.engine import Engine
from hoinghe.engine.verdict import Refused
from hoinghe.fund import WORKFLOW
from hoinghe.org.model import Member, Unit
from hoinghe.sim.behaviour import Behaviour
from hoinghe.sim.world import Commune

__all__ = ["Group", "Loans", "Play"]

_STEP_VND = 5_000_000  # households ask for round sums


class Group(Protocol):
    """A professional group of the run: its unit, its commune, its members as the run knows them."""

    @property
    def unit(self) -> Unit: ...

    @property
    def commune(self) -> Commune: ...

    @property
    def members(self) -> list[str]: ...


class Play(Protocol):
    """The parts of a run the loans use."""

    engine: Engine
    counts: Counter[str]

    def at(self, day: dt.date, action: Callable[..., None], *args: Any) -> None: ...

    def fire_case(
        self, case: str, transition: str, actor: str, docs: tuple[str, ...] = (), **data: Any
    ) -> bool: ...

    def member(self, member_id: str) -> Member | None: ...

    def active(self, group: Any) -> bool: ...


class Loans:
    """The Fund applications of one run.

    Args:
        play: the run.
        behaviour: the rates, chances and durations.
        seed: the run's seed.
        boards: province union id -> the actor of its Fund board; a group whose province has none does not apply.
    """

    def __init__(self, play: Play, behaviour: Behaviour, seed: int, boards: Mapping[str, str]) -> None:
        self.play, self.behaviour, self.seed, self.boards = play, behaviour, seed, boards
        workflows = {w.id for w in play.engine.profile.workflows}
        self.enabled = WORKFLOW in workflows and behaviour.loan_rate > 0 and bool(boards)
        self._engaged: dict[str, dt.date] = {}  # borrower -> the day their plan ends (open: the last day)
        self._plans: dict[str, tuple[list[str], int]] = {}  # open application -> (borrowers, months)

    def started(self, group: Group) -> None:
        """A group started work: it may apply some day."""
        if self.enabled and group.commune.province in self.boards:
            rng = random.Random(f"{self.seed}:loans:{group.unit.id}")  # noqa: S311 - simulation, not secrets
            self._next(group, rng)

    def _today(self) -> dt.date:
        return self.play.engine.clock.today()

    def _next(self, group: Group, rng: random.Random) -> None:
        days = max(1, round(rng.expovariate(self.behaviour.loan_rate) * 365.25))
        self.play.at(self._today() + dt.timedelta(days=days), self.apply, group, rng)

    def _after(
        self, rng: random.Random, span: tuple[int, int], action: Callable[..., None], *args: Any
    ) -> None:
        calendar = self.play.engine.calendar
        self.play.at(calendar.add(self._today(), Duration(rng.randint(*span), "working_days")), action, *args)

    def _amount(self, rng: random.Random) -> int:
        low, high = self.behaviour.loan_amount
        steps = range(math.ceil(low / _STEP_VND), high // _STEP_VND + 1)
        return rng.choice(steps) * _STEP_VND if steps else low

    def apply(self, group: Group, rng: random.Random) -> None:
        """The group's leader drafts the plan and submits it for some of its members."""
        if not self.play.active(group):
            return
        b, trade = self.behaviour, group.unit.trade or ""
        eligible = []
        for member_id in dict.fromkeys(group.members):
            member = self.play.member(member_id)
            if (
                member is not None
                and member.union_member_since is not None
                and trade in member.trades
                and self._engaged.get(member_id, dt.date.min) < self._today()
            ):
                eligible.append(member_id)
        if not eligible:
            self._next(group, rng)
            return
        borrowers = sorted(rng.sample(eligible, max(1, round(len(eligible) * b.loan_share))))
        months = rng.randint(*b.loan_months)
        data = {
            "borrowers": borrowers,
            "amounts": {borrower: self._amount(rng) for borrower in borrowers},
            "product": trade,
            "months": months,
        }
        leader = f"lead-{group.unit.id}"
        try:
            case = self.play.engine.open(WORKFLOW, group.unit.id, leader, data=data)
        except Refused:
            self.play.counts["refusals"] += 1
            return
        self.play.counts["loans_applied"] += 1
        self._plans[case.id] = (borrowers, months)
        self._hold(borrowers, dt.date.max)
        if self.play.fire_case(case.id, "submit", leader, ("business_plan", "loan_application")):
            self._after(rng, b.steps.loan_check, self.verify, group, case.id, rng)

    def _hold(self, borrowers: list[str], until: dt.date) -> None:
        """The borrowers are in a plan until ``until``: no other application names them."""
        self._engaged.update(dict.fromkeys(borrowers, until))

    def _free(self, case: str) -> None:
        """The application closed without a loan: its borrowers may be named again."""
        borrowers, _months = self._plans.pop(case)
        for borrower in borrowers:
            self._engaged.pop(borrower, None)

    def _gone(self, group: Group, case: str) -> bool:
        """Withdraw the application when its group no longer works; whether it was withdrawn."""
        if self.play.active(group):
            return False
        if self.play.fire_case(case, "withdraw", group.commune.officer):
            self.play.counts["loans_withdrawn"] += 1
            self._free(case)
        return True

    def verify(self, group: Group, case: str, rng: random.Random) -> None:
        if self._gone(group, case):
            return
        officer = group.commune.officer
        if self.play.fire_case(case, "verify", officer, ("residence_certification",)):
            self._after(rng, self.behaviour.steps.loan_appraisal, self.appraise, group, case, rng)

    def appraise(self, group: Group, case: str, rng: random.Random) -> None:
        if self._gone(group, case):
            return
        board = self.boards[group.commune.province]
        if self.play.fire_case(case, "appraise", board, ("loan_appraisal",)):
            self._after(rng, self.behaviour.steps.loan_decision, self.decide, group, case, rng)

    def decide(self, group: Group, case: str, rng: random.Random) -> None:
        if self._gone(group, case):
            return
        board = self.boards[group.commune.province]
        if rng.random() < self.behaviour.loan_rejection:
            if self.play.fire_case(case, "reject", board):
                self.play.counts["loans_rejected"] += 1
                self._free(case)
            self._next(group, rng)
        elif self.play.fire_case(case, "approve", board, ("loan_decision",)):
            self.play.counts["loans_approved"] += 1
            self._after(rng, self.behaviour.steps.disbursement, self.disburse, group, case, rng)

    def disburse(self, group: Group, case: str, rng: random.Random) -> None:
        board = self.boards[group.commune.province]
        if self.play.fire_case(case, "disburse", board):
            self.play.counts["loans_disbursed"] += 1
            borrowers, months = self._plans.pop(case)
            self._hold(
                borrowers, self._today() + dt.timedelta(days=31 * months)
            )  # a month is at most 31 days
        self._next(group, rng)

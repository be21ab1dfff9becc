"""Workflow definitions: frozen data that many running cases share.

A workflow is a state machine over one *subject* (a unit of a given level and kind): its states, its transitions,
who may fire each (a role resolved relative to the subject), which documents and rules each needs, what it changes
in the organisation (effects), which approvals it waits for and which deadlines run while a case waits.
"""

from __future__ import annotations

import re
from typing import Literal

import attrs

from hoinghe.errors import NotFound
from hoinghe.org.registry import RELATIVE_UNITS
from hoinghe.org.text import Text

__all__ = [
    "PEOPLE",
    "RELATIVE_UNITS",
    "ApprovalDef",
    "ChecksDef",
    "Duration",
    "EffectRef",
    "NotifyDef",
    "RoleRef",
    "ScheduleDef",
    "StateDef",
    "SubjectSpec",
    "TimerDef",
    "TransitionDef",
    "WorkflowDefinition",
]

DurationUnit = Literal["working_days", "days", "months", "years"]
_DURATION = re.compile(r"^\s*(\d{1,4})\s+(working_days|days|months|years)\s*$")


@attrs.frozen
class Duration:
    """A span of time such as ``15 working_days``; working days skip weekends and Vietnamese public holidays."""

    amount: int
    unit: DurationUnit

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Read ``"15 working_days"``; raises ``ValueError`` naming the accepted units."""
        match = _DURATION.match(text)
        if not match:
            msg = Text(
                f"{text!r} không phải một khoảng thời gian; hãy viết một số nguyên và một đơn vị: 15 working_days, "
                "30 days, 6 months, 1 years",
                f"{text!r} is not a duration; write a whole number and a unit: 15 working_days, 30 days, "
                "6 months, 1 years",
            )
            raise ValueError(msg)
        return cls(int(match[1]), match[2])  # type: ignore[arg-type]

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}"


@attrs.frozen
class StateDef:
    """A state of a workflow.  In YAML, a bare name is a state with that id and no title."""

    id: str
    title: Text | None = None
    description: str | None = None


@attrs.frozen
class RoleRef:
    """A role held at a unit found relative to the subject.

    ``at`` is a level id (the subject's ancestor at that level, e.g. its ``commune`` union) or one of
    :data:`RELATIVE_UNITS`.
    """

    role: str
    at: str = "subject"


@attrs.frozen
class EffectRef:
    """A named change to the organisation applied with a transition, with its arguments."""

    id: str
    args: dict[str, str | int | float | bool] = attrs.field(factory=dict, hash=False)


@attrs.frozen
class ApprovalDef:
    """Several bodies must agree before the transition fires: ``quorum`` distinct bodies among ``by``."""

    by: tuple[RoleRef, ...]
    quorum: int = 1


#: Recipients of a notification that are not roles: who opened the case, and who fired the transition.
PEOPLE = ("proposer", "actor")


@attrs.frozen
class NotifyDef:
    """Who is told what when a transition fires or a deadline falls due.

    Attributes:
        to: the recipients, each a role found relative to the subject like ``by`` (everyone holding it), or
            ``proposer`` (who opened the case) or ``actor`` (who fired the transition).
        message: the text in Vietnamese and English; ``{expression}`` holes read the facts rules read
            (``{subject.name}``, ``{case.id}``, ``{params.group_min_members}``).
        channel: the notifier that delivers it: ``log``, ``webhook``, ``email`` or one an integrator registers.
        title: a subject line for channels that have one (email), with holes like ``message``.
    """

    to: tuple[RoleRef, ...]
    message: Text
    channel: str = "log"
    title: Text | None = None


@attrs.frozen
class TimerDef:
    """A deadline: if the case is still waiting ``within`` after ``from_``, remind or fire a transition.

    ``from_`` is ``entered`` (the case entered the state the transition leaves) or ``opened`` (the case opened).
    ``then`` is ``notify`` (a reminder) or ``fire`` (fire ``transition``).  A reminder goes to whoever may fire
    the transition, through the ``log`` channel, unless ``notify`` says otherwise: escalating to the body above
    is a ``notify`` entry naming its role.
    """

    within: Duration
    from_: Literal["entered", "opened"] = "entered"
    then: Literal["notify", "fire"] = "notify"
    transition: str | None = None
    notify: tuple[NotifyDef, ...] = ()


@attrs.frozen
class TransitionDef:
    """A move from one of ``from_`` to ``to``, by an actor holding one of the roles in ``by``.

    Attributes:
        documents: ids of documents the case must hold when it fires (declared in the profile).
        optional_documents: ids of documents the step accepts without requiring them (a business plan).
        rules: ids of rules (from the profile's rule packs) that must pass.
        effects: changes to the organisation applied in the same transaction.
        approvals: bodies that must approve before it fires (a quorum), if any.
        not_by_proposer: the actor who opened the case may not fire (nor approve) it.
        deadline: a timer that runs while the case waits in a ``from_`` state.
        notify: notifications written with the transition, in the same transaction, delivered by the relay.
    """

    id: str
    from_: tuple[str, ...]
    to: str
    by: tuple[RoleRef, ...] = ()
    title: Text | None = None
    documents: tuple[str, ...] = ()
    optional_documents: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    effects: tuple[EffectRef, ...] = ()
    approvals: ApprovalDef | None = None
    not_by_proposer: bool = False
    deadline: TimerDef | None = None
    notify: tuple[NotifyDef, ...] = ()


def _levels(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@attrs.frozen
class SubjectSpec:
    """What a workflow acts on: units at one of ``level`` (and of ``kind``); ``new`` when the case founds the unit.

    ``level`` is one level or several (``[branch, group]`` for a review that rates both).
    """

    level: tuple[str, ...] = attrs.field(converter=_levels)
    kind: str | None = None
    new: bool = False


@attrs.frozen
class ScheduleDef:
    """Cases of this workflow open by themselves every ``every`` for each unit matching the subject."""

    every: Duration


@attrs.frozen
class ChecksDef:
    """Static checks switched off for this definition, by code (``HNG-W014``); only ever explicit."""

    disable: tuple[str, ...] = ()


@attrs.frozen
class WorkflowDefinition:
    """A workflow: states, transitions and what each needs.  Loaded from YAML or built in Python."""

    id: str
    title: Text
    subject: SubjectSpec
    states: tuple[StateDef, ...]
    initial: str
    final: tuple[str, ...]
    transitions: tuple[TransitionDef, ...]
    description: str | None = None
    schedule: ScheduleDef | None = None
    checks: ChecksDef = ChecksDef()

    @property
    def state_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.states)

    def transition(self, transition_id: str) -> TransitionDef:
        """The transition with this id; :class:`~hoinghe.errors.NotFound` (a ``KeyError``) when there is none."""
        for t in self.transitions:
            if t.id == transition_id:
                return t
        raise NotFound(
            Text("bước chuyển", "transition"), transition_id, known=(t.id for t in self.transitions)
        )

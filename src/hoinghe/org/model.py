"""The organisation as immutable records: members, units, and the actors who hold roles at units.

Records are data: nothing here changes in place.  A change (an effect of a transition, a simulated event) is a new
record made with :func:`attrs.evolve`, collected into a new :class:`~hoinghe.org.registry.Org` snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

import attrs

from hoinghe.org.frozen import FrozenDict
from hoinghe.org.text import Text

__all__ = ["Actor", "Member", "RoleGrant", "Unit", "UnitStatus", "to_leaders"]

#: Where a unit is in its life: ``proposed`` while a founding case runs, ``active`` once founded, and one of the
#: ends a restructuring case leaves it in (``successor`` names the unit it went into, when there is one).
UnitStatus = Literal["proposed", "active", "merged", "split", "dissolved", "converted"]


@attrs.frozen
class Member:
    """A farmer who belongs (or may come to belong) to units.

    Attributes:
        id: stable id of the person.
        name: full name.
        birth_date: ``None`` when not known.
        commune: id of the commune unit where the member lives.
        union_member_since: the day the person joined the Union; ``None`` when not a union member.
        trades: the products or trades the member works in (``rice``, ``coffee`` ...).
    """

    id: str
    name: str
    birth_date: date | None
    commune: str
    union_member_since: date | None
    trades: tuple[str, ...] = ()

    @property
    def is_union_member(self) -> bool:
        return self.union_member_since is not None

    def age_on(self, day: date) -> int | None:
        """The member's age in whole years on ``day``; ``None`` when the birth date is not known.

        A 29 February birthday is reached on 1 March in years that have no 29 February.

        Raises:
            ValueError: ``day`` is before the member was born (the records disagree with the question).
        """
        born = self.birth_date
        if born is None:
            return None
        if day < born:
            msg = Text(
                f"hội viên {self.id!r} sinh ngày {born.isoformat()}, sau ngày {day.isoformat()}",
                f"member {self.id!r} was born on {born.isoformat()}, after {day.isoformat()}",
            )
            raise ValueError(msg)
        # Comparing (month, day) pairs makes 29 Feb fall between 28 Feb and 1 Mar in every year.
        before_birthday = (day.month, day.day) < (born.month, born.day)
        return day.year - born.year - before_birthday


def to_leaders(value: Mapping[Any, Any]) -> dict[str, tuple[str, ...]]:
    """``{"group_leader": "m1", "group_deputy": ["m2", "m3"]}`` as role -> tuple of member ids.

    Raises:
        TypeError: a role or a member id is not text.
    """
    out: dict[str, tuple[str, ...]] = {}
    for role, holders in value.items():
        ids = (holders,) if isinstance(holders, str) else tuple(holders)
        if not isinstance(role, str) or not all(isinstance(i, str) for i in ids):
            msg = Text(
                f"`leaders` ghép mỗi vai trò với mã các hội viên giữ nó, không nhận {role!r}: {holders!r}",
                f"leaders map a role to member ids, not {role!r}: {holders!r}",
            )
            raise TypeError(msg)
        out[role] = ids
    return FrozenDict(out)


@attrs.frozen
class Unit:
    """A unit of the Union: an administrative union (province, commune ...), a branch or a group.

    Attributes:
        id: stable id (``c-26734``, ``g-0012``).
        level: a level id of the hierarchy (``commune``, ``branch``, ``group`` ...).
        name: the unit's name as written on its founding decision.
        parent: id of the unit it sits under; ``None`` at the top of the snapshot.
        kind: ``residential`` or ``professional`` for branches and groups; ``None`` for administrative levels.
        trade: the shared product or trade of a professional unit.
        status: where the unit is in its life, see :data:`UnitStatus`.
        founded_on: the date of the founding decision, once there is one.
        members: ids of the members, in the order of the member list.
        leaders: role (``group_leader``, ``group_deputy`` ...) to the ids of the members holding it (a branch
            may have two deputies); a single id is read as one holder.
        successor: the unit this one was merged into or converted to.
        rating: the last yearly rating (``strong``, ``good`` ...), if rated.
        meetings: the days the unit met, oldest first.
        term_start: the day the current leaders' term began (their appointment or recognition).
    """

    id: str
    level: str
    name: str
    parent: str | None
    kind: str | None = None
    trade: str | None = None
    status: UnitStatus = "active"
    founded_on: date | None = None
    members: tuple[str, ...] = ()
    leaders: dict[str, tuple[str, ...]] = attrs.field(factory=dict, converter=to_leaders, hash=False)
    successor: str | None = None
    rating: str | None = None
    meetings: tuple[date, ...] = ()
    term_start: date | None = None


@attrs.frozen(order=True)
class RoleGrant:
    """A role held at one unit: ``standing_committee@c-26734``."""

    role: str
    unit: str

    def __str__(self) -> str:
        return f"{self.role}@{self.unit}"

    @classmethod
    def parse(cls, text: str) -> RoleGrant:
        """Read ``"standing_committee@c-26734"``.

        Raises:
            ValueError: the text is not a role and a unit id joined by one ``@``.
        """
        role, at, unit = text.partition("@")
        if not at or not role or not unit or "@" in unit or any(c.isspace() for c in text):
            msg = Text(
                f"{text!r} không phải vai trò tại một đơn vị; hãy viết role@unit, ví dụ standing_committee@c-26734",
                f"{text!r} is not a role grant; write role@unit, e.g. standing_committee@c-26734",
            )
            raise ValueError(msg)
        return cls(role, unit)


@attrs.frozen
class Actor:
    """Someone who acts in workflows: a union officer, a committee, a group leader.

    Attributes:
        id: stable id of the actor (a user account, a committee).
        name: shown in histories and notifications.
        grants: the roles the actor holds, each at one unit.
        member: the member this actor is, when the actor is a person on the member rolls.
        email: where the email notifier writes to this actor, if anywhere.
        phone: a phone number for notifiers that send text messages, if any.
    """

    id: str
    name: str
    grants: tuple[RoleGrant, ...] = ()
    member: str | None = None
    email: str | None = None
    phone: str | None = None

    def holds(self, role: str, unit: str) -> bool:
        """True when the actor holds ``role`` at the unit with id ``unit``."""
        return RoleGrant(role, unit) in self.grants

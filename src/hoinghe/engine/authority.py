"""Who may act on a case: roles named in a workflow, found relative to the case's subject.

``by: {role: standing_committee, at: lowest_common_parent}`` names the standing committee of the union whose area
covers every commune the subject's members live in (HIER-02, HIER-03); ``at: commune`` the subject's commune
union; ``at: subject`` the unit itself (its founding committee, its leader); ``at: parent`` the unit above it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from hoinghe.definitions.profile import Profile
from hoinghe.definitions.workflow import RoleRef
from hoinghe.errors import NotFound
from hoinghe.org.model import Actor, RoleGrant, Unit
from hoinghe.org.registry import COMMUNE_LEVEL
from hoinghe.org.text import Text
from hoinghe.storage.base import OrgReader

__all__ = ["describe_grants", "granted", "required_grants", "resolve_at"]


def _chain(store: OrgReader, unit: Unit) -> Iterator[Unit]:
    """``unit`` and every unit above it."""
    seen = {unit.id}
    yield unit
    while unit.parent is not None and unit.parent not in seen:
        unit = store.unit(unit.parent)
        seen.add(unit.id)
        yield unit


def _at_level(store: OrgReader, unit: Unit, level: str) -> Unit | None:
    return next((u for u in _chain(store, unit) if u.level == level), None)


def _lowest_common(store: OrgReader, units: Sequence[Unit]) -> Unit | None:
    first = list(_chain(store, units[0]))
    common = {u.id for u in first}
    for unit in units[1:]:
        common &= {u.id for u in _chain(store, unit)}
    return next((u for u in first if u.id in common), None)


def resolve_at(store: OrgReader, at: str, subject: Unit) -> Unit | None:
    """The unit a role is held at, for ``at`` relative to ``subject`` (the subject as the case proposes it).

    Returns:
        ``None`` when there is no such unit (the subject is at the top; its members span separate trees).

    Raises:
        NotFound: a parent, a member or a member's commune is missing from the store.
    """
    if at == "subject":
        return subject
    if at == "parent":
        return None if subject.parent is None else store.unit(subject.parent)
    if at == "lowest_common_parent":
        communes = list(dict.fromkeys(store.member(m).commune for m in subject.members))
        if not communes:  # a unit being founded with no member list yet: its own commune union decides
            return _at_level(store, subject, COMMUNE_LEVEL)
        return _lowest_common(store, [store.unit(c) for c in communes])
    return _at_level(store, subject, at)


def required_grants(store: OrgReader, refs: Iterable[RoleRef], subject: Unit) -> list[RoleGrant]:
    """The grants, any one of which lets an actor act: each role at the unit its ``at`` resolves to.

    A role whose unit cannot be found (no commune above the subject) is left out: nobody holds it.
    """
    out: list[RoleGrant] = []
    for ref in refs:
        try:
            unit = resolve_at(store, ref.at, subject)
        except NotFound:
            unit = None
        if unit is not None:
            out.append(RoleGrant(ref.role, unit.id))
    return list(dict.fromkeys(out))


def granted(actor: Actor, required: Iterable[RoleGrant]) -> RoleGrant | None:
    """The first required grant the actor holds, or ``None``."""
    held = set(actor.grants)
    return next((g for g in required if g in held), None)


def describe_grants(profile: Profile, store: OrgReader, grants: Sequence[RoleGrant]) -> Text:
    """``standing committee (Ban Thường vụ) at Hội Nông dân xã Yên Sơn (c-1)``, joined with "or"."""

    def title(role: str) -> Text:
        return next((r.title for r in profile.roles if r.id == role), Text(role, role))

    def unit_name(unit_id: str) -> str:
        try:
            return f"{store.unit(unit_id).name} ({unit_id})"
        except NotFound:
            return unit_id

    vi = " hoặc ".join(f"{title(g.role).get('vi')} tại {unit_name(g.unit)}" for g in grants)
    en = " or ".join(f"{title(g.role).get('en')} at {unit_name(g.unit)}" for g in grants)
    return Text(vi or "(không ai)", en or "(nobody)")

"""Rule packs: parameters and rules, with their citations, as frozen data.

A pack is one guidance document (the Charter, the central guidance 205-HD/HNDTW, a province's guidance, a decree).
Packs are layered in the order a profile lists them; a later pack may add rules and *tighten* a parameter in the
direction the parameter declares, never loosen it.  Expressions are kept as text here; ``hoinghe.rules`` compiles
and type-checks them.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import attrs

from hoinghe.org.text import Text

__all__ = [
    "AppliesTo",
    "Citation",
    "Confidence",
    "Effective",
    "ParamDef",
    "ParamValue",
    "RuleDef",
    "RulePack",
    "Tighten",
]

#: How sure the source is: V read in a primary text, S secondary, U uncertain or a modelling choice.
Confidence = Literal["V", "S", "U", "V/S", "V/U", "S/U", "U/S"]
#: The direction a lower pack may move a parameter: ``up`` (minimums), ``down`` (maximums),
#: ``any`` (a setting each province chooses), ``fixed`` (no pack may change it).
Tighten = Literal["up", "down", "any", "fixed"]
ParamValue = int | float | bool | str | tuple[str, ...]


@attrs.frozen
class Effective:
    """The dates a pack or parameter is in force: from ``from_`` (inclusive) until ``until`` (exclusive)."""

    from_: dt.date | None = None
    until: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        return (self.from_ is None or self.from_ <= day) and (self.until is None or day < self.until)


@attrs.frozen
class Citation:
    """Where a rule comes from: the document, its part or article, and the copy it was read in."""

    doc: str
    part: str | None = None
    source: str | None = None
    url: str | None = None

    def __str__(self) -> str:
        parts = [self.doc]
        if self.part:
            parts.append(self.part)
        text = ", ".join(parts)
        return f"{text} ({self.source})" if self.source else text


@attrs.frozen
class ParamDef:
    """A named value that rules read as ``params.<name>``."""

    value: ParamValue
    tighten: Tighten = "fixed"
    title: Text | None = None
    effective: Effective | None = None
    confidence: Confidence | None = None


@attrs.frozen
class AppliesTo:
    """Which decisions a rule takes part in; an empty field matches everything."""

    level: str | None = None
    kind: str | None = None
    workflows: tuple[str, ...] = ()
    transitions: tuple[str, ...] = ()


@attrs.frozen
class RuleDef:
    """One rule: ``require`` must hold (when ``when`` holds) or the decision is refused (or warned).

    ``message`` is a template: ``{subject.union_member_count}`` is replaced by the value.
    """

    id: str
    require: str
    message: Text
    cite: Citation
    title: Text | None = None
    when: str | None = None
    applies_to: AppliesTo = AppliesTo()
    severity: Literal["error", "warning"] = "error"
    confidence: Confidence | None = None
    effective: Effective | None = None


@attrs.frozen
class RulePack:
    """A guidance document as parameters and rules."""

    id: str
    title: Text
    params: dict[str, ParamDef] = attrs.field(factory=dict, hash=False)
    rules: tuple[RuleDef, ...] = ()
    effective: Effective = Effective()
    description: str | None = None

"""Layering rule packs: the parameters in force, and the attempts to loosen one.

Packs are applied in the order a profile lists them (the Charter and central guidance first, then a province's).
The first pack to define a parameter fixes the direction a later pack may move it (``tighten``); a later value in
the other direction is a *loosening*, reported by ``hoinghe check`` and refused by the engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import attrs

from hoinghe.definitions.rulepack import ParamDef, ParamValue, RuleDef, RulePack
from hoinghe.org.text import Text

__all__ = ["Loosening", "find_loosenings", "params_in_force", "rules_in_force"]


@attrs.frozen
class Loosening:
    """Pack ``later`` moves parameter ``name`` against the direction pack ``earlier`` declared.

    ``message`` says what the later pack does, as a verb phrase: "lowers 'x' from 5 to 3; it may only be raised".
    """

    name: str
    earlier: int
    later: int
    message: Text


def _covers(param: ParamDef, pack: RulePack, day: dt.date | None) -> bool:
    if day is None:
        return True
    return pack.effective.covers(day) and (param.effective is None or param.effective.covers(day))


def params_in_force(packs: Sequence[RulePack], on: dt.date | None = None) -> dict[str, ParamDef]:
    """Each parameter as the last pack in force on ``on`` (every pack when ``None``) sets it.

    A later pack inherits the direction (``tighten``) of the first definition.
    """
    out: dict[str, ParamDef] = {}
    for pack in packs:
        for name, param in pack.params.items():
            if not _covers(param, pack, on):
                continue
            first = out.get(name)
            out[name] = param if first is None else attrs.evolve(param, tighten=first.tighten)
    return out


def rules_in_force(packs: Sequence[RulePack], on: dt.date | None = None) -> tuple[RuleDef, ...]:
    """The rules of every pack in force on ``on``, in layering order."""
    out: list[RuleDef] = []
    for pack in packs:
        if on is not None and not pack.effective.covers(on):
            continue
        out.extend(r for r in pack.rules if on is None or r.effective is None or r.effective.covers(on))
    return tuple(out)


def _same_kind(a: ParamValue, b: ParamValue) -> bool:
    def kind(v: ParamValue) -> str:
        if isinstance(v, bool):
            return "bool"
        if isinstance(v, int | float):
            return "number"
        return type(v).__name__

    return kind(a) == kind(b)


def _moved(name: str, prev: ParamValue, value: ParamValue, *, lowered: bool) -> Text:
    if lowered:
        return Text(f"hạ {name!r} từ {prev!r} xuống {value!r}", f"lowers {name!r} from {prev!r} to {value!r}")
    return Text(f"nâng {name!r} từ {prev!r} lên {value!r}", f"raises {name!r} from {prev!r} to {value!r}")


def _only(direction: str) -> Text:
    if direction == "up":
        return Text(
            f"; tham số này chỉ được nâng lên (tighten: {direction})",
            f"; it may only be raised (tighten: {direction})",
        )
    return Text(
        f"; tham số này chỉ được hạ xuống (tighten: {direction})",
        f"; it may only be lowered (tighten: {direction})",
    )


def find_loosenings(packs: Sequence[RulePack]) -> list[Loosening]:
    """Every parameter that a later pack moves in a direction its first definition forbids."""
    first: dict[str, tuple[int, ParamDef]] = {}
    current: dict[str, tuple[int, ParamValue]] = {}
    out: list[Loosening] = []
    for index, pack in enumerate(packs):
        for name, param in pack.params.items():
            if name not in first:
                first[name] = (index, param)
                current[name] = (index, param.value)
                continue
            _, origin = first[name]
            prev_index, prev = current[name]
            value = param.value
            direction = origin.tighten
            problem: Text | None = None
            if not _same_kind(prev, value):
                problem = Text(
                    f"đổi kiểu của {name!r} (từ {prev!r} thành {value!r})",
                    f"changes the type of {name!r} (from {prev!r} to {value!r})",
                )
            elif direction == "fixed" and value != prev:
                problem = Text(
                    f"đổi {name!r} từ {prev!r} thành {value!r}, nhưng tham số này là cố định",
                    f"changes {name!r} from {prev!r} to {value!r}, but it is fixed",
                )
            elif direction in ("up", "down") and not isinstance(prev, tuple) and not isinstance(value, tuple):
                lowered = value < prev  # type: ignore[operator]
                raised = value > prev  # type: ignore[operator]
                if (direction == "up" and lowered) or (direction == "down" and raised):
                    problem = _moved(name, prev, value, lowered=lowered) + _only(direction)
            if problem:
                out.append(Loosening(name, prev_index, index, problem))
            else:
                current[name] = (index, value)
    return out

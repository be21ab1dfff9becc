"""Deeply immutable plain data, for the records many readers share (case data, leaders).

A store hands the same record to every reader; if a reader could append to ``case.data["members"]`` it would
rewrite the stored case and its history behind everyone's back.  :func:`freeze` turns JSON-like data into tuples
and :class:`FrozenDict` maps, so such a change fails loudly instead.  Both still serialise with :mod:`json` as
lists and objects, and a :class:`FrozenDict` equals the ``dict`` with the same items.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

from hoinghe.org.text import Text

__all__ = ["FrozenDict", "freeze", "thaw"]


class FrozenDict(dict[str, Any]):
    """A ``dict`` that refuses every change after it is made (its values are frozen by :func:`freeze`)."""

    __slots__ = ()

    def _refuse(self, *_: object, **__: object) -> NoReturn:
        msg = Text(
            "không được sửa dữ liệu của bản ghi này; hãy tạo bản ghi mới (attrs.evolve) hoặc một bản sao sửa được"
            " (thaw)",
            "this record's data cannot be changed; make a new record (attrs.evolve) or a thawed copy (thaw)",
        )
        raise TypeError(msg)

    __setitem__ = _refuse
    __delitem__ = _refuse
    clear = _refuse
    pop = _refuse
    popitem = _refuse
    setdefault = _refuse
    update = _refuse
    __ior__ = _refuse

    def __reduce__(self) -> tuple[type[FrozenDict], tuple[dict[str, Any]]]:
        # Pickling a dict subclass would set items one by one, which this class refuses.
        return (FrozenDict, (dict(self),))

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted((k, _hashable(v)) for k, v in self.items())))

    # repr is dict's: records print as they were written (``leaders={'group_leader': ('m1',)}``).


def _hashable(value: object) -> object:
    if isinstance(value, Mapping):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value


def freeze(value: Any) -> Any:
    """``value`` with every list made a tuple and every mapping a :class:`FrozenDict`, all the way down."""
    if isinstance(value, FrozenDict):
        return value
    if isinstance(value, Mapping):
        return FrozenDict({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """A mutable copy of frozen data: tuples become lists and maps plain dicts."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return [thaw(v) for v in value]
    return value

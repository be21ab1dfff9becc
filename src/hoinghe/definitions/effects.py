"""The names of the effects hoinghe knows, and the arguments each takes.

The engine implements them; a profile may declare more names (``effects:``) that an integrator registers from
Python.  Keeping the vocabulary here lets ``hoinghe check`` catch a misspelled effect without importing the engine.
"""

from __future__ import annotations

__all__ = ["BUILTIN_EFFECTS"]

#: effect name -> the argument names it accepts.
BUILTIN_EFFECTS: dict[str, frozenset[str]] = {
    "activate_unit": frozenset(),  # a proposed unit becomes active; founded_on is the decision date
    "dissolve_unit": frozenset({"reason"}),
    "appoint_leaders": frozenset(),  # leaders named in the case data take office
    "add_members": frozenset(),
    "remove_members": frozenset(),
    "merge_units": frozenset(),  # members of the absorbed units move; absorbed units close with a pointer
    "split_unit": frozenset(),  # new units are founded from parts of the subject's members
    "reparent_units": frozenset(),  # after communes merge, units move to the new commune union
    "record_rating": frozenset({"scale"}),
    "convert_unit": frozenset({"to"}),  # to: cooperative_group | cooperative
    "adopt_rules": frozenset(),  # the unit's operating rules (quy chế) re-adopted
}

"""The facts a rule expression can read, declared once.

At run time the facts are plain data: a mapping from the top-level names below to dicts, lists, ints, strings and
``datetime.date`` values.  Expressions are type-checked against :data:`FACTS` (or against
:func:`facts_schema` when a profile declares parameters), so an unknown field is a load-time error.

=========  ==================================================================================================
name       what it is
=========  ==================================================================================================
subject    the unit (branch or group) the rule is about
members    its members, one object each
parent     the unit it belongs to
case       the workflow case being decided
actor      who is acting, with the roles they hold
params     the rule pack's parameters, typed per profile (empty in :data:`FACTS`)
today      the date of the decision, from the injected clock
=========  ==================================================================================================
"""

from __future__ import annotations

from collections.abc import Mapping

from hoinghe.rules.types import BOOL, DATE, DOUBLE, INT, STRING, ListType, MapType, ObjectType, Type

__all__ = ["ACTOR", "CASE", "FACTS", "MEMBER", "PARENT", "SUBJECT", "facts_schema"]

_STRINGS = ListType(STRING)

SUBJECT = ObjectType(
    "subject",
    {
        "id": STRING,
        "level": STRING,
        "kind": STRING,
        "status": STRING,
        "trade": STRING,
        "name": STRING,
        "member_count": INT,
        "union_member_count": INT,
        "min_age": INT,
        "max_age": INT,
        "trades": _STRINGS,  # distinct trades of the members
        "communes": _STRINGS,  # distinct communes where members live
        "leaders": MapType(STRING, _STRINGS),  # role -> ids of the members holding it
        "leader_count": INT,
        "deputy_count": INT,
        "documents": _STRINGS,  # ids of the documents submitted
        "months_active": INT,
        "founded_on": DATE,
        "rating": STRING,
        "contract_signed_share": DOUBLE,
        "meetings_last_year": INT,
    },
)

MEMBER = ObjectType(
    "member",
    {
        "id": STRING,
        "name": STRING,
        "age": INT,
        "birth_date": DATE,
        "commune": STRING,
        "trades": _STRINGS,
        "union_member": BOOL,
        "in_units": _STRINGS,  # ids of the units this person belongs to
        "professional_units": INT,  # how many professional branches or groups they belong to
        "borrower": BOOL,
    },
)

PARENT = ObjectType("parent", {"id": STRING, "level": STRING, "kind": STRING, "name": STRING})

CASE = ObjectType(
    "case",
    {
        "id": STRING,
        "workflow": STRING,
        "state": STRING,
        "opened_on": DATE,
        "approvals": _STRINGS,
        "days_in_state": INT,
        "proposer": STRING,
    },
)

ACTOR = ObjectType("actor", {"id": STRING, "roles": _STRINGS})


def facts_schema(params: Mapping[str, Type]) -> ObjectType:
    """The facts schema with ``params`` typed as the given parameters.

    Args:
        params: parameter name -> type, e.g. built with :func:`~hoinghe.rules.type_of_value` from a profile.
    """
    return ObjectType(
        "facts",
        {
            "subject": SUBJECT,
            "members": ListType(MEMBER),
            "parent": PARENT,
            "case": CASE,
            "actor": ACTOR,
            "params": ObjectType("params", params),
            "today": DATE,
        },
    )


#: The facts with no parameters declared: ``params.anything`` is an unknown field.
FACTS: ObjectType = facts_schema({})

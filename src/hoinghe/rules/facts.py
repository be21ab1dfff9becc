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
loan       the loan a case asks for, when its data holds one (a Farmer Support Fund application)
actor      who is acting, with the roles they hold
params     the rule pack's parameters, typed per profile (empty in :data:`FACTS`)
today      the date of the decision, from the injected clock
=========  ==================================================================================================

A fact may be absent (``subject.commune`` above the commune level, ``loan`` in a case that asks for no loan): a
rule reading it fails, saying so, unless it asks first with ``has(...)``.
"""

from __future__ import annotations

from collections.abc import Mapping

from hoinghe.rules.types import BOOL, DATE, DOUBLE, INT, STRING, ListType, MapType, ObjectType, Type

__all__ = ["ACTOR", "CASE", "FACTS", "LOAN", "MEMBER", "PARENT", "SUBJECT", "facts_schema"]

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
        "commune": STRING,  # id of the commune union the unit is in (through its branch); itself for a commune
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

#: The loan a case asks for (the case data ``borrowers``, ``amounts``, ``product``, ``months``), and what the
#: store says of its borrowers.
LOAN = ObjectType(
    "loan",
    {
        "borrowers": _STRINGS,  # member ids, one per household
        "amounts": MapType(STRING, INT),  # member id -> the amount asked, in VND
        "total": INT,  # the amounts of the borrowers, added up
        "max_amount": INT,  # the largest amount a borrower asks (0 when none does)
        "product": STRING,  # what the borrowers make ('' when not given)
        "months": INT,  # the term asked (absent when not given)
        # borrower -> the other applications naming them: open, or disbursed and within their term
        "engaged": MapType(STRING, _STRINGS),
        "outsiders": _STRINGS,  # borrowers who are not members of the subject
    },
)


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
            "loan": LOAN,
            "actor": ACTOR,
            "params": ObjectType("params", params),
            "today": DATE,
        },
    )


#: The facts with no parameters declared: ``params.anything`` is an unknown field.
FACTS: ObjectType = facts_schema({})

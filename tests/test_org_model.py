"""The organisation's records: members and their age, units, role grants and actors."""

import datetime as dt

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hoinghe.org import Actor, Member, RoleGrant, Unit


def member(birth_date=dt.date(1980, 6, 15), union_member_since=dt.date(2010, 1, 1)):
    return Member("m1", "Nguyễn Văn A", birth_date, "c1", union_member_since, ("rice",))


def test_member_is_a_union_member_only_with_a_joining_date():
    assert member().is_union_member
    assert not member(union_member_since=None).is_union_member


@pytest.mark.parametrize(
    ("day", "age"),
    [
        (dt.date(1980, 6, 15), 0),
        (dt.date(1998, 6, 14), 17),
        (dt.date(1998, 6, 15), 18),
        (dt.date(2026, 2, 17), 45),
        (dt.date(2026, 12, 31), 46),
    ],
)
def test_age_is_whole_years(day, age):
    assert member().age_on(day) == age


@pytest.mark.parametrize(
    ("day", "age"),
    [
        (dt.date(2018, 2, 28), 17),  # no 29 Feb in 2018: the birthday is not reached yet
        (dt.date(2018, 3, 1), 18),  # ... it is reached on 1 March
        (dt.date(2020, 2, 28), 19),
        (dt.date(2020, 2, 29), 20),  # a leap year has the day itself
    ],
)
def test_a_29_february_birthday_is_reached_on_1_march_in_other_years(day, age):
    assert member(birth_date=dt.date(2000, 2, 29)).age_on(day) == age


def test_age_is_none_without_a_birth_date():
    assert member(birth_date=None).age_on(dt.date(2026, 1, 1)) is None


def test_age_before_birth_is_an_error_naming_the_member():
    with pytest.raises(ValueError, match=r"member 'm1' was born on 1980-06-15, after 1980-06-14"):
        member().age_on(dt.date(1980, 6, 14))


def _birthday(born, year):
    try:
        return born.replace(year=year)
    except ValueError:  # 29 Feb in a common year
        return dt.date(year, 3, 1)


@given(born=st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31)), days=st.integers(0, 40_000))
def test_age_is_the_number_of_birthdays_reached(born, days):
    day = born + dt.timedelta(days=days)
    age = member(birth_date=born).age_on(day)
    assert age is not None
    assert _birthday(born, born.year + age) <= day < _birthday(born, born.year + age + 1)


def test_unit_defaults_to_an_active_unit_without_members():
    unit = Unit("g1", "group", "Tổ hội trồng lúa", "c1", kind="professional", trade="rice")
    assert unit.status == "active"
    assert (unit.members, unit.leaders, unit.meetings) == ((), {}, ())
    assert (unit.founded_on, unit.successor, unit.rating) == (None, None, None)


def test_units_are_frozen_and_changed_by_evolve():
    unit = Unit("g1", "group", "Tổ hội", "c1")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        unit.status = "dissolved"  # type: ignore[misc]
    merged = attrs.evolve(unit, status="merged", successor="g2")
    assert (unit.status, merged.status, merged.successor) == ("active", "merged", "g2")


def test_units_hash_without_their_leaders_and_compare_with_them():
    a = Unit("g1", "group", "Tổ hội", "c1", members=("m1",), leaders={"group_leader": "m1"})
    b = attrs.evolve(a, leaders={})
    assert hash(a) == hash(b)
    assert a != b
    assert a == attrs.evolve(b, leaders={"group_leader": "m1"})


def test_role_grant_reads_and_prints_role_at_unit():
    grant = RoleGrant.parse("standing_committee@c-26734")
    assert grant == RoleGrant("standing_committee", "c-26734")
    assert str(grant) == "standing_committee@c-26734"
    assert RoleGrant.parse("org_board@province:30").unit == "province:30"


@pytest.mark.parametrize(
    "text", ["", "standing_committee", "@c1", "standing_committee@", "a@b@c", "a @c1", "a@c1 ", "a@@c1"]
)
def test_role_grant_refuses_other_forms_naming_the_expected_one(text):
    with pytest.raises(ValueError, match=r"write role@unit, e\.g\. standing_committee@c-26734"):
        RoleGrant.parse(text)


_NAMES = st.text(st.characters(blacklist_categories=["Z", "C"], blacklist_characters="@"), min_size=1)


@given(role=_NAMES, unit=_NAMES)
def test_role_grant_round_trips_through_text(role, unit):
    grant = RoleGrant(role, unit)
    assert RoleGrant.parse(str(grant)) == grant


def test_actor_holds_only_its_grants():
    actor = Actor(
        "a1",
        "Ban Thường vụ xã",
        (RoleGrant("standing_committee", "c1"), RoleGrant("union_officer", "c1")),
        member="m1",
    )
    assert actor.holds("standing_committee", "c1")
    assert actor.holds("union_officer", "c1")
    assert not actor.holds("standing_committee", "c2")
    assert not actor.holds("org_board", "c1")
    assert not Actor("a2", "Nobody").holds("standing_committee", "c1")
    assert Actor("a2", "Nobody").member is None

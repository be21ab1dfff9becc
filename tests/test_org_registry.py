"""Org snapshots: lookups, the tree, where a workflow role is held, copy-on-write changes and consistency checks."""

import datetime as dt
import pickle

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hoinghe.errors import NotFound
from hoinghe.org import UNIT_KINDS, Actor, Hierarchy, Level, Member, Org, RoleGrant, Text, Unit

HIERARCHY = Hierarchy(
    (
        Level("central", Text("Trung ương Hội")),
        Level("province", Text("Hội Nông dân tỉnh")),
        Level("commune", Text("Hội Nông dân xã")),
        Level("branch", Text("Chi hội"), kinds=UNIT_KINDS),
        Level("group", Text("Tổ hội"), kinds=UNIT_KINDS, parents=("branch", "commune")),
    )
)


def person(member_id, commune):
    return Member(member_id, f"Hội viên {member_id}", dt.date(1980, 1, 1), commune, dt.date(2010, 1, 1))


def world():
    """vn > p1 > {c1 > {b1 > g1, b2}, c2 > g2}, vn > p2 > c3 > {g3, g0}.

    g1's members live in c1; g2's in c1 and c2 (both in p1); g3's in c1 and c3 (in p1 and p2); g0 has none yet.
    """
    units = [
        Unit("vn", "central", "Trung ương Hội", None),
        Unit("p1", "province", "Tỉnh 1", "vn"),
        Unit("p2", "province", "Tỉnh 2", "vn"),
        Unit("c1", "commune", "Xã 1", "p1"),
        Unit("c2", "commune", "Xã 2", "p1"),
        Unit("c3", "commune", "Xã 3", "p2"),
        Unit("b1", "branch", "Chi hội thôn 1", "c1", kind="residential"),
        Unit("b2", "branch", "Chi hội lúa", "c1", kind="professional", trade="rice", status="proposed"),
        Unit(
            "g1",
            "group",
            "Tổ hội lúa",
            "b1",
            kind="professional",
            trade="rice",
            members=("m1", "m2", "m3", "m4", "m5"),
            leaders={"group_leader": "m1", "deputy_leader": "m2"},
        ),
        Unit("g2", "group", "Tổ hội cà phê", "c2", kind="professional", trade="coffee", members=("m6", "m7")),
        Unit("g3", "group", "Tổ hội tiêu", "c3", kind="professional", trade="pepper", members=("m8", "m1")),
        Unit("g0", "group", "Tổ hội mới", "c3", kind="professional", status="proposed"),
    ]
    members = [person(f"m{i}", "c1") for i in range(1, 6)]
    members += [person("m6", "c2"), person("m7", "c1"), person("m8", "c3")]
    actors = [
        Actor("a1", "Ban Thường vụ xã 1", (RoleGrant("standing_committee", "c1"),)),
        Actor("a2", "Cán bộ", (RoleGrant("standing_committee", "c1"), RoleGrant("org_board", "p1"))),
        Actor("a3", "Tổ trưởng", (RoleGrant("group_leader", "g1"),), member="m1"),
    ]
    return Org.build(HIERARCHY, units, members, actors)


ORG = world()


def round_trip(value):
    return pickle.loads(pickle.dumps(value))  # noqa: S301 - bytes this test just made


def ids(units):
    return [unit.id if unit is not None else None for unit in units]


# ---------------------------------------------------------------------------------------------- lookups


def test_lookups_find_records_by_id():
    assert ORG.unit("g1").name == "Tổ hội lúa"
    assert ORG.member("m6").commune == "c2"
    assert ORG.actor("a3").member == "m1"


@pytest.mark.parametrize(("method", "kind"), [("unit", "unit"), ("member", "member"), ("actor", "actor")])
def test_a_missing_id_is_not_found_naming_its_kind(method, kind):
    with pytest.raises(NotFound, match=rf"no {kind} 'nope'") as caught:
        getattr(ORG, method)("nope")
    assert isinstance(caught.value, KeyError)
    assert (caught.value.kind.get("en"), caught.value.key) == (kind, "nope")


def test_build_refuses_two_records_with_one_id():
    with pytest.raises(ValueError, match="member 'm1' is given twice"):
        Org.build(HIERARCHY, members=[person("m1", "c1"), person("m1", "c2")])


def test_a_snapshot_copies_the_mappings_it_is_given():
    units = {"vn": Unit("vn", "central", "Trung ương Hội", None)}
    org = Org(HIERARCHY, units)
    units["p1"] = Unit("p1", "province", "Tỉnh 1", "vn")
    assert list(org.units) == ["vn"]
    assert org.children("vn") == []
    with pytest.raises(TypeError):
        org.units["p1"] = units["p1"]  # type: ignore[index]


def test_an_empty_snapshot_has_nothing():
    org = Org(HIERARCHY)
    assert (dict(org.units), dict(org.members), dict(org.actors)) == ({}, {}, {})
    assert org.validate() == []


# ---------------------------------------------------------------------------------------------- the tree


def test_children_in_order_and_filtered_by_level_and_status():
    assert ids(ORG.children("c1")) == ["b1", "b2"]
    assert ids(ORG.children("c1", status="proposed")) == ["b2"]
    assert ids(ORG.children("c3", level="group", status="active")) == ["g3"]
    assert ids(ORG.children("c1", level="group")) == []
    assert ORG.children("g1") == []


def test_children_of_an_unknown_unit_or_at_an_unknown_level_are_not_found():
    with pytest.raises(NotFound, match="no unit 'nope'"):
        ORG.children("nope")
    with pytest.raises(NotFound, match="no level 'district'"):
        ORG.children("c1", level="district")


def test_descendants_are_depth_first_and_filtered():
    assert ids(ORG.descendants("p1")) == ["c1", "b1", "g1", "b2", "c2", "g2"]
    assert ids(ORG.descendants("vn", level="group")) == ["g1", "g2", "g3", "g0"]
    assert ids(ORG.descendants("vn", level="group", status="proposed")) == ["g0"]
    assert ORG.descendants("g1") == []
    with pytest.raises(NotFound):
        ORG.descendants("nope")


def test_ancestors_go_from_the_parent_to_the_top():
    assert ids(ORG.ancestors("g1")) == ["b1", "c1", "p1", "vn"]
    assert ids(ORG.ancestors("g2")) == ["c2", "p1", "vn"]
    assert ORG.ancestors("vn") == []


def test_ancestors_of_a_unit_whose_parent_is_missing_are_not_found():
    org = ORG.with_units(Unit("g9", "group", "Tổ hội lạc", "c99"))
    with pytest.raises(NotFound, match="no unit 'c99'"):
        org.ancestors("g9")


def test_ancestors_refuse_a_cycle_naming_it():
    org = ORG.with_units(attrs.evolve(ORG.unit("c1"), parent="b1"))
    with pytest.raises(ValueError, match=r"the parents of unit 'g1' form a cycle \(b1 -> c1 -> b1\)"):
        org.ancestors("g1")
    assert ids(org.descendants("b1")) == ["c1", "b2", "g1"]  # and walking down stops too


def test_ancestor_at_a_level_is_the_unit_itself_or_above_it():
    assert ORG.ancestor_at("g1", "group").id == "g1"
    assert ORG.ancestor_at("g1", "branch").id == "b1"
    assert ORG.ancestor_at("g1", "province").id == "p1"
    assert ORG.ancestor_at("g2", "branch") is None  # g2 sits directly under its commune
    assert ORG.ancestor_at("p1", "commune") is None
    with pytest.raises(NotFound, match="no level 'district'"):
        ORG.ancestor_at("g1", "district")


def test_commune_of_a_unit():
    assert ORG.commune_of("g1").id == "c1"
    assert ORG.commune_of("g2").id == "c2"
    assert ORG.commune_of("c3").id == "c3"
    assert ORG.commune_of("p1") is None


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        (["c1"], "c1"),
        (["c1", "c1"], "c1"),
        (["g1", "b2"], "c1"),
        (["c1", "c2"], "p1"),
        (["c1", "c3"], "vn"),
        (["g1", "c1"], "c1"),
        (["g1", "p1", "g2"], "p1"),
    ],
)
def test_lowest_common_parent(units, expected):
    assert ORG.lowest_common_parent(units).id == expected


def test_lowest_common_parent_of_separate_trees_is_none():
    org = Org.build(
        HIERARCHY, [Unit("p1", "province", "Tỉnh 1", None), Unit("p2", "province", "Tỉnh 2", None)]
    )
    assert org.lowest_common_parent(["p1", "p2"]) is None


def test_lowest_common_parent_needs_known_units():
    with pytest.raises(ValueError, match="at least one unit id"):
        ORG.lowest_common_parent([])
    with pytest.raises(NotFound, match="no unit 'nope'"):
        ORG.lowest_common_parent(["c1", "nope"])


# ---------------------------------------------------------------------------------------------- resolve


@pytest.mark.parametrize(
    ("at", "subject", "expected"),
    [
        ("subject", "g1", "g1"),
        ("parent", "g1", "b1"),
        ("parent", "vn", None),
        ("commune", "g1", "c1"),
        ("province", "g3", "p2"),
        ("branch", "g2", None),
        ("lowest_common_parent", "g1", "c1"),  # every member lives in c1 (HIER-02)
        ("lowest_common_parent", "g2", "p1"),  # members in c1 and c2, both in p1 (HIER-03)
        ("lowest_common_parent", "g3", "vn"),  # members in two provinces
        ("lowest_common_parent", "g0", "c3"),  # no members yet: the unit's own commune
        ("lowest_common_parent", "p1", None),  # no members and no commune above
    ],
)
def test_resolve_where_a_role_is_held(at, subject, expected):
    found = ORG.resolve(at, subject)
    assert (found.id if found else None) == expected


def test_resolve_lowest_common_parent_of_the_communes_given():
    assert ORG.resolve("lowest_common_parent", "g0", ["c1", "c2"]).id == "p1"
    assert ORG.resolve("lowest_common_parent", "g1", ["c3"]).id == "c3"


def test_resolve_refuses_unknown_places_subjects_and_communes():
    with pytest.raises(
        NotFound, match=r"no role location 'commune_of_subject'; known: .*lowest_common_parent"
    ):
        ORG.resolve("commune_of_subject", "g1")
    with pytest.raises(NotFound, match="no unit 'nope'"):
        ORG.resolve("subject", "nope")
    with pytest.raises(NotFound, match="no unit 'c99'"):
        ORG.resolve("lowest_common_parent", "g0", ["c99"])
    org = ORG.with_units(attrs.evolve(ORG.unit("g0"), members=("m99",)))
    with pytest.raises(NotFound, match="no member 'm99'"):
        org.resolve("lowest_common_parent", "g0")


# ---------------------------------------------------------------------------------------------- people


def test_memberships_of_a_member():
    assert ids(ORG.memberships("m1")) == ["g1", "g3"]
    assert ORG.memberships("m1", status="proposed") == []
    assert ORG.memberships("m7") == [ORG.unit("g2")]
    with pytest.raises(NotFound, match="no member 'nope'"):
        ORG.memberships("nope")


def test_holders_of_a_role_at_a_unit():
    assert [a.id for a in ORG.holders("standing_committee", "c1")] == ["a1", "a2"]
    assert [a.id for a in ORG.holders("org_board", "p1")] == ["a2"]
    assert ORG.holders("standing_committee", "c2") == []


# ---------------------------------------------------------------------------------------------- changes


def test_with_units_makes_a_new_snapshot_and_leaves_the_old_one_alone():
    moved = attrs.evolve(ORG.unit("g1"), parent="b2")
    new = Unit("g4", "group", "Tổ hội mới", "c1", kind="professional")
    org = ORG.with_units(moved, new)
    assert ids(org.children("b2")) == ["g1"]
    assert ids(org.children("c1")) == ["b1", "b2", "g4"]
    assert org.children("b1") == []
    assert ids(ORG.children("b1")) == ["g1"]
    assert "g4" not in ORG.units
    assert org.validate() == []
    assert org != ORG
    assert ORG.with_units() == ORG


def test_with_members_and_actors_make_new_snapshots():
    org = ORG.with_members(person("m9", "c2"), attrs.evolve(ORG.member("m1"), union_member_since=None))
    assert not org.member("m1").is_union_member
    assert ORG.member("m1").is_union_member
    assert "m9" not in ORG.members
    org = ORG.with_actors(Actor("a4", "Tổ phó", (RoleGrant("group_leader", "g1"),), member="m2"))
    assert [a.id for a in org.holders("group_leader", "g1")] == ["a3", "a4"]
    assert [a.id for a in ORG.holders("group_leader", "g1")] == ["a3"]


# ---------------------------------------------------------------------------------------------- validate


def test_a_consistent_snapshot_has_no_problems():
    assert ORG.validate() == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda o: o.with_units(Unit("g9", "group", "x", "c99", kind="professional")),
            "parent 'c99', which is not",
        ),
        (
            lambda o: o.with_units(Unit("g9", "group", "x", "p1", kind="professional")),
            "unit 'g9' (group) sits under 'p1' (province); a group may sit under: branch, commune",
        ),
        (
            lambda o: o.with_units(Unit("x", "central", "x", "vn")),
            "a central may sit under: nothing (it is the top level)",
        ),
        (lambda o: o.with_units(Unit("d1", "district", "x", "p1")), "level 'district', which the hierarchy"),
        (
            lambda o: o.with_units(Unit("b9", "branch", "x", "c1")),
            "unit 'b9' is of kind None; a branch is one of residential, professional",
        ),
        (lambda o: o.with_units(Unit("c9", "commune", "x", "p1", kind="professional")), "have no kind"),
        (
            lambda o: o.with_units(attrs.evolve(o.unit("g2"), members=("m6", "m99"))),
            "unit 'g2' lists member 'm99', who is not in the members",
        ),
        (
            lambda o: o.with_units(attrs.evolve(o.unit("g2"), leaders={"group_leader": "m1"})),
            "unit 'g2' has 'm1' as group_leader, who is not a member of the unit",
        ),
        (
            lambda o: o.with_units(attrs.evolve(o.unit("g2"), status="merged", successor="g99")),
            "successor 'g99', which is not a unit",
        ),
        (
            lambda o: o.with_units(attrs.evolve(o.unit("c1"), parent="g1")),
            "a cycle of parents: c1 -> g1 -> b1 -> c1",
        ),
        (lambda o: o.with_members(person("m9", "c99")), "member 'm9' lives in 'c99', which is not a unit"),
        (
            lambda o: o.with_members(person("m9", "p1")),
            "member 'm9' lives in 'p1', a province, not a commune",
        ),
        (lambda o: o.with_actors(Actor("a9", "x", member="m99")), "actor 'a9' is member 'm99', who is not"),
        (
            lambda o: o.with_actors(Actor("a9", "x", (RoleGrant("standing_committee", "c99"),))),
            "actor 'a9' holds standing_committee@c99, but there is no unit 'c99'",
        ),
        (lambda o: Org(HIERARCHY, {"x": o.unit("vn")}), "unit 'vn' is filed under 'x'"),
    ],
)
def test_validate_names_each_inconsistency(change, problem):
    problems = change(ORG).validate()
    assert any(problem in str(p) for p in problems), problems


def test_validate_reports_a_cycle_once():
    org = ORG.with_units(attrs.evolve(ORG.unit("c1"), parent="g1"))
    assert [str(p) for p in org.validate() if "cycle" in str(p)] == [
        "a cycle of parents: c1 -> g1 -> b1 -> c1"
    ]


# ---------------------------------------------------------------------------------------------- properties

_CHILD_LEVELS = {
    level.id: [child.id for child in HIERARCHY if level.id in HIERARCHY.parent_levels(child.id)]
    for level in HIERARCHY
}


@st.composite
def forests(draw):
    """A consistent snapshot: each unit under an earlier one at an allowed level, or a root at any level."""
    units: list[Unit] = []
    for i in range(draw(st.integers(1, 30))):
        parent = draw(st.sampled_from([None, *units]))
        if parent is None or not _CHILD_LEVELS[parent.level]:
            parent, level = None, draw(st.sampled_from(HIERARCHY.ids))
        else:
            level = draw(st.sampled_from(_CHILD_LEVELS[parent.level]))
        kind = "professional" if HIERARCHY.level(level).kinds else None
        units.append(Unit(f"u{i}", level, f"Unit {i}", parent.id if parent else None, kind=kind))
    return Org.build(HIERARCHY, units)


def _up(org, unit_id):
    """The unit and the units above it, walked without the code under test."""
    out = []
    while unit_id is not None:
        out.append(unit_id)
        unit_id = org.units[unit_id].parent
    return out


@given(data=st.data(), org=forests())
def test_lowest_common_parent_is_above_each_unit_and_no_lower_unit_is(data, org):
    chosen = data.draw(st.lists(st.sampled_from(list(org.units)), min_size=1, max_size=6))
    common = set.intersection(*(set(_up(org, unit_id)) for unit_id in chosen))
    found = org.lowest_common_parent(chosen)
    if not common:
        assert found is None
        return
    assert found is not None
    assert found.id in common
    # Every unit above all the chosen ones is the one found or above it: none is lower.
    assert common <= set(_up(org, found.id))


@given(org=forests())
def test_generated_snapshots_are_consistent_and_ancestors_agree_with_parents(org):
    assert org.validate() == []
    for unit_id in org.units:
        assert ids(org.ancestors(unit_id)) == _up(org, unit_id)[1:]
        for child in org.children(unit_id):
            assert child.parent == unit_id


def test_a_snapshot_survives_pickling_for_worker_processes():
    copy = round_trip(ORG)
    assert copy == ORG
    assert ids(copy.children("c1")) == ["b1", "b2"]
    with pytest.raises(TypeError):
        copy.units["x"] = ORG.unit("g1")  # type: ignore[index]

"""The compliance audit and the what-if comparison with a draft rule pack, on simulated provinces."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import attrs
import pytest
from typer.testing import CliRunner

from hoinghe.audit import (
    STANDING_TRANSITION,
    Audit,
    AuditError,
    compare,
    draft_stack,
    founding_workflows,
    load_draft,
    open_consolidation,
)
from hoinghe.audit import audit as run_audit
from hoinghe.cli import app
from hoinghe.definitions.rulepack import ParamDef, RulePack
from hoinghe.errors import DefinitionError, NotFound, Severity
from hoinghe.i18n import use
from hoinghe.loading import shipped_path
from hoinghe.org import Actor, Member, RoleGrant, Unit
from hoinghe.org.text import Text
from hoinghe.records import fold
from hoinghe.rules.ruleset import RuleSet
from hoinghe.sim import Scenario, simulate
from hoinghe.storage import open_store

ON = dt.date(2023, 1, 2)
GUIDANCE_205 = dt.date(2020, 7, 10)  # hd-205-2020 (MEM-01, MEM-02 ...) is in force from this day
GROUP_MIN, BRANCH_MIN, ADULT = 5, 15, 18
NA_HANG = Scenario(province="Tuyên Quang", district="Na Hang", until=dt.date(2022, 12, 31))
SMALL = Scenario(synthetic=(1, 1, 3), until=dt.date(2022, 12, 31))
RUNNER = CliRunner()


def na_hang():
    return simulate(NA_HANG, seed=1)


@pytest.fixture(scope="module")
def shared():
    """A rollout the tests only read."""
    return na_hang()


def draft_yaml(tmp_path, minimum: int, name: str = "hd-205-draft.yaml"):
    """A copy of the shipped hd-205-2020 pack (same id) with another group minimum."""
    text = (shipped_path() / "rules" / "hd-205-2020.yaml").read_text("utf-8")
    old = "  group_min_members:\n    value: 5\n"
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, f"  group_min_members:\n    value: {minimum}\n"), "utf-8")
    return path


# ------------------------------------------------------------------------------------------------ the oracle


def union_count(store, member_ids) -> int:
    return sum(1 for m in member_ids if store.member(m).union_member_since is not None)


def breaks_standing_rules(store, unit: Unit, on: dt.date) -> bool:
    """The standing conditions of the shipped vn-2019 packs, written out plainly (an independent oracle)."""
    members = [store.member(m) for m in unit.members]
    minimum = GROUP_MIN if unit.level == "group" else BRANCH_MIN
    return (
        (on >= GUIDANCE_205 and union_count(store, unit.members) < minimum)  # MEM-01, MEM-02
        or (on >= GUIDANCE_205 and any(unit.trade not in m.trades for m in members))  # MEM-05
        or any(m.union_member_since is None for m in members)  # MEM-08
        or any(m.birth_date is None or m.age_on(on) < ADULT for m in members)  # MEM-09
        or (on >= GUIDANCE_205 and any(not m.commune for m in members))  # HIER-02
    )


def professional_units(store):
    return [u for u in store.units(status="active", kind="professional") if u.level in {"group", "branch"}]


def expected_non_compliant(store, on: dt.date) -> set[str]:
    return {u.id for u in professional_units(store) if breaks_standing_rules(store, u, on)}


# ------------------------------------------------------------------------------------------------ the audit


def test_the_standing_rules_are_those_of_the_founding_decision(shared):
    founding = founding_workflows(shared.world.profile)
    assert {k: w.id for k, w in founding.items()} == {
        ("group", "professional"): "found-professional-group",
        ("branch", "professional"): "found-professional-branch",
    }
    assert all(any(t.id == STANDING_TRANSITION for t in w.transitions) for w in founding.values())


def test_the_audit_finds_exactly_the_units_made_non_compliant():
    """Done when: on a simulated province, the audit finds exactly the units a test made non-compliant."""
    rollout = na_hang()
    store, profile = rollout.store, rollout.world.profile
    before = run_audit(store, profile, on=ON)
    assert set(before.non_compliant_units) == expected_non_compliant(store, ON)
    # The groups to break: founded under guidance 205 and compliant now, in four different ways.
    candidates = [
        u
        for u in store.units(level="group", status="active")
        if u.founded_on is not None
        and u.founded_on > GUIDANCE_205
        and u.id in before.compliant_units
        and len(u.members) >= GROUP_MIN
    ]
    too_few, other_trade, not_in_union, minor = candidates[:4]
    commune = too_few.parent
    outsiders = [
        Member("x-trade", "Nông dân khác nghề", dt.date(1980, 5, 1), commune, dt.date(2010, 1, 1), ("khac",)),
        Member(
            "x-union", "Chưa là hội viên", dt.date(1985, 5, 1), commune, None, (not_in_union.trade or "",)
        ),
        Member("x-minor", "Chưa đủ tuổi", ON.replace(year=ON.year - 17), commune, ON, (minor.trade or "",)),
    ]
    store.put_org(
        members=outsiders,
        units=[
            attrs.evolve(too_few, members=too_few.members[:3]),
            attrs.evolve(other_trade, members=(*other_trade.members, "x-trade")),
            attrs.evolve(not_in_union, members=(*not_in_union.members, "x-union")),
            attrs.evolve(minor, members=(*minor.members, "x-minor")),
        ],
    )
    broken = {too_few.id: "MEM-02", other_trade.id: "MEM-05", not_in_union.id: "MEM-08", minor.id: "MEM-09"}

    found = run_audit(store, profile, on=ON)

    assert set(found.non_compliant_units) == set(before.non_compliant_units) | set(broken)
    assert set(found.non_compliant_units) == expected_non_compliant(store, ON)
    for unit_id, rule in broken.items():
        assert [f.rule_id for f in found.findings if f.unit_id == unit_id] == [rule]
    assert found.checked == len(professional_units(store)) == before.checked
    assert found.checked == len(found.compliant_units) + len(found.non_compliant_units)
    finding = next(f for f in found.findings if f.unit_id == too_few.id)
    assert finding.place.commune_id == commune
    assert finding.place.district_id == "d-072"
    assert finding.place.district_name == "Hội Nông dân huyện Na Hang"
    assert finding.values == ("subject.union_member_count (3) >= params.group_min_members (5) is false",)
    assert finding.message.get("vi") == "Tổ hội nghề nghiệp cần ít nhất 5 hội viên; hiện có 3."
    assert finding.citation.startswith("205-HD/HNDTW")


def test_rules_not_in_force_on_the_day_are_not_applied(shared):
    store, profile = shared.store, shared.world.profile
    early = dt.date(2020, 7, 1)  # before guidance 205: no minimum size yet
    found = run_audit(store, profile, on=early)
    assert not any(f.rule_id == "MEM-02" for f in found.findings)
    later = run_audit(store, profile, on=ON)
    assert any(f.rule_id == "MEM-02" for f in later.findings)


def test_packs_replace_the_profiles_own(shared):
    found = run_audit(shared.store, shared.world.profile, on=ON, packs=())
    assert found.findings == ()
    assert found.packs == ()
    assert len(found.compliant_units) == found.checked > 0


def test_a_scope_audits_its_subtree_only(shared):
    store, profile = shared.store, shared.world.profile
    everything = run_audit(store, profile, on=ON)
    commune = everything.findings[0].place.commune_id
    assert commune is not None
    found = run_audit(store, profile, on=ON, scope=commune)
    org = store.org(profile.hierarchy)
    below = {u.id for u in org.descendants(commune, status="active") if u.kind == "professional"}
    assert set(found.compliant_units) | set(found.non_compliant_units) == below
    assert found.checked == len(below) < everything.checked
    assert {f.place.commune_id for f in found.findings} == {commune}
    one = run_audit(store, profile, on=ON, scope=everything.findings[0].unit_id)
    assert one.checked == 1
    with pytest.raises(NotFound):
        run_audit(store, profile, on=ON, scope="c-nowhere")


def test_a_member_list_naming_someone_unknown_is_a_finding():
    rollout = na_hang()
    store, profile = rollout.store, rollout.world.profile
    group = next(store.units(level="group", status="active"))
    store.put_org(units=[attrs.evolve(group, members=(*group.members, "ghost"))])
    found = run_audit(store, profile, on=ON)
    assert group.id in found.non_compliant_units
    assert [f.rule_id for f in found.findings if f.unit_id == group.id] == ["HNG-B008"]


def test_the_audit_renders_as_markdown_and_json(shared):
    found = run_audit(shared.store, shared.world.profile, on=ON)
    assert found.findings
    first = found.findings[0]
    page = found.to_markdown("vi")
    assert page.startswith("# Rà soát chi hội, tổ hội nghề nghiệp — 2023-01-02")
    assert f"## {first.place.commune_name} ({first.place.commune_id}) — Hội Nông dân huyện Na Hang" in page
    assert f"| {first.place.unit_name} ({first.unit_id}) | MEM-02 |" in page
    assert "| Đơn vị | Quy tắc | Nội dung | Giá trị | Căn cứ |" in page
    assert found.summary("vi") in page
    data = json.loads(found.to_json())
    assert data["counts"] == {
        "checked": found.checked,
        "compliant": len(found.compliant_units),
        "non_compliant": len(found.non_compliant_units),
        "findings": len(found.findings),
    }
    assert data["findings"][0]["unit_id"] == first.unit_id
    assert data["findings"][0]["message"]["en"].startswith("A professional group needs at least 5")
    assert data["by_commune"] == {
        c: list(dict.fromkeys(f.unit_id for f in fs)) for c, fs in found.by_commune().items()
    }
    english = attrs.evolve(found, language="en").to_markdown()
    assert english.startswith("# Compliance audit of professional units")
    assert "| Unit | Rule | Message | Values | Source |" in english
    # An audit made for no language is shown in the one in force; one made for a language keeps it.
    with use("en"):
        assert found.to_markdown() == english
    with use("vi"):
        assert found.to_markdown() == page
        assert attrs.evolve(found, language="en").summary() == found.summary("en")


def test_an_empty_audit_still_says_what_it_checked():
    found = Audit(on=ON, scope="c-1", checked=0, findings=(), compliant_units=())
    assert "Đã rà soát 0 đơn vị" in found.to_markdown("vi")
    assert "Checked 0 units" in found.to_markdown("en")
    assert found.non_compliant_units == ()
    assert found.by_commune() == {}


# ------------------------------------------------------------------------------------------------ consolidation


def test_consolidation_opens_for_branches_and_says_why_not_for_groups():
    rollout = na_hang()
    store, engine, profile = rollout.store, rollout.engine, rollout.world.profile
    branch = next(store.units(level="branch", kind="professional", status="active"))
    group = next(u for u in store.units(level="group", status="active") if len(u.members) >= GROUP_MIN)
    province = next(store.units(level="province"))
    store.put_org(
        units=[
            attrs.evolve(branch, members=branch.members[:10]),
            attrs.evolve(group, members=group.members[:2]),
        ],
        actors=[Actor("tckt", "Ban Tổ chức - Kiểm tra tỉnh", (RoleGrant("org_board", province.id),))],
    )
    found = run_audit(store, profile, on=ON)
    assert {branch.id, group.id} <= set(found.non_compliant_units)

    outcome = {c.unit_id: c for c in open_consolidation(engine, found, "tckt")}

    assert set(outcome) == set(found.non_compliant_units)
    opened = outcome[branch.id]
    assert opened.opened
    assert opened.case_id is not None
    case = store.case(opened.case_id)
    assert (case.workflow, case.subject, case.state) == ("consolidate-unit", branch.id, "opened")
    assert list(case.data["audit_rules"]) == ["MEM-01"]
    refused = outcome[group.id]
    assert not refused.opened
    assert refused.case_id is None
    assert refused.reason is not None
    assert "consolidate-unit" in refused.reason.get("en")
    assert "branch" in refused.reason.get("en")
    # Again: the branch's consolidation is running, so none is opened twice.
    again = {c.unit_id: c for c in open_consolidation(engine, found, "tckt")}
    assert not again[branch.id].opened
    assert again[branch.id].case_id == opened.case_id
    assert len(list(store.cases(workflow="consolidate-unit", subject=branch.id))) == 1


def test_consolidation_with_an_actor_who_may_not_open_is_reported_per_unit():
    rollout = na_hang()
    store, engine, profile = rollout.store, rollout.engine, rollout.world.profile
    branch = next(store.units(level="branch", kind="professional", status="active"))
    store.put_org(units=[attrs.evolve(branch, members=branch.members[:10])])
    found = run_audit(store, profile, on=ON)
    outsider = next(a for a in store.org(profile.hierarchy).actors.values() if a.id.startswith("btv-d-"))
    outcome = {c.unit_id: c for c in open_consolidation(engine, found, outsider.id)}
    assert not outcome[branch.id].opened
    assert "may not do this" in (outcome[branch.id].reason or Text("")).get("en")
    with pytest.raises(NotFound):
        open_consolidation(engine, found, "nobody")


# ------------------------------------------------------------------------------------------------ what-if


def test_a_draft_raising_the_group_minimum_lists_the_groups_that_fall_below_it(shared, tmp_path):
    """Done when: a draft raising the group minimum to 7 lists the groups that would fall below it."""
    store, profile = shared.store, shared.world.profile
    (draft,) = load_draft(draft_yaml(tmp_path, 7))
    assert draft.id == "hd-205-2020"
    assert draft.params["group_min_members"].value == 7

    whatif = compare(store, profile, draft, on=ON)

    expected = {
        u.id for u in store.units(level="group", status="active") if union_count(store, u.members) in {5, 6}
    }
    assert expected
    assert {d.place.unit_id for d in whatif.units} == expected
    assert all(d.before and not d.after and d.rules == ("MEM-02",) for d in whatif.units)
    assert whatif.replaced == ("hd-205-2020",)
    assert whatif.notes == ()
    assert whatif.checked["units"] == len(professional_units(store))
    gained = whatif.units[0].gained[0]
    assert gained.message.get("vi").startswith("Tổ hội nghề nghiệp cần ít nhất 7 hội viên")


def test_past_founding_decisions_that_the_draft_would_have_refused(shared, tmp_path):
    store, profile = shared.store, shared.world.profile
    whatif = compare(store, profile, load_draft(draft_yaml(tmp_path, 7)), on=ON)
    expected = set()
    approvals = 0
    for case in store.cases(workflow="found-professional-group", closed=True):
        events = store.events(case.id)
        at = next((i for i, e in enumerate(events) if e.transition == "approve" and e.kind == "fired"), None)
        if at is None:
            continue
        approvals += 1
        members = {**fold(events[:at]).data, **events[at].data}["members"]
        if events[at].at.date() >= GUIDANCE_205 and union_count(store, members) in {5, 6}:
            expected.add(case.id)
    assert expected
    assert {d.case_id for d in whatif.decisions} == expected
    assert all(d.transition == "approve" and d.before and not d.after for d in whatif.decisions)
    assert all(d.day >= GUIDANCE_205 for d in whatif.decisions)
    branches = sum(
        1
        for c in store.cases(workflow="found-professional-branch", closed=True)
        if any(e.transition == "approve" and e.kind == "fired" for e in store.events(c.id))
    )
    assert whatif.checked["decisions"] == approvals + branches


def test_open_cases_whose_next_step_the_draft_changes(tmp_path):
    rollout = na_hang()
    store, engine, profile = rollout.store, rollout.engine, rollout.world.profile
    # A new founding case with six members, waiting to collect applications (MEM-02 takes part there).
    source = next(
        u for u in store.units(level="group", status="active") if union_count(store, u.members) >= 6
    )
    commune = source.parent
    assert commune is not None
    proposed = Unit("g-new", "group", "Tổ hội thử", commune, kind="professional", trade=source.trade)
    officer = f"cb-{commune}"
    case = engine.open(
        "found-professional-group", proposed, officer, data={"members": list(source.members[:6])}
    )
    engine.fire(case.id, "survey", officer, documents={"survey_report": "file:///khao-sat.pdf"})
    engine.fire(case.id, "start_outreach", officer)

    whatif = compare(store, profile, load_draft(draft_yaml(tmp_path, 7)), on=ON)

    mine = [d for d in whatif.cases if d.case_id == case.id]
    assert [(d.transition, d.before, d.after, d.rules) for d in mine] == [
        ("collect_applications", True, False, ("MEM-02",))
    ]
    # Every listed step is one MEM-02 takes part in, for a proposed list of 5 or 6 union members.
    workflow = profile.workflow("found-professional-group")
    expected = set()
    for open_case in store.cases(closed=False):
        if open_case.workflow != workflow.id:
            continue
        members = open_case.data.get("members") or store.unit(open_case.subject).members
        if union_count(store, members) not in {5, 6}:
            continue
        expected.update(
            (open_case.id, t.id)
            for t in workflow.transitions
            if open_case.state in t.from_ and "MEM-02" in t.rules
        )
    assert {(d.case_id, d.transition) for d in whatif.cases} == expected
    assert whatif.checked["cases"] == len(list(store.cases(closed=False)))


def test_a_loosening_draft_is_compared_anyway_and_says_so(shared, tmp_path):
    store, profile = shared.store, shared.world.profile
    whatif = compare(store, profile, load_draft(draft_yaml(tmp_path, 3)), on=ON, language="en")
    assert [(n.code, n.severity) for n in whatif.notes] == [("HNG-R004", Severity.WARNING)]
    assert "lowers 'group_min_members' from 5 to 3" in whatif.notes[0].message.get("en")
    expected = {
        u.id for u in store.units(level="group", status="active") if union_count(store, u.members) in {3, 4}
    }
    assert expected
    assert {d.place.unit_id for d in whatif.units} == expected
    assert all(not d.before and d.after and d.lost[0].rule_id == "MEM-02" for d in whatif.units)
    page = whatif.to_markdown()
    assert "## Notes" in page
    assert "HNG-R004" in page


def test_an_appended_pack_that_loosens_is_refused_by_the_engine_but_compared(shared):
    profile = shared.world.profile
    looser = RulePack("draft-looser", Text("Dự thảo"), params={"group_min_members": ParamDef(4)})
    with pytest.raises(DefinitionError, match="HNG-R004"):
        RuleSet.build([*profile.rule_packs, looser])  # the layering check the engine runs
    stack = draft_stack(profile.rule_packs, looser)
    assert [p.id for p in stack.packs] == [*(p.id for p in profile.rule_packs), "draft-looser"]
    assert stack.replaced == ()
    assert "compared anyway" in stack.notes[0].message.get("en")
    assert "vẫn so sánh" in stack.notes[0].message.get("vi")
    whatif = compare(shared.store, profile, looser, on=ON)
    assert whatif.drafts == ("draft-looser",)
    assert {d.place.unit_id for d in whatif.units} == {
        u.id
        for u in shared.store.units(level="group", status="active")
        if union_count(shared.store, u.members) == 4
    }


def test_a_draft_of_a_province_pack_keeps_the_direction_the_central_pack_gave(shared):
    """A province pack that sets the group minimum without restating ``tighten`` inherits ``up`` from 205-HD."""
    profile = shared.world.profile
    province = RulePack("province", Text("Tỉnh"), params={"group_min_members": ParamDef(7)})
    in_force = [*profile.rule_packs, province]
    assert RuleSet.build(in_force)  # raising the minimum is a tightening the engine accepts
    stricter = RulePack("province", Text("Dự thảo"), params={"group_min_members": ParamDef(10)})
    assert draft_stack(in_force, stricter).notes == ()
    looser = RulePack("province", Text("Dự thảo"), params={"group_min_members": ParamDef(6)})
    (note,) = draft_stack(in_force, looser).notes
    assert "lowers 'group_min_members' from 7 to 6" in note.message.get("en")


def test_a_draft_that_cannot_be_compared_says_why(shared, tmp_path, write_yaml):
    profile = shared.world.profile
    retyped = RulePack("draft-x", Text("Dự thảo"), params={"group_min_members": ParamDef("năm")})
    with pytest.raises(AuditError) as caught:
        draft_stack(profile.rule_packs, retyped)
    assert caught.value.code == "HNG-E013"
    assert [d.code for d in caught.value.diagnostics] == ["HNG-W021"]
    twice = RulePack("draft-x", Text("Dự thảo"))
    with pytest.raises(AuditError, match="two draft packs"):
        draft_stack(profile.rule_packs, [twice, twice])
    workflow = shipped_path() / "workflows" / "consolidate-unit.yaml"
    with pytest.raises(AuditError, match="not a rule pack"):
        load_draft(workflow)
    with pytest.raises(AuditError, match="no rule pack found"):
        load_draft(tmp_path)
    broken = write_yaml("hoinghe: 1\nkind: rules\nid: [oops\n", "broken.yaml")
    with pytest.raises(AuditError):
        load_draft(broken)
    bad_rule = (
        draft_yaml(tmp_path, 7)
        .read_text("utf-8")
        .replace(
            "require: subject.union_member_count >= params.group_min_members",
            "require: subject.no_such_fact >= params.group_min_members",
        )
    )
    with pytest.raises(AuditError, match="does not compile"):
        draft_stack(profile.rule_packs, load_draft(write_yaml(bad_rule, "bad-rule.yaml")))


def test_the_comparison_renders_as_json_and_markdown(shared, tmp_path):
    whatif = compare(shared.store, shared.world.profile, load_draft(draft_yaml(tmp_path, 7)), on=ON)
    data = json.loads(whatif.to_json())
    assert data["counts"]["units_changed"] == len(whatif.units) == data["counts"]["units_failing"]
    assert data["counts"]["decisions_changed"] == len(whatif.decisions)
    assert data["units"][0]["rules"] == ["MEM-02"]
    assert data["units"][0]["gained"][0]["values"][0].startswith("subject.union_member_count")
    assert data["decisions"][0]["kind"] == "decision"
    page = whatif.to_markdown("vi")
    assert page.startswith("# So sánh dự thảo hd-205-2020 — 2023-01-02")
    assert f"## Đơn vị ({len(whatif.units)})" in page
    assert "| đạt | chưa đạt | + MEM-02: Tổ hội nghề nghiệp cần ít nhất 7 hội viên" in page


# ------------------------------------------------------------------------------------------------ the command


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A rollout kept in SQLite, with one group broken (3 members left), and its URL."""
    path = tmp_path_factory.mktemp("audit") / "rollout.db"
    url = f"sqlite:///{path}"
    store = open_store(url, create=True)
    try:
        rollout = simulate(SMALL, seed=4, store=store)
        group = next(u for u in store.units(level="group", status="active") if len(u.members) >= GROUP_MIN)
        store.put_org(units=[attrs.evolve(group, members=group.members[:3])])
        expected = run_audit(store, rollout.world.profile, on=ON)
    finally:
        store.close()
    return path, group.id, expected


def run(*args: str, code: int = 0, lang: str = "en"):
    """The command's result, run with ``HOINGHE_LANG`` set to ``lang``."""
    result = RUNNER.invoke(app, list(args), env={"COLUMNS": "200", "HOINGHE_LANG": lang})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    return result


def test_the_command_prints_one_line_per_finding_in_vietnamese(database):
    path, group, expected = database
    out = run("audit", "--db", f"sqlite:///{path}", "--on", ON.isoformat(), lang="vi").stdout.splitlines()
    assert len(out) == len(expected.findings) + 1
    line = next(x for x in out if f"({group})" in x)
    assert "MEM-02: Tổ hội nghề nghiệp cần ít nhất 5 hội viên; hiện có 3." in line
    assert "[subject.union_member_count (3) >= params.group_min_members (5) " in line
    assert "is false" not in line  # the explanation's words are Vietnamese too
    assert out[-1] == expected.summary("vi")
    assert out[-1].startswith("Đã rà soát")
    english = run(
        "audit", "--db", f"sqlite:///{path}", "--on", ON.isoformat(), "--lang", "en", lang="vi"
    ).stdout
    assert "A professional group needs at least 5 members; it has 3." in english
    assert "[subject.union_member_count (3) >= params.group_min_members (5) is false]" in english
    assert english.splitlines()[-1].startswith("Checked ")


def test_the_command_gives_json_with_counts(database):
    path, group, expected = database
    data = json.loads(run("audit", "--db", f"sqlite:///{path}", "--on", ON.isoformat(), "--json").stdout)
    assert data == expected.as_dict()
    assert group in data["non_compliant_units"]
    assert data["counts"]["non_compliant"] >= 1
    scoped = json.loads(
        run("audit", "--db", f"sqlite:///{path}", "--on", ON.isoformat(), "--scope", group, "--json").stdout
    )
    assert scoped["counts"] == {"checked": 1, "compliant": 0, "non_compliant": 1, "findings": 1}


def test_the_command_compares_a_draft(database, tmp_path):
    path, _, _ = database
    draft = draft_yaml(tmp_path, 7)
    args = ("audit", "--db", f"sqlite:///{path}", "--on", ON.isoformat(), "--with", str(draft))
    data = json.loads(run(*args, "--json").stdout)
    store = open_store(f"sqlite:///{path}")
    try:
        listed = {
            u.id
            for u in store.units(level="group", status="active")
            if union_count(store, u.members) in {5, 6}
        }
    finally:
        store.close()
    assert {d["unit_id"] for d in data["units"]} == listed
    assert data["drafts"] == ["hd-205-2020"]
    text = run(*args, lang="vi").stdout.splitlines()
    assert text[-1].startswith("Theo dự thảo:")
    assert sum(1 for x in text if x.startswith("đơn vị: ")) == len(listed)
    looser = run(
        "audit",
        "--db",
        f"sqlite:///{path}",
        "--on",
        ON.isoformat(),
        "--with",
        str(draft_yaml(tmp_path, 3, "x.yaml")),
        lang="vi",
    )
    assert looser.stdout.startswith("lưu ý: HNG-R004")


def test_the_command_opens_consolidation_cases(database, tmp_path):
    path, group, _ = database
    copy = tmp_path / "copy.db"
    shutil.copy(path, copy)
    url = f"sqlite:///{copy}"
    store = open_store(url)
    try:
        commune = store.unit(group).parent
    finally:
        store.close()
    args = ("audit", "--db", url, "--on", ON.isoformat(), "--open-consolidation", "--actor", f"cb-{commune}")
    out = run(*args, lang="vi").stdout
    assert f"không mở hồ sơ cho {group}: quy trình consolidate-unit áp dụng cho branch (professional)" in out
    data = json.loads(run(*args, "--json").stdout)
    assert data["consolidation"][0]["unit_id"] == group
    assert data["consolidation"][0]["opened"] is False


def test_the_command_refuses_bad_options(database, tmp_path):
    path, _, _ = database
    db = ("--db", f"sqlite:///{path}")
    assert "needs --actor" in run("audit", *db, "--open-consolidation", code=2).stderr
    assert "not a date" in run("audit", *db, "--on", "02/01/2023", code=2).stderr
    workflow = shipped_path() / "workflows" / "consolidate-unit.yaml"
    assert "HNG-W021" in run("audit", *db, "--with", str(workflow), code=1).stderr
    assert "no unit" in run("audit", *db, "--scope", "c-nowhere", code=1).stderr.lower()
    assert "no database" in run("audit", "--db", f"sqlite:///{tmp_path / 'none.db'}", code=1).stderr


def test_the_periodic_report_states_the_audit(tmp_path):
    from hoinghe.reports import build_report  # noqa: PLC0415
    from hoinghe.sim import Scenario, simulate  # noqa: PLC0415

    rollout = simulate(Scenario(synthetic=(1, 1, 3), until=dt.date(2022, 12, 31)), seed=4)
    found = run_audit(rollout.store, rollout.world.profile, on=rollout.until)
    report = build_report(
        rollout.store,
        rollout.world.profile.hierarchy,
        rollout.plan,
        as_of=rollout.until,
        audit=found,
        language="vi",
    )
    text = report.to_markdown()
    assert "Rà soát chi hội, tổ hội nghề nghiệp theo Điều lệ và hướng dẫn" in text
    assert f"Đã rà soát {found.checked} chi hội, tổ hội nghề nghiệp" in text
    for finding in found.findings[:3]:
        assert finding.place.unit_id in text
    page = report.to_html()
    assert 'id="audit"' in page
    english = build_report(
        rollout.store,
        rollout.world.profile.hierarchy,
        rollout.plan,
        as_of=rollout.until,
        audit=found,
        language="en",
    )
    assert "Review of units against the Charter and the guidance" in english.to_markdown()

"""Profiles resolved across files, and checks located in the file they concern."""

import textwrap

import pytest

from hoinghe.errors import DefinitionError, NotFound
from hoinghe.loading import Library, definition_hash, load_document, shipped_path

PROFILE = """\
hoinghe: 1
kind: profile
id: base
title: {vi: Cơ sở, en: Base}
hierarchy:
  levels:
    - {id: central, title: Trung ương}
    - {id: province, title: Tỉnh}
    - {id: commune, title: Xã}
    - {id: group, title: Tổ hội, kinds: [professional], parents: [commune]}
roles:
  - {id: standing_committee, title: Ban Thường vụ, levels: [commune, province]}
  - {id: founder, title: Ban vận động, levels: [group]}
documents:
  - {id: member_list, title: Danh sách hội viên}
workflows: [found]
"""

WORKFLOW = """\
hoinghe: 1
kind: workflow
id: found
title: Thành lập
subject: {level: group, kind: professional, new: true}
states: [proposed, submitted, launched, rejected]
initial: proposed
final: [launched, rejected]
transitions:
  - id: submit
    from: proposed
    to: submitted
    by: {role: founder}
    documents: [member_list]
  - id: approve
    from: submitted
    to: launched
    by: {role: standing_committee, at: commune}
    not_by_proposer: true
    effects: [activate_unit]
  - id: reject
    from: submitted
    to: rejected
    by: {role: standing_committee, at: commune}
"""


@pytest.fixture
def folder(tmp_path):
    def make(**files):
        for name, text in files.items():
            (tmp_path / f"{name}.yaml").write_text(textwrap.dedent(text), "utf-8")
        return tmp_path

    return make


def test_a_profile_resolves_with_its_workflows(folder):
    lib = Library.from_paths(folder(profile=PROFILE, found=WORKFLOW))
    assert lib.check() == []
    profile = lib.profile("base")
    assert profile.hierarchy.ids == ("central", "province", "commune", "group")
    assert profile.workflow("found").transition("approve").not_by_proposer
    with pytest.raises(NotFound, match="no workflow 'lost'; known: found"):
        profile.workflow("lost")


def test_workflow_problems_point_at_the_workflow_file_and_name_the_profile(folder):
    bad = WORKFLOW.replace("at: commune}\n    not_by", "at: district}\n    not_by").replace(
        "[member_list]", "[member_lists]"
    )
    root = folder(profile=PROFILE, found=bad)
    found = Library.from_paths(root).check()
    assert [str(d) for d in found] == [
        (
            f"{root / 'found.yaml'}:14:17: HNG-W008 document 'member_lists' is not declared in the profile; "
            "did you mean 'member_list'? (profile base)"
        ),
        (
            f"{root / 'found.yaml'}:18:40: HNG-W007 `at: district` is neither a level of the hierarchy nor one of "
            "subject, parent, lowest_common_parent (profile base)"
        ),
    ]


def test_profile_raises_with_every_problem(folder):
    lib = Library.from_paths(
        folder(profile=PROFILE.replace("workflows: [found]", "workflows: [found, lost]"), found=WORKFLOW)
    )
    with pytest.raises(DefinitionError) as info:
        lib.profile("base")
    (d,) = info.value.diagnostics
    assert d.code == "HNG-P001"
    assert d.location is not None
    assert (d.location.line, d.location.column) == (16, 20)


def test_extends_adds_and_replaces(folder):
    child = """\
    hoinghe: 1
    kind: profile
    id: child
    title: Tỉnh
    extends: base
    roles:
      - {id: org_board, title: Ban Tổ chức - Kiểm tra, levels: [province]}
    """
    lib = Library.from_paths(folder(profile=PROFILE, found=WORKFLOW, child=child))
    profile = lib.profile("child")
    assert {r.id for r in profile.roles} == {"standing_committee", "founder", "org_board"}
    assert [w.id for w in profile.workflows] == ["found"]


@pytest.mark.parametrize(
    ("extends", "message"),
    [("nowhere", "extends no profile 'nowhere'"), ("child", "cycle: child -> child")],
)
def test_p003_bad_extends(folder, extends, message):
    child = f"hoinghe: 1\nkind: profile\nid: child\ntitle: x\nextends: {extends}\n"
    found = Library.from_paths(folder(profile=PROFILE, found=WORKFLOW, child=child)).check()
    (d,) = found
    assert d.code == "HNG-P003"
    assert message in str(d.message)


def test_p004_no_hierarchy(folder):
    found = Library.from_paths(folder(p="hoinghe: 1\nkind: profile\nid: p\ntitle: x\n")).check()
    assert [d.code for d in found] == ["HNG-P004"]


def test_hierarchy_and_declaration_checks(folder):
    bad = PROFILE.replace("parents: [commune]", "parents: [group]").replace(
        "levels: [group]}", "levels: [hamlet]}"
    )
    bad = bad.replace(
        "  - {id: member_list, title: Danh sách hội viên}\n",
        "  - {id: member_list, title: A}\n  - {id: member_list, title: B}\n",
    )
    found = Library.from_paths(folder(profile=bad, found=WORKFLOW)).check()
    assert sorted(d.code for d in found) == ["HNG-H002", "HNG-W002", "HNG-W007"]


def test_s008_duplicate_ids_across_files(folder):
    found = Library.from_paths(folder(profile=PROFILE, found=WORKFLOW, again=WORKFLOW)).check()
    assert [d.code for d in found] == ["HNG-S008"]
    assert "also defined at" in str(found[0].message)


def test_missing_path_is_a_diagnostic(tmp_path):
    lib = Library.from_paths(tmp_path / "nope")
    assert [d.code for d in lib.diagnostics] == ["HNG-Y001"]


def test_unused_workflows_are_still_checked_on_their_own(folder):
    lonely = WORKFLOW.replace("id: found", "id: lonely").replace("to: launched", "to: lunched")
    found = Library.from_paths(folder(profile=PROFILE, found=WORKFLOW, lonely=lonely)).check()
    assert [d.code for d in found] == ["HNG-W001", "HNG-W003"]  # the misspelled target strands "launched"


def test_python_built_definitions_check_the_same(folder):
    root = folder(profile=PROFILE, found=WORKFLOW)
    docs = [load_document(root / "profile.yaml").definition, load_document(root / "found.yaml").definition]
    lib = Library.from_definitions(*docs)
    assert lib.check() == []
    assert lib.profile("base").workflow("found") == docs[1]


def test_definition_hash_is_stable_and_content_sensitive(folder):
    root = folder(profile=PROFILE, found=WORKFLOW)
    a = load_document(root / "found.yaml").definition
    b = load_document(
        WORKFLOW.replace(
            "states: [proposed, submitted, launched, rejected]",
            "states:\n  - proposed\n  - submitted\n  - launched\n  - rejected",
        )
    ).definition
    assert definition_hash(a) == definition_hash(b)
    c = load_document(WORKFLOW.replace("title: Thành lập", "title: Thành lập tổ")).definition
    assert definition_hash(a) != definition_hash(c)


def test_a_province_file_replaces_the_shipped_document_of_the_same_id(tmp_path):
    shipped = (shipped_path() / "workflows" / "found-professional-group.yaml").read_text("utf-8")
    own = shipped.replace("documents: [survey_report]", "documents: [survey_report, business_plan]", 1)
    assert own != shipped
    (tmp_path / "found.yaml").write_text(own, "utf-8")
    library = Library.from_paths(tmp_path, shipped=True)
    assert library.check() == []
    survey = library.profile("vn-2025").workflow("found-professional-group").transition("survey")
    assert survey.documents == ("survey_report", "business_plan")
    (tmp_path / "again.yaml").write_text(own, "utf-8")  # twice in the province's own files is still an error
    assert [d.code for d in Library.from_paths(tmp_path, shipped=True).check()] == ["HNG-S008"]

"""The loader's, checkers' and rule compiler's messages speak Vietnamese unless English is asked for.

The suite runs with ``HOINGHE_LANG=en`` (conftest.py); the tests that check the default remove it and clear the
context's choice, as a union's staff would run hoinghe.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import hoinghe
from hoinghe.definitions.graph import check_workflow
from hoinghe.definitions.rulepack import ParamDef, RulePack
from hoinghe.definitions.workflow import Duration
from hoinghe.errors import DefinitionError, ExpressionError, NotFound
from hoinghe.i18n import Text, use
from hoinghe.loading import Library, load_document, read_document
from hoinghe.org import Hierarchy, Level, Member, Org, RoleGrant, Unit, check_hierarchy
from hoinghe.rules.expression import compile_expression
from hoinghe.rules.packs import find_loosenings
from hoinghe.rules.ruleset import RuleSet, schema_for

BROKEN = """\
hoinghe: 1
kind: workflow
id: found
id: again
"""

STRANDED = """\
hoinghe: 1
kind: workflow
id: found
title: Thành lập tổ hội
subject: {level: group}
states: [proposed, launched, lost]
initial: proposed
final: [launched]
transitions:
  - {id: approve, from: proposed, to: launched}
"""

HIERARCHY = Hierarchy(
    (
        Level("province", Text("Tỉnh", "Province")),
        Level("commune", Text("Xã", "Commune")),
        Level("group", Text("Tổ hội", "Group"), kinds=("professional",)),
    )
)


@pytest.fixture
def default_language(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No language chosen anywhere: neither ``HOINGHE_LANG`` nor the context."""
    monkeypatch.delenv("HOINGHE_LANG", raising=False)
    with use(None):
        yield


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    path = tmp_path / "found.yaml"
    path.write_text(BROKEN, "utf-8")
    return path


# -- loading ----------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("default_language")
def test_a_broken_document_is_refused_in_vietnamese_by_default_with_its_file_line_and_column(
    broken: Path,
) -> None:
    with pytest.raises(DefinitionError) as caught:
        hoinghe.load_document(broken)
    shown = str(caught.value)
    assert shown.startswith("1 lỗi trong định nghĩa\n")
    assert (
        f"{broken}:4:1: HNG-Y008 khóa 'id' bị trùng: lần đầu ở dòng 3, lặp lại ở dòng 4; hãy giữ lại một"
        in shown
    )
    assert "duplicate" not in shown


@pytest.mark.usefixtures("default_language")
def test_the_same_refusal_reads_in_english_when_asked(broken: Path) -> None:
    with pytest.raises(DefinitionError) as caught:
        hoinghe.load_document(broken)
    with use("en"):
        shown = str(caught.value)
    assert shown.startswith("1 problem in the definition\n")
    assert f"{broken}:4:1: HNG-Y008 duplicate key 'id': first at line 3, again at line 4; keep one" in shown
    assert caught.value.describe("vi") != caught.value.describe("en")


@pytest.mark.usefixtures("default_language")
def test_a_diagnostic_as_json_carries_both_languages(broken: Path) -> None:
    with pytest.raises(DefinitionError) as caught:
        load_document(broken)
    (diagnostic,) = caught.value.diagnostics
    data = diagnostic.to_json()
    assert data["messages"] == {
        "vi": "khóa 'id' bị trùng: lần đầu ở dòng 3, lặp lại ở dòng 4; hãy giữ lại một",
        "en": "duplicate key 'id': first at line 3, again at line 4; keep one",
    }
    assert data["message"] == diagnostic.message.vi
    assert (data["file"], data["line"], data["column"]) == (str(broken), 4, 1)
    with use("en"):
        assert diagnostic.to_json()["message"] == diagnostic.message.en
    json.dumps(data, ensure_ascii=False)  # plain data, ready for --json


@pytest.mark.usefixtures("default_language")
def test_a_yaml_syntax_error_keeps_the_parsers_english_and_reads_in_vietnamese() -> None:
    document, found = read_document("a: [1, 2\n", file="t.yaml")
    assert document is None
    (syntax,) = found
    assert syntax.code == "HNG-Y002"
    english = syntax.message.get("en")
    assert "lỗi" not in english
    assert str(syntax).startswith("t.yaml:2:1: HNG-Y002 lỗi cú pháp YAML: ")
    if english == "did not find expected ',' or ']' (while parsing a flow sequence)":  # libyaml's wording
        assert str(syntax).endswith(
            "không tìm thấy dấu ',' hoặc ']' cần có (khi đọc một danh sách trong ngoặc vuông)"
        )


@pytest.mark.usefixtures("default_language")
def test_structure_problems_name_the_value_in_each_language() -> None:
    text = "hoinghe: 1\nkind: workflow\nid: 1.10\ntitlee: x\n"
    _, found = read_document(text, file="w.yaml")
    by_code = {d.code: d for d in found}
    assert str(by_code["HNG-S003"]) == (
        "w.yaml:3:5: HNG-S003 cần văn bản, nhưng gặp số 1.1; nếu đó là một tên, hãy đặt nó trong dấu nháy: '1.10'"
    )
    assert by_code["HNG-S003"].describe("en") == (
        "w.yaml:3:5: HNG-S003 expected text, got the number 1.1; if it is a name, quote it: '1.10'"
    )
    assert by_code["HNG-S001"].message.get("vi") == "khóa không hợp lệ 'titlee'; có phải là 'title' không?"
    assert by_code["HNG-S001"].message.get("en") == "unknown key 'titlee'; did you mean 'title'?"


@pytest.mark.usefixtures("default_language")
def test_a_graph_check_reads_in_vietnamese_and_names_the_state(tmp_path: Path) -> None:
    (tmp_path / "found.yaml").write_text(STRANDED, "utf-8")
    (unreachable,) = Library.from_paths(tmp_path).check()
    assert unreachable.code == "HNG-W003"
    assert str(unreachable).endswith(
        "HNG-W003 không thể đến trạng thái 'lost' từ trạng thái đầu 'proposed'; "
        "hãy thêm một bước chuyển vào trạng thái này hoặc bỏ nó đi"
    )
    assert "state 'lost' cannot be reached" in unreachable.describe("en")


@pytest.mark.usefixtures("default_language")
def test_a_missing_document_is_not_found_in_vietnamese(tmp_path: Path) -> None:
    with pytest.raises(NotFound) as caught:
        Library.from_paths(tmp_path).get("rules", "hd-999")
    assert str(caught.value) == "không có bộ quy tắc 'hd-999'"
    assert caught.value.describe("en") == "no rule pack 'hd-999'"


# -- definitions ------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("default_language")
def test_a_malformed_duration_and_workflow_are_explained_in_vietnamese() -> None:
    with pytest.raises(ValueError, match="không phải một khoảng thời gian") as caught:
        Duration.parse("two weeks")
    with use("en"):
        assert "is not a duration" in str(caught.value)
    wf = read_document(STRANDED)[0]
    assert wf is not None
    assert isinstance(wf.definition, hoinghe.WorkflowDefinition)
    with pytest.raises(NotFound, match="không có bước chuyển 'submit'; hiện có: approve"):
        wf.definition.transition("submit")
    (problem,) = check_workflow(wf.definition)
    assert problem.message.get("en").startswith("state 'lost' cannot be reached")


# -- rules ------------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("default_language")
def test_an_expression_error_reads_in_vietnamese_with_its_suggestion() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("subject.union_member_cout >= 5", schema_for({}))
    assert caught.value.diagnostic_code == "HNG-R002"
    assert str(caught.value).startswith("subject không có trường 'union_member_cout'; có phải là ")
    assert caught.value.describe("en").startswith(
        "unknown field 'union_member_cout' of subject; did you mean "
    )
    with pytest.raises(ExpressionError, match=r"ký tự không hợp lệ '=' .*: dùng == để so sánh"):
        compile_expression("subject.name = 'x'", schema_for({}))


@pytest.mark.usefixtures("default_language")
def test_an_explanation_is_worded_in_the_language_in_force() -> None:
    rule = compile_expression("subject.union_member_count >= 5", schema_for({}))
    facts = {"subject": {"union_member_count": 3}}
    assert rule.explain(facts) == ("subject.union_member_count (3) >= 5 là false",)
    assert rule.explain(facts, "en") == ("subject.union_member_count (3) >= 5 is false",)


@pytest.mark.usefixtures("default_language")
def test_a_loosened_parameter_is_refused_in_both_languages() -> None:
    charter = RulePack("charter", Text("Điều lệ", "Charter"), params={"group_min": ParamDef(5, tighten="up")})
    province = RulePack("province", Text("Tỉnh", "Province"), params={"group_min": ParamDef(3)})
    (loosening,) = find_loosenings([charter, province])
    assert loosening.message == Text(
        "hạ 'group_min' từ 5 xuống 3; tham số này chỉ được nâng lên (tighten: up)",
        "lowers 'group_min' from 5 to 3; it may only be raised (tighten: up)",
    )
    with pytest.raises(DefinitionError) as caught:
        RuleSet.build([charter, province], on=dt.date(2024, 1, 1))
    assert "HNG-R004 bộ quy tắc 'province' hạ 'group_min' từ 5 xuống 3" in str(caught.value)
    assert "HNG-R004 pack 'province' lowers 'group_min' from 5 to 3" in caught.value.describe("en")


# -- org --------------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("default_language")
def test_the_organisations_refusals_read_in_vietnamese() -> None:
    org = Org.build(
        HIERARCHY,
        units=[
            Unit("p1", "province", "Tỉnh", None),
            Unit("g1", "group", "Tổ hội", "p1", kind="professional"),
        ],
        members=[Member("m1", "A", None, "p1", None)],
    )
    with pytest.raises(NotFound, match=r"^không có đơn vị 'nope'"):
        org.unit("nope")
    with pytest.raises(ValueError, match="không phải vai trò tại một đơn vị; hãy viết role@unit"):
        RoleGrant.parse("standing_committee")
    problems = org.validate()
    assert [p.get("vi") for p in problems] == [
        "đơn vị 'g1' (group) nằm dưới 'p1' (province); đơn vị cấp group chỉ được nằm dưới: commune",
        "hội viên 'm1' cư trú ở 'p1', là đơn vị cấp province, không phải cấp xã",
    ]
    assert [p.get("en") for p in problems] == [
        "unit 'g1' (group) sits under 'p1' (province); a group may sit under: commune",
        "member 'm1' lives in 'p1', a province, not a commune",
    ]


@pytest.mark.usefixtures("default_language")
def test_an_empty_hierarchy_is_reported_in_vietnamese() -> None:
    (problem,) = check_hierarchy(Hierarchy(()))
    assert str(problem) == (
        "$.hierarchy.levels: HNG-H003 hệ thống cấp không có cấp nào; hãy liệt kê các cấp, từ cấp cao nhất xuống"
    )
    assert (
        problem.describe("en")
        == "$.hierarchy.levels: HNG-H003 the hierarchy has no levels; list them top first"
    )

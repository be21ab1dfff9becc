"""Rule packs checked with positions: expressions, templates, duplicate ids, and loosening across layers."""

import pytest

from hoinghe.loading import Library

BASE = """\
hoinghe: 1
kind: rules
id: base
title: Base
params:
  group_min_members: {value: 5, tighten: up}
  group_max_members: {value: 1000, tighten: down}
rules:
  - id: MEM-02
    require: subject.union_member_count >= params.group_min_members
    message: {vi: "cần {params.group_min_members}", en: "needs {params.group_min_members}"}
    cite: {doc: 205-HD/HNDTW}
"""

PROFILE = """\
hoinghe: 1
kind: profile
id: p
title: P
hierarchy:
  levels: [{id: commune, title: Xã}, {id: group, title: Tổ, kinds: [professional]}]
rules: [base, province]
"""


@pytest.fixture
def check(tmp_path):
    def run(province: str, base: str = BASE) -> list[str]:
        (tmp_path / "base.yaml").write_text(base, "utf-8")
        (tmp_path / "province.yaml").write_text(province, "utf-8")
        (tmp_path / "profile.yaml").write_text(PROFILE, "utf-8")
        return [str(d).replace(str(tmp_path) + "/", "") for d in Library.from_paths(tmp_path).check()]

    return run


def province(params: str = "", rules: str = "") -> str:
    return f"hoinghe: 1\nkind: rules\nid: province\ntitle: Tỉnh\nparams:\n{params or '  {}'}\nrules:\n{rules or '  []'}\n"


def test_tightening_is_clean(check):
    assert check(province("  group_min_members: {value: 7}\n  group_max_members: {value: 30}")) == []


def test_loosening_names_both_places(check):
    (line,) = check(province("  group_max_members: {value: 2000}"))
    assert line.startswith(
        "province.yaml:6:30: HNG-R004 pack 'province' raises 'group_max_members' from 1000 to 2000"
    )
    assert "pack 'base' sets it at " in line
    assert line.endswith("base.yaml:7:30")


def test_changing_a_parameters_type_is_refused(check):
    found = check(province("  group_min_members: {value: many}"))
    assert any("HNG-R004" in line and "changes the type" in line for line in found)
    # and the rules reading it no longer type-check, which is reported where they are
    assert any(line.startswith("base.yaml:10:41: HNG-R002 rule MEM-02") for line in found)


RULE = """\
  - id: TQ-01
    require: "{require}"
    message: {{vi: "{vi}"}}
    cite: {{doc: QĐ tỉnh}}
"""


def test_unknown_field_in_require_is_located_at_its_column(check):
    (line,) = check(province(rules=RULE.format(require="subject.member_cont <= 30", vi="x")))
    assert line.startswith("province.yaml:9:23: HNG-R002 rule TQ-01: unknown field 'member_cont' of subject")
    assert "did you mean 'member_count'" in line


def test_unknown_field_in_a_message_template_is_r007(check):
    (line,) = check(province(rules=RULE.format(require="true", vi="có {subject.membrs} người")))
    assert line.startswith("province.yaml:10:")
    assert "HNG-R007" in line


def test_syntax_and_size_errors(check):
    found = check(province(rules=RULE.format(require="1 + (2", vi="x")))
    assert any("HNG-R001" in line for line in found)
    deep = "(" * 200 + "true" + ")" * 200
    assert any("HNG-R003" in line for line in check(province(rules=RULE.format(require=deep, vi="x"))))


def test_duplicate_rule_ids_within_and_across_packs(check):
    twice = RULE.format(require="true", vi="x") * 2
    within = check(province(rules=twice))
    assert any("HNG-R006" in line and "used twice in pack 'province'" in line for line in within)
    across = check(province(rules=RULE.format(require="true", vi="x").replace("TQ-01", "MEM-02")))
    assert any("HNG-R006" in line and "already defined by pack 'base'" in line for line in across)


def test_workflow_naming_a_rule_no_pack_defines(tmp_path):
    (tmp_path / "base.yaml").write_text(BASE, "utf-8")
    (tmp_path / "profile.yaml").write_text(
        PROFILE.replace("rules: [base, province]", "rules: [base]\nworkflows: [w]"), "utf-8"
    )
    (tmp_path / "w.yaml").write_text(
        "hoinghe: 1\nkind: workflow\nid: w\ntitle: W\nsubject: {level: group}\nstates: [a, b]\ninitial: a\n"
        "final: [b]\ntransitions:\n  - {id: t, from: a, to: b, rules: [MEM-2]}\n",
        "utf-8",
    )
    (d,) = Library.from_paths(tmp_path).check()
    assert d.code == "HNG-W009"
    assert "did you mean 'MEM-02'" in str(d.message)

"""The audit, outreach and testing messages speak Vietnamese unless English is asked for, and both are reachable.

The suite runs with ``HOINGHE_LANG=en`` (conftest.py); the tests that check the default remove it and clear the
context's choice, as a union's staff would run hoinghe.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import attrs
import pytest

from hoinghe.audit import Audit, AuditError, Finding, Place, load_draft
from hoinghe.audit import audit as run_audit
from hoinghe.errors import NotFound
from hoinghe.i18n import Text, use
from hoinghe.loading import shipped_path
from hoinghe.outreach import OutreachError, coverage, read_activities
from hoinghe.outreach.model import CriterionScore, Standing
from hoinghe.sim import Rollout, Scenario, simulate

ON = dt.date(2022, 1, 1)
SMALL = Scenario(synthetic=(1, 1, 2), until=dt.date(2021, 12, 31))
TOO_FEW = Text(
    "Tổ hội nghề nghiệp cần ít nhất 5 hội viên; hiện có 3.",
    "A professional group needs at least 5 members; it has 3.",
)
PLACE = Place("g-1", "Tổ hội nuôi ong", "group", "c-1", "Xã Ân Nghĩa", "d-1", "Huyện Lạc Sơn")


@pytest.fixture
def default_language(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No language chosen anywhere: neither ``HOINGHE_LANG`` nor the context."""
    monkeypatch.delenv("HOINGHE_LANG", raising=False)
    with use(None):
        yield


@pytest.fixture(scope="module")
def rollout() -> Rollout:
    """A rollout the tests only read."""
    return simulate(SMALL, seed=2)


def small_audit() -> Audit:
    """Three groups checked: one too small, one with a warning only."""
    warned = Finding(
        attrs.evolve(PLACE, unit_id="g-2"),
        "MEM-07",
        "Hướng dẫn 205",
        Text("Hội viên đã thuộc tổ hội khác.", "A member belongs to another group."),
        severity="warning",
    )
    found = Finding(
        PLACE, "MEM-02", "Hướng dẫn 205", TOO_FEW, ("subject.union_member_count (3) >= 5 is false",)
    )
    return Audit(on=ON, scope=None, checked=3, findings=(found, warned), compliant_units=("g-2", "g-3"))


@pytest.mark.usefixtures("default_language")
def test_an_audit_finding_and_summary_are_vietnamese_by_default() -> None:
    found = small_audit()
    assert found.summary() == "Đã rà soát 3 đơn vị: 2 đạt, 1 chưa đạt (2 nội dung chưa đáp ứng)."
    assert found.findings[0].describe() == (
        "Xã Ân Nghĩa · Tổ hội nuôi ong (g-1) · MEM-02: Tổ hội nghề nghiệp cần ít nhất 5 hội viên; hiện có 3. "
        "[subject.union_member_count (3) >= 5 is false]"
    )
    assert "MEM-07 (cảnh báo): Hội viên đã thuộc tổ hội khác." in found.findings[1].describe()
    page = found.to_markdown()
    assert page.startswith("# Rà soát chi hội, tổ hội nghề nghiệp — 2022-01-01\n")
    assert "Phạm vi: toàn bộ · Bộ quy tắc: -" in page
    assert "| Đơn vị | Quy tắc | Nội dung | Giá trị | Căn cứ |" in page
    assert (
        "| Tổ hội nuôi ong (g-1) | MEM-02 | Tổ hội nghề nghiệp cần ít nhất 5 hội viên; hiện có 3. |" in page
    )


@pytest.mark.usefixtures("default_language")
def test_an_audit_is_english_when_asked_and_keeps_the_language_it_was_made_for() -> None:
    found = small_audit()
    english = "Checked 3 units: 2 compliant, 1 non-compliant (2 findings)."
    assert found.summary("en") == english
    with use("en"):
        assert found.summary() == english
        line = found.findings[0].describe()
        assert line.endswith(
            "MEM-02: A professional group needs at least 5 members; it has 3. "
            "[subject.union_member_count (3) >= 5 is false]"
        )
        assert "| Unit | Rule | Message | Values | Source |" in found.to_markdown()
        # An audit made for Vietnamese stays Vietnamese, whatever the context says.
        assert attrs.evolve(found, language="vi").summary().startswith("Đã rà soát 3 đơn vị")
    page = attrs.evolve(found, language="en").to_markdown()
    assert page.startswith("# Compliance audit of professional units")


@pytest.mark.usefixtures("default_language")
def test_a_simulated_audit_speaks_the_language_in_force() -> None:
    rollout = simulate(SMALL, seed=2)  # its own: its groups are changed
    store, profile = rollout.store, rollout.world.profile
    ghostly, small, *_ = [u for u in store.units(level="group", status="active") if len(u.members) >= 5]
    store.put_org(
        units=[
            attrs.evolve(ghostly, members=(*ghostly.members, "ghost")),
            attrs.evolve(small, members=small.members[:3]),
        ]
    )
    found = run_audit(store, profile, on=ON)
    (missing,) = [f for f in found.findings if f.unit_id == ghostly.id]
    assert str(missing.message).startswith("danh sách hội viên có người không có trong dữ liệu: ")
    assert "'ghost'" in str(missing.message)
    assert found.summary().startswith(f"Đã rà soát {found.checked} đơn vị")
    with use("en"):
        assert str(missing.message).startswith("the member list names someone the records lack: ")
        assert found.summary().startswith(f"Checked {found.checked} units")
    assert missing.as_dict()["message"] == missing.message.to_json()
    # An audit made for a language writes its findings' values in it too, whatever the context says.
    with use("en"):
        vietnamese = run_audit(store, profile, on=ON, language="vi")
    (too_few,) = [f for f in vietnamese.findings if f.unit_id == small.id]
    assert too_few.rule_id == "MEM-02"
    assert too_few.values[0].startswith("subject.union_member_count (3) >= params.group_min_members (5) ")
    assert "is false" not in too_few.values[0]
    english = run_audit(store, profile, on=ON, language="en")
    (too_few,) = [f for f in english.findings if f.unit_id == small.id]
    assert too_few.values[0].endswith("is false")
    assert english.to_markdown().startswith("# Compliance audit of professional units")


@pytest.mark.usefixtures("default_language")
def test_an_outreach_import_error_names_the_file_and_line_in_vietnamese(tmp_path) -> None:
    path = tmp_path / "tuyen-truyen.csv"
    path.write_text(
        "id,kind,unit,day,topic\nTT-1,tuyên truyền,c-1,2023-03-15,Tổ hội\nTT-2,hội thảo,c-1,2023-03-16,Tổ hội\n",
        "utf-8",
    )
    with pytest.raises(OutreachError) as caught:
        read_activities(path)
    head, line = str(caught.value).splitlines()
    assert head == f"1 lỗi trong tệp {path}; không dòng nào được đọc"
    assert line == (
        f"  {path}:3:1: HNG-W019 kind 'hội thảo' không phải tuyên truyền (outreach) hay tập huấn (training)"
    )
    with use("en"):
        head, line = str(caught.value).splitlines()
    assert head == f"1 problem in {path}; nothing was read"
    assert line == (
        f"  {path}:3:1: HNG-W019 kind 'hội thảo' is neither outreach (tuyên truyền) nor training (tập huấn)"
    )
    assert caught.value.describe("en").splitlines()[0] == head
    (problem,) = caught.value.diagnostics
    assert problem.to_json()["messages"] == problem.message.to_json()


@pytest.mark.usefixtures("default_language")
def test_outreach_refusals_are_in_both_languages(rollout: Rollout) -> None:
    hierarchy = rollout.world.profile.hierarchy
    with pytest.raises(OutreachError) as reversed_period:
        coverage(rollout.store, hierarchy, since=dt.date(2023, 12, 31), until=dt.date(2023, 1, 1))
    assert str(reversed_period.value).startswith(
        "thời gian tính tỷ lệ tuyên truyền, tập huấn kết thúc (2023-01-01)"
    )
    assert reversed_period.value.describe("en").startswith("the coverage period ends (2023-01-01)")
    with pytest.raises(NotFound) as nowhere:
        coverage(rollout.store, hierarchy, since=ON, until=ON, scope="c-nowhere")
    assert str(nowhere.value) == "không có đơn vị 'c-nowhere'"
    assert nowhere.value.describe("en") == "no unit 'c-nowhere'"
    standing = Standing(
        1, "c-1", "Xã Ân Nghĩa", "commune", None, 50.0, (CriterionScore("targets", 0.5, 50.0),)
    )
    with pytest.raises(NotFound) as criterion:
        standing.value("speed")
    assert str(criterion.value) == "không có tiêu chí 'speed'; hiện có: targets"
    with use("en"):
        assert str(criterion.value) == "no criterion 'speed'; known: targets"


@pytest.mark.usefixtures("default_language")
def test_a_draft_that_is_not_a_rule_pack_is_refused_in_both_languages(tmp_path) -> None:
    workflow = shipped_path() / "workflows" / "consolidate-unit.yaml"
    with pytest.raises(AuditError) as caught:
        load_draft(workflow)
    (problem,) = caught.value.diagnostics
    assert "không phải bộ quy tắc; dự thảo phải là tài liệu `kind: rules`" in str(problem)
    assert "is not a rule pack; a draft is a `kind: rules` document" in problem.describe("en")
    with pytest.raises(AuditError) as empty:
        load_draft(tmp_path)
    assert f"không tìm thấy bộ quy tắc nào trong {tmp_path}" in str(empty.value)
    assert f"no rule pack found in {tmp_path}" in empty.value.describe("en")


@pytest.mark.usefixtures("default_language")
def test_the_testing_helpers_refuse_in_vietnamese_by_default() -> None:
    from hoinghe.testing import event_sequences, hierarchies  # noqa: PLC0415 - needs Hypothesis

    with pytest.raises(ValueError, match=r"hierarchies\(\) nhận 1\.\.4 cấp trên cấp xã") as caught:
        hierarchies(above=(0, 0))
    with use("en"):
        assert "levels above the commune" in str(caught.value)
    with pytest.raises(ValueError, match=r"event_sequences\(\) cần ít nhất một người thực hiện"):
        event_sequences(actors=())

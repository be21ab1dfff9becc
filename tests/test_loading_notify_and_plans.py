"""Checks of what a province writes beyond workflows and rules: notifications on steps, and rollout plans."""

from __future__ import annotations

import textwrap

import pytest

from hoinghe import DefinitionError, Library, load_plan
from hoinghe.loading import shipped_path

FOUNDING = "found-professional-group.yaml"


def province(tmp_path, notify: str) -> Library:
    """The shipped group founding, copied with its approval's ``notify:`` replaced (a province's own version)."""
    text = (shipped_path() / "workflows" / FOUNDING).read_text("utf-8")
    start = text.index("    notify:\n")
    end = text.index("    # 15 working days")
    (tmp_path / FOUNDING).write_text(
        text[:start] + textwrap.indent(textwrap.dedent(notify), "    ") + text[end:], "utf-8"
    )
    return Library.from_paths(tmp_path, shipped=True)


def problems(library: Library) -> list[tuple[str, str]]:
    return [(d.code, str(d.message)) for d in library.check() if d.is_error]


def test_the_shipped_notifications_check_clean():
    assert problems(Library.from_paths(shipped=True)) == []


@pytest.mark.parametrize(
    ("notify", "code", "words"),
    [
        (
            "notify:\n  - {channel: Email!, to: [proposer], message: {vi: a}}\n",
            "HNG-W016",
            "not a channel name",
        ),
        ("notify:\n  - {channel: email, to: [], message: {vi: a}}\n", "HNG-W016", "at least one recipient"),
        ("notify:\n  - {to: [treasurer], message: {vi: a}}\n", "HNG-W006", "nor one of proposer, actor"),
        (
            "notify:\n  - {to: [{role: proposer, at: province}], message: {vi: a}}\n",
            "HNG-W016",
            "takes no `at:`",
        ),
        ("notify:\n  - {to: [actor], message: {vi: 'Tổ {subject.nme}'}}\n", "HNG-R007", "nme"),
        (
            "notify:\n  - {to: [actor], message: {vi: a, en: 'members: {subject.member_count'}}\n",
            "HNG-R001",
            "",
        ),
    ],
)
def test_a_malformed_notification_is_located_and_named(tmp_path, notify, code, words):
    found = [d for d in province(tmp_path, notify).check() if d.is_error]
    assert {d.code for d in found} == {code}, found  # once per profile that runs the workflow, for some codes
    assert words in str(found[0].message)
    assert found[0].location is not None
    assert found[0].location.file.endswith(FOUNDING)


def test_a_notification_may_read_parameters(tmp_path):
    notify = "notify:\n  - {to: [actor], message: {vi: 'tối thiểu {params.group_min_members}'}}\n"
    assert problems(province(tmp_path, notify)) == []


def test_the_shipped_plan_holds_the_provincial_targets():
    plan = load_plan("nq04-2019")
    targets = {t.id: (t.level, t.per, t.min, t.max) for t in plan.targets}
    assert targets == {
        "branches_per_district": ("branch", "district", 4, 5),
        "groups_per_commune": ("group", "commune", 8, 10),
    }
    assert (plan.start.isoformat(), plan.deadline.isoformat(), plan.report_months) == (
        "2019-08-05",
        "2023-12-31",
        6,
    )


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"deadline": "2019-01-01"}, "comes before the start"),
        ({"report_months": "18"}, "report_months is 18"),
        ({"min: 8": "min: 12"}, "do not make a range"),
        ({"per: district": "per: branch"}, "name a level above it"),
        ({"id: groups_per_commune": "id: branches_per_district"}, "is used twice"),
    ],
)
def test_a_plan_that_does_not_add_up_is_refused(tmp_path, change, words):
    text = (shipped_path() / "plans" / "nq04-2019.yaml").read_text("utf-8")
    for old, new in change.items():
        if old in ("deadline", "report_months"):
            text = "\n".join(
                f"{old}: {new}" if line.startswith(f"{old}:") else line for line in text.splitlines()
            )
        else:
            text = text.replace(old, new, 1)
    (tmp_path / "plan.yaml").write_text(text, "utf-8")
    with pytest.raises(DefinitionError) as caught:
        Library.from_paths(tmp_path, shipped=True).plan("nq04-2019")
    assert words in str(caught.value)
    assert caught.value.diagnostics[0].code == "HNG-W017"

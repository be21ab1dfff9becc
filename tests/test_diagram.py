import os
import shutil

import pytest

from hoinghe.definitions.diagram import DiagramError, to_dot, to_mermaid, to_svg
from hoinghe.loading import load_document

WORKFLOW = """\
hoinghe: 1
kind: workflow
id: found
title: {vi: Thành lập tổ hội, en: Found a group}
subject: {level: group}
states:
  - {id: proposed, title: {vi: "Đề xuất: mới", en: Proposed}}
  - launched
initial: proposed
final: [launched]
transitions:
  - id: launch
    title: {vi: Ra mắt, en: Launch}
    from: proposed
    to: launched
    by: {role: standing_committee, at: commune}
"""


@pytest.fixture
def wf():
    return load_document(WORKFLOW).definition


def test_mermaid_is_a_state_diagram_with_titles_in_the_chosen_language(wf):
    text = to_mermaid(wf)
    assert text.startswith("stateDiagram-v2\n")
    assert '    state "Đề xuất - mới" as proposed' in text
    assert "    [*] --> proposed" in text
    assert "    proposed --> launched: Ra mắt [standing_committee@commune]" in text
    assert "    launched --> [*]" in text
    assert "Launch [standing_committee@commune]" in to_mermaid(wf, "en")


def test_dot_marks_finals_and_escapes_quotes(wf):
    text = to_dot(wf, "en")
    assert text.startswith('digraph "found" {')
    assert '"launched" [label="launched", peripheries=2];' in text
    assert '"proposed" -> "launched" [label="Launch [standing_committee@commune]"];' in text


@pytest.mark.skipif(
    shutil.which("dot") is None and not os.environ.get("CI"),
    reason="needs Graphviz, which .ci/run installs (so in CI this never skips)",
)
def test_svg_through_graphviz(wf):
    svg = to_svg(wf)
    assert "<svg" in svg
    assert "Ra mắt" in svg


def test_svg_without_graphviz_says_how_to_get_it(wf):
    with pytest.raises(DiagramError, match="apt-get install graphviz"):
        to_svg(wf, dot_command="dot-that-does-not-exist")

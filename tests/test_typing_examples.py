from typing_examples import build_a_workflow_in_python, problems_of


def test_the_typed_examples_run():
    assert problems_of(build_a_workflow_in_python()) == []

"""D-7: cases keep the definition version they opened on; they move only by an explicit, checked migration."""

from __future__ import annotations

import attrs
import pytest

import world
from hoinghe import Engine, MigrationError, NotFound, Text, WorkflowDefinition


def _v2(base: WorkflowDefinition, **changes: object) -> WorkflowDefinition:
    return attrs.evolve(base, title=Text("Thành lập tổ hội (bản 2)", "Found a group (v2)"), **changes)


def _without_surveyed(base: WorkflowDefinition) -> WorkflowDefinition:
    """``base`` where the survey leads straight to outreach: the state ``surveyed`` is gone."""
    transitions = []
    for t in base.transitions:
        if t.id == "start_outreach":
            continue
        moved = attrs.evolve(t, to="mobilizing") if t.id == "survey" else t
        transitions.append(attrs.evolve(moved, from_=tuple(f for f in moved.from_ if f != "surveyed")))
    return _v2(
        base, states=tuple(s for s in base.states if s.id != "surveyed"), transitions=tuple(transitions)
    )


def test_running_cases_keep_their_version_and_new_ones_get_the_new_one():
    engine = world.engine()
    v1 = engine.current_version("found-professional-group")
    old = engine.open("found-professional-group", world.new_group("g-old"), "officer-1")
    base = engine.profile.workflow("found-professional-group")
    v2 = engine.register(_v2(base))
    assert v2 != v1
    new = engine.open("found-professional-group", world.new_group("g-new"), "officer-1")
    assert (old.definition, new.definition) == (v1, v2)
    after = engine.fire(old.id, "survey", "officer-1", documents={"survey_report": "u"})
    assert after.definition == v1
    assert engine.workflow_of(after).title.en == "Found a professional farmer group"
    assert engine.workflow_of(new).title.en == "Found a group (v2)"


def test_an_engine_restarted_on_the_store_runs_old_versions_from_it():
    engine = world.engine()
    old = engine.open("found-professional-group", world.new_group("g-old"), "officer-1")
    base = engine.profile.workflow("found-professional-group")
    changed = attrs.evolve(
        engine.profile, workflows=tuple(_v2(w) if w.id == base.id else w for w in engine.profile.workflows)
    )
    restarted = Engine(changed, engine.store, clock=engine.clock, listeners_in_background=False)
    assert restarted.current_version(base.id) != old.definition
    after = restarted.fire(old.id, "survey", "officer-1", documents={"survey_report": "u"})
    assert after.definition == old.definition
    assert restarted.workflow_of(after) == base


def test_a_version_the_store_does_not_keep_is_not_found():
    engine = world.engine()
    with pytest.raises(NotFound, match="definition version"):
        engine.migrate(
            engine.open("found-professional-group", world.new_group(), "officer-1").id, to="0" * 64
        )


def test_migration_moves_a_case_explicitly_and_records_it():
    engine = world.engine()
    case = engine.open("found-professional-group", world.new_group(), "officer-1")
    v2 = engine.register(_v2(engine.profile.workflow("found-professional-group")))
    moved = engine.migrate(case.id)
    assert (moved.definition, moved.state, moved.version) == (v2, "proposed", 2)
    last = engine.history(case.id)[-1]
    assert (last.kind, last.definition, last.from_state) == ("migrated", v2, "proposed")
    assert engine.migrate(case.id) == moved  # already there: nothing written
    assert engine.store.case(case.id).version == 2


def test_a_migration_that_strands_a_case_is_refused_and_writes_nothing():
    engine = world.engine()
    base = engine.profile.workflow("found-professional-group")
    case = engine.open("found-professional-group", world.new_group(), "officer-1")
    engine.fire(case.id, "survey", "officer-1", documents={"survey_report": "u"})
    engine.register(_without_surveyed(base))
    with pytest.raises(MigrationError, match=r"'surveyed'.*does not have"):
        engine.migrate(case.id)
    assert engine.store.case(case.id).version == 2
    moved = engine.migrate(case.id, states={"surveyed": "proposed"})
    assert moved.state == "proposed"


def test_migrate_all_moves_every_running_case_or_none():
    engine = world.engine()
    base = engine.profile.workflow("found-professional-group")
    waiting = engine.open("found-professional-group", world.new_group("g-1"), "officer-1")
    surveyed = engine.open("found-professional-group", world.new_group("g-2"), "officer-1")
    engine.fire(surveyed.id, "survey", "officer-1", documents={"survey_report": "u"})
    closed = engine.open("found-professional-group", world.new_group("g-3"), "officer-1")
    engine.fire(closed.id, "withdraw", "btv-1")
    v2 = engine.register(_without_surveyed(base))
    with pytest.raises(MigrationError, match=surveyed.id):
        engine.migrate_all(base.id)
    assert engine.store.case(waiting.id).definition != v2  # none moved
    moved = engine.migrate_all(base.id, states={"surveyed": "proposed"})
    assert sorted(c.id for c in moved) == sorted([waiting.id, surveyed.id])
    assert engine.store.case(closed.id).definition != v2  # closed cases keep theirs
    with pytest.raises(MigrationError, match="closed"):
        engine.migrate(closed.id)

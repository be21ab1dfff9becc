"""D-6 replay: every case rebuilt from its events equals the stored one, byte for byte; an edited definition that
no longer allows an event is reported with the case and the event, never accepted silently."""

from __future__ import annotations

import json
import sqlite3

import attrs
import pytest

import world
from hoinghe import MemoryStore, NotFound, Refused, SqlStore, Text, WorkflowDefinition
from hoinghe.definitions import ApprovalDef, RoleRef, StateDef, SubjectSpec, TransitionDef
from hoinghe.engine.replay import Difference, Mismatch, replay
from hoinghe.records import fold
from hoinghe.storage.codec import encode

FOUND = "found-professional-group"

#: Two of three bodies approve before the commune's standing committee endorses: it makes ``approved`` events.
JOINT = WorkflowDefinition(
    id="joint-endorsement",
    title=Text("Cùng xác nhận tổ hội", "Joint endorsement of a group"),
    subject=SubjectSpec("group", "professional"),
    states=tuple(StateDef(s) for s in ("draft", "submitted", "endorsed")),
    initial="draft",
    final=("endorsed",),
    transitions=(
        TransitionDef("submit", ("draft",), "submitted", by=(RoleRef("union_officer", "commune"),)),
        TransitionDef(
            "endorse",
            ("submitted",),
            "endorsed",
            by=(RoleRef("standing_committee", "commune"),),
            approvals=ApprovalDef(
                by=(RoleRef("standing_committee", "commune"), RoleRef("executive_committee", "commune")),
                quorum=2,
            ),
        ),
    ),
)


def _org(store):
    group = attrs.evolve(
        world.new_group("g-1"), status="active", members=("f1", "f2", "f3", "f4", "f5", "f6")
    )
    store.put_org(units=[*world.units(), group], members=world.members(), actors=world.actors())
    return store


def _edited(workflow: WorkflowDefinition, transition: str, to: str) -> WorkflowDefinition:
    return attrs.evolve(
        workflow,
        transitions=tuple(attrs.evolve(t, to=to) if t.id == transition else t for t in workflow.transitions),
    )


def play(engine) -> dict[str, str]:
    """Cases whose logs hold every kind of event: opened, fired, reminded, approved, refused, migrated."""
    founded = world.found_until_submitted(engine)
    (timer,) = engine.store.timers(founded)
    engine.tick(timer.due)
    engine.fire(founded, "approve", "btv-1", documents=world.DECISION)

    migrated = engine.open(FOUND, world.new_group("g-m"), "officer-1").id
    with pytest.raises(Refused):
        engine.fire(migrated, "survey", "btv-9", record_refusal=True)
    base = engine.profile.workflow(FOUND)
    engine.register(attrs.evolve(base, title=Text("Thành lập tổ hội (bản 2)", "Found a group (v2)")))
    engine.migrate(migrated)
    engine.fire(migrated, "survey", "officer-1", documents={"survey_report": "file:///ks.pdf"})

    engine.register(JOINT)
    joint = engine.open("joint-endorsement", "g-1", "officer-1").id
    engine.fire(joint, "submit", "officer-1")
    engine.approve(joint, "endorse", "btv-1")
    engine.approve(joint, "endorse", "bch-1")
    engine.fire(joint, "endorse", "btv-1")
    return {"founded": founded, "migrated": migrated, "joint": joint}


@pytest.fixture
def memory():
    engine = world.engine(store=_org(MemoryStore()))
    return engine, play(engine)


@pytest.fixture
def sqlite(tmp_path):
    path = tmp_path / "replay.db"
    store = SqlStore(f"sqlite:///{path}")
    engine = world.engine(store=_org(store))
    cases = play(engine)
    yield engine, cases, path
    store.close()


def _kinds(store, case_id):
    return [e.kind for e in store.events(case_id)]


def test_the_scenario_holds_every_kind_of_event(memory):
    engine, cases = memory
    kinds = {k for case_id in cases.values() for k in _kinds(engine.store, case_id)}
    assert kinds == {"opened", "fired", "reminded", "approved", "refused", "migrated"}
    assert engine.store.case(cases["joint"]).state == "endorsed"
    assert engine.store.case(cases["founded"]).state == "approved"


def test_d6_memory_store_replays_clean(memory):
    engine, cases = memory
    report = replay(engine.store)
    assert report.clean, report.describe()
    assert bool(report)
    assert report.checked == len(cases)
    assert report.describe() == "3 cases replayed: every one matches its events and definition"
    assert replay(engine.store, engine).clean  # through the engine's versions too


def test_d6_sqlite_replays_clean_and_byte_for_byte(sqlite):
    engine, cases, path = sqlite
    report = replay(engine.store)
    assert report.clean, report.describe()
    assert report.checked == 3
    with sqlite3.connect(path) as conn:
        stored = dict(conn.execute("SELECT id, payload FROM cases"))
    for case_id in cases.values():
        # The text in the database is exactly the encoding of the fold of the events.
        assert stored[case_id] == encode(fold(engine.store.events(case_id)))


def test_a_tampered_stored_case_is_reported_with_its_field_memory(memory):
    engine, cases = memory
    store = engine.store
    case = store.case(cases["founded"])
    store._cases[case.id] = attrs.evolve(case, state="rejected")
    report = replay(store)
    assert not report.clean
    assert report.differences == (Difference(case.id, "state", "rejected", case.state),)
    assert report.mismatches == ()
    assert (
        f'case {case.id}: state is stored as "rejected", its events give "{case.state}"' in report.describe()
    )


def test_a_tampered_payload_written_with_sql_is_reported_with_its_field(sqlite):
    engine, cases, path = sqlite
    case_id = cases["founded"]
    with sqlite3.connect(path) as conn:
        (text,) = conn.execute("SELECT payload FROM cases WHERE id = ?", (case_id,)).fetchone()
        payload = json.loads(text)
        payload["data"]["members"] = ["f1", "f2", "f3", "f4", "f5", "f6", "f17"]
        conn.execute(
            "UPDATE cases SET payload = ? WHERE id = ?",
            (json.dumps(payload, sort_keys=True, separators=(",", ":")), case_id),
        )
    report = replay(engine.store)
    (difference,) = report.differences
    assert (difference.case_id, difference.field) == (case_id, "data")
    assert difference.stored["members"][-1] == "f17"
    assert "f17" not in difference.rebuilt["members"]
    assert report.checked == 3


def test_a_tampered_event_shows_as_a_difference_and_a_mismatch_at_its_seq(sqlite):
    engine, cases, path = sqlite
    case_id = cases["migrated"]
    last = engine.store.events(case_id)[-1]
    assert (last.kind, last.transition) == ("fired", "survey")
    with sqlite3.connect(path) as conn:
        (text,) = conn.execute(
            "SELECT payload FROM events WHERE case_id = ? AND seq = ?", (case_id, last.seq)
        ).fetchone()
        conn.execute(
            "UPDATE events SET payload = ? WHERE case_id = ? AND seq = ?",
            (text.replace('"state":"surveyed"', '"state":"mobilizing"'), case_id, last.seq),
        )
    report = replay(engine.store)
    assert [(d.case_id, d.field, d.stored, d.rebuilt) for d in report.differences] == [
        (case_id, "state", "surveyed", "mobilizing")
    ]
    (mismatch,) = report.mismatches
    assert (mismatch.case_id, mismatch.seq, mismatch.transition) == (case_id, last.seq, "survey")
    assert str(mismatch.expected) == "survey to lead from 'proposed' to 'surveyed'"
    assert str(mismatch.found) == "it led to 'mobilizing'"
    # The migrated case ran survey on the second version: the mismatch names that one.
    assert mismatch.definition == engine.store.case(case_id).definition


def test_an_edited_definition_is_reported_as_a_mismatch_with_case_and_seq(memory):
    engine, cases = memory
    edited = _edited(engine.profile.workflow(FOUND), "survey", "mobilizing")
    report = replay(engine.store, definitions={FOUND: edited})
    assert report.differences == ()  # the stored cases still match their own events
    found = [(m.case_id, m.seq, m.transition, m.definition) for m in report.mismatches]
    assert found == [
        (cases["founded"], 2, "survey", f"given:{FOUND}"),
        (cases["migrated"], 4, "survey", f"given:{FOUND}"),
    ]
    line = report.mismatches[0].describe()
    assert line == (
        f"case {cases['founded']} event 2 (fired survey): definition given:{FOUND} expects survey to lead from "
        "'proposed' to 'mobilizing', but it led to 'surveyed'"
    )
    assert "0 differences, 2 definition mismatches" in report.describe()


def test_an_edited_definition_on_sqlite_is_reported_too(sqlite):
    engine, cases, _ = sqlite
    report = replay(
        engine.store, engine, definitions={"joint-endorsement": _edited(JOINT, "endorse", "draft")}
    )
    (mismatch,) = report.mismatches
    assert (mismatch.case_id, mismatch.seq, mismatch.kind) == (cases["joint"], 5, "fired")
    assert "expects endorse to lead from 'submitted' to 'draft'" in mismatch.describe()


def test_an_edited_definition_that_still_allows_every_event_matches(memory):
    engine, _ = memory
    base = engine.profile.workflow(FOUND)
    retitled = attrs.evolve(base, title=Text("Tên khác", "Another title"))
    assert replay(engine.store, definitions={FOUND: retitled}).clean


def test_a_removed_transition_and_a_removed_state_are_mismatches(memory):
    engine, cases = memory
    base = engine.profile.workflow(FOUND)
    without = attrs.evolve(base, transitions=tuple(t for t in base.transitions if t.id != "start_outreach"))
    report = replay(engine.store, case_ids=[cases["founded"]], definitions={FOUND: without})
    (mismatch,) = report.mismatches
    assert (mismatch.seq, mismatch.transition, str(mismatch.found)) == (
        3,
        "start_outreach",
        "the log names 'start_outreach'",
    )
    renamed = attrs.evolve(
        base,
        states=tuple(attrs.evolve(s, id="rejected2") if s.id == "rejected" else s for s in base.states),
    )
    # No event entered 'rejected', so dropping it disagrees with nothing; 'approved' is where the case ended.
    assert replay(engine.store, case_ids=[cases["founded"]], definitions={FOUND: renamed}).clean
    final = engine.store.case(cases["founded"]).state
    gone = attrs.evolve(base, states=tuple(s for s in base.states if s.id != final))
    messages = [
        str(m.expected)
        for m in replay(engine.store, case_ids=[cases["founded"]], definitions={FOUND: gone}).mismatches
    ]
    assert any(m.startswith("one of its states") for m in messages)


def test_a_broken_event_log_is_a_difference_not_an_exception(memory):
    engine, cases = memory
    case_id = cases["joint"]
    engine.store._events[case_id] = engine.store._events[case_id][1:]
    report = replay(engine.store, case_ids=[case_id])
    (difference,) = report.differences
    assert (difference.case_id, difference.field) == (case_id, "events")
    assert "do not rebuild it" in str(difference.note)
    assert difference.describe().startswith(f"case {case_id}: its 4 events do not rebuild it")


def test_a_version_the_store_lost_is_a_mismatch(memory):
    engine, cases = memory
    engine.store._versions.clear()
    report = replay(engine.store, case_ids=[cases["joint"]])
    (mismatch,) = report.mismatches  # reported once for the case, not once per event
    assert (mismatch.case_id, mismatch.seq, mismatch.kind) == (cases["joint"], 1, "opened")
    assert str(mismatch.found).startswith("the store keeps no definition version")


def test_selected_cases_progress_and_unknown_ids(memory):
    engine, cases = memory
    seen = []
    report = replay(
        engine.store,
        case_ids=[cases["joint"], cases["founded"], cases["joint"]],
        progress=lambda *a: seen.append(a),
    )
    assert report.checked == 2
    assert seen == [(1, 2), (2, 2)]
    with pytest.raises(NotFound, match="no case 'nope'"):
        replay(engine.store, case_ids=["nope"])


def test_report_as_json(memory):
    engine, cases = memory
    store = engine.store
    case = store.case(cases["joint"])
    store._cases[case.id] = attrs.evolve(case, version=99)
    out = replay(store, definitions={"joint-endorsement": _edited(JOINT, "submit", "endorsed")}).to_json()
    assert out["clean"] is False
    assert out["differences"] == [
        {"case": case.id, "field": "version", "stored": 99, "rebuilt": case.version, "note": ""}
    ]
    assert out["mismatches"] == [
        Mismatch(
            case.id,
            2,
            "fired",
            "submit",
            "given:joint-endorsement",
            "submit to lead from 'draft' to 'endorsed'",
            "it led to 'submitted'",
        ).to_json()
    ]
    json.dumps(out)  # plain data all the way down


def test_an_event_that_does_not_move_the_case_but_changes_its_state_is_a_mismatch(memory):
    engine, cases = memory
    case_id = cases["joint"]
    events = engine.store._events[case_id]
    index = next(i for i, e in enumerate(events) if e.kind == "approved")
    events[index] = attrs.evolve(events[index], state="endorsed", final=True)
    report = replay(engine.store, case_ids=[case_id])
    # The tampered event moved the case; the next one, an approval too, then starts from the wrong state.
    assert [(m.seq, m.kind) for m in report.mismatches] == [(3, "approved"), (4, "approved")]
    first = report.mismatches[0]
    assert str(first.expected) == "the approved event to leave the case in 'submitted'"
    assert str(first.found) == "it moved to 'endorsed'"

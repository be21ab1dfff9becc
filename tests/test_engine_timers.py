"""Deadlines and schedules: reminders and fired transitions through ``tick``, in Vietnamese working days."""

from __future__ import annotations

import datetime as dt

import attrs

import world
from hoinghe import Unit
from hoinghe.definitions import (
    Duration,
    NotifyDef,
    RoleRef,
    StateDef,
    SubjectSpec,
    TimerDef,
    TransitionDef,
    WorkflowDefinition,
)
from hoinghe.org import Text


def test_a_decision_deadline_reminds_after_fifteen_working_days():
    engine = world.engine()
    case_id = world.found_until_submitted(engine)
    (timer,) = engine.store.timers(case_id)
    # Mon 2 Mar 2026 + 15 working days (no holiday in March) = Mon 23 Mar 2026, at the time the state was entered.
    assert timer.due == dt.datetime(2026, 3, 23, 9, 0, tzinfo=dt.UTC)
    assert (timer.transition, timer.then) == ("approve", "notify")
    assert engine.tick(timer.due - dt.timedelta(seconds=1)).reminded == ()
    report = engine.tick(timer.due)
    assert report.reminded == (timer.id,)
    last = engine.history(case_id)[-1]
    assert (last.kind, last.transition, last.actor) == ("reminded", "approve", "system")
    (message,) = engine.store.outbox()
    assert message.topic == "deadline.reminder"
    assert message.key == f"{case_id}:{last.seq}:deadline"
    assert (message.channel, message.at) == ("log", last.at)
    # Whoever may fire the transition, each with the office that makes them a recipient.
    assert [(r["actor"], r["grant"]) for r in message.payload["to"]] == [
        ("btv-1", "standing_committee@c-1"),
        ("bch-1", "executive_committee@c-1"),
    ]
    assert "hạn 2026-03-23" in message.payload["message"]["vi"]
    assert engine.store.timers(case_id) == []
    assert engine.tick(timer.due + dt.timedelta(days=30)).reminded == ()  # once only
    assert engine.store.case(case_id).state == "dossier_submitted"


def test_working_days_skip_tet():
    start = dt.datetime(2026, 2, 13, 9, 0, tzinfo=dt.UTC)  # Friday before Tết Bính Ngọ (17 Feb 2026)
    engine = world.engine(clock=world.ManualClock(start))
    case_id = world.found_until_submitted(engine)
    (timer,) = engine.store.timers(case_id)
    calendar_days = (timer.due.date() - start.date()).days
    assert calendar_days > 21  # 15 working days plus weekends plus the Tết holidays
    assert timer.due.date() == engine.calendar.add(start.date(), Duration(15, "working_days"))


def test_leaving_the_state_cancels_its_deadline():
    engine = world.engine()
    case_id = world.found_until_submitted(engine)
    engine.fire(case_id, "approve", "btv-1", documents=world.DECISION)
    assert engine.store.timers(case_id) == []
    assert engine.tick(dt.datetime(2027, 1, 1, tzinfo=dt.UTC)) == type(engine.tick())()


def _expiring() -> WorkflowDefinition:
    return WorkflowDefinition(
        id="expiring-request",
        title=Text("Đề nghị có thời hạn", "A request that expires"),
        subject=SubjectSpec("group", "professional"),
        states=(StateDef("waiting"), StateDef("answered"), StateDef("expired")),
        initial="waiting",
        final=("answered", "expired"),
        transitions=(
            TransitionDef(
                "answer",
                ("waiting",),
                "answered",
                by=(RoleRef("standing_committee", "commune"),),
                deadline=TimerDef(Duration(10, "days"), "opened", "fire", "expire"),
            ),
            TransitionDef("expire", ("waiting",), "expired", by=(RoleRef("standing_committee", "commune"),)),
        ),
    )


def test_a_fire_deadline_fires_its_transition_as_the_system():
    engine = world.engine()
    engine.register(_expiring())
    engine.store.put_org(units=[Unit("g-a", "group", "Tổ hội", "c-1", kind="professional", trade="cam")])
    case = engine.open("expiring-request", "g-a", "btv-1")
    report = engine.tick(world.START + dt.timedelta(days=10))
    assert len(report.fired) == 1
    after = engine.store.case(case.id)
    assert (after.state, after.closed) == ("expired", True)
    last = engine.history(case.id)[-1]
    assert (last.kind, last.transition, last.actor, last.from_state) == (
        "fired",
        "expire",
        "system",
        "waiting",
    )


def test_the_yearly_review_opens_on_its_schedule_once():
    engine = world.engine()
    founded = dt.date(2025, 1, 10)
    branch = Unit(
        "b-1",
        "branch",
        "Chi hội cam",
        "c-1",
        kind="professional",
        trade="cam",
        founded_on=founded,
        members=("f1", "f2"),
    )
    young = attrs.evolve(branch, id="b-2", founded_on=dt.date(2025, 12, 1))
    engine.store.put_org(units=[branch, young])
    report = engine.tick()
    (case_id,) = report.opened
    case = engine.store.case(case_id)
    assert (case.workflow, case.subject, case.proposer, case.state) == (
        "review-unit",
        "b-1",
        "system",
        "opened",
    )
    assert engine.tick().opened == ()  # the review is open: no second one
    (later,) = engine.tick(dt.datetime(2026, 12, 2, tzinfo=dt.UTC)).opened  # b-1's is still open; b-2 is due
    assert engine.store.case(later).subject == "b-2"


def test_a_deadline_escalates_to_the_body_above_through_the_outbox():
    engine = world.engine()
    founding = engine.profile.workflow("found-professional-group")
    approve = founding.transition("approve")
    assert approve.deadline is not None
    escalation = NotifyDef(
        to=(RoleRef("standing_committee", "province"),),
        message=Text(
            "Hồ sơ {case.id} ({subject.name}) chờ quyết định quá hạn",
            "Case {case.id} ({subject.name}) is overdue for a decision",
        ),
        channel="email",
    )
    later = attrs.evolve(approve, deadline=attrs.evolve(approve.deadline, notify=(escalation,)))
    engine.register(
        attrs.evolve(
            founding, transitions=tuple(later if t.id == "approve" else t for t in founding.transitions)
        )
    )
    case_id = world.found_until_submitted(engine)
    (timer,) = engine.store.timers(case_id)
    assert engine.tick(timer.due).reminded == (timer.id,)
    event = engine.history(case_id)[-1]
    (message,) = engine.store.outbox()
    assert (message.key, message.topic, message.channel) == (
        f"{case_id}:{event.seq}:deadline:0",
        "deadline.reminder",
        "email",
    )
    assert [r["grant"] for r in message.payload["to"]] == ["standing_committee@p-1"]
    assert (
        message.payload["message"]["en"]
        == f"Case {case_id} (Tổ hội nghề nghiệp cam g-new) is overdue for a decision"
    )
    assert message.payload["due"] == timer.due.isoformat()

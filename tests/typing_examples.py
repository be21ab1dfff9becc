"""Typed usage of the public API, checked by ``mypy --strict`` (see pyproject.toml) and run by a test."""

from __future__ import annotations

import datetime as dt

import attrs

import hoinghe
from hoinghe.definitions import Vocabulary, check_workflow


def build_a_workflow_in_python() -> hoinghe.WorkflowDefinition:
    return hoinghe.WorkflowDefinition(
        id="found-group",
        title=hoinghe.Text(vi="Thành lập tổ hội", en="Found a group"),
        subject=hoinghe.SubjectSpec(level="group", kind="professional", new=True),
        states=(hoinghe.StateDef("proposed"), hoinghe.StateDef("launched")),
        initial="proposed",
        final=("launched",),
        transitions=(
            hoinghe.TransitionDef(
                id="launch",
                from_=("proposed",),
                to="launched",
                by=(hoinghe.RoleRef("standing_committee", at="commune"),),
                deadline=hoinghe.TimerDef(hoinghe.Duration.parse("15 working_days")),
            ),
        ),
    )


def problems_of(workflow: hoinghe.WorkflowDefinition) -> list[str]:
    return [str(d) for d in check_workflow(workflow, Vocabulary(roles={"standing_committee"}))]


def titles(profile: hoinghe.Profile) -> dict[str, str]:
    return {wf.id: wf.title.get("en") for wf in profile.workflows}


def describe(error: hoinghe.DefinitionError) -> list[tuple[str, int | None]]:
    return [(d.code, d.location.line if d.location else None) for d in error.diagnostics]


def found_and_explain(engine: hoinghe.Engine, group: hoinghe.Unit) -> list[str]:
    case: hoinghe.Case = engine.open("found-professional-group", group, "officer")
    verdict: hoinghe.Verdict = engine.check(
        case.id, "survey", "officer", documents={"survey_report": "file:///s"}
    )
    try:
        case = engine.fire(
            case.id, "survey", "officer", documents=[hoinghe.Document("survey_report", "file:///s")]
        )
    except hoinghe.Refused as refused:
        return [b.describe("en") for b in refused.blockers]
    history: list[hoinghe.Event] = engine.history(case.id)
    return [verdict.describe("vi"), *(e.kind for e in history)]


def an_engine(profile: hoinghe.Profile) -> hoinghe.Engine:
    def rename(ctx: hoinghe.EffectContext) -> list[hoinghe.Unit]:
        return [attrs.evolve(ctx.subject, name=ctx.subject.name.upper())]

    seen: list[tuple[int, str]] = []

    def heard(event: hoinghe.Event, case: hoinghe.Case) -> None:
        seen.append((event.seq, case.state))

    return hoinghe.Engine(
        profile,
        hoinghe.MemoryStore(),
        listeners=[heard],
        clock=hoinghe.ManualClock(dt.datetime(2026, 3, 2, tzinfo=dt.UTC)),
        effects={"rename": rename},
        ids=hoinghe.SequentialIds(),
    )

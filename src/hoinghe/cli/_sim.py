"""Commands of rollouts: simulate one (or many, Monte Carlo) and report on a database."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from hoinghe.cli._app import (
    EXIT_ERROR,
    EXIT_USAGE,
    JsonOpt,
    Lang,
    WorkflowsOpt,
    _date,
    _fail,
    _progress,
    _reported,
    _shown,
    _store,
    _url,
    app,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from hoinghe.reports import Report
    from hoinghe.sim import Rollout, Scenario, World
    from hoinghe.sim.montecarlo import MonteCarlo
    from hoinghe.storage import Store

ReportOpt = Annotated[
    Path | None,
    typer.Option("--report", "-o", help="Write the progress report here: .html (with charts), .md or .csv."),
]
PlanOpt = Annotated[str, typer.Option("--plan", help="The plan whose targets the report counts against.")]
LangReportOpt = Annotated[Lang, typer.Option("--lang", help="Language of the report.")]


def _synthetic(text: str | None) -> tuple[int, int, int] | None:
    if text is None:
        return None
    try:
        provinces, districts, communes = (int(part) for part in text.split(","))
    except ValueError:
        raise _fail(
            f"--synthetic {text!r}: give provinces,districts,communes (per province and district), e.g. 1,7,20",
            EXIT_USAGE,
        ) from None
    if min(provinces, districts, communes) < 1:
        raise _fail(f"--synthetic {text!r}: every figure must be at least 1", EXIT_USAGE)
    return provinces, districts, communes


def _settings(items: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise _fail(f"--set {item!r}: write NAME=VALUE, e.g. --set group_rate=1.5", EXIT_USAGE)
        try:
            out[key.strip()] = json.loads(value)
        except ValueError:
            out[key.strip()] = value
    return out


@app.command()
def simulate(  # noqa: PLR0917 - typer passes a command's options as arguments
    province: Annotated[
        str | None, typer.Option(help="A province, by name or code (Tuyên Quang, 08).")
    ] = None,
    district: Annotated[
        str | None, typer.Option(help="A district, by name or code (within --province).")
    ] = None,
    synthetic: Annotated[
        str | None,
        typer.Option(help="A made-up geography instead: provinces,districts,communes, e.g. 1,7,20."),
    ] = None,
    profile: Annotated[
        str, typer.Option(help="The organisation profile (vn-2019 has districts).")
    ] = "vn-2019",
    plan: PlanOpt = "nq04-2019",
    until: Annotated[
        str | None, typer.Option(help="Last simulated day (YYYY-MM-DD); the plan's deadline.")
    ] = None,
    seed: Annotated[int, typer.Option(help="The seed: the same seed gives the same rollout.")] = 0,
    runs: Annotated[int, typer.Option(help="Replicates (Monte Carlo) when more than one.")] = 1,
    workers: Annotated[int, typer.Option(help="Processes that run the replicates.")] = 1,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set", help="A behaviour setting NAME=VALUE (group_rate=1.5, faulty_dossier=0.2); repeat."
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            show_default=False,
            help="Keep the rollout in this (new, empty) database; in memory by default.",
        ),
    ] = None,
    report: ReportOpt = None,
    lang: LangReportOpt = Lang.vi,
    workflows: WorkflowsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Play a rollout through the real engine and compare it with the plan's targets.

    One run prints what was founded against each target and, with --report, writes the six-monthly or yearly
    report; several runs (--runs) give the chance of meeting each target, with an interval.
    """
    from hoinghe.sim import DEFAULT, Behaviour, Scenario  # noqa: PLC0415

    with _reported():
        scenario = Scenario(
            profile=profile,
            province=province,
            district=district,
            synthetic=_synthetic(synthetic),
            plan=plan,
            until=_date(until, "--until"),
            paths=tuple(str(p) for p in workflows or ()),
            behaviour=Behaviour.from_mapping(_settings(set_), where="--set") if set_ else DEFAULT,
        )
        scenario.load_plan()
        world = scenario.world()  # a bad plan, name or code fails here, before anything runs
    if runs < 1 or workers < 1:
        raise _fail("--runs and --workers must be at least 1", EXIT_USAGE)
    if runs > 1:
        if db is not None:
            raise _fail("--db keeps one rollout; give --runs 1 with it, or drop --db for a study", EXIT_USAGE)
        _study(scenario, runs=runs, seed=seed, workers=workers, report=report, lang=lang, as_json=as_json)
        return
    with contextlib.ExitStack() as stack:
        store = None if db is None else stack.enter_context(_new_store(db))
        rollout = _one(scenario, world, seed=seed, store=store, as_json=as_json)
        built = _report(rollout, lang)  # read back from the store the rollout went into
        if report is not None:
            with _reported():
                built.write(report)
    if as_json:
        typer.echo(json.dumps(_rollout_json(rollout, built), ensure_ascii=False))
        return
    _print_rollout(rollout, built, report)


@contextlib.contextmanager
def _new_store(db: str) -> Iterator[Store]:
    """A database for a rollout: created if need be, and refused unless it is empty."""
    url = _url(db)
    with _store(url, create=True) as store:
        if next(iter(store.units()), None) is not None or next(iter(store.cases()), None) is not None:
            raise _fail(
                f"{_shown(url)} already holds units or cases; a rollout goes into a new, empty database",
                EXIT_ERROR,
            )
        yield store


def _one(scenario: Scenario, world: World, *, seed: int, store: Store | None, as_json: bool) -> Rollout:
    from hoinghe.sim import play  # noqa: PLC0415

    plan = scenario.load_plan()
    first, last = scenario.start or plan.start, scenario.until or plan.deadline
    with _progress(enabled=not as_json, label="simulating") as progress, _reported():
        tick = None
        if progress is not None:
            total = max(1, (last - first).days)

            def tick(day: dt.date, _until: dt.date) -> None:
                progress((day - first).days, total)

        return play(
            world,
            plan,
            seed=seed,
            behaviour=scenario.behaviour,
            store=store,
            start=scenario.start,
            until=scenario.until,
            progress=tick,
        )


def _report(rollout: Rollout, lang: Lang, odds: Any = ()) -> Report:
    from hoinghe.audit import audit  # noqa: PLC0415
    from hoinghe.reports import build_report  # noqa: PLC0415

    language: Literal["vi", "en"] = "vi" if lang is Lang.vi else "en"
    with _reported():
        found = audit(
            rollout.store,
            rollout.world.profile,
            on=rollout.until,
            scope=rollout.world.scope_unit,
            language=language,
        )
        return build_report(
            rollout.store,
            rollout.world.profile.hierarchy,
            rollout.plan,
            as_of=rollout.until,
            scope=rollout.world.scope_unit,
            language=language,
            odds=odds,
            audit=found,
        )


def _rollout_json(rollout: Rollout, built: Report) -> dict[str, Any]:
    return {
        "scope": rollout.world.scope.name,
        "seed": rollout.seed,
        "start": rollout.start.isoformat(),
        "until": rollout.until.isoformat(),
        "seconds": round(rollout.seconds, 3),
        "counts": dict(sorted(rollout.counts.items())),
        "targets": {
            t.id: {
                "applicable": t.applicable,
                "units": t.totals.units,
                "met": t.totals.met,
                "founded": t.totals.founded,
                "required": t.totals.required,
            }
            for t in built.targets
        },
    }


def _print_rollout(rollout: Rollout, built: Report, path: Path | None) -> None:
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    console = Console()
    counts = rollout.counts
    table = Table(title=f"{built.title} — {rollout.world.scope.name}", title_justify="left")
    headers = (
        ("Chỉ tiêu", "Đơn vị", "Đạt", "Đã thành lập", "Tối thiểu")
        if built.language == "vi"
        else ("Target", "Units", "Met", "Founded", "Required")
    )
    for i, column in enumerate(headers):
        table.add_column(column, justify="left" if i == 0 else "right", no_wrap=i > 0)
    for t in built.targets:
        if not t.applicable:
            table.add_row(t.title, "—", "—", "—", t.reason)
            continue
        share = f"{t.totals.met} ({t.totals.met / max(1, t.totals.units):.0%})"
        table.add_row(t.title, str(t.totals.units), share, str(t.totals.founded), str(t.totals.required))
    console.print(table)
    withdrawn = counts["groups_withdrawn"] + counts["branches_withdrawn"]
    if built.language == "vi":
        console.print(
            f"Đã thành lập {counts['groups_founded']} tổ hội và {counts['branches_founded']} chi hội; "
            f"{withdrawn} hồ sơ rút; {counts['refusals']} lần bị từ chối theo quy định; "
            f"{counts['fires']} bước trong {rollout.seconds:.1f} giây (seed {rollout.seed})"
        )
    else:
        console.print(
            f"{counts['groups_founded']} groups and {counts['branches_founded']} branches founded, "
            f"{withdrawn} withdrawn, {counts['refusals']} refusals by the rules; "
            f"{counts['fires']} transitions in {rollout.seconds:.1f} s (seed {rollout.seed})"
        )
    if path is not None:
        console.print(f"{'báo cáo' if built.language == 'vi' else 'report'}: {path}")


def _study(
    scenario: Any, *, runs: int, seed: int, workers: int, report: Path | None, lang: Lang, as_json: bool
) -> None:
    from hoinghe.sim import simulate  # noqa: PLC0415
    from hoinghe.sim.montecarlo import monte_carlo, replicate_seed  # noqa: PLC0415

    began = time.perf_counter()
    with _progress(enabled=not as_json, label=f"{runs} runs") as progress, _reported():
        study = monte_carlo(scenario, runs=runs, seed=seed, workers=workers, progress=progress)
    language: Literal["vi", "en"] = "vi" if lang is Lang.vi else "en"
    if report is not None:
        # The report shows the first replicate's rollout, with the study's odds.
        with _reported():
            first = simulate(scenario, seed=replicate_seed(seed, 0))
            _report(first, lang, study.odds(language)).write(report)
    if as_json:
        typer.echo(json.dumps({**study.summary(), "seconds": round(time.perf_counter() - began, 3)}))
        return
    _print_study(study, language, report, time.perf_counter() - began)


def _print_study(study: MonteCarlo, language: Literal["vi", "en"], path: Path | None, seconds: float) -> None:
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    console = Console()
    table = Table(title=f"{study.runs} runs, seed {study.seed}", title_justify="left")
    headers = (
        ("Chỉ tiêu", "Ai", "Xác suất", "Khoảng tin cậy 95%")
        if language == "vi"
        else ("Target", "Who", "Probability", "95% interval")
    )
    for i, column in enumerate(headers):
        table.add_column(column, justify="left" if i <= 1 else "right", no_wrap=i > 1)
    for odds in study.odds(language):
        table.add_row(odds.target, odds.scope, f"{odds.probability:.0%}", f"{odds.low:.0%} – {odds.high:.0%}")
    console.print(table)
    console.print(f"{seconds:.1f} s")
    if path is not None:
        console.print(f"report: {path}")


@app.command()
def report(  # noqa: PLR0917 - typer passes a command's options as arguments
    output: Annotated[Path, typer.Argument(help="The report to write: .html (with charts), .md or .csv.")],
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="HOINGHE_DB",
            show_default=False,
            help="The database to report on [default: sqlite:///hoinghe.db in this folder].",
        ),
    ] = None,
    plan: PlanOpt = "nq04-2019",
    profile: Annotated[str, typer.Option(help="The profile whose hierarchy the units follow.")] = "vn-2019",
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The last day counted (YYYY-MM-DD); today.")
    ] = None,
    scope: Annotated[
        str | None, typer.Option(help="Only this unit's subtree: a province or district id.")
    ] = None,
    lang: LangReportOpt = Lang.vi,
    workflows: WorkflowsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the six-monthly or yearly progress report of a database against a plan's targets."""
    from hoinghe.audit import audit  # noqa: PLC0415
    from hoinghe.engine.clock import SystemClock  # noqa: PLC0415
    from hoinghe.loading import Library  # noqa: PLC0415
    from hoinghe.reports import build_report  # noqa: PLC0415

    day = _date(as_of, "--as-of") or SystemClock().today()
    language: Literal["vi", "en"] = "vi" if lang is Lang.vi else "en"
    with _reported():
        library = Library.from_paths(*(workflows or ()), shipped=True)
        loaded = library.profile(profile)
        chosen = library.plan(plan)
    with _store(db) as store, _reported():
        found = audit(store, loaded, on=day, scope=scope, language=language)
        built = build_report(
            store, loaded.hierarchy, chosen, as_of=day, scope=scope, language=language, audit=found
        )
        written = built.write(output)
    if as_json:
        targets = {
            t.id: {"units": t.totals.units, "met": t.totals.met, "founded": t.totals.founded}
            for t in built.targets
        }
        typer.echo(
            json.dumps({"report": str(written), "title": built.title, "targets": targets}, ensure_ascii=False)
        )
    else:
        typer.echo(f"{built.title}: {written}")

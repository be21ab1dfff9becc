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
    BY_DEFAULT,
    EXIT_ERROR,
    EXIT_USAGE,
    JsonOpt,
    Lang,
    WorkflowsOpt,
    _date,
    _fail,
    _language,
    _progress,
    _reported,
    _shown,
    _store,
    _url,
    app,
    shown,
)
from hoinghe.i18n import Text

if TYPE_CHECKING:
    from collections.abc import Iterator

    from hoinghe.reports import Report
    from hoinghe.sim import Rollout, Scenario, World
    from hoinghe.sim.montecarlo import MonteCarlo
    from hoinghe.storage import Store

ReportOpt = Annotated[
    Path | None,
    typer.Option(
        "--report",
        "-o",
        help=shown(
            Text(
                "Ghi báo cáo tiến độ vào đây: .html (có biểu đồ), .md hoặc .csv.",
                "Write the progress report here: .html (with charts), .md or .csv.",
            )
        ),
    ),
]
PlanOpt = Annotated[
    str,
    typer.Option(
        "--plan",
        help=shown(
            Text(
                "Kế hoạch có các chỉ tiêu mà báo cáo đối chiếu.",
                "The plan whose targets the report counts against.",
            )
        ),
    ),
]
LangReportOpt = Annotated[
    Lang | None,
    typer.Option(
        "--lang",
        show_default=False,
        help=shown(Text("Ngôn ngữ của báo cáo", "Language of the report") + BY_DEFAULT),
    ),
]


def _synthetic(text: str | None) -> tuple[int, int, int] | None:
    if text is None:
        return None
    try:
        provinces, districts, communes = (int(part) for part in text.split(","))
    except ValueError:
        msg = Text(
            f"--synthetic {text!r}: hãy cho số tỉnh,huyện,xã (mỗi tỉnh và mỗi huyện), ví dụ 1,7,20",
            f"--synthetic {text!r}: give provinces,districts,communes (per province and district), e.g. 1,7,20",
        )
        raise _fail(msg, EXIT_USAGE) from None
    if min(provinces, districts, communes) < 1:
        msg = Text(
            f"--synthetic {text!r}: mỗi con số phải ít nhất là 1",
            f"--synthetic {text!r}: every figure must be at least 1",
        )
        raise _fail(msg, EXIT_USAGE)
    return provinces, districts, communes


def _settings(items: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            msg = Text(
                f"--set {item!r}: hãy viết NAME=VALUE, ví dụ --set group_rate=1.5",
                f"--set {item!r}: write NAME=VALUE, e.g. --set group_rate=1.5",
            )
            raise _fail(msg, EXIT_USAGE)
        try:
            out[key.strip()] = json.loads(value)
        except ValueError:
            out[key.strip()] = value
    return out


_SIMULATE = Text(
    """Chạy mô phỏng một đợt triển khai qua bộ máy quy trình thật và so sánh với các chỉ tiêu của kế hoạch.

    Một lần chạy in ra số đơn vị đã thành lập so với từng chỉ tiêu và, với --report, ghi báo cáo sáu tháng hoặc
    báo cáo năm; nhiều lần chạy (--runs) cho xác suất đạt từng chỉ tiêu, kèm khoảng tin cậy.""",
    """Play a rollout through the real engine and compare it with the plan's targets.

    One run prints what was founded against each target and, with --report, writes the six-monthly or yearly
    report; several runs (--runs) give the chance of meeting each target, with an interval.""",
)


@app.command(help=shown(_SIMULATE))
def simulate(  # noqa: PLR0917 - typer passes a command's options as arguments
    province: Annotated[
        str | None,
        typer.Option(
            help=shown(
                Text(
                    "Một tỉnh, theo tên hoặc mã (Tuyên Quang, 08).",
                    "A province, by name or code (Tuyên Quang, 08).",
                )
            )
        ),
    ] = None,
    district: Annotated[
        str | None,
        typer.Option(
            help=shown(
                Text(
                    "Một huyện, theo tên hoặc mã (trong --province).",
                    "A district, by name or code (within --province).",
                )
            )
        ),
    ] = None,
    synthetic: Annotated[
        str | None,
        typer.Option(
            help=shown(
                Text(
                    "Thay vào đó, một địa bàn giả lập: số tỉnh,huyện,xã, ví dụ 1,7,20.",
                    "A made-up geography instead: provinces,districts,communes, e.g. 1,7,20.",
                )
            )
        ),
    ] = None,
    profile: Annotated[
        str,
        typer.Option(
            help=shown(
                Text(
                    "Hồ sơ cấu hình tổ chức (vn-2019 có cấp huyện).",
                    "The organisation profile (vn-2019 has districts).",
                )
            )
        ),
    ] = "vn-2019",
    plan: PlanOpt = "nq04-2019",
    until: Annotated[
        str | None,
        typer.Option(
            help=shown(
                Text(
                    "Ngày mô phỏng cuối cùng (YYYY-MM-DD); mặc định là hạn của kế hoạch.",
                    "Last simulated day (YYYY-MM-DD); the plan's deadline.",
                )
            )
        ),
    ] = None,
    seed: Annotated[
        int,
        typer.Option(
            help=shown(
                Text(
                    "Hạt giống ngẫu nhiên: cùng hạt giống cho cùng một đợt triển khai.",
                    "The seed: the same seed gives the same rollout.",
                )
            )
        ),
    ] = 0,
    runs: Annotated[
        int,
        typer.Option(
            help=shown(
                Text(
                    "Số lần chạy lặp (Monte Carlo) khi lớn hơn một.",
                    "Replicates (Monte Carlo) when more than one.",
                )
            )
        ),
    ] = 1,
    workers: Annotated[
        int,
        typer.Option(
            help=shown(Text("Số tiến trình chạy các lần lặp.", "Processes that run the replicates."))
        ),
    ] = 1,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help=shown(
                Text(
                    "Một thiết lập hành vi NAME=VALUE (group_rate=1.5, faulty_dossier=0.2); lặp lại để thêm.",
                    "A behaviour setting NAME=VALUE (group_rate=1.5, faulty_dossier=0.2); repeat.",
                )
            ),
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            show_default=False,
            help=shown(
                Text(
                    "Lưu đợt triển khai vào cơ sở dữ liệu (mới, trống) này; mặc định chỉ giữ trong bộ nhớ.",
                    "Keep the rollout in this (new, empty) database; in memory by default.",
                )
            ),
        ),
    ] = None,
    report: ReportOpt = None,
    lang: LangReportOpt = None,
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
        raise _fail(
            Text("--runs và --workers phải ít nhất là 1", "--runs and --workers must be at least 1"),
            EXIT_USAGE,
        )
    if runs > 1:
        if db is not None:
            msg = Text(
                "--db chỉ lưu một đợt triển khai; hãy dùng cùng --runs 1, hoặc bỏ --db khi chạy nhiều lần",
                "--db keeps one rollout; give --runs 1 with it, or drop --db for a study",
            )
            raise _fail(msg, EXIT_USAGE)
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
            msg = Text(
                f"{_shown(url)} đã có đơn vị hoặc hồ sơ; đợt triển khai chỉ được ghi vào cơ sở dữ liệu mới, trống",
                f"{_shown(url)} already holds units or cases; a rollout goes into a new, empty database",
            )
            raise _fail(msg, EXIT_ERROR)
        yield store


def _one(scenario: Scenario, world: World, *, seed: int, store: Store | None, as_json: bool) -> Rollout:
    from hoinghe.sim import play  # noqa: PLC0415

    plan = scenario.load_plan()
    first, last = scenario.start or plan.start, scenario.until or plan.deadline
    with _progress(enabled=not as_json, label=Text("đang mô phỏng", "simulating")) as progress, _reported():
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


def _report(rollout: Rollout, lang: Lang | None, odds: Any = ()) -> Report:
    from hoinghe.audit import audit  # noqa: PLC0415
    from hoinghe.reports import build_report  # noqa: PLC0415

    language = _language(lang)
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
            profile=rollout.world.profile,
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
    language = built.language
    table = Table(title=f"{built.title} — {rollout.world.scope.name}", title_justify="left")
    for i, column in enumerate(_ROLLOUT_HEAD):
        table.add_column(column.get(language), justify="left" if i == 0 else "right", no_wrap=i > 0)
    reasons = []
    for t in built.targets:
        if not t.applicable:
            # Said under the table: a sentence in a narrow cell would squeeze the figures out of sight.
            table.add_row(f"{t.title} (*)", "—", "—", "—", "—")
            reasons.append(f"(*) {t.title}: {t.reason}")
            continue
        share = f"{t.totals.met} ({t.totals.met / max(1, t.totals.units):.0%})"
        table.add_row(t.title, str(t.totals.units), share, str(t.totals.founded), str(t.totals.required))
    console.print(table)
    for reason in reasons:
        console.print(reason, highlight=False)
    withdrawn = counts["groups_withdrawn"] + counts["branches_withdrawn"]
    summary = Text(
        f"Đã thành lập {counts['groups_founded']} tổ hội và {counts['branches_founded']} chi hội; "
        f"{withdrawn} hồ sơ rút; {counts['refusals']} lần bị từ chối theo quy định; "
        f"{counts['fires']} bước trong {rollout.seconds:.1f} giây (seed {rollout.seed})",
        f"{counts['groups_founded']} groups and {counts['branches_founded']} branches founded, "
        f"{withdrawn} withdrawn, {counts['refusals']} refusals by the rules; "
        f"{counts['fires']} transitions in {rollout.seconds:.1f} s (seed {rollout.seed})",
    )
    console.print(summary.get(language))
    if path is not None:
        console.print(f"{_REPORT.get(language)}: {path}")


_ROLLOUT_HEAD = (
    Text("Chỉ tiêu", "Target"),
    Text("Đơn vị", "Units"),
    Text("Đạt", "Met"),
    Text("Đã thành lập", "Founded"),
    Text("Tối thiểu", "Required"),
)
_STUDY_HEAD = (
    Text("Chỉ tiêu", "Target"),
    Text("Ai", "Who"),
    Text("Xác suất đạt", "Probability"),
    Text("Khoảng tin cậy 95%", "95% interval"),
)
_REPORT = Text("báo cáo", "report")


def _study(
    scenario: Any,
    *,
    runs: int,
    seed: int,
    workers: int,
    report: Path | None,
    lang: Lang | None,
    as_json: bool,
) -> None:
    from hoinghe.sim import simulate  # noqa: PLC0415
    from hoinghe.sim.montecarlo import monte_carlo, replicate_seed  # noqa: PLC0415

    began = time.perf_counter()
    label = Text(f"{runs} lần chạy", f"{runs} runs")
    with _progress(enabled=not as_json, label=label) as progress, _reported():
        study = monte_carlo(scenario, runs=runs, seed=seed, workers=workers, progress=progress)
    language = _language(lang)
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
    title = Text(f"{study.runs} lần chạy, seed {study.seed}", f"{study.runs} runs, seed {study.seed}")
    table = Table(title=title.get(language), title_justify="left")
    for i, column in enumerate(_STUDY_HEAD):
        table.add_column(column.get(language), justify="left" if i <= 1 else "right", no_wrap=i > 1)
    for odds in study.odds(language):
        table.add_row(odds.target, odds.scope, f"{odds.probability:.0%}", f"{odds.low:.0%} – {odds.high:.0%}")
    console.print(table)
    console.print(Text(f"{seconds:.1f} giây", f"{seconds:.1f} s").get(language))
    if path is not None:
        console.print(f"{_REPORT.get(language)}: {path}")


@app.command(
    help=shown(
        Text(
            "Ghi báo cáo tiến độ sáu tháng hoặc báo cáo năm của một cơ sở dữ liệu so với các chỉ tiêu của kế hoạch.",
            "Write the six-monthly or yearly progress report of a database against a plan's targets.",
        )
    )
)
def report(  # noqa: PLR0917 - typer passes a command's options as arguments
    output: Annotated[
        Path,
        typer.Argument(
            help=shown(
                Text(
                    "Báo cáo cần ghi: .html (có biểu đồ), .md hoặc .csv.",
                    "The report to write: .html (with charts), .md or .csv.",
                )
            )
        ),
    ],
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="HOINGHE_DB",
            show_default=False,
            help=shown(
                Text(
                    "Cơ sở dữ liệu cần báo cáo (mặc định: sqlite:///hoinghe.db trong thư mục này).",
                    "The database to report on (by default sqlite:///hoinghe.db in this folder).",
                )
            ),
        ),
    ] = None,
    plan: PlanOpt = "nq04-2019",
    profile: Annotated[
        str,
        typer.Option(
            help=shown(
                Text(
                    "Hồ sơ cấu hình có hệ thống cấp mà các đơn vị tuân theo.",
                    "The profile whose hierarchy the units follow.",
                )
            )
        ),
    ] = "vn-2019",
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help=shown(
                Text(
                    "Ngày cuối cùng được tính (YYYY-MM-DD); mặc định là hôm nay.",
                    "The last day counted (YYYY-MM-DD); today.",
                )
            ),
        ),
    ] = None,
    scope: Annotated[
        str | None,
        typer.Option(
            help=shown(
                Text(
                    "Chỉ các đơn vị thuộc đơn vị này: mã một tỉnh hoặc một huyện.",
                    "Only this unit's subtree: a province or district id.",
                )
            )
        ),
    ] = None,
    lang: LangReportOpt = None,
    workflows: WorkflowsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the six-monthly or yearly progress report of a database against a plan's targets."""
    from hoinghe.audit import audit  # noqa: PLC0415
    from hoinghe.engine.clock import SystemClock  # noqa: PLC0415
    from hoinghe.loading import Library  # noqa: PLC0415
    from hoinghe.reports import build_report  # noqa: PLC0415

    day = _date(as_of, "--as-of") or SystemClock().today()
    language = _language(lang)
    with _reported():
        library = Library.from_paths(*(workflows or ()), shipped=True)
        loaded = library.profile(profile)
        chosen = library.plan(plan)
    with _store(db) as store, _reported():
        found = audit(store, loaded, on=day, scope=scope, language=language)
        built = build_report(
            store,
            loaded.hierarchy,
            chosen,
            as_of=day,
            scope=scope,
            language=language,
            audit=found,
            profile=loaded,
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

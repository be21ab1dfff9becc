"""Commands of outreach and training: import a union's sessions, count who they reached, rank the year."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hoinghe.cli._app import (
    _PROG,
    BY_DEFAULT,
    EXIT_USAGE,
    DbOpt,
    JsonOpt,
    Lang,
    WorkflowsOpt,
    _day_or_today,
    _language,
    _reported,
    _shown,
    _store,
    _url,
    app,
    shown,
)
from hoinghe.i18n import Text

if TYPE_CHECKING:
    from hoinghe.i18n import Language
    from hoinghe.org import Hierarchy
    from hoinghe.outreach import Coverage, Ranking, Share

outreach_app = typer.Typer(
    help=shown(
        Text(
            "Các buổi tuyên truyền và tập huấn: nhập danh sách, đếm số người được tiếp cận, xếp hạng xã và huyện "
            "(thi đua).",
            "Outreach sessions and trainings (tuyên truyền, tập huấn): import them, count who they reached, "
            "rank communes and districts (thi đua).",
        )
    ),
    no_args_is_help=True,
)
app.add_typer(outreach_app, name="outreach")

ProfileOpt = Annotated[
    str,
    typer.Option(
        "--profile",
        help=shown(
            Text(
                "Hồ sơ cấu hình có hệ thống cấp mà các đơn vị tuân theo.",
                "The profile whose hierarchy the units follow.",
            )
        ),
    ),
]
ScopeOpt = Annotated[
    str | None,
    typer.Option(
        help=shown(
            Text(
                "Chỉ địa bàn của đơn vị này: mã một tỉnh hoặc một huyện.",
                "Only this unit's area: a province or district id.",
            )
        )
    ),
]
LangOpt = Annotated[
    Lang | None,
    typer.Option(
        "--lang",
        show_default=False,
        help=shown(Text("Ngôn ngữ của các từ trong bảng", "Language of the table's words") + BY_DEFAULT),
    ),
]


def _hierarchy(profile: str, workflows: list[Path] | None) -> Hierarchy:
    from hoinghe.loading import load_profile  # noqa: PLC0415

    with _reported():
        return load_profile(profile, workflows or ()).hierarchy


_IMPORT = Text(
    """Thêm các buổi tuyên truyền và tập huấn từ tệp CSV của Hội, hoặc thay thế chúng theo mã.

    Hội viên và người thực hiện đã tham dự là các mã cách nhau bởi ";".  Mỗi dòng sai được in ra kèm số dòng; đơn
    vị, hội viên và người thực hiện được đối chiếu với cơ sở dữ liệu; còn vấn đề thì không nhập gì.""",
    """Add outreach sessions and trainings from a union's CSV file, or replace them by id.

    Members and actors who attended are ids separated by ";".  Every bad row is printed with its line, and units,
    members and actors are checked against the database; nothing is imported unless there is no problem.""",
)


@outreach_app.command("import", help=shown(_IMPORT))
def outreach_import(
    file: Annotated[
        Path,
        typer.Argument(
            help=shown(
                Text(
                    "Một tệp CSV: id,kind,unit,day,topic,members,actors,hours\\[,note].",
                    "A CSV file: id,kind,unit,day,topic,members,actors,hours\\[,note].",
                )
            )
        ),
    ],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add outreach sessions and trainings from a union's CSV file, or replace them by id.

    Members and actors who attended are ids separated by ";".  Every bad row is printed with its line, and units,
    members and actors are checked against the database; nothing is imported unless there is no problem.
    """
    from hoinghe.outreach import OutreachError, read_activities  # noqa: PLC0415

    with _store(db) as store:
        try:
            activities = read_activities(file, store=store)
        except OutreachError as exc:
            head, *lines = str(exc).splitlines()
            typer.echo(f"{_PROG}: {head}", err=True)
            for line in lines:
                typer.echo(line, err=True)
            raise typer.Exit(EXIT_USAGE) from None
        with _reported():
            store.put_activities(activities)
    counts = {kind: sum(a.kind == kind for a in activities) for kind in ("outreach", "training")}
    if as_json:
        typer.echo(json.dumps({"db": _shown(_url(db)), "activities": len(activities), **counts}))
    else:
        done = Text(
            f"đã nhập {len(activities)} hoạt động ({counts['outreach']} buổi tuyên truyền, {counts['training']} "
            f"buổi tập huấn) vào {_shown(_url(db))}",
            f"imported {len(activities)} activities ({counts['outreach']} outreach, {counts['training']} "
            f"training) into {_shown(_url(db))}",
        )
        typer.echo(str(done))


@outreach_app.command(
    "coverage",
    help=shown(
        Text(
            "Đếm số hội viên và cán bộ được tuyên truyền, số trưởng, phó chi hội, tổ hội được tập huấn.",
            "Count the members and cadres outreach reached, and the branch and group leaders training reached.",
        )
    ),
)
def outreach_coverage(  # noqa: PLR0917 - typer passes a command's options as arguments
    since: Annotated[
        str,
        typer.Option(
            help=shown(
                Text(
                    "Ngày đầu tiên được tính (YYYY-MM-DD), ví dụ ngày bắt đầu kế hoạch.",
                    "First day counted (YYYY-MM-DD), e.g. the plan's start.",
                )
            )
        ),
    ],
    until: Annotated[
        str,
        typer.Option(
            help=shown(Text("Ngày cuối cùng được tính (YYYY-MM-DD).", "Last day counted (YYYY-MM-DD)."))
        ),
    ],
    db: DbOpt = None,
    scope: ScopeOpt = None,
    profile: ProfileOpt = "vn-2019",
    workflows: WorkflowsOpt = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Count the members and cadres outreach reached, and the branch and group leaders training reached."""
    from hoinghe.outreach import coverage  # noqa: PLC0415

    first, last = _day_or_today(since, "--since"), _day_or_today(until, "--until")
    hierarchy = _hierarchy(profile, workflows)
    with _store(db) as store, _reported():
        found = coverage(store, hierarchy, since=first, until=last, scope=scope)
    if as_json:
        typer.echo(json.dumps(_coverage_json(found), ensure_ascii=False))
        return
    _print_coverage(found, _language(lang))


def _share_json(share: Share) -> dict[str, Any]:
    return {"reached": share.reached, "total": share.total, "share": share.share}


def _coverage_json(found: Coverage) -> dict[str, Any]:
    def counts(r: Any) -> dict[str, Any]:
        return {
            "outreach": r.outreach,
            "training": r.training,
            **{p: _share_json(getattr(r, p)) for p in ("members", "cadres", "leaders")},
        }

    return {
        "since": found.since.isoformat(),
        "until": found.until.isoformat(),
        "scope": found.scope,
        **counts(found),
        "districts": [{"unit": r.unit, "name": r.name, **counts(r)} for r in found.districts],
        "communes": [{"unit": r.unit, "name": r.name, **counts(r)} for r in found.communes],
    }


_COVERAGE_HEAD = (
    Text("Đơn vị", "Unit"),
    Text("Tuyên truyền", "Outreach"),
    Text("Tập huấn", "Training"),
    Text("Hội viên", "Members"),
    Text("Cán bộ", "Cadres"),
    Text("Trưởng, phó", "Leaders"),
)
_TOTAL = Text("Tổng cộng", "Total")


def _print_coverage(found: Coverage, language: Language) -> None:
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    rows = found.districts if len(found.districts) > 1 else found.communes
    title = f"{found.since.isoformat()} – {found.until.isoformat()}"
    table = Table(title=title, title_justify="left")
    for i, column in enumerate(_COVERAGE_HEAD):
        table.add_column(column.get(language), justify="left" if i == 0 else "right", no_wrap=i > 0)

    def shown(share: Share) -> str:
        ratio = share.share
        return f"{share.reached}/{share.total}" + ("" if ratio is None else f" ({ratio:.1%})")

    for r in rows:
        table.add_row(
            r.name, str(r.outreach), str(r.training), shown(r.members), shown(r.cadres), shown(r.leaders)
        )
    table.add_row(
        _TOTAL.get(language),
        str(found.outreach),
        str(found.training),
        shown(found.members),
        shown(found.cadres),
        shown(found.leaders),
        style="bold",
    )
    Console().print(table)


@outreach_app.command(
    "ranking",
    help=shown(
        Text(
            "Xếp hạng xã và huyện trong một năm theo các tiêu chí thi đua của kế hoạch.",
            "Rank communes and districts for a year by the plan's emulation criteria (thi đua).",
        )
    ),
)
def outreach_ranking(  # noqa: PLR0917 - typer passes a command's options as arguments
    year: Annotated[int, typer.Option(help=shown(Text("Năm được xếp hạng.", "The year ranked.")))],
    db: DbOpt = None,
    scope: ScopeOpt = None,
    plan: Annotated[
        str,
        typer.Option(
            "--plan",
            help=shown(
                Text(
                    "Kế hoạch có các tiêu chí thi đua được áp dụng.",
                    "The plan whose emulation criteria apply.",
                )
            ),
        ),
    ] = "nq04-2019",
    profile: ProfileOpt = "vn-2019",
    workflows: WorkflowsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rank communes and districts for a year by the plan's emulation criteria (thi đua)."""
    from hoinghe.loading import Library  # noqa: PLC0415
    from hoinghe.outreach import emulation  # noqa: PLC0415

    with _reported():
        library = Library.from_paths(*(workflows or ()), shipped=True)
        hierarchy = library.profile(profile).hierarchy
        chosen = library.plan(plan)
    with _store(db) as store, _reported():
        ranking = emulation(store, hierarchy, chosen, year=year, scope=scope)
    if as_json:
        typer.echo(json.dumps(_ranking_json(ranking), ensure_ascii=False))
        return
    for level, standings in ((_DISTRICT, ranking.districts), (_COMMUNE, ranking.communes)):
        for s in standings:
            typer.echo(f"{level} {s.rank:>4}  {s.score:6.1f}  {s.unit}  {s.name}")


_DISTRICT, _COMMUNE = Text("huyện", "district"), Text("xã", "commune")


def _ranking_json(ranking: Ranking) -> dict[str, Any]:
    def standing(s: Any) -> dict[str, Any]:
        values = {c.criterion: c.value for c in s.scores}
        return {"rank": s.rank, "unit": s.unit, "name": s.name, "score": s.score, "values": values}

    return {
        "year": ranking.year,
        "scope": ranking.scope,
        "criteria": {c.id: {"measure": c.measure, "weight": c.weight} for c in ranking.criteria},
        "districts": [standing(s) for s in ranking.districts],
        "communes": [standing(s) for s in ranking.communes],
    }

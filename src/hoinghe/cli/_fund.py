"""Commands of the Farmer Support Fund: ``hoinghe fund rank``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from hoinghe.cli._app import (
    BY_DEFAULT,
    DbOpt,
    JsonOpt,
    Lang,
    ProfileOpt,
    WorkflowsOpt,
    _day_or_today,
    _language,
    _profile,
    _reported,
    _store,
    app,
    shown,
)
from hoinghe.i18n import Text

if TYPE_CHECKING:
    from hoinghe.fund import Ranked
    from hoinghe.org.text import Language

fund_app = typer.Typer(
    help=shown(
        Text(
            "Quỹ Hỗ trợ nông dân: xếp thứ tự các hồ sơ vay vốn, ưu tiên đơn vị nghề nghiệp.",
            "The Farmer Support Fund (Quỹ hỗ trợ nông dân): rank loan applications, professional units first.",
        )
    ),
    no_args_is_help=True,
)
app.add_typer(fund_app, name="fund")

OnOpt = Annotated[
    str | None,
    typer.Option(
        "--on",
        help=shown(
            Text(
                "Ngày áp dụng quy tắc và trọng số (YYYY-MM-DD); mặc định là hôm nay.",
                "The day whose rules and weights apply (YYYY-MM-DD); today when not given.",
            )
        ),
    ),
]
ScopeOpt = Annotated[
    str | None,
    typer.Option(
        "--scope",
        help=shown(
            Text(
                "Chỉ hồ sơ của các tổ hội thuộc đơn vị này hoặc cấp dưới (một xã).",
                "Only applications of groups at or below this unit (a commune).",
            )
        ),
    ),
]
FundLangOpt = Annotated[
    Lang | None,
    typer.Option(
        "--lang",
        show_default=False,
        help=shown(Text("Ngôn ngữ của các lý do", "Language of the reasons") + BY_DEFAULT),
    ),
]

_RANK = Text(
    """Xếp các hồ sơ vay vốn đang mở theo thứ tự Quỹ cho vay, kèm lý do.

    Hội viên tổ hội, chi hội nghề nghiệp được xếp trước (theo tỷ lệ của họ trong số người vay), rồi đến hồ sơ đáp
    ứng mọi điều kiện của Nghị định 37/2023, rồi hồ sơ nộp sớm nhất, cuối cùng theo mã hồ sơ.  Trọng số là tham
    số của bộ quy tắc decree-37-2023 có hiệu lực vào ngày --on.

    Thoát với mã 0 dù có hồ sơ hay không; mã 1 khi không đọc được cơ sở dữ liệu, hồ sơ cấu hình hoặc dữ liệu của
    một hồ sơ, mã 2 khi tùy chọn sai.""",
    """Rank the open loan applications in the order the Fund finances them, with the reasons.

    Members of professional groups and branches come first (weighted by their share of the borrowers), then
    applications meeting every condition of Decree 37/2023, then the earliest submitted, then by case id.  The
    weights are parameters of the rule pack decree-37-2023 in force on --on.

    Exits 0 with or without applications; 1 when the database, profile or a case's data cannot be read, 2 on
    bad options.""",
)


@fund_app.command("rank", help=shown(_RANK))
def fund_rank(  # noqa: PLR0917 - typer passes a command's options as arguments
    db: DbOpt = None,
    profile: ProfileOpt = "vn-2025",
    on: OnOpt = None,
    scope: ScopeOpt = None,
    as_json: JsonOpt = False,
    lang: FundLangOpt = None,
    workflows: WorkflowsOpt = None,
) -> None:
    """Rank the open loan applications in the order the Fund finances them, with the reasons.

    Members of professional groups and branches come first (weighted by their share of the borrowers), then
    applications meeting every condition of Decree 37/2023, then the earliest submitted, then by case id.  The
    weights are parameters of the rule pack decree-37-2023 in force on --on.

    Exits 0 with or without applications; 1 when the database, profile or a case's data cannot be read, 2 on
    bad options.
    """
    day = _day_or_today(on)
    language: Language = _language(lang)
    with _reported():
        chosen = _profile(profile, workflows)
    from hoinghe.fund import rank  # noqa: PLC0415

    with _store(db) as store, _reported():
        ranking = rank(store, chosen, on=day, scope=scope)
    if as_json:
        out = {
            "on": day.isoformat(),
            "profile": chosen.id,
            "scope": scope,
            "applications": [r.as_dict(language) for r in ranking],
        }
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    _print_ranking(ranking, language)


def _print_ranking(ranking: list[Ranked], language: Language) -> None:
    if not ranking:
        typer.echo(Text("Không có hồ sơ vay vốn đang chờ.", "No open loan applications.").get(language))
        return
    for ranked in ranking:
        typer.echo(f"{ranked.position}. {ranked.case_id}  {ranked.subject}  {ranked.score:g}")
        for reason in ranked.reasons:
            typer.echo(f"   - {reason.get(language)}")

"""Commands of the audit: ``hoinghe audit`` (*rà soát*), and what a draft rule pack would change (``--with``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hoinghe.cli._app import (
    BY_DEFAULT,
    EXIT_USAGE,
    DbOpt,
    JsonOpt,
    Lang,
    ProfileOpt,
    WorkflowsOpt,
    _day_or_today,
    _fail,
    _language,
    _profile,
    _reported,
    _store,
    app,
    shown,
)
from hoinghe.i18n import Text

if TYPE_CHECKING:
    from hoinghe.audit import Audit, Consolidation, Difference, Finding, WhatIf
    from hoinghe.definitions import Profile
    from hoinghe.i18n import Language
    from hoinghe.storage import Store

OnOpt = Annotated[
    str | None,
    typer.Option(
        "--on",
        help=shown(
            Text(
                "Ngày áp dụng quy tắc (YYYY-MM-DD); mặc định là hôm nay.",
                "The day whose rules apply (YYYY-MM-DD); today when not given.",
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
                "Chỉ đơn vị này và các đơn vị bên dưới (một huyện, một xã).",
                "Only this unit and the units below it (a district, a commune).",
            )
        ),
    ),
]
DraftOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--with",
        help=shown(
            Text(
                "Một dự thảo bộ quy tắc (YAML, kind: rules): thay vào đó, liệt kê những gì dự thảo sẽ làm thay "
                "đổi. Bộ quy tắc trùng mã với một bộ đang có hiệu lực sẽ thay thế bộ đó; lặp lại để thêm.",
                "A draft rule pack (YAML, kind: rules): list what it would change instead. A pack with the id of a "
                "pack in force replaces it; repeat for more.",
            )
        ),
    ),
]
ConsolidateOpt = Annotated[
    bool,
    typer.Option(
        "--open-consolidation",
        help=shown(
            Text(
                "Mở hồ sơ củng cố (consolidate-unit) cho mỗi đơn vị chưa đạt, do --actor mở.",
                "Open a consolidation case (consolidate-unit) for each non-compliant unit, as --actor.",
            )
        ),
    ),
]
AuditActorOpt = Annotated[
    str | None,
    typer.Option(
        "--actor",
        "-a",
        help=shown(
            Text(
                "Ai mở hồ sơ củng cố: mã người thực hiện.", "Who opens the consolidation cases: an actor id."
            )
        ),
    ),
]
AuditLangOpt = Annotated[
    Lang | None,
    typer.Option(
        "--lang",
        show_default=False,
        help=shown(Text("Ngôn ngữ của các phát hiện", "Language of the findings") + BY_DEFAULT),
    ),
]

_AUDIT = Text(
    """Rà soát các chi hội, tổ hội nghề nghiệp đang hoạt động theo các quy tắc có hiệu lực.

    Mỗi đơn vị được kiểm tra theo các quy tắc mà quy trình thành lập của nó kiểm tra khi quyết định thành lập (số
    hội viên, cùng một ngành nghề, là hội viên Hội, độ tuổi ...), có hiệu lực vào ngày --on.  Mỗi phát hiện một
    dòng, sau đó là phần tổng hợp.  Với --with, thay vào đó liệt kê các đơn vị, hồ sơ đang mở và quyết định thành
    lập trước đây mà dự thảo bộ quy tắc sẽ làm thay đổi kết luận.

    Phát hiện là kết quả, không phải lỗi: lệnh thoát với mã 0 dù có phát hiện hay không (xem số lượng bằng
    --json); mã 1 khi không đọc được cơ sở dữ liệu, hồ sơ cấu hình hoặc dự thảo, mã 2 khi tùy chọn sai.""",
    """Audit active professional branches and groups against the rules in force (rà soát).

    Each unit is checked against the rules its founding workflow checks at the founding decision (size, one
    trade, union membership, age ...), in force on --on.  One line per finding, then a summary.  With --with, list
    instead the units, open cases and past founding decisions whose verdict a draft rule pack would change.

    Findings are a result, not a failure: the command exits 0 with or without them (read the counts with
    --json); 1 when the database, profile or draft cannot be read, 2 on bad options.""",
)


@app.command("audit", help=shown(_AUDIT))
def audit_units(  # noqa: PLR0917 - typer passes a command's options as arguments
    db: DbOpt = None,
    profile: ProfileOpt = "vn-2019",
    on: OnOpt = None,
    scope: ScopeOpt = None,
    draft: DraftOpt = None,
    open_consolidation: ConsolidateOpt = False,
    actor: AuditActorOpt = None,
    as_json: JsonOpt = False,
    lang: AuditLangOpt = None,
    workflows: WorkflowsOpt = None,
) -> None:
    """Audit active professional branches and groups against the rules in force (rà soát).

    Each unit is checked against the rules its founding workflow checks at the founding decision (size, one
    trade, union membership, age ...), in force on --on.  One line per finding, then a summary.  With --with, list
    instead the units, open cases and past founding decisions whose verdict a draft rule pack would change.

    Findings are a result, not a failure: the command exits 0 with or without them (read the counts with
    --json); 1 when the database, profile or draft cannot be read, 2 on bad options.
    """
    day = _day_or_today(on)
    if open_consolidation and actor is None:
        msg = Text(
            "--open-consolidation cần --actor: người mở các hồ sơ",
            "--open-consolidation needs --actor: who opens the cases",
        )
        raise _fail(msg, EXIT_USAGE)
    if open_consolidation and draft:
        msg = Text(
            "--open-consolidation dùng cho kết quả rà soát; hãy bỏ --with",
            "--open-consolidation acts on an audit; drop --with",
        )
        raise _fail(msg, EXIT_USAGE)
    language = _language(lang)
    with _reported():
        chosen = _profile(profile, workflows)
    if draft:
        from hoinghe.audit import compare, load_draft  # noqa: PLC0415

        with _reported():
            packs = load_draft(*draft)
        with _store(db) as store, _reported():
            whatif = compare(store, chosen, packs, on=day, scope=scope, language=language)
        _print_whatif(whatif, as_json=as_json)
        return
    from hoinghe.audit import audit  # noqa: PLC0415

    with _store(db) as store, _reported():
        found = audit(store, chosen, on=day, scope=scope, language=language)
        opened = (
            _consolidate(store, chosen, found, actor) if open_consolidation and actor is not None else None
        )
    _print_audit(found, opened, as_json=as_json)


def _consolidate(store: Store, profile: Profile, found: Audit, actor: str) -> list[Consolidation]:
    from hoinghe.audit import open_consolidation  # noqa: PLC0415
    from hoinghe.engine import Engine  # noqa: PLC0415

    engine = Engine(profile, store, listeners_in_background=False)
    try:
        return open_consolidation(engine, found, actor)
    finally:
        engine.close()


def _where(finding: Finding | Difference) -> str:
    place = finding.place
    commune = place.commune_name or "-"
    return f"{commune} · {place.unit_name} ({place.unit_id})"


def _print_audit(found: Audit, opened: list[Consolidation] | None, *, as_json: bool) -> None:
    language = found.language
    if as_json:
        out: dict[str, Any] = found.as_dict()
        if opened is not None:
            out["consolidation"] = [
                {
                    "unit_id": c.unit_id,
                    "case_id": c.case_id,
                    "opened": c.opened,
                    "reason": None
                    if c.reason is None
                    else {"vi": c.reason.get("vi"), "en": c.reason.get("en")},
                }
                for c in opened
            ]
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for f in found.findings:
        values = f" [{'; '.join(f.values)}]" if f.values else ""
        typer.echo(f"{_where(f)} · {f.rule_id}: {f.message.get(language)}{values}")
    typer.echo(found.summary())
    for c in opened or ():
        if c.opened:
            line = Text(
                f"đã mở hồ sơ củng cố: {c.unit_id} -> {c.case_id}",
                f"consolidation opened: {c.unit_id} -> {c.case_id}",
            )
        else:
            why = c.reason if c.reason is not None else Text.same("")
            line = Text(
                f"không mở hồ sơ cho {c.unit_id}: {why.vi}", f"not opened for {c.unit_id}: {why.get('en')}"
            )
        typer.echo(line.get(language))


def _print_whatif(whatif: WhatIf, *, as_json: bool) -> None:
    if as_json:
        typer.echo(whatif.to_json())
        return
    language = whatif.language
    for note in whatif.notes:
        typer.echo(f"{_NOTE.get(language)}: {note.code} {_in(note.message, language)}")
    for d in (*whatif.units, *whatif.cases, *whatif.decisions):
        step = f" · {d.case_id} {d.transition} ({d.day.isoformat()})" if d.case_id else ""
        change = f"{_VERDICTS[not d.before].get(language)} -> {_VERDICTS[not d.after].get(language)}"
        why = "; ".join(
            [f"+{f.rule_id}: {f.message.get(language)}" for f in d.gained]
            + [f"-{f.rule_id}: {f.message.get(language)}" for f in d.lost]
        )
        label = _in(_KINDS.get(d.kind, d.kind), language)
        typer.echo(f"{label}: {_where(d)}{step} · {change} · {why}")
    typer.echo(whatif.summary())


_NOTE = Text("lưu ý", "note")
_KINDS = {
    "unit": Text("đơn vị", "unit"),
    "case": Text("hồ sơ", "case"),
    "decision": Text("quyết định", "decision"),
}
_VERDICTS = (Text("đạt", "passes"), Text("chưa đạt", "fails"))


def _in(text: Text | str, language: Language | None) -> str:
    """A message in ``language`` (the one in force when not given); a plain string as it reads."""
    return text.get(language) if isinstance(text, Text) else text

"""Commands of the audit: ``hoinghe audit`` (*rà soát*), and what a draft rule pack would change (``--with``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hoinghe.cli._app import (
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
)

if TYPE_CHECKING:
    from hoinghe.audit import Audit, Consolidation, Difference, Finding, WhatIf
    from hoinghe.definitions import Profile
    from hoinghe.storage import Store

OnOpt = Annotated[
    str | None, typer.Option("--on", help="The day whose rules apply (YYYY-MM-DD); today when not given.")
]
ScopeOpt = Annotated[
    str | None, typer.Option("--scope", help="Only this unit and the units below it (a district, a commune).")
]
DraftOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--with",
        help="A draft rule pack (YAML, kind: rules): list what it would change instead. A pack with the id of a "
        "pack in force replaces it; repeat for more.",
    ),
]
ConsolidateOpt = Annotated[
    bool,
    typer.Option(
        "--open-consolidation",
        help="Open a consolidation case (consolidate-unit) for each non-compliant unit, as --actor.",
    ),
]
AuditActorOpt = Annotated[
    str | None, typer.Option("--actor", "-a", help="Who opens the consolidation cases: an actor id.")
]
AuditLangOpt = Annotated[Lang, typer.Option("--lang", help="Language of the findings.")]


@app.command("audit")
def audit_units(  # noqa: PLR0917 - typer passes a command's options as arguments
    db: DbOpt = None,
    profile: ProfileOpt = "vn-2019",
    on: OnOpt = None,
    scope: ScopeOpt = None,
    draft: DraftOpt = None,
    open_consolidation: ConsolidateOpt = False,
    actor: AuditActorOpt = None,
    as_json: JsonOpt = False,
    lang: AuditLangOpt = Lang.vi,
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
        raise _fail("--open-consolidation needs --actor: who opens the cases", EXIT_USAGE)
    if open_consolidation and draft:
        raise _fail("--open-consolidation acts on an audit; drop --with", EXIT_USAGE)
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
    vi = language == "vi"
    for c in opened or ():
        if c.opened:
            typer.echo(
                f"{'đã mở hồ sơ củng cố' if vi else 'consolidation opened'}: {c.unit_id} -> {c.case_id}"
            )
        else:
            why = c.reason.get(language) if c.reason is not None else ""
            typer.echo(f"{'không mở hồ sơ cho' if vi else 'not opened for'} {c.unit_id}: {why}")


def _print_whatif(whatif: WhatIf, *, as_json: bool) -> None:
    if as_json:
        typer.echo(whatif.to_json())
        return
    language = whatif.language
    vi = language == "vi"
    for note in whatif.notes:
        typer.echo(f"{'lưu ý' if vi else 'note'}: {note.code} {note.message}")
    labels = {"unit": "đơn vị", "case": "hồ sơ", "decision": "quyết định"} if vi else {}
    verdicts = ("đạt", "chưa đạt") if vi else ("passes", "fails")
    for d in (*whatif.units, *whatif.cases, *whatif.decisions):
        step = f" · {d.case_id} {d.transition} ({d.day.isoformat()})" if d.case_id else ""
        change = f"{verdicts[not d.before]} -> {verdicts[not d.after]}"
        why = "; ".join(
            [f"+{f.rule_id}: {f.message.get(language)}" for f in d.gained]
            + [f"-{f.rule_id}: {f.message.get(language)}" for f in d.lost]
        )
        typer.echo(f"{labels.get(d.kind, d.kind)}: {_where(d)}{step} · {change} · {why}")
    typer.echo(whatif.summary())

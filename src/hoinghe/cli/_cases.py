"""Commands on a database: db upgrade, org import, case open|fire|show|list, replay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from hoinghe.definitions import Profile, WorkflowDefinition
    from hoinghe.org import Unit
    from hoinghe.records import Case, Event
    from hoinghe.storage import Store

from hoinghe.cli._app import (
    EXIT_ERROR,
    EXIT_USAGE,
    ActorOpt,
    DataOpt,
    DbOpt,
    DocumentOpt,
    JsonOpt,
    KeyOpt,
    Lang,
    LangOpt,
    ProfileOpt,
    WorkflowsOpt,
    _blocker_json,
    _documents,
    _drafts,
    _echo_blocker,
    _engine,
    _fail,
    _json_object,
    _problems,
    _profile,
    _progress,
    _read_json,
    _record_json,
    _reported,
    _shown,
    _store,
    _structured,
    _url,
    app,
    case_app,
    db_app,
    org_app,
)


@db_app.command("upgrade")
def db_upgrade(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Create the database, or bring its schema up to this hoinghe's; print the schema version."""
    url = _url(db)
    if url == "memory://":
        raise _fail("memory:// keeps nothing between commands; give a SQL database URL", EXIT_USAGE)
    from hoinghe.storage import SqlStore  # noqa: PLC0415

    with _reported():
        store = SqlStore(url)  # creating the store creates or upgrades the schema
        try:
            version = store.upgrade()
        finally:
            store.close()
    if as_json:
        typer.echo(json.dumps({"db": _shown(url), "schema_version": version}))
    else:
        typer.echo(f"{_shown(url)}: schema version {version}")


@org_app.command("import")
def org_import(
    file: Annotated[
        Path, typer.Argument(help='A JSON file: {"units": [...], "members": [...], "actors": [...]}.')
    ],
    db: DbOpt = None,
    profile: ProfileOpt = "vn-2025",
    workflows: WorkflowsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add or replace units, members and actors from a JSON file (creating the database if needed).

    Field names are those of hoinghe's records (Unit, Member, Actor); dates are written YYYY-MM-DD; an actor's
    grants may be written "role@unit".  Levels and roles are checked against the profile, parents and grant units
    against the file and the database.  Every problem is printed; nothing is imported unless there are none.
    """
    from hoinghe.org import Actor, Member, Unit  # noqa: PLC0415

    content = _read_json(file)
    if not isinstance(content, dict) or set(content) - {"units", "members", "actors"}:
        raise _fail(f'{file}: expected a JSON object with "units", "members" and "actors" lists', EXIT_USAGE)
    problems: list[str] = []
    records: dict[str, list[Any]] = {}
    for key, cls in (("units", Unit), ("members", Member), ("actors", Actor)):
        items = content.get(key, [])
        if not isinstance(items, list):
            problems.append(f"{file}: $.{key}: expected a list")
            continue
        found = [_structured(cls, item, f"{file}: $.{key}[{i}]", problems) for i, item in enumerate(items)]
        records[key] = [r for r in found if r is not None]
        seen: set[str] = set()
        for i, record in enumerate(records[key]):
            if record.id in seen:
                problems.append(f"{file}: $.{key}[{i}].id: {record.id!r} appears twice")
            seen.add(record.id)
    if problems:
        raise _problems(problems)
    with _reported():
        resolved = _profile(profile, workflows)
    with _store(db, create=True) as store, _reported():
        problems = _org_problems(file, records, resolved, store)
        if problems:
            raise _problems(problems)
        store.put_org(units=records["units"], members=records["members"], actors=records["actors"])
    counts = {key: len(records[key]) for key in ("units", "members", "actors")}
    if as_json:
        typer.echo(json.dumps({"db": _shown(_url(db)), **counts}))
    else:
        typer.echo(
            f"imported {counts['units']} units, {counts['members']} members and {counts['actors']} actors "
            f"into {_shown(_url(db))}"
        )


def _org_problems(file: Path, records: dict[str, list[Any]], profile: Profile, store: Store) -> list[str]:
    from hoinghe.errors import NotFound  # noqa: PLC0415

    units = {u.id for u in records["units"]}

    def known(unit_id: str) -> bool:
        if unit_id in units:
            return True
        try:
            store.unit(unit_id)
        except NotFound:
            return False
        return True

    roles = {r.id for r in profile.roles}
    problems = []
    for i, unit in enumerate(records["units"]):
        if unit.level not in profile.hierarchy:
            problems.append(
                f"{file}: $.units[{i}].level: profile {profile.id} has no level {unit.level!r}; "
                f"levels: {', '.join(profile.hierarchy.ids)}"
            )
        if unit.parent is not None and not known(unit.parent):
            problems.append(
                f"{file}: $.units[{i}].parent: no unit {unit.parent!r} in the file or the database"
            )
    for i, actor in enumerate(records["actors"]):
        for j, grant in enumerate(actor.grants):
            if grant.role not in roles:
                problems.append(
                    f"{file}: $.actors[{i}].grants[{j}].role: profile {profile.id} has no role {grant.role!r}"
                )
            if not known(grant.unit):
                problems.append(
                    f"{file}: $.actors[{i}].grants[{j}].unit: no unit {grant.unit!r} in the file or the database"
                )
    return problems


# ------------------------------------------------------------------------------------------------ cases


def _new_unit(workflow: WorkflowDefinition, subject: str, options: dict[str, str | None]) -> Unit:
    """The unit a founding case proposes: SUBJECT as a JSON object, or its id with --name, --parent ..."""
    from hoinghe.org import Unit  # noqa: PLC0415

    spec = workflow.subject
    if subject.lstrip().startswith("{"):
        value = _json_object(subject, "SUBJECT")
        if any(options.values()):
            raise _fail("give the new unit either as a JSON object or with --name, --parent ..., not both", 2)
    else:
        missing = [f"--{k}" for k in ("name", "parent") if not options.get(k)]
        if missing:
            raise _fail(
                f"{workflow.id} founds a new unit: give its {' and '.join(missing)} "
                "(or SUBJECT as a JSON object of the unit)",
                EXIT_USAGE,
            )
        value = {"id": subject, **{k: v for k, v in options.items() if v is not None}}
    value = dict(value or {})
    if "level" not in value:
        if len(spec.level) != 1:
            raise _fail(f"{workflow.id} founds a {' or '.join(spec.level)}: say which with --level", 2)
        value["level"] = spec.level[0]
    if spec.kind is not None:
        value.setdefault("kind", spec.kind)
    problems: list[str] = []
    unit = _structured(Unit, value, "SUBJECT", problems)
    if unit is None:
        raise _problems(problems)
    return unit


@case_app.command("open")
def case_open(  # noqa: PLR0917 - typer passes a command's options as arguments
    workflow: Annotated[str, typer.Argument(help="The workflow: found-professional-group, review-unit ...")],
    subject: Annotated[
        str,
        typer.Argument(
            help="The unit the case is about; for a founding, the new unit's id (with --name and --parent) "
            "or the new unit as a JSON object."
        ),
    ],
    actor: ActorOpt,
    data: DataOpt = None,
    document: DocumentOpt = None,
    name: Annotated[str | None, typer.Option(help="Founding: the new unit's name.")] = None,
    parent: Annotated[str | None, typer.Option(help="Founding: the unit it sits under.")] = None,
    trade: Annotated[str | None, typer.Option(help="Founding: the shared trade (cam, lua ...).")] = None,
    level: Annotated[
        str | None, typer.Option(help="Founding: its level, when the workflow founds several.")
    ] = None,
    key: KeyOpt = None,
    profile: ProfileOpt = "vn-2025",
    workflows: WorkflowsOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Open a case of WORKFLOW about SUBJECT; print its id and state."""
    payload = _json_object(data, "--data")
    documents = _documents(document)
    with _store(db) as store, _reported(lang, as_json=as_json):
        engine = _engine(store, profile, workflows)
        definition = engine.profile.workflow(workflow)  # NotFound names the known ones
        founding = {"name": name, "parent": parent, "trade": trade, "level": level}
        if definition.subject.new:
            target: str | Unit = _new_unit(definition, subject, founding)
        elif any(founding.values()):
            raise _fail(
                f"{workflow} acts on an existing unit; --name, --parent, --trade and --level found one", 2
            )
        else:
            target = subject
        case = engine.open(workflow, target, actor, data=payload, documents=documents, idempotency_key=key)
    if as_json:
        typer.echo(json.dumps(_record_json(case), ensure_ascii=False, indent=2))
    else:
        typer.echo(
            f"{case.id} opened: {case.workflow} on {case.subject}, state {case.state} (version {case.version})"
        )


@case_app.command("fire")
def case_fire(  # noqa: PLR0917 - typer passes a command's options as arguments
    case_id: Annotated[str, typer.Argument(metavar="CASE", help="The case id.")],
    transition: Annotated[str, typer.Argument(help="The transition to fire.")],
    actor: ActorOpt,
    data: DataOpt = None,
    document: DocumentOpt = None,
    expected_version: Annotated[
        int | None, typer.Option(help="The case version you read; a case that moved on since is a conflict.")
    ] = None,
    key: KeyOpt = None,
    profile: ProfileOpt = "vn-2025",
    workflows: WorkflowsOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Fire TRANSITION on CASE; a refusal prints every blocker (exit 3)."""
    payload = _json_object(data, "--data")
    documents = _documents(document)
    with _store(db) as store, _reported(lang, as_json=as_json):
        engine = _engine(store, profile, workflows)
        case = engine.fire(
            case_id,
            transition,
            actor,
            data=payload,
            documents=documents,
            expected_version=expected_version,
            idempotency_key=key,
        )
    if as_json:
        typer.echo(json.dumps(_record_json(case), ensure_ascii=False, indent=2))
    else:
        closed = ", closed" if case.closed else ""
        typer.echo(f"{case.id}: {transition} fired; state {case.state} (version {case.version}{closed})")


@case_app.command("show")
def case_show(  # noqa: PLR0917 - typer passes a command's options as arguments
    case_id: Annotated[str, typer.Argument(metavar="CASE", help="The case id.")],
    actor: Annotated[
        str | None, typer.Option("--actor", "-a", help="Also list what this actor may do next, and why not.")
    ] = None,
    profile: ProfileOpt = "vn-2025",
    workflows: WorkflowsOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Show a case: state, version, data, documents, history and (with --actor) the transitions available."""
    with _store(db) as store, _reported(lang):
        case = store.case(case_id)
        history = store.events(case_id)
        options = _engine(store, profile, workflows).available(case_id, actor) if actor is not None else None
    if as_json:
        out: dict[str, Any] = {"case": _record_json(case), "history": [_record_json(e) for e in history]}
        if options is not None:
            out["available"] = [
                {
                    "transition": o.transition,
                    "target": o.target,
                    "allowed": o.allowed,
                    "blockers": [_blocker_json(b) for b in o.verdict.blockers],
                }
                for o in options
            ]
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    _echo_case(case, history)
    if options is not None:
        typer.echo(
            f"available to {actor}:"
            if options
            else f"available to {actor}: nothing (no way out of {case.state})"
        )
        for option in options:
            typer.echo(
                f"  {option.transition} -> {option.target}: {'allowed' if option.allowed else 'blocked'}"
            )
            for blocker in option.verdict.blockers:
                _echo_blocker(blocker, lang, "    ")


def _echo_case(case: Case, history: list[Event]) -> None:
    status = "closed" if case.closed else "open"
    typer.echo(f"{case.id}: {case.workflow} on {case.subject}")
    typer.echo(f"state: {case.state} (version {case.version}, {status}); definition {case.definition[:12]}")
    typer.echo(
        f"opened {case.opened_at.isoformat()} by {case.proposer}; in this state since {case.entered_at.isoformat()}"
    )
    typer.echo("data:" if case.data else "data: none")
    for name, value in case.data.items():
        typer.echo(f"  {name}: {json.dumps(_record_json_value(value), ensure_ascii=False)}")
    typer.echo("documents:" if case.documents else "documents: none")
    for document in case.documents:
        typer.echo(f"  {document.kind}: {document.uri}")
    for approval in case.approvals:
        typer.echo(f"approved {approval.transition} by {approval.actor} as {approval.body}")
    typer.echo("history:")
    for event in history:
        move = f"{event.from_state} -> {event.state}" if event.from_state else event.state
        what = f"{event.kind} {event.transition}" if event.transition else event.kind
        typer.echo(f"  {event.seq:>3}  {event.at.isoformat()}  {what}  by {event.actor}  {move}")


def _record_json_value(value: Any) -> Any:
    """Frozen case data as plain JSON values."""
    if isinstance(value, dict):
        return {k: _record_json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_record_json_value(v) for v in value]
    return value


@case_app.command("list")
def case_list(  # noqa: PLR0917 - typer passes a command's options as arguments
    workflow: Annotated[str | None, typer.Option(help="Only cases of this workflow.")] = None,
    state: Annotated[str | None, typer.Option(help="Only cases in this state.")] = None,
    subject: Annotated[str | None, typer.Option(help="Only cases about this unit.")] = None,
    running: Annotated[
        bool | None, typer.Option("--open/--closed", help="Only running cases, or only closed ones.")
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List cases, in the order they were opened: id, workflow, subject, state, version."""
    with _store(db) as store, _reported():
        cases = list(
            store.cases(
                workflow=workflow,
                subject=subject,
                state=state,
                closed=None if running is None else not running,
            )
        )
    if as_json:
        typer.echo(json.dumps([_record_json(c) for c in cases], ensure_ascii=False, indent=2))
        return
    for case in cases:
        status = "closed" if case.closed else "open"
        typer.echo(f"{case.id}  {case.workflow}  {case.subject}  {case.state}  v{case.version}  {status}")
    typer.echo(f"{len(cases)} case{'s' if len(cases) != 1 else ''}", err=True)


@app.command("replay")
def replay_command(
    db: DbOpt = None,
    case: Annotated[list[str] | None, typer.Option("--case", help="Only this case; repeat for more.")] = None,
    drafts: Annotated[
        list[Path] | None,
        typer.Option(
            "--with",
            help="An edited workflow (YAML) to check the logs against, in place of the versions its cases ran on.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Rebuild every case from its events and compare it with the stored case and its definition.

    Prints each difference (case, field, stored, rebuilt) and each event its definition does not allow (case,
    event number, what the definition expects); exit 1 when there is any.
    """
    from hoinghe.engine.replay import replay  # noqa: PLC0415

    definitions = _drafts(drafts)
    with _store(db) as store, _reported(), _progress(enabled=not as_json) as progress:
        report = replay(store, case_ids=case, definitions=definitions, progress=progress)
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2, default=str))
    else:
        *lines, summary = report.describe().splitlines()
        for line in lines:
            typer.echo(line)
        typer.echo(summary, err=True)
    if not report.clean:
        raise typer.Exit(EXIT_ERROR)

"""Commands on a database: db upgrade, org import, case open|fire|show|list, replay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from hoinghe.definitions import Profile, WorkflowDefinition
    from hoinghe.i18n import Language
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
    _language,
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
    shown,
)
from hoinghe.i18n import Text


@db_app.command(
    "upgrade",
    help=shown(
        Text(
            "Tạo cơ sở dữ liệu, hoặc nâng lược đồ lên phiên bản của hoinghe này; in ra phiên bản lược đồ.",
            "Create the database, or bring its schema up to this hoinghe's; print the schema version.",
        )
    ),
)
def db_upgrade(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Create the database, or bring its schema up to this hoinghe's; print the schema version."""
    url = _url(db)
    if url == "memory://":
        msg = Text(
            "memory:// không lưu gì giữa các lệnh; hãy cho một URL cơ sở dữ liệu SQL",
            "memory:// keeps nothing between commands; give a SQL database URL",
        )
        raise _fail(msg, EXIT_USAGE)
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
        typer.echo(
            str(
                Text(
                    f"{_shown(url)}: lược đồ phiên bản {version}", f"{_shown(url)}: schema version {version}"
                )
            )
        )


_ORG_IMPORT = Text(
    """Thêm hoặc thay thế đơn vị, hội viên và người thực hiện từ một tệp JSON (tạo cơ sở dữ liệu nếu chưa có).

    Tên trường là tên trong các bản ghi của hoinghe (Unit, Member, Actor); ngày viết dạng YYYY-MM-DD; quyền
    (grants) của người thực hiện có thể viết "role@unit".  Cấp và vai trò được đối chiếu với hồ sơ cấu hình,
    đơn vị cấp trên và đơn vị được trao quyền được đối chiếu với tệp và cơ sở dữ liệu.  Mọi vấn đề đều được in
    ra; còn vấn đề thì không nhập gì.""",
    """Add or replace units, members and actors from a JSON file (creating the database if needed).

    Field names are those of hoinghe's records (Unit, Member, Actor); dates are written YYYY-MM-DD; an actor's
    grants may be written "role@unit".  Levels and roles are checked against the profile, parents and grant units
    against the file and the database.  Every problem is printed; nothing is imported unless there are none.""",
)


@org_app.command("import", help=shown(_ORG_IMPORT))
def org_import(
    file: Annotated[
        Path,
        typer.Argument(
            help=shown(
                Text(
                    'Một tệp JSON: {"units": [...], "members": [...], "actors": [...]}.',
                    'A JSON file: {"units": [...], "members": [...], "actors": [...]}.',
                )
            )
        ),
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
        msg = Text(
            f'{file}: cần một đối tượng JSON có các danh sách "units", "members" và "actors"',
            f'{file}: expected a JSON object with "units", "members" and "actors" lists',
        )
        raise _fail(msg, EXIT_USAGE)
    problems: list[Text] = []
    records: dict[str, list[Any]] = {}
    for key, cls in (("units", Unit), ("members", Member), ("actors", Actor)):
        items = content.get(key, [])
        if not isinstance(items, list):
            problems.append(Text(f"{file}: $.{key}: cần một danh sách", f"{file}: $.{key}: expected a list"))
            continue
        found = [_structured(cls, item, f"{file}: $.{key}[{i}]", problems) for i, item in enumerate(items)]
        records[key] = [r for r in found if r is not None]
        seen: set[str] = set()
        for i, record in enumerate(records[key]):
            if record.id in seen:
                problems.append(
                    Text(
                        f"{file}: $.{key}[{i}].id: {record.id!r} xuất hiện hai lần",
                        f"{file}: $.{key}[{i}].id: {record.id!r} appears twice",
                    )
                )
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
        done = Text(
            f"đã nhập {counts['units']} đơn vị, {counts['members']} hội viên và {counts['actors']} người "
            f"thực hiện vào {_shown(_url(db))}",
            f"imported {counts['units']} units, {counts['members']} members and {counts['actors']} actors "
            f"into {_shown(_url(db))}",
        )
        typer.echo(str(done))


def _org_problems(file: Path, records: dict[str, list[Any]], profile: Profile, store: Store) -> list[Text]:
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
    problems: list[Text] = []
    for i, unit in enumerate(records["units"]):
        if unit.level not in profile.hierarchy:
            problems.append(
                Text(
                    f"{file}: $.units[{i}].level: hồ sơ cấu hình {profile.id} không có cấp {unit.level!r}; "
                    f"các cấp: {', '.join(profile.hierarchy.ids)}",
                    f"{file}: $.units[{i}].level: profile {profile.id} has no level {unit.level!r}; "
                    f"levels: {', '.join(profile.hierarchy.ids)}",
                )
            )
        if unit.parent is not None and not known(unit.parent):
            problems.append(
                Text(
                    f"{file}: $.units[{i}].parent: không có đơn vị {unit.parent!r} trong tệp "
                    "hay trong cơ sở dữ liệu",
                    f"{file}: $.units[{i}].parent: no unit {unit.parent!r} in the file or the database",
                )
            )
    for i, actor in enumerate(records["actors"]):
        for j, grant in enumerate(actor.grants):
            if grant.role not in roles:
                problems.append(
                    Text(
                        f"{file}: $.actors[{i}].grants[{j}].role: hồ sơ cấu hình {profile.id} "
                        f"không có vai trò {grant.role!r}",
                        f"{file}: $.actors[{i}].grants[{j}].role: profile {profile.id} has no role {grant.role!r}",
                    )
                )
            if not known(grant.unit):
                problems.append(
                    Text(
                        f"{file}: $.actors[{i}].grants[{j}].unit: không có đơn vị {grant.unit!r} trong tệp "
                        "hay trong cơ sở dữ liệu",
                        f"{file}: $.actors[{i}].grants[{j}].unit: no unit {grant.unit!r} in the file or the database",
                    )
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
            msg = Text(
                "hãy cho đơn vị mới hoặc dưới dạng đối tượng JSON, hoặc bằng --name, --parent ..., "
                "không dùng cả hai",
                "give the new unit either as a JSON object or with --name, --parent ..., not both",
            )
            raise _fail(msg, EXIT_USAGE)
    else:
        missing = [f"--{k}" for k in ("name", "parent") if not options.get(k)]
        if missing:
            msg = Text(
                f"{workflow.id} thành lập một đơn vị mới: hãy cho {' và '.join(missing)} của đơn vị "
                "(hoặc SUBJECT là đối tượng JSON của đơn vị)",
                f"{workflow.id} founds a new unit: give its {' and '.join(missing)} "
                "(or SUBJECT as a JSON object of the unit)",
            )
            raise _fail(msg, EXIT_USAGE)
        value = {"id": subject, **{k: v for k, v in options.items() if v is not None}}
    value = dict(value or {})
    if "level" not in value:
        if len(spec.level) != 1:
            msg = Text(
                f"{workflow.id} thành lập đơn vị cấp {' hoặc '.join(spec.level)}: hãy chọn cấp bằng --level",
                f"{workflow.id} founds a {' or '.join(spec.level)}: say which with --level",
            )
            raise _fail(msg, EXIT_USAGE)
        value["level"] = spec.level[0]
    if spec.kind is not None:
        value.setdefault("kind", spec.kind)
    problems: list[Text] = []
    unit = _structured(Unit, value, "SUBJECT", problems)
    if unit is None:
        raise _problems(problems)
    return unit


@case_app.command(
    "open",
    help=shown(
        Text(
            "Mở một hồ sơ của quy trình WORKFLOW về đơn vị SUBJECT; in ra mã và trạng thái của hồ sơ.",
            "Open a case of WORKFLOW about SUBJECT; print its id and state.",
        )
    ),
)
def case_open(  # noqa: PLR0917 - typer passes a command's options as arguments
    workflow: Annotated[
        str,
        typer.Argument(
            help=shown(
                Text(
                    "Quy trình: found-professional-group, review-unit ...",
                    "The workflow: found-professional-group, review-unit ...",
                )
            )
        ),
    ],
    subject: Annotated[
        str,
        typer.Argument(
            help=shown(
                Text(
                    "Đơn vị mà hồ sơ nói đến; khi thành lập, là mã của đơn vị mới (cùng --name và --parent) "
                    "hoặc đơn vị mới dưới dạng đối tượng JSON.",
                    "The unit the case is about; for a founding, the new unit's id (with --name and --parent) "
                    "or the new unit as a JSON object.",
                )
            )
        ),
    ],
    actor: ActorOpt,
    data: DataOpt = None,
    document: DocumentOpt = None,
    name: Annotated[
        str | None,
        typer.Option(help=shown(Text("Thành lập: tên của đơn vị mới.", "Founding: the new unit's name."))),
    ] = None,
    parent: Annotated[
        str | None,
        typer.Option(
            help=shown(Text("Thành lập: đơn vị cấp trên trực tiếp.", "Founding: the unit it sits under."))
        ),
    ] = None,
    trade: Annotated[
        str | None,
        typer.Option(
            help=shown(
                Text(
                    "Thành lập: ngành nghề chung (cam, lua ...).",
                    "Founding: the shared trade (cam, lua ...).",
                )
            )
        ),
    ] = None,
    level: Annotated[
        str | None,
        typer.Option(
            help=shown(
                Text(
                    "Thành lập: cấp của đơn vị, khi quy trình thành lập được nhiều cấp.",
                    "Founding: its level, when the workflow founds several.",
                )
            )
        ),
    ] = None,
    key: KeyOpt = None,
    profile: ProfileOpt = "vn-2025",
    workflows: WorkflowsOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
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
            msg = Text(
                f"{workflow} áp dụng cho một đơn vị đã có; --name, --parent, --trade và --level chỉ dùng "
                "khi thành lập đơn vị mới",
                f"{workflow} acts on an existing unit; --name, --parent, --trade and --level found one",
            )
            raise _fail(msg, EXIT_USAGE)
        else:
            target = subject
        case = engine.open(workflow, target, actor, data=payload, documents=documents, idempotency_key=key)
    if as_json:
        typer.echo(json.dumps(_record_json(case), ensure_ascii=False, indent=2))
    else:
        done = Text(
            f"Đã mở hồ sơ {case.id}: {case.workflow} về {case.subject}, trạng thái {case.state} "
            f"(phiên bản {case.version})",
            f"{case.id} opened: {case.workflow} on {case.subject}, state {case.state} (version {case.version})",
        )
        typer.echo(done.get(_language(lang)))


CaseArg = Annotated[str, typer.Argument(metavar="CASE", help=shown(Text("Mã hồ sơ.", "The case id.")))]


@case_app.command(
    "fire",
    help=shown(
        Text(
            "Thực hiện bước chuyển TRANSITION trên hồ sơ CASE; nếu bị từ chối, in ra mọi lý do (mã thoát 3).",
            "Fire TRANSITION on CASE; a refusal prints every blocker (exit 3).",
        )
    ),
)
def case_fire(  # noqa: PLR0917 - typer passes a command's options as arguments
    case_id: CaseArg,
    transition: Annotated[
        str, typer.Argument(help=shown(Text("Bước chuyển cần thực hiện.", "The transition to fire.")))
    ],
    actor: ActorOpt,
    data: DataOpt = None,
    document: DocumentOpt = None,
    expected_version: Annotated[
        int | None,
        typer.Option(
            help=shown(
                Text(
                    "Phiên bản hồ sơ bạn đã đọc; nếu hồ sơ đã thay đổi từ đó thì là xung đột.",
                    "The case version you read; a case that moved on since is a conflict.",
                )
            )
        ),
    ] = None,
    key: KeyOpt = None,
    profile: ProfileOpt = "vn-2025",
    workflows: WorkflowsOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
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
        closed = Text(", đã kết thúc", ", closed") if case.closed else Text.same("")
        done = Text(
            f"{case.id}: đã thực hiện {transition}; trạng thái {case.state} "
            f"(phiên bản {case.version}{closed.vi})",
            f"{case.id}: {transition} fired; state {case.state} (version {case.version}{closed.get('en')})",
        )
        typer.echo(done.get(_language(lang)))


@case_app.command(
    "show",
    help=shown(
        Text(
            "Xem một hồ sơ: trạng thái, phiên bản, dữ liệu, tài liệu, lịch sử và (với --actor) các bước chuyển "
            "có thể thực hiện.",
            "Show a case: state, version, data, documents, history and (with --actor) the transitions available.",
        )
    ),
)
def case_show(  # noqa: PLR0917 - typer passes a command's options as arguments
    case_id: CaseArg,
    actor: Annotated[
        str | None,
        typer.Option(
            "--actor",
            "-a",
            help=shown(
                Text(
                    "Liệt kê thêm những gì người thực hiện này có thể làm tiếp, và lý do nếu không được.",
                    "Also list what this actor may do next, and why not.",
                )
            ),
        ),
    ] = None,
    profile: ProfileOpt = "vn-2025",
    workflows: WorkflowsOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
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
                    "blockers": [_blocker_json(b, lang) for b in o.verdict.blockers],
                }
                for o in options
            ]
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    language = _language(lang)
    _echo_case(case, history, language)
    if options is not None:
        heading = (
            Text(f"{actor} có thể thực hiện:", f"available to {actor}:")
            if options
            else Text(
                f"{actor} có thể thực hiện: không có gì (không có bước chuyển nào ra khỏi {case.state})",
                f"available to {actor}: nothing (no way out of {case.state})",
            )
        )
        typer.echo(heading.get(language))
        for option in options:
            verdict = _ALLOWED if option.allowed else _BLOCKED
            typer.echo(f"  {option.transition} -> {option.target}: {verdict.get(language)}")
            for blocker in option.verdict.blockers:
                _echo_blocker(blocker, lang, "    ")


_ALLOWED, _BLOCKED = Text("được phép", "allowed"), Text("bị chặn", "blocked")
_OPEN, _CLOSED = Text("đang mở", "open"), Text("đã kết thúc", "closed")


def _echo_case(case: Case, history: list[Event], language: Language) -> None:
    status = _CLOSED if case.closed else _OPEN
    lines = [
        Text(
            f"{case.id}: {case.workflow} về {case.subject}", f"{case.id}: {case.workflow} on {case.subject}"
        ),
        Text(
            f"trạng thái: {case.state} (phiên bản {case.version}, {status.vi}); định nghĩa {case.definition[:12]}",
            f"state: {case.state} (version {case.version}, {status.get('en')}); definition {case.definition[:12]}",
        ),
        Text(
            f"{case.proposer} mở lúc {case.opened_at.isoformat()}; ở trạng thái này từ {case.entered_at.isoformat()}",
            f"opened {case.opened_at.isoformat()} by {case.proposer}; in this state since "
            f"{case.entered_at.isoformat()}",
        ),
        Text("dữ liệu:", "data:") if case.data else Text("dữ liệu: không có", "data: none"),
    ]
    for line in lines:
        typer.echo(line.get(language))
    for name, value in case.data.items():
        typer.echo(f"  {name}: {json.dumps(_record_json_value(value), ensure_ascii=False)}")
    documents = (
        Text("tài liệu:", "documents:") if case.documents else Text("tài liệu: không có", "documents: none")
    )
    typer.echo(documents.get(language))
    for document in case.documents:
        typer.echo(f"  {document.kind}: {document.uri}")
    for approval in case.approvals:
        approved = Text(
            f"{approval.actor} đã phê duyệt {approval.transition} với tư cách {approval.body}",
            f"approved {approval.transition} by {approval.actor} as {approval.body}",
        )
        typer.echo(approved.get(language))
    typer.echo(Text("lịch sử:", "history:").get(language))
    for event in history:
        move = f"{event.from_state} -> {event.state}" if event.from_state else event.state
        what = f"{event.kind} {event.transition}" if event.transition else event.kind
        line = Text(
            f"  {event.seq:>3}  {event.at.isoformat()}  {what}  bởi {event.actor}  {move}",
            f"  {event.seq:>3}  {event.at.isoformat()}  {what}  by {event.actor}  {move}",
        )
        typer.echo(line.get(language))


def _record_json_value(value: Any) -> Any:
    """Frozen case data as plain JSON values."""
    if isinstance(value, dict):
        return {k: _record_json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_record_json_value(v) for v in value]
    return value


@case_app.command(
    "list",
    help=shown(
        Text(
            "Liệt kê các hồ sơ theo thứ tự mở: mã, quy trình, đơn vị, trạng thái, phiên bản.",
            "List cases, in the order they were opened: id, workflow, subject, state, version.",
        )
    ),
)
def case_list(  # noqa: PLR0917 - typer passes a command's options as arguments
    workflow: Annotated[
        str | None,
        typer.Option(help=shown(Text("Chỉ các hồ sơ của quy trình này.", "Only cases of this workflow."))),
    ] = None,
    state: Annotated[
        str | None,
        typer.Option(help=shown(Text("Chỉ các hồ sơ ở trạng thái này.", "Only cases in this state."))),
    ] = None,
    subject: Annotated[
        str | None,
        typer.Option(help=shown(Text("Chỉ các hồ sơ về đơn vị này.", "Only cases about this unit."))),
    ] = None,
    running: Annotated[
        bool | None,
        typer.Option(
            "--open/--closed",
            help=shown(
                Text(
                    "Chỉ các hồ sơ đang mở, hoặc chỉ các hồ sơ đã kết thúc.",
                    "Only running cases, or only closed ones.",
                )
            ),
        ),
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
        status = _CLOSED if case.closed else _OPEN
        typer.echo(f"{case.id}  {case.workflow}  {case.subject}  {case.state}  v{case.version}  {status}")
    count = Text(f"{len(cases)} hồ sơ", f"{len(cases)} case{'s' if len(cases) != 1 else ''}")
    typer.echo(str(count), err=True)


_REPLAY = Text(
    """Dựng lại mọi hồ sơ từ các sự kiện của nó rồi so sánh với hồ sơ đã lưu và với định nghĩa của nó.

    In ra từng khác biệt (hồ sơ, trường, giá trị đã lưu, giá trị dựng lại) và từng sự kiện mà định nghĩa không
    cho phép (hồ sơ, số thứ tự sự kiện, điều định nghĩa yêu cầu); thoát với mã 1 nếu có.""",
    """Rebuild every case from its events and compare it with the stored case and its definition.

    Prints each difference (case, field, stored, rebuilt) and each event its definition does not allow (case,
    event number, what the definition expects); exit 1 when there is any.""",
)


@app.command("replay", help=shown(_REPLAY))
def replay_command(
    db: DbOpt = None,
    case: Annotated[
        list[str] | None,
        typer.Option(
            "--case", help=shown(Text("Chỉ hồ sơ này; lặp lại để thêm.", "Only this case; repeat for more."))
        ),
    ] = None,
    drafts: Annotated[
        list[Path] | None,
        typer.Option(
            "--with",
            help=shown(
                Text(
                    "Một quy trình đã sửa (YAML) để đối chiếu với nhật ký, thay cho các phiên bản mà hồ sơ "
                    "đã chạy.",
                    "An edited workflow (YAML) to check the logs against, in place of the versions its cases "
                    "ran on.",
                )
            ),
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

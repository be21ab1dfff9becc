"""The ``hoinghe`` command.

Imports of the library happen inside each command, so ``hoinghe --help`` starts fast.  Errors print one clear line
per problem and exit non-zero; ``--json`` gives machine-readable output where a program reads it.

Exit codes of the commands on a database (``db``, ``org``, ``case``, ``replay``): 0 done; 1 not found, a storage
failure, an invalid definition, or (``replay``) differences found; 2 bad input (JSON, options, an organisation
file); 3 refused (every blocker is printed); 4 conflict (the case moved on, or an idempotency key was reused).
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from hoinghe.definitions import Profile, WorkflowDefinition
    from hoinghe.engine import Blocker, Engine, Verdict
    from hoinghe.errors import Diagnostic
    from hoinghe.loading import Library
    from hoinghe.org import Unit
    from hoinghe.records import Case, Event
    from hoinghe.storage import Store

__all__ = ["app", "main"]

app = typer.Typer(
    name="hoinghe",
    help="Workflows, rules and rollouts for professional farmer branches and groups "
    "(chi hội, tổ hội nông dân nghề nghiệp).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class DiagramFormat(StrEnum):
    mermaid = "mermaid"
    dot = "dot"
    svg = "svg"


class Lang(StrEnum):
    vi = "vi"
    en = "en"


class TableFormat(StrEnum):
    md = "md"
    json = "json"


PathsArg = Annotated[
    list[Path] | None,
    typer.Option(
        "--path", "-p", help="Extra YAML files or folders (a province's profiles, workflows, packs)."
    ),
]


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"hoinghe: {message}", err=True)
    return typer.Exit(code)


def _library(paths: list[Path] | None) -> Library:
    from hoinghe.loading import Library  # noqa: PLC0415 - lazy, for a fast --help

    return Library.from_paths(*(paths or []), shipped=True)


def _print_diagnostics(diagnostics: list[Diagnostic], as_json: bool, files: int) -> None:
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    if as_json:
        out = {
            "files": files,
            "errors": errors,
            "warnings": warnings,
            "diagnostics": [d.to_json() for d in diagnostics],
        }
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for d in diagnostics:
        typer.echo(str(d))
    summary = f"{files} file{'s' if files != 1 else ''} checked: {errors} error{'s' if errors != 1 else ''}"
    typer.echo(
        f"{summary}, {warnings} warning{'s' if warnings != 1 else ''}"
        if diagnostics
        else f"{summary}; all clean",
        err=True,
    )


@app.command()
def check(
    paths: Annotated[list[Path], typer.Argument(help="YAML files or folders to check.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print diagnostics as JSON.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
) -> None:
    """Check profiles, workflows and rule packs; one line per problem as file:line:col: CODE message.

    The shipped profiles and packs are read too, so a province's profile may extend them.
    Exit 0 when clean, 1 when there are errors (or warnings, with --strict).
    """
    from hoinghe.loading import Library, shipped_path  # noqa: PLC0415

    library = Library.from_paths(*paths, shipped=True)
    targets = {str(p.resolve()) for p in paths}
    shipped = str(shipped_path().resolve())
    mine = [d for d in library.check() if d.location is None or _inside(d.location.file, targets, shipped)]
    files = sum(1 for f in library.files if _inside(f, targets, shipped))
    _print_diagnostics(mine, as_json, files)
    if any(d.is_error for d in mine) or (strict and mine):
        raise typer.Exit(1)


def _inside(file: str, targets: set[str], shipped: str) -> bool:
    resolved = str(Path(file).resolve())
    if any(resolved == t or resolved.startswith(t.rstrip("/") + "/") for t in targets):
        return True
    return not resolved.startswith(shipped)


@app.command()
def schema(
    kind: Annotated[
        str | None, typer.Option(help="profile, workflow or rules; all three when omitted.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write <kind>.schema.json files here.")
    ] = None,
) -> None:
    """Print the JSON Schema (draft-07) of hoinghe's YAML documents, for editor completion."""
    from hoinghe.loading import KINDS, json_schema  # noqa: PLC0415

    kinds = [kind] if kind else list(KINDS)
    for k in kinds:
        if k not in KINDS:
            raise _fail(f"no document kind {k!r}; kinds are {', '.join(KINDS)}", 2)
    schemas = {k: json_schema(k) for k in kinds}
    if output is not None:
        output.mkdir(parents=True, exist_ok=True)
        for k, s in schemas.items():
            (output / f"{k}.schema.json").write_text(
                json.dumps(s, ensure_ascii=False, indent=2) + "\n", "utf-8"
            )
            typer.echo(str(output / f"{k}.schema.json"))
        return
    typer.echo(json.dumps(schemas[kinds[0]] if kind else schemas, ensure_ascii=False, indent=2))


@app.command()
def diagram(
    workflow: Annotated[str, typer.Argument(help="A workflow id (shipped or under --path) or a YAML file.")],
    fmt: Annotated[
        DiagramFormat, typer.Option("--format", "-f", help="Output format.")
    ] = DiagramFormat.mermaid,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of state names.")] = Lang.vi,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
    paths: PathsArg = None,
) -> None:
    """Draw a workflow: Mermaid stateDiagram-v2 text, Graphviz DOT, or SVG (needs Graphviz)."""
    from hoinghe.definitions import WorkflowDefinition  # noqa: PLC0415
    from hoinghe.definitions.diagram import to_dot, to_mermaid, to_svg  # noqa: PLC0415
    from hoinghe.loading import load_document  # noqa: PLC0415

    if workflow.endswith((".yaml", ".yml")) or Path(workflow).is_file():
        document = load_document(Path(workflow))
    else:
        document = _library(paths).get("workflow", workflow)
    wf = document.definition
    if not isinstance(wf, WorkflowDefinition):
        raise _fail(f"{workflow} is a {document.kind} document, not a workflow")
    text = {"mermaid": to_mermaid, "dot": to_dot, "svg": to_svg}[fmt.value](wf, lang.value)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, "utf-8")
        typer.echo(str(output), err=True)


@app.command()
def rules(
    profile: Annotated[str, typer.Option(help="The profile whose rules in force are listed.")] = "vn-2025",
    fmt: Annotated[TableFormat, typer.Option("--format", "-f")] = TableFormat.md,
    lang: Annotated[Lang, typer.Option("--lang")] = Lang.vi,
    on: Annotated[
        str | None,
        typer.Option(help="Only what is in force on this date (YYYY-MM-DD); everything when omitted."),
    ] = None,
    paths: PathsArg = None,
) -> None:
    """List the rules and parameters in force for a profile, with their citations."""
    import datetime as dt  # noqa: PLC0415

    from hoinghe.rules.packs import params_in_force, rules_in_force  # noqa: PLC0415

    try:
        day = dt.date.fromisoformat(on) if on else None
    except ValueError:
        raise _fail(f"--on {on!r} is not a date written YYYY-MM-DD", 2) from None
    resolved = _library(paths).profile(profile)
    params = params_in_force(resolved.rule_packs, day)
    in_force = {id(r) for r in rules_in_force(resolved.rule_packs, day)}
    rows = [(pack.id, rule) for pack in resolved.rule_packs for rule in pack.rules if id(rule) in in_force]
    if fmt is TableFormat.json:
        from hoinghe.loading._converter import converter  # noqa: PLC0415

        out: dict[str, Any] = {
            "profile": resolved.id,
            "params": {k: converter.unstructure(v) for k, v in params.items()},
            "rules": [{"pack": pack_id, **converter.unstructure(rule)} for pack_id, rule in rows],
        }
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    head = (
        ("Quy tắc", "Nội dung", "Nguồn", "Độ tin cậy")
        if lang is Lang.vi
        else ("Rule", "Requires", "Source", "Confidence")
    )
    typer.echo(f"# {resolved.title.get(lang.value)} ({resolved.id})\n")
    typer.echo(f"| {' | '.join(head)} |\n|---|---|---|---|")
    for _, rule in rows:
        title = rule.title.get(lang.value) if rule.title else rule.id
        cells = (f"**{rule.id}** {title}", f"`{rule.require}`", str(rule.cite), rule.confidence or "")
        typer.echo("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    typer.echo(
        "\n| "
        + ("Tham số | Giá trị | Hướng thắt chặt" if lang is Lang.vi else "Parameter | Value | Tighten")
        + " |"
    )
    typer.echo("|---|---|---|")
    for name, param in params.items():
        typer.echo(f"| `{name}` | {param.value!r} | {param.tighten} |")


# ================================================================================================ the database

db_app = typer.Typer(help="The database: create it, or upgrade its schema.", no_args_is_help=True)
org_app = typer.Typer(help="The organisation in the database: units, members, actors.", no_args_is_help=True)
case_app = typer.Typer(help="Open, fire, show and list workflow cases.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(case_app, name="case")
relay_app = typer.Typer(
    help="Deliver notifications from the outbox: run the relay, see what waits or failed, retry.",
    no_args_is_help=True,
)
app.add_typer(relay_app, name="relay")

EXIT_ERROR, EXIT_USAGE, EXIT_REFUSED, EXIT_CONFLICT = 1, 2, 3, 4
_R = TypeVar("_R")

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="HOINGHE_DB",
        show_default=False,
        help="Database URL: sqlite:///file.db, postgresql+psycopg://user@host/db "
        "[default: sqlite:///hoinghe.db in this folder].",
    ),
]
ProfileOpt = Annotated[str, typer.Option("--profile", help="The profile whose workflows run.")]
WorkflowsOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--workflows", "--path", "-p", help="A province's YAML files or folders (profiles, workflows, packs)."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON, for a program to read.")]
LangOpt = Annotated[Lang, typer.Option("--lang", help="Language of refusal messages.")]
ActorOpt = Annotated[str, typer.Option("--actor", "-a", help="Who acts: an actor id in the database.")]
DataOpt = Annotated[
    str | None,
    typer.Option(
        "--data", help='Case data as a JSON object, e.g. \'{"members": ["f1", "f2"]}\', or @file.json.'
    ),
]
DocumentOpt = Annotated[
    list[str] | None,
    typer.Option("--document", "-d", help="A document submitted, as KIND=URI; repeat for more."),
]
KeyOpt = Annotated[
    str | None,
    typer.Option(
        "--key", help="An idempotency key: the same request with the same key again changes nothing."
    ),
]


def _language(lang: Lang) -> Any:
    return "vi" if lang is Lang.vi else "en"


def _first_line(exc: BaseException) -> str:
    # Driver errors add a "Background on this error" paragraph; the first line says what happened.
    return (str(exc).splitlines() or [type(exc).__name__])[0]


@contextlib.contextmanager
def _reported(lang: Lang = Lang.en, *, as_json: bool = False) -> Iterator[None]:
    """Turn hoinghe's errors into one line each (every blocker of a refusal) and the documented exit code."""
    from hoinghe.errors import ConflictError, DefinitionError, HoingheError, StorageError  # noqa: PLC0415

    try:
        yield
    except ConflictError as exc:
        raise _fail(f"conflict: {_first_line(exc)}", EXIT_CONFLICT) from None
    except StorageError as exc:
        raise _fail(f"storage: {_first_line(exc)}", EXIT_ERROR) from None
    except DefinitionError as exc:
        for d in exc.diagnostics:
            typer.echo(str(d), err=True)
        raise typer.Exit(EXIT_ERROR) from None
    except HoingheError as exc:
        # A refusal is known by its verdict, so that commands which decide nothing need not import the engine.
        verdict: Verdict | None = getattr(exc, "verdict", None)
        if verdict is not None:
            _print_refusal(verdict, lang, as_json=as_json)
            raise typer.Exit(EXIT_REFUSED) from None
        raise _fail(str(exc), EXIT_ERROR) from None  # NotFound, MigrationError ...
    except ValueError as exc:  # case data the engine refuses to keep (too large, too deep)
        raise _fail(str(exc), EXIT_USAGE) from None


def _print_refusal(verdict: Verdict, lang: Lang, *, as_json: bool) -> None:
    if as_json:
        out = {
            "refused": {
                "case": verdict.case_id,
                "transition": verdict.transition,
                "actor": verdict.actor,
                "blockers": [_blocker_json(b) for b in verdict.blockers],
            }
        }
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    typer.echo(
        f"hoinghe: case {verdict.case_id}: {verdict.transition} refused for {verdict.actor}:", err=True
    )
    for blocker in verdict.blockers:
        _echo_blocker(blocker, lang, "  ", err=True)


def _echo_blocker(blocker: Blocker, lang: Lang, indent: str, *, err: bool = False) -> None:
    typer.echo(f"{indent}{blocker.describe(_language(lang))}", err=err)
    for line in blocker.explanation:
        typer.echo(f"{indent}    {line}", err=err)


def _blocker_json(blocker: Blocker) -> dict[str, Any]:
    return {
        "kind": blocker.kind,
        "code": blocker.code,
        "message": {"vi": blocker.message.get("vi"), "en": blocker.message.get("en")},
        "rule_id": blocker.rule_id,
        "citation": None if blocker.citation is None else str(blocker.citation),
        "explanation": list(blocker.explanation),
        "required": list(blocker.required),
    }


def _record_json(record: object) -> dict[str, Any]:
    from hoinghe.storage.codec import to_payload  # noqa: PLC0415

    payload = to_payload(record)
    payload.pop("v", None)
    return payload


def _url(db: str | None) -> str:
    """The database URL to use; a URL that cannot be parsed is a usage error."""
    from hoinghe.storage import DEFAULT_URL  # noqa: PLC0415

    url = db or DEFAULT_URL
    if url == "memory://":
        return url
    import sqlalchemy as sa  # noqa: PLC0415

    try:
        sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise _fail(
            f"--db {url!r} is not a database URL; write sqlite:///file.db or postgresql+psycopg://user@host/db",
            EXIT_USAGE,
        ) from None
    return url


def _shown(url: str) -> str:
    if url == "memory://":
        return url
    import sqlalchemy as sa  # noqa: PLC0415

    return sa.engine.make_url(url).render_as_string(hide_password=True)


@contextlib.contextmanager
def _store(db: str | None, *, create: bool = False) -> Iterator[Store]:
    """The store at ``db``; without ``create``, a SQLite file that does not exist is an error, not a new file."""
    from hoinghe.storage import open_store  # noqa: PLC0415

    url = _url(db)
    if not create and url != "memory://":
        import sqlalchemy as sa  # noqa: PLC0415

        parsed = sa.engine.make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            path = Path(parsed.database or "")
            if not path.exists():
                raise _fail(
                    f"no database at {path}; create it with: hoinghe db upgrade --db {_shown(url)} "
                    "(or hoinghe org import FILE --db ...)",
                    EXIT_ERROR,
                )
    with _reported():
        store = open_store(url, create=create)
    try:
        yield store
    finally:
        close = getattr(store, "close", None)
        if close is not None:
            close()


def _profile(profile: str, workflows: list[Path] | None) -> Profile:
    from hoinghe.loading import load_profile  # noqa: PLC0415

    return load_profile(profile, workflows or ())


def _engine(store: Store, profile: str, workflows: list[Path] | None) -> Engine:
    from hoinghe.engine import Engine  # noqa: PLC0415

    return Engine(_profile(profile, workflows), store, listeners_in_background=False)


def _json_object(text: str | None, option: str) -> dict[str, Any] | None:
    """``--data``: a JSON object, inline or ``@file``; anything else is a usage error naming the option."""
    if text is None:
        return None
    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text("utf-8")
        except OSError as exc:
            raise _fail(f"{option}: cannot read {text[1:]}: {exc.strerror}", EXIT_USAGE) from None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise _fail(f"{option} is not valid JSON: {exc}", EXIT_USAGE) from None
    if not isinstance(value, dict):
        raise _fail(f"{option} must be a JSON object {{...}}, not {type(value).__name__}", EXIT_USAGE)
    return value


def _documents(items: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or ():
        kind, eq, uri = item.partition("=")
        if not eq or not kind.strip() or not uri.strip():
            raise _fail(f"--document {item!r} is not KIND=URI, e.g. member_list=file:///ds.pdf", EXIT_USAGE)
        out[kind.strip()] = uri.strip()
    return out


def _structured(cls: type[_R], value: Any, where: str, problems: list[str]) -> _R | None:
    """``value`` as a record of ``cls``, or ``None`` with every problem appended as ``where$.path: message``."""
    import cattrs  # noqa: PLC0415

    from hoinghe.errors import format_path  # noqa: PLC0415
    from hoinghe.loading._converter import converter, flatten_errors  # noqa: PLC0415

    if not isinstance(value, dict):
        problems.append(f"{where}: expected a JSON object, got {type(value).__name__}")
        return None
    try:
        record: _R = converter.structure(_shorthands(value), cls)
    except (cattrs.BaseValidationError, ValueError, TypeError) as exc:
        problems.extend(f"{where}{format_path(f.path)[1:]}: {f.message}" for f in flatten_errors(exc))
        return None
    return record


def _shorthands(value: dict[str, Any]) -> dict[str, Any]:
    """What a person writes by hand: a grant as ``role@unit``, a leader as one id instead of a list."""
    from hoinghe.org import RoleGrant  # noqa: PLC0415

    out = dict(value)
    grants = out.get("grants")
    if isinstance(grants, list):
        out["grants"] = [
            {"role": g.role, "unit": g.unit}
            if isinstance(text, str) and (g := _grant(RoleGrant, text))
            else text
            for text in grants
        ]
    leaders = out.get("leaders")
    if isinstance(leaders, dict):
        out["leaders"] = {k: [v] if isinstance(v, str) else v for k, v in leaders.items()}
    return out


def _grant(cls: Any, text: str) -> Any:
    try:
        return cls.parse(text)
    except ValueError:
        return None  # left as text: the converter then says what a grant looks like


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc.strerror}", EXIT_USAGE) from None
    except ValueError as exc:
        raise _fail(f"{path} is not valid JSON: {exc}", EXIT_USAGE) from None


def _problems(problems: list[str]) -> typer.Exit:
    for problem in problems:
        typer.echo(f"hoinghe: {problem}", err=True)
    return typer.Exit(EXIT_USAGE)


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


# ------------------------------------------------------------------------------------------------- relay

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        envvar="HOINGHE_RELAY_CONFIG",
        help="A TOML file with [channels.NAME] tables (type, url, host, sender, secret_env ...) and an optional "
        "[relay] table (batch, lease, max_attempts, backoff). Without it, only the log channel is delivered.",
    ),
]


def _relay_config(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {"channels": {"log": {"type": "log"}}}
    import tomllib  # noqa: PLC0415

    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc.strerror}", EXIT_USAGE) from None
    except tomllib.TOMLDecodeError as exc:
        raise _fail(f"{path}: {exc}", EXIT_USAGE) from None


_RELAY_SETTINGS = {"batch": int, "lease": float, "max_attempts": int, "backoff": float, "tries": int}


def _relay(store: Store, config: dict[str, Any], worker: str | None, source: str) -> Any:
    import datetime as dt  # noqa: PLC0415

    from hoinghe.hooks.notifiers import notifiers_from_config  # noqa: PLC0415
    from hoinghe.hooks.relay import Relay  # noqa: PLC0415

    settings = config.get("relay", {})
    unknown = sorted(set(settings) - set(_RELAY_SETTINGS))
    if unknown:
        known = ", ".join(_RELAY_SETTINGS)
        raise _fail(f"{source}: [relay] has no setting {', '.join(unknown)}; it takes {known}", EXIT_USAGE)
    kwargs: dict[str, Any] = {}
    for name, kind in _RELAY_SETTINGS.items():
        if name in settings:
            value = settings[name]
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise _fail(f"{source}: [relay] {name} must be a positive number, not {value!r}", EXIT_USAGE)
            kwargs[name] = kind(value)
    for name in ("lease", "backoff"):
        if name in kwargs:
            kwargs[name] = dt.timedelta(seconds=kwargs[name])
    with _reported():
        notifiers = notifiers_from_config(config)
    return Relay(store, notifiers, worker=worker, **kwargs)


@relay_app.command("run")
def relay_run(  # noqa: PLR0917 - typer passes a command's options as arguments
    config: ConfigOpt = None,
    once: Annotated[bool, typer.Option("--once", help="Run one round and stop.")] = False,
    idle: Annotated[float, typer.Option(help="Seconds to wait when there is nothing to deliver.")] = 2.0,
    worker: Annotated[str | None, typer.Option(help="This worker's name in leases.")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Deliver the outbox until stopped (Ctrl-C), or one round with --once.

    Several relays may run on one PostgreSQL database: they share the work, and each case's notifications still
    go out in order.
    """
    import logging  # noqa: PLC0415
    import signal  # noqa: PLC0415
    import threading  # noqa: PLC0415

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = _relay_config(config)
    with _store(db) as store:
        relay = _relay(store, settings, worker, str(config or "the default channels"))
        totals = {"delivered": 0, "retrying": 0, "given_up": 0}

        def tell(report: Any) -> None:
            for name in totals:
                totals[name] += len(getattr(report, name))
            if report.claimed and not as_json:
                typer.echo(
                    f"delivered {len(report.delivered)}, retrying {len(report.retrying)}, "
                    f"gave up {len(report.given_up)}",
                    err=True,
                )

        stop = threading.Event()
        with relay, _reported():
            if once:
                tell(relay.run_once())
            else:
                for signum in (signal.SIGINT, signal.SIGTERM):
                    signal.signal(signum, lambda *_: stop.set())
                typer.echo(f"relay {relay.worker}: channels {', '.join(sorted(relay.notifiers))}", err=True)
                relay.run_forever(idle=idle, stop=stop, on_round=tell)
            status = relay.status()
    if as_json:
        typer.echo(json.dumps({**totals, "pending": status.pending, "failed": status.failed}))
    elif status.failed:
        typer.echo(f"{status.failed} failed; see: hoinghe relay status", err=True)


@relay_app.command("status")
def relay_status(
    limit: Annotated[int, typer.Option(help="Show at most this many failed or retrying messages.")] = 20,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What waits in the outbox, what is being delivered, what failed and why."""
    from hoinghe.engine.clock import SystemClock  # noqa: PLC0415

    with _store(db) as store, _reported():
        status = store.outbox_status(SystemClock().now(), limit=limit)
    counts = {
        name: getattr(status, name)
        for name in ("pending", "due", "leased", "retrying", "failed", "delivered")
    }
    problems = [
        {
            "key": p.message.key,
            "case": p.message.case_id,
            "channel": p.message.channel,
            "attempts": p.attempts,
            "error": p.last_error,
            "next_attempt": None if p.next_attempt is None else p.next_attempt.isoformat(),
            "failed": None if p.failed is None else p.failed.isoformat(),
        }
        for p in status.problems
    ]
    if as_json:
        oldest = None if status.oldest_pending is None else status.oldest_pending.isoformat()
        typer.echo(json.dumps({**counts, "oldest_pending": oldest, "problems": problems}, ensure_ascii=False))
        return
    typer.echo("  ".join(f"{name} {value}" for name, value in counts.items()))
    if status.oldest_pending is not None:
        typer.echo(f"oldest pending written {status.oldest_pending.isoformat(timespec='seconds')}")
    for p in problems:
        when = f"gave up {p['failed']}" if p["failed"] else f"next attempt {p['next_attempt']}"
        typer.echo(f"{p['key']}  {p['channel']}  {p['attempts']} attempt(s)  {when}: {p['error']}")


@relay_app.command("retry")
def relay_retry(
    keys: Annotated[
        list[str] | None, typer.Argument(help="Keys of messages given up; all of them when none.")
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Queue messages the relay gave up on again (after fixing an address or a channel)."""
    with _store(db) as store, _reported():
        count = store.retry_outbox(keys or None)
    if as_json:
        typer.echo(json.dumps({"queued": count}))
    else:
        typer.echo(f"queued {count} message{'s' if count != 1 else ''} again")


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


def _drafts(paths: list[Path] | None) -> dict[str, WorkflowDefinition]:
    from hoinghe.definitions import WorkflowDefinition  # noqa: PLC0415
    from hoinghe.loading import load_document  # noqa: PLC0415

    out: dict[str, WorkflowDefinition] = {}
    for path in paths or ():
        with _reported():
            document = load_document(path)
        if not isinstance(document.definition, WorkflowDefinition):
            raise _fail(f"{path} is a {document.kind} document, not a workflow", EXIT_USAGE)
        out[document.definition.id] = document.definition
    return out


@contextlib.contextmanager
def _progress(*, enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on a terminal's stderr; nothing when stderr is a file or a pipe."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console  # noqa: PLC0415
    from rich.progress import Progress  # noqa: PLC0415

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("replaying", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def main() -> None:
    """Entry point: run the app, turning hoinghe's errors into one line each and a non-zero exit."""
    from hoinghe.errors import DefinitionError, HoingheError  # noqa: PLC0415

    try:
        app()
    except DefinitionError as exc:
        for d in exc.diagnostics:
            typer.echo(str(d), err=True)
        sys.exit(1)
    except HoingheError as exc:
        typer.echo(f"hoinghe: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()

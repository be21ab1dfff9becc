"""The command's application, the options the commands share, and the helpers that turn errors into lines."""

from __future__ import annotations

import contextlib
import datetime as dt
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
    from hoinghe.storage import Store


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


def _date(text: str | None, option: str) -> dt.date | None:
    """The date an option gives (YYYY-MM-DD), ``None`` when it is not given; anything else is a usage error."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _fail(f"{option} {text!r} is not a date; write YYYY-MM-DD", EXIT_USAGE) from None


def _day_or_today(text: str | None, option: str = "--on") -> dt.date:
    """The date an option gives, or today in Vietnam when it is not given."""
    from hoinghe.engine.clock import SystemClock  # noqa: PLC0415

    return _date(text, option) or SystemClock().today()


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
def _progress(*, enabled: bool, label: str = "replaying") -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on a terminal's stderr; nothing when stderr is a file or a pipe."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console  # noqa: PLC0415
    from rich.progress import Progress  # noqa: PLC0415

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

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

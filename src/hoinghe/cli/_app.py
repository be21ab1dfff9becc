"""The command's application, the options the commands share, and the helpers that turn errors into lines.

Everything the command prints is in the language in force: the last ``--lang`` on the command line (the root
option, or a command's own), else ``HOINGHE_LANG``, else Vietnamese.  The help is written with :func:`shown`,
which keeps both languages, so that the help a ``--lang`` asks for is shown in that language too.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from hoinghe.i18n import ENV, LANGUAGES, Language, Text, language, parse_language, use

if TYPE_CHECKING:
    from hoinghe.definitions import Profile, WorkflowDefinition
    from hoinghe.engine import Blocker, Engine, Verdict
    from hoinghe.errors import Diagnostic
    from hoinghe.loading import Library
    from hoinghe.storage import Store

#: How every error line starts.
_PROG = "hoinghe"
EXIT_ERROR, EXIT_USAGE, EXIT_REFUSED, EXIT_CONFLICT = 1, 2, 3, 4
_R = TypeVar("_R")

# ------------------------------------------------------------------------------------------ the help's language

#: Every help text by its rendering in either language, so that a built command can be shown in the other.
_HELP: dict[str, Text] = {}
_PANELS = {
    "arguments": Text("Tham số", "Arguments"),
    "options": Text("Tùy chọn", "Options"),
    "commands": Text("Lệnh", "Commands"),
}
_HELP_OPTION = Text("Hiện hướng dẫn này rồi thoát.", "Show this message and exit.")


def shown(text: Text) -> str:
    """A help text in the language in force; kept in both, so ``--lang`` shows it in the one asked for."""
    for lang in LANGUAGES:
        _HELP[inspect.cleandoc(text.get(lang))] = text
    return text.get()


def _in(value: str | None, lang: Language) -> str | None:
    """``value`` (a help text built by :func:`shown`) in ``lang``; any other text as it is."""
    if not value:
        return value
    text = _HELP.get(inspect.cleandoc(value))
    return value if text is None else text.get(lang)


def _localise(command: TyperCommand | TyperGroup, lang: Language) -> None:
    """Show a built command, its options and its subcommands' help in ``lang`` (typer builds them once)."""
    command.help = _in(command.help, lang)
    command.short_help = _in(command.short_help, lang)
    help_option = command.get_help_option(typer.Context(command))
    for param in [*command.params, *([help_option] if help_option is not None else [])]:
        if param is help_option:
            param.help = _HELP_OPTION.get(lang)
        elif hasattr(param, "help"):
            param.help = _in(param.help, lang)
        _panel(param, _PANELS["arguments" if isinstance(param, TyperArgument) else "options"], lang)
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            if isinstance(sub, TyperCommand | TyperGroup):
                _panel(sub, _PANELS["commands"], lang)
                _localise(sub, lang)


def _panel(item: object, panel: Text, lang: Language) -> None:
    """Put an option, argument or command in the default panel of its kind, named in ``lang``."""
    current = getattr(item, "rich_help_panel", None)
    if not current or current in {panel.vi, panel.get("en")}:  # typer's default is a falsy placeholder
        setattr(item, "rich_help_panel", panel.get(lang))  # noqa: B010 - not every parameter declares it


def _language_in(args: Sequence[str]) -> Language | None:
    """The language the last ``--lang`` of the command line asks for; ``None`` when none does.

    Raises:
        ValueError: a ``--lang`` names neither language; the message says which are known.
    """
    chosen: Language | None = None
    rest = iter(args)
    for arg in rest:
        if arg == "--":
            break
        if arg == "--lang":
            value = next(rest, None)
            if value is None:
                break  # the parser then says that --lang needs a value
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
        else:
            continue
        chosen = parse_language(value)
    return chosen


class _Hoinghe(TyperGroup):
    """The root command: reads ``--lang`` before parsing, so the help and every line printed are in it."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            chosen = _language_in(sys.argv[1:] if args is None else args)
        except ValueError as exc:
            typer.echo(f"{_PROG}: {exc}", err=True)
            sys.exit(EXIT_USAGE)
        with use(chosen) as lang:  # the choice ends with the run, for a process that runs several
            _localise(self, lang)
            return self._run(args, prog_name, complete_var, standalone_mode, windows_expand_args, **extra)

    def _run(
        self,
        args: Sequence[str] | None,
        prog_name: str | None,
        complete_var: str | None,
        standalone_mode: bool,
        windows_expand_args: bool,
        **extra: Any,
    ) -> Any:
        from hoinghe.errors import DefinitionError, HoingheError  # noqa: PLC0415

        try:
            return super().main(args, prog_name, complete_var, standalone_mode, windows_expand_args, **extra)
        except DefinitionError as exc:
            if not standalone_mode:
                raise
            for d in exc.diagnostics:
                typer.echo(str(d), err=True)
            sys.exit(EXIT_ERROR)
        except HoingheError as exc:
            if not standalone_mode:
                raise
            typer.echo(f"{_PROG}: {exc}", err=True)
            sys.exit(EXIT_ERROR)


app = typer.Typer(
    name="hoinghe",
    cls=_Hoinghe,
    help=shown(
        Text(
            "Quy trình, quy tắc và kế hoạch triển khai thành lập chi hội, tổ hội nông dân nghề nghiệp.",
            "Workflows, rules and rollouts for professional farmer branches and groups "
            "(chi hội, tổ hội nông dân nghề nghiệp).",
        )
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            envvar=ENV,
            metavar="vi|en",
            show_default=False,
            help=shown(
                Text(
                    "Ngôn ngữ của mọi thứ được in ra: vi (tiếng Việt, mặc định) hoặc en (tiếng Anh); "
                    "--lang riêng của một lệnh, nếu có, được ưu tiên cho lệnh đó.",
                    "Language of everything printed: vi (Vietnamese, the default) or en (English); "
                    "a command's own --lang, if given, wins for that command.",
                )
            ),
        ),
    ] = None,
) -> None:
    """Read ``--lang``: it was taken already (by ``_Hoinghe.main``, before the help is built)."""
    del lang


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


#: Said after the help of every command's ``--lang``.
BY_DEFAULT = Text(
    "; mặc định theo hoinghe --lang hoặc HOINGHE_LANG, nếu không có thì là tiếng Việt.",
    "; by default that of hoinghe --lang or HOINGHE_LANG, else Vietnamese.",
)

PathsArg = Annotated[
    list[Path] | None,
    typer.Option(
        "--path",
        "-p",
        help=shown(
            Text(
                "Các tệp hoặc thư mục YAML bổ sung (hồ sơ cấu hình, quy trình, bộ quy tắc của tỉnh).",
                "Extra YAML files or folders (a province's profiles, workflows, packs).",
            )
        ),
    ),
]


def _fail(message: Text, code: int = 1) -> typer.Exit:
    typer.echo(f"{_PROG}: {message}", err=True)
    return typer.Exit(code)


def _cannot_read(path: object, exc: OSError) -> Text:
    return Text(f"không đọc được {path}: {exc.strerror}", f"cannot read {path}: {exc.strerror}")


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
    checked = Text(
        f"Đã kiểm tra {files} tệp: {errors} lỗi",
        f"{files} file{'s' if files != 1 else ''} checked: {errors} error{'s' if errors != 1 else ''}",
    )
    tail = (
        Text(f", {warnings} cảnh báo", f", {warnings} warning{'s' if warnings != 1 else ''}")
        if diagnostics
        else Text("; không có vấn đề nào", "; all clean")
    )
    typer.echo(str(checked + tail), err=True)


db_app = typer.Typer(
    help=shown(
        Text(
            "Cơ sở dữ liệu: tạo mới, hoặc nâng cấp lược đồ.",
            "The database: create it, or upgrade its schema.",
        )
    ),
    no_args_is_help=True,
)
org_app = typer.Typer(
    help=shown(
        Text(
            "Tổ chức trong cơ sở dữ liệu: đơn vị, hội viên, người thực hiện.",
            "The organisation in the database: units, members, actors.",
        )
    ),
    no_args_is_help=True,
)
case_app = typer.Typer(
    help=shown(
        Text(
            "Mở hồ sơ, thực hiện bước chuyển, xem và liệt kê hồ sơ của các quy trình.",
            "Open, fire, show and list workflow cases.",
        )
    ),
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(case_app, name="case")
relay_app = typer.Typer(
    help=shown(
        Text(
            "Gửi thông báo từ hộp thư đi: chạy bộ gửi, xem thông báo đang chờ hoặc gửi không được, gửi lại.",
            "Deliver notifications from the outbox: run the relay, see what waits or failed, retry.",
        )
    ),
    no_args_is_help=True,
)
app.add_typer(relay_app, name="relay")

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="HOINGHE_DB",
        show_default=False,
        help=shown(
            Text(
                "URL của cơ sở dữ liệu: sqlite:///file.db, postgresql+psycopg://user@host/db "
                "(mặc định: sqlite:///hoinghe.db trong thư mục này).",
                "Database URL: sqlite:///file.db, postgresql+psycopg://user@host/db "
                "(by default sqlite:///hoinghe.db in this folder).",
            )
        ),
    ),
]
ProfileOpt = Annotated[
    str,
    typer.Option(
        "--profile",
        help=shown(Text("Hồ sơ cấu hình chứa các quy trình sẽ chạy.", "The profile whose workflows run.")),
    ),
]
WorkflowsOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--workflows",
        "--path",
        "-p",
        help=shown(
            Text(
                "Các tệp hoặc thư mục YAML của tỉnh (hồ sơ cấu hình, quy trình, bộ quy tắc).",
                "A province's YAML files or folders (profiles, workflows, packs).",
            )
        ),
    ),
]
JsonOpt = Annotated[
    bool,
    typer.Option(
        "--json",
        help=shown(Text("In ra JSON, cho chương trình khác đọc.", "Print JSON, for a program to read.")),
    ),
]
LangOpt = Annotated[
    Lang | None,
    typer.Option(
        "--lang",
        show_default=False,
        help=shown(
            Text(
                "Ngôn ngữ của các thông báo, kể cả thông báo từ chối",
                "Language of the messages, refusals included",
            )
            + BY_DEFAULT
        ),
    ),
]
ActorOpt = Annotated[
    str,
    typer.Option(
        "--actor",
        "-a",
        help=shown(
            Text(
                "Ai thực hiện: mã người thực hiện trong cơ sở dữ liệu.",
                "Who acts: an actor id in the database.",
            )
        ),
    ),
]
DataOpt = Annotated[
    str | None,
    typer.Option(
        "--data",
        help=shown(
            Text(
                'Dữ liệu hồ sơ dạng đối tượng JSON, ví dụ \'{"members": ["f1", "f2"]}\', hoặc @tệp.json.',
                'Case data as a JSON object, e.g. \'{"members": ["f1", "f2"]}\', or @file.json.',
            )
        ),
    ),
]
DocumentOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--document",
        "-d",
        help=shown(
            Text(
                "Một tài liệu nộp kèm, viết dạng KIND=URI; lặp lại để nộp thêm.",
                "A document submitted, as KIND=URI; repeat for more.",
            )
        ),
    ),
]
KeyOpt = Annotated[
    str | None,
    typer.Option(
        "--key",
        help=shown(
            Text(
                "Khóa chống trùng lặp: gửi lại cùng yêu cầu với cùng khóa thì không thay đổi gì.",
                "An idempotency key: the same request with the same key again changes nothing.",
            )
        ),
    ),
]


def _language(lang: Lang | None) -> Language:
    """The language a command's ``--lang`` asks for, or the one in force when it is not given."""
    return language() if lang is None else parse_language(lang.value)


def _text_of(exc: BaseException) -> Text:
    """An exception's message in both languages when it has them (hoinghe's own), else as it reads."""
    text = getattr(exc, "text", None)
    if isinstance(text, Text):
        return text
    if len(exc.args) == 1 and isinstance(exc.args[0], Text):
        return exc.args[0]
    return Text.same(str(exc))


def _first_line(exc: BaseException) -> Text:
    # Driver errors add a "Background on this error" paragraph; the first line says what happened.
    text = _text_of(exc)
    vi, en = ((text.get(lang).splitlines() or [type(exc).__name__])[0] for lang in LANGUAGES)
    return Text(vi, en)


@contextlib.contextmanager
def _reported(lang: Lang | None = None, *, as_json: bool = False) -> Iterator[None]:
    """Turn hoinghe's errors into one line each (every blocker of a refusal) and the documented exit code."""
    from hoinghe.errors import ConflictError, DefinitionError, HoingheError, StorageError  # noqa: PLC0415

    try:
        yield
    except ConflictError as exc:
        line = _first_line(exc)
        raise _fail(Text(f"xung đột: {line.vi}", f"conflict: {line.get('en')}"), EXIT_CONFLICT) from None
    except StorageError as exc:
        line = _first_line(exc)
        raise _fail(Text(f"lỗi lưu trữ: {line.vi}", f"storage: {line.get('en')}"), EXIT_ERROR) from None
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
        raise _fail(exc.text, EXIT_ERROR) from None  # NotFound, MigrationError ...
    except ValueError as exc:  # case data the engine refuses to keep (too large, too deep)
        raise _fail(_text_of(exc), EXIT_USAGE) from None


def _print_refusal(verdict: Verdict, lang: Lang | None, *, as_json: bool) -> None:
    if as_json:
        out = {
            "refused": {
                "case": verdict.case_id,
                "transition": verdict.transition,
                "actor": verdict.actor,
                "blockers": [_blocker_json(b, lang) for b in verdict.blockers],
            }
        }
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    head = Text(
        f"hồ sơ {verdict.case_id}: {verdict.actor} không được thực hiện bước chuyển {verdict.transition}:",
        f"case {verdict.case_id}: {verdict.transition} refused for {verdict.actor}:",
    )
    typer.echo(f"{_PROG}: {head.get(_language(lang))}", err=True)
    for blocker in verdict.blockers:
        _echo_blocker(blocker, lang, "  ", err=True)


def _echo_blocker(blocker: Blocker, lang: Lang | None, indent: str, *, err: bool = False) -> None:
    typer.echo(f"{indent}{blocker.describe(_language(lang))}", err=err)
    for line in blocker.explanation:
        typer.echo(f"{indent}    {line}", err=err)


def _blocker_json(blocker: Blocker, lang: Lang | None = None) -> dict[str, Any]:
    return {
        "kind": blocker.kind,
        "code": blocker.code,
        "message": blocker.message.get(_language(lang)),
        "messages": blocker.message.to_json(),
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
        msg = Text(
            f"{option} {text!r} không phải là ngày; hãy viết theo dạng YYYY-MM-DD",
            f"{option} {text!r} is not a date; write YYYY-MM-DD",
        )
        raise _fail(msg, EXIT_USAGE) from None


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
        msg = Text(
            f"--db {url!r} không phải là URL cơ sở dữ liệu; hãy viết sqlite:///file.db "
            "hoặc postgresql+psycopg://user@host/db",
            f"--db {url!r} is not a database URL; write sqlite:///file.db or postgresql+psycopg://user@host/db",
        )
        raise _fail(msg, EXIT_USAGE) from None
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
                msg = Text(
                    f"không có cơ sở dữ liệu tại {path}; hãy tạo bằng lệnh: hoinghe db upgrade "
                    f"--db {_shown(url)} (hoặc hoinghe org import FILE --db ...)",
                    f"no database at {path}; create it with: hoinghe db upgrade --db {_shown(url)} "
                    "(or hoinghe org import FILE --db ...)",
                )
                raise _fail(msg, EXIT_ERROR)
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
            raise _fail(Text.same(f"{option}: ") + _cannot_read(text[1:], exc), EXIT_USAGE) from None
    try:
        value = json.loads(text)
    except ValueError as exc:
        msg = Text(f"{option} không phải JSON hợp lệ: {exc}", f"{option} is not valid JSON: {exc}")
        raise _fail(msg, EXIT_USAGE) from None
    if not isinstance(value, dict):
        msg = Text(
            f"{option} phải là một đối tượng JSON {{...}}, không phải {type(value).__name__}",
            f"{option} must be a JSON object {{...}}, not {type(value).__name__}",
        )
        raise _fail(msg, EXIT_USAGE)
    return value


def _documents(items: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or ():
        kind, eq, uri = item.partition("=")
        if not eq or not kind.strip() or not uri.strip():
            msg = Text(
                f"--document {item!r} không đúng dạng KIND=URI, ví dụ member_list=file:///ds.pdf",
                f"--document {item!r} is not KIND=URI, e.g. member_list=file:///ds.pdf",
            )
            raise _fail(msg, EXIT_USAGE)
        out[kind.strip()] = uri.strip()
    return out


def _structured(cls: type[_R], value: Any, where: str, problems: list[Text]) -> _R | None:
    """``value`` as a record of ``cls``, or ``None`` with every problem appended as ``where$.path: message``."""
    import cattrs  # noqa: PLC0415

    from hoinghe.errors import format_path  # noqa: PLC0415
    from hoinghe.loading._converter import converter, flatten_errors  # noqa: PLC0415

    if not isinstance(value, dict):
        problems.append(
            Text(
                f"{where}: cần một đối tượng JSON, nhận được {type(value).__name__}",
                f"{where}: expected a JSON object, got {type(value).__name__}",
            )
        )
        return None
    try:
        record: _R = converter.structure(_shorthands(value), cls)
    except (cattrs.BaseValidationError, ValueError, TypeError) as exc:
        problems.extend(
            Text.same(f"{where}{format_path(f.path)[1:]}: ") + f.message for f in flatten_errors(exc)
        )
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
        raise _fail(_cannot_read(path, exc), EXIT_USAGE) from None
    except ValueError as exc:
        raise _fail(
            Text(f"{path} không phải JSON hợp lệ: {exc}", f"{path} is not valid JSON: {exc}"), EXIT_USAGE
        ) from None


def _problems(problems: list[Text]) -> typer.Exit:
    for problem in problems:
        typer.echo(f"{_PROG}: {problem}", err=True)
    return typer.Exit(EXIT_USAGE)


def _drafts(paths: list[Path] | None) -> dict[str, WorkflowDefinition]:
    from hoinghe.definitions import WorkflowDefinition  # noqa: PLC0415
    from hoinghe.loading import load_document  # noqa: PLC0415

    out: dict[str, WorkflowDefinition] = {}
    for path in paths or ():
        with _reported():
            document = load_document(path)
        if not isinstance(document.definition, WorkflowDefinition):
            msg = Text(
                f"{path} là tài liệu loại {document.kind}, không phải một quy trình",
                f"{path} is a {document.kind} document, not a workflow",
            )
            raise _fail(msg, EXIT_USAGE)
        out[document.definition.id] = document.definition
    return out


#: What a progress bar says while the events of every case are replayed.
REPLAYING = Text("đang phát lại", "replaying")


@contextlib.contextmanager
def _progress(*, enabled: bool, label: Text = REPLAYING) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on a terminal's stderr; nothing when stderr is a file or a pipe."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console  # noqa: PLC0415
    from rich.progress import Progress  # noqa: PLC0415

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(str(label), total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def main() -> None:
    """Entry point: run the app; hoinghe's errors become one line each and a non-zero exit (see ``_Hoinghe``)."""
    app()

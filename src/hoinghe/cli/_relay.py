"""Commands of the relay: run, status, retry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from hoinghe.storage import Store

from hoinghe.cli._app import (
    EXIT_USAGE,
    DbOpt,
    JsonOpt,
    _cannot_read,
    _fail,
    _reported,
    _store,
    relay_app,
    shown,
)
from hoinghe.i18n import Text

# ------------------------------------------------------------------------------------------------- relay

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        envvar="HOINGHE_RELAY_CONFIG",
        help=shown(
            Text(
                "Tệp TOML có các bảng \\[channels.NAME] (type, url, host, sender, secret_env ...) và có thể có "
                "bảng \\[relay] (batch, lease, max_attempts, backoff). Không có tệp này thì chỉ gửi qua kênh log.",
                "A TOML file with \\[channels.NAME] tables (type, url, host, sender, secret_env ...) and an optional "
                "\\[relay] table (batch, lease, max_attempts, backoff). Without it, only the log channel is delivered.",
            )
        ),
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
        raise _fail(_cannot_read(path, exc), EXIT_USAGE) from None
    except tomllib.TOMLDecodeError as exc:
        raise _fail(Text.same(f"{path}: {exc}"), EXIT_USAGE) from None


_RELAY_SETTINGS = {"batch": int, "lease": float, "max_attempts": int, "backoff": float, "tries": int}


def _relay(store: Store, config: dict[str, Any], worker: str | None, source: str) -> Any:
    import datetime as dt  # noqa: PLC0415

    from hoinghe.hooks.notifiers import notifiers_from_config  # noqa: PLC0415
    from hoinghe.hooks.relay import Relay  # noqa: PLC0415

    settings = config.get("relay", {})
    unknown = sorted(set(settings) - set(_RELAY_SETTINGS))
    if unknown:
        known = ", ".join(_RELAY_SETTINGS)
        msg = Text(
            f"{source}: [relay] không có thiết lập {', '.join(unknown)}; các thiết lập là {known}",
            f"{source}: [relay] has no setting {', '.join(unknown)}; it takes {known}",
        )
        raise _fail(msg, EXIT_USAGE)
    kwargs: dict[str, Any] = {}
    for name, kind in _RELAY_SETTINGS.items():
        if name in settings:
            value = settings[name]
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                msg = Text(
                    f"{source}: [relay] {name} phải là một số dương, không phải {value!r}",
                    f"{source}: [relay] {name} must be a positive number, not {value!r}",
                )
                raise _fail(msg, EXIT_USAGE)
            kwargs[name] = kind(value)
    for name in ("lease", "backoff"):
        if name in kwargs:
            kwargs[name] = dt.timedelta(seconds=kwargs[name])
    with _reported():
        notifiers = notifiers_from_config(config)
    return Relay(store, notifiers, worker=worker, **kwargs)


_RUN = Text(
    """Gửi các thông báo trong hộp thư đi cho đến khi bị dừng (Ctrl-C), hoặc một lượt với --once.

    Nhiều bộ gửi có thể chạy trên cùng một cơ sở dữ liệu PostgreSQL: chúng chia nhau công việc, và thông báo của
    mỗi hồ sơ vẫn được gửi đúng thứ tự.""",
    """Deliver the outbox until stopped (Ctrl-C), or one round with --once.

    Several relays may run on one PostgreSQL database: they share the work, and each case's notifications still
    go out in order.""",
)
_DEFAULT_CHANNELS = Text("các kênh mặc định", "the default channels")


@relay_app.command("run", help=shown(_RUN))
def relay_run(  # noqa: PLR0917 - typer passes a command's options as arguments
    config: ConfigOpt = None,
    once: Annotated[
        bool, typer.Option("--once", help=shown(Text("Chạy một lượt rồi dừng.", "Run one round and stop.")))
    ] = False,
    idle: Annotated[
        float,
        typer.Option(
            help=shown(
                Text(
                    "Số giây chờ khi không có gì để gửi.", "Seconds to wait when there is nothing to deliver."
                )
            )
        ),
    ] = 2.0,
    worker: Annotated[
        str | None,
        typer.Option(
            help=shown(
                Text(
                    "Tên của tiến trình gửi này trong các lượt giữ (lease).", "This worker's name in leases."
                )
            )
        ),
    ] = None,
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
        relay = _relay(store, settings, worker, str(config or _DEFAULT_CHANNELS))
        totals = {"delivered": 0, "retrying": 0, "given_up": 0}

        def tell(report: Any) -> None:
            for name in totals:
                totals[name] += len(getattr(report, name))
            if report.claimed and not as_json:
                line = Text(
                    f"đã gửi {len(report.delivered)}, sẽ thử lại {len(report.retrying)}, "
                    f"bỏ {len(report.given_up)}",
                    f"delivered {len(report.delivered)}, retrying {len(report.retrying)}, "
                    f"gave up {len(report.given_up)}",
                )
                typer.echo(str(line), err=True)

        stop = threading.Event()
        with relay, _reported():
            if once:
                tell(relay.run_once())
            else:
                for signum in (signal.SIGINT, signal.SIGTERM):
                    signal.signal(signum, lambda *_: stop.set())
                started = Text(
                    f"bộ gửi {relay.worker}: các kênh {', '.join(sorted(relay.notifiers))}",
                    f"relay {relay.worker}: channels {', '.join(sorted(relay.notifiers))}",
                )
                typer.echo(str(started), err=True)
                relay.run_forever(idle=idle, stop=stop, on_round=tell)
            status = relay.status()
    if as_json:
        typer.echo(json.dumps({**totals, "pending": status.pending, "failed": status.failed}))
    elif status.failed:
        failed = Text(
            f"{status.failed} thông báo gửi không được; xem: hoinghe relay status",
            f"{status.failed} failed; see: hoinghe relay status",
        )
        typer.echo(str(failed), err=True)


_COUNTS = {
    "pending": Text("đang chờ", "pending"),
    "due": Text("đến lượt", "due"),
    "leased": Text("đang gửi", "leased"),
    "retrying": Text("chờ thử lại", "retrying"),
    "failed": Text("không gửi được", "failed"),
    "delivered": Text("đã gửi", "delivered"),
}


@relay_app.command(
    "status",
    help=shown(
        Text(
            "Những gì đang chờ trong hộp thư đi, đang được gửi, gửi không được và vì sao.",
            "What waits in the outbox, what is being delivered, what failed and why.",
        )
    ),
)
def relay_status(
    limit: Annotated[
        int,
        typer.Option(
            help=shown(
                Text(
                    "Hiện tối đa chừng này thông báo gửi không được hoặc đang chờ thử lại.",
                    "Show at most this many failed or retrying messages.",
                )
            )
        ),
    ] = 20,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What waits in the outbox, what is being delivered, what failed and why."""
    from hoinghe.engine.clock import SystemClock  # noqa: PLC0415

    with _store(db) as store, _reported():
        status = store.outbox_status(SystemClock().now(), limit=limit)
    counts = {name: getattr(status, name) for name in _COUNTS}
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
    typer.echo("  ".join(f"{_COUNTS[name]} {value}" for name, value in counts.items()))
    if status.oldest_pending is not None:
        written = status.oldest_pending.isoformat(timespec="seconds")
        waiting = Text(f"thông báo chờ lâu nhất được ghi lúc {written}", f"oldest pending written {written}")
        typer.echo(str(waiting))
    for p in problems:
        when = (
            Text(f"đã bỏ lúc {p['failed']}", f"gave up {p['failed']}")
            if p["failed"]
            else Text(f"thử lại lúc {p['next_attempt']}", f"next attempt {p['next_attempt']}")
        )
        line = Text(
            f"{p['key']}  {p['channel']}  {p['attempts']} lần thử  {when.vi}: {p['error']}",
            f"{p['key']}  {p['channel']}  {p['attempts']} attempt(s)  {when.get('en')}: {p['error']}",
        )
        typer.echo(str(line))


@relay_app.command(
    "retry",
    help=shown(
        Text(
            "Đưa lại vào hàng đợi các thông báo mà bộ gửi đã bỏ (sau khi sửa địa chỉ hoặc kênh).",
            "Queue messages the relay gave up on again (after fixing an address or a channel).",
        )
    ),
)
def relay_retry(
    keys: Annotated[
        list[str] | None,
        typer.Argument(
            help=shown(
                Text(
                    "Khóa của các thông báo đã bị bỏ; tất cả nếu không cho khóa nào.",
                    "Keys of messages given up; all of them when none.",
                )
            )
        ),
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
        queued = Text(
            f"đã đưa lại {count} thông báo vào hàng đợi",
            f"queued {count} message{'s' if count != 1 else ''} again",
        )
        typer.echo(str(queued))

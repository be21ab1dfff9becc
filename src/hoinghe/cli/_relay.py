"""Commands of the relay: run, status, retry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from hoinghe.storage import Store

from hoinghe.cli._app import EXIT_USAGE, DbOpt, JsonOpt, _fail, _reported, _store, relay_app

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

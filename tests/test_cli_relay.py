"""``hoinghe relay run|status|retry``, end to end: a founding approved in a commune reaches a webhook receiver and an
SMTP sink on 127.0.0.1, each message once, through the command a union's server runs."""

from __future__ import annotations

import json
import textwrap

import attrs
import pytest
from typer.testing import CliRunner

import world
from hoinghe import SqlStore
from hoinghe.cli import app
from hoinghe.hooks.notifiers import verify_signature

RUNNER = CliRunner()
SECRET = "khoá-bí-mật"  # noqa: S105 - the test receiver's shared secret
EMAILS = {"officer-1": "canbo.yenson@hoind.example.vn", "btv-1": "btv.yenson@hoind.example.vn"}


def run(*args: str, db: str, code: int = 0, env: dict[str, str] | None = None):
    result = RUNNER.invoke(app, list(args), env={"HOINGHE_DB": db, **(env or {})})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    return result


@pytest.fixture
def db(tmp_path):
    """A database holding one founding, approved in commune c-1; its two notifications wait in the outbox."""
    url = f"sqlite:///{tmp_path / 'hoinghe.db'}"
    store = SqlStore(url)
    store.put_org(
        units=world.units(),
        members=world.members(),
        actors=[attrs.evolve(a, email=EMAILS.get(a.id)) for a in world.actors()],
    )
    engine = world.engine(store=store)
    case_id = world.found_until_submitted(engine)
    engine.fire(case_id, "approve", "btv-1", documents=world.DECISION)
    store.close()
    return url


def config(tmp_path, receiver, smtp, extra: str = "") -> str:
    path = tmp_path / "relay.toml"
    path.write_text(
        textwrap.dedent(f"""\
            [relay]
            batch = 50
            lease = 30

            [channels.webhook]
            url = "{receiver.url}"
            secret_env = "HOINGHE_WEBHOOK_SECRET"

            [channels.email]
            host = "127.0.0.1"
            port = {smtp.port}
            sender = "Hội Nông dân xã Yên Sơn <hoi@yenson.example.vn>"
            {extra}
            """),
        "utf-8",
    )
    return str(path)


def test_an_approved_founding_reaches_the_webhook_and_the_mailbox(db, tmp_path, receiver, smtp):
    assert json.loads(run("relay", "status", "--json", db=db).stdout)["pending"] == 2
    settings = config(tmp_path, receiver, smtp)
    env = {"HOINGHE_WEBHOOK_SECRET": SECRET}
    done = json.loads(run("relay", "run", "--once", "--config", settings, "--json", db=db, env=env).stdout)
    assert done == {"delivered": 2, "retrying": 0, "given_up": 0, "pending": 0, "failed": 0}
    (request,) = receiver.requests
    assert verify_signature(request.body, request.headers["X-Hoinghe-Signature"], SECRET)
    body = json.loads(request.body)
    assert body["key"] == request.headers["Idempotency-Key"]
    assert body["transition"] == "approve"
    assert body["message"]["vi"].startswith("Tổ hội mới: Tổ hội nghề nghiệp cam g-new, 6 hội viên")
    (mail,) = smtp.mails()
    assert sorted(smtp.envelopes[0].rcpt_tos) == sorted(EMAILS.values())
    assert mail["Subject"] == "Thành lập Tổ hội nghề nghiệp cam g-new"
    assert "với 6 hội viên" in mail.get_content()
    # Exactly the committed ones: another round sends nothing more.
    again = json.loads(run("relay", "run", "--once", "--config", settings, "--json", db=db, env=env).stdout)
    assert again["delivered"] == 0
    assert (len(receiver.requests), len(smtp.envelopes)) == (1, 1)
    status = json.loads(run("relay", "status", "--json", db=db).stdout)
    assert (status["pending"], status["delivered"], status["failed"]) == (0, 2, 0)


def test_without_a_config_only_the_log_channel_goes_out_and_the_rest_waits_visibly(db):
    result = run("relay", "run", "--once", db=db)
    assert "delivered 0, retrying 2" in result.stderr  # the email and the webhook: neither is configured
    status = run("relay", "status", db=db).stdout
    assert "pending 2" in status
    assert "no notifier for channel 'email'" in status


def test_a_message_given_up_is_listed_and_queued_again_by_retry(db, tmp_path, receiver, smtp):
    smtp.refuse = dict.fromkeys(EMAILS.values(), "550 no such mailbox")
    settings = config(tmp_path, receiver, smtp)
    env = {"HOINGHE_WEBHOOK_SECRET": SECRET}
    done = json.loads(run("relay", "run", "--once", "-c", settings, "--json", db=db, env=env).stdout)
    assert (done["delivered"], done["given_up"], done["failed"]) == (1, 1, 1)
    status = json.loads(run("relay", "status", "--json", db=db).stdout)
    (problem,) = status["problems"]
    assert problem["channel"] == "email"
    assert problem["failed"] is not None
    assert "550" in problem["error"]
    smtp.refuse = {}
    assert run("relay", "retry", db=db).stdout.strip() == "queued 1 message again"
    done = json.loads(run("relay", "run", "--once", "-c", settings, "--json", db=db, env=env).stdout)
    assert done["delivered"] == 1
    assert len(smtp.envelopes) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[relay\n", "relay.toml: "),
        ("[relay]\nspeed = 3\n", "[relay] has no setting speed"),
        ("[relay]\nbatch = -1\n", "[relay] batch must be a positive number"),
        ('[channels.sms]\ntype = "pigeon"\n', "pigeon"),
        (
            '[channels.webhook]\nurl = "http://127.0.0.1:9/h"\nsecret_env = "NOT_SET_ANYWHERE"\n',
            "NOT_SET_ANYWHERE",
        ),
    ],
)
def test_a_bad_config_is_one_clear_line(db, tmp_path, text, message):
    path = tmp_path / "relay.toml"
    path.write_text(text, "utf-8")
    result = RUNNER.invoke(app, ["relay", "run", "--once", "--config", str(path)], env={"HOINGHE_DB": db})
    assert result.exit_code in {1, 2}
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_config_file_is_a_usage_error(db, tmp_path):
    result = RUNNER.invoke(
        app, ["relay", "run", "--config", str(tmp_path / "nope.toml")], env={"HOINGHE_DB": db}
    )
    assert result.exit_code == 2
    assert "cannot read" in result.stderr

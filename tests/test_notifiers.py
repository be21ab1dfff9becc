"""The notifiers against real servers on 127.0.0.1: an HTTP receiver and an SMTP sink; their discovery and config."""

from __future__ import annotations

import importlib.metadata
import json
import logging
import re
import socket
import time
import tomllib
from contextlib import closing
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from hoinghe.errors import DefinitionError, HoingheError
from hoinghe.hooks import notifiers
from hoinghe.hooks.notifiers import (
    DeliveryError,
    EmailNotifier,
    LogNotifier,
    Notifier,
    WebhookNotifier,
    available_notifiers,
    make_notifier,
    notifiers_from_config,
    sign,
    verify_signature,
)
from hoinghe.records import OutboxMessage
from local_servers import Sink, start_smtp

AT = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
SECRET = "bí mật"  # noqa: S105 - the tests' shared webhook secret, not ASCII on purpose
PASSWORD = "m4t-khau"  # noqa: S105 - the SMTP sink's test password
VI = "Tổ hội trồng cam xã Cao Phong đã được Ban Thường vụ công nhận theo Quyết định số 12/QĐ-HND"
EN = "The orange growers' group of Cao Phong commune was approved by the standing committee"
PAYLOAD: dict[str, Any] = {
    "workflow": "found-professional-group",
    "transition": "approve",
    "state": "approved",
    "subject": {"id": "g-1", "name": "Tổ hội trồng cam"},
    "to": [
        {
            "actor": "btv-1",
            "name": "Ban Thường vụ xã",
            "grant": "standing_committee@c-1",
            "email": "btv@xa.example",
        },
        {"actor": "hoi-1", "name": "Chi hội thôn 3", "grant": "branch@b-3"},
        {"actor": "btv-2", "name": "Ban Thường vụ (bản sao)", "email": "BTV@xa.example"},
        {"actor": "ubnd-1", "name": "Ủy ban nhân dân xã", "email": "ubnd@xa.example"},
    ],
    "message": {"vi": VI, "en": EN},
    "title": {"vi": "Công nhận Tổ hội trồng cam", "en": "Orange growers' group approved"},
}


def outbox(key: str = "c-1:3:transition.approve", **changes: Any) -> OutboxMessage:
    fields: dict[str, Any] = {
        "key": key,
        "case_id": "c-1",
        "seq": 3,
        "topic": "transition.approve",
        "payload": PAYLOAD,
        "channel": "webhook",
        "at": AT,
    }
    return OutboxMessage(**(fields | changes))


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_delivery_error_is_a_hoinghe_error_and_transient_unless_said():
    err = DeliveryError("x")
    assert isinstance(err, HoingheError)
    assert err.code == "HNG-E009"
    assert (err.permanent, err.status, err.retry_after) == (False, None, None)
    assert DeliveryError("x", permanent=True).permanent


def test_the_built_ins_are_notifiers():
    built = [LogNotifier(), WebhookNotifier("http://127.0.0.1:9/"), EmailNotifier(sender="hoi@example.vn")]
    for notifier in built:
        assert isinstance(notifier, Notifier)
        notifier.close()
    assert [n.channel for n in built] == ["log", "webhook", "email"]


# ---------------------------------------------------------------------------------------------------- log


def test_log_notifier_writes_one_line_with_key_case_topic_recipients_and_vietnamese(caplog):
    message = outbox(payload=PAYLOAD | {"message": {"vi": "Dòng một\nDòng hai", "en": "Line"}})
    with caplog.at_level(logging.INFO, logger="hoinghe.notify"):
        LogNotifier().send(message)
    [record] = caplog.records
    assert (record.name, record.levelno) == ("hoinghe.notify", logging.INFO)
    line = record.getMessage()
    assert (
        line
        == "c-1:3:transition.approve case=c-1 topic=transition.approve to=btv-1,hoi-1,btv-2,ubnd-1: Dòng một Dòng hai"
    )


def test_log_notifier_never_fails_on_an_odd_payload_and_takes_a_logger_by_name(caplog):
    notifier = LogNotifier(channel="audit", logger="audit.trail")
    with caplog.at_level(logging.INFO, logger="audit.trail"):
        notifier.send(outbox(payload={"to": "nobody", "message": 12}))
        notifier.send(outbox(payload={}))
    assert [r.name for r in caplog.records] == ["audit.trail", "audit.trail"]
    assert caplog.records[0].getMessage().endswith("to=-: ")
    assert notifier.channel == "audit"


# ---------------------------------------------------------------------------------------------------- webhook


def test_webhook_posts_the_payload_as_signed_canonical_json(receiver):
    message = outbox()
    with closing(WebhookNotifier(receiver.url, secret=SECRET, headers={"Authorization": "Bearer t"})) as n:
        n.send(message)
    [request] = receiver.requests
    assert request.path == "/hook"
    document = json.loads(request.body)
    envelope = {
        "key": message.key,
        "case": "c-1",
        "seq": 3,
        "topic": "transition.approve",
        "channel": "webhook",
    }
    assert document == PAYLOAD | envelope | {"at": "2026-03-02T08:30:00+00:00"}
    assert (
        request.body
        == json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    )
    assert "Tổ hội trồng cam".encode() in request.body  # UTF-8 as is, not \u escapes
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.headers["Idempotency-Key"] == request.headers["X-Hoinghe-Key"] == message.key
    assert request.headers["Authorization"] == "Bearer t"
    signature = request.headers["X-Hoinghe-Signature"]
    assert re.fullmatch(r"sha256=[0-9a-f]{64}", signature)
    assert verify_signature(request.body, signature, SECRET)
    assert verify_signature(request.body, signature, SECRET.encode())


def test_the_signature_fails_for_another_secret_a_tampered_body_or_a_malformed_header(receiver):
    with closing(WebhookNotifier(receiver.url, secret=SECRET)) as n:
        n.send(outbox())
    [request] = receiver.requests
    signature = request.headers["X-Hoinghe-Signature"]
    assert verify_signature(request.body, signature, SECRET)
    assert not verify_signature(request.body, signature, SECRET + "2")
    assert not verify_signature(request.body.replace(b'"approved"', b'"rejected"'), signature, SECRET)
    assert not verify_signature(request.body + b" ", signature, SECRET)
    for header in ("", "sha256=", signature.removeprefix("sha256="), "sha1=" + signature[7:], "sha256=ố"):
        assert not verify_signature(request.body, header, SECRET)
    with pytest.raises(ValueError, match="empty"):
        verify_signature(request.body, signature, "")


def test_the_same_message_makes_the_same_bytes_and_signature(receiver):
    with closing(WebhookNotifier(receiver.url, secret=b"k")) as n:
        n.send(outbox())
        n.send(outbox())
        n.send(outbox(key="c-1:4:transition.approve"))
    first, again, other = receiver.requests
    assert (first.body, first.headers["X-Hoinghe-Signature"]) == (
        again.body,
        again.headers["X-Hoinghe-Signature"],
    )
    assert first.headers["X-Hoinghe-Signature"] == sign(first.body, "k")
    assert other.body != first.body


def test_unsigned_without_a_secret_and_own_headers_win(receiver):
    headers = {"content-type": "text/plain", "idempotency-key": "forged", "X-Trace": "abc"}
    with closing(WebhookNotifier(receiver.url, headers=headers)) as n:
        n.send(outbox())
    [request] = receiver.requests
    assert "X-Hoinghe-Signature" not in request.headers
    assert request.headers.get_list("Content-Type") == ["application/json; charset=utf-8"]
    assert request.headers.get_list("Idempotency-Key") == ["c-1:3:transition.approve"]
    assert request.headers["X-Trace"] == "abc"


def test_the_envelope_wins_over_payload_keys_of_the_same_name(receiver):
    with closing(WebhookNotifier(receiver.url)) as n:
        n.send(outbox(payload={"key": "forged", "seq": 99, "note": "kept"}))
    document = json.loads(receiver.requests[0].body)
    assert (document["key"], document["seq"], document["note"]) == ("c-1:3:transition.approve", 3, "kept")
    assert document["at"] == "2026-03-02T08:30:00+00:00"


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_a_2xx_answer_is_delivery(receiver, status):
    receiver.reply(status)
    with closing(WebhookNotifier(receiver.url)) as n:
        n.send(outbox())
    assert len(receiver.requests) == 1


@pytest.mark.parametrize(
    ("status", "permanent"),
    [
        (500, False),
        (502, False),
        (503, False),
        (408, False),
        (425, False),
        (429, False),
        (400, True),
        (401, True),
        (403, True),
        (404, True),
        (410, True),
        (422, True),
    ],
)
def test_statuses_are_transient_or_permanent(receiver, status, permanent):
    receiver.reply(status, body=b"went wrong\nhere")
    with closing(WebhookNotifier(receiver.url)) as n, pytest.raises(DeliveryError) as caught:
        n.send(outbox())
    assert caught.value.permanent is permanent
    assert caught.value.status == status
    assert f"{receiver.url} answered {status}" in str(caught.value)
    assert "went wrong here" in str(caught.value)


def test_retry_after_is_passed_on(receiver):
    receiver.reply(429, headers={"Retry-After": "7"})
    receiver.reply(503, headers={"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"})
    with closing(WebhookNotifier(receiver.url)) as n:
        with pytest.raises(DeliveryError) as first:
            n.send(outbox())
        with pytest.raises(DeliveryError) as second:
            n.send(outbox())
    assert (first.value.retry_after, first.value.permanent) == (7.0, False)
    assert second.value.retry_after is None


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_permanent_and_never_followed(receiver, status):
    receiver.reply(status, headers={"Location": "http://127.0.0.2:1/elsewhere"})
    with closing(WebhookNotifier(receiver.url)) as n, pytest.raises(DeliveryError) as caught:
        n.send(outbox())
    assert caught.value.permanent
    assert "redirect to http://127.0.0.2:1/elsewhere is not followed" in str(caught.value)
    assert len(receiver.requests) == 1


def test_a_given_client_that_follows_redirects_still_does_not(receiver):
    receiver.reply(302, headers={"Location": receiver.url + "/again"})
    with httpx.Client(follow_redirects=True) as client:
        notifier = WebhookNotifier(receiver.url, client=client)
        with pytest.raises(DeliveryError, match="not followed"):
            notifier.send(outbox())
        notifier.close()
        assert not client.is_closed  # the caller's client is the caller's to close
    assert len(receiver.requests) == 1


def test_its_own_client_is_reused_and_closed():
    notifier = WebhookNotifier("http://127.0.0.1:9/")
    client = notifier._client
    notifier.close()
    assert client.is_closed


def test_a_timeout_is_transient(receiver):
    receiver.reply(200, delay=10)
    started = time.monotonic()
    with closing(WebhookNotifier(receiver.url, timeout=0.2)) as n, pytest.raises(DeliveryError) as caught:
        n.send(outbox())
    assert time.monotonic() - started < 5
    assert not caught.value.permanent
    assert "did not answer within 0.2s" in str(caught.value)


def test_nobody_listening_is_transient():
    url = f"http://127.0.0.1:{free_port()}/hook"
    with closing(WebhookNotifier(url)) as n, pytest.raises(DeliveryError) as caught:
        n.send(outbox())
    assert not caught.value.permanent
    assert f"cannot reach {url}" in str(caught.value)


def test_messages_and_repr_hide_credentials_query_and_secret(receiver):
    receiver.reply(500)
    url = receiver.url.replace("http://", "http://user:pa55@") + "?token=t0k"
    notifier = WebhookNotifier(url, secret=SECRET)
    with closing(notifier), pytest.raises(DeliveryError) as caught:
        notifier.send(outbox())
    assert receiver.requests[0].path == "/hook?token=t0k"
    assert receiver.requests[0].headers["Authorization"].startswith("Basic ")
    for shown in (str(caught.value), repr(notifier)):
        assert receiver.url in shown
        assert "pa55" not in shown
        assert "t0k" not in shown
        assert SECRET not in shown


@pytest.mark.parametrize("payload", [{"when": AT}, {"ratio": float("nan")}, {1: "x", "a": "y"}])
def test_a_payload_that_is_not_json_is_permanent_and_nothing_is_sent(receiver, payload):
    with closing(WebhookNotifier(receiver.url)) as n, pytest.raises(DeliveryError) as caught:
        n.send(outbox(payload=payload))
    assert caught.value.permanent
    assert "cannot be sent as JSON" in str(caught.value)
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("url", "options", "match"),
    [
        ("ftp://127.0.0.1/x", {}, "http:// or https://"),
        ("hook", {}, "http:// or https://"),
        ("http://[::1/", {}, "not a URL"),
        ("http://127.0.0.1/", {"secret": ""}, "empty"),
        ("http://127.0.0.1/", {"timeout": 0}, "positive"),
        ("http://127.0.0.1/", {"timeout": "10"}, "positive"),
    ],
)
def test_webhook_refuses_bad_settings(url, options, match):
    with pytest.raises(ValueError, match=match):
        WebhookNotifier(url, **options)


# ---------------------------------------------------------------------------------------------------- email


def mailer(sink: Sink, **options: Any) -> EmailNotifier:
    return EmailNotifier(
        "127.0.0.1", sink.port, sender="hoi@example.vn", local_hostname="hoinghe.test", **options
    )


def test_email_reaches_each_recipient_once_in_both_languages(smtp):
    mailer(smtp).send(outbox())
    [envelope] = smtp.envelopes
    assert envelope.mail_from == "hoi@example.vn"
    assert envelope.rcpt_tos == ["btv@xa.example", "ubnd@xa.example"]  # no address, and a duplicate, left out
    [mail] = smtp.mails()
    assert mail["Subject"] == "Công nhận Tổ hội trồng cam"
    assert mail["From"] == "hoi@example.vn"
    assert [a.display_name for a in mail["To"].addresses] == ["Ban Thường vụ xã", "Ủy ban nhân dân xã"]
    assert mail["X-Hoinghe-Key"] == "c-1:3:transition.approve"
    assert mail["Date"].datetime == AT
    assert mail.get_content_charset() == "utf-8"
    assert mail.get_content() == f"{VI}\n\n---\n{EN}\n"


def test_message_id_is_stable_per_key_and_distinct_between_keys(smtp):
    notifier = mailer(smtp)
    notifier.send(outbox())
    notifier.send(outbox())
    notifier.send(outbox(key="c-1:3:transition.approve:1"))
    first, again, other = (m["Message-ID"] for m in smtp.mails())
    assert first == again == "<c-1=3A3=3Atransition.approve@hoinghe>"
    assert other != first


@pytest.mark.parametrize(
    "keys",
    [
        ("a:b", "a.b", "a=3Ab"),
        ("x..y", "x.=2E.y"),
        (".a", "=2Ea"),
        ("a.", "a=2E"),
        ("tổ hội", "t=E1=BB=95 h"),
    ],
)
def test_message_ids_are_valid_and_never_collide(keys):
    ids = [notifiers._message_id(key) for key in keys]
    assert len(set(ids)) == len(ids)
    for message_id in ids:
        left = message_id.removeprefix("<").removesuffix("@hoinghe>")
        assert re.fullmatch(r"[A-Za-z0-9=_-]+(\.[A-Za-z0-9=_-]+)*", left), message_id


def test_without_a_title_the_subject_is_the_start_of_the_vietnamese_message(smtp):
    payload = {k: v for k, v in PAYLOAD.items() if k != "title"}
    payload["message"] = {"vi": "Nhắc hạn:\n" + VI, "en": EN}
    mailer(smtp).send(outbox(payload=payload))
    [mail] = smtp.mails()
    assert mail["Subject"] == ("Nhắc hạn: " + VI)[:80].rstrip()
    assert len(mail["Subject"]) <= 80


def test_no_email_address_is_permanent_and_nothing_is_sent(smtp):
    unusable = ["", "not an address", "a@", "x@y.vn\r\nBcc: z@z.vn", "a@b.vn, c@d.vn", "người@xa.vn", 7]
    payload = PAYLOAD | {
        "to": [{"actor": "a", "name": "Ông A"}, *({"actor": "b", "email": e} for e in unusable)]
    }
    for notifier in (mailer(smtp), EmailNotifier("127.0.0.1", free_port(), sender="hoi@example.vn")):
        with pytest.raises(DeliveryError) as caught:
            notifier.send(outbox(payload=payload))
        assert caught.value.permanent
        assert str(caught.value) == "no recipient of c-1:3:transition.approve has an email address"
    assert smtp.envelopes == []


def test_a_server_that_is_down_is_transient():
    with pytest.raises(DeliveryError) as caught:
        EmailNotifier("127.0.0.1", free_port(), sender="hoi@example.vn", timeout=2).send(outbox())
    assert not caught.value.permanent
    assert "cannot deliver through 127.0.0.1:" in str(caught.value)


def test_some_recipients_refused_is_delivery_to_the_others(smtp, caplog):
    smtp.refuse["btv@xa.example"] = "550 5.1.1 no such mailbox"
    mailer(smtp).send(outbox())
    assert smtp.envelopes[0].rcpt_tos == ["ubnd@xa.example"]
    assert "btv@xa.example: 550 5.1.1 no such mailbox" in caplog.text


@pytest.mark.parametrize(
    ("replies", "permanent"),
    [
        (("550 5.1.1 no such mailbox", "553 5.1.3 bad address"), True),
        (("550 5.1.1 gone", "450 4.2.1 busy"), False),
    ],
)
def test_every_recipient_refused_fails_for_good_only_when_every_refusal_is_5xx(smtp, replies, permanent):
    smtp.refuse.update(zip(["btv@xa.example", "ubnd@xa.example"], replies, strict=True))
    with pytest.raises(DeliveryError) as caught:
        mailer(smtp).send(outbox())
    assert caught.value.permanent is permanent
    assert "refused every recipient" in str(caught.value)
    assert "ubnd@xa.example" in str(caught.value)
    assert smtp.envelopes == []


@pytest.mark.parametrize(
    ("reply", "permanent"), [("554 5.6.0 rejected", True), ("451 4.3.0 try later", False)]
)
def test_a_refused_message_is_permanent_on_5xx_and_transient_on_4xx(smtp, reply, permanent):
    smtp.data_reply = reply
    with pytest.raises(DeliveryError) as caught:
        mailer(smtp).send(outbox())
    assert (caught.value.permanent, caught.value.status) == (permanent, int(reply[:3]))


def test_login_before_sending():
    logins: list[tuple[bytes, bytes]] = []

    def authenticate(server, session, envelope, mechanism, data) -> AuthResult:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        # Not "handled": the server then answers 535 itself.
        return AuthResult(success=data.password == PASSWORD.encode(), handled=False)

    sink = Sink()
    controller = start_smtp(sink, authenticator=authenticate, auth_require_tls=False)
    try:
        mailer(sink, username="hoi", password=PASSWORD).send(outbox())
        with pytest.raises(DeliveryError) as caught:
            mailer(sink, username="hoi", password=PASSWORD + "-sai").send(outbox())
    finally:
        controller.stop()
    assert logins[0] == (b"hoi", PASSWORD.encode())
    assert set(logins[1:]) == {
        (b"hoi", (PASSWORD + "-sai").encode())
    }  # smtplib tries each mechanism the server offers
    assert len(sink.envelopes) == 1
    assert (caught.value.permanent, caught.value.status) == (True, 535)


def test_a_sender_with_a_vietnamese_name(smtp):
    EmailNotifier("127.0.0.1", smtp.port, sender="Hội Nông dân xã <hoi@example.vn>").send(outbox())
    assert smtp.envelopes[0].mail_from == "hoi@example.vn"
    assert smtp.mails()[0]["From"].addresses[0].display_name == "Hội Nông dân xã"


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"sender": "hoi@example.vn", "ssl": True, "starttls": True}, "not both"),
        ({"sender": "hoi@example.vn", "username": "hoi"}, "together"),
        ({"sender": "not an address"}, "sender: 'not an address' is not one email address"),
        ({"sender": "a@b.vn, c@d.vn"}, "not one email address"),
        ({"sender": "a@b.vn\r\nBcc: c@d.vn"}, "not one email address"),
        ({"sender": "a@"}, "not an email address"),
        ({"sender": ""}, "not one email address"),
        ({"sender": "hoi@example.vn", "port": "25"}, "port"),
        ({"sender": "hoi@example.vn", "port": 0}, "port"),
        ({"sender": "hoi@example.vn", "timeout": -1}, "positive"),
    ],
)
def test_email_refuses_bad_settings(options, match):
    with pytest.raises(ValueError, match=match):
        EmailNotifier(**options)


def test_email_repr_hides_the_password():
    notifier = EmailNotifier(sender="hoi@example.vn", username="hoi", password=PASSWORD)
    assert PASSWORD not in repr(notifier)


# ---------------------------------------------------------------------------------------------------- discovery


class Point:
    """An entry point whose object is already at hand (a real one would import a module by name)."""

    def __init__(self, name: str, obj: Any = None, value: str | None = None) -> None:
        self.name, self.obj = name, obj
        self.value = value or f"tests:{name}"
        self.module, _, self.attr = self.value.partition(":")

    def load(self) -> Any:
        if self.obj is None:
            return importlib.metadata.EntryPoint(self.name, self.value, notifiers.ENTRY_POINT_GROUP).load()
        return self.obj


class Tracked:
    """A notifier kind from a plug-in, that remembers being closed."""

    made: list[Tracked] = []  # noqa: RUF012 - shared on purpose, reset by the fixture

    def __init__(self, channel: str = "tracked", colour: str = "green") -> None:
        self.channel, self.colour, self.closed = channel, colour, False
        Tracked.made.append(self)

    def send(self, message: OutboxMessage) -> None:
        pass

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def registered(monkeypatch):
    """Set the entry points of the ``hoinghe.notifiers`` group."""
    Tracked.made = []

    def register(*points: Point) -> None:
        def entry_points(*, group: str) -> list[Point]:
            assert group == "hoinghe.notifiers"
            return list(points)

        monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)

    register()
    return register


def test_the_built_ins_are_there_without_any_entry_point(registered):
    assert available_notifiers() == {"email": EmailNotifier, "log": LogNotifier, "webhook": WebhookNotifier}


def test_an_installed_package_registers_a_kind_through_its_metadata(tmp_path, monkeypatch, caplog):
    info = tmp_path / "hoinghe_sms-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hoinghe-sms\nVersion: 0.1\n")
    entry_points = (
        "[hoinghe.notifiers]\nsms = hoinghe.hooks.notifiers:LogNotifier\nwebhook = sms_plugin:Hook\n"
    )
    (info / "entry_points.txt").write_text(entry_points)
    monkeypatch.syspath_prepend(tmp_path)
    kinds = available_notifiers()
    assert (kinds["sms"], kinds["webhook"]) == (LogNotifier, WebhookNotifier)
    assert make_notifier("sms", {}, channel="sms").channel == "sms"
    assert "webhook = sms_plugin:Hook may not replace the built-in notifier" in caplog.text


def test_entry_points_add_kinds_but_never_replace_a_built_in(registered, caplog):
    registered(
        Point("tracked", Tracked),
        Point("log", value="hoinghe.hooks.notifiers:LogNotifier"),  # the package's own registration
        Point("webhook", Tracked, value="evil:Hook"),
        Point("broken", value="hoinghe.no_such_module:Notifier"),
        Point("tracked", Tracked, value="other:Tracked"),
    )
    with caplog.at_level(logging.WARNING, logger="hoinghe.notify"):
        kinds = available_notifiers()
    assert kinds == {
        "email": EmailNotifier,
        "log": LogNotifier,
        "tracked": Tracked,
        "webhook": WebhookNotifier,
    }
    assert "entry point webhook = evil:Hook may not replace the built-in notifier" in caplog.text
    assert "'broken' (entry point hoinghe.no_such_module:Notifier) cannot be loaded" in caplog.text
    assert "'tracked' is registered twice" in caplog.text
    assert "log = " not in caplog.text


def test_make_notifier_builds_a_registered_kind_with_its_options(registered):
    registered(Point("tracked", Tracked))
    notifier = make_notifier("tracked", {"colour": "red"}, channel="district")
    assert isinstance(notifier, Tracked)
    assert (notifier.channel, notifier.colour) == ("district", "red")
    assert make_notifier("log", {}).channel == "log"


def test_make_notifier_names_the_available_kinds_for_an_unknown_one(registered):
    registered(Point("tracked", Tracked))
    with pytest.raises(DefinitionError) as caught:
        make_notifier("sms", {})
    assert "unknown notifier kind 'sms'; available: email, log, tracked, webhook" in str(caught.value)
    assert [d.code for d in caught.value.diagnostics] == ["HNG-S004"]
    assert isinstance(caught.value, ValueError)


def test_make_notifier_says_why_a_registered_kind_cannot_be_loaded(registered):
    registered(Point("broken", value="hoinghe.no_such_module:Notifier"))
    with pytest.raises(
        DefinitionError, match=r"'broken' \(entry point hoinghe.no_such_module:Notifier\) cannot be"
    ):
        make_notifier("broken", {})


@pytest.mark.parametrize(
    ("kind", "options", "channel", "expected"),
    [
        ("webhook", {}, None, "$: HNG-S002 notifier kind 'webhook' needs option 'url'"),
        ("email", {"port": 2525}, None, "$: HNG-S002 notifier kind 'email' needs option 'sender'"),
        (
            "email",
            {"sender": "hoi@example.vn", "colour": "red"},
            None,
            "$.colour: HNG-S001 unknown option 'colour' for notifier kind 'email'; known: channel, host,",
        ),
        (
            "email",
            {"sender": "hoi@example.vn", "port": "2525"},
            None,
            "HNG-S004 notifier kind 'email': SMTP port",
        ),
        ("log", {"channel": "a"}, "b", "$.channel: HNG-S004 channel 'b' is given twice"),
        ("junk", {}, None, "notifier kind 'junk' made 42, which has no channel, send() or close()"),
    ],
)
def test_make_notifier_names_the_option_and_the_kind(registered, kind, options, channel, expected):
    registered(Point("junk", lambda **_: 42))
    with pytest.raises(DefinitionError) as caught:
        make_notifier(kind, options, channel=channel)
    assert expected in str(caught.value)


# ---------------------------------------------------------------------------------------------------- config

CONFIG = """
[relay]
batch = 50

[channels.webhook]
url = "{url}"
secret_env = "HOINGHE_WEBHOOK_SECRET"
timeout = 2.5

[channels.email]
host = "127.0.0.1"
port = {port}
sender = "hoi@example.vn"

[channels.district-mail]
type = "email"
host = "127.0.0.1"
port = {port}
sender = "Hội Nông dân huyện <huyen@example.vn>"

[channels.audit]
type = "log"
"""


def test_notifiers_from_config_reads_secrets_from_the_environment(registered, receiver, smtp, monkeypatch):
    monkeypatch.setenv("HOINGHE_WEBHOOK_SECRET", "từ môi trường")
    config = tomllib.loads(CONFIG.format(url=receiver.url, port=smtp.port))
    made = notifiers_from_config(config)
    try:
        assert {name: type(n) for name, n in made.items()} == {
            "webhook": WebhookNotifier,
            "email": EmailNotifier,
            "district-mail": EmailNotifier,
            "audit": LogNotifier,
        }
        assert {name: n.channel for name, n in made.items()} == {name: name for name in made}
        for notifier in made.values():
            notifier.send(outbox(channel=notifier.channel))
    finally:
        for notifier in made.values():
            notifier.close()
    [request] = receiver.requests
    assert verify_signature(request.body, request.headers["X-Hoinghe-Signature"], "từ môi trường")
    assert [m["From"] for m in smtp.mails()] == ["hoi@example.vn", "Hội Nông dân huyện <huyen@example.vn>"]


def test_env_options_can_come_from_a_given_mapping(registered, monkeypatch):
    monkeypatch.delenv("HOOK_URL", raising=False)
    config = {"channels": {"hook": {"type": "webhook", "url_env": "HOOK_URL"}}}
    made = notifiers_from_config(config, environ={"HOOK_URL": "https://hooks.example/in"})
    assert made["hook"].channel == "hook"
    assert isinstance(made["hook"], WebhookNotifier)
    assert made["hook"].url == "https://hooks.example/in"
    made["hook"].close()


def test_a_missing_environment_variable_is_named(registered, monkeypatch):
    monkeypatch.delenv("HOINGHE_WEBHOOK_SECRET", raising=False)
    config = {"channels": {"webhook": {"url": "http://127.0.0.1:9/", "secret_env": "HOINGHE_WEBHOOK_SECRET"}}}
    with pytest.raises(DefinitionError) as caught:
        notifiers_from_config(config)
    [problem] = caught.value.diagnostics
    assert problem.path == "$.channels.webhook.secret_env"
    said = str(problem.message)
    assert "environment variable HOINGHE_WEBHOOK_SECRET (named by `secret_env`) is not set" in said


def test_every_problem_of_every_channel_is_reported_at_once_and_made_notifiers_are_closed(registered):
    registered(Point("tracked", Tracked))
    config = {
        "channels": {
            "tracked": {},
            "sms": {"number": "113"},
            "email": {"host": "127.0.0.1"},
            "hook": {"type": "webhook", "url": "http://127.0.0.1:9/", "secret": "a", "secret_env": "B"},
            "named": {"type": "log", "channel": "other"},
            "tables": "not a table",
            "kind": {"type": 3},
            "env": {"type": "log", "logger_env": 7},
        }
    }
    with pytest.raises(DefinitionError) as caught:
        notifiers_from_config(config, environ={})
    found = [(d.path, d.code) for d in caught.value.diagnostics]
    assert found == [
        ("$.channels.sms.type", "HNG-S004"),
        ("$.channels.email", "HNG-S002"),
        ("$.channels.hook.secret_env", "HNG-S004"),
        ("$.channels.named.channel", "HNG-S001"),
        ("$.channels.tables", "HNG-S003"),
        ("$.channels.kind.type", "HNG-S003"),
        ("$.channels.env.logger_env", "HNG-S003"),
    ]
    assert [t.closed for t in Tracked.made] == [True]


def test_a_config_without_channels_makes_none_and_a_wrong_channels_value_is_refused(registered):
    assert notifiers_from_config({"relay": {"batch": 5}}) == {}
    with pytest.raises(DefinitionError, match=r"\$.channels: HNG-S003 `channels` must be a table"):
        notifiers_from_config({"channels": ["webhook"]})

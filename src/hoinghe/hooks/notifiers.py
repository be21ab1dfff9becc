"""Notifiers: how the outbox relay delivers a notification (a log line, a webhook POST, an email).

A notifier is any object with a ``channel`` name, ``send(message)`` and ``close()`` (:class:`Notifier`); no base
class.  ``send`` returns once the message is delivered and raises when it is not: a :class:`DeliveryError` with
``permanent=True`` when sending the same message again cannot succeed (the relay gives it up); a
``DeliveryError`` with ``permanent=False``, or any other exception, when a later attempt may (the relay retries it
with backoff).  Delivery is at least once, so a receiver de-duplicates by the message key: a webhook carries it in
the ``Idempotency-Key`` and ``X-Hoinghe-Key`` headers, an email in its ``Message-ID`` and ``X-Hoinghe-Key``.

Kinds of notifier are found by name (:func:`make_notifier`): the built-ins ``log``, ``webhook`` and ``email``, and
every factory registered under the ``hoinghe.notifiers`` entry-point group.  A factory takes its options as keyword
arguments, ``channel`` among them.  :func:`notifiers_from_config` builds a relay's channels from its configuration,
reading secrets from the environment so that they never sit in a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import importlib.metadata
import inspect
import json
import logging
import os
import re
import smtplib
import ssl as tls
from collections.abc import Callable, Mapping
from email import policy
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Protocol, runtime_checkable

import httpx

from hoinghe.errors import DefinitionError, Diagnostic, HoingheError, format_path
from hoinghe.i18n import Text
from hoinghe.org.frozen import thaw
from hoinghe.records import OutboxMessage

__all__ = [
    "ENTRY_POINT_GROUP",
    "DeliveryError",
    "EmailNotifier",
    "LogNotifier",
    "Notifier",
    "WebhookNotifier",
    "available_notifiers",
    "make_notifier",
    "notifiers_from_config",
    "sign",
    "verify_signature",
]

#: The entry-point group other packages register notifier factories under.
ENTRY_POINT_GROUP = "hoinghe.notifiers"

log = logging.getLogger("hoinghe.notify")


class DeliveryError(HoingheError):
    """A notification was not delivered; the message says why, in Vietnamese and English.

    hoinghe's notifiers give a :class:`~hoinghe.i18n.Text`; a plug-in may give a plain string, shown as it is in
    both languages.

    Attributes:
        permanent: sending the same message again cannot succeed (an HTTP 4xx answer, no email address, every
            recipient refused for good); the relay gives it up instead of retrying.
        status: the HTTP status or SMTP reply code, when there was one.
        retry_after: the seconds the receiver asked to wait before the next attempt (``Retry-After``).
    """

    code = "HNG-E009"

    def __init__(
        self,
        message: Text | str,
        *,
        permanent: bool = False,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.permanent = permanent
        self.status = status
        self.retry_after = retry_after
        super().__init__(message)


@runtime_checkable
class Notifier(Protocol):
    """Delivers the outbox messages of one channel."""

    channel: str

    def send(self, message: OutboxMessage) -> None:
        """Deliver ``message``; return once it is delivered, raise when it is not (see :class:`DeliveryError`)."""
        ...

    def close(self) -> None:
        """Release connections; the notifier is not used afterwards."""
        ...


# ---------------------------------------------------------------------------------------------------- payload


def _text(value: Any, language: str) -> str:
    """The ``language`` text of a ``{"vi": ..., "en": ...}`` mapping (a bare string is Vietnamese); "" if none."""
    if isinstance(value, str):
        return value if language == "vi" else ""
    if isinstance(value, Mapping):
        text = value.get(language)
        return text if isinstance(text, str) else ""
    return ""


def _said(exc: BaseException) -> Text:
    """What an exception says, in both languages: its :class:`Text`, or its one text in both when it has none."""
    if isinstance(exc, HoingheError):
        return exc.text
    first = exc.args[0] if exc.args else None
    return first if isinstance(first, Text) else Text.same(str(exc))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _recipients(payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    to = payload.get("to")
    if not isinstance(to, list | tuple):
        return []
    return [r for r in to if isinstance(r, Mapping)]


def _positive(timeout: object) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        msg = Text(
            f"timeout phải là một số giây lớn hơn 0, không phải {timeout!r}",
            f"timeout must be a positive number of seconds, not {timeout!r}",
        )
        raise ValueError(msg)
    return float(timeout)


# ---------------------------------------------------------------------------------------------------- log


class LogNotifier:
    """Writes one line per message at INFO to the ``hoinghe.notify`` logger (or ``logger``); never fails.

    Args:
        channel: the channel it serves.
        logger: a logger, or the name of one; ``hoinghe.notify`` when not given.
    """

    def __init__(self, channel: str = "log", logger: logging.Logger | str | None = None) -> None:
        self.channel = channel
        self.logger = logging.getLogger(logger) if isinstance(logger, str) else logger or log

    def send(self, message: OutboxMessage) -> None:
        """Log ``message``: its key, case, topic, recipients and Vietnamese text."""
        payload = message.payload
        to = ",".join(
            str(r.get("actor") or r.get("name") or r.get("email") or "?") for r in _recipients(payload)
        )
        text = _one_line(_text(payload.get("message"), "vi"))
        self.logger.info(
            "%s case=%s topic=%s to=%s: %s", message.key, message.case_id, message.topic, to or "-", text
        )

    def close(self) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        return f"LogNotifier(channel={self.channel!r}, logger={self.logger.name!r})"


# ---------------------------------------------------------------------------------------------------- webhook

# Statuses that say "not now" rather than "never": timeout, too early, too many requests (and every 5xx).
_RETRYABLE = frozenset({408, 425, 429})


def _secret_bytes(secret: str | bytes) -> bytes:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    if not key:
        msg = Text(
            "khóa bí mật (secret) của webhook đang rỗng; hãy cho một khóa, hoặc không cho khóa nào để gửi không ký",
            "the webhook secret is empty; give a secret, or none to send unsigned",
        )
        raise ValueError(msg)
    return key


def sign(body: bytes, secret: str | bytes) -> str:
    """The ``X-Hoinghe-Signature`` of ``body``: ``sha256=`` and the hex HMAC-SHA256 of the bytes under ``secret``."""
    return "sha256=" + hmac.new(_secret_bytes(secret), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str, secret: str | bytes) -> bool:
    """Whether ``header``, an ``X-Hoinghe-Signature`` value, signs exactly ``body`` under ``secret``.

    A receiver passes the raw request body, before parsing it.  The comparison takes constant time.
    """
    return hmac.compare_digest(sign(body, secret).encode("ascii"), header.strip().encode("utf-8"))


def _json_body(message: OutboxMessage) -> bytes:
    envelope = {
        "key": message.key,
        "case": message.case_id,
        "seq": message.seq,
        "topic": message.topic,
        "channel": message.channel,
        "at": message.at.isoformat() if message.at is not None else None,
    }
    # The envelope wins over a payload key of the same name: the key in the body must be the key in the headers.
    document = {**thaw(message.payload), **envelope}
    try:
        text = json.dumps(
            document, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
        )
        return text.encode("utf-8")
    except (TypeError, ValueError) as exc:
        msg = Text(
            f"nội dung của {message.key} không gửi được dưới dạng JSON: {exc}",
            f"the payload of {message.key} cannot be sent as JSON: {exc}",
        )
        raise DeliveryError(msg, permanent=True) from exc


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    return float(value) if value.isdigit() else None  # the HTTP-date form would need a clock; left to backoff


def _check_response(response: httpx.Response, key: str, url: str) -> None:
    status = response.status_code
    if 200 <= status < 300:  # noqa: PLR2004 - the 2xx range
        return
    said = _one_line(response.text)[:200]
    reason = f" {response.reason_phrase}" if response.reason_phrase else ""
    tail = f": {said}" if said else ""
    where = Text(
        f"{key}: {url} trả lời {status}{reason}{tail}", f"{key}: {url} answered {status}{reason}{tail}"
    )
    if 300 <= status < 400:  # noqa: PLR2004 - the 3xx range
        found = response.headers.get("Location")
        location = Text.same(found) if found else Text("(không có địa chỉ)", "nowhere")
        msg = Text(
            f"{where.vi}; không đi theo chuyển hướng tới {location.vi}: hãy cấu hình URL cuối cùng",
            f"{where.get('en')}; the redirect to {location.get('en')} is not followed: configure the final URL",
        )
        raise DeliveryError(msg, permanent=True, status=status)
    if status in _RETRYABLE or 500 <= status < 600:  # noqa: PLR2004 - the 5xx range
        raise DeliveryError(where, status=status, retry_after=_retry_after(response))
    raise DeliveryError(where, permanent=True, status=status)


class WebhookNotifier:
    """POSTs each message as JSON to a URL, signed with HMAC-SHA256 when a secret is given.

    The body is the payload with ``key``, ``case``, ``seq``, ``topic``, ``channel`` and ``at`` added: UTF-8 JSON
    with sorted keys and no spaces, so the same message always makes the same bytes.  Headers:
    ``Idempotency-Key`` and ``X-Hoinghe-Key`` (the message key) and, with a secret, ``X-Hoinghe-Signature``
    (see :func:`verify_signature`).  A 2xx answer is delivery; 408, 425, 429, 5xx, a timeout or a network
    failure is transient; any other answer, a redirect included (never followed), is permanent.

    Args:
        url: an ``http`` or ``https`` URL.
        secret: the HMAC key shared with the receiver.
        channel: the channel it serves.
        timeout: seconds for connecting, and for each read and write.
        headers: more headers to send (``Authorization`` ...); the ones above win over them.
        client: an ``httpx.Client`` to use, owned and closed by the caller; one of its own otherwise.
    """

    def __init__(
        self,
        url: str,
        *,
        secret: str | bytes | None = None,
        channel: str = "webhook",
        timeout: float = 10.0,
        headers: Mapping[str, str] | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as exc:
            msg = Text(
                f"URL webhook {url!r} không phải là URL: {exc}", f"webhook URL {url!r} is not a URL: {exc}"
            )
            raise ValueError(msg) from exc
        if parsed.scheme not in {"http", "https"} or not parsed.host:
            msg = Text(
                f"URL webhook {url!r} phải là URL http:// hoặc https:// có tên máy chủ",
                f"webhook URL {url!r} must be an http:// or https:// URL with a host",
            )
            raise ValueError(msg)
        self.url = str(parsed)
        self.channel = channel
        self.timeout = _positive(timeout)
        self._secret = _secret_bytes(secret) if secret is not None else None
        self._headers = httpx.Headers(headers or {})
        # Messages name the URL without credentials or query string, where tokens tend to live.
        self._shown = str(parsed.copy_with(username=None, password=None, query=None))
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client(timeout=self.timeout)

    def send(self, message: OutboxMessage) -> None:
        """POST ``message``; raise :class:`DeliveryError` unless the answer is 2xx."""
        body = _json_body(message)
        headers = self._headers.copy()
        headers["Content-Type"] = "application/json; charset=utf-8"
        headers["Idempotency-Key"] = message.key
        headers["X-Hoinghe-Key"] = message.key
        if self._secret is not None:
            headers["X-Hoinghe-Signature"] = sign(body, self._secret)
        try:
            response = self._client.post(
                self.url, content=body, headers=headers, timeout=self.timeout, follow_redirects=False
            )
        except httpx.TimeoutException as exc:
            msg = Text(
                f"{message.key}: {self._shown} không trả lời trong {self.timeout:g} giây ({type(exc).__name__})",
                f"{message.key}: {self._shown} did not answer within {self.timeout:g}s ({type(exc).__name__})",
            )
            raise DeliveryError(msg) from exc
        except httpx.TransportError as exc:
            msg = Text(
                f"{message.key}: không kết nối được tới {self._shown}: {type(exc).__name__}: {exc}",
                f"{message.key}: cannot reach {self._shown}: {type(exc).__name__}: {exc}",
            )
            raise DeliveryError(msg) from exc
        _check_response(response, message.key, self._shown)

    def close(self) -> None:
        """Close the HTTP client, unless the caller gave it."""
        if self._owns_client:
            self._client.close()

    def __repr__(self) -> str:
        signed = self._secret is not None
        return f"WebhookNotifier({self._shown!r}, channel={self.channel!r}, signed={signed})"


# ---------------------------------------------------------------------------------------------------- email

_ID_SAFE = re.compile(r"[A-Za-z0-9._-]")
# A Message-ID's left part is a dot-atom: no dot first, last, or next to another.
_ID_BAD_DOT = re.compile(r"^\.|\.$|\.(?=\.)")


def _message_id(key: str) -> str:
    """``<left@hoinghe>`` with the key's unsafe characters written ``=XX``: stable, and distinct keys stay distinct."""
    left = "".join(c if _ID_SAFE.fullmatch(c) else "".join(f"={b:02X}" for b in c.encode()) for c in key)
    return f"<{_ID_BAD_DOT.sub('=2E', left)}@hoinghe>"


def _address(text: str) -> Address:
    """The one email address in ``text`` (``a@b.vn`` or ``Tên <a@b.vn>``); ValueError unless exactly one, sound."""
    try:
        header = policy.default.header_factory("To", text)
    except (IndexError, HeaderParseError) as exc:  # the stdlib parser trips on some malformed input (``a@``)
        msg = Text(f"{text!r} không phải là địa chỉ email", f"{text!r} is not an email address")
        raise ValueError(msg) from exc
    addresses: tuple[Address, ...] = header.addresses
    if len(addresses) != 1 or header.defects or not addresses[0].domain:
        defects = "; ".join(str(d) for d in header.defects)
        problems = (
            Text.same(defects)
            if defects
            else Text("cần đúng một địa chỉ có tên miền", "one address with a domain expected")
        )
        msg = Text(
            f"{text!r} không phải là đúng một địa chỉ email ({problems.vi})",
            f"{text!r} is not one email address ({problems.get('en')})",
        )
        raise ValueError(msg)
    return addresses[0]


def _addresses(message: OutboxMessage) -> list[Address]:
    """The recipients' email addresses, de-duplicated (ignoring case), in order; unusable ones left out."""
    seen: set[str] = set()
    found: list[Address] = []
    for recipient in _recipients(message.payload):
        text, name = recipient.get("email"), recipient.get("name")
        if not isinstance(text, str) or not text.strip():
            continue
        try:
            addr = _address(text).addr_spec
        except ValueError as exc:
            log.warning("%s: recipient %s has an unusable email address: %s", message.key, name, exc)
            continue
        if addr.casefold() not in seen:
            seen.add(addr.casefold())
            found.append(
                Address(display_name=_one_line(name) if isinstance(name, str) else "", addr_spec=addr)
            )
    return found


def _subject(payload: Mapping[str, Any], topic: str) -> str:
    title = _one_line(_text(payload.get("title"), "vi"))
    if title:
        return title
    text = _one_line(_text(payload.get("message"), "vi") or _text(payload.get("message"), "en"))
    return text[:80].rstrip() or topic


def _body(payload: Mapping[str, Any], topic: str) -> str:
    vi, en = _text(payload.get("message"), "vi").strip(), _text(payload.get("message"), "en").strip()
    if vi and en:
        return f"{vi}\n\n---\n{en}\n"
    return f"{vi or en or topic}\n"


def _smtp_error(exc: OSError, key: str, where: str) -> DeliveryError:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = exc.recipients.values()
        detail = "; ".join(f"{addr}: {code} {_reply(text)}" for addr, (code, text) in exc.recipients.items())
        permanent = all(500 <= code < 600 for code, _ in replies)  # noqa: PLR2004 - 5xx is "never"
        refused = Text(
            f"{key}: {where} từ chối mọi người nhận ({detail})",
            f"{key}: {where} refused every recipient ({detail})",
        )
        return DeliveryError(refused, permanent=permanent)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        unsupported = Text(
            f"{key}: {where} không hỗ trợ tính năng cần dùng: {exc}",
            f"{key}: {where} does not support what is needed: {exc}",
        )
        return DeliveryError(unsupported, permanent=True)
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
        said = Text(
            f"{key}: {where} trả lời {code} {_reply(exc.smtp_error)}",
            f"{key}: {where} answered {code} {_reply(exc.smtp_error)}",
        )
        return DeliveryError(said, permanent=500 <= code < 600, status=code)  # noqa: PLR2004 - 5xx is "never"
    failed = Text(
        f"{key}: không gửi được qua {where}: {type(exc).__name__}: {exc}",
        f"{key}: cannot deliver through {where}: {type(exc).__name__}: {exc}",
    )
    return DeliveryError(failed)


def _reply(text: bytes | str) -> str:
    return _one_line(text.decode("utf-8", "replace") if isinstance(text, bytes) else text)


class EmailNotifier:
    """Emails each message over SMTP to the ``email`` of every recipient in the payload's ``to``.

    The subject is the Vietnamese title (or the first 80 characters of the Vietnamese message); the body is the
    Vietnamese message, a blank line, ``---`` and the English message.  ``Message-ID`` is made from the message
    key, so a receiver can drop a second copy.  Each send opens its own connection: notifications are few, an
    idle connection kept open is soon closed by the server, and a fresh one leaves no doubt whether a failed
    attempt was sent.  A recipient the server refuses does not fail the message as long as another accepts it;
    an address that cannot be sent to without SMTPUTF8 (a non-ASCII local part) is left out, with a warning.

    Args:
        host: the SMTP server.
        port: its port (25, 587 with ``starttls``, 465 with ``ssl``).
        sender: the envelope and ``From`` address, ``hoi@example.vn`` or ``Hội Nông dân <hoi@example.vn>``.
        username: log in with this name (and ``password``) after the greeting.
        password: the password for ``username``.
        starttls: upgrade the connection with STARTTLS (certificate checked).
        ssl: connect over TLS from the start (certificate checked).
        timeout: seconds for connecting and for each reply.
        channel: the channel it serves.
        local_hostname: the name to greet the server with; the machine's name when not given.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 25,
        *,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        ssl: bool = False,
        timeout: float = 10.0,
        channel: str = "email",
        local_hostname: str | None = None,
    ) -> None:
        given: object = port  # a configuration file may give any type
        if isinstance(given, bool) or not isinstance(given, int) or not 0 < given < 65536:  # noqa: PLR2004
            msg = Text(
                f"cổng SMTP phải là một số từ 1 đến 65535, không phải {port!r}",
                f"SMTP port must be a number from 1 to 65535, not {port!r}",
            )
            raise ValueError(msg)
        if starttls and ssl:
            msg = Text(
                "chỉ chọn starttls hoặc ssl, không chọn cả hai: ssl dùng TLS ngay từ đầu, "
                "starttls nâng cấp một kết nối thường",
                "give starttls or ssl, not both: ssl is TLS from the start, starttls upgrades a plain connection",
            )
            raise ValueError(msg)
        if (username is None) != (password is None):
            msg = Text("phải cho username và password cùng lúc", "give username and password together")
            raise ValueError(msg)
        try:
            self.sender = _address(sender)
        except ValueError as exc:
            said = _said(exc)
            msg = Text(f"người gửi (sender): {said.vi}", f"sender: {said.get('en')}")
            raise ValueError(msg) from exc
        self.host, self.port, self.channel = host, port, channel
        self.username, self._password = username, password
        self.starttls, self.ssl = starttls, ssl
        self.timeout = _positive(timeout)
        self.local_hostname = local_hostname
        self._tls = tls.create_default_context() if ssl or starttls else None

    def send(self, message: OutboxMessage) -> None:
        """Email ``message`` to its recipients; raise :class:`DeliveryError` unless a recipient accepted it."""
        recipients = _addresses(message)
        if not recipients:
            msg = Text(
                f"không người nhận nào của {message.key} có địa chỉ email",
                f"no recipient of {message.key} has an email address",
            )
            raise DeliveryError(msg, permanent=True)
        mail = EmailMessage()
        mail["Subject"] = _subject(message.payload, message.topic)
        mail["From"] = self.sender
        mail["To"] = recipients
        mail["Message-ID"] = _message_id(message.key)
        mail["X-Hoinghe-Key"] = message.key
        if message.at is not None:
            mail["Date"] = format_datetime(message.at)
        mail.set_content(_body(message.payload, message.topic))
        refused = self._deliver(mail, [r.addr_spec for r in recipients], message.key)
        if refused:
            said = "; ".join(f"{addr}: {code} {_reply(text)}" for addr, (code, text) in refused.items())
            log.warning(
                "%s: %s:%s refused some recipients (%s); sent to the others",
                message.key,
                self.host,
                self.port,
                said,
            )

    def _deliver(self, mail: EmailMessage, to: list[str], key: str) -> dict[str, tuple[int, bytes]]:
        smtp: smtplib.SMTP | None = None
        try:
            smtp = self._connect()
            refused = smtp.send_message(mail, from_addr=self.sender.addr_spec, to_addrs=to)
        except OSError as exc:  # smtplib's errors are OSErrors too
            if smtp is not None:
                smtp.close()
            raise _smtp_error(exc, key, f"{self.host}:{self.port}") from exc
        try:
            smtp.quit()
        except OSError:
            pass  # the server took the message already: a failed goodbye must not send it twice
        finally:
            smtp.close()
        return refused

    def _connect(self) -> smtplib.SMTP:
        if self.ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, self.local_hostname, timeout=self.timeout, context=self._tls
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, self.local_hostname, timeout=self.timeout)
        try:
            if self.starttls:
                smtp.starttls(context=self._tls)
            if self.username is not None and self._password is not None:
                smtp.login(self.username, self._password)
        except OSError:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        """Nothing to release: each send opens and closes its own connection."""

    def __repr__(self) -> str:
        return f"EmailNotifier({self.host!r}, {self.port}, sender={str(self.sender)!r}, channel={self.channel!r})"


# ---------------------------------------------------------------------------------------------------- discovery

Factory = Callable[..., Notifier]

_BUILT_IN: dict[str, Factory] = {"email": EmailNotifier, "log": LogNotifier, "webhook": WebhookNotifier}


def _entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    """The registered notifier entry points by name, unloaded; a built-in's name is kept for the built-in."""
    found: dict[str, importlib.metadata.EntryPoint] = {}
    for point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        built_in = _BUILT_IN.get(point.name)
        if built_in is not None:
            if (point.module, point.attr) != (built_in.__module__, built_in.__qualname__):
                log.warning(
                    "entry point %s = %s may not replace the built-in notifier; ignored",
                    point.name,
                    point.value,
                )
            continue
        first = found.setdefault(point.name, point)
        if first.value != point.value:
            log.warning(
                "notifier %r is registered twice (%s, %s); the first is used",
                point.name,
                first.value,
                point.value,
            )
    return found


def _load(point: importlib.metadata.EntryPoint) -> Factory:
    factory = point.load()
    if not callable(factory):
        msg = Text(
            f"entry point {point.name} = {point.value} không phải đối tượng gọi được",
            f"entry point {point.name} = {point.value} is not callable",
        )
        raise TypeError(msg)
    loaded: Factory = factory
    return loaded


def available_notifiers() -> dict[str, Factory]:
    """Every notifier factory by kind: the built-ins, and those registered under ``hoinghe.notifiers``.

    An entry point that cannot be loaded is logged and left out, so that one broken package hides no other.
    """
    kinds = dict(_BUILT_IN)
    for name, point in _entry_points().items():
        try:
            kinds[name] = _load(point)
        except Exception:  # whatever a plug-in's import raises, the others stay usable
            log.exception("notifier %r (entry point %s) cannot be loaded; left out", name, point.value)
    return dict(sorted(kinds.items()))


def _factory(kind: str) -> Factory:
    if kind in _BUILT_IN:
        return _BUILT_IN[kind]
    points = _entry_points()
    if kind not in points:
        known = ", ".join(sorted({*_BUILT_IN, *points}))
        msg = Text(
            f"không có loại bộ gửi thông báo {kind!r}; hiện có: {known}",
            f"unknown notifier kind {kind!r}; available: {known}",
        )
        raise LookupError(msg)
    try:
        return _load(points[kind])
    except Exception as exc:
        msg = Text(
            f"không nạp được loại bộ gửi thông báo {kind!r} (entry point {points[kind].value}): "
            f"{type(exc).__name__}: {exc}",
            f"notifier kind {kind!r} (entry point {points[kind].value}) cannot be loaded: "
            f"{type(exc).__name__}: {exc}",
        )
        raise LookupError(msg) from exc


def _option_problems(
    factory: Factory, kind: str, options: Mapping[str, Any], where: tuple[str, ...]
) -> list[Diagnostic]:
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):  # no signature to read: the call itself will say what is wrong
        return []
    named = {p.name: p for p in parameters if p.kind in {p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY}}
    problems = [
        Diagnostic(
            "HNG-S001",
            Text(
                f"loại bộ gửi thông báo {kind!r} không có tùy chọn {name!r}; các tùy chọn hợp lệ: "
                f"{', '.join(sorted(named))}",
                f"unknown option {name!r} for notifier kind {kind!r}; known: {', '.join(sorted(named))}",
            ),
            format_path((*where, name)),
        )
        for name in options
        if name not in named and not any(p.kind is p.VAR_KEYWORD for p in parameters)
    ]
    problems += [
        Diagnostic(
            "HNG-S002",
            Text(
                f"loại bộ gửi thông báo {kind!r} cần tùy chọn {name!r}",
                f"notifier kind {kind!r} needs option {name!r}",
            ),
            format_path(where),
        )
        for name, p in named.items()
        if p.default is p.empty and name not in options
    ]
    return problems


def _make(
    kind: str, options: Mapping[str, Any], channel: str | None, where: tuple[str, ...]
) -> tuple[Notifier | None, list[Diagnostic]]:
    try:
        factory = _factory(kind)
    except LookupError as exc:
        return None, [Diagnostic("HNG-S004", _said(exc), format_path((*where, "type")))]
    arguments = dict(options)
    if channel is not None:
        if arguments.get("channel", channel) != channel:
            said = Text(
                f"kênh {channel!r} được khai báo hai lần, khác nhau: trong các tùy chọn là {arguments['channel']!r}",
                f"channel {channel!r} is given twice, differently: {arguments['channel']!r} in the options",
            )
            return None, [Diagnostic("HNG-S004", said, format_path((*where, "channel")))]
        arguments["channel"] = channel
    problems = _option_problems(factory, kind, arguments, where)
    if problems:
        return None, problems
    try:
        notifier: object = factory(**arguments)  # a plug-in's factory may return anything
    except DefinitionError as exc:
        return None, list(exc.diagnostics)
    except (TypeError, ValueError) as exc:
        refused = _said(exc)
        said = Text(
            f"loại bộ gửi thông báo {kind!r}: {refused.vi}", f"notifier kind {kind!r}: {refused.get('en')}"
        )
        return None, [Diagnostic("HNG-S004", said, format_path(where))]
    if not isinstance(notifier, Notifier):
        said = Text(
            f"loại bộ gửi thông báo {kind!r} tạo ra {notifier!r}, không có channel, send() hoặc close()",
            f"notifier kind {kind!r} made {notifier!r}, which has no channel, send() or close()",
        )
        return None, [Diagnostic("HNG-S004", said, format_path(where))]
    return notifier, []


def make_notifier(kind: str, options: Mapping[str, Any], *, channel: str | None = None) -> Notifier:
    """A notifier of ``kind`` (``log``, ``webhook``, ``email`` or a registered one) made with ``options``.

    Args:
        kind: the name of the factory.
        options: the factory's keyword arguments.
        channel: the channel the notifier serves; the kind's default when not given.

    Raises:
        DefinitionError: the kind is unknown (the message lists the available ones), an option is unknown or
            missing, or the factory refused a value.
    """
    notifier, problems = _make(kind, options, channel, ())
    if notifier is None:
        raise DefinitionError(problems)
    return notifier


def _channel_options(
    table: Mapping[str, Any], where: tuple[str, ...], environ: Mapping[str, str]
) -> tuple[dict[str, Any], list[Diagnostic]]:
    options: dict[str, Any] = {}
    problems: list[Diagnostic] = []
    for key, value in table.items():
        path = format_path((*where, key))
        if key == "type":
            continue
        if key == "channel":
            said = Text(
                "tên kênh là tên bảng của nó; hãy bỏ `channel`",
                "a channel is named by its table; remove `channel`",
            )
            problems.append(Diagnostic("HNG-S001", said, path))
        elif key.endswith("_env") and key != "_env":
            name = key.removesuffix("_env")
            if name in table:
                said = Text(
                    f"chỉ cho `{name}` hoặc `{key}`, không cho cả hai", f"give `{name}` or `{key}`, not both"
                )
                problems.append(Diagnostic("HNG-S004", said, path))
            elif not isinstance(value, str) or not value:
                said = Text(
                    f"`{key}` phải là tên một biến môi trường", f"`{key}` must name an environment variable"
                )
                problems.append(Diagnostic("HNG-S003", said, path))
            elif value not in environ:
                said = Text(
                    f"biến môi trường {value} (do `{key}` chỉ định) chưa được đặt",
                    f"environment variable {value} (named by `{key}`) is not set",
                )
                problems.append(Diagnostic("HNG-S002", said, path))
            else:
                options[name] = environ[value]
        else:
            options[key] = value
    return options, problems


def notifiers_from_config(
    config: Mapping[str, Any], *, environ: Mapping[str, str] | None = None
) -> dict[str, Notifier]:
    """The notifiers of a relay configuration, by channel name.

    Each table under ``channels`` is one channel: ``type`` names the kind of notifier (the channel's own name
    when absent) and every other key is an option; ``foo_env = "VAR"`` gives option ``foo`` the value of the
    environment variable ``VAR``.  Other top-level keys are left to their readers; no ``channels``, no notifiers.

    Args:
        config: the configuration, as read from TOML.
        environ: where ``*_env`` options are read; ``os.environ`` when not given.

    Raises:
        DefinitionError: with every problem of every channel, each at its ``$.channels.<name>.<option>`` path.
    """
    environ = os.environ if environ is None else environ
    channels = config.get("channels", {})
    if not isinstance(channels, Mapping):
        said = Text(
            "`channels` phải là một bảng tên kênh -> tùy chọn",
            "`channels` must be a table of channel name -> options",
        )
        raise DefinitionError([Diagnostic("HNG-S003", said, "$.channels")])
    made: dict[str, Notifier] = {}
    problems: list[Diagnostic] = []
    for name, table in channels.items():
        where = ("channels", str(name))
        if not isinstance(table, Mapping):
            said = Text(
                f"kênh {name!r} phải là một bảng tùy chọn", f"channel {name!r} must be a table of options"
            )
            problems.append(Diagnostic("HNG-S003", said, format_path(where)))
            continue
        kind = table.get("type", name)
        if not isinstance(kind, str):
            said = Text("`type` phải là tên một loại bộ gửi thông báo", "`type` must name a kind of notifier")
            problems.append(Diagnostic("HNG-S003", said, format_path((*where, "type"))))
            continue
        options, found = _channel_options(table, where, environ)
        notifier, made_problems = _make(kind, options, str(name), where) if not found else (None, found)
        if notifier is None:
            problems += made_problems
        else:
            made[str(name)] = notifier
    if problems:
        for notifier in made.values():
            with contextlib.suppress(Exception):
                notifier.close()
        raise DefinitionError(problems)
    return made

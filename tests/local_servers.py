"""Real servers on 127.0.0.1 for the notification tests: an HTTP receiver and an SMTP sink (aiosmtpd)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs
import httpx
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope


@attrs.frozen
class Request:
    path: str
    headers: httpx.Headers
    body: bytes


@attrs.frozen
class Reply:
    status: int = 200
    headers: dict[str, str] = attrs.Factory(dict)
    body: bytes = b""
    delay: float = 0.0


class Receiver:
    """What the HTTP receiver got, and the replies it is told to give (200 once the script runs out)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.requests: list[Request] = []
        self.script: list[Reply] = []
        self.release = threading.Event()  # ends a slow reply early when the test is over

    def reply(self, status: int = 200, **kw: Any) -> None:
        self.script.append(Reply(status, **kw))


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        receiver = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        receiver.requests.append(Request(self.path, httpx.Headers(list(self.headers.items())), body))
        reply = receiver.script.pop(0) if receiver.script else Reply()
        if reply.delay:
            receiver.release.wait(reply.delay)
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            pass  # the client gave up waiting

    def log_message(self, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() then joins every handler thread
    receiver: Receiver


@contextlib.contextmanager
def http_receiver() -> Iterator[Receiver]:
    """An HTTP server on 127.0.0.1 that records every POST, in a thread, for the block."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.receiver = Receiver(f"http://127.0.0.1:{server.server_address[1]}/hook")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.receiver
    finally:
        server.receiver.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


class Sink:
    """An SMTP server's handler that keeps every accepted envelope and refuses what it is told to."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.refuse: dict[str, str] = {}
        self.data_reply = "250 Message accepted for delivery"
        self.port = 0

    async def handle_RCPT(self, _server, _session, envelope, address, _rcpt_options) -> str:  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server, _session, envelope) -> str:  # noqa: N802
        if self.data_reply.startswith("250"):
            self.envelopes.append(envelope)
        return self.data_reply

    def mails(self):
        """The accepted messages, parsed (headers decoded, ``Address`` objects in address headers)."""
        return [message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]


class _Controller(Controller):
    def _trigger_server(self) -> None:
        # Listen on port 0 and learn the port the system chose before the controller connects to it.
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def start_smtp(handler: Sink, **smtp_options: Any) -> Controller:
    controller = _Controller(handler, hostname="127.0.0.1", port=0, **smtp_options)
    controller.start()
    handler.port = controller.port
    return controller


@contextlib.contextmanager
def smtp_sink() -> Iterator[Sink]:
    """An SMTP server (aiosmtpd) on 127.0.0.1 that keeps every accepted message, for the block."""
    sink = Sink()
    controller = start_smtp(sink)
    try:
        yield sink
    finally:
        controller.stop()

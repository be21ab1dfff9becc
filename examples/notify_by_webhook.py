"""The commune approves a founding; the provincial union's system hears of it through a signed webhook.

The approval writes its notifications into the outbox in the same transaction (the workflow's ``notify:``); the
relay delivers them afterwards, here to a small HTTP server on 127.0.0.1 standing in for the province's system,
which checks the signature and de-duplicates by the message key.  The email to the founders waits for an SMTP
server this example does not configure: ``relay status`` shows it, and it goes out once a channel is set up.

Run: python examples/notify_by_webhook.py
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from hoinghe import Actor, Engine, ManualClock, Member, RoleGrant, SequentialIds, SqlStore, Unit, load_profile
from hoinghe.hooks.notifiers import WebhookNotifier, verify_signature
from hoinghe.hooks.relay import Relay

SECRET = "khoa-chung-cua-tinh"  # noqa: S105 - in production: read from the environment (secret_env in relay.toml)
seen: dict[str, dict[str, object]] = {}


class ProvinceSystem(BaseHTTPRequestHandler):
    """The receiving end: verify the signature, apply each key once, answer 204."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if not verify_signature(body, self.headers.get("X-Hoinghe-Signature", ""), SECRET):
            self.send_response(401)
        else:
            message = json.loads(body)
            seen.setdefault(message["key"], message)  # at least once: a repeat changes nothing
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


folder = Path(tempfile.mkdtemp())
store = SqlStore(f"sqlite:///{folder / 'hoinghe.db'}")
roster = [f"m{i}" for i in range(1, 7)]
store.put_org(
    units=[
        Unit("central", "central", "Trung ương Hội Nông dân Việt Nam", None),
        Unit("p-tq", "province", "Hội Nông dân tỉnh Tuyên Quang", "central"),
        Unit("c-ys", "commune", "Hội Nông dân xã Yên Sơn", "p-tq"),
    ],
    members=[
        Member(m, f"Hội viên {m}", dt.date(1975, 1, 1), "c-ys", dt.date(2012, 1, 1), ("che",)) for m in roster
    ],
    actors=[
        Actor(
            "officer",
            "Cán bộ Hội xã Yên Sơn",
            (RoleGrant("union_officer", "c-ys"),),
            email="canbo@ys.example.vn",
        ),
        Actor("btv", "Ban Thường vụ xã Yên Sơn", (RoleGrant("standing_committee", "c-ys"),)),
        Actor("btv-tinh", "Ban Thường vụ tỉnh", (RoleGrant("standing_committee", "p-tq"),)),
    ],
)
engine = Engine(
    load_profile("vn-2025"),
    store,
    clock=ManualClock(dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)),
    ids=SequentialIds(),
    listeners_in_background=False,
)
group = Unit("g-che", "group", "Tổ hội chè Shan tuyết", "c-ys", kind="professional", trade="che")
case = engine.open("found-professional-group", group, "officer")
steps = [
    ("survey", {"survey_report": "file:///ks.pdf"}, None),
    ("start_outreach", {}, None),
    (
        "collect_applications",
        {"voluntary_applications": "file:///don.pdf", "member_list": "file:///ds.pdf"},
        {"members": roster},
    ),
    (
        "hold_founding_meeting",
        {
            "founding_minutes": "file:///bb.pdf",
            "operating_rules": "file:///qc.pdf",
            "activity_plan": "file:///kh.pdf",
        },
        {"leaders": {"group_leader": "m1", "group_deputy": "m2"}},
    ),
    ("submit_dossier", {"request_to_found": "file:///tt.pdf"}, None),
]
for transition, documents, data in steps:
    engine.fire(case.id, transition, "officer", documents=documents, data=data)
engine.fire(
    case.id,
    "approve",
    "btv",
    documents={"founding_decision": "file:///qd.pdf", "leader_decision": "file:///qd2.pdf"},
)
print(f"approved {case.id}; waiting in the outbox: {[m.key for m in store.outbox()]}")

server = HTTPServer(("127.0.0.1", 0), ProvinceSystem)
thread = threading.Thread(target=server.serve_forever, daemon=True)
thread.start()
url = f"http://127.0.0.1:{server.server_address[1]}/hnd/events"
with Relay(store, [WebhookNotifier(url, secret=SECRET)], sleep=lambda _s: None) as relay:
    report = relay.run_once()
    status = relay.status()
server.shutdown()
server.server_close()

(message,) = seen.values()
print(f"the province's system got {message['key']}: {message['message']['vi']}")  # type: ignore[index]
print(f"delivered {len(report.delivered)}; waiting {status.pending}: {status.problems[0].last_error}")
assert message["subject"] == {"id": "g-che", "name": "Tổ hội chè Shan tuyết", "level": "group"}
assert status.pending == 1  # the email, until an SMTP channel is configured
store.close()

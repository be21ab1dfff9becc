"""The engine, the stores and the relay speak Vietnamese unless told otherwise, and English when asked.

The suite runs with ``HOINGHE_LANG=en``; the ``vietnamese`` fixture removes it, as on a union officer's machine.
Each message is checked in the default language, then under ``use("en")``, from the same exception object: a
message is kept in both languages and shown in the one in force when it is rendered.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

import pytest

import world
from hoinghe import ManualClock, Refused, SqlStore
from hoinghe.engine.clock import FixedClock
from hoinghe.errors import ConflictError, DefinitionError, MigrationError, NotFound, StorageError
from hoinghe.hooks.notifiers import DeliveryError, notifiers_from_config
from hoinghe.hooks.relay import Relay
from hoinghe.i18n import Text, use
from hoinghe.records import Case, Commit, OutboxMessage
from hoinghe.storage import MemoryStore
from hoinghe.storage.codec import decode, decode_text, encode_text

FOUND = "found-professional-group"


@pytest.fixture
def vietnamese(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No ``HOINGHE_LANG`` and no language chosen: the default."""
    monkeypatch.delenv("HOINGHE_LANG", raising=False)
    with use(None):
        yield


def sqlite_store() -> SqlStore:
    store = SqlStore("sqlite://")
    store.put_org(units=world.units(), members=world.members(), actors=world.actors())
    return store


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest) -> Iterator[MemoryStore | SqlStore]:
    if request.param == "memory":
        yield world.store()
        return
    out = sqlite_store()
    yield out
    out.close()


# ------------------------------------------------------------------------------------------------ refusals


def test_a_refusal_reads_vietnamese_by_default_and_english_when_chosen(vietnamese):
    engine = world.engine()
    case = engine.open(FOUND, world.new_group(), "officer-1")
    with pytest.raises(Refused) as caught:
        engine.fire(case.id, "survey", "officer-1")  # the survey report is missing
    refused = caught.value
    shown = str(refused)
    assert shown.startswith(f"hồ sơ {case.id}: officer-1 không được thực hiện bước 'survey'")
    assert "\n  HNG-B004 thiếu tài liệu: " in shown
    with use("en"):
        english = str(refused)
    assert english.startswith(f"case {case.id}: 'survey' refused for officer-1")
    assert "\n  HNG-B004 missing document: " in english
    assert refused.describe("en") == english
    assert refused.describe("vi") == shown


def test_blockers_and_verdicts_follow_the_language_in_force(vietnamese):
    engine = world.engine()
    case = engine.open(FOUND, world.new_group(), "officer-1")
    verdict = engine.check(case.id, "survey", "btv-9")  # no permission, and no survey report
    assert {b.code for b in verdict.blockers} == {"HNG-B002", "HNG-B004"}
    for blocker in verdict.blockers:
        assert blocker.describe() == blocker.describe("vi") != blocker.describe("en")
        with use("en"):
            assert blocker.describe() == blocker.describe("en")
    assert "không có quyền" in verdict.describe()
    with use("en"):
        assert "may not do this" in verdict.describe()
        assert "không có quyền" in verdict.describe("vi")  # a language asked by name wins


def test_a_missing_case_is_not_found_in_either_language(vietnamese, store):
    with pytest.raises(NotFound) as caught:
        store.case("nope")
    assert str(caught.value) == "không có hồ sơ 'nope'"
    with use("en"):
        assert str(caught.value) == "no case 'nope'"
    assert caught.value.kind == Text("hồ sơ", "case")
    with pytest.raises(NotFound) as unit:
        store.unit("c-gone")
    assert (unit.value.describe("vi"), unit.value.describe("en")) == (
        "không có đơn vị 'c-gone'",
        "no unit 'c-gone'",
    )


def test_an_unknown_transition_and_workflow_are_named_in_both_languages(vietnamese):
    engine = world.engine()
    case = engine.open(FOUND, world.new_group(), "officer-1")
    with pytest.raises(NotFound) as transition:
        engine.fire(case.id, "fly", "officer-1")
    assert str(transition.value).startswith("không có bước chuyển 'fly'; hiện có: ")
    with pytest.raises(NotFound) as workflow:
        engine.open("no-such-workflow", "c-1", "officer-1")
    with use("en"):
        assert str(transition.value).startswith("no transition 'fly'; known: ")
        assert str(workflow.value).startswith("no workflow 'no-such-workflow'")


# ------------------------------------------------------------------------------------------------ conflicts


def test_a_stale_version_is_a_conflict_in_both_languages(vietnamese):
    engine = world.engine()
    case = engine.open(FOUND, world.new_group(), "officer-1")
    with pytest.raises(ConflictError) as caught:
        engine.fire(case.id, "survey", "officer-1", expected_version=7)
    assert (caught.value.expected, caught.value.actual) == (7, 1)
    assert str(caught.value) == f"hồ sơ {case.id} đang ở phiên bản 1, không phải 7; hãy đọc lại hồ sơ"
    with use("en"):
        assert str(caught.value) == f"case {case.id} is at version 1, not 7; read it again"


def test_a_store_refuses_a_stale_commit_in_both_languages(vietnamese, store):
    engine = world.engine(store=store)
    case = engine.open(FOUND, world.new_group(), "officer-1")
    (opened,) = engine.history(case.id)
    with pytest.raises(ConflictError) as caught:
        store.commit(Commit(case, (opened,), 0))  # the same case opened a second time
    vi, en = caught.value.describe("vi"), caught.value.describe("en")
    assert vi.startswith(f"hồ sơ {case.id} ")
    assert en.startswith(f"case {case.id} ")
    assert str(caught.value) == vi
    with use("en"):
        assert str(caught.value) == en


def test_a_stranded_migration_is_explained_in_both_languages(vietnamese):
    engine = world.engine()
    case = engine.open(FOUND, world.new_group(), "officer-1")
    with pytest.raises(MigrationError) as caught:
        engine.migrate(case.id, states={"proposed": "nowhere"})
    assert "không có; hãy ánh xạ sang một trong các trạng thái: " in str(caught.value)
    with use("en"):
        assert "does not have; map it to one of: " in str(caught.value)


# ------------------------------------------------------------------------------------------------ storage


def test_a_database_url_that_is_not_one_is_a_storage_error_in_both_languages(vietnamese):
    with pytest.raises(StorageError) as caught:
        SqlStore("no database here")
    assert "không phải URL cơ sở dữ liệu; hãy viết sqlite:///path/to/file.db" in str(caught.value)
    with use("en"):
        assert "is not a database URL; write sqlite:///path/to/file.db" in str(caught.value)


def test_a_damaged_payload_is_a_storage_error_in_both_languages(vietnamese):
    with pytest.raises(StorageError) as caught:
        decode(Case, "{not json")
    assert str(caught.value).startswith("bản ghi hồ sơ trong kho dữ liệu không phải JSON: ")
    with use("en"):
        assert str(caught.value).startswith("a stored case is not JSON: ")


def test_a_message_in_both_languages_survives_a_text_column():
    said = Text("không gửi được: 'x'", "not delivered: 'x'")
    assert decode_text(encode_text(said)) == said
    assert decode_text("503 from the sink") == Text.same("503 from the sink")  # written by an older hoinghe
    assert decode_text('{"vi": "only one"}') == Text.same('{"vi": "only one"}')


# ------------------------------------------------------------------------------------------------ delivery


def approved(engine) -> str:
    case_id = world.found_until_submitted(engine)
    engine.fire(case_id, "approve", "btv-1", documents=world.DECISION)
    return case_id


def test_a_delivery_error_is_kept_in_both_languages_for_relay_status(vietnamese, store):
    engine = world.engine(store=store)
    case_id = approved(engine)
    relay = Relay(
        store,
        [_Accepting("webhook")],
        worker="w1",
        clock=ManualClock(world.START),
        sleep=lambda _s: None,
        rng=random.Random(7),  # noqa: S311 - jitter
    )
    report = relay.run_once()
    assert report.retrying == (f"{case_id}:7:notify:0",)  # the email channel has no notifier
    (problem,) = relay.status().problems
    assert problem.error is not None
    assert problem.error.vi.startswith("không có bộ gửi thông báo cho kênh 'email' (relay này có: webhook)")
    assert problem.error.get("en").startswith("no notifier for channel 'email' (this relay has: webhook)")
    assert problem.last_error == problem.error.vi
    with use("en"):
        assert problem.last_error == problem.error.get("en")
    relay.close()


class _Accepting:
    """A notifier that takes every message."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, message: OutboxMessage) -> None:
        pass

    def close(self) -> None:
        pass


def test_a_delivery_error_shows_the_language_in_force(vietnamese):
    error = DeliveryError(Text("máy chủ trả lời 503", "the server answered 503"))
    assert str(error) == "máy chủ trả lời 503"
    with use("en"):
        assert str(error) == "the server answered 503"
    assert str(DeliveryError("from a plug-in")) == "from a plug-in"  # a plain string reads the same in both


def test_a_bad_relay_configuration_is_diagnosed_in_both_languages(vietnamese):
    with pytest.raises(DefinitionError) as caught:
        notifiers_from_config({"channels": {"webhook": {"url": "http://127.0.0.1:9/hook", "color": "red"}}})
    (problem,) = caught.value.diagnostics
    assert problem.path == "$.channels.webhook.color"
    assert str(problem.message) == (
        "loại bộ gửi thông báo 'webhook' không có tùy chọn 'color'; "
        "các tùy chọn hợp lệ: channel, client, headers, secret, timeout, url"
    )
    with use("en"):
        assert str(problem).endswith(
            "unknown option 'color' for notifier kind 'webhook'; "
            "known: channel, client, headers, secret, timeout, url"
        )


def test_a_clock_refuses_a_naive_time_in_both_languages(vietnamese):
    with pytest.raises(ValueError, match="không có múi giờ") as caught:
        FixedClock(dt.datetime(2026, 3, 2, 9, 0))  # noqa: DTZ001 - the mistake under test
    with use("en"):
        assert "has no time zone" in str(caught.value)

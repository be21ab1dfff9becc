"""Cases are the fold of their events."""

from __future__ import annotations

import datetime as dt

import pytest

from hoinghe.records import Approval, Document, Event, fold, merge_documents

T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def opened(**kw: object) -> Event:
    fields: dict[str, object] = {
        "case_id": "k",
        "seq": 1,
        "kind": "opened",
        "at": T0,
        "actor": "a",
        "state": "s0",
        "workflow": "wf",
        "subject": "u",
        "definition": "h1",
    }
    fields.update(kw)
    return Event(**fields)  # type: ignore[arg-type]


def test_fold_builds_the_case_from_its_events():
    t1, t2, t3 = (T0 + dt.timedelta(days=d) for d in (1, 2, 3))
    events = [
        opened(data={"members": ["m1"]}, documents=(Document("a", "u1"),)),
        Event(
            "k",
            2,
            "fired",
            t1,
            "b",
            "s1",
            transition="go",
            from_state="s0",
            data={"leaders": {"x": "m1"}},
            documents=(Document("a", "u2"), Document("b", "u3")),
        ),
        Event("k", 3, "approved", t2, "c", "s1", transition="decide", body="standing_committee@c-1"),
        Event("k", 4, "reminded", t3, "system", "s1", transition="decide"),
    ]
    case = fold(events)
    assert (case.state, case.version, case.entered_at, case.opened_at, case.proposer) == (
        "s1",
        4,
        t1,
        T0,
        "a",
    )
    assert case.data == {"members": ("m1",), "leaders": {"x": "m1"}}
    assert case.documents == (Document("a", "u2"), Document("b", "u3"))
    assert case.approvals == (Approval("decide", "c", "standing_committee@c-1", t2),)
    done = case.then(Event("k", 5, "fired", t3, "d", "end", final=True, transition="decide", from_state="s1"))
    assert (done.closed, done.approvals, done.entered_at) == (True, (), t3)


def test_migration_changes_the_pinned_version():
    case = fold([opened(), Event("k", 2, "migrated", T0, "system", "s9", from_state="s0", definition="h2")])
    assert (case.definition, case.state) == ("h2", "s9")


@pytest.mark.parametrize(
    "events",
    [
        [],
        [Event("k", 1, "fired", T0, "a", "s")],
        [opened(), Event("k", 3, "fired", T0, "a", "s")],
        [opened(), Event("other", 2, "fired", T0, "a", "s")],
        [opened(workflow=None)],
    ],
)
def test_fold_refuses_a_broken_history(events):
    with pytest.raises(ValueError):  # noqa: PT011 - the messages differ per case
        fold(events)


def test_a_newer_document_replaces_the_older_one_of_its_kind():
    held = (Document("a", "1"), Document("b", "2"))
    assert merge_documents(held, [Document("a", "3"), Document("c", "4")]) == (
        Document("b", "2"),
        Document("a", "3"),
        Document("c", "4"),
    )

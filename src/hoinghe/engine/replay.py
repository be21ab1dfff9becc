"""Replay: rebuild every case from its events and compare it with the stored case, and with its definition.

The event log is the record of what happened; the stored case is a copy kept for fast reads.  :func:`replay` folds
each case's events again (:func:`hoinghe.records.fold`) and reports every field where the copy differs from the
fold, comparing the records and their stored JSON byte for byte (RELIABILITY D-6).  It also walks the log against
the definition version each event ran on (or against an edited definition given in its place): every ``fired``
event must be a transition of that definition, leading from the state the case was in to the state it reached.
Nothing is accepted silently: each disagreement is one :class:`Difference` or :class:`Mismatch` in the report.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from hoinghe.definitions.workflow import WorkflowDefinition
from hoinghe.engine.engine import Engine
from hoinghe.engine.versions import Version
from hoinghe.errors import NotFound, StorageError
from hoinghe.records import Case, Event, fold
from hoinghe.storage.base import Store
from hoinghe.storage.codec import encode, to_payload

__all__ = ["Difference", "Mismatch", "ReplayReport", "replay"]


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


@attrs.frozen
class Difference:
    """A field where the stored case and the case its events rebuild disagree.

    Attributes:
        case_id: the case.
        field: the field of :class:`~hoinghe.records.Case` (``state``, ``data`` ...); ``payload`` when only the
            stored JSON differs; ``events`` when the events do not rebuild a case at all (``note`` says why).
        stored: the stored value, as JSON-ready data.
        rebuilt: the value the events give, as JSON-ready data.
        note: what is wrong, when it is not a plain difference of values.
    """

    case_id: str
    field: str
    stored: Any = None
    rebuilt: Any = None
    note: str = ""

    def describe(self) -> str:
        """One line: ``case case-1: state is stored as "approved", its events give "submitted"``."""
        if self.note:
            return f"case {self.case_id}: {self.note}"
        return (
            f"case {self.case_id}: {self.field} is stored as {_shown(self.stored)}, "
            f"its events give {_shown(self.rebuilt)}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case_id,
            "field": self.field,
            "stored": self.stored,
            "rebuilt": self.rebuilt,
            "note": self.note,
        }


@attrs.frozen
class Mismatch:
    """An event the definition it ran on (or the edited definition given in its place) does not allow.

    Attributes:
        case_id: the case.
        seq: the event's number in the case's log.
        kind: the event's kind (``fired``, ``migrated`` ...).
        transition: the transition the event names, if any.
        definition: the version hash the event ran on, or ``given:<workflow id>`` for a definition passed to
            :func:`replay` in place of the pinned one.
        expected: what the definition requires.
        found: what the log holds, as a clause (``it led to 'mobilizing'``).
    """

    case_id: str
    seq: int
    kind: str
    transition: str | None
    definition: str
    expected: str
    found: str

    def describe(self) -> str:
        """One line naming the case, the event, what the definition expects and what the log holds."""
        what = f"{self.kind} {self.transition}" if self.transition else self.kind
        shown = self.definition if self.definition.startswith("given:") else self.definition[:12]
        return (
            f"case {self.case_id} event {self.seq} ({what}): definition {shown} expects {self.expected}, "
            f"but {self.found}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case_id,
            "seq": self.seq,
            "kind": self.kind,
            "transition": self.transition,
            "definition": self.definition,
            "expected": self.expected,
            "found": self.found,
        }


@attrs.frozen
class ReplayReport:
    """What :func:`replay` found: how many cases it checked, and every difference and mismatch."""

    checked: int
    differences: tuple[Difference, ...] = ()
    mismatches: tuple[Mismatch, ...] = ()

    @property
    def clean(self) -> bool:
        """True when every case rebuilds to its stored copy and every event fits its definition."""
        return not self.differences and not self.mismatches

    def __bool__(self) -> bool:
        return self.clean

    def describe(self) -> str:
        """Every difference and mismatch, one per line, then a summary line."""
        lines = [d.describe() for d in self.differences] + [m.describe() for m in self.mismatches]
        plural = "s" if self.checked != 1 else ""
        if self.clean:
            lines.append(f"{self.checked} case{plural} replayed: every one matches its events and definition")
        else:
            lines.append(
                f"{self.checked} case{plural} replayed: {len(self.differences)} difference"
                f"{'s' if len(self.differences) != 1 else ''}, {len(self.mismatches)} definition mismatch"
                f"{'es' if len(self.mismatches) != 1 else ''}"
            )
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "clean": self.clean,
            "differences": [d.to_json() for d in self.differences],
            "mismatches": [m.to_json() for m in self.mismatches],
        }


class _Definitions:
    """The workflow each event ran on: the edited one given for its workflow id, else the pinned version."""

    def __init__(
        self, store: Store, engine: Engine | None, given: Mapping[str, WorkflowDefinition] | None
    ) -> None:
        self._store = store
        self._engine = engine
        self._given = dict(given or {})
        self._pinned: dict[str, WorkflowDefinition | str] = {}

    def label(self, workflow_id: str, version_hash: str) -> str:
        return f"given:{workflow_id}" if workflow_id in self._given else version_hash

    def of(self, case: Case, version_hash: str) -> WorkflowDefinition | str:
        """The definition, or why it cannot be had (a version the store does not keep, or a damaged one)."""
        given = self._given.get(case.workflow)
        if given is not None:
            return given
        found = self._pinned.get(version_hash)
        if found is None:
            try:
                if self._engine is not None:
                    found = self._engine.definition(version_hash)  # through the engine, its cache is shared
                else:
                    found = Version.from_record(self._store.version(version_hash)).workflow
            except NotFound:
                found = f"the store keeps no definition version {version_hash[:12]}"
            except (StorageError, ValueError) as exc:
                found = f"definition version {version_hash[:12]} cannot be read: {exc}"
            self._pinned[version_hash] = found
        return found


def _check_event(
    event: Event, previous: Event | None, workflow: WorkflowDefinition, label: str
) -> list[Mismatch]:
    """Every way ``event`` disagrees with ``workflow``, given the event before it."""
    out: list[Mismatch] = []

    def mismatch(expected: str, found: str) -> None:
        out.append(Mismatch(event.case_id, event.seq, event.kind, event.transition, label, expected, found))

    before = previous.state if previous is not None else None
    if event.kind == "opened":
        if event.state != workflow.initial:
            mismatch(f"a case to open in {workflow.initial!r}", f"it opened in {event.state!r}")
    elif event.kind == "fired":
        transitions = {t.id: t for t in workflow.transitions}
        transition = transitions.get(event.transition or "")
        if event.from_state != before:
            mismatch(
                f"{event.transition} to start from {before!r}, the state before",
                f"it started from {event.from_state!r}",
            )
        if transition is None:
            mismatch(
                f"one of its transitions ({', '.join(transitions) or 'none'})",
                f"the log names {event.transition!r}",
            )
        else:
            if event.from_state not in transition.from_:
                mismatch(
                    f"{transition.id} to fire from {', '.join(map(repr, transition.from_))}",
                    f"it fired from {event.from_state!r}",
                )
            if event.state != transition.to:
                mismatch(
                    f"{transition.id} to lead from {event.from_state!r} to {transition.to!r}",
                    f"it led to {event.state!r}",
                )
    elif event.kind == "migrated":
        if event.from_state != before:
            mismatch(
                f"the migration to start from {before!r}, the state before",
                f"it started from {event.from_state!r}",
            )
    elif event.state != before:
        mismatch(f"the {event.kind} event to leave the case in {before!r}", f"it moved to {event.state!r}")
    if event.state not in workflow.state_ids:
        mismatch(f"one of its states ({', '.join(workflow.state_ids)})", f"the log has {event.state!r}")
    elif event.final != (event.state in workflow.final):
        mismatch(
            f"{event.state!r} to be {'final' if event.state in workflow.final else 'not final'}",
            f"the log says final={str(event.final).lower()}",
        )
    return out


def _check_definitions(case: Case, events: Sequence[Event], definitions: _Definitions) -> list[Mismatch]:
    out: list[Mismatch] = []
    pinned = case.definition
    previous: Event | None = None
    unreadable: set[str] = set()
    for event in events:
        if event.kind in ("opened", "migrated") and event.definition:
            pinned = event.definition
        label = definitions.label(case.workflow, pinned)
        workflow = definitions.of(case, pinned)
        if isinstance(workflow, str):
            if pinned not in unreadable:  # once per version, not once per event
                unreadable.add(pinned)
                out.append(
                    Mismatch(
                        case.id,
                        event.seq,
                        event.kind,
                        event.transition,
                        label,
                        "its definition version to be readable",
                        workflow,
                    )
                )
        elif workflow.id != case.workflow:
            out.append(
                Mismatch(
                    case.id,
                    event.seq,
                    event.kind,
                    event.transition,
                    label,
                    f"a definition of {case.workflow}",
                    f"it is one of {workflow.id}",
                )
            )
        else:
            out.extend(_check_event(event, previous, workflow, label))
        previous = event
    return out


def _differences(stored: Case, rebuilt: Case) -> list[Difference]:
    """The fields whose values, or stored JSON, differ; ``payload`` when only the whole JSON text does."""
    stored_payload, rebuilt_payload = to_payload(stored), to_payload(rebuilt)
    out = []
    for field in attrs.fields(Case):
        a, b = stored_payload.get(field.name), rebuilt_payload.get(field.name)
        if getattr(stored, field.name) != getattr(rebuilt, field.name) or _shown(a) != _shown(b):
            out.append(Difference(stored.id, field.name, a, b))
    if not out and encode(stored) != encode(rebuilt):
        out.append(Difference(stored.id, "payload", encode(stored), encode(rebuilt)))
    return out


def replay(
    store: Store,
    engine: Engine | None = None,
    *,
    case_ids: Iterable[str] | None = None,
    definitions: Mapping[str, WorkflowDefinition] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ReplayReport:
    """Rebuild every case (or those named) from its events; report each difference from the stored case.

    Each case is compared field by field with the fold of its events, and their JSON byte for byte.  Each event is
    checked against the definition version it ran on: the version the case opened on, then each one a migration
    moved it to.

    Args:
        store: where the cases are.
        engine: read definition versions through this engine (sharing its cache); without one they are read from
            the store, which keeps every version a case ran on.
        case_ids: the cases to check, in this order; every case when omitted.
        definitions: edited definitions by workflow id, checked in place of the versions cases of that workflow
            pinned (a draft that moves a transition elsewhere shows every event it would no longer allow).
        progress: called with (cases done, cases in all) after each case.

    Returns:
        The report: cases checked, differences, definition mismatches.

    Raises:
        NotFound: a case named in ``case_ids`` does not exist.
    """
    wanted = [store.case(i) for i in dict.fromkeys(case_ids)] if case_ids is not None else list(store.cases())
    resolver = _Definitions(store, engine, definitions)
    differences: list[Difference] = []
    mismatches: list[Mismatch] = []
    for done, case in enumerate(wanted, 1):
        events = store.events(case.id)
        try:
            rebuilt = fold(events)
        except ValueError as exc:
            note = f"its {len(events)} events do not rebuild it: {exc}"
            differences.append(Difference(case.id, "events", case.version, None, note))
        else:
            differences.extend(_differences(case, rebuilt))
        mismatches.extend(_check_definitions(case, events, resolver))
        if progress is not None:
            progress(done, len(wanted))
    return ReplayReport(len(wanted), tuple(differences), tuple(mismatches))

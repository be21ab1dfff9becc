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
from hoinghe.errors import HoingheError, NotFound, StorageError
from hoinghe.i18n import Language, Text
from hoinghe.records import Case, Event, fold
from hoinghe.storage.base import Store
from hoinghe.storage.codec import encode, to_payload

__all__ = ["Difference", "Mismatch", "ReplayReport", "replay"]


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _as_text(value: Text | str) -> Text:
    return value if isinstance(value, Text) else Text.same(value)


def _said(exc: Exception) -> Text:
    """What an exception says, in both languages: its :class:`Text`, or its one text in both when it has none."""
    if isinstance(exc, HoingheError):
        return exc.text
    first = exc.args[0] if exc.args else None
    return first if isinstance(first, Text) else Text.same(str(exc))


@attrs.frozen
class Difference:
    """A field where the stored case and the case its events rebuild disagree.

    Attributes:
        case_id: the case.
        field: the field of :class:`~hoinghe.records.Case` (``state``, ``data`` ...); ``payload`` when only the
            stored JSON differs; ``events`` when the events do not rebuild a case at all (``note`` says why).
        stored: the stored value, as JSON-ready data.
        rebuilt: the value the events give, as JSON-ready data.
        note: what is wrong, when it is not a plain difference of values, in Vietnamese and English (a plain
            string is taken as the same text in both); empty otherwise.
    """

    case_id: str
    field: str
    stored: Any = None
    rebuilt: Any = None
    note: Text = attrs.field(default=Text.same(""), converter=_as_text)

    def describe(self, language: Language | None = None) -> str:
        """One line: ``case case-1: state is stored as "approved", its events give "submitted"``.

        In ``language``, else the language in force.
        """
        if self.note.vi:
            line = Text(
                f"hồ sơ {self.case_id}: {self.note.vi}", f"case {self.case_id}: {self.note.get('en')}"
            )
        else:
            line = Text(
                f"hồ sơ {self.case_id}: {self.field} được lưu là {_shown(self.stored)}, "
                f"còn các sự kiện cho ra {_shown(self.rebuilt)}",
                f"case {self.case_id}: {self.field} is stored as {_shown(self.stored)}, "
                f"its events give {_shown(self.rebuilt)}",
            )
        return line.get(language)

    def to_json(self) -> dict[str, Any]:
        """A plain dict; ``note`` in the language in force."""
        return {
            "case": self.case_id,
            "field": self.field,
            "stored": self.stored,
            "rebuilt": self.rebuilt,
            "note": str(self.note),
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
        expected: what the definition requires, as a clause in Vietnamese and English (a plain string is taken
            as the same text in both).
        found: what the log holds, as a clause (``it led to 'mobilizing'``).
    """

    case_id: str
    seq: int
    kind: str
    transition: str | None
    definition: str
    expected: Text = attrs.field(converter=_as_text)
    found: Text = attrs.field(converter=_as_text)

    def describe(self, language: Language | None = None) -> str:
        """One line naming the case, the event, what the definition expects and what the log holds.

        In ``language``, else the language in force.
        """
        what = f"{self.kind} {self.transition}" if self.transition else self.kind
        shown = self.definition if self.definition.startswith("given:") else self.definition[:12]
        line = Text(
            f"hồ sơ {self.case_id}, sự kiện {self.seq} ({what}): định nghĩa {shown} yêu cầu "
            f"{self.expected.vi}, nhưng {self.found.vi}",
            f"case {self.case_id} event {self.seq} ({what}): definition {shown} expects "
            f"{self.expected.get('en')}, but {self.found.get('en')}",
        )
        return line.get(language)

    def to_json(self) -> dict[str, Any]:
        """A plain dict; ``expected`` and ``found`` in the language in force."""
        return {
            "case": self.case_id,
            "seq": self.seq,
            "kind": self.kind,
            "transition": self.transition,
            "definition": self.definition,
            "expected": str(self.expected),
            "found": str(self.found),
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

    def describe(self, language: Language | None = None) -> str:
        """Every difference and mismatch, one per line, then a summary; in ``language``, else the one in force."""
        lines = [d.describe(language) for d in self.differences] + [
            m.describe(language) for m in self.mismatches
        ]
        if self.clean:
            summary = Text(
                f"đã dựng lại {self.checked} hồ sơ từ sự kiện: hồ sơ nào cũng khớp với sự kiện và định nghĩa của mình",
                f"{self.checked} case{'s' if self.checked != 1 else ''} replayed: "
                "every one matches its events and definition",
            )
        else:
            summary = Text(
                f"đã dựng lại {self.checked} hồ sơ từ sự kiện: {len(self.differences)} chỗ khác biệt, "
                f"{len(self.mismatches)} chỗ không khớp với định nghĩa",
                f"{self.checked} case{'s' if self.checked != 1 else ''} replayed: {len(self.differences)} difference"
                f"{'s' if len(self.differences) != 1 else ''}, {len(self.mismatches)} definition mismatch"
                f"{'es' if len(self.mismatches) != 1 else ''}",
            )
        lines.append(summary.get(language))
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
        self._pinned: dict[str, WorkflowDefinition | Text] = {}

    def label(self, workflow_id: str, version_hash: str) -> str:
        return f"given:{workflow_id}" if workflow_id in self._given else version_hash

    def of(self, case: Case, version_hash: str) -> WorkflowDefinition | Text:
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
                found = Text(
                    f"kho dữ liệu không lưu phiên bản định nghĩa {version_hash[:12]}",
                    f"the store keeps no definition version {version_hash[:12]}",
                )
            except (StorageError, ValueError) as exc:
                said = _said(exc)
                found = Text(
                    f"không đọc được phiên bản định nghĩa {version_hash[:12]}: {said.vi}",
                    f"definition version {version_hash[:12]} cannot be read: {said.get('en')}",
                )
            self._pinned[version_hash] = found
        return found


def _check_event(
    event: Event, previous: Event | None, workflow: WorkflowDefinition, label: str
) -> list[Mismatch]:
    """Every way ``event`` disagrees with ``workflow``, given the event before it."""
    out: list[Mismatch] = []

    def mismatch(expected: Text, found: Text) -> None:
        out.append(Mismatch(event.case_id, event.seq, event.kind, event.transition, label, expected, found))

    before = previous.state if previous is not None else None
    if event.kind == "opened":
        if event.state != workflow.initial:
            mismatch(
                Text(
                    f"hồ sơ mở ở trạng thái {workflow.initial!r}", f"a case to open in {workflow.initial!r}"
                ),
                Text(f"hồ sơ đã mở ở {event.state!r}", f"it opened in {event.state!r}"),
            )
    elif event.kind == "fired":
        transitions = {t.id: t for t in workflow.transitions}
        transition = transitions.get(event.transition or "")
        if event.from_state != before:
            mismatch(
                Text(
                    f"bước {event.transition} bắt đầu từ {before!r}, trạng thái ngay trước đó",
                    f"{event.transition} to start from {before!r}, the state before",
                ),
                _started_from(event),
            )
        if transition is None:
            mismatch(
                Text(
                    f"một trong các bước chuyển của nó ({', '.join(transitions) or 'không có'})",
                    f"one of its transitions ({', '.join(transitions) or 'none'})",
                ),
                Text(f"nhật ký ghi {event.transition!r}", f"the log names {event.transition!r}"),
            )
        else:
            if event.from_state not in transition.from_:
                mismatch(
                    Text(
                        f"bước {transition.id} chỉ thực hiện từ {', '.join(map(repr, transition.from_))}",
                        f"{transition.id} to fire from {', '.join(map(repr, transition.from_))}",
                    ),
                    Text(
                        f"bước này đã thực hiện từ {event.from_state!r}",
                        f"it fired from {event.from_state!r}",
                    ),
                )
            if event.state != transition.to:
                mismatch(
                    Text(
                        f"bước {transition.id} dẫn từ {event.from_state!r} đến {transition.to!r}",
                        f"{transition.id} to lead from {event.from_state!r} to {transition.to!r}",
                    ),
                    Text(f"bước này đã dẫn đến {event.state!r}", f"it led to {event.state!r}"),
                )
    elif event.kind == "migrated":
        if event.from_state != before:
            mismatch(
                Text(
                    f"việc chuyển phiên bản bắt đầu từ {before!r}, trạng thái ngay trước đó",
                    f"the migration to start from {before!r}, the state before",
                ),
                _started_from(event),
            )
    elif event.state != before:
        mismatch(
            Text(
                f"sự kiện {event.kind} giữ hồ sơ ở {before!r}",
                f"the {event.kind} event to leave the case in {before!r}",
            ),
            Text(f"hồ sơ đã chuyển sang {event.state!r}", f"it moved to {event.state!r}"),
        )
    if event.state not in workflow.state_ids:
        mismatch(
            Text(
                f"một trong các trạng thái của nó ({', '.join(workflow.state_ids)})",
                f"one of its states ({', '.join(workflow.state_ids)})",
            ),
            Text(f"nhật ký ghi {event.state!r}", f"the log has {event.state!r}"),
        )
    elif event.final != (event.state in workflow.final):
        mismatch(
            Text(
                f"{event.state!r} {'là' if event.state in workflow.final else 'không phải là'} trạng thái kết thúc",
                f"{event.state!r} to be {'final' if event.state in workflow.final else 'not final'}",
            ),
            Text(
                f"nhật ký ghi final={str(event.final).lower()}",
                f"the log says final={str(event.final).lower()}",
            ),
        )
    return out


def _started_from(event: Event) -> Text:
    return Text(
        f"sự kiện ghi trạng thái trước là {event.from_state!r}", f"it started from {event.from_state!r}"
    )


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
        if isinstance(workflow, Text):
            if pinned not in unreadable:  # once per version, not once per event
                unreadable.add(pinned)
                out.append(
                    Mismatch(
                        case.id,
                        event.seq,
                        event.kind,
                        event.transition,
                        label,
                        Text("phiên bản định nghĩa của nó đọc được", "its definition version to be readable"),
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
                    Text(f"một định nghĩa của {case.workflow}", f"a definition of {case.workflow}"),
                    Text(f"nó là định nghĩa của {workflow.id}", f"it is one of {workflow.id}"),
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
            said = _said(exc)
            note = Text(
                f"{len(events)} sự kiện của hồ sơ không dựng lại được hồ sơ: {said.vi}",
                f"its {len(events)} events do not rebuild it: {said.get('en')}",
            )
            differences.append(Difference(case.id, "events", case.version, None, note))
        else:
            differences.extend(_differences(case, rebuilt))
        mismatches.extend(_check_definitions(case, events, resolver))
        if progress is not None:
            progress(done, len(wanted))
    return ReplayReport(len(wanted), tuple(differences), tuple(mismatches))

"""Definition versions: a workflow and the rule packs it runs with, under one content hash.

A case pins the version it opened on.  The engine keeps every version it has seen in the store, so a case opened
on an older version keeps running on it after a new one is registered, until it is migrated explicitly.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Sequence

import attrs

from hoinghe.definitions.rulepack import RulePack
from hoinghe.definitions.workflow import TransitionDef, WorkflowDefinition
from hoinghe.engine._machine import CompiledMachine, compile_machine
from hoinghe.i18n import Text
from hoinghe.loading._converter import converter
from hoinghe.loading.library import definition_hash
from hoinghe.records import VersionRecord
from hoinghe.rules.ruleset import CompiledRule, RuleSet

__all__ = ["Version", "version_hash"]

# Versions shared across engines: by the identity of the definition objects (cheap), and by content hash (so
# equal definitions loaded twice share one compiled version).  Bounded, least recently used first out.
_SHARED_SIZE = 256
_SHARED_LOCK = threading.Lock()
_BY_OBJECTS: OrderedDict[tuple[int, ...], tuple[WorkflowDefinition, tuple[RulePack, ...], Version]] = (
    OrderedDict()
)
_BY_HASH: OrderedDict[str, Version] = OrderedDict()


def version_hash(workflow: WorkflowDefinition, packs: Sequence[RulePack]) -> str:
    """The content hash of a workflow with its rule packs (SHA-256 over their canonical JSON hashes)."""
    parts = {"workflow": definition_hash(workflow), "packs": [definition_hash(p) for p in packs]}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _boundaries(packs: Sequence[RulePack]) -> tuple[dt.date, ...]:
    days: set[dt.date] = set()
    for pack in packs:
        spans = [
            pack.effective,
            *(r.effective for r in pack.rules),
            *(p.effective for p in pack.params.values()),
        ]
        for span in spans:
            if span is not None:
                days.update(d for d in (span.from_, span.until) if d is not None)
    return tuple(sorted(days))


@attrs.define(eq=False)
class Version:
    """One runnable version: the definition, its packs, its compiled machine and its rule sets by period."""

    hash: str
    workflow: WorkflowDefinition
    packs: tuple[RulePack, ...]
    machine: CompiledMachine
    transitions: dict[str, TransitionDef]
    _boundaries: tuple[dt.date, ...]
    _rulesets: dict[int, RuleSet] = attrs.field(factory=dict)
    _selected: dict[tuple[int, str, str, str | None], tuple[CompiledRule, ...]] = attrs.field(factory=dict)
    _lock: threading.Lock = attrs.field(factory=threading.Lock)

    @classmethod
    def of(cls, workflow: WorkflowDefinition, packs: Sequence[RulePack]) -> Version:
        """The version of ``workflow`` with ``packs``, shared by every engine in the process.

        Engines made one after another (a test suite, the replicates of a simulation) reuse the compiled machine
        and rule sets instead of compiling them again.
        """
        key = (id(workflow), *map(id, packs))
        with _SHARED_LOCK:
            hit = _BY_OBJECTS.get(key)
            if (
                hit is not None
                and hit[0] is workflow
                and all(a is b for a, b in zip(hit[1], packs, strict=True))
            ):
                _BY_OBJECTS.move_to_end(key)
                return hit[2]
        digest = version_hash(workflow, packs)
        with _SHARED_LOCK:
            version = _BY_HASH.get(digest)
            if version is None:
                version = cls(
                    digest,
                    workflow,
                    tuple(packs),
                    compile_machine(workflow),
                    {t.id: t for t in workflow.transitions},
                    _boundaries(packs),
                )
                _BY_HASH[digest] = version
            _BY_HASH.move_to_end(digest)
            # The entry keeps the objects alive, so their ids are not reused while it stands.
            _BY_OBJECTS[key] = (workflow, tuple(packs), version)
            for table in (_BY_OBJECTS, _BY_HASH):
                while len(table) > _SHARED_SIZE:
                    table.popitem(last=False)
        return version

    @classmethod
    def from_record(cls, record: VersionRecord) -> Version:
        """The version kept in a store.  Its hash is recomputed and must match the record's."""
        workflow = converter.structure(record.workflow, WorkflowDefinition)
        packs = [converter.structure(p, RulePack) for p in record.packs]
        version = cls.of(workflow, packs)
        if version.hash != record.hash:
            msg = Text(
                f"phiên bản định nghĩa {record.hash[:12]} lưu trong kho dữ liệu lại có mã băm {version.hash[:12]}; "
                "kho dữ liệu đã bị hỏng",
                f"stored definition version {record.hash[:12]} hashes to {version.hash[:12]}; the store is damaged",
            )
            raise ValueError(msg)
        return version

    def record(self) -> VersionRecord:
        return VersionRecord(
            self.hash,
            self.workflow.id,
            converter.unstructure(self.workflow),
            tuple(converter.unstructure(p) for p in self.packs),
        )

    def _period(self, day: dt.date) -> int:
        return bisect.bisect_right(self._boundaries, day)

    def ruleset(self, day: dt.date) -> RuleSet:
        """The rules and parameters in force on ``day``, compiled once per period between effective dates."""
        period = self._period(day)
        found = self._rulesets.get(period)
        if found is None:
            found = RuleSet.build(self.packs, on=day)
            with self._lock:
                found = self._rulesets.setdefault(period, found)
        return found

    def rules_for(
        self, day: dt.date, transition: TransitionDef, level: str, kind: str | None
    ) -> tuple[CompiledRule, ...]:
        """The rules taking part in a decision on ``transition`` for a subject of this level and kind."""
        key = (self._period(day), transition.id, level, kind)
        found = self._selected.get(key)
        if found is None:
            found = self.ruleset(day).select(
                transition.rules, level=level, kind=kind, workflow=self.workflow.id, transition=transition.id
            )
            with self._lock:
                found = self._selected.setdefault(key, found)
        return found

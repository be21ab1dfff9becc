"""Worker processes for ``test_storage_concurrency.py`` (C-1, C-2, C-3, C-7 of RELIABILITY.md).

Each worker runs in a process of its own (``multiprocessing`` with the spawn start method) and serves the tasks
the test sends it (:func:`serve`), so one pair of processes runs every race of the module.  A task opens its own
:class:`~hoinghe.SqlStore` on the database the test names, and meets the other worker at a shared barrier before
every fire, so both decide from the same stored version.  A task reports one result on the queue, tagged with
the task's number; a task that fails reports its traceback and breaks the barrier, so its partner stops instead of
waiting forever.
"""

from __future__ import annotations

import itertools
import traceback
from collections.abc import Callable
from typing import Any

import world
from hoinghe import ConflictError, Engine, Refused, SqlStore, StorageError
from hoinghe.records import Commit
from hoinghe.storage.codec import encode

# The founding workflow's one cycle: returning a dossier and submitting it again.  A case can go round it for
# ever, so every round of a race has a transition to fire on the same case.
NEXT = {
    "dossier_submitted": ("return_dossier", "btv-1"),
    "founding_meeting_held": ("submit_dossier", "officer-1"),
}


_task = [0]  # the number of the task being served, which tags its result


def serve(writer: int, barrier: Any, tasks: Any, results: Any) -> None:
    """Run the tasks ``(number, function name, url, args)`` from ``tasks`` until a ``None`` comes."""
    while (task := tasks.get()) is not None:
        _task[0], name, url, args = task
        globals()[name](url, writer, barrier, results, *args)


class ObservedStore(SqlStore):
    """A SqlStore that counts the conflicts its own ``commit`` raised (the compare-and-set losing a race)."""

    commit_conflicts = 0

    def commit(self, commit: Commit) -> None:
        try:
            super().commit(commit)
        except ConflictError:
            self.commit_conflicts += 1
            raise


def _engine(store: SqlStore, writer: int) -> Engine:
    # Each process makes ids of its own: two SequentialIds would both hand out case-1.
    counter = itertools.count(1)
    return world.engine(store=store, ids=lambda prefix: f"{prefix}-w{writer}-{next(counter)}")


def _run(
    body: Callable[[ObservedStore, Engine], list[Any]], url: str, writer: int, barrier: Any, results: Any
) -> None:
    try:
        store = ObservedStore(url)
        try:
            results.put((_task[0], writer, "ok", body(store, _engine(store, writer))))
        finally:
            store.close()
    except BaseException:  # noqa: BLE001 - every failure is reported to the parent, which fails the test
        barrier.abort()
        results.put((_task[0], writer, "error", traceback.format_exc()))


def same_case(url: str, writer: int, barrier: Any, results: Any, case_id: str, rounds: int) -> None:  # noqa: PLR0917 - Process passes arguments by position
    """C-1: each round, fire the cycle's next transition on one case with the version both workers read.

    Reports per round ``(round, version read, outcome)``, the outcome ``won``, ``store`` (the store's
    compare-and-set refused the commit) or ``early`` (the engine saw the newer version before planning).
    """

    def body(store: ObservedStore, engine: Engine) -> list[Any]:
        out = []
        for r in range(rounds):
            barrier.wait()  # the previous round is over for both
            case = store.case(case_id)
            transition, actor = NEXT[case.state]
            barrier.wait()  # both read the same version
            before = store.commit_conflicts
            try:
                engine.fire(
                    case_id,
                    transition,
                    actor,
                    expected_version=case.version,
                    data={"writer": writer, "round": r},
                )
            except ConflictError:
                out.append((r, case.version, "store" if store.commit_conflicts > before else "early"))
            else:
                out.append((r, case.version, "won"))
        return out

    _run(body, url, writer, barrier, results)


def approve_or_reject(url: str, writer: int, barrier: Any, results: Any, case_ids: list[str]) -> None:
    """C-2: on each case, one worker approves while the other rejects (they swap roles every case).

    Reports per case ``(case id, transition, outcome)``, the outcome ``won``, ``conflict`` or ``refused``.
    """

    def body(store: ObservedStore, engine: Engine) -> list[Any]:
        out = []
        for i, case_id in enumerate(case_ids):
            approving = (i + writer) % 2 == 0
            transition, documents = ("approve", dict(world.DECISION)) if approving else ("reject", {})
            barrier.wait()
            try:
                engine.fire(case_id, transition, "btv-1", documents=documents)
            except ConflictError:
                out.append((case_id, transition, "conflict"))
            except Refused:
                out.append((case_id, transition, "refused"))
            else:
                out.append((case_id, transition, "won"))
        return out

    _run(body, url, writer, barrier, results)


def own_cases(url: str, writer: int, barrier: Any, results: Any, cases: int) -> None:
    """C-3: open ``cases`` cases and take each through survey, outreach and withdrawal (4 commits a case).

    Reports the ids of the cases it opened, then every storage error it met (message), which must be none.
    """

    def body(_store: ObservedStore, engine: Engine) -> list[Any]:
        opened, errors = [], []
        barrier.wait()
        for i in range(cases):
            try:
                case = engine.open(
                    "found-professional-group", world.new_group(f"g-w{writer}-{i}"), "officer-1"
                )
                opened.append(case.id)
                engine.fire(case.id, "survey", "officer-1", documents={"survey_report": "u"})
                engine.fire(case.id, "start_outreach", "officer-1")
                engine.fire(case.id, "withdraw", "btv-1")
            except StorageError as exc:
                errors.append(str(exc))
        return [opened, errors]

    _run(body, url, writer, barrier, results)


def one_key(url: str, writer: int, barrier: Any, results: Any, case_id: str, rounds: int) -> None:  # noqa: PLR0917 - Process passes arguments by position
    """C-7: each round, both workers fire the same request with the same idempotency key.

    Reports per round ``(round, version read, the returned case as JSON or the error's type and message)``.
    """

    def body(store: ObservedStore, engine: Engine) -> list[Any]:
        out = []
        for r in range(rounds):
            barrier.wait()
            case = store.case(case_id)
            transition, actor = NEXT[case.state]
            barrier.wait()
            try:
                after = engine.fire(case_id, transition, actor, idempotency_key=f"{case_id}:round-{r}")
            except (ConflictError, Refused) as exc:
                out.append((r, case.version, f"{type(exc).__name__}: {exc}"))
            else:
                out.append((r, case.version, encode(after)))
        return out

    _run(body, url, writer, barrier, results)

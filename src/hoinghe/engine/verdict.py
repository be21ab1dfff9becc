"""Decisions: whether a transition may fire, and every reason it may not.

A :class:`Verdict` lists **every** blocker at once (permission, documents, approvals, rules, data), so a dossier
comes back with one complete list of what to fix.  :class:`Refused` is raised by :meth:`Engine.fire
<hoinghe.engine.Engine.fire>` with the verdict attached.
"""

from __future__ import annotations

from typing import Literal

import attrs

from hoinghe.definitions.rulepack import Citation
from hoinghe.errors import HoingheError
from hoinghe.org.text import Language, Text

__all__ = ["Blocker", "BlockerKind", "Option", "Refused", "Verdict"]

#: What kind of obstacle a blocker is.
BlockerKind = Literal["state", "permission", "proposer", "document", "approval", "rule", "data", "subject"]


@attrs.frozen
class Blocker:
    """One reason a transition may not fire.

    Attributes:
        kind: see :data:`BlockerKind`.
        code: the stable code (``HNG-B005`` for a rule), listed in :data:`hoinghe.errors.CODES`.
        message: what is wrong, in Vietnamese and English.
        rule_id: for a rule, its id (``MEM-02``).
        citation: for a rule, where it comes from.
        explanation: for a rule, the clauses that failed with the values read.
        required: for permission, the ``role@unit`` grants any one of which would do; for a document, its id.
    """

    kind: BlockerKind
    code: str
    message: Text
    rule_id: str | None = None
    citation: Citation | None = None
    explanation: tuple[str, ...] = ()
    required: tuple[str, ...] = ()

    def describe(self, language: Language | None = None) -> str:
        """One line, ``HNG-B005 MEM-02: <message> [205-HD/HNDTW, II]``, in ``language`` (else the one in force)."""
        head = f"{self.code} {self.rule_id}: " if self.rule_id else f"{self.code} "
        cite = f" [{self.citation}]" if self.citation is not None else ""
        return f"{head}{self.message.get(language)}{cite}"


@attrs.frozen
class Verdict:
    """The decision on one transition of one case by one actor.

    Attributes:
        case_id: the case.
        transition: the transition asked for.
        actor: who asked.
        target: the state the case would move to (``None`` when the transition cannot fire from its state).
        blockers: every reason it may not fire; empty when it may.
        warnings: rules of severity ``warning`` that did not hold (they never block).
        rules: ids of the rules checked that held.
    """

    case_id: str
    transition: str
    actor: str
    target: str | None
    blockers: tuple[Blocker, ...] = ()
    warnings: tuple[Blocker, ...] = ()
    rules: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return not self.blockers

    def __bool__(self) -> bool:
        return self.allowed

    def describe(self, language: Language | None = None) -> str:
        """Every blocker, one per line, in ``language`` (else the one in force); ``""`` when it may fire."""
        return "\n".join(b.describe(language) for b in self.blockers)


@attrs.frozen
class Option:
    """A transition out of a case's state as seen by one actor: allowed, or why not."""

    transition: str
    title: Text | None
    target: str
    verdict: Verdict

    @property
    def allowed(self) -> bool:
        return self.verdict.allowed


class Refused(HoingheError):
    """The transition may not fire; ``verdict`` holds every blocker.  Nothing was written (unless recorded).

    Its message names the case, the transition and the actor, then every blocker on a line of its own, in both
    languages: ``str(refused)`` shows the language in force.
    """

    code = "HNG-E004"

    def __init__(self, verdict: Verdict) -> None:
        self.verdict = verdict
        head = Text(
            f"hồ sơ {verdict.case_id}: {verdict.actor} không được thực hiện bước {verdict.transition!r}",
            f"case {verdict.case_id}: {verdict.transition!r} refused for {verdict.actor}",
        )
        lines = [Text(b.describe("vi"), b.describe("en")) for b in verdict.blockers]
        super().__init__(Text.join("\n  ", [head, *lines]))

    @property
    def blockers(self) -> tuple[Blocker, ...]:
        return self.verdict.blockers

"""Static checks of a workflow definition: pure functions, run at load time.

Each check returns diagnostics with a ``$.path`` into the workflow document; the loader adds the file, line and
column.  What the workflow refers to outside itself (levels, roles, documents, rules, effects) is checked against a
:class:`Vocabulary`; a field of the vocabulary left as ``None`` is not checked.
"""

from __future__ import annotations

import difflib
import re
from collections import deque
from collections.abc import Collection, Iterable, Iterator, Sequence

import attrs

from hoinghe.definitions.effects import BUILTIN_EFFECTS
from hoinghe.definitions.workflow import (
    PEOPLE,
    RELATIVE_UNITS,
    NotifyDef,
    RoleRef,
    TransitionDef,
    WorkflowDefinition,
)
from hoinghe.errors import CODES, Diagnostic
from hoinghe.org.hierarchy import Hierarchy

__all__ = ["Vocabulary", "check_workflow", "reachable_states"]

_CHANNEL = re.compile(r"[a-z][a-z0-9_-]{0,63}")


@attrs.frozen
class Vocabulary:
    """What a workflow may name: the profile's hierarchy, roles, documents, rule ids and effects."""

    hierarchy: Hierarchy | None = None
    roles: Collection[str] | None = None
    documents: Collection[str] | None = None
    rules: Collection[str] | None = None
    effects: Collection[str] = attrs.field(factory=lambda: frozenset(BUILTIN_EFFECTS))


def _suggest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def reachable_states(wf: WorkflowDefinition) -> set[str]:
    """States reachable from the initial state by following transitions (and timers)."""
    edges = _edges(wf)
    seen, todo = {wf.initial}, deque([wf.initial])
    while todo:
        for nxt in edges.get(todo.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _edges(wf: WorkflowDefinition) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for t in wf.transitions:
        for src in t.from_:
            edges.setdefault(src, set()).add(t.to)
    return edges


def _can_finish(wf: WorkflowDefinition) -> set[str]:
    """States from which some final state can be reached (backwards search from the finals)."""
    back: dict[str, set[str]] = {}
    for src, dsts in _edges(wf).items():
        for dst in dsts:
            back.setdefault(dst, set()).add(src)
    seen = set(wf.final)
    todo = deque(seen)
    while todo:
        for prev in back.get(todo.popleft(), ()):
            if prev not in seen:
                seen.add(prev)
                todo.append(prev)
    return seen


def check_workflow(wf: WorkflowDefinition, vocabulary: Vocabulary | None = None) -> list[Diagnostic]:
    """Every problem with ``wf``, minus the codes its ``checks.disable`` switches off explicitly."""
    vocab = vocabulary or Vocabulary()
    found = [*_check_ids(wf), *_check_graph(wf), *_check_paths(wf), *_check_references(wf, vocab)]
    for i, code in enumerate(wf.checks.disable):
        if code not in CODES or not code.startswith("HNG-W"):
            found.append(
                Diagnostic(
                    "HNG-W013",
                    f"{code!r} is not a workflow check code; workflow checks are HNG-W001..HNG-W015",
                    f"$.checks.disable[{i}]",
                )
            )
    disabled = set(wf.checks.disable)
    return [d for d in found if d.code not in disabled]


def _check_ids(wf: WorkflowDefinition) -> Iterator[Diagnostic]:
    seen: dict[str, int] = {}
    for i, state in enumerate(wf.states):
        if state.id in seen:
            yield Diagnostic("HNG-W002", f"state {state.id!r} is declared twice", f"$.states[{i}]")
        seen.setdefault(state.id, i)
    tseen: dict[str, int] = {}
    for i, t in enumerate(wf.transitions):
        if t.id in tseen:
            yield Diagnostic(
                "HNG-W002",
                f"transition id {t.id!r} is used twice (also transitions[{tseen[t.id]}])",
                f"$.transitions[{i}].id",
            )
        tseen.setdefault(t.id, i)


def _check_graph(wf: WorkflowDefinition) -> Iterator[Diagnostic]:
    states = set(wf.state_ids)

    def unknown(name: str, path: str, what: str) -> Diagnostic:
        return Diagnostic(
            "HNG-W001", f"{what} {name!r} is not a state of {wf.id!r}{_suggest(name, states)}", path
        )

    if wf.initial not in states:
        yield unknown(wf.initial, "$.initial", "initial state")
    if not wf.final:
        yield Diagnostic("HNG-W004", "the workflow has no final state; list them under `final:`", "$.final")
    for i, name in enumerate(wf.final):
        if name not in states:
            yield unknown(name, f"$.final[{i}]", "final state")
    finals = set(wf.final)
    for i, t in enumerate(wf.transitions):
        for j, src in enumerate(t.from_):
            if src not in states:
                yield unknown(src, f"$.transitions[{i}].from[{j}]", "source state")
            elif src in finals:
                yield Diagnostic(
                    "HNG-W005",
                    f"transition {t.id!r} leaves final state {src!r}; a case in a final state is closed",
                    f"$.transitions[{i}].from[{j}]",
                )
        if t.to not in states:
            yield unknown(t.to, f"$.transitions[{i}].to", "target state")


def _check_paths(wf: WorkflowDefinition) -> Iterator[Diagnostic]:
    """Unreachable states, states that can never finish, and dead ends."""
    if wf.initial not in set(wf.state_ids):
        return  # reachability means nothing without a start
    finals = set(wf.final)
    reachable = reachable_states(wf)
    finishing = _can_finish(wf)
    sources = {src for t in wf.transitions for src in t.from_}
    for i, state in enumerate(wf.states):
        if state.id not in reachable:
            yield Diagnostic(
                "HNG-W003",
                f"state {state.id!r} cannot be reached from the initial state {wf.initial!r}; "
                "add a transition into it or remove it",
                f"$.states[{i}]",
            )
        elif state.id not in finishing:
            yield Diagnostic(
                "HNG-W004",
                f"a case in state {state.id!r} can never finish: no path leads from it to a final state "
                f"({', '.join(wf.final) or 'none declared'})",
                f"$.states[{i}]",
            )
        if state.id not in finals and state.id not in sources and state.id in reachable:
            yield Diagnostic(
                "HNG-W014",
                f"state {state.id!r} has no outgoing transition and is not final",
                f"$.states[{i}]",
            )


def _check_subject(wf: WorkflowDefinition, h: Hierarchy) -> Iterator[Diagnostic]:
    for i, level in enumerate(wf.subject.level):
        path = f"$.subject.level[{i}]" if len(wf.subject.level) > 1 else "$.subject.level"
        if level not in h:
            yield Diagnostic(
                "HNG-W007",
                f"subject level {level!r} is not a level of the hierarchy ({', '.join(h.ids)}){_suggest(level, h.ids)}",
                path,
            )
        elif wf.subject.kind is not None and wf.subject.kind not in h.level(level).kinds:
            yield Diagnostic(
                "HNG-W015",
                f"level {level!r} has no unit kind {wf.subject.kind!r}; its kinds are "
                f"{', '.join(h.level(level).kinds) or 'none'}",
                "$.subject.kind",
            )


def _check_references(wf: WorkflowDefinition, vocab: Vocabulary) -> Iterator[Diagnostic]:
    if vocab.hierarchy is not None:
        yield from _check_subject(wf, vocab.hierarchy)
    transition_ids = {t.id for t in wf.transitions}
    for i, t in enumerate(wf.transitions):
        base = f"$.transitions[{i}]"
        for j, ref in enumerate(t.by):
            yield from _check_role(ref, f"{base}.by[{j}]", vocab)
        if t.approvals is not None:
            for j, ref in enumerate(t.approvals.by):
                yield from _check_role(ref, f"{base}.approvals.by[{j}]", vocab)
            if not 1 <= t.approvals.quorum <= len(t.approvals.by):
                yield Diagnostic(
                    "HNG-W012",
                    f"quorum {t.approvals.quorum} needs between 1 and {len(t.approvals.by)} of the bodies listed",
                    f"{base}.approvals.quorum",
                )
        yield from _check_names(t.documents, vocab.documents, "HNG-W008", "document", f"{base}.documents")
        yield from _check_names(
            t.optional_documents, vocab.documents, "HNG-W008", "document", f"{base}.optional_documents"
        )
        yield from _check_names(t.rules, vocab.rules, "HNG-W009", "rule", f"{base}.rules")
        for j, effect in enumerate(t.effects):
            if effect.id not in vocab.effects:
                yield Diagnostic(
                    "HNG-W010",
                    f"effect {effect.id!r} is not known{_suggest(effect.id, vocab.effects)}; "
                    "declare a custom effect under the profile's `effects:` and register it with the engine",
                    f"{base}.effects[{j}]",
                )
            elif effect.id in BUILTIN_EFFECTS:
                extra = sorted(set(effect.args) - BUILTIN_EFFECTS[effect.id])
                if extra:
                    yield Diagnostic(
                        "HNG-W010",
                        f"effect {effect.id!r} takes no argument {', '.join(map(repr, extra))}; it takes "
                        f"{', '.join(sorted(BUILTIN_EFFECTS[effect.id])) or 'none'}",
                        f"{base}.effects[{j}].args",
                    )
        yield from _check_timer(t, transition_ids, wf, f"{base}.deadline")
        yield from _check_notify(t.notify, f"{base}.notify", vocab)
        if t.deadline is not None:
            yield from _check_notify(t.deadline.notify, f"{base}.deadline.notify", vocab)
            if t.deadline.notify and t.deadline.then == "fire":
                yield Diagnostic(
                    "HNG-W011",
                    "`notify:` under a deadline is read with `then: notify`; to tell people when a deadline fires "
                    "a transition, put `notify:` on that transition",
                    f"{base}.deadline.notify",
                )


def _check_notify(entries: Sequence[NotifyDef], path: str, vocab: Vocabulary) -> Iterator[Diagnostic]:
    for i, entry in enumerate(entries):
        if not _CHANNEL.fullmatch(entry.channel):
            yield Diagnostic(
                "HNG-W016",
                f"channel {entry.channel!r} is not a channel name: use lower-case letters, digits, - and _ "
                "(log, webhook, email, or one the relay is configured with)",
                f"{path}[{i}].channel",
            )
        if not entry.to:
            yield Diagnostic(
                "HNG-W016", "a notification needs at least one recipient under `to:`", f"{path}[{i}].to"
            )
        for j, ref in enumerate(entry.to):
            if ref.role in PEOPLE:
                if ref.at != "subject":
                    yield Diagnostic(
                        "HNG-W016",
                        f"`{ref.role}` is a person, not a role: it takes no `at:`",
                        f"{path}[{i}].to[{j}].at",
                    )
                continue
            yield from _check_role(ref, f"{path}[{i}].to[{j}]", vocab, people=True)


def _check_role(ref: RoleRef, path: str, vocab: Vocabulary, *, people: bool = False) -> Iterator[Diagnostic]:
    if vocab.roles is not None and ref.role not in vocab.roles:
        names = [*vocab.roles, *PEOPLE] if people else vocab.roles
        also = f" nor one of {', '.join(PEOPLE)}" if people else ""
        yield Diagnostic(
            "HNG-W006",
            f"role {ref.role!r} is not declared in the profile{also}{_suggest(ref.role, names)}",
            f"{path}.role",
        )
    h = vocab.hierarchy
    if h is not None and ref.at not in RELATIVE_UNITS and ref.at not in h:
        known = [*RELATIVE_UNITS, *h.ids]
        yield Diagnostic(
            "HNG-W007",
            f"`at: {ref.at}` is neither a level of the hierarchy nor one of {', '.join(RELATIVE_UNITS)}"
            f"{_suggest(ref.at, known)}",
            f"{path}.at",
        )


def _check_names(
    names: Iterable[str], known: Collection[str] | None, code: str, what: str, path: str
) -> Iterator[Diagnostic]:
    if known is None:
        return
    for j, name in enumerate(names):
        if name not in known:
            where = "declared in the profile" if what == "document" else "defined by the profile's rule packs"
            yield Diagnostic(code, f"{what} {name!r} is not {where}{_suggest(name, known)}", f"{path}[{j}]")


def _check_timer(
    t: TransitionDef, transition_ids: set[str], wf: WorkflowDefinition, path: str
) -> Iterator[Diagnostic]:
    timer = t.deadline
    if timer is None:
        return
    if timer.then == "fire":
        if timer.transition is None:
            yield Diagnostic("HNG-W011", "`then: fire` needs `transition:` naming what to fire", path)
            return
        if timer.transition not in transition_ids:
            yield Diagnostic(
                "HNG-W011",
                f"deadline fires {timer.transition!r}, which is not a transition of {wf.id!r}"
                f"{_suggest(timer.transition, transition_ids)}",
                f"{path}.transition",
            )
            return
        target = wf.transition(timer.transition)
        if not set(t.from_) <= set(target.from_):
            yield Diagnostic(
                "HNG-W011",
                f"deadline fires {timer.transition!r} while waiting in {', '.join(t.from_)}, but that transition "
                f"only leaves {', '.join(target.from_)}",
                f"{path}.transition",
            )
    elif timer.transition is not None:
        yield Diagnostic("HNG-W011", "`transition:` is only read with `then: fire`", f"{path}.transition")

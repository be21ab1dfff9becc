"""Draft rule packs: read from YAML, and layered over the packs in force for a comparison.

A draft usually amends one guidance document: it is a ``kind: rules`` document with the **same id** as the pack
it replaces (``hd-205-2020`` with ``group_min_members: {value: 7, tighten: up}``), and it takes that pack's place
in the stack.  A draft whose id no pack in force has is appended after them, as a province's pack would be.

The engine refuses a stack in which a later pack loosens a parameter (``HNG-R004``).  A comparison is made to see
changes, loosening ones included: the stack is compared anyway, with the direction of each loosened parameter set
to ``any`` for the comparison only, and every loosening is reported as a warning note.  A draft that loosens the
very pack it replaces is noted too (the layering check cannot see it, as the replaced pack is gone from the stack).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import attrs

from hoinghe.audit.model import AuditError
from hoinghe.definitions.rulepack import RulePack
from hoinghe.errors import DefinitionError, Diagnostic, Severity
from hoinghe.i18n import Text
from hoinghe.loading.library import Library
from hoinghe.rules.packs import Loosening, find_loosenings
from hoinghe.rules.ruleset import RuleSet

__all__ = ["DraftStack", "draft_stack", "load_draft"]


def load_draft(*paths: str | Path) -> tuple[RulePack, ...]:
    """The rule packs in the YAML files (or folders) ``paths``, in the order read.

    Raises:
        AuditError: a file does not load, holds something other than a rule pack, or there is no pack at all.
    """
    library = Library.from_paths(*paths)
    problems = [d for d in library.diagnostics if d.is_error]
    packs: list[RulePack] = []
    for document in library.documents:
        if isinstance(document.definition, RulePack):
            packs.append(document.definition)
            continue
        problems.append(
            document.locate(
                Diagnostic(
                    "HNG-W021",
                    Text(
                        f"{document.kind} {document.id!r} không phải bộ quy tắc; dự thảo phải là tài liệu "
                        "`kind: rules`",
                        f"{document.kind} {document.id!r} is not a rule pack; a draft is a `kind: rules` document",
                    ),
                    "$.kind",
                )
            )
        )
    if not packs and not problems:
        names = (
            Text.same(", ".join(map(str, paths))) if paths else Text("(không có đường dẫn nào)", "nothing")
        )
        found = Text(
            f"không tìm thấy bộ quy tắc nào trong {names.vi}", f"no rule pack found in {names.get('en')}"
        )
        problems.append(Diagnostic("HNG-W021", found, "$"))
    if problems:
        raise AuditError(problems)
    return tuple(packs)


@attrs.frozen
class DraftStack:
    """The stack of packs a comparison runs the draft with.

    Attributes:
        packs: the packs in force with each draft in place of the pack of its id, or appended.
        drafts: the ids of the drafts.
        replaced: the ids of the packs in force the drafts replace.
        notes: the loosenings overlooked for the comparison, as warnings (``HNG-R004``).
    """

    packs: tuple[RulePack, ...]
    drafts: tuple[str, ...]
    replaced: tuple[str, ...]
    notes: tuple[Diagnostic, ...] = ()


def draft_stack(current: Sequence[RulePack], draft: Sequence[RulePack] | RulePack) -> DraftStack:
    """Layer ``draft`` over ``current``: each draft pack replaces the pack with its id, or is appended.

    Raises:
        AuditError: two drafts share an id, a draft changes a parameter's type, or a rule does not compile.
    """
    drafts = (draft,) if isinstance(draft, RulePack) else tuple(draft)
    stack = list(current)
    index = {pack.id: i for i, pack in enumerate(stack)}
    notes: list[Diagnostic] = []
    replaced: list[str] = []
    seen: set[str] = set()
    for pack in drafts:
        if pack.id in seen:
            twice = Text(
                f"hai bộ quy tắc dự thảo cùng có id {pack.id!r}", f"two draft packs have the id {pack.id!r}"
            )
            raise AuditError([Diagnostic("HNG-W021", twice, "$.id")])
        seen.add(pack.id)
        at = index.get(pack.id)
        if at is None:
            stack.append(pack)
            continue
        # The direction a parameter may move is its first definition's, in a pack below the one replaced too.
        below = [*stack[: at + 1], pack]
        notes.extend(_draft_note(pack.id, x) for x in find_loosenings(below) if x.later == len(below) - 1)
        stack[at] = pack
        replaced.append(pack.id)
    stack, overlooked = _relaxed(stack)
    notes.extend(overlooked)
    try:
        RuleSet.build(stack)
    except DefinitionError as exc:
        names = ", ".join(seen)
        cannot = Text(
            f"không so sánh được dự thảo {names}: quy tắc của dự thảo không biên dịch được",
            f"the draft {names} cannot be compared: it does not compile",
        )
        head = Diagnostic("HNG-W021", cannot, "$")
        raise AuditError([head, *exc.diagnostics]) from None
    return DraftStack(tuple(stack), tuple(p.id for p in drafts), tuple(replaced), tuple(notes))


def _note(message: Text, name: str) -> Diagnostic:
    return Diagnostic("HNG-R004", message, f"$.params.{name}.value", severity=Severity.WARNING)


def _draft_note(pack_id: str, loosening: Loosening) -> Diagnostic:
    """The note for a draft that loosens the very pack it replaces."""
    said = loosening.message
    message = Text(
        f"dự thảo {pack_id!r} {said.vi}, so với bộ quy tắc đang có hiệu lực",
        f"draft {pack_id!r} {said.get('en')}, compared with the pack in force",
    )
    return _note(message, loosening.name)


def _pack_message(pack_id: str, loosening: Loosening, *, anyway: bool) -> Text:
    """What pack ``pack_id`` does to a parameter; ``anyway``: and that the comparison is made all the same."""
    said = loosening.message  # a verb phrase: "lowers 'x' from 5 to 3; ..."
    if anyway:
        return Text(
            f"bộ quy tắc {pack_id!r} {said.vi}; vẫn so sánh",
            f"pack {pack_id!r} {said.get('en')}; compared anyway",
        )
    return Text(f"bộ quy tắc {pack_id!r} {said.vi}", f"pack {pack_id!r} {said.get('en')}")


def _relaxed(stack: list[RulePack]) -> tuple[list[RulePack], list[Diagnostic]]:
    """The stack with each loosened parameter's direction set to ``any`` where it is first defined.

    Raises:
        AuditError: a pack changes a parameter's type (nothing sensible compares a number with a text).
    """
    found = find_loosenings(stack)
    if not found:
        return stack, []
    loosened = {x.name for x in found}
    out: list[RulePack] = []
    defined: set[str] = set()
    for pack in stack:
        first = {name for name in pack.params if name in loosened and name not in defined}
        defined.update(pack.params)
        if first:
            params = {n: attrs.evolve(p, tighten="any") if n in first else p for n, p in pack.params.items()}
            pack = attrs.evolve(pack, params=params)  # noqa: PLW2901 - the relaxed copy takes its place
        out.append(pack)
    # What is left once every direction is `any` changes a parameter's type.
    left = [
        Diagnostic("HNG-W021", _pack_message(out[x.later].id, x, anyway=False), f"$.params.{x.name}.value")
        for x in find_loosenings(out)
    ]
    if left:
        raise AuditError(left)
    return out, [_note(_pack_message(stack[x.later].id, x, anyway=True), x.name) for x in found]

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
from hoinghe.org.text import Text

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


def _suggest(name: str, known: Iterable[str]) -> Text:
    close = difflib.get_close_matches(name, list(known), n=1)
    if not close:
        return Text.same("")
    guess = close[0]
    return Text(f"; có phải là {guess!r} không?", f"; did you mean {guess!r}?")


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
                    Text(
                        f"{code!r} không phải mã kiểm tra quy trình; các mã kiểm tra quy trình là "
                        "HNG-W001..HNG-W015",
                        f"{code!r} is not a workflow check code; workflow checks are HNG-W001..HNG-W015",
                    ),
                    f"$.checks.disable[{i}]",
                )
            )
    disabled = set(wf.checks.disable)
    return [d for d in found if d.code not in disabled]


def _check_ids(wf: WorkflowDefinition) -> Iterator[Diagnostic]:
    seen: dict[str, int] = {}
    for i, state in enumerate(wf.states):
        if state.id in seen:
            twice = Text(
                f"trạng thái {state.id!r} được khai báo hai lần", f"state {state.id!r} is declared twice"
            )
            yield Diagnostic("HNG-W002", twice, f"$.states[{i}]")
        seen.setdefault(state.id, i)
    tseen: dict[str, int] = {}
    for i, t in enumerate(wf.transitions):
        if t.id in tseen:
            yield Diagnostic(
                "HNG-W002",
                Text(
                    f"mã bước chuyển {t.id!r} bị dùng hai lần (lần kia ở transitions[{tseen[t.id]}])",
                    f"transition id {t.id!r} is used twice (also transitions[{tseen[t.id]}])",
                ),
                f"$.transitions[{i}].id",
            )
        tseen.setdefault(t.id, i)


def _check_graph(wf: WorkflowDefinition) -> Iterator[Diagnostic]:
    states = set(wf.state_ids)

    def unknown(name: str, path: str, what: Text) -> Diagnostic:
        message = Text(
            f"{what.vi} {name!r} không có trong quy trình {wf.id!r}",
            f"{what.get('en')} {name!r} is not a state of {wf.id!r}",
        )
        return Diagnostic("HNG-W001", message + _suggest(name, states), path)

    if wf.initial not in states:
        yield unknown(wf.initial, "$.initial", Text("trạng thái đầu", "initial state"))
    if not wf.final:
        no_final = Text(
            "quy trình không có trạng thái kết thúc; hãy liệt kê chúng trong `final:`",
            "the workflow has no final state; list them under `final:`",
        )
        yield Diagnostic("HNG-W004", no_final, "$.final")
    for i, name in enumerate(wf.final):
        if name not in states:
            yield unknown(name, f"$.final[{i}]", Text("trạng thái kết thúc", "final state"))
    finals = set(wf.final)
    for i, t in enumerate(wf.transitions):
        for j, src in enumerate(t.from_):
            if src not in states:
                yield unknown(src, f"$.transitions[{i}].from[{j}]", Text("trạng thái nguồn", "source state"))
            elif src in finals:
                yield Diagnostic(
                    "HNG-W005",
                    Text(
                        f"bước chuyển {t.id!r} đi ra từ trạng thái kết thúc {src!r}; hồ sơ ở trạng thái kết thúc "
                        "đã đóng",
                        f"transition {t.id!r} leaves final state {src!r}; a case in a final state is closed",
                    ),
                    f"$.transitions[{i}].from[{j}]",
                )
        if t.to not in states:
            yield unknown(t.to, f"$.transitions[{i}].to", Text("trạng thái đích", "target state"))


def _check_paths(wf: WorkflowDefinition) -> Iterator[Diagnostic]:
    """Unreachable states, states that can never finish, and dead ends."""
    if wf.initial not in set(wf.state_ids):
        return  # reachability means nothing without a start
    finals = set(wf.final)
    reachable = reachable_states(wf)
    finishing = _can_finish(wf)
    sources = {src for t in wf.transitions for src in t.from_}
    listed = ", ".join(wf.final)
    for i, state in enumerate(wf.states):
        if state.id not in reachable:
            yield Diagnostic(
                "HNG-W003",
                Text(
                    f"không thể đến trạng thái {state.id!r} từ trạng thái đầu {wf.initial!r}; "
                    "hãy thêm một bước chuyển vào trạng thái này hoặc bỏ nó đi",
                    f"state {state.id!r} cannot be reached from the initial state {wf.initial!r}; "
                    "add a transition into it or remove it",
                ),
                f"$.states[{i}]",
            )
        elif state.id not in finishing:
            yield Diagnostic(
                "HNG-W004",
                Text(
                    f"hồ sơ ở trạng thái {state.id!r} không bao giờ kết thúc được: không có đường nào từ đó đến "
                    f"trạng thái kết thúc ({listed or 'chưa khai báo'})",
                    f"a case in state {state.id!r} can never finish: no path leads from it to a final state "
                    f"({listed or 'none declared'})",
                ),
                f"$.states[{i}]",
            )
        if state.id not in finals and state.id not in sources and state.id in reachable:
            yield Diagnostic(
                "HNG-W014",
                Text(
                    f"trạng thái {state.id!r} không có bước chuyển nào đi ra và không phải trạng thái kết thúc",
                    f"state {state.id!r} has no outgoing transition and is not final",
                ),
                f"$.states[{i}]",
            )


def _check_subject(wf: WorkflowDefinition, h: Hierarchy) -> Iterator[Diagnostic]:
    for i, level in enumerate(wf.subject.level):
        path = f"$.subject.level[{i}]" if len(wf.subject.level) > 1 else "$.subject.level"
        if level not in h:
            levels = ", ".join(h.ids)
            message = Text(
                f"cấp {level!r} của đối tượng không có trong hệ thống cấp ({levels})",
                f"subject level {level!r} is not a level of the hierarchy ({levels})",
            )
            yield Diagnostic("HNG-W007", message + _suggest(level, h.ids), path)
        elif wf.subject.kind is not None and wf.subject.kind not in h.level(level).kinds:
            kinds = ", ".join(h.level(level).kinds)
            yield Diagnostic(
                "HNG-W015",
                Text(
                    f"cấp {level!r} không có loại đơn vị {wf.subject.kind!r}; các loại của cấp này: "
                    f"{kinds or 'không có'}",
                    f"level {level!r} has no unit kind {wf.subject.kind!r}; its kinds are {kinds or 'none'}",
                ),
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
                    Text(
                        f"quorum {t.approvals.quorum} phải từ 1 đến {len(t.approvals.by)}, số cơ quan được liệt kê",
                        f"quorum {t.approvals.quorum} needs between 1 and {len(t.approvals.by)} of the bodies listed",
                    ),
                    f"{base}.approvals.quorum",
                )
        yield from _check_names(t.documents, vocab.documents, "HNG-W008", "document", f"{base}.documents")
        yield from _check_names(
            t.optional_documents, vocab.documents, "HNG-W008", "document", f"{base}.optional_documents"
        )
        yield from _check_names(t.rules, vocab.rules, "HNG-W009", "rule", f"{base}.rules")
        for j, effect in enumerate(t.effects):
            if effect.id not in vocab.effects:
                hint = _suggest(effect.id, vocab.effects)
                yield Diagnostic(
                    "HNG-W010",
                    Text(
                        f"tác động {effect.id!r} không tồn tại{hint.vi}; hãy khai báo tác động riêng trong "
                        "`effects:` của hồ sơ cấu hình và đăng ký nó với engine",
                        f"effect {effect.id!r} is not known{hint.get('en')}; "
                        "declare a custom effect under the profile's `effects:` and register it with the engine",
                    ),
                    f"{base}.effects[{j}]",
                )
            elif effect.id in BUILTIN_EFFECTS:
                extra = sorted(set(effect.args) - BUILTIN_EFFECTS[effect.id])
                if extra:
                    given = ", ".join(map(repr, extra))
                    takes = ", ".join(sorted(BUILTIN_EFFECTS[effect.id]))
                    yield Diagnostic(
                        "HNG-W010",
                        Text(
                            f"tác động {effect.id!r} không nhận đối số {given}; các đối số nó nhận: "
                            f"{takes or 'không có'}",
                            f"effect {effect.id!r} takes no argument {given}; it takes {takes or 'none'}",
                        ),
                        f"{base}.effects[{j}].args",
                    )
        yield from _check_timer(t, transition_ids, wf, f"{base}.deadline")
        yield from _check_notify(t.notify, f"{base}.notify", vocab)
        if t.deadline is not None:
            yield from _check_notify(t.deadline.notify, f"{base}.deadline.notify", vocab)
            if t.deadline.notify and t.deadline.then == "fire":
                yield Diagnostic(
                    "HNG-W011",
                    Text(
                        "`notify:` trong một hạn chỉ được đọc cùng `then: notify`; muốn báo cho mọi người khi hạn "
                        "kích hoạt một bước chuyển, hãy đặt `notify:` ở chính bước chuyển đó",
                        "`notify:` under a deadline is read with `then: notify`; to tell people when a deadline "
                        "fires a transition, put `notify:` on that transition",
                    ),
                    f"{base}.deadline.notify",
                )


def _check_notify(entries: Sequence[NotifyDef], path: str, vocab: Vocabulary) -> Iterator[Diagnostic]:
    for i, entry in enumerate(entries):
        if not _CHANNEL.fullmatch(entry.channel):
            yield Diagnostic(
                "HNG-W016",
                Text(
                    f"kênh {entry.channel!r} không phải tên kênh hợp lệ: hãy dùng chữ thường, chữ số, - và _ "
                    "(log, webhook, email, hoặc một kênh đã cấu hình cho relay)",
                    f"channel {entry.channel!r} is not a channel name: use lower-case letters, digits, - and _ "
                    "(log, webhook, email, or one the relay is configured with)",
                ),
                f"{path}[{i}].channel",
            )
        if not entry.to:
            nobody = Text(
                "thông báo cần ít nhất một người nhận trong `to:`",
                "a notification needs at least one recipient under `to:`",
            )
            yield Diagnostic("HNG-W016", nobody, f"{path}[{i}].to")
        for j, ref in enumerate(entry.to):
            if ref.role in PEOPLE:
                if ref.at != "subject":
                    yield Diagnostic(
                        "HNG-W016",
                        Text(
                            f"`{ref.role}` là một người, không phải vai trò: không dùng `at:`",
                            f"`{ref.role}` is a person, not a role: it takes no `at:`",
                        ),
                        f"{path}[{i}].to[{j}].at",
                    )
                continue
            yield from _check_role(ref, f"{path}[{i}].to[{j}]", vocab, people=True)


def _check_role(ref: RoleRef, path: str, vocab: Vocabulary, *, people: bool = False) -> Iterator[Diagnostic]:
    if vocab.roles is not None and ref.role not in vocab.roles:
        names = [*vocab.roles, *PEOPLE] if people else vocab.roles
        persons = ", ".join(PEOPLE)
        also = Text(f" và cũng không phải {persons}", f" nor one of {persons}") if people else Text.same("")
        undeclared = Text(
            f"vai trò {ref.role!r} không được khai báo trong hồ sơ cấu hình",
            f"role {ref.role!r} is not declared in the profile",
        )
        yield Diagnostic("HNG-W006", undeclared + also + _suggest(ref.role, names), f"{path}.role")
    h = vocab.hierarchy
    if h is not None and ref.at not in RELATIVE_UNITS and ref.at not in h:
        known = [*RELATIVE_UNITS, *h.ids]
        relative = ", ".join(RELATIVE_UNITS)
        nowhere = Text(
            f"`at: {ref.at}` không phải một cấp của hệ thống cấp, cũng không phải một trong {relative}",
            f"`at: {ref.at}` is neither a level of the hierarchy nor one of {relative}",
        )
        yield Diagnostic("HNG-W007", nowhere + _suggest(ref.at, known), f"{path}.at")


def _check_names(
    names: Iterable[str], known: Collection[str] | None, code: str, what: str, path: str
) -> Iterator[Diagnostic]:
    if known is None:
        return
    for j, name in enumerate(names):
        if name not in known:
            if what == "document":
                missing = Text(
                    f"tài liệu {name!r} không được khai báo trong hồ sơ cấu hình",
                    f"document {name!r} is not declared in the profile",
                )
            else:
                missing = Text(
                    f"quy tắc {name!r} không được định nghĩa trong các bộ quy tắc của hồ sơ cấu hình",
                    f"rule {name!r} is not defined by the profile's rule packs",
                )
            yield Diagnostic(code, missing + _suggest(name, known), f"{path}[{j}]")


def _check_timer(
    t: TransitionDef, transition_ids: set[str], wf: WorkflowDefinition, path: str
) -> Iterator[Diagnostic]:
    timer = t.deadline
    if timer is None:
        return
    if timer.then == "fire":
        if timer.transition is None:
            unnamed = Text(
                "`then: fire` cần `transition:` nêu bước chuyển sẽ được kích hoạt",
                "`then: fire` needs `transition:` naming what to fire",
            )
            yield Diagnostic("HNG-W011", unnamed, path)
            return
        if timer.transition not in transition_ids:
            unknown = Text(
                f"hạn kích hoạt {timer.transition!r}, nhưng đó không phải bước chuyển của {wf.id!r}",
                f"deadline fires {timer.transition!r}, which is not a transition of {wf.id!r}",
            )
            yield Diagnostic(
                "HNG-W011", unknown + _suggest(timer.transition, transition_ids), f"{path}.transition"
            )
            return
        target = wf.transition(timer.transition)
        if not set(t.from_) <= set(target.from_):
            waiting, leaves = ", ".join(t.from_), ", ".join(target.from_)
            yield Diagnostic(
                "HNG-W011",
                Text(
                    f"hạn kích hoạt {timer.transition!r} khi hồ sơ đang chờ ở {waiting}, nhưng bước chuyển đó "
                    f"chỉ đi ra từ {leaves}",
                    f"deadline fires {timer.transition!r} while waiting in {waiting}, but that transition "
                    f"only leaves {leaves}",
                ),
                f"{path}.transition",
            )
    elif timer.transition is not None:
        fire_only = Text(
            "`transition:` chỉ được đọc cùng `then: fire`", "`transition:` is only read with `then: fire`"
        )
        yield Diagnostic("HNG-W011", fire_only, f"{path}.transition")

"""Checks of rule packs: duplicate ids, expressions and message templates, and layering within a profile."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from hoinghe.definitions.profile import Profile
from hoinghe.definitions.rulepack import RulePack
from hoinghe.definitions.workflow import WorkflowDefinition
from hoinghe.errors import Diagnostic, ExpressionError, SourceLocation
from hoinghe.i18n import Text
from hoinghe.loading.documents import Document
from hoinghe.rules.expression import render_template
from hoinghe.rules.packs import find_loosenings, params_in_force
from hoinghe.rules.ruleset import compile_rule, rule_problem, schema_for

__all__ = ["check_notify_templates", "check_packs"]


def check_packs(packs: Sequence[tuple[Document, Profile | None]]) -> list[Diagnostic]:
    """Problems in each pack, read alone (``profile`` None) or as layered in ``profile``."""
    out: list[Diagnostic] = []
    by_profile: dict[str, list[Document]] = {}
    for doc, profile in packs:
        if profile is None:
            out.extend(_check_pack(doc, [doc]))
        else:
            by_profile.setdefault(profile.id, []).append(doc)
    for docs in by_profile.values():
        for doc in docs:
            out.extend(_check_pack(doc, docs))
        out.extend(_check_layering(docs))
    return out


def _pack(doc: Document) -> RulePack:
    pack = doc.definition
    assert isinstance(pack, RulePack)  # noqa: S101 - the caller passes rule documents only
    return pack


def _expression_location(doc: Document, path: str, column: int) -> SourceLocation | None:
    """The file position of ``column`` (1-based) inside the expression at ``path``."""
    loc = doc.source_map.locate(path)
    if loc is None or column <= 0:
        return loc
    style = doc.source_map.styles.get(path)
    if style in ("|", ">"):  # a block scalar starts on the next line; columns within it are not tracked
        return loc
    shift = 1 if style in ("'", '"') else 0
    return SourceLocation(loc.file, loc.line, loc.column + shift + column - 1)


def _check_pack(doc: Document, context: Sequence[Document]) -> Iterator[Diagnostic]:
    """Duplicate rule ids, and every expression and template compiled against the params visible in ``context``."""
    pack = _pack(doc)
    schema = schema_for({name: p.value for name, p in params_in_force([_pack(d) for d in context]).items()})
    seen: dict[str, int] = {}
    for i, rule in enumerate(pack.rules):
        base = f"$.rules[{i}]"
        if rule.id in seen:
            msg = Text(
                f"mã quy tắc {rule.id!r} bị dùng hai lần trong bộ quy tắc {pack.id!r} (lần kia ở rules[{seen[rule.id]}])",
                f"rule id {rule.id!r} is used twice in pack {pack.id!r} (also rules[{seen[rule.id]}])",
            )
            yield doc.locate(Diagnostic("HNG-R006", msg, f"{base}.id"))
        seen.setdefault(rule.id, i)
        _, errors = compile_rule(rule, pack.id, schema)
        for part, exc in errors:
            path = f"{base}.{part}"
            code = exc.diagnostic_code
            if part.startswith("message.") and code == "HNG-R002":
                code = "HNG-R007"
            yield Diagnostic(
                code, rule_problem(rule.id, exc), path, _expression_location(doc, path, exc.column)
            )


def _check_layering(docs: Sequence[Document]) -> Iterator[Diagnostic]:
    packs = [_pack(d) for d in docs]
    for loosening in find_loosenings(packs):
        earlier, later = docs[loosening.earlier], docs[loosening.later]
        where = earlier.source_map.locate(f"$.params.{loosening.name}.value") or earlier.file
        said = loosening.message
        msg = Text(
            f"bộ quy tắc {later.id!r} {said.vi}; bộ quy tắc {earlier.id!r} đặt giá trị này ở {where}",
            f"pack {later.id!r} {said.get('en')}; pack {earlier.id!r} sets it at {where}",
        )
        yield later.locate(Diagnostic("HNG-R004", msg, f"$.params.{loosening.name}.value"))
    owner: dict[str, Document] = {}
    for doc in docs:
        for i, rule in enumerate(_pack(doc).rules):
            first = owner.get(rule.id)
            if first is not None and first is not doc:
                msg = Text(
                    f"mã quy tắc {rule.id!r} đã được định nghĩa trong bộ quy tắc {first.id!r}; bộ quy tắc sau chỉ "
                    "thêm quy tắc với mã mới và thắt chặt tham số, không định nghĩa lại một quy tắc",
                    f"rule id {rule.id!r} is already defined by pack {first.id!r}; a later pack adds rules with new "
                    "ids and tightens parameters, it does not redefine a rule",
                )
                yield doc.locate(Diagnostic("HNG-R006", msg, f"$.rules[{i}].id"))
            owner.setdefault(rule.id, doc)


def check_notify_templates(doc: Document, profile: Profile) -> Iterator[Diagnostic]:
    """Every notification message and title of the workflow in ``doc``, compiled against the profile's facts."""
    wf = doc.definition
    assert isinstance(wf, WorkflowDefinition)  # noqa: S101 - the caller passes workflow documents only
    schema = schema_for({name: p.value for name, p in params_in_force(profile.rule_packs).items()})
    for i, t in enumerate(wf.transitions):
        places = [(f"$.transitions[{i}].notify", t.notify)]
        if t.deadline is not None:
            places.append((f"$.transitions[{i}].deadline.notify", t.deadline.notify))
        for base, entries in places:
            for j, entry in enumerate(entries):
                texts = [("message", entry.message), ("title", entry.title)]
                for field, text in texts:
                    if text is None:
                        continue
                    for lang in ("vi", "en"):
                        template = getattr(text, lang)
                        if template is None:
                            continue
                        path = f"{base}[{j}].{field}.{lang}"
                        try:
                            render_template(template, schema)
                        except ExpressionError as exc:
                            code = "HNG-R007" if exc.diagnostic_code == "HNG-R002" else exc.diagnostic_code
                            yield Diagnostic(
                                code,
                                Text(
                                    f"thông báo (`{field}`): {exc.text.vi}",
                                    f"notification {field}: {exc.text.get('en')}",
                                ),
                                path,
                                _expression_location(doc, path, exc.column),
                            )

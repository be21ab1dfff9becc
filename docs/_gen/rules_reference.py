"""The rules reference: every shipped rule pack, its parameters and its rules, as hoinghe's loader reads them.

The packs are read from ``workflows/`` with :class:`hoinghe.loading.Library` (so a pack that does not load fails the
build); where each rule is checked is asked of :meth:`hoinghe.rules.ruleset.RuleSet.select`, the engine's own
choice, for every shipped profile, workflow and transition.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from _gen import source
from _gen.markdown import code, emphasis, table
from hoinghe.definitions.rulepack import Effective, ParamDef, ParamValue, RuleDef, RulePack
from hoinghe.errors import DefinitionError
from hoinghe.loading import Library
from hoinghe.rules.ruleset import RuleSet

WORKFLOWS = source.ROOT / "workflows"

#: What a confidence grade says about the source of a rule or value.
CONFIDENCE = {
    "V": "read in a primary text or an official transcription",
    "S": "from a secondary source (news, a provincial union's website, a province's copy)",
    "U": "uncertain, or a modelling choice; such a value is a parameter a province can set, never a constant",
}

_PARAM = re.compile(r"\bparams\.([A-Za-z_][A-Za-z0-9_]*)")


def library() -> Library:
    """Every shipped document, read by hoinghe's loader; an error in one fails the build."""
    lib = Library.from_paths(WORKFLOWS)
    errors = [d for d in lib.check() if d.is_error]
    if errors:
        raise DefinitionError(errors)
    return lib


def packs(lib: Library) -> list[RulePack]:
    """The rule packs in the order the shipped profiles layer them, then any other, by id."""
    order: list[str] = []
    for doc in lib.of_kind("profile"):
        order += [p.id for p in lib.profile(doc.id).rule_packs if p.id not in order]
    by_id = {d.id: d.definition for d in lib.of_kind("rules")}
    order += sorted(set(by_id) - set(order))
    out = []
    for pack_id in order:
        pack = by_id[pack_id]
        assert isinstance(pack, RulePack)  # noqa: S101 - documents of kind rules hold packs
        out.append(pack)
    return out


def checked_at(lib: Library) -> dict[str, list[tuple[str, str]]]:
    """Rule id -> the ``(workflow, transition)`` decisions it takes part in, under any shipped profile."""
    out: dict[str, list[tuple[str, str]]] = {}
    for doc in lib.of_kind("profile"):
        profile = lib.profile(doc.id)
        ruleset = RuleSet.build(profile.rule_packs)
        for wf in profile.workflows:
            for t in wf.transitions:
                for level in wf.subject.level:
                    chosen = ruleset.select(
                        t.rules, level=level, kind=wf.subject.kind, workflow=wf.id, transition=t.id
                    )
                    for rule in chosen:
                        found = out.setdefault(rule.id, [])
                        if (wf.id, t.id) not in found:
                            found.append((wf.id, t.id))
    return out


def profiles_using(lib: Library) -> dict[str, list[str]]:
    """Pack id -> the ids of the shipped profiles whose layering includes it."""
    out: dict[str, list[str]] = {}
    for doc in lib.of_kind("profile"):
        for pack in lib.profile(doc.id).rule_packs:
            out.setdefault(pack.id, []).append(doc.id)
    return out


def _day(day: dt.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


def validity(effective: Effective | None) -> str:
    """``from 10 July 2020``, ``until 1 July 2025 (exclusive)``, ``always``."""
    if effective is None or (effective.from_ is None and effective.until is None):
        return "in force with no start or end date"
    parts = []
    if effective.from_ is not None:
        parts.append(f"from {_day(effective.from_)}")
    if effective.until is not None:
        parts.append(f"until {_day(effective.until)} (that day no longer)")
    return "in force " + " ".join(parts)


def _value(value: ParamValue) -> str:
    if isinstance(value, bool):
        return code(str(value).lower())
    if isinstance(value, tuple):
        return code(list(value))
    return code(value)


def _confidence(grade: str | None) -> str:
    return code(grade) if grade else ""


def _param_rows(
    pack: RulePack, defined: dict[str, tuple[str, ParamDef]]
) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for name, param in pack.params.items():
        first = defined.get(name)
        if first is None or first[0] == pack.id:
            direction = code(param.tighten)
        else:
            direction = f"{code(first[1].tighten)} (as defined by `{first[0]}`)"
        title = param.title
        what = f"{title.get('en')} — {emphasis(title.get('vi'))}" if title is not None else ""
        if param.effective is not None:
            what += f" ({validity(param.effective)})"
        rows.append((code(name), _value(param.value), direction, _confidence(param.confidence), what))
    return rows


def _expression(text: str) -> str:
    """An expression as code: inline when it is one line, a block inside the definition otherwise."""
    text = text.strip()
    if "\n" not in text:
        return code(text)
    body = "\n".join(f"    {line}" for line in text.splitlines())
    return f"\n\n    ```text\n{body}\n    ```"


def _params_of(rule: RuleDef) -> list[str]:
    texts = [rule.require, rule.when or "", rule.message.vi, rule.message.en or ""]
    return list(dict.fromkeys(m for text in texts for m in _PARAM.findall(text)))


def _rule(
    rule: RuleDef,
    settings: dict[str, list[tuple[str, ParamValue]]],
    decisions: Iterable[tuple[str, str]],
) -> list[str]:
    title = rule.title
    heading = f"### {rule.id}" + (f": {title.get('en')}" if title is not None else "")
    lines = [f"{heading} {{ #{rule.id.lower()} }}", ""]
    if title is not None:
        lines += [emphasis(title.get("vi")), ""]
    rows: list[tuple[str, str]] = [("requires", _expression(rule.require))]
    if rule.when:
        rows.append(("when", _expression(rule.when)))
    scope = rule.applies_to
    applies = [
        f"{label} {', '.join(code(v) for v in values)}"
        for label, values in (
            ("level", [scope.level] if scope.level else []),
            ("kind", [scope.kind] if scope.kind else []),
            ("workflows", scope.workflows),
            ("transitions", scope.transitions),
        )
        if values
    ]
    if applies:
        rows.append(("applies to", "; ".join(applies)))
    by_workflow: dict[str, list[str]] = {}
    for workflow, transition in decisions:
        by_workflow.setdefault(workflow, []).append(code(transition))
    if by_workflow:
        rows.append(("checked at", "; ".join(f"{code(w)}: {', '.join(ts)}" for w, ts in by_workflow.items())))
    for name in _params_of(rule):
        values = settings.get(name, [])
        said = ", ".join(f"{_value(v)} (`{pack}`)" for pack, v in values) or "not defined by a shipped pack"
        rows.append((f"`params.{name}`", said))
    rows.append(
        ("severity", "refuses the step" if rule.severity == "error" else "a warning; the step goes on")
    )
    rows.append(("message", f"{rule.message.get('en')} — {emphasis(rule.message.vi)}"))
    cite = rule.cite
    cited = cite.doc + (f", {cite.part}" if cite.part else "")
    if cite.source:
        cited += f" (read in: {cite.source})"
    if cite.url:
        cited += f" [{cite.url}]({cite.url})"
    rows.append(("citation", cited))
    if rule.confidence:
        grades = [CONFIDENCE[g] for g in rule.confidence.split("/")]
        rows.append(("confidence", f"{code(rule.confidence)}: " + "; partly ".join(grades)))
    if rule.effective is not None:
        rows.append(("in force", validity(rule.effective)))
    for term, definition in rows:
        lines += [term, f":   {definition}", ""]
    return lines


def page() -> str:
    """The rules reference page."""
    lib = library()
    all_packs = packs(lib)
    users = profiles_using(lib)
    decisions = checked_at(lib)
    defined: dict[str, tuple[str, ParamDef]] = {}
    settings: dict[str, list[tuple[str, ParamValue]]] = {}
    for pack in all_packs:
        for name, param in pack.params.items():
            defined.setdefault(name, (pack.id, param))
            settings.setdefault(name, []).append((pack.id, param.value))
    count = sum(len(p.rules) for p in all_packs)
    lines = [
        "# Rules reference",
        "",
        (
            f"The {len(all_packs)} rule packs shipped with hoinghe and their {count} rules, read from `workflows/rules/` "
            "by hoinghe's own loader when this site is built. A profile layers packs in order: a later pack adds "
            "rules and may move a parameter only in the direction its first definition declares (`tighten`), "
            "which `hoinghe check` enforces (HNG-R004). `hoinghe rules --profile ID` prints the rules and "
            "parameters in force for one profile on one day. *Checked at* lists the steps of the shipped "
            "workflows where the engine checks a rule, under any shipped profile."
        ),
        "",
        "Every rule and parameter states how sure its source is:",
        "",
        *[f"- **{grade}**: {meaning}." for grade, meaning in CONFIDENCE.items()],
        (
            "- A pair such as **V/S** combines two grades: part of the rule or value rests on the first kind of "
            "source, part on the second (a central text read in the original, a province's variant known from "
            "reports)."
        ),
        "",
    ]
    for pack in all_packs:
        lines += [f"## {pack.title.get('en')} {{ #{pack.id} }}", "", emphasis(pack.title.vi), ""]
        facts = [
            f"- id: `{pack.id}`",
            f"- {validity(pack.effective)}",
            f"- used by the profiles {', '.join(code(p) for p in users.get(pack.id, []))}"
            if pack.id in users
            else "- used by no shipped profile",
        ]
        lines += [*facts, ""]
        if pack.description:
            lines += [pack.description.strip(), ""]
        if pack.params:
            lines += ["**Parameters**", ""]
            lines += table(("name", "value", "tighten", "confidence", "what"), _param_rows(pack, defined))
            lines.append("")
        if not pack.rules:
            lines += ["This pack adds no rules; it sets parameters of the packs before it.", ""]
        for rule in pack.rules:
            lines += _rule(rule, settings, decisions.get(rule.id, []))
    return "\n".join(lines) + "\n"


def rule_ids() -> dict[str, list[str]]:
    """Pack id -> its rule ids, for the test that the page lists every one."""
    return {pack.id: [r.id for r in pack.rules] for pack in packs(library())}

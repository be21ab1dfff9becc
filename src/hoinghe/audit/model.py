"""What an audit finds, and what a draft rule pack would change: records that render as Markdown and JSON.

The Markdown and the one-line summaries are in the language asked for, else in the one the audit was made for,
else in the language in force when they are rendered (:func:`hoinghe.i18n.language`); JSON carries both.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any, Literal

import attrs

from hoinghe.errors import DefinitionError, Diagnostic
from hoinghe.i18n import Language, Text
from hoinghe.i18n import language as language_in_force

__all__ = ["Audit", "AuditError", "Difference", "Finding", "Place", "WhatIf"]


class AuditError(DefinitionError):
    """A draft rule pack cannot be compared: it does not load, is not a rule pack, or does not compile.

    ``diagnostics`` lists every reason (``HNG-W021`` first, then what the loader or the rule compiler found).
    """

    code = "HNG-E013"


@attrs.frozen
class Place:
    """A unit and where it sits: its commune union and, under a four-level hierarchy, its district union."""

    unit_id: str
    unit_name: str
    level: str
    commune_id: str | None = None
    commune_name: str | None = None
    district_id: str | None = None
    district_name: str | None = None


@attrs.frozen
class Finding:
    """A rule a unit does not satisfy: which, where it comes from, what it says and the values it read."""

    place: Place
    rule_id: str
    citation: str
    message: Text
    values: tuple[str, ...] = ()
    severity: Literal["error", "warning"] = "error"

    @property
    def unit_id(self) -> str:
        return self.place.unit_id

    @property
    def blocks(self) -> bool:
        """An ``error`` makes the unit non-compliant; a ``warning`` is reported only."""
        return self.severity == "error"

    def describe(self, language: Language | None = None) -> str:
        """One line: commune, unit, rule, what it says and the values it read.

        Args:
            language: the language of the line; the one in force when not given.
        """
        lang = _shown(language, None)
        place = self.place
        rule = self.rule_id if self.blocks else f"{self.rule_id} ({_WARNING.get(lang)})"
        values = f" [{'; '.join(self.values)}]" if self.values else ""
        where = f"{place.commune_name or '-'} · {place.unit_name} ({place.unit_id})"
        return f"{where} · {rule}: {self.message.get(lang)}{values}"

    def as_dict(self) -> dict[str, Any]:
        """Plain data: the place's fields, then the rule's."""
        return {
            **attrs.asdict(self.place),
            "rule_id": self.rule_id,
            "severity": self.severity,
            "citation": self.citation,
            "message": self.message.to_json(),
            "values": list(self.values),
        }


@attrs.frozen
class Audit:
    """The result of :func:`hoinghe.audit.audit`: every finding, and the units that passed.

    Attributes:
        on: the day whose rules were applied.
        scope: the unit whose subtree was audited (``None``: every unit).
        checked: how many units were audited.
        findings: every rule failed, unit by unit in the store's order.
        compliant_units: the ids of the units with no failed ``error`` rule.
        packs: the ids of the rule packs applied, in layering order.
        language: the language of the Markdown and of the summary; ``None``: the one in force when rendered.
    """

    on: dt.date
    scope: str | None
    checked: int
    findings: tuple[Finding, ...]
    compliant_units: tuple[str, ...]
    packs: tuple[str, ...] = ()
    language: Language | None = None

    @property
    def non_compliant_units(self) -> tuple[str, ...]:
        """The ids of the units failing at least one ``error`` rule, in the order of the findings."""
        return tuple(dict.fromkeys(f.unit_id for f in self.findings if f.blocks))

    def by_commune(self) -> dict[str | None, tuple[Finding, ...]]:
        """The findings grouped by the id of the commune union the unit belongs to, in order of appearance."""
        out: dict[str | None, list[Finding]] = {}
        for finding in self.findings:
            out.setdefault(finding.place.commune_id, []).append(finding)
        return {commune: tuple(found) for commune, found in out.items()}

    def counts(self) -> dict[str, int]:
        return {
            "checked": self.checked,
            "compliant": len(self.compliant_units),
            "non_compliant": len(self.non_compliant_units),
            "findings": len(self.findings),
        }

    def as_dict(self) -> dict[str, Any]:
        """Plain data for a program: the counts, the non-compliant units by commune, every finding."""
        return {
            "on": self.on.isoformat(),
            "scope": self.scope,
            "packs": list(self.packs),
            "counts": self.counts(),
            "non_compliant_units": list(self.non_compliant_units),
            "by_commune": {
                commune or "": list(dict.fromkeys(f.unit_id for f in found))
                for commune, found in self.by_commune().items()
            },
            "findings": [f.as_dict() for f in self.findings],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=indent)

    def summary(self, language: Language | None = None) -> str:
        """One sentence: how many units were checked, how many fail, how many findings.

        Args:
            language: the language of the sentence; the audit's own, else the one in force, when not given.
        """
        c = self.counts()
        text = Text(
            "Đã rà soát {checked} đơn vị: {compliant} đạt, {non_compliant} chưa đạt "
            "({findings} nội dung chưa đáp ứng).",
            "Checked {checked} units: {compliant} compliant, {non_compliant} non-compliant ({findings} findings).",
        )
        return text.format(**c).get(_shown(language, self.language))

    def to_markdown(self, language: Language | None = None) -> str:
        """The audit as a Markdown document: a summary, then one table of findings per commune union.

        Args:
            language: the language of the document; the audit's own, else the one in force, when not given.
        """
        lang = _shown(language, self.language)
        title = _AUDIT_TITLE.get(lang)
        lines = [f"# {title} — {self.on.isoformat()}", "", _scope_line(self.scope, self.packs, lang), ""]
        lines += [self.summary(lang), ""]
        for found in self.by_commune().values():
            lines += [f"## {_commune_heading(found[0].place, lang)}", ""]
            lines += _findings_table(found, lang)
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"


@attrs.frozen
class Difference:
    """A verdict a draft changes: a unit's compliance, an open case's next step, or a past decision.

    Attributes:
        kind: ``unit``, ``case`` or ``decision``.
        place: the unit (for a case, its subject as the case proposes it).
        day: the day the rules were applied (a past decision's own day).
        before: whether it passes under the rules in force.
        after: whether it passes under the draft.
        gained: failures under the draft that the rules in force do not give.
        lost: failures under the rules in force that the draft no longer gives.
        case_id: the case, for ``case`` and ``decision``.
        transition: the transition judged, for ``case`` and ``decision``.
    """

    kind: Literal["unit", "case", "decision"]
    place: Place
    day: dt.date
    before: bool
    after: bool
    gained: tuple[Finding, ...] = ()
    lost: tuple[Finding, ...] = ()
    case_id: str | None = None
    transition: str | None = None

    @property
    def rules(self) -> tuple[str, ...]:
        """The ids of the rules that make the difference."""
        return tuple(dict.fromkeys(f.rule_id for f in (*self.gained, *self.lost)))

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            **attrs.asdict(self.place),
            "day": self.day.isoformat(),
            "case_id": self.case_id,
            "transition": self.transition,
            "before": self.before,
            "after": self.after,
            "rules": list(self.rules),
            "gained": [_rule_dict(f) for f in self.gained],
            "lost": [_rule_dict(f) for f in self.lost],
        }


@attrs.frozen
class WhatIf:
    """The result of :func:`hoinghe.audit.compare`: what the draft changes, and what was checked.

    Attributes:
        on: the day whose rules were applied to units and open cases.
        scope: the unit whose subtree was compared (``None``: everything).
        drafts: the ids of the draft packs.
        replaced: the ids of the packs in force that a draft replaces; the other drafts were appended.
        notes: what the comparison had to overlook, as warnings (a draft loosening a parameter).
        units, cases, decisions: the verdicts the draft changes.
        checked: how many units, open cases and past decisions were compared.
        language: the language of the Markdown and of the summary; ``None``: the one in force when rendered.
    """

    on: dt.date
    scope: str | None
    drafts: tuple[str, ...]
    replaced: tuple[str, ...]
    notes: tuple[Diagnostic, ...]
    units: tuple[Difference, ...]
    cases: tuple[Difference, ...]
    decisions: tuple[Difference, ...]
    checked: dict[str, int] = attrs.field(factory=dict, hash=False)
    language: Language | None = None

    def counts(self) -> dict[str, int]:
        return {
            **{f"{k}_checked": v for k, v in self.checked.items()},
            "units_changed": len(self.units),
            "units_failing": sum(1 for d in self.units if d.before and not d.after),
            "units_passing": sum(1 for d in self.units if not d.before and d.after),
            "cases_changed": len(self.cases),
            "decisions_changed": len(self.decisions),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "scope": self.scope,
            "drafts": list(self.drafts),
            "replaced": list(self.replaced),
            "notes": [d.to_json() for d in self.notes],
            "counts": self.counts(),
            "units": [d.as_dict() for d in self.units],
            "cases": [d.as_dict() for d in self.cases],
            "decisions": [d.as_dict() for d in self.decisions],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=indent)

    def summary(self, language: Language | None = None) -> str:
        """One sentence: how many units change verdict, and how many steps of open cases and past decisions.

        Args:
            language: the language of the sentence; the comparison's own, else the one in force, when not given.
        """
        c = self.counts()
        text = Text(
            "Theo dự thảo: {units_failing} đơn vị trở thành chưa đạt, {units_passing} đơn vị trở thành đạt; "
            "{cases_changed} bước của hồ sơ đang xử lý và {decisions_changed} quyết định đã ban hành có kết quả "
            "khác.",
            "Under the draft: {units_failing} units become non-compliant, {units_passing} become compliant; "
            "{cases_changed} steps of open cases and {decisions_changed} past decisions would go the other way.",
        )
        return text.format(**c).get(_shown(language, self.language))

    def to_markdown(self, language: Language | None = None) -> str:
        """The comparison as Markdown: notes, then units, open cases and past decisions whose verdict changes.

        Args:
            language: the language of the document; the comparison's own, else the one in force, when not given.
        """
        lang = _shown(language, self.language)
        drafts = ", ".join(self.drafts)
        title = Text(f"So sánh dự thảo {drafts}", f"What the draft {drafts} changes").get(lang)
        lines = [f"# {title} — {self.on.isoformat()}", "", self.summary(lang), ""]
        if self.notes:
            lines += [f"## {_NOTES.get(lang)}", ""]
            lines += [f"- {d.code} {d.message.get(lang)}" for d in self.notes]
            lines.append("")
        sections = ((_UNITS, self.units), (_OPEN_CASES, self.cases), (_PAST_DECISIONS, self.decisions))
        for heading, found in sections:
            lines += [f"## {heading.get(lang)} ({len(found)})", ""]
            if found:
                lines += _differences_table(found, lang)
                lines.append("")
        return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------------------------------------- rendering

_AUDIT_TITLE = Text("Rà soát chi hội, tổ hội nghề nghiệp", "Compliance audit of professional units")
_NOTES = Text("Lưu ý", "Notes")
_UNITS = Text("Đơn vị", "Units")
_OPEN_CASES = Text("Hồ sơ đang xử lý", "Open cases")
_PAST_DECISIONS = Text("Quyết định đã ban hành", "Past decisions")
_EVERYTHING = Text("toàn bộ", "everything")
_SCOPE = Text("Phạm vi", "Scope")
_PACKS = Text("Bộ quy tắc", "Rule packs")
_OUTSIDE = Text("Ngoài cơ sở Hội", "Outside any commune union")
_WARNING = Text("cảnh báo", "warning")
_FINDINGS_HEAD = (
    Text("Đơn vị", "Unit"),
    Text("Quy tắc", "Rule"),
    Text("Nội dung", "Message"),
    Text("Giá trị", "Values"),
    Text("Căn cứ", "Source"),
)
_DIFFERENCES_HEAD = (
    Text("Đơn vị", "Unit"),
    Text("Xã", "Commune"),
    Text("Hồ sơ", "Case"),
    Text("Ngày", "Day"),
    Text("Hiện hành", "In force"),
    Text("Dự thảo", "Draft"),
    Text("Quy tắc tạo khác biệt", "Rules that differ"),
)
_PASSES = Text("đạt", "passes")
_FAILS = Text("chưa đạt", "fails")


def _shown(asked: Language | None, own: Language | None) -> Language:
    """The language to render in: the one asked for, else the record's own, else the one in force."""
    return asked or own or language_in_force()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _unit_cell(place: Place) -> str:
    return _cell(f"{place.unit_name} ({place.unit_id})")


def _header(head: Iterable[Text], language: Language) -> list[str]:
    names = [h.get(language) for h in head]
    return ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]


def _scope_line(scope: str | None, packs: Iterable[str], language: Language) -> str:
    where = scope or _EVERYTHING.get(language)
    return f"{_SCOPE.get(language)}: {where} · {_PACKS.get(language)}: {', '.join(packs) or '-'}"


def _commune_heading(place: Place, language: Language) -> str:
    if place.commune_id is None:
        return _OUTSIDE.get(language)
    head = f"{place.commune_name} ({place.commune_id})"
    return f"{head} — {place.district_name}" if place.district_name else head


def _findings_table(findings: Iterable[Finding], language: Language) -> list[str]:
    lines = _header(_FINDINGS_HEAD, language)
    for f in findings:
        rule = f.rule_id if f.blocks else f"{f.rule_id} ({_WARNING.get(language)})"
        cells = (_unit_cell(f.place), rule, f.message.get(language), "; ".join(f.values), f.citation)
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return lines


def _verdict(ok: bool, language: Language) -> str:
    return (_PASSES if ok else _FAILS).get(language)


def _differences_table(found: Iterable[Difference], language: Language) -> list[str]:
    lines = _header(_DIFFERENCES_HEAD, language)
    for d in found:
        case = f"{d.case_id} · {d.transition}" if d.case_id else ""
        why = "; ".join(
            [f"+ {f.rule_id}: {f.message.get(language)}" for f in d.gained]
            + [f"− {f.rule_id}: {f.message.get(language)}" for f in d.lost]
        )
        cells = (
            _unit_cell(d.place),
            d.place.commune_name or "",
            case,
            d.day.isoformat(),
            _verdict(d.before, language),
            _verdict(d.after, language),
            why,
        )
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return lines


def _rule_dict(finding: Finding) -> dict[str, Any]:
    data = finding.as_dict()
    return {k: data[k] for k in ("rule_id", "severity", "citation", "message", "values")}

"""What an audit finds, and what a draft rule pack would change: records that render as Markdown and JSON."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any, Literal

import attrs

from hoinghe.errors import DefinitionError, Diagnostic
from hoinghe.org.text import Language, Text

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

    def as_dict(self) -> dict[str, Any]:
        """Plain data: the place's fields, then the rule's."""
        return {
            **attrs.asdict(self.place),
            "rule_id": self.rule_id,
            "severity": self.severity,
            "citation": self.citation,
            "message": {"vi": self.message.get("vi"), "en": self.message.get("en")},
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
        language: the language of the Markdown and of one-line descriptions.
    """

    on: dt.date
    scope: str | None
    checked: int
    findings: tuple[Finding, ...]
    compliant_units: tuple[str, ...]
    packs: tuple[str, ...] = ()
    language: Language = "vi"

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

    def summary(self) -> str:
        """One sentence: how many units were checked, how many fail, how many findings."""
        c = self.counts()
        if self.language == "vi":
            return (
                f"Đã rà soát {c['checked']} đơn vị: {c['compliant']} đạt, {c['non_compliant']} chưa đạt "
                f"({c['findings']} nội dung chưa đáp ứng)."
            )
        return (
            f"Checked {c['checked']} units: {c['compliant']} compliant, {c['non_compliant']} non-compliant "
            f"({c['findings']} findings)."
        )

    def to_markdown(self) -> str:
        """The audit as a Markdown document: a summary, then one table of findings per commune union."""
        vi = self.language == "vi"
        title = "Rà soát chi hội, tổ hội nghề nghiệp" if vi else "Compliance audit of professional units"
        lines = [f"# {title} — {self.on.isoformat()}", "", _scope_line(self.scope, self.packs, vi), ""]
        lines += [self.summary(), ""]
        for found in self.by_commune().values():
            lines += [f"## {_commune_heading(found[0].place, vi)}", ""]
            lines += _findings_table(found, self.language)
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
    language: Language = "vi"

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

    def summary(self) -> str:
        c = self.counts()
        if self.language == "vi":
            return (
                f"Theo dự thảo: {c['units_failing']} đơn vị trở thành chưa đạt, {c['units_passing']} đơn vị trở "
                f"thành đạt; {c['cases_changed']} bước của hồ sơ đang xử lý và {c['decisions_changed']} quyết "
                "định đã ban hành có kết quả khác."
            )
        return (
            f"Under the draft: {c['units_failing']} units become non-compliant, {c['units_passing']} become "
            f"compliant; {c['cases_changed']} steps of open cases and {c['decisions_changed']} past decisions "
            "would go the other way."
        )

    def to_markdown(self) -> str:
        """The comparison as Markdown: notes, then units, open cases and past decisions whose verdict changes."""
        vi = self.language == "vi"
        drafts = ", ".join(self.drafts)
        title = f"So sánh dự thảo {drafts}" if vi else f"What the draft {drafts} changes"
        lines = [f"# {title} — {self.on.isoformat()}", "", self.summary(), ""]
        if self.notes:
            lines += [f"## {'Lưu ý' if vi else 'Notes'}", ""]
            lines += [f"- {d.code} {d.message}" for d in self.notes]
            lines.append("")
        sections = (
            ("Đơn vị" if vi else "Units", self.units),
            ("Hồ sơ đang xử lý" if vi else "Open cases", self.cases),
            ("Quyết định đã ban hành" if vi else "Past decisions", self.decisions),
        )
        for heading, found in sections:
            lines += [f"## {heading} ({len(found)})", ""]
            if found:
                lines += _differences_table(found, self.language)
                lines.append("")
        return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------------------------------------- rendering


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _unit_cell(place: Place) -> str:
    return _cell(f"{place.unit_name} ({place.unit_id})")


def _scope_line(scope: str | None, packs: Iterable[str], vi: bool) -> str:
    where = scope or ("toàn bộ" if vi else "everything")
    label = ("Phạm vi", "Bộ quy định") if vi else ("Scope", "Rule packs")
    return f"{label[0]}: {where} · {label[1]}: {', '.join(packs) or '-'}"


def _commune_heading(place: Place, vi: bool) -> str:
    if place.commune_id is None:
        return "Ngoài cơ sở Hội" if vi else "Outside any commune union"
    head = f"{place.commune_name} ({place.commune_id})"
    return f"{head} — {place.district_name}" if place.district_name else head


def _findings_table(findings: Iterable[Finding], language: Language) -> list[str]:
    vi = language == "vi"
    head = (
        ("Đơn vị", "Quy định", "Nội dung", "Giá trị", "Căn cứ")
        if vi
        else ("Unit", "Rule", "Message", "Values", "Source")
    )
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for f in findings:
        rule = f.rule_id if f.blocks else f"{f.rule_id} ({'cảnh báo' if vi else 'warning'})"
        cells = (_unit_cell(f.place), rule, f.message.get(language), "; ".join(f.values), f.citation)
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return lines


def _verdict(ok: bool, vi: bool) -> str:
    if vi:
        return "đạt" if ok else "chưa đạt"
    return "passes" if ok else "fails"


def _differences_table(found: Iterable[Difference], language: Language) -> list[str]:
    vi = language == "vi"
    head = (
        ("Đơn vị", "Xã", "Hồ sơ", "Ngày", "Hiện hành", "Dự thảo", "Quy định tạo khác biệt")
        if vi
        else ("Unit", "Commune", "Case", "Day", "In force", "Draft", "Rules that differ")
    )
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
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
            _verdict(d.before, vi),
            _verdict(d.after, vi),
            why,
        )
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return lines


def _rule_dict(finding: Finding) -> dict[str, Any]:
    data = finding.as_dict()
    return {k: data[k] for k in ("rule_id", "severity", "citation", "message", "values")}

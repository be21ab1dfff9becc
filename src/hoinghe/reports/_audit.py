"""What a report says of the compliance audit (*rà soát*): how many units were checked, and each that fails.

The section lists every finding up to :data:`SHOWN` (commune, unit, rule, what it says), then says how many more
there are; ``hoinghe audit`` gives them all.
"""

from __future__ import annotations

from hoinghe.reports._layout import Table
from hoinghe.reports._outreach import Section
from hoinghe.reports.model import Report

__all__ = ["SHOWN", "sections", "summary"]

#: Findings a report lists before it points to ``hoinghe audit`` for the rest.
SHOWN = 60

_TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Rà soát chi hội, tổ hội nghề nghiệp theo Điều lệ và hướng dẫn",
        "checked": "Đã rà soát {checked} chi hội, tổ hội nghề nghiệp đang hoạt động theo quy định có hiệu lực ngày "
        "{on}: {failing} đơn vị chưa đúng quy định ({findings} nội dung).",
        "clean": "Đã rà soát {checked} chi hội, tổ hội nghề nghiệp đang hoạt động theo quy định có hiệu lực ngày "
        "{on}: tất cả đúng quy định.",
        "more": "Còn {more} nội dung khác; xem đầy đủ bằng lệnh hoinghe audit.",
        "heading": "Các đơn vị chưa đúng quy định",
    },
    "en": {
        "title": "Review of units against the Charter and the guidance",
        "checked": "{checked} active professional branches and groups were checked against the rules in force on "
        "{on}: {failing} fall short ({findings} findings).",
        "clean": "{checked} active professional branches and groups were checked against the rules in force on "
        "{on}: all comply.",
        "more": "{more} more findings; hoinghe audit lists them all.",
        "heading": "Units that fall short",
    },
}
_HEADER = {"vi": ("Xã", "Đơn vị", "Quy định", "Nội dung"), "en": ("Commune", "Unit", "Rule", "Finding")}


def _lines(report: Report) -> list[str]:
    found = report.audit
    if found is None:
        return []
    text = _TEXT[report.language]
    day = found.on.strftime("%d/%m/%Y") if report.language == "vi" else found.on.isoformat()
    failing = len({f.place.unit_id for f in found.findings})
    key = "checked" if found.findings else "clean"
    out = [text[key].format(checked=found.checked, on=day, failing=failing, findings=len(found.findings))]
    if len(found.findings) > SHOWN:
        out.append(text["more"].format(more=len(found.findings) - SHOWN))
    return out


def sections(report: Report) -> list[Section]:
    """The audit's section, when the report carries an audit."""
    found = report.audit
    if found is None:
        return []
    text = _TEXT[report.language]
    rows = tuple(
        (
            f.place.commune_name or "",
            f"{f.place.unit_name} ({f.place.unit_id})",
            f"{f.rule_id} ({f.citation})",
            f.message.get(report.language),
        )
        for f in found.findings[:SHOWN]
    )
    tables = []
    if rows:
        table = Table(
            _HEADER[report.language], rows, (False, False, False, False), flagged=(True,) * len(rows)
        )
        tables.append((text["heading"], table))
    return [Section("audit", text["title"], tuple(_lines(report)), tuple(tables))]


def summary(report: Report) -> list[tuple[str, str]]:
    """The line the audit adds to the report's summary."""
    if report.audit is None:
        return []
    return [(_TEXT[report.language]["title"], _lines(report)[0])]

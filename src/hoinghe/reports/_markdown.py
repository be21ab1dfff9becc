"""A report as Markdown: numbered sections, a summary, and tables with a totals row."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from hoinghe.reports import _audit, _fund, _layout, _outreach
from hoinghe.reports import _wording as w

if TYPE_CHECKING:  # the report module imports this one when it renders
    from hoinghe.reports.model import Report

__all__ = ["escape", "render"]

# What could start emphasis, code, a link, raw HTML or a new table cell inside a line of text from the store;
# text never starts a line here, so list and heading markers need no escape.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def escape(text: str) -> str:
    """``text`` as literal Markdown on one line: special characters backslash-escaped, line breaks as spaces."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _table(table: _layout.Table) -> list[str]:
    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(cells) + " |"

    lines = [
        line(tuple(escape(c) for c in table.header)),
        line(tuple("---:" if numeric else "---" for numeric in table.numeric)),
    ]
    lines += [line(tuple(escape(c) for c in row)) for row in table.rows]
    if table.total is not None:
        lines.append(line(tuple(f"**{escape(c)}**" if c else "" for c in table.total)))
    return lines


def render(report: Report) -> str:
    """The whole report as Markdown text, ending with one newline."""
    lang = report.language
    out = [f"# {escape(report.title)}", ""]
    out += [f"- **{escape(label)}:** {escape(value)}" for label, value in _layout.meta(report)]
    out += ["", f"## 1. {escape(w.say('summary', lang))}", ""]
    summary = (
        _layout.summary(report) + _outreach.summary(report) + _fund.summary(report) + _audit.summary(report)
    )
    out += [f"- **{escape(title)}:** {escape(text)}" for title, text in summary]
    section = 1
    for target in report.targets:
        section += 1
        out += ["", f"## {section}. {escape(target.title)}", ""]
        out.append(" ".join(escape(line) for line in _layout.target_lines(report, target)))
        if not target.applicable:
            continue
        out += ["", f"### {escape(w.say('results_by', lang, per=target.per_noun))}", ""]
        out += _table(_layout.unit_table(report, target))
        out += ["", f"### {escape(w.say('progress', lang))}", ""]
        out += _table(_layout.period_table(report, target))
    for part in _outreach.sections(report) + _fund.sections(report) + _audit.sections(report):
        section += 1
        out += ["", f"## {section}. {escape(part.title)}", "", " ".join(escape(line) for line in part.lines)]
        for heading, table in part.tables:
            out += ["", f"### {escape(heading)}", "", *_table(table)]
    if report.odds:
        section += 1
        out += ["", f"## {section}. {escape(w.say('odds', lang))}", "", escape(w.say("odds_intro", lang)), ""]
        out += _table(_layout.odds_table(report))
    out += ["", "---", "", f"*{escape(w.say('footer', lang))}*", ""]
    return "\n".join(out)

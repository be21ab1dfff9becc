"""A report as one self-contained HTML page: no external resource, a small stylesheet, inline SVG charts.

The page reads on a phone (tables scroll sideways inside their box, charts shrink to the screen) and prints on A4
(no scrolling boxes, a table's header repeats on each page).  Every text from the store or the plan is escaped.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from hoinghe.reports import _audit, _charts, _fund, _layout, _outreach
from hoinghe.reports import _wording as w

if TYPE_CHECKING:  # the report module imports this one when it renders
    from hoinghe.reports.model import Report

__all__ = ["STYLE", "render"]

STYLE = """\
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;\
color:#1d1d1f;background:#fff}
main{max-width:62rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0 1rem}
h2{font-size:1.25rem;margin:2rem 0 .75rem;padding-bottom:.25rem;border-bottom:2px solid #d0d7de}
h3{font-size:1.05rem;margin:1.5rem 0 .5rem}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dl.meta dt{font-weight:600}
dl.meta dd{margin:0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
thead th{background:#eef3f8}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.flag td{background:#fdecea}
tfoot td{font-weight:700;background:#eef3f8}
figure{margin:1rem 0}
figure svg{display:block;width:100%;height:auto}
figcaption{color:#555;font-size:.9rem}
.note{color:#555}
footer{margin-top:2rem;color:#555;font-size:.85rem}
@media (max-width:40rem){body{font-size:15px}main{padding:.5rem}dl.meta{grid-template-columns:1fr}}
@media print{body{font-size:11pt}main{max-width:none;padding:0}.scroll{overflow:visible}\
h2,h3{break-after:avoid}figure,tr{break-inside:avoid}thead{display:table-header-group}}
"""


def _table(table: _layout.Table) -> list[str]:
    def cell(tag: str, text: str, numeric: bool) -> str:
        kind = ' class="num"' if numeric else ""
        return f"<{tag}{kind}>{escape(text)}</{tag}>"

    out = ['<div class="scroll"><table>', "<thead><tr>"]
    out += [cell("th", text, numeric) for text, numeric in zip(table.header, table.numeric, strict=True)]
    out.append("</tr></thead><tbody>")
    flagged = table.flagged or (False,) * len(table.rows)
    for row, flag in zip(table.rows, flagged, strict=True):
        cells = "".join(cell("td", text, numeric) for text, numeric in zip(row, table.numeric, strict=True))
        out.append(f'<tr class="flag">{cells}</tr>' if flag else f"<tr>{cells}</tr>")
    out.append("</tbody>")
    if table.total is not None:
        # The first cell names the row ("Tổng cộng"), even above a column of numbers.
        cells = "".join(
            cell("td", text, numeric and i > 0)
            for i, (text, numeric) in enumerate(zip(table.total, table.numeric, strict=True))
        )
        out.append(f"<tfoot><tr>{cells}</tr></tfoot>")
    out.append("</table></div>")
    return out


def _figure(chart: _charts.Chart) -> str:
    label = escape(chart.caption)
    svg = chart.svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
    return f"<figure>{svg}<figcaption>{label}</figcaption></figure>"


def render(report: Report) -> str:
    """The whole report as an HTML document, ending with one newline."""
    lang = report.language
    charts = _charts.draw(report)
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(report.title)}</title>",
        f"<style>\n{STYLE}</style>",
        "</head>",
        "<body><main>",
        "<header>",
        f"<h1>{escape(report.title)}</h1>",
        '<dl class="meta">',
    ]
    out += [f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>" for label, value in _layout.meta(report)]
    out += [
        "</dl>",
        "</header>",
        '<section id="summary">',
        f"<h2>1. {escape(w.say('summary', lang))}</h2>",
        "<ul>",
    ]
    out += [
        f"<li><strong>{escape(title)}:</strong> {escape(text)}</li>"
        for title, text in _layout.summary(report)
        + _outreach.summary(report)
        + _fund.summary(report)
        + _audit.summary(report)
    ]
    out.append("</ul>")
    if charts is None:
        out.append(f'<p class="note">{escape(w.say("no_charts", lang))}</p>')
    out.append("</section>")
    section = 1
    for target in report.targets:
        section += 1
        out += [
            f'<section id="{escape(target.id)}">',
            f"<h2>{section}. {escape(target.title)}</h2>",
            f"<p>{escape(' '.join(_layout.target_lines(report, target)))}</p>",
        ]
        if target.applicable:
            out += [_figure(chart) for chart in charts or () if chart.target == target.id]
            out.append(f"<h3>{escape(w.say('results_by', lang, per=target.per_noun))}</h3>")
            out += _table(_layout.unit_table(report, target))
            out.append(f"<h3>{escape(w.say('progress', lang))}</h3>")
            out += _table(_layout.period_table(report, target))
        out.append("</section>")
    for part in _outreach.sections(report) + _fund.sections(report) + _audit.sections(report):
        section += 1
        out += [
            f'<section id="{part.id}">',
            f"<h2>{section}. {escape(part.title)}</h2>",
            f"<p>{escape(' '.join(part.lines))}</p>",
        ]
        for heading, table in part.tables:
            out += [f"<h3>{escape(heading)}</h3>", *_table(table)]
        out.append("</section>")
    if report.odds:
        section += 1
        out += ['<section id="odds">', f"<h2>{section}. {escape(w.say('odds', lang))}</h2>"]
        out.append(f"<p>{escape(w.say('odds_intro', lang))}</p>")
        out += [*_table(_layout.odds_table(report)), "</section>"]
    out += [f"<footer>{escape(w.say('footer', lang))}</footer>", "</main></body>", "</html>", ""]
    return "\n".join(out)

"""What a report says, in which order, as plain text and tables; the Markdown and HTML renderers only format it.

Every string here is plain text (unit names as stored); each renderer escapes for its own format.
"""

from __future__ import annotations

import attrs

from hoinghe.reports import _wording as w
from hoinghe.reports.model import Report, TargetReport

__all__ = ["Table", "meta", "odds_table", "period_table", "summary", "target_lines", "unit_table"]


@attrs.frozen
class Table:
    """A table: its header, body rows, an optional totals row; ``numeric`` marks right-aligned columns and
    ``flagged`` the body rows to draw attention to (units not meeting the target)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]
    total: tuple[str, ...] | None = None
    flagged: tuple[bool, ...] = ()


def meta(report: Report) -> list[tuple[str, str]]:
    """The lines under the title: plan, scope, the day counted to, the plan's period."""
    lang = report.language
    return [
        (w.say("plan", lang), f"{report.plan_title} ({report.plan})"),
        (w.say("scope", lang), report.scope_name),
        (w.say("as_of", lang), w.day(report.as_of, lang)),
        (w.say("plan_period", lang), f"{w.day(report.start, lang)} – {w.day(report.deadline, lang)}"),
    ]


def summary(report: Report) -> list[tuple[str, str]]:
    """One (target title, sentences) pair per target."""
    return [(t.title, " ".join(target_lines(report, t))) for t in report.targets]


def target_lines(report: Report, target: TargetReport) -> list[str]:
    """The sentences that sum a target up: who met it, how much was founded, against the schedule."""
    lang = report.language
    if not target.applicable:
        return [f"{w.say('not_applicable', lang)}.", target.reason]
    totals = target.totals
    lines = [
        w.say(
            "summary_line",
            lang,
            met=w.number(totals.met, lang),
            units=w.number(totals.units, lang),
            per=_per(target, totals.units),
            share=w.percent(totals.share_met, lang),
            founded=w.number(totals.founded, lang),
            noun=target.noun,
            active=w.number(totals.active, lang),
            required=w.number(totals.required, lang),
            ratio=w.percent(totals.share_founded, lang),
        ),
        w.say(
            "schedule_line",
            lang,
            as_of=w.day(report.as_of, lang),
            expected=w.decimal(totals.expected, lang),
            noun=target.noun,
            verdict=w.say("ahead" if totals.founded >= totals.expected else "behind", lang),
        ),
    ]
    if target.unplaced:
        lines.append(
            w.say(
                "unplaced", lang, count=w.number(target.unplaced, lang), noun=target.noun, per=target.per_noun
            )
        )
    return lines


def _per(target: TargetReport, count: int) -> str:
    """Who is held to the target, in the number ``count`` asks for (``1 district``, ``2 districts``)."""
    return target.per_noun if count == 1 else target.per_plural


def unit_table(report: Report, target: TargetReport) -> Table:
    """Every unit held to the target with what it founded, and the totals."""
    lang = report.language
    rows = target.rows
    show_province = len({r.province for r in rows}) > 1
    show_district = any(r.district for r in rows)
    header = [w.say("no", lang), w.capitalize(target.per_noun)]
    numeric = [True, False]
    if show_province:
        header.append(w.say("province", lang))
        numeric.append(False)
    if show_district:
        header.append(w.say("district", lang))
        numeric.append(False)
    header += [w.say("founded", lang), w.say("active", lang), w.say("target", lang), w.say("result", lang)]
    numeric += [True, True, True, False]
    met, not_met = w.say("met", lang), w.say("not_met", lang)
    body: list[tuple[str, ...]] = []
    for i, row in enumerate(rows, 1):
        cells = [w.number(i, lang), row.name]
        if show_province:
            cells.append(row.province or "")
        if show_district:
            cells.append(row.district or "")
        cells += [
            w.number(row.founded, lang),
            w.number(row.active, lang),
            target.range,
            met if row.met else not_met,
        ]
        body.append(tuple(cells))
    totals = target.totals
    total = [w.say("total", lang), f"{w.number(totals.units, lang)} {_per(target, totals.units)}"]
    total += [""] * (show_province + show_district)
    total += [
        w.number(totals.founded, lang),
        w.number(totals.active, lang),
        w.number(totals.required, lang),
        f"{w.number(totals.met, lang)}/{w.number(totals.units, lang)} ({w.percent(totals.share_met, lang)})",
    ]
    return Table(tuple(header), tuple(body), tuple(numeric), tuple(total), tuple(not r.met for r in rows))


def period_table(report: Report, target: TargetReport) -> Table:
    """Per reporting period: founded in it, cumulative, and the cumulative target on an even schedule."""
    lang = report.language
    header = (
        w.say("period", lang),
        w.say("in_period", lang),
        w.say("cumulative", lang),
        w.say("on_schedule", lang),
    )
    body = tuple(
        (
            row.period.label,
            w.number(row.founded, lang),
            w.number(row.cumulative, lang),
            w.decimal(row.expected, lang),
        )
        for row in target.periods
    )
    flagged = tuple(row.cumulative < row.expected for row in target.periods)
    return Table(header, body, (False, True, True, True), None, flagged)


def odds_table(report: Report) -> Table:
    """The simulated chances of meeting each target."""
    lang = report.language
    header = (
        w.say("target", lang),
        w.say("scope", lang),
        w.say("probability", lang),
        w.say("interval", lang),
        w.say("runs", lang),
    )
    body = tuple(
        (
            row.target_title,
            row.scope_name,
            w.percent(row.odds.probability, lang),
            f"{w.percent(row.odds.low, lang)} – {w.percent(row.odds.high, lang)}",
            w.number(row.odds.runs, lang),
        )
        for row in report.odds
    )
    return Table(header, body, (False, False, True, True, True))

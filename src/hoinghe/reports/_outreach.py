"""What a report says of outreach, training and the emulation ranking, as plain text and tables.

Two sections: *Công tác tuyên truyền, tập huấn* (who was reached against the plan's coverage targets, overall and
per district, or per commune when the report covers one district or none) and, in a yearly report, *Thi đua*
(the ranking of districts, and of communes: all of them, or the first and last :data:`SHOWN` when there are many).
"""

from __future__ import annotations

import attrs

from hoinghe.org.text import Language
from hoinghe.outreach.model import CoverageRow, Share, Standing
from hoinghe.reports import _wording as w
from hoinghe.reports._layout import Table
from hoinghe.reports.model import Report

__all__ = ["POPULATIONS", "SHOWN", "Section", "sections", "summary"]

#: How many communes of the top and of the bottom of the ranking a report shows when it has more than twice as
#: many; a report of few communes shows them all.
SHOWN = 5
#: The coverage figures, in the order reports give them: the field of a coverage row and its target.
POPULATIONS = ("members", "cadres", "leaders")
_TARGETS = {"members": "members_informed", "cadres": "cadres_informed", "leaders": "leaders_trained"}


@attrs.frozen
class Section:
    """A numbered section: its anchor, title, sentences, and tables each under a sub-heading."""

    id: str
    title: str
    lines: tuple[str, ...]
    tables: tuple[tuple[str, Table], ...]


def sections(report: Report) -> list[Section]:
    """The report's outreach and emulation sections, those it has."""
    out = []
    if report.coverage is not None:
        out.append(_coverage_section(report))
    if report.ranking is not None:
        out.append(_ranking_section(report))
    return out


def summary(report: Report) -> list[tuple[str, str]]:
    """The (title, sentences) pairs these sections add to the report's summary."""
    lang = report.language
    out = []
    if report.coverage is not None:
        out.append((w.say("outreach_section", lang), " ".join(_coverage_lines(report)[1:])))
    ranking = report.ranking
    if ranking is not None:
        leaders = [
            w.say(
                "leading", lang, per=w.level_noun(level, lang), name=top[0].name, score=_points(top[0], lang)
            )
            for level, top in (("district", ranking.districts), ("commune", ranking.communes))
            if top
        ]
        if leaders:
            out.append((w.say("emulation_section", lang), w.capitalize("; ".join(leaders)) + "."))
    return out


def _target(report: Report, population: str) -> float:
    value: float = getattr(report.coverage_targets, _TARGETS[population])
    return value


def _shown(share: Share, report: Report) -> str:
    lang = report.language
    ratio = share.share
    counted = f"{w.number(share.reached, lang)}/{w.number(share.total, lang)}"
    return counted if ratio is None else f"{counted} ({w.percent(ratio, lang)})"


def _verdict(share: Share, target: float, report: Report) -> str:
    meets = share.meets(target)
    return "—" if meets is None else w.say("met" if meets else "not_met", report.language)


def _coverage_lines(report: Report) -> list[str]:
    coverage, lang = report.coverage, report.language
    assert coverage is not None  # noqa: S101 - sections() asks only when there is one
    lines = [
        w.say(
            "coverage_intro",
            lang,
            since=w.day(coverage.since, lang),
            until=w.day(coverage.until, lang),
            outreach=w.number(coverage.outreach, lang),
            training=w.number(coverage.training, lang),
        )
    ]
    for population in POPULATIONS:
        share: Share = getattr(coverage, population)
        target = _target(report, population)
        if share.total == 0:
            lines.append(w.say("coverage_nobody", lang, what=w.say(_TARGETS[population], lang)))
            continue
        lines.append(
            w.say(
                "coverage_line",
                lang,
                what=w.say(_TARGETS[population], lang),
                reached=w.number(share.reached, lang),
                total=w.number(share.total, lang),
                share=w.percent(share.share or 0.0, lang),
                target=w.percent(target, lang),
                verdict=w.say("met" if share.meets(target) else "not_met", lang).lower(),
            )
        )
    return lines


def _coverage_section(report: Report) -> Section:
    coverage, lang = report.coverage, report.language
    assert coverage is not None  # noqa: S101 - sections() asks only when there is one
    header = (
        w.say("measure", lang),
        w.say("reached", lang),
        w.say("population", lang),
        w.say("share", lang),
        w.say("target", lang),
        w.say("result", lang),
    )
    body, flagged = [], []
    for population in POPULATIONS:
        share: Share = getattr(coverage, population)
        target = _target(report, population)
        ratio = share.share
        body.append(
            (
                w.say(_TARGETS[population], lang),
                w.number(share.reached, lang),
                w.number(share.total, lang),
                "—" if ratio is None else w.percent(ratio, lang),
                w.percent(target, lang),
                _verdict(share, target, report),
            )
        )
        flagged.append(share.meets(target) is False)
    tables = [
        (
            w.say("coverage_overall", lang),
            Table(header, tuple(body), (False, True, True, True, True, False), None, tuple(flagged)),
        )
    ]
    rows = coverage.districts if len(coverage.districts) > 1 else coverage.communes
    if rows:
        per = w.level_noun(rows[0].level, lang)
        tables.append((w.say("results_by", lang, per=per), _units_table(report, rows)))
    return Section("outreach", w.say("outreach_section", lang), tuple(_coverage_lines(report)), tuple(tables))


def _units_table(report: Report, rows: tuple[CoverageRow, ...]) -> Table:
    coverage, lang = report.coverage, report.language
    assert coverage is not None  # noqa: S101 - sections() asks only when there is one
    level = rows[0].level
    show_district = any(r.district for r in rows)
    header = [w.say("no", lang), w.capitalize(w.level_noun(level, lang))]
    header += [w.say("district", lang)] if show_district else []
    header += [w.say("outreach_sessions", lang), w.say("trainings", lang)]
    header += [w.say(_TARGETS[p], lang) for p in POPULATIONS]
    numeric = (True, False, *([False] if show_district else []), True, True, True, True, True)
    body, flagged = [], []
    for i, row in enumerate(rows, 1):
        cells = [w.number(i, lang), row.name, *([row.district or ""] if show_district else [])]
        cells += [w.number(row.outreach, lang), w.number(row.training, lang)]
        cells += [_shown(getattr(row, p), report) for p in POPULATIONS]
        body.append(tuple(cells))
        flagged.append(any(getattr(row, p).meets(_target(report, p)) is False for p in POPULATIONS))
    plural = w.level_noun(level, lang, plural=len(rows) != 1)
    total = [w.say("total", lang), f"{w.number(len(rows), lang)} {plural}", *([""] if show_district else [])]
    total += [w.number(coverage.outreach, lang), w.number(coverage.training, lang)]
    total += [_shown(getattr(coverage, p), report) for p in POPULATIONS]
    return Table(tuple(header), tuple(body), numeric, tuple(total), tuple(flagged))


def _points(standing: Standing, lang: Language) -> str:
    return w.say("points", lang, score=w.decimal(standing.score, lang))


def _ranking_section(report: Report) -> Section:
    ranking, lang = report.ranking, report.language
    assert ranking is not None  # noqa: S101 - sections() asks only when there is one
    weights = "; ".join(
        f"{c.title.get(lang)} ({w.decimal(c.weight, lang, digits=0 if c.weight.is_integer() else 1)})"
        for c in ranking.criteria
    )
    lines = (w.say("emulation_intro", lang, year=ranking.year, criteria=weights),)
    tables = []
    if ranking.districts:
        title = w.say("ranking_of", lang, per=w.level_noun("district", lang, plural=True))
        tables.append((title, _ranking_table(report, ranking.districts)))
    communes = ranking.communes
    per = w.level_noun("commune", lang, plural=True)
    if len(communes) > 2 * SHOWN:
        top, bottom = communes[:SHOWN], communes[-SHOWN:]
        tables.append((w.say("ranking_top", lang, per=per, count=SHOWN), _ranking_table(report, top)))
        tables.append((w.say("ranking_bottom", lang, per=per, count=SHOWN), _ranking_table(report, bottom)))
    elif communes:
        tables.append((w.say("ranking_of", lang, per=per), _ranking_table(report, communes)))
    return Section("emulation", w.say("emulation_section", lang), lines, tuple(tables))


def _ranking_table(report: Report, standings: tuple[Standing, ...]) -> Table:
    ranking, lang = report.ranking, report.language
    assert ranking is not None  # noqa: S101 - sections() asks only when there is one
    level = standings[0].level
    show_district = any(s.district for s in standings)
    header = [w.say("rank", lang), w.capitalize(w.level_noun(level, lang))]
    header += [w.say("district", lang)] if show_district else []
    header += [c.title.get(lang) for c in ranking.criteria]
    header.append(w.say("score", lang))
    numeric = (True, False, *([False] if show_district else []), *([True] * len(ranking.criteria)), True)
    body = []
    for standing in standings:
        cells = [w.number(standing.rank, lang), standing.name]
        cells += [standing.district or ""] if show_district else []
        cells += ["—" if s.value is None else w.percent(s.value, lang) for s in standing.scores]
        cells.append(w.decimal(standing.score, lang))
        body.append(tuple(cells))
    return Table(tuple(header), tuple(body), numeric)

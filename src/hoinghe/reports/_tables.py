"""A report as CSV: one row per unit per target, for spreadsheets and programs.

A report with outreach coverage or an emulation ranking has :data:`MORE_COLUMNS` too, and their rows after the
targets' (see :meth:`~hoinghe.reports.Report.to_csv`); one with the Farmer Support Fund has :data:`FUND_COLUMNS`
after those, and the Fund's rows last: one table a program reads with one header, rather than a second table in the
same file, which CSV readers cannot tell apart.

Column names and values are the same in both languages (ids, numbers, ``true``/``false``, shares as ``0.875``); only
the unit names are text from the store.  A name a spreadsheet would read as a formula (``=...``, ``+...``, ``-...``, ``@...``) is
written with a leading apostrophe, so opening the file cannot run it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the report module imports this one when it renders
    from hoinghe.outreach.model import Share
    from hoinghe.reports.model import Report

__all__ = ["COLUMNS", "FUND_COLUMNS", "MORE_COLUMNS", "render"]

#: The header row.
COLUMNS = (
    "target",
    "level",
    "unit",
    "name",
    "province",
    "district",
    "founded",
    "min",
    "max",
    "met",
    "active",
)

#: The columns of the coverage and ranking rows, after :data:`COLUMNS`.
MORE_COLUMNS = ("reached", "total", "share", "rank", "score")

#: The columns of the Fund's rows, after :data:`MORE_COLUMNS`: the application, its state, and the reasons for its
#: place in the Fund's order (in the report's language, separated by ``; ``).
FUND_COLUMNS = ("case", "state", "reasons")

_POPULATIONS = (
    ("members", "members_informed"),
    ("cadres", "cadres_informed"),
    ("leaders", "leaders_trained"),
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str | None) -> str:
    if value is None:
        return ""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def render(report: Report) -> str:
    """The report's rows as CSV text (RFC 4180: quoted as needed, CRLF line ends)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    fund = report.fund is not None
    more = report.coverage is not None or report.ranking is not None or fund
    writer.writerow((*COLUMNS, *MORE_COLUMNS, *(FUND_COLUMNS if fund else ())) if more else COLUMNS)
    blank = ("",) * (len(MORE_COLUMNS) + len(FUND_COLUMNS) * fund) if more else ()
    tail = ("",) * len(FUND_COLUMNS) * fund
    for target in report.targets:
        for row in target.rows:
            writer.writerow(
                (
                    target.id,
                    target.per,
                    _text(row.unit),
                    _text(row.name),
                    _text(row.province),
                    _text(row.district),
                    row.founded,
                    target.min,
                    "" if target.max is None else target.max,
                    "true" if row.met else "false",
                    row.active,
                    *blank,
                )
            )
    writer.writerows((*row, *tail) for row in _coverage_rows(report))
    writer.writerows((*row, *tail) for row in _ranking_rows(report))
    writer.writerows(_fund_rows(report))
    return out.getvalue()


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _coverage_rows(report: Report) -> Iterator[tuple[object, ...]]:
    coverage = report.coverage
    if coverage is None:
        return
    targets = report.coverage_targets
    for row in (*coverage.districts, *coverage.communes):
        for population, target_id in _POPULATIONS:
            share: Share = getattr(row, population)
            goal: float = getattr(targets, target_id)
            meets = share.meets(goal)
            yield (
                target_id,
                row.level,
                _text(row.unit),
                _text(row.name),
                "",
                _text(row.district),
                "",
                goal,
                "",
                "" if meets is None else "true" if meets else "false",
                "",
                share.reached,
                share.total,
                _share(share.share),
                "",
                "",
            )


def _ranking_rows(report: Report) -> Iterator[tuple[object, ...]]:
    ranking = report.ranking
    if ranking is None:
        return
    for standing in (*ranking.districts, *ranking.communes):
        place = (standing.level, _text(standing.unit), _text(standing.name), "", _text(standing.district))
        yield ("emulation", *place, *("",) * 5, "", "", "", standing.rank, f"{standing.score:.2f}")
        for score in standing.scores:
            yield (
                f"emulation:{score.criterion}",
                *place,
                *("",) * 5,
                "",
                "",
                _share(score.value),
                standing.rank,
                f"{score.points:.2f}",
            )


def _fund_row(**values: object) -> tuple[object, ...]:
    return tuple(values.get(column, "") for column in (*COLUMNS, *MORE_COLUMNS, *FUND_COLUMNS))


def _fund_rows(report: Report) -> Iterator[tuple[object, ...]]:
    """Per state, the applications in it (``fund_applications``: the state's title in ``name``, its id in
    ``state``, the count in ``total``); the borrowers (``fund_borrowers``: those in professional units in
    ``reached``); per open application, its place (``fund_priority``: the group in ``unit``, whether every loan
    condition holds in ``met``, its professional borrowers in ``reached`` of ``total``, its position in ``rank``
    and its score)."""
    fund = report.fund
    if fund is None:
        return
    for state in fund.states:
        yield _fund_row(
            target="fund_applications", name=_text(state.title), total=state.count, state=state.state
        )
    yield _fund_row(
        target="fund_borrowers",
        reached=fund.professional,
        total=fund.borrowers,
        share=_share(fund.share_professional),
    )
    for row in fund.pending:
        ranked = row.ranked
        yield _fund_row(
            target="fund_priority",
            level="group",
            unit=_text(ranked.subject),
            name=_text(row.name),
            met="true" if ranked.conditions_met else "false",
            reached=len(ranked.professional),
            total=row.borrowers,
            share=_share(ranked.share),
            rank=ranked.position,
            score=f"{ranked.score:g}",
            case=_text(ranked.case_id),
            state=row.state,
            reasons=_text("; ".join(row.reasons)),
        )

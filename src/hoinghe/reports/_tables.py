"""A report as CSV: one row per unit per target, for spreadsheets and programs.

A report with outreach coverage or an emulation ranking has :data:`MORE_COLUMNS` too, and their rows after the
targets' (see :meth:`~hoinghe.reports.Report.to_csv`): one table a program reads with one header, rather than a
second table in the same file, which CSV readers cannot tell apart.

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

__all__ = ["COLUMNS", "MORE_COLUMNS", "render"]

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
    more = report.coverage is not None or report.ranking is not None
    writer.writerow((*COLUMNS, *MORE_COLUMNS) if more else COLUMNS)
    blank = ("",) * len(MORE_COLUMNS) if more else ()
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
    writer.writerows(_coverage_rows(report))
    writer.writerows(_ranking_rows(report))
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

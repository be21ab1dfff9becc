"""The report's charts as inline SVG, drawn with matplotlib (the optional ``plots`` extra).

Figures are made with :class:`matplotlib.figure.Figure` directly, never through pyplot, so drawing a report changes
no global backend or state.  Each figure is drawn under matplotlib's default style with a fixed SVG hash salt, text
kept as text and no date in the metadata: the same report gives the same bytes.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date
from typing import TYPE_CHECKING

import attrs

from hoinghe.org.text import Language
from hoinghe.reports import _wording as w

if TYPE_CHECKING:  # the report module imports this one when it renders; matplotlib is optional
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure

    from hoinghe.reports.model import Report, TargetReport

__all__ = ["BARS_UP_TO", "Chart", "draw"]

#: Up to this many units a distribution chart has one bar per unit; above it, a histogram of the counts.
BARS_UP_TO = 30

_FOUNDED = "#1f78b4"
_TARGET = "#555555"
_MET = "#1b7837"
_NOT_MET = "#d95f02"
_BAND = "#a6dba0"
_NAME_LENGTH = 24
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
# Where a tag names an element or refers to one: id="x", url(#x), xlink:href="#x".  Text from the store is
# between tags, with its < and > escaped, so only real tags are rewritten.
_TAG = re.compile(r"<[^>]+>")
_REFERENCE = re.compile(r'(\sid="|url\(#|href="#)')


@attrs.frozen
class Chart:
    """One chart: what it shows (its caption) and the ``<svg>`` element drawing it."""

    target: str
    caption: str
    svg: str


def draw(report: Report) -> list[Chart] | None:
    """Every chart of the report, two per applicable target; ``None`` when matplotlib is not installed."""
    try:
        import matplotlib as mpl  # noqa: PLC0415 - an optional extra, imported only to draw
        import matplotlib.style  # noqa: PLC0415
        from matplotlib.figure import Figure  # noqa: PLC0415
    except ImportError:
        return None
    charts: list[Chart] = []
    for target in report.targets:
        if not target.applicable:
            continue
        drawings = [(_caption("chart_progress", report, target), _progress)]
        if len(target.rows) > BARS_UP_TO:
            drawings.append((_caption("chart_histogram", report, target), _histogram))
        elif target.rows:
            drawings.append((_caption("chart_bars", report, target), _bars))
        for caption, drawing in drawings:
            with (
                mpl.style.context("default"),
                mpl.rc_context({"svg.hashsalt": "hoinghe", "svg.fonttype": "none"}),
            ):
                figure = Figure(figsize=(7.5, 3.8), layout="constrained")
                drawing(figure.add_subplot(), report, target)
                figure.suptitle(_plain(caption), fontsize=12)
                svg = _svg(figure, f"chart{len(charts) + 1}")
            charts.append(Chart(target.id, caption, svg))
    return charts


def _caption(key: str, report: Report, target: TargetReport) -> str:
    """A chart's title: ``Số chi hội nghề nghiệp đã thành lập theo huyện``, ``Communes by number of ...``."""
    said = w.say(key, report.language, noun=target.noun, per=target.per_noun, per_plural=target.per_plural)
    return w.capitalize(said)


def _plain(text: str) -> str:
    """``text`` drawn as written: a ``$`` would otherwise start matplotlib's math notation."""
    return text.replace("$", r"\$")


def _short(name: str) -> str:
    """A unit's name on an axis: without the words every union's name starts with, cut if still long."""
    name = name.removeprefix("Hội Nông dân ")
    return _plain(name if len(name) <= _NAME_LENGTH else name[: _NAME_LENGTH - 1] + "…")


def _svg(figure: Figure, prefix: str) -> str:
    """The figure as an ``<svg>`` element to inline: no XML prologue or metadata, ids prefixed with ``prefix``.

    Every figure names its parts ``figure_1``, ``axes_1`` ...; the prefix keeps ids unique across the page.
    """
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    text = out.getvalue()
    text = _METADATA.sub("", text[text.index("<svg") :]).strip()
    return _TAG.sub(lambda tag: _REFERENCE.sub(lambda m: f"{m[1]}{prefix}-", tag[0]), text)


def _counts_on(axis: Axis, lang: Language) -> None:
    """Whole-number ticks, written as the report writes numbers (``80.000`` in Vietnamese)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: PLC0415 - imported only to draw

    axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(FuncFormatter(lambda value, _: w.number(round(value), lang)))


def _x(day: date) -> int:
    return day.toordinal()


def _progress(ax: Axes, report: Report, target: TargetReport) -> None:
    lang = report.language
    xs = [_x(report.start)] + [_x(row.period.end) for row in target.periods]
    ys = [0] + [row.cumulative for row in target.periods]
    ax.plot(xs, ys, marker="o", color=_FOUNDED, label=w.say("chart_founded_line", lang))
    # The latest figure, written above its point and ending there, so it stays inside the axes.
    ax.annotate(
        w.number(ys[-1], lang),
        (xs[-1], ys[-1]),
        textcoords="offset points",
        xytext=(-4, 8),
        horizontalalignment="right",
        color=_FOUNDED,
    )
    end = max(report.deadline, report.as_of)
    line_x = [_x(report.start), _x(report.deadline), _x(end)]
    line_y = [0, target.totals.required, target.totals.required]
    ax.plot(line_x, line_y, linestyle="--", color=_TARGET, label=w.say("chart_target_line", lang))
    years = range(report.start.year + 1, end.year + 1)
    ax.set_xticks([_x(date(y, 1, 1)) for y in years], labels=[str(y) for y in years])
    ax.set_xlim(_x(report.start) - 30, _x(end) + 30)
    ax.set_ylim(bottom=0)
    _counts_on(ax.yaxis, lang)
    ax.set_ylabel(_plain(w.say("chart_count", lang, noun=target.noun)))
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", frameon=False)


def _legend(ax: Axes, target: TargetReport, lang: Language) -> None:
    """The band of the target and what the bar colours mean."""
    from matplotlib.patches import Patch  # noqa: PLC0415 - matplotlib is imported only to draw

    handles = [
        Patch(color=_BAND, alpha=0.5, label=_plain(w.say("chart_band", lang, range=target.range))),
        Patch(color=_MET, label=w.say("met", lang)),
        Patch(color=_NOT_MET, label=w.say("not_met", lang)),
    ]
    ax.legend(handles=handles, loc="upper right", ncols=3, frameon=False)


def _bars(ax: Axes, report: Report, target: TargetReport) -> None:
    lang = report.language
    positions = list(range(len(target.rows)))
    top = target.max if target.max is not None else target.min
    ax.axhspan(target.min, top, color=_BAND, alpha=0.5, zorder=0)
    if target.max is None:
        ax.axhline(target.min, color=_MET, linewidth=1, zorder=1)
    bars = ax.bar(
        positions,
        [row.founded for row in target.rows],
        color=[_MET if row.met else _NOT_MET for row in target.rows],
        zorder=2,
    )
    ax.bar_label(bars, padding=2)
    ax.set_xticks(positions, labels=[_short(row.name) for row in target.rows], rotation=40, ha="right")
    ax.set_ylim(0, (max(top, *(row.founded for row in target.rows)) + 1) * 1.25)
    _counts_on(ax.yaxis, lang)
    ax.set_ylabel(_plain(w.say("chart_count", lang, noun=target.noun)))
    _legend(ax, target, lang)


def _histogram(ax: Axes, report: Report, target: TargetReport) -> None:
    lang = report.language
    counts = Counter(row.founded for row in target.rows)
    top = target.max if target.max is not None else target.min
    values = list(range(max(top, *counts) + 2))
    ax.axvspan(target.min - 0.5, top + 0.5, color=_BAND, alpha=0.5, zorder=0)
    ax.bar(
        values,
        [counts.get(v, 0) for v in values],
        width=0.85,
        color=[_MET if v >= target.min else _NOT_MET for v in values],
        zorder=2,
    )
    ax.set_xlim(-0.5, values[-1] + 0.5)
    _counts_on(ax.xaxis, lang)
    _counts_on(ax.yaxis, lang)
    ax.set_xlabel(_plain(w.capitalize(w.say("founded", lang)) + f" ({target.noun})"))
    ax.set_ylabel(_plain(w.say("chart_units", lang, per=target.per_plural)))
    ax.set_ylim(0, max(counts.values()) * 1.3)
    ax.grid(axis="y", alpha=0.3)
    _legend(ax, target, lang)

"""The simulation page's charts, drawn at build time from a small simulated rollout, so they show what the
release draws.

One district (Na Hang, Tuyên Quang, 12 communes) is played from the plan's start to the end of 2021 with seed 1
(about a second), its yearly report is built in English, and two of the report's own charts are kept.  The same
seed gives the same SVG bytes.
"""

from __future__ import annotations

import datetime as dt

from hoinghe.reports import build_report
from hoinghe.reports._charts import draw
from hoinghe.sim import Scenario, simulate

#: The files written under the site's root, and the chart of the report each one is: (target, caption start).
FILES = {
    "assets/generated/rollout-chart.svg": ("groups_per_commune", "Professional groups founded over time"),
    "assets/generated/rollout-communes.svg": ("groups_per_commune", "Professional groups founded per"),
}
SCENARIO = Scenario(province="Tuyên Quang", district="Na Hang", until=dt.date(2021, 12, 31))
SEED = 1


def charts() -> dict[str, str]:
    """Each file's SVG text."""
    rollout = simulate(SCENARIO, seed=SEED)
    report = build_report(
        rollout.store, rollout.world.profile.hierarchy, rollout.plan, as_of=rollout.until, language="en"
    )
    drawn = draw(report)
    if drawn is None:
        msg = "matplotlib is not installed: pip install 'hoinghe[plots]' to build the documentation"
        raise RuntimeError(msg)
    out: dict[str, str] = {}
    for path, (target, caption) in FILES.items():
        chart = next((c for c in drawn if c.target == target and c.caption.startswith(caption)), None)
        if chart is None:
            msg = (
                f"the report has no chart {caption!r} of {target!r}: {[(c.target, c.caption) for c in drawn]}"
            )
            raise LookupError(msg)
        out[path] = chart.svg + "\n"
    return out

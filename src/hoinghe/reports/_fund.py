"""What a report says of the Farmer Support Fund (*Quỹ Hỗ trợ nông dân*): the loan applications in its scope by
state, the share of borrowers in professional groups and branches, and the open applications in the Fund's order
of priority with the reasons :func:`hoinghe.fund.rank` gives (plan II.2.3).

An application counts once it was submitted by the report's day, in the state it stood in on that day: its events
up to that day rebuild it, so a report of a past half-year says what was true then.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date

from hoinghe.definitions.profile import Profile
from hoinghe.definitions.workflow import WorkflowDefinition
from hoinghe.engine.clock import VIETNAM_TZ
from hoinghe.errors import NotFound
from hoinghe.fund import WORKFLOW, Ranked, rank
from hoinghe.org.model import Unit
from hoinghe.org.text import Language
from hoinghe.records import Case, fold
from hoinghe.reports import _wording as w
from hoinghe.reports._layout import Table
from hoinghe.reports._outreach import Section
from hoinghe.reports.model import FundReport, FundRow, FundStage, FundState, Report
from hoinghe.storage.base import Store

__all__ = ["SHOWN", "count", "sections", "summary"]

#: Open applications the Markdown and HTML reports list, first in the Fund's order; ``hoinghe fund rank`` and the
#: CSV give them all.
SHOWN = 10
_MAX_DEPTH = 64
_PROFESSIONAL_LEVELS = frozenset({"group", "branch"})


def _stage(state: str, workflow: WorkflowDefinition) -> FundStage:
    """What a state means for the report; a province's own states read as under review until final."""
    if state == "approved":
        return "approved"
    if state == "disbursed":
        return "disbursed"
    return "closed" if state in workflow.final else "review"


def count(
    store: Store,
    profile: Profile,
    *,
    until: date,
    units: Mapping[str, Unit],
    in_scope: set[str] | None,
    language: Language,
) -> FundReport | None:
    """The Fund's applications in the scope on ``until``; ``None`` when the profile has no loan workflow or no
    application was submitted there by then.

    Raises:
        FundError: a case's data has the wrong shape, or the Fund's parameters are missing (from
            :func:`hoinghe.fund.rank`).
    """
    try:
        workflow = profile.workflow(WORKFLOW)
    except NotFound:
        return None
    pending: list[Case] = []
    others: list[Case] = []
    for case in store.cases(workflow=WORKFLOW):
        if in_scope is not None and case.subject not in in_scope:
            continue
        then = _as_of(store, case, until, workflow.initial)
        if then is None:
            continue
        if then.state in workflow.final or then.state == workflow.initial:
            others.append(then)  # decided, or returned for completion: not in the queue
        else:
            pending.append(then)
    if not pending and not others:
        return None
    ranked = rank(store, profile, pending, on=until) if pending else []
    cases = {c.id: c for c in (*pending, *others)}
    borrowers = {b for c in cases.values() for b in _borrowers(c)}
    professional = {b for r in ranked for b in r.professional}
    professional |= {b for b in borrowers - professional if _in_professional_unit(store, b)}
    tally = Counter(c.state for c in cases.values())
    states = tuple(
        FundState(
            s.id, s.title.get(language) if s.title is not None else s.id, _stage(s.id, workflow), tally[s.id]
        )
        for s in workflow.states
        if tally[s.id]
    )
    paid = [c for c in others if c.state == "disbursed"]
    return FundReport(
        until=until,
        states=states,
        submitted=len(cases),
        borrowers=len(borrowers),
        professional=len(professional),
        disbursed=len(paid),
        disbursed_vnd=sum(_amount(c) for c in paid),
        pending=tuple(_row(r, cases[r.case_id], units, language) for r in ranked),
        shown=SHOWN,
    )


def _as_of(store: Store, case: Case, until: date, initial: str) -> Case | None:
    """The case as it stood at the end of ``until`` (Vietnam time); ``None`` when it was not submitted by then."""
    if case.opened_at.astimezone(VIETNAM_TZ).date() > until:
        return None
    events = store.events(case.id)
    past = [e for e in events if e.at.astimezone(VIETNAM_TZ).date() <= until]
    if not any(e.kind == "fired" and e.from_state == initial for e in past):
        return None
    return case if len(past) == len(events) else fold(past)


def _in_professional_unit(store: Store, member: str) -> bool:
    """Whether the member belongs to an active professional group or branch, as the Fund's priority reads it."""
    try:
        units = store.memberships(member, status="active")
    except NotFound:
        return False
    return any(u.kind == "professional" and u.level in _PROFESSIONAL_LEVELS for u in units)


def _borrowers(case: Case) -> list[str]:
    value = case.data.get("borrowers", ())
    return [b for b in value if isinstance(b, str)] if isinstance(value, list | tuple) else []


def _amount(case: Case) -> int:
    value = case.data.get("amounts", {})
    if not isinstance(value, Mapping):
        return 0
    return sum(v for v in value.values() if isinstance(v, int) and not isinstance(v, bool))


def _row(ranked: Ranked, case: Case, units: Mapping[str, Unit], language: Language) -> FundRow:
    unit = units.get(ranked.subject)
    commune = unit
    for _ in range(_MAX_DEPTH):
        if commune is None or commune.level == "commune":
            break
        commune = units.get(commune.parent) if commune.parent is not None else None
    return FundRow(
        ranked=ranked,
        name=unit.name if unit is not None else ranked.subject,
        commune=commune.name if commune is not None else None,
        state=case.state,
        borrowers=len(_borrowers(case)),
        amount=_amount(case),
        reasons=tuple(reason.get(language) for reason in ranked.reasons),
    )


# ------------------------------------------------------------------------------------------------- rendering


def _vnd(amount: int, language: Language) -> str:
    return w.say("vnd", language, amount=w.number(amount, language))


def _lines(report: Report) -> list[str]:
    fund, lang = report.fund, report.language
    assert fund is not None  # noqa: S101 - asked only when there is one
    lines = [
        w.say(
            "fund_intro",
            lang,
            until=w.day(fund.until, lang),
            submitted=w.number(fund.submitted, lang),
            review=w.number(fund.count("review"), lang),
            approved=w.number(fund.count("approved"), lang),
            disbursed=w.number(fund.count("disbursed"), lang),
            amount=_vnd(fund.disbursed_vnd, lang),
            closed=w.number(fund.count("closed"), lang),
        )
    ]
    share = fund.share_professional
    if share is not None:
        lines.append(
            w.say(
                "fund_borrowers",
                lang,
                professional=w.number(fund.professional, lang),
                borrowers=w.number(fund.borrowers, lang),
                share=w.percent(share, lang),
            )
        )
    if not fund.pending:
        lines.append(w.say("fund_none_pending", lang))
    elif len(fund.pending) > fund.shown:
        lines.append(
            w.say(
                "fund_more", lang, shown=w.number(fund.shown, lang), count=w.number(len(fund.pending), lang)
            )
        )
    return lines


def sections(report: Report) -> list[Section]:
    """The Fund's section, when the report has applications."""
    fund, lang = report.fund, report.language
    if fund is None:
        return []
    states = Table(
        (w.say("state", lang), w.say("applications", lang)),
        tuple((s.title, w.number(s.count, lang)) for s in fund.states),
        (False, True),
        (w.say("total", lang), w.number(fund.submitted, lang)),
    )
    tables = [(w.say("fund_states", lang), states)]
    if fund.pending:
        tables.append((w.say("fund_priority", lang), _priority_table(report)))
    return [Section("fund", w.say("fund_section", lang), tuple(_lines(report)), tuple(tables))]


def _priority_table(report: Report) -> Table:
    fund, lang = report.fund, report.language
    assert fund is not None  # noqa: S101 - asked only when there is one
    rows = fund.pending[: fund.shown]
    show_commune = any(r.commune for r in rows)
    header = [w.say("priority", lang), w.say("application", lang), w.say("group", lang)]
    header += [w.say("commune", lang)] if show_commune else []
    header += [
        w.say("borrowers", lang),
        w.say("professional_borrowers", lang),
        w.say("amount", lang),
        w.say("applied_on", lang),
        w.say("conditions", lang),
        w.say("reasons", lang),
    ]
    numeric = (True, False, False, *([False] if show_commune else []), True, True, True, False, False, False)
    body = []
    for row in rows:
        ranked = row.ranked
        conditions = (
            w.say("conditions_met", lang)
            if ranked.conditions_met
            else w.say("conditions_failed", lang, failed=", ".join(ranked.failed))
        )
        cells = [w.number(ranked.position, lang), ranked.case_id, row.name]
        cells += [row.commune or ""] if show_commune else []
        cells += [
            w.number(row.borrowers, lang),
            f"{w.number(len(ranked.professional), lang)} ({w.percent(ranked.share, lang)})",
            w.number(row.amount, lang),
            w.day(ranked.applied_on, lang),
            conditions,
            "; ".join(row.reasons),
        ]
        body.append(tuple(cells))
    flagged = tuple(not r.ranked.conditions_met for r in rows)
    return Table(tuple(header), tuple(body), numeric, None, flagged)


def summary(report: Report) -> list[tuple[str, str]]:
    """The line the Fund adds to the report's summary."""
    if report.fund is None:
        return []
    return [(w.say("fund_section", report.language), " ".join(_lines(report)[:2]))]

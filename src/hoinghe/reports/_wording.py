"""The words and number formats of reports, in Vietnamese and English.

Numbers follow each language's convention (Vietnamese: ``10.000`` and ``87,5%``; English: ``10,000`` and
``87.5%``); dates are written without the process locale, so a report reads the same on every machine.
"""

from __future__ import annotations

from datetime import date

from hoinghe.org.text import Language, Text

__all__ = [
    "WORDS",
    "capitalize",
    "day",
    "decimal",
    "level_noun",
    "month_name",
    "number",
    "percent",
    "roman",
    "say",
    "unit_noun",
]

WORDS: dict[str, Text] = {
    "plan": Text("Kế hoạch", "Plan"),
    "scope": Text("Phạm vi", "Scope"),
    "as_of": Text("Số liệu tính đến ngày", "Figures as of"),
    "plan_period": Text("Thời gian thực hiện", "Plan period"),
    "whole_store": Text("Toàn bộ các đơn vị trong cơ sở dữ liệu", "Every unit in the store"),
    "summary": Text("Tóm tắt kết quả", "Summary"),
    "results_by": Text("Kết quả theo {per}", "Results by {per}"),
    "progress": Text("Tiến độ theo kỳ báo cáo", "Progress by reporting period"),
    "charts": Text("Biểu đồ", "Charts"),
    "odds": Text("Khả năng đạt chỉ tiêu", "Likelihood of meeting the targets"),
    "no": Text("STT", "No."),
    "province": Text("Tỉnh", "Province"),
    "district": Text("Huyện", "District"),
    "founded": Text("Đã thành lập", "Founded"),
    "active": Text("Còn hoạt động", "Still active"),
    "target": Text("Chỉ tiêu", "Target"),
    "result": Text("Kết quả", "Result"),
    "met": Text("Đạt", "Met"),
    "not_met": Text("Chưa đạt", "Not met"),
    "total": Text("Tổng cộng", "Total"),
    "period": Text("Kỳ báo cáo", "Period"),
    "in_period": Text("Thành lập trong kỳ", "Founded in the period"),
    "cumulative": Text("Lũy kế", "Cumulative"),
    "on_schedule": Text("Chỉ tiêu lũy kế theo tiến độ", "Cumulative target on schedule"),
    "not_applicable": Text("Không áp dụng", "Not applicable"),
    "probability": Text("Xác suất đạt", "Probability"),
    "interval": Text("Khoảng ước lượng", "Interval"),
    "runs": Text("Số lần mô phỏng", "Runs"),
    "every": Text("mọi {level}", "every {level}"),
    "odds_intro": Text(
        "Ước lượng bằng mô phỏng Monte Carlo quá trình thành lập theo kế hoạch; "
        "khoảng ước lượng cho biết độ chính xác của xác suất.",
        "Estimated by Monte Carlo simulation of the rollout; the interval shows how precise each probability is.",
    ),
    "summary_line": Text(
        "{met}/{units} {per} đạt chỉ tiêu ({share}); đã thành lập {founded} {noun} "
        "(còn hoạt động {active}) so với chỉ tiêu tối thiểu {required} ({ratio}).",
        "{met} of {units} {per} met the target ({share}); {founded} {noun} were founded "
        "({active} still active) against a minimum of {required} ({ratio}).",
    ),
    "schedule_line": Text(
        "Theo tiến độ đều của kế hoạch, đến ngày {as_of} cần khoảng {expected} {noun}: {verdict}.",
        "On an even schedule about {expected} {noun} were due by {as_of}: {verdict}.",
    ),
    "ahead": Text("đạt tiến độ", "on or ahead of schedule"),
    "behind": Text("chậm tiến độ", "behind schedule"),
    "unplaced": Text(
        "{count} {noun} không có {per} nào ở trên trong dữ liệu (thiếu đơn vị cấp trên) nên không được tính ở trên.",
        "{count} {noun} have no {per} above them in the store (a parent is missing) and are not counted above.",
    ),
    "no_level": Text(
        "Hệ thống tổ chức không có cấp {level} (các cấp: {levels}), nên không có đơn vị nào chịu chỉ tiêu này.",
        "The hierarchy has no {level} level (its levels: {levels}), so no unit is held to this target.",
    ),
    "scope_below": Text(
        "Phạm vi báo cáo ({scope}) ở dưới cấp {level}, nên chỉ tiêu này không áp dụng cho phạm vi này.",
        "The report covers {scope}, which is below the {level} level, so this target does not apply to it.",
    ),
    "no_charts": Text(
        "Biểu đồ cần thư viện matplotlib: pip install 'hoinghe[plots]'.",
        "Charts need matplotlib: pip install 'hoinghe[plots]'.",
    ),
    # Chart titles are capitalized when drawn.
    "chart_progress": Text("Tiến độ thành lập {noun}", "{noun} founded over time"),
    "chart_founded_line": Text("Lũy kế đã thành lập", "Founded (cumulative)"),
    "chart_target_line": Text("Chỉ tiêu theo tiến độ đều", "Target on an even schedule"),
    "chart_count": Text("Số {noun}", "Number of {noun}"),
    "chart_bars": Text("Số {noun} đã thành lập theo {per}", "{noun} founded per {per}"),
    "chart_band": Text("Chỉ tiêu {range}", "Target {range}"),
    "chart_histogram": Text(
        "Phân bố {per_plural} theo số {noun} đã thành lập", "{per_plural} by number of {noun} founded"
    ),
    "chart_units": Text("Số {per}", "Number of {per}"),
    "footer": Text(
        "Lập bằng hoinghe từ dữ liệu tổ chức; số liệu tính theo ngày quyết định thành lập.",
        "Made with hoinghe from the organisation's records; figures count by the date of the founding decision.",
    ),
    # Outreach, training and the emulation ranking.
    "outreach_section": Text("Công tác tuyên truyền, tập huấn", "Outreach and training"),
    "emulation_section": Text("Thi đua", "Emulation ranking"),
    "coverage_intro": Text(
        "Từ ngày {since} đến ngày {until} đã tổ chức {outreach} buổi tuyên truyền và {training} lớp tập huấn.",
        "From {since} to {until}, {outreach} outreach sessions and {training} trainings were held.",
    ),
    "coverage_line": Text(
        "{what}: {reached}/{total} ({share}), chỉ tiêu {target}: {verdict}.",
        "{what}: {reached} of {total} ({share}) against a target of {target}: {verdict}.",
    ),
    "coverage_nobody": Text("{what}: không có đối tượng để tính.", "{what}: nobody to count."),
    "coverage_overall": Text("Kết quả so với chỉ tiêu", "Results against the targets"),
    "members_informed": Text("Hội viên được tuyên truyền", "Members informed"),
    "cadres_informed": Text("Cán bộ Hội được tuyên truyền", "Cadres informed"),
    "leaders_trained": Text("Chi hội trưởng, tổ trưởng được tập huấn", "Branch and group leaders trained"),
    "measure": Text("Nội dung", "Measure"),
    "reached": Text("Đạt được", "Reached"),
    "population": Text("Tổng số", "Total"),
    "share": Text("Tỷ lệ", "Share"),
    "outreach_sessions": Text("Buổi tuyên truyền", "Outreach sessions"),
    "trainings": Text("Lớp tập huấn", "Trainings"),
    "emulation_intro": Text(
        "Điểm thi đua năm {year} (thang 100) là trung bình có trọng số của các tiêu chí (trọng số trong ngoặc): "
        "{criteria}. Tiêu chí không có số liệu ở một đơn vị (—) không tính vào điểm của đơn vị đó; "
        "các đơn vị bằng điểm được xếp theo mã đơn vị.",
        "The {year} score (out of 100) is the weighted mean of the criteria (weights in brackets): {criteria}. "
        "A criterion with nothing to measure in a unit (—) is left out of its score; "
        "units with equal scores are ordered by id.",
    ),
    "ranking_of": Text("Xếp hạng {per}", "Ranking of {per}"),
    "ranking_top": Text("{count} {per} dẫn đầu", "Top {count} {per}"),
    "ranking_bottom": Text("{count} {per} cuối bảng", "Bottom {count} {per}"),
    "leading": Text("{per} dẫn đầu: {name} ({score})", "top {per}: {name} ({score})"),
    "points": Text("{score} điểm", "{score} points"),
    "rank": Text("Hạng", "Rank"),
    "score": Text("Điểm", "Score"),
    # The Farmer Support Fund.
    "fund_section": Text("Quỹ Hỗ trợ nông dân", "Farmer Support Fund"),
    "fund_intro": Text(
        "Đến ngày {until} đã nộp {submitted} hồ sơ vay vốn Quỹ Hỗ trợ nông dân: {review} đang xem xét, "
        "{approved} đã có quyết định cho vay, {disbursed} đã giải ngân ({amount}), "
        "{closed} không được cho vay hoặc đã rút.",
        "By {until}, {submitted} Farmer Support Fund loan applications were submitted: {review} under review, "
        "{approved} approved, {disbursed} disbursed ({amount}), {closed} refused or withdrawn.",
    ),
    "fund_borrowers": Text(
        "{professional}/{borrowers} người vay ({share}) là hội viên chi hội, tổ hội nghề nghiệp, "
        "đối tượng được ưu tiên vay vốn (Kế hoạch, mục II.2.3).",
        "{professional} of {borrowers} borrowers ({share}) are members of professional groups or branches, "
        "whom the plan puts first for loans (II.2.3).",
    ),
    "fund_none_pending": Text(
        "Không có hồ sơ nào đang chờ xét duyệt.", "No application is waiting for a decision."
    ),
    "fund_more": Text(
        "Bảng dưới liệt kê {shown}/{count} hồ sơ đầu theo thứ tự ưu tiên; lệnh hoinghe fund rank liệt kê đầy đủ.",
        "The table lists the first {shown} of {count} applications in order; hoinghe fund rank lists them all.",
    ),
    "fund_states": Text("Hồ sơ vay vốn theo trạng thái", "Loan applications by state"),
    "fund_priority": Text(
        "Thứ tự ưu tiên cho vay các hồ sơ đang xét", "Order of priority of the open applications"
    ),
    "vnd": Text("{amount} đồng", "{amount} VND"),
    "state": Text("Trạng thái", "State"),
    "applications": Text("Số hồ sơ", "Applications"),
    "priority": Text("Thứ tự", "Order"),
    "application": Text("Hồ sơ", "Application"),
    "group": Text("Tổ hội", "Group"),
    "commune": Text("Xã", "Commune"),
    "borrowers": Text("Số người vay", "Borrowers"),
    "professional_borrowers": Text("Là hội viên CH, TH nghề nghiệp", "In professional units"),
    "amount": Text("Số tiền đề nghị (đồng)", "Amount asked (VND)"),
    "applied_on": Text("Ngày nộp", "Applied on"),
    "conditions": Text("Điều kiện vay", "Loan conditions"),
    "conditions_met": Text("Đủ", "Met"),
    "conditions_failed": Text("Chưa đủ: {failed}", "Not met: {failed}"),
    "reasons": Text("Lý do xếp thứ tự", "Why in this place"),
    # Report names, by kind.
    "half_year": Text(
        "Báo cáo sơ kết 6 tháng đầu năm {year}", "Six-month review report, first half of {year}"
    ),
    "year": Text("Báo cáo tổng kết năm {year}", "Annual review report {year}"),
    "interim": Text("Báo cáo tiến độ thực hiện đến ngày {day}", "Progress report as of {day}"),
    # Period names.
    "first_half": Text("6 tháng đầu năm {year}", "First half of {year}"),
    "second_half": Text("6 tháng cuối năm {year}", "Second half of {year}"),
    "whole_year": Text("Năm {year}", "Year {year}"),
    "quarter": Text("Quý {quarter}/{year}", "Q{quarter} {year}"),
    # {month} is the month's number in Vietnamese (Tháng 3/2022), its short name in English (Mar 2022).
    "month": Text("Tháng {month}/{year}", "{month} {year}"),
}

_LEVELS: dict[str, tuple[str, str, str]] = {
    # level id: (Vietnamese, English singular, English plural)
    "central": ("Trung ương", "central committee", "central committees"),
    "province": ("tỉnh", "province", "provinces"),
    "district": ("huyện", "district", "districts"),
    "commune": ("xã", "commune", "communes"),
    "branch": ("chi hội", "branch", "branches"),
    "group": ("tổ hội", "group", "groups"),
}

_KINDS: dict[str, tuple[str, str]] = {
    "professional": ("nghề nghiệp", "professional"),
    "residential": ("dân cư", "residential"),
}

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ROMAN = ("I", "II", "III", "IV")


def say(key: str, language: Language, /, **values: object) -> str:
    """The phrase ``key`` in ``language``, with ``{name}`` fields filled from ``values``."""
    text = WORDS[key].get(language)
    return text.format(**values) if values else text


def capitalize(text: str) -> str:
    """``text`` with its first letter in upper case (``huyện`` -> ``Huyện``), the rest unchanged."""
    return text[:1].upper() + text[1:]


def level_noun(level: str, language: Language, *, plural: bool = False, fallback: str | None = None) -> str:
    """A short name for units of ``level`` (``huyện``, ``districts``); ``fallback`` or the id when unknown."""
    names = _LEVELS.get(level)
    if names is None:
        return fallback or level
    if language == "vi":
        return names[0]
    return names[2] if plural else names[1]


def unit_noun(level: str, kind: str | None, language: Language, *, plural: bool = True) -> str:
    """What a target counts: ``chi hội nghề nghiệp``, ``professional branches``."""
    noun = level_noun(level, language, plural=plural)
    if kind is None:
        return noun
    adjective = _KINDS.get(kind, (kind, kind))
    return f"{noun} {adjective[0]}" if language == "vi" else f"{adjective[1]} {noun}"


def number(value: int, language: Language) -> str:
    """A whole number with thousands separated: ``10.000`` (vi), ``10,000`` (en)."""
    text = f"{value:,}"
    return text.replace(",", ".") if language == "vi" else text


def decimal(value: float, language: Language, digits: int = 1) -> str:
    """A number with ``digits`` decimals: ``5,3`` (vi), ``5.3`` (en)."""
    text = f"{value:,.{digits}f}"
    if language == "vi":
        return text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return text


def percent(share: float, language: Language) -> str:
    """A share (0.875) as a percentage with one decimal: ``87,5%`` (vi), ``87.5%`` (en)."""
    return f"{decimal(share * 100, language)}%"


def day(value: date, language: Language) -> str:
    """A date as people write it: ``30/06/2022`` (vi), ``30 Jun 2022`` (en)."""
    if language == "vi":
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def month_name(month: int) -> str:
    """The English short name of ``month`` (1-12)."""
    return _MONTHS[month - 1]


def roman(quarter: int) -> str:
    """The quarter (1-4) in Roman numerals, as Vietnamese reports number them."""
    return _ROMAN[quarter - 1]

"""What the Fund ranks and what the ranking says: loan applications read from cases, and ranked applications."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from hoinghe.errors import Diagnostic, HoingheError
from hoinghe.org.text import Language, Text
from hoinghe.records import Case

__all__ = ["WORKFLOW", "ApplicationView", "FundError", "Ranked"]

#: The workflow whose cases are loan applications.
WORKFLOW = "fund-loan-application"


class FundError(HoingheError, ValueError):
    """Loan applications cannot be ranked: case data of the wrong shape, or parameters missing or mistyped.

    ``diagnostics`` lists every problem found (``HNG-W020``), each with the case and the ``$.path`` of the value.
    """

    code = "HNG-E015"

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        count = len(self.diagnostics)
        head = Text(
            f"{count} vấn đề với hồ sơ vay vốn hoặc tham số của Quỹ",
            f"{count} problem{'s' if count != 1 else ''} with the Fund's applications or parameters",
        )
        lines = [Text(f"  {d.describe('vi')}", f"  {d.describe('en')}") for d in self.diagnostics]
        super().__init__(Text.join("\n", [head, *lines]))


def _amounts(value: Mapping[str, int]) -> dict[str, int]:
    return dict(value)


@attrs.frozen
class ApplicationView:
    """A loan application as the ranking reads it.

    Attributes:
        case_id: the case of ``fund-loan-application`` (or any id unique among the applications ranked).
        subject: the group whose members borrow.
        borrowers: ids of the borrowing members (one per household).
        amounts: member id -> the amount asked, in VND.
        product: what the borrowers make, which the plan finances.
        months: the term asked; ``None`` when the application does not say.
        applied_on: the day the application was (last) submitted.
        state: the case's state.
        case: the case it was read from, when it was; its facts (documents, dates) are what rules read.
    """

    case_id: str
    subject: str
    borrowers: tuple[str, ...]
    amounts: dict[str, int] = attrs.field(converter=_amounts, hash=False)
    product: str
    months: int | None
    applied_on: dt.date
    state: str = "submitted"
    case: Case | None = attrs.field(default=None, eq=False, repr=False)

    @classmethod
    def from_case(cls, case: Case, applied_on: dt.date | None = None) -> ApplicationView:
        """The application a case's data holds: ``borrowers``, ``amounts``, ``product``, ``months``.

        A key left out reads as empty (the conditions then say what is missing); a value of the wrong shape is an
        error.

        Args:
            case: a case of :data:`WORKFLOW`.
            applied_on: the day it was submitted; the day it opened when not given.

        Raises:
            FundError: a value has the wrong shape (``amounts`` not a map of member id to whole VND ...).
        """
        problems: list[Diagnostic] = []
        data = case.data
        borrowers = _ids(data.get("borrowers", ()), case.id, problems)
        amounts = _amount_map(data.get("amounts", {}), case.id, problems)
        product = data.get("product", "")
        if not isinstance(product, str):
            problems.append(
                _problem(
                    case.id,
                    "$.data.product",
                    Text(
                        f"phải là văn bản (sản phẩm làm ra), không phải {product!r}",
                        f"is text (what they make), not {product!r}",
                    ),
                )
            )
        months = data.get("months")
        if months is not None and (not isinstance(months, int) or isinstance(months, bool)):
            problems.append(
                _problem(
                    case.id,
                    "$.data.months",
                    Text(
                        f"phải là số tháng (số nguyên), không phải {months!r}",
                        f"is a whole number of months, not {months!r}",
                    ),
                )
            )
        if problems:
            raise FundError(problems)
        return cls(
            case_id=case.id,
            subject=case.subject,
            borrowers=borrowers,
            amounts=amounts,
            product=product,
            months=months,
            applied_on=applied_on or case.opened_at.date(),
            state=case.state,
            case=case,
        )


def _problem(case_id: str, path: str, message: Text) -> Diagnostic:
    field = path[2:]
    return Diagnostic(
        "HNG-W020", Text(f"hồ sơ {case_id}: {field} ", f"case {case_id}: {field} ") + message, path
    )


def _ids(value: Any, case_id: str, problems: list[Diagnostic]) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        problems.append(
            _problem(
                case_id,
                "$.data.borrowers",
                Text(
                    f"phải là danh sách mã hội viên, không phải {value!r}",
                    f"is a list of member ids, not {value!r}",
                ),
            )
        )
        return ()
    problems.extend(
        _problem(
            case_id,
            f"$.data.borrowers[{i}]",
            Text(f"phải là mã hội viên, không phải {item!r}", f"is a member id, not {item!r}"),
        )
        for i, item in enumerate(value)
        if not isinstance(item, str)
    )
    return tuple(dict.fromkeys(item for item in value if isinstance(item, str)))


def _amount_map(value: Any, case_id: str, problems: list[Diagnostic]) -> dict[str, int]:
    if not isinstance(value, Mapping):
        problems.append(
            _problem(
                case_id,
                "$.data.amounts",
                Text(
                    f"phải gắn mã hội viên với số tiền (đồng), không phải {value!r}",
                    f"maps member ids to VND, not {value!r}",
                ),
            )
        )
        return {}
    out: dict[str, int] = {}
    for key, amount in value.items():
        if isinstance(amount, int) and not isinstance(amount, bool) and amount >= 0:
            out[key] = amount
        else:
            problems.append(
                _problem(
                    case_id,
                    f"$.data.amounts.{key}",
                    Text(
                        f"phải là số tiền nguyên, không âm (đồng), không phải {amount!r}",
                        f"is a whole, non-negative VND amount, not {amount!r}",
                    ),
                )
            )
    return out


@attrs.frozen
class Ranked:
    """One application's place in the ranking, and why it stands there.

    Attributes:
        case_id: the application.
        position: 1 for the first.
        score: ``priority_professional_weight x share + priority_conditions_weight x (conditions met)``.
        reasons: the priority, the conditions (each failed rule with its citation), the day it was submitted,
            the score, and how a tie was broken; in Vietnamese and English.
        subject: the group whose members borrow.
        applied_on: the day it was submitted.
        share: the share of its borrowers who belong to an active professional group or branch.
        conditions_met: every condition of Decree 37/2023 (FUND-03..FUND-10 and any a province adds) holds.
        failed: ids of the conditions that do not hold.
        professional: borrower id -> the professional groups and branches they belong to (those who do).
    """

    case_id: str
    position: int
    score: float
    reasons: tuple[Text, ...]
    subject: str
    applied_on: dt.date
    share: float
    conditions_met: bool
    failed: tuple[str, ...] = ()
    professional: dict[str, tuple[str, ...]] = attrs.field(factory=dict, hash=False)

    def describe(self, language: Language = "vi") -> str:
        """The reasons, one per line, in ``language``."""
        return "\n".join(reason.get(language) for reason in self.reasons)

    def as_dict(self, language: Language = "vi") -> dict[str, Any]:
        """A plain dict for JSON, with the reasons in ``language``."""
        return {
            "position": self.position,
            "case": self.case_id,
            "subject": self.subject,
            "score": self.score,
            "share": self.share,
            "conditions_met": self.conditions_met,
            "failed": list(self.failed),
            "applied_on": self.applied_on.isoformat(),
            "professional": {k: list(v) for k, v in self.professional.items()},
            "reasons": [reason.get(language) for reason in self.reasons],
        }

"""How communes, districts and farmers behave in a simulated rollout: every figure is a setting, with its source.

The defaults come from DOMAIN.md and the provincial plan implementing Resolution 04 (the plan's parts are cited as
"plan II.2.1").  Where a source gives a figure, the field says so ([V]/[S]); everything else is a modelling choice
[U], to be replaced by what a province knows of its own communes.  Where the plan sets a target (100% of members
and cadres informed), the setting is still [U]: the plan says what is to be reached, not how fast communes get
there.  A behaviour is plain data:
change one field with ``attrs.evolve(DEFAULT, group_rate=1.5)`` or load a whole one from a mapping
(:meth:`Behaviour.from_mapping`, the ``behaviour:`` part of a scenario file).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

import attrs

from hoinghe.errors import DefinitionError, Diagnostic
from hoinghe.i18n import Text

__all__ = ["DEFAULT", "Behaviour", "Steps"]


def _positive(_instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value < 0:
        name = attribute.name
        msg = Text(
            f"{name} không được là số âm; giá trị là {value}", f"{name} must not be negative; it is {value}"
        )
        raise ValueError(msg)


def _share(_instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not 0 <= value <= 1:
        name = attribute.name
        msg = Text(
            f"{name} là một tỷ lệ từ 0 đến 1; giá trị là {value}",
            f"{name} is a share between 0 and 1; it is {value}",
        )
        raise ValueError(msg)


def _span(_instance: object, attribute: attrs.Attribute[Any], value: tuple[int, int]) -> None:
    low, high = value
    if not 0 <= low <= high:
        name = attribute.name
        msg = Text(
            f"{name} là (nhỏ nhất, lớn nhất), hai số không âm, số đầu không lớn hơn số sau; giá trị là {value}",
            f"{name} is (fewest, most), two non-negative numbers, the first not above the second; it is {value}",
        )
        raise ValueError(msg)


@attrs.frozen
class Steps:
    """How long each step of a founding takes, in working days: the fewest and the most (drawn uniformly). [U]"""

    survey: tuple[int, int] = (5, 15)
    outreach: tuple[int, int] = (10, 30)
    applications: tuple[int, int] = (5, 20)
    meeting: tuple[int, int] = (3, 10)
    submit: tuple[int, int] = (1, 5)
    decision: tuple[int, int] = (5, 20)  # the workflow reminds the deciding body after 15 working days
    launch: tuple[int, int] = (1, 10)
    fix: tuple[int, int] = (5, 25)  # mending a refused dossier
    # A Farmer Support Fund loan (fund-loan-application): the commune union checks the borrowers, the Fund's
    # board appraises (the workflow reminds it after 20 working days), decides, then pays out.
    loan_check: tuple[int, int] = (3, 10)
    loan_appraisal: tuple[int, int] = (5, 20)
    loan_decision: tuple[int, int] = (3, 10)
    disbursement: tuple[int, int] = (2, 10)


@attrs.frozen
class Behaviour:
    """The behaviour model of a rollout.

    Attributes:
        group_rate: new professional groups a commune union starts per year, on average.  The plan's 8-10 per
            commune over 2019-08 to 2023-12 is about 2 a year. [U]
        branch_rate: new professional branches a district starts per year, on average (4-5 over the same
            period is about 1 a year). [U]
        spread: how unequal communes are: the shape of the gamma distribution each commune's (and district's)
            rate is drawn from; smaller is more unequal (1: exponential), large is everyone alike. [U]
        urban_share: a ward (phường) starts groups at this share of a rural commune's rate: few farmers live
            there, though its union is held to the same target. [U]
        group_median: median members of a new group (Bắc Ninh 2022: about 7; national 2019: about 19). [S]
        group_range: the fewest and most members of a group (sizes seen: 6 to 42; 5 is the guidance's minimum). [S]
        branch_median: median members of a new branch (2019: about 49; Bắc Ninh 2022: about 67). [S]
        branch_range: the fewest and most members of a branch (15 is the guidance's minimum). [S]
        faulty_dossier: share of dossiers that break a rule when first filed: too few members, a member of
            another trade, or a member who is not in the union. [U]
        withdraw_after_refusal: share of refused dossiers withdrawn instead of mended. [U]
        rejection: share of complete dossiers the deciding body rejects all the same. [U]
        abandon: share of foundings abandoned before the dossier (no interest after the survey). [U]
        review: rate founded units each year (the review workflow); only after 6 months of operation. [V]
        rating_shares: shares of the four ratings, best first. [U]
        dissolve_rate: yearly chance that a group dissolves. [U]
        convert_rate: yearly chance that a group becomes a cooperative group (Decree 77/2019). [U]
        merge_rate: yearly chance that a group takes in another group of its trade in its commune. [U]
        split_rate: yearly chance that a branch of at least twice the branch minimum splits in two. [U]
        union_share: share of a commune's farmers who are union members. [U]
        other_trade_share: share of farmers who grow or make a second product. [U]
        outreach_rate: outreach sessions (*tuyên truyền*) a commune union holds a year, on average; each
            commune's own rate is drawn as for ``group_rate``, so some communes lag.  The plan asks that 100% of
            cadres, members and farmers be informed (plan II.1) and puts outreach into the six-monthly and yearly
            programmes and the branch meetings (plan II.2.1): about two a year. [U]
        outreach_attendance: the chance that a union member of the commune attends one of its sessions (the
            plan's target is everyone informed, plan II.1). [U]
        cadre_rate: conferences a district union (a province union, where there are no districts) holds a year
            to inform the cadres of its own union and of the unions below it (plan II.1, II.2.1). [U]
        cadre_attendance: the chance that a cadre of a union below attends such a conference; the organising
            union's own cadres always do. [U]
        training_rate: trainings (*tập huấn*) a district union (a province union, where there are no districts)
            holds a year for the leaders of the professional branches and groups in its area.  The plan puts the
            training of branch heads and group leaders into each year's training plan (plan II.2.2) and sets no
            figure. [U]
        training_delay: days after a branch or group starts work before its leaders are invited to a
            training. [U]
        training_attendance: the chance that an invited leader attends; one who does not is invited to the
            next training. [U]
        loan_rate: yearly chance that an active professional group files a Farmer Support Fund loan application
            for some of its members (plan II.2.3 gives the Fund's loans to members of professional groups and
            branches first; Decree 37/2023 lends to members grouped in one plan). [U]
        loan_share: share of a group's members (union members making the group's product) who borrow, at
            least one. [U]
        loan_amount: the least and most a household asks for, in VND (drawn in steps of 5 million); Decree
            37/2023's ceiling is 100 million a household [S]. [U]
        loan_months: the shortest and longest term asked for, in months (the ceiling is 36 [S]). [U]
        loan_rejection: share of appraised applications the Fund's board does not finance. [U]
        trades: the products groups form around, with their weights. [U]
        steps: the duration of each step.
    """

    group_rate: float = attrs.field(default=2.0, validator=_positive)
    branch_rate: float = attrs.field(default=1.0, validator=_positive)
    spread: float = attrs.field(default=3.0, validator=_positive)
    urban_share: float = attrs.field(default=0.25, validator=_share)
    group_median: float = attrs.field(default=12.0, validator=_positive)
    group_range: tuple[int, int] = (5, 40)
    branch_median: float = attrs.field(default=32.0, validator=_positive)
    branch_range: tuple[int, int] = (15, 70)
    faulty_dossier: float = attrs.field(default=0.12, validator=_share)
    withdraw_after_refusal: float = attrs.field(default=0.25, validator=_share)
    rejection: float = attrs.field(default=0.03, validator=_share)
    abandon: float = attrs.field(default=0.05, validator=_share)
    review: bool = True
    rating_shares: tuple[float, float, float, float] = (0.25, 0.45, 0.25, 0.05)
    dissolve_rate: float = attrs.field(default=0.01, validator=_share)
    convert_rate: float = attrs.field(default=0.02, validator=_share)
    merge_rate: float = attrs.field(default=0.01, validator=_share)
    split_rate: float = attrs.field(default=0.05, validator=_share)
    union_share: float = attrs.field(default=0.9, validator=_share)
    other_trade_share: float = attrs.field(default=0.3, validator=_share)
    outreach_rate: float = attrs.field(default=2.0, validator=_positive)
    outreach_attendance: float = attrs.field(default=0.25, validator=_share)
    cadre_rate: float = attrs.field(default=1.0, validator=_positive)
    cadre_attendance: float = attrs.field(default=0.4, validator=_share)
    training_rate: float = attrs.field(default=1.0, validator=_positive)
    training_delay: int = attrs.field(default=60, validator=_positive)
    training_attendance: float = attrs.field(default=0.75, validator=_share)
    loan_rate: float = attrs.field(default=0.05, validator=_positive)
    loan_share: float = attrs.field(default=0.5, validator=_share)
    loan_amount: tuple[int, int] = attrs.field(default=(20_000_000, 80_000_000), validator=_span)
    loan_months: tuple[int, int] = attrs.field(default=(12, 36), validator=_span)
    loan_rejection: float = attrs.field(default=0.1, validator=_share)
    trades: tuple[tuple[str, float], ...] = (
        ("lua", 3.0),  # rice
        ("rau", 2.0),  # vegetables
        ("cay_an_qua", 2.0),  # fruit
        ("chan_nuoi_lon", 1.5),  # pigs
        ("chan_nuoi_gia_cam", 1.5),  # poultry
        ("nuoi_trong_thuy_san", 1.2),  # aquaculture
        ("che", 0.8),  # tea
        ("ca_phe", 0.6),  # coffee
        ("cay_duoc_lieu", 0.5),  # medicinal plants
        ("nghe_thu_cong", 0.4),  # handicrafts
    )
    steps: Steps = Steps()

    @classmethod
    def from_mapping(cls, value: Mapping[str, Any], *, where: str = "$.behaviour") -> Behaviour:
        """A behaviour from plain data (a scenario file's ``behaviour:``); unknown keys and bad values are
        a :class:`~hoinghe.errors.DefinitionError` naming each one."""
        problems: list[Diagnostic] = []
        known = {a.name for a in attrs.fields(cls)}
        changes: dict[str, Any] = {}
        for key, item in value.items():
            if key not in known:
                close = difflib.get_close_matches(key, sorted(known), n=1)
                hint = (
                    Text(f"; có phải {close[0]!r}?", f"; did you mean {close[0]!r}?")
                    if close
                    else Text.same("")
                )
                message = (
                    Text(f"không có thiết lập hành vi {key!r}", f"unknown behaviour setting {key!r}") + hint
                )
                problems.append(Diagnostic("HNG-S001", message, f"{where}.{key}"))
            elif key == "steps":
                try:
                    changes[key] = Steps(**{k: tuple(v) for k, v in dict(item).items()})
                except (TypeError, ValueError) as exc:
                    problems.append(Diagnostic("HNG-S004", _problem("steps", exc), f"{where}.steps"))
            elif key == "trades":
                try:
                    changes[key] = tuple((str(k), float(v)) for k, v in dict(item).items())
                except (TypeError, ValueError) as exc:
                    problems.append(Diagnostic("HNG-S004", _problem("trades", exc), f"{where}.trades"))
            else:
                changes[key] = tuple(item) if isinstance(item, list) else item
        if not problems:
            try:
                return attrs.evolve(DEFAULT, **changes)
            except (TypeError, ValueError) as exc:
                problems.append(Diagnostic("HNG-S004", _problem("", exc), where))
        raise DefinitionError(problems)


def _problem(setting: str, exc: Exception) -> Text:
    """What was wrong with a setting, in both languages (a validator's :class:`Text`, or Python's own words)."""
    cause = exc.args[0] if exc.args and isinstance(exc.args[0], Text) else Text.same(str(exc))
    return Text.same(f"{setting}: ") + cause if setting else cause


#: The behaviour the simulator uses unless told otherwise.
DEFAULT = Behaviour()

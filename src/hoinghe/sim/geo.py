"""The administrative geography of Vietnam: provinces, districts and communes to run simulations over.

Two profiles, matching the organisation profiles of the same names:

``vn-2019``
    The structure before 1 Jul 2025: 63 provinces, about 700 districts, about 10,000 communes (xã, phường,
    thị trấn), as the General Statistics Office listed them on 4 Jan 2025.  Shipped with hoinghe as
    ``data/vn-2019.json.gz``, built by ``scripts/build_geo_data.py`` from ``vietnam-provinces`` 0.6.0.
``vn-2025``
    The structure from 1 Jul 2025: 34 provinces and 3,321 communes (xã, phường, đặc khu) with no district
    level.  Read from the ``vietnam-provinces`` package (2025 releases), installed by ``hoinghe[provinces]``.

>>> root = country("vn-2019")
>>> select(root, province="tuyen quang", district="Na Hang").name
'Huyện Na Hang'
>>> slug("Xã Thượng Lâm")
'thuong-lam'
"""

from __future__ import annotations

import difflib
import functools
import gzip
import importlib.resources
import json
import re
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any, Literal, get_args

import attrs

from hoinghe.errors import MissingDependency, NotFound
from hoinghe.i18n import Text

__all__ = [
    "PROFILES",
    "AmbiguousDivision",
    "Division",
    "DivisionNotFound",
    "Level",
    "MissingDependency",
    "country",
    "select",
    "slug",
]

Level = Literal["country", "province", "district", "commune"]

#: The geography profiles :func:`country` knows.
PROFILES = ("vn-2019", "vn-2025")

_SHIPPED = {"vn-2019": "vn-2019.json.gz"}
_FORMAT = 1
_LEVELS: tuple[Level, ...] = get_args(Level)
# Commune types where farmers' union branches mostly live.
_RURAL = frozenset({"xã", "thị trấn"})
# Longest first, so that "thành phố trung ương" is not read as "thành phố".
_PREFIXES = (
    "thành phố trung ương",
    "thành phố",
    "thị trấn",
    "thị xã",
    "đặc khu",
    "phường",
    "huyện",
    "quận",
    "tỉnh",
    "xã",
)
_SHOWN = 12  # candidates listed in an ambiguity error; the rest are counted

#: The levels as a message names them.
_LEVEL_NAMES: dict[str, Text] = {
    "country": Text("quốc gia", "country"),
    "province": Text("tỉnh", "province"),
    "district": Text("huyện", "district"),
    "commune": Text("xã", "commune"),
}


def _children_repr(children: tuple[Division, ...]) -> str:
    return f"<{len(children)} units>"


@attrs.frozen(cache_hash=True)
class Division:
    """One administrative unit and the units under it.

    Attributes:
        code: the General Statistics Office code, fixed-width per level: ``"08"`` (province), ``"071"``
            (district), ``"02215"`` (commune); ``"VN"`` for the country.  Unique within a level.
        name: the full Vietnamese name with its type: ``"Tỉnh Tuyên Quang"``, ``"Huyện Na Hang"``.
        level: ``"country"``, ``"province"``, ``"district"`` or ``"commune"``.
        type: the division type in lower-case Vietnamese: ``"tỉnh"``, ``"thành phố trung ương"``, ``"huyện"``,
            ``"quận"``, ``"thị xã"``, ``"thành phố"``, ``"xã"``, ``"phường"``, ``"thị trấn"``, ``"đặc khu"``.
        children: the units one level down, sorted by code.
    """

    code: str
    name: str
    level: Level
    type: str
    children: tuple[Division, ...] = attrs.field(default=(), repr=_children_repr)

    @property
    def short_name(self) -> str:
        """The name without its type: ``"Tỉnh Tuyên Quang"`` -> ``"Tuyên Quang"``."""
        return _strip_type(self.name)

    @property
    def is_rural(self) -> bool:
        """Whether this is a rural commune (a xã or a thị trấn), where most farmers' union branches are."""
        return self.level == "commune" and self.type in _RURAL

    def walk(self) -> Iterator[Division]:
        """This unit and every unit under it, parents before children, in code order."""
        stack = [self]
        while stack:
            unit = stack.pop()
            yield unit
            stack.extend(reversed(unit.children))

    def communes(self) -> tuple[Division, ...]:
        """Every commune at or under this unit, in code order."""
        return tuple(unit for unit in self.walk() if unit.level == "commune")

    def count(self, level: Level) -> int:
        """How many units of ``level`` are at or under this unit."""
        return sum(1 for unit in self.walk() if unit.level == level)


class DivisionNotFound(NotFound):
    """No unit matches what :func:`select` was asked for; the message names it and suggests close names.

    ``suggestions`` holds the full names of the closest units (possibly none).
    """

    def __init__(
        self, message: Text | str, *, kind: Text | str, key: str, suggestions: Sequence[str] = ()
    ) -> None:
        self.kind, self.key = kind if isinstance(kind, Text) else Text.same(kind), key
        self.suggestions = tuple(suggestions)
        super(NotFound, self).__init__(message)


class AmbiguousDivision(DivisionNotFound):
    """A name matches several units; ``candidates`` holds them.  Narrow it with a parent, the type or the code."""

    def __init__(self, message: Text, *, kind: Text | str, key: str, candidates: Sequence[Division]) -> None:
        self.candidates = tuple(candidates)
        super().__init__(message, kind=kind, key=key, suggestions=[unit.name for unit in candidates])


# ---------------------------------------------------------------------------------------------------- names


def _fold(text: str) -> str:
    """Lower-case ASCII with single spaces: ``"Tỉnh  Đắk Lắk"`` -> ``"tinh dak lak"``."""
    # đ is a letter of its own, not d with a mark, so NFD leaves it alone.
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def _exact(text: str) -> str:
    """Case-insensitive but accent-sensitive form, with single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _strip_type(name: str) -> str:
    text = " ".join(unicodedata.normalize("NFC", name).split())
    lowered = text.casefold()
    for prefix in _PREFIXES:
        if lowered.startswith(prefix + " "):
            return text[len(prefix) + 1 :]
    return text


def slug(name: str) -> str:
    """An ASCII id from a Vietnamese name, without its type: ``"Xã Thượng Lâm"`` -> ``"thuong-lam"``.

    Slugs are readable, not unique: dozens of communes are called Tân Lập.  Ids that must be unique combine a
    slug with the unit's :attr:`Division.code`, which is unique within its level.
    """
    return re.sub(r"[^a-z0-9]+", "-", _fold(_strip_type(name))).strip("-")


@functools.cache
def _keys(name: str) -> tuple[str, str, str, str]:
    """The forms a query is compared with, strictest first: exact, exact without type, folded, folded bare."""
    bare = _strip_type(name)
    return _exact(name), _exact(bare), _fold(name), _fold(bare)


# ---------------------------------------------------------------------------------------------------- loading


def country(profile: str = "vn-2019") -> Division:
    """The whole country in ``profile``'s structure, loaded once and shared.

    Raises:
        NotFound: ``profile`` is not one of :data:`PROFILES`.
        MissingDependency: ``vn-2025`` needs ``vietnam-provinces`` 2025 or later (``hoinghe[provinces]``).
    """
    if profile not in PROFILES:
        raise NotFound(Text("bản đồ hành chính", "geography profile"), profile, known=PROFILES)
    return _load(profile)


@functools.cache
def _load(profile: str) -> Division:
    if profile in _SHIPPED:
        return _load_shipped(profile)
    return _load_2025()


def _country(provinces: Sequence[Division]) -> Division:
    return Division("VN", "Việt Nam", "country", "quốc gia", tuple(sorted(provinces, key=lambda u: u.code)))


def _load_shipped(profile: str) -> Division:
    data = importlib.resources.files("hoinghe.sim").joinpath("data", _SHIPPED[profile]).read_bytes()
    return _decode(data, profile, where=f"hoinghe/sim/data/{_SHIPPED[profile]}")


def _decode(data: bytes, profile: str, *, where: str) -> Division:
    """The country held by a file written by ``scripts/build_geo_data.py``."""
    doc: dict[str, Any] = json.loads(gzip.decompress(data))
    if doc.get("profile") != profile or doc.get("format") != _FORMAT:
        got, fmt = doc.get("profile"), doc.get("format")
        msg = Text(
            f"{where}: cần bản đồ hành chính {profile!r} định dạng {_FORMAT}, nhưng tệp có {got!r} định dạng {fmt!r}",
            f"{where}: expected geography profile {profile!r} in format {_FORMAT}, found profile {got!r} in format "
            f"{fmt!r}",
        )
        raise ValueError(msg)
    types: dict[str, str] = doc["types"]

    def build(row: list[Any], depth: int) -> Division:
        code, name, kind, children = row
        subtree = tuple(build(child, depth + 1) for child in children)
        return Division(code, name, _LEVELS[depth], types[kind], subtree)

    return _country([build(row, 1) for row in doc["units"]])


def _load_2025() -> Division:
    hint = Text(
        "bản đồ hành chính vn-2025 cần vietnam-provinces từ bản 2025: pip install 'hoinghe[provinces]'",
        "the vn-2025 geography needs vietnam-provinces 2025 or later: pip install 'hoinghe[provinces]'",
    )
    try:
        import vietnam_provinces  # noqa: PLC0415  # an optional extra, imported only when asked for
        from vietnam_provinces import Province, Ward  # noqa: PLC0415
    except ImportError as exc:
        raise MissingDependency(hint + f" ({exc})") from exc
    version = str(getattr(vietnam_provinces, "__version__", "0"))
    if int(version.split(".", 1)[0]) < 2025:  # noqa: PLR2004  # releases are numbered by year since 2025
        raise MissingDependency(
            hint + Text(f" (đang có bản {version})", f" (found vietnam-provinces {version})")
        )
    wards: dict[int, list[Division]] = {}
    for ward in Ward.iter_all():
        unit = Division(f"{ward.code:05d}", ward.name, "commune", ward.division_type.value.lower())
        wards.setdefault(int(ward.province_code), []).append(unit)
    provinces = []
    for province in Province.iter_all():
        kind = province.division_type.value.lower()
        # The package names a tỉnh without its type ("Tuyên Quang") but a city with it ("Thành phố Huế").
        name = province.name if _strip_type(province.name) != province.name else f"Tỉnh {province.name}"
        communes = tuple(sorted(wards.get(int(province.code), ()), key=lambda u: u.code))
        provinces.append(Division(f"{province.code:02d}", name, "province", kind, communes))
    return _country(provinces)


# ---------------------------------------------------------------------------------------------------- select


def select(
    root: Division, *, province: str | None = None, district: str | None = None, commune: str | None = None
) -> Division:
    """The unit named by ``province``, ``district`` and ``commune``, each looked for under the one before.

    Each is a code (``"08"``, ``"8"``) or a name, matched without regard to case, accents or the type prefix:
    ``"Tuyên Quang"``, ``"tuyen quang"``, ``"Tỉnh Tuyên Quang"`` and ``"TUYÊN QUANG"`` are the same province.
    A stricter match wins over a looser one (accents, then the type prefix), so ``"Thị xã Kỳ Anh"`` tells the
    town from ``"Huyện Kỳ Anh"``.  Without a province a district is looked for in the whole country, and without
    either a commune too.  With none of them, ``root`` itself is returned.

    Raises:
        DivisionNotFound: nothing matches (the message suggests close names), or the structure has no such
            level (``vn-2025`` has no districts).
        AmbiguousDivision: several units match; the message lists them with their parents.
    """
    unit = root
    steps: tuple[tuple[Level, str | None], ...] = (
        ("province", province),
        ("district", district),
        ("commune", commune),
    )
    for level, query in steps:
        if query is not None:
            unit = _find(unit, level, query)
    return unit


def _under(
    scope: Division, level: Level, parents: tuple[Division, ...] = ()
) -> Iterator[tuple[Division, tuple[Division, ...]]]:
    """Every unit of ``level`` under ``scope``, with its parents below the scope (nearest last)."""
    for child in scope.children:
        if child.level == level:
            yield child, parents
        elif child.level != "commune":
            yield from _under(child, level, (*parents, child))


def _where(scope: Division) -> Text:
    return Text.same(scope.name) if scope.level != "country" else Text("cả nước", "the whole country")


def _describe(unit: Division, parents: tuple[Division, ...]) -> Text:
    within = "".join(f"{parent.name}, " for parent in reversed(parents))
    return Text(f"{unit.name} ({within}mã {unit.code})", f"{unit.name} ({within}code {unit.code})")


def _find(scope: Division, level: Level, query: str) -> Division:
    units = list(_under(scope, level))
    if not units:
        flat = level == "district" and scope.level in {"country", "province"}
        why = (
            Text(
                " (theo cơ cấu vn-2025, xã trực thuộc tỉnh)",
                " (the vn-2025 structure has communes directly under provinces)",
            )
            if flat
            else Text.same("")
        )
        where, name = _where(scope), _LEVEL_NAMES[level]
        msg = Text(
            f"{where.vi} không có cấp {name.vi}{why.vi}; không tìm được {name.vi} {query!r}",
            f"{where.get('en')} has no {name.get('en')} level{why.get('en')}; cannot look for {name.get('en')} {query!r}",
        )
        raise DivisionNotFound(msg, kind=name, key=query)
    wanted = query.strip()
    if wanted.isdigit():
        found = [(unit, parents) for unit, parents in units if int(unit.code) == int(wanted)]
    else:
        found = []
        # Strictest form first: exact, exact without the type, without accents, without accents and type.
        for form, key in enumerate((_exact(wanted), _exact(wanted), _fold(wanted), _fold(wanted))):
            found = [(unit, parents) for unit, parents in units if _keys(unit.name)[form] == key]
            if found:
                break
    if len(found) == 1:
        return found[0][0]
    if found:
        shown = Text.join("; ", [_describe(unit, parents) for unit, parents in found[:_SHOWN]])
        extra = len(found) - _SHOWN
        more = Text(f" và {extra} đơn vị khác", f" and {extra} more") if extra > 0 else Text.same("")
        where, name, n = _where(scope), _LEVEL_NAMES[level], len(found)
        msg = Text(
            f"{name.vi} {query!r} ở {where.vi} chưa rõ, có {n} đơn vị trùng: {shown.vi}{more.vi}; "
            "hãy ghi mã, tên kèm loại (xã, phường, huyện...) hoặc đơn vị cấp trên",
            f"{name.get('en')} {query!r} in {where.get('en')} is ambiguous, {n} match: {shown.get('en')}{more.get('en')}; "
            "give the code, the type prefix or the unit above it",
        )
        raise AmbiguousDivision(msg, kind=name, key=query, candidates=[unit for unit, _ in found])
    raise _miss(scope, level, query, [unit for unit, _ in units])


def _miss(scope: Division, level: Level, query: str, units: Sequence[Division]) -> DivisionNotFound:
    by_key: dict[str, list[str]] = {}
    for unit in units:
        for key in {_keys(unit.name)[2], _keys(unit.name)[3]}:
            by_key.setdefault(key, []).append(unit.name)
    close = difflib.get_close_matches(_fold(query), by_key, n=5, cutoff=0.6)
    suggestions = list(dict.fromkeys(name for key in close for name in by_key[key]))
    where, name, names, n = _where(scope), _LEVEL_NAMES[level], ", ".join(suggestions), len(units)
    hint = (
        Text(f"; có phải {names}?", f"; did you mean {names}?")
        if suggestions
        else Text(f" (ở đó có {n} {name.vi})", f" ({n} {name.get('en')}s there)")
    )
    msg = Text(
        f"không có {name.vi} {query!r} ở {where.vi}{hint.vi}",
        f"no {name.get('en')} {query!r} in {where.get('en')}{hint.get('en')}",
    )
    return DivisionNotFound(msg, kind=name, key=query, suggestions=suggestions)

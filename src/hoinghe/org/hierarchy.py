"""The hierarchy of the Union as data: an ordered list of levels, top first."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from hoinghe.errors import Diagnostic, NotFound
from hoinghe.org.text import Text

__all__ = ["UNIT_KINDS", "Hierarchy", "Level", "check_hierarchy"]

#: Kinds of branch and group: by residence (village) or by trade.
UNIT_KINDS = ("residential", "professional")


@attrs.frozen
class Level:
    """One level of the hierarchy.

    Attributes:
        id: ``province``, ``commune``, ``group`` ...
        title: the level's name in Vietnamese and English.
        kinds: the unit kinds allowed at this level (branches and groups: residential, professional);
            empty for the administrative levels.
        parents: the levels a unit of this level may sit under; empty means the level just above.
            A group may sit in a branch or directly under the commune union: ``parents: [branch, commune]``.
    """

    id: str
    title: Text
    kinds: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()


@attrs.frozen
class Hierarchy:
    """Levels from the top (``central``) down (``group``).  Queries take level ids."""

    levels: tuple[Level, ...]
    _index: dict[str, int] = attrs.field(init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_index", {lvl.id: i for i, lvl in enumerate(self.levels)})

    def __iter__(self) -> Iterator[Level]:
        return iter(self.levels)

    def __contains__(self, level_id: object) -> bool:
        return level_id in self._index

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(lvl.id for lvl in self.levels)

    def level(self, level_id: str) -> Level:
        """The level with this id; :class:`~hoinghe.errors.NotFound` if there is none."""
        try:
            return self.levels[self._index[level_id]]
        except KeyError:
            raise NotFound(Text("cấp", "level"), level_id, known=self._index) from None

    def depth(self, level_id: str) -> int:
        """0 for the top level, growing downwards."""
        self.level(level_id)
        return self._index[level_id]

    def is_above(self, upper: str, lower: str) -> bool:
        """True when ``upper`` is strictly higher in the hierarchy than ``lower``."""
        return self.depth(upper) < self.depth(lower)

    def parent_levels(self, level_id: str) -> tuple[str, ...]:
        """The levels a unit of ``level_id`` may sit under (the level above unless declared)."""
        level = self.level(level_id)
        if level.parents:
            return level.parents
        i = self._index[level_id]
        return (self.levels[i - 1].id,) if i > 0 else ()


def check_hierarchy(hierarchy: Hierarchy, path: str = "$.hierarchy") -> list[Diagnostic]:
    """Every problem with a hierarchy: no levels, duplicate levels, parents that are not above their child."""
    out: list[Diagnostic] = []
    if not hierarchy.levels:
        empty = Text(
            "hệ thống cấp không có cấp nào; hãy liệt kê các cấp, từ cấp cao nhất xuống",
            "the hierarchy has no levels; list them top first",
        )
        return [Diagnostic("HNG-H003", empty, f"{path}.levels")]
    seen: dict[str, int] = {}
    for i, level in enumerate(hierarchy.levels):
        if level.id in seen:
            out.append(
                Diagnostic(
                    "HNG-H001",
                    Text(
                        f"cấp {level.id!r} được liệt kê hai lần (lần kia ở vị trí {seen[level.id]})",
                        f"level {level.id!r} is listed twice (also at index {seen[level.id]})",
                    ),
                    f"{path}.levels[{i}].id",
                )
            )
        seen.setdefault(level.id, i)
    for i, level in enumerate(hierarchy.levels):
        above = ", ".join(repr(lv.id) for lv in hierarchy.levels[:i])
        for j, parent in enumerate(level.parents):
            if parent not in seen or seen[parent] >= i:
                out.append(
                    Diagnostic(
                        "HNG-H002",
                        Text(
                            f"cấp {level.id!r} lấy {parent!r} làm cấp cha, nhưng cấp cha phải là một trong các cấp "
                            f"nằm trên nó ({above or 'không có'})",
                            f"level {level.id!r} names {parent!r} as a parent, but the levels above it are "
                            f"{above or 'none'}",
                        ),
                        f"{path}.levels[{i}].parents[{j}]",
                    )
                )
        for j, kind in enumerate(level.kinds):
            if kind not in UNIT_KINDS:
                out.append(
                    Diagnostic(
                        "HNG-W015",
                        Text(
                            f"loại đơn vị {kind!r} không thuộc các loại {', '.join(UNIT_KINDS)}",
                            f"unit kind {kind!r} is not one of {', '.join(UNIT_KINDS)}",
                        ),
                        f"{path}.levels[{i}].kinds[{j}]",
                    )
                )
    return out

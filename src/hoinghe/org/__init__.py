"""The domain: the hierarchy of the Union as data, the organisation as records, and text in two languages."""

from hoinghe.org.hierarchy import UNIT_KINDS, Hierarchy, Level, check_hierarchy
from hoinghe.org.model import Actor, Member, RoleGrant, Unit, UnitStatus
from hoinghe.org.registry import COMMUNE_LEVEL, RELATIVE_UNITS, Org
from hoinghe.org.text import Language, Text

__all__ = [
    "COMMUNE_LEVEL",
    "RELATIVE_UNITS",
    "UNIT_KINDS",
    "Actor",
    "Hierarchy",
    "Language",
    "Level",
    "Member",
    "Org",
    "RoleGrant",
    "Text",
    "Unit",
    "UnitStatus",
    "check_hierarchy",
]

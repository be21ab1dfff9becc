"""The domain: the hierarchy of the Union as data, and text in two languages."""

from hoinghe.org.hierarchy import UNIT_KINDS, Hierarchy, Level, check_hierarchy
from hoinghe.org.text import Language, Text

__all__ = ["UNIT_KINDS", "Hierarchy", "Language", "Level", "Text", "check_hierarchy"]

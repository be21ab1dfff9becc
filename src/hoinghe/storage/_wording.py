"""What every store says when a record is missing or a commit conflicts, worded once for all of them."""

from __future__ import annotations

from hoinghe.errors import ConflictError
from hoinghe.i18n import Text

#: The kinds of record a lookup may not find, as :class:`~hoinghe.errors.NotFound` names them.
UNIT = Text("đơn vị", "unit")
MEMBER = Text("hội viên", "member")
ACTOR = Text("người thực hiện", "actor")
CASE = Text("hồ sơ", "case")
VERSION = Text("phiên bản định nghĩa", "definition version")


def stale_case(case_id: str, actual: int | None, expected: int) -> ConflictError:
    """The case is no longer at the version the decision read."""
    message = Text(
        f"hồ sơ {case_id} đang ở phiên bản {actual}, không phải {expected}; hãy đọc lại hồ sơ",
        f"case {case_id} is at version {actual}, not {expected}; read it again",
    )
    return ConflictError(message, expected=expected, actual=actual)


def unit_changed(unit_id: str, case_id: str) -> ConflictError:
    """A unit the decision changes is no longer as the decision read it."""
    return ConflictError(
        Text(
            f"đơn vị {unit_id} đã thay đổi từ khi hồ sơ {case_id} đọc nó; hãy đọc lại",
            f"unit {unit_id} changed since case {case_id} read it; read it again",
        )
    )

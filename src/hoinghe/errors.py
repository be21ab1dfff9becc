"""Errors and diagnostics: every problem hoinghe reports, with a stable code.

The tree::

    HoingheError                       root of everything hoinghe raises
    +-- DefinitionError (ValueError)   a profile, workflow or rule pack is invalid;
    |                                  carries every Diagnostic found, not just the first
    +-- NotFound (KeyError)            no profile, workflow, rule pack, case, unit ... with that id
    +-- ExpressionError (ValueError)   a rule expression cannot be parsed, type-checked or evaluated
    +-- DiagramError (RuntimeError)    a diagram could not be drawn (defined in hoinghe.definitions.diagram)
    +-- Refused                        a transition may not fire; carries the Verdict with every blocker
    |                                  (defined in hoinghe.engine.verdict)
    +-- ConflictError                  the case (or a unit it changes) moved on since it was read; read again
    |   +-- IdempotencyError           an idempotency key was used before for a different request
    +-- MigrationError (ValueError)    moving running cases to another definition version would strand one
    +-- StorageError                   the store failed (I/O, disk full, connection); nothing was written
    +-- DeliveryError                  a notification was not delivered; ``permanent`` says whether to retry
    |                                  (defined in hoinghe.hooks.notifiers)
    +-- MissingDependency (ImportError) an optional extra is not installed; the message names it
    +-- ReportError (ValueError)       a report cannot be made as asked (defined in hoinghe.reports)

A refusal is made of *blockers*, each with a code of the ``HNG-B`` family below (permission, documents, rules ...).

A :class:`Diagnostic` is one problem found by a loader or a checker: a stable code (``HNG-W012``), a severity,
a message that names the offender and suggests the fix, the ``$.path`` inside the document and, when the
document came from a file, its ``file:line:column``.  :data:`CODES` is the catalogue of every code with a short
title in English and Vietnamese; a test keeps it complete.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence

import attrs

from hoinghe.i18n import Language, Text

__all__ = [
    "CODES",
    "Code",
    "ConflictError",
    "DefinitionError",
    "Diagnostic",
    "ExpressionError",
    "HoingheError",
    "IdempotencyError",
    "MigrationError",
    "MissingDependency",
    "NotFound",
    "Severity",
    "SourceLocation",
    "StorageError",
    "format_path",
]


class Severity(enum.Enum):
    """How bad a diagnostic is: an ``error`` makes a definition unusable, a ``warning`` does not."""

    ERROR = "error"
    WARNING = "warning"


@attrs.frozen
class Code:
    """A diagnostic code in the catalogue: its default severity and what it means, in English and Vietnamese."""

    code: str
    severity: Severity
    en: str
    vi: str


def _codes(*rows: tuple[str, Severity, str, str]) -> dict[str, Code]:
    return {code: Code(code, severity, en, vi) for code, severity, en, vi in rows}


_E, _W = Severity.ERROR, Severity.WARNING

#: Every diagnostic code hoinghe emits.  Y: YAML syntax and safety, S: structure (keys, types),
#: W: workflow graph and references, P: profiles, H: hierarchy, R: rules and rule packs.
CODES: dict[str, Code] = _codes(
    (
        "HNG-Y001",
        _E,
        "file cannot be read or is not UTF-8 text",
        "không đọc được tệp hoặc tệp không phải văn bản UTF-8",
    ),
    ("HNG-Y002", _E, "YAML syntax error", "lỗi cú pháp YAML"),
    ("HNG-Y003", _E, "file too large", "tệp quá lớn"),
    ("HNG-Y004", _E, "anchors and aliases are not allowed", "không được dùng neo (&) và bí danh (*)"),
    ("HNG-Y005", _E, "tag not allowed", "không được dùng thẻ (tag) này"),
    ("HNG-Y006", _E, "nesting too deep", "lồng nhau quá sâu"),
    ("HNG-Y007", _E, "too many nodes in one document", "tài liệu có quá nhiều phần tử"),
    ("HNG-Y008", _E, "duplicate key", "khóa bị trùng"),
    ("HNG-Y009", _E, "a file must hold exactly one document", "mỗi tệp chỉ được chứa đúng một tài liệu"),
    ("HNG-Y010", _E, "mapping key must be a plain string", "khóa phải là chuỗi ký tự"),
    ("HNG-S001", _E, "unknown key", "khóa không hợp lệ"),
    ("HNG-S002", _E, "required key missing", "thiếu khóa bắt buộc"),
    ("HNG-S003", _E, "value has the wrong type", "giá trị sai kiểu"),
    ("HNG-S004", _E, "invalid value", "giá trị không hợp lệ"),
    (
        "HNG-S005",
        _E,
        "unsupported format version (`hoinghe:`)",
        "phiên bản định dạng (`hoinghe:`) không được hỗ trợ",
    ),
    ("HNG-S006", _E, "unknown or missing document kind (`kind:`)", "thiếu hoặc sai loại tài liệu (`kind:`)"),
    ("HNG-S007", _E, "too many items", "quá nhiều mục"),
    ("HNG-S008", _E, "duplicate document id", "trùng mã tài liệu"),
    ("HNG-W001", _E, "unknown state", "trạng thái không tồn tại"),
    ("HNG-W002", _E, "duplicate id", "mã bị trùng"),
    (
        "HNG-W003",
        _E,
        "state unreachable from the initial state",
        "trạng thái không thể đến được từ trạng thái đầu",
    ),
    (
        "HNG-W004",
        _E,
        "no path from this state to a final state",
        "không có đường từ trạng thái này đến trạng thái kết thúc",
    ),
    ("HNG-W005", _E, "transition leaves a final state", "chuyển tiếp đi ra từ trạng thái kết thúc"),
    ("HNG-W006", _E, "unknown role", "vai trò không được khai báo"),
    ("HNG-W007", _E, "unknown level", "cấp không được khai báo"),
    ("HNG-W008", _E, "undeclared document", "hồ sơ không được khai báo"),
    ("HNG-W009", _E, "unknown rule id", "mã quy tắc không tồn tại"),
    ("HNG-W010", _E, "unknown effect", "tác động không tồn tại"),
    (
        "HNG-W011",
        _E,
        "timer refers to a transition it cannot fire",
        "bộ hẹn giờ gọi một chuyển tiếp không hợp lệ",
    ),
    ("HNG-W012", _E, "approval quorum cannot be reached", "không thể đạt số phê duyệt tối thiểu"),
    (
        "HNG-W013",
        _E,
        "unknown check code in `checks.disable`",
        "mã kiểm tra không tồn tại trong `checks.disable`",
    ),
    (
        "HNG-W014",
        _W,
        "state has no transition and is not final",
        "trạng thái không có chuyển tiếp và không phải trạng thái kết thúc",
    ),
    ("HNG-W015", _E, "unit kind not allowed at this level", "loại đơn vị không hợp lệ ở cấp này"),
    ("HNG-W016", _E, "a notification is malformed", "thông báo khai báo không hợp lệ"),
    (
        "HNG-W017",
        _E,
        "a plan's dates or targets are inconsistent",
        "kế hoạch có mốc thời gian hoặc chỉ tiêu không hợp lệ",
    ),
    ("HNG-W018", _E, "an emulation criterion is malformed", "tiêu chí thi đua không hợp lệ"),
    (
        "HNG-W019",
        _E,
        "an outreach or training record is malformed",
        "bản ghi tuyên truyền, tập huấn không hợp lệ",
    ),
    (
        "HNG-W020",
        _E,
        "a fund application or its ranking is malformed",
        "hồ sơ vay vốn hoặc cách xếp thứ tự không hợp lệ",
    ),
    ("HNG-W021", _E, "a draft rule pack cannot be compared", "dự thảo bộ quy định không thể so sánh"),
    (
        "HNG-P001",
        _E,
        "profile refers to an unknown workflow",
        "hồ sơ cấu hình tham chiếu quy trình không tồn tại",
    ),
    (
        "HNG-P002",
        _E,
        "profile refers to an unknown rule pack",
        "hồ sơ cấu hình tham chiếu bộ quy tắc không tồn tại",
    ),
    (
        "HNG-P003",
        _E,
        "profile extends an unknown profile, or extends in a cycle",
        "hồ sơ cấu hình kế thừa không hợp lệ",
    ),
    ("HNG-P004", _E, "profile has no hierarchy", "hồ sơ cấu hình không có hệ thống cấp"),
    ("HNG-H001", _E, "duplicate level", "cấp bị trùng"),
    ("HNG-H002", _E, "a level's parent must be a level above it", "cấp cha phải nằm trên cấp con"),
    ("HNG-H003", _E, "hierarchy has no levels", "hệ thống cấp rỗng"),
    ("HNG-R001", _E, "rule expression syntax error", "lỗi cú pháp biểu thức quy tắc"),
    (
        "HNG-R002",
        _E,
        "rule expression type error or unknown field",
        "biểu thức quy tắc sai kiểu hoặc dùng trường không tồn tại",
    ),
    ("HNG-R003", _E, "rule expression too large or too deep", "biểu thức quy tắc quá dài hoặc lồng quá sâu"),
    (
        "HNG-R004",
        _E,
        "a pack loosens a parameter it may only tighten",
        "bộ quy tắc nới lỏng một tham số chỉ được thắt chặt",
    ),
    ("HNG-R005", _E, "unknown parameter", "tham số không tồn tại"),
    ("HNG-R006", _E, "duplicate rule id", "mã quy tắc bị trùng"),
    (
        "HNG-R007",
        _E,
        "message template refers to an unknown field",
        "mẫu thông báo dùng trường không tồn tại",
    ),
    (
        "HNG-B001",
        _E,
        "the transition cannot fire from the case's state",
        "không thể chuyển bước từ trạng thái hiện tại",
    ),
    ("HNG-B002", _E, "the actor lacks the role required", "người thực hiện không giữ vai trò được yêu cầu"),
    (
        "HNG-B003",
        _E,
        "the proposer may not decide its own proposal",
        "người đề xuất không được tự quyết định đề xuất của mình",
    ),
    ("HNG-B004", _E, "a required document is missing", "thiếu tài liệu bắt buộc"),
    ("HNG-B005", _E, "a rule does not hold", "không đáp ứng quy định"),
    ("HNG-B006", _E, "approvals have not reached the quorum", "chưa đủ số cơ quan phê duyệt"),
    ("HNG-B007", _E, "the case is closed", "hồ sơ đã kết thúc"),
    ("HNG-B008", _E, "the case data cannot be applied", "dữ liệu của hồ sơ không áp dụng được"),
    ("HNG-B009", _E, "this step does not take that document", "bước này không nhận loại tài liệu đó"),
    (
        "HNG-B010",
        _E,
        "the subject is not the kind of unit the workflow acts on",
        "đối tượng không thuộc loại đơn vị mà quy trình áp dụng",
    ),
)


@attrs.frozen(order=True)
class SourceLocation:
    """Where a problem is: a file (or ``<string>``), a 1-based line and a 1-based column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


def format_path(parts: Iterable[str | int]) -> str:
    """Render a path inside a document as JSONPath: ``("transitions", 2, "to")`` -> ``$.transitions[2].to``."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _as_text(message: Text | str) -> Text:
    return message if isinstance(message, Text) else Text.same(str(message))


@attrs.frozen
class Diagnostic:
    """One problem found in a definition.

    Attributes:
        code: a key of :data:`CODES`, stable across releases.
        message: names the offender and, where possible, the fix, in Vietnamese and English (a plain string is
            taken as the same text in both).
        path: where in the document, as ``$.transitions[2].to``.
        location: the file, line and column, when the document came from a file or string.
        severity: defaults to the code's severity in the catalogue.
    """

    code: str
    message: Text = attrs.field(converter=_as_text)
    path: str = "$"
    location: SourceLocation | None = None
    severity: Severity = attrs.field()

    @severity.default
    def _default_severity(self) -> Severity:
        known = CODES.get(self.code)
        return known.severity if known else Severity.ERROR  # an unknown code is refused just below

    def __attrs_post_init__(self) -> None:
        if self.code not in CODES:
            msg = Text(
                f"mã chẩn đoán {self.code!r} không có trong hoinghe.errors.CODES",
                f"diagnostic code {self.code!r} is not in hoinghe.errors.CODES",
            )
            raise ValueError(msg)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def at(self, location: SourceLocation | None) -> Diagnostic:
        """This diagnostic placed at ``location`` (kept where it already has one)."""
        if self.location is not None or location is None:
            return self
        return attrs.evolve(self, location=location)

    def describe(self, language: Language | None = None) -> str:
        """``file:line:col: CODE message`` in ``language`` (the one in force when not given)."""
        where = str(self.location) if self.location else self.path
        severity = "" if self.is_error else Text("cảnh báo: ", "warning: ").get(language)
        return f"{where}: {self.code} {severity}{self.message.get(language)}"

    def __str__(self) -> str:
        return self.describe()

    def to_json(self) -> dict[str, object]:
        """A plain dict for ``--json`` output: ``message`` in the language in force, ``messages`` in both."""
        loc = self.location
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": str(self.message),
            "messages": self.message.to_json(),
            "path": self.path,
            "file": loc.file if loc else None,
            "line": loc.line if loc else None,
            "column": loc.column if loc else None,
        }


class HoingheError(Exception):
    """Root of every error hoinghe raises on purpose.

    Its message is a :class:`~hoinghe.i18n.Text`: ``str(error)`` shows it in the language in force, and
    ``error.text`` holds both languages.
    """

    code = "HNG-E000"

    def __init__(self, message: Text | str = "", *args: object) -> None:
        self.text = message if isinstance(message, Text) else Text.same(message)
        super().__init__(self.text, *args)

    def __str__(self) -> str:
        return str(self.text)

    def describe(self, language: Language | None = None) -> str:
        """The message in ``language`` (the one in force when not given)."""
        return self.text.get(language)


class DefinitionError(HoingheError, ValueError):
    """A profile, workflow or rule pack is invalid.  ``diagnostics`` holds every problem found, in order."""

    code = "HNG-E001"

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        errors = [d for d in self.diagnostics if d.is_error] or list(self.diagnostics)
        n = len(errors)
        head = Text(f"{n} lỗi trong định nghĩa", f"{n} problem{'s' if n != 1 else ''} in the definition")
        lines = [Text(f"  {d.describe('vi')}", f"  {d.describe('en')}") for d in errors]
        super().__init__(Text.join("\n", [head, *lines]))


class NotFound(HoingheError, KeyError):
    """No object of that kind with that id.  Subclasses ``KeyError`` so a plain ``except KeyError`` catches it."""

    code = "HNG-E002"

    def __init__(self, kind: Text | str, key: str, *, known: Iterable[str] = ()) -> None:
        self.kind = kind if isinstance(kind, Text) else Text.same(kind)
        self.key = key
        names = sorted(known)
        shown = 20  # beyond this a list helps nobody (a province has thousands of units)
        listed = ", ".join(names) if 0 < len(names) <= shown else ""
        super().__init__(
            Text(
                f"không có {self.kind.vi} {key!r}" + (f"; hiện có: {listed}" if listed else ""),
                f"no {self.kind.get('en')} {key!r}" + (f"; known: {listed}" if listed else ""),
            )
        )

    def __str__(self) -> str:
        # KeyError's own __str__ would show the message in quotes.
        return str(self.text)


class ConflictError(HoingheError):
    """The case, or a unit the decision changes, moved on since it was read; nothing was written.

    Read the case again and decide again; ``expected`` and ``actual`` are the versions when known.
    """

    code = "HNG-E005"

    def __init__(
        self, message: Text | str, *, expected: int | None = None, actual: int | None = None
    ) -> None:
        self.expected, self.actual = expected, actual
        super().__init__(message)


class IdempotencyError(ConflictError):
    """The idempotency key was used before for a different request; nothing was written."""

    code = "HNG-E008"


class MigrationError(HoingheError, ValueError):
    """Moving running cases to another definition version would strand a case; nothing was moved."""

    code = "HNG-E007"


class StorageError(HoingheError):
    """The store failed (I/O error, disk full, lost connection); the transaction was rolled back whole."""

    code = "HNG-E006"


class MissingDependency(HoingheError, ImportError):
    """An optional dependency is not installed; the message says which extra to install."""

    code = "HNG-E011"


class ExpressionError(HoingheError, ValueError):
    """A rule expression is invalid (syntax, type, size) or failed at evaluation.

    ``column`` is 1-based inside the expression text, or 0 when not known.
    """

    code = "HNG-E003"

    def __init__(self, message: Text | str, *, code: str = "HNG-R001", column: int = 0) -> None:
        self.diagnostic_code = code
        self.column = column
        super().__init__(message)

"""Reading one document: safe YAML, the envelope (``hoinghe: 1``, ``kind:``), caps, structuring, locations."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, TypeAlias

import attrs
from cattrs.errors import BaseValidationError

from hoinghe.definitions.plan import PlanDef
from hoinghe.definitions.profile import ProfileDef
from hoinghe.definitions.rulepack import RulePack
from hoinghe.definitions.workflow import WorkflowDefinition
from hoinghe.errors import DefinitionError, Diagnostic, format_path
from hoinghe.i18n import Text
from hoinghe.loading._converter import InvalidValue, converter, flatten_errors
from hoinghe.loading._yaml import SourceMap, YamlLimits, parse_yaml

__all__ = [
    "FORMAT_VERSION",
    "KINDS",
    "Definition",
    "Document",
    "DocumentKind",
    "load_document",
    "read_document",
]

FORMAT_VERSION = 1
DocumentKind = Literal["profile", "workflow", "rules", "plan"]
Definition: TypeAlias = ProfileDef | WorkflowDefinition | RulePack | PlanDef
KINDS: dict[str, type[Definition]] = {
    "profile": ProfileDef,
    "workflow": WorkflowDefinition,
    "rules": RulePack,
    "plan": PlanDef,
}


@attrs.frozen
class Document:
    """A definition together with where it came from, so later checks can point at its lines."""

    kind: DocumentKind
    definition: Definition
    source_map: SourceMap

    @property
    def id(self) -> str:
        return self.definition.id

    @property
    def file(self) -> str:
        return self.source_map.file

    def locate(self, diagnostic: Diagnostic) -> Diagnostic:
        """``diagnostic`` with this document's file, line and column filled in from its ``$.path``."""
        return diagnostic.at(self.source_map.locate(diagnostic.path))


def read_document(
    source: str | bytes | Path, *, file: str | None = None, limits: YamlLimits | None = None
) -> tuple[Document | None, list[Diagnostic]]:
    """Read one document; never raises for bad input.

    Args:
        source: a path, or the YAML text or bytes themselves.
        file: the name shown in diagnostics (defaults to the path, or ``<string>``).
        limits: caps on size, depth and node count.

    Returns:
        The document (``None`` when it has errors) and every diagnostic found.
    """
    if isinstance(source, Path):
        file = file or str(source)
        try:
            data: str | bytes = source.read_bytes()
        except OSError as exc:
            reason = exc.strerror or str(exc)
            unread = Text(f"không đọc được tệp: {reason}", f"cannot read the file: {reason}")
            return None, [Diagnostic("HNG-Y001", unread, "$")]
    else:
        data = source
    parsed = parse_yaml(data, file or "<string>", limits)
    smap = parsed.source_map
    diagnostics = list(parsed.diagnostics)
    value = parsed.value
    if parsed.value is None and diagnostics:
        return None, diagnostics
    if not isinstance(value, dict):
        kind_of = type(value).__name__
        shown = Text("rỗng", "empty") if value is None else Text(f"là một {kind_of}", f"a {kind_of}")
        msg = Text(
            f"một tài liệu hoinghe là một mapping (khóa: giá trị) bắt đầu bằng `hoinghe: 1` và `kind:`; "
            f"tài liệu này {shown.vi}",
            f"a hoinghe document is a mapping starting with `hoinghe: 1` and `kind:`; this one is {shown.get('en')}",
        )
        return None, [*diagnostics, Diagnostic("HNG-S006", msg, "$", smap.locate("$"))]
    value = dict(value)
    version = value.pop("hoinghe", None)
    kind = value.pop("kind", None)
    if version != FORMAT_VERSION:
        got = _missing() if version is None else Text.same(repr(smap.plain.get("$.hoinghe", version)))
        msg = Text(
            f"`hoinghe:` phải là {FORMAT_VERSION} (phiên bản định dạng mà bản phát hành này đọc được); "
            f"giá trị hiện có: {got.vi}",
            f"`hoinghe:` must be {FORMAT_VERSION} (the format version this release reads); it is {got.get('en')}",
        )
        diagnostics.append(Diagnostic("HNG-S005", msg, "$.hoinghe", smap.locate("$.hoinghe")))
    if kind not in KINDS:
        kinds = ", ".join(KINDS)
        got = _missing() if kind is None else Text.same(repr(kind))
        msg = Text(
            f"`kind:` phải là một trong {kinds}; giá trị hiện có: {got.vi}",
            f"`kind:` must be one of {kinds}; it is {got.get('en')}",
        )
        diagnostics.append(Diagnostic("HNG-S006", msg, "$.kind", smap.locate("$.kind")))
        return None, diagnostics
    if any(d.is_error for d in diagnostics):
        return None, diagnostics
    try:
        definition = converter.structure(value, KINDS[kind])
    except (BaseValidationError, InvalidValue) as exc:
        for failure in flatten_errors(exc):
            path = format_path(failure.path)
            message = failure.message
            raw = smap.plain.get(path)
            if raw is not None and failure.quote:
                message += Text.same(f": '{raw}'")
            diagnostics.append(Diagnostic(failure.code, message, path, smap.locate(path, key=failure.at_key)))
        return None, diagnostics
    return Document(kind, definition, smap), diagnostics


def _missing() -> Text:
    return Text("(thiếu)", "missing")


def load_document(source: str | bytes | Path, *, file: str | None = None) -> Document:
    """Read one document, or raise :class:`~hoinghe.errors.DefinitionError` with every problem found."""
    document, diagnostics = read_document(source, file=file)
    if document is None:
        raise DefinitionError(diagnostics)
    return document

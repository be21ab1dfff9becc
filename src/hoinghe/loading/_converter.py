"""hoinghe's own cattrs converter: plain data <-> frozen definitions.

Strict where YAML is lax: text is never silently made from a number, a list is never made from a string, unknown
keys are errors, and every failure is collected and flattened into ``($.path, message)`` pairs so the loader can
place each at its line and column.  Python field names ending in ``_`` (``from_``) are written without it in YAML.

Shorthands an integrator expects are accepted and always mean the same long form:
``title: Thành lập tổ hội`` is ``title: {vi: Thành lập tổ hội}``; a state may be just its id; an effect may be just
its name; ``from:`` and ``by:`` take one item or a list; ``within: 15 working_days`` is a duration.
"""

from __future__ import annotations

import datetime as dt
import difflib
import types
import typing
from collections.abc import Callable, Iterator
from typing import Any, Literal, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from hoinghe.definitions.profile import ProfileDef
from hoinghe.definitions.rulepack import ParamValue, RulePack
from hoinghe.definitions.workflow import (
    Duration,
    EffectRef,
    RoleRef,
    StateDef,
    SubjectSpec,
    TransitionDef,
    WorkflowDefinition,
)
from hoinghe.org.hierarchy import Hierarchy
from hoinghe.org.text import Text

__all__ = [
    "LIMITS",
    "ONE_OR_MANY",
    "Failure",
    "InvalidValue",
    "converter",
    "describe",
    "flatten_errors",
    "yaml_name",
]


class InvalidValue(ValueError):
    """A value that cannot be structured; the message is meant for the person who wrote it.

    ``quote`` says the message ends by asking to quote the value, so the loader may show it as it was written.
    """

    def __init__(self, message: Text, code: str = "HNG-S003", *, quote: bool = False) -> None:
        super().__init__(message)
        self.text = message
        self.code = code
        self.quote = quote


@attrs.frozen
class Failure:
    """One leaf failure: where (in YAML names), its diagnostic code, the message, and whether it is about a key.

    ``quote``: the message asks to quote the value (a number or a boolean where a name is expected).
    """

    path: tuple[str | int, ...]
    code: str
    message: Text
    at_key: bool = False
    quote: bool = False


#: Caps on the number of items in a list or mapping field, by (class, field); the schema states them too.
LIMITS: dict[tuple[type, str], int] = {
    (WorkflowDefinition, "states"): 100,
    (WorkflowDefinition, "transitions"): 300,
    (TransitionDef, "documents"): 50,
    (TransitionDef, "optional_documents"): 50,
    (TransitionDef, "rules"): 100,
    (TransitionDef, "effects"): 20,
    (RulePack, "rules"): 500,
    (RulePack, "params"): 200,
    (ProfileDef, "roles"): 200,
    (ProfileDef, "documents"): 300,
    (ProfileDef, "workflows"): 100,
    (ProfileDef, "rules"): 100,
    (Hierarchy, "levels"): 12,
}

#: (class, field) pairs whose YAML form may be a single item instead of a list.
ONE_OR_MANY: frozenset[tuple[type, str]] = frozenset(
    {(TransitionDef, "from_"), (TransitionDef, "by"), (SubjectSpec, "level")}
)


def yaml_name(field_name: str) -> str:
    """The YAML key of a Python field: ``from_`` -> ``from``."""
    return field_name.removesuffix("_")


def describe(value: Any) -> Text:
    """How a value reads to the person who wrote it: ``the number 1.1``, ``a list``, ``the text 'x'``."""
    if value is None:
        return Text("không có gì (null)", "nothing (null)")
    if isinstance(value, bool):
        shown = str(value).lower()
        return Text(f"giá trị logic {shown}", f"the boolean {shown}")
    if isinstance(value, int | float):
        return Text(f"số {value}", f"the number {value}")
    if isinstance(value, str):
        return Text(f"văn bản {value!r}", f"the text {value!r}")
    if isinstance(value, list):
        return Text("một danh sách", "a list")
    if isinstance(value, dict):
        return Text("một mapping (khóa: giá trị)", "a mapping")
    return Text.same(type(value).__name__)


def _expected(what: Text, value: Any, hint: Text | None = None) -> Text:
    """``expected <what>, got <value><hint>``."""
    got, more = describe(value), hint or Text.same("")
    return Text(
        f"cần {what.vi}, nhưng gặp {got.vi}{more.vi}",
        f"expected {what.get('en')}, got {got.get('en')}{more.get('en')}",
    )


def _did_you_mean(guess: str) -> Text:
    return Text(f"; có phải là {guess!r} không?", f"; did you mean {guess!r}?")


_TEXT = Text("văn bản", "text")


def _structure_str(value: Any, _: type) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float) or value is None:
        quote = Text("; nếu đó là một tên, hãy đặt nó trong dấu nháy", "; if it is a name, quote it")
        raise InvalidValue(_expected(_TEXT, value, quote), quote=True)
    raise InvalidValue(_expected(_TEXT, value))


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    quoted = isinstance(value, str) and value.strip().lstrip("-").isdigit()
    hint = Text("; hãy viết nó không có dấu nháy", "; write it without quotes") if quoted else None
    raise InvalidValue(_expected(Text("một số nguyên", "a whole number"), value, hint))


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise InvalidValue(_expected(Text("một số", "a number"), value))


def _structure_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    hint = (
        Text(" (ở đây yes/no/on/off là văn bản)", " (yes/no/on/off are text here)")
        if isinstance(value, str)
        else None
    )
    raise InvalidValue(_expected(Text("true hoặc false", "true or false"), value, hint))


def _structure_date(value: Any, _: type) -> dt.date:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidValue(
        _expected(Text("một ngày viết theo dạng YYYY-MM-DD", "a date written YYYY-MM-DD"), value)
    )


def _structure_duration(value: Any, _: type) -> Duration:
    if not isinstance(value, str):
        duration = Text("một khoảng thời gian như '15 working_days'", "a duration such as '15 working_days'")
        raise InvalidValue(_expected(duration, value))
    try:
        return Duration.parse(value)
    except ValueError as exc:
        raise InvalidValue(_said(exc), "HNG-S004") from None


def _said(exc: BaseException) -> Text:
    """An exception's message in both languages when it carries them, else as it reads."""
    message = exc.args[0] if exc.args else None
    return message if isinstance(message, Text) else Text.same(str(exc))


def _structure_param_value(value: Any, _: Any) -> ParamValue:
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    what = Text(
        "một số, true/false, văn bản hoặc một danh sách văn bản",
        "a number, true/false, text or a list of text",
    )
    raise InvalidValue(_expected(what, value))


def _structure_scalar(value: Any, _: Any) -> str | int | float | bool:
    if isinstance(value, bool | int | float | str):
        return value
    raise InvalidValue(
        _expected(Text("một số, true/false hoặc văn bản", "a number, true/false or text"), value)
    )


def _literal_hook(tp: Any) -> Callable[[Any, Any], Any]:
    allowed = get_args(tp)

    def structure(value: Any, _: Any) -> Any:
        if value in allowed and type(value) in {type(a) for a in allowed}:
            return value
        shown = ", ".join(map(str, allowed))
        close = difflib.get_close_matches(str(value), [str(a) for a in allowed], n=1)
        hint = _did_you_mean(close[0]) if close else None
        raise InvalidValue(_expected(Text(f"một trong {shown}", f"one of {shown}"), value, hint), "HNG-S004")

    return structure


def _is_literal(tp: Any) -> bool:
    origin: Any = get_origin(tp)
    return origin is Literal


def _is_homogeneous_tuple(tp: Any) -> bool:
    args = get_args(tp)
    return get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis  # noqa: PLR2004


def _is_str_dict(tp: Any) -> bool:
    return get_origin(tp) is dict and get_args(tp)[0] is str


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (typing.Union, types.UnionType)


class _Hooks:
    """Hook factories bound to one converter."""

    def __init__(self, conv: cattrs.Converter) -> None:
        self.conv = conv

    def sequence(self, tp: Any, *, one_or_many: bool = False) -> Callable[[Any, Any], Any]:
        elem = get_args(tp)[0]

        def structure(value: Any, _: Any) -> tuple[Any, ...]:
            if not isinstance(value, list):
                if one_or_many and value is not None:
                    value = [value]
                else:
                    raise InvalidValue(_expected(Text("một danh sách", "a list"), value))
            out, errors = [], []
            for i, item in enumerate(value):
                try:
                    out.append(self.conv.structure(item, elem))
                except Exception as exc:  # noqa: BLE001 - every failure is collected, then raised together
                    exc.__notes__ = [
                        *getattr(exc, "__notes__", []),
                        cattrs.IterableValidationNote("", i, elem),
                    ]
                    errors.append(exc)
            if errors:
                raise IterableValidationError(str(Text("các mục không hợp lệ", "invalid items")), errors, tp)
            return tuple(out)

        return structure

    def mapping(self, tp: Any) -> Callable[[Any, Any], Any]:
        value_type = get_args(tp)[1]

        def structure(value: Any, _: Any) -> dict[str, Any]:
            if not isinstance(value, dict):
                raise InvalidValue(_expected(Text("một mapping (khóa: giá trị)", "a mapping"), value))
            out, errors = {}, []
            for key, item in value.items():
                try:
                    out[key] = self.conv.structure(item, value_type)
                except Exception as exc:  # noqa: BLE001 - every failure is collected, then raised together
                    exc.__notes__ = [
                        *getattr(exc, "__notes__", []),
                        cattrs.IterableValidationNote("", key, value_type),
                    ]
                    errors.append(exc)
            if errors:
                raise IterableValidationError(
                    str(Text("các giá trị không hợp lệ", "invalid entries")), errors, tp
                )
            return out

        return structure

    def optional(self, tp: Any) -> Callable[[Any, Any], Any]:
        inner = [a for a in get_args(tp) if a is not type(None)]
        if len(inner) != 1:
            msg = Text(f"không có hàm chuyển đổi cho {tp}", f"no structure hook for {tp}")
            raise TypeError(msg)
        (real,) = inner

        def structure(value: Any, _: Any) -> Any:
            return None if value is None else self.conv.structure(value, real)

        return structure

    def attrs_class(self, cls: type) -> Callable[[Any, Any], Any]:
        renames: dict[str, Any] = {}
        attrs.resolve_types(cls)  # the definitions use `from __future__ import annotations`
        for a in attrs.fields(cls):
            kw: dict[str, Any] = {}
            if a.name.endswith("_"):
                kw["rename"] = yaml_name(a.name)
            if (cls, a.name) in ONE_OR_MANY:
                kw["struct_hook"] = self.sequence(a.type, one_or_many=True)
            if kw:
                renames[a.name] = override(**kw)
        inner: Callable[[Any, Any], Any] = make_dict_structure_fn(cls, self.conv, **renames)
        shorthand = _SHORTHANDS.get(cls)
        keys = [yaml_name(a.name) for a in attrs.fields(cls) if a.init]

        limits = {a.name: n for a in attrs.fields(cls) if (n := LIMITS.get((cls, a.name))) is not None}

        def structure(value: Any, _: Any) -> Any:
            if shorthand is not None and isinstance(value, str):
                return shorthand(value)
            if not isinstance(value, dict):
                also = Text(" hoặc văn bản", " or text") if shorthand is not None else Text.same("")
                listed, got = ", ".join(keys), describe(value)
                raise InvalidValue(
                    Text(
                        f"cần một mapping (khóa: giá trị){also.vi} với các khóa {listed}, nhưng gặp {got.vi}",
                        f"expected a mapping{also.get('en')} with keys {listed}; got {got.get('en')}",
                    )
                )
            _check_sizes(cls, value, limits)
            return inner(value, cls)

        return structure


def _check_sizes(cls: type, value: dict[str, Any], limits: dict[str, int]) -> None:
    """Refuse oversized lists before structuring them (Y-4), naming the limit."""
    errors: list[Exception] = []
    for name, limit in limits.items():
        items = value.get(yaml_name(name))
        if isinstance(items, list | dict) and len(items) > limit:
            exc = InvalidValue(
                Text(
                    f"{len(items)} mục; giới hạn là {limit}. Hãy tách tài liệu.",
                    f"{len(items)} items; the limit is {limit}. Split the document.",
                ),
                "HNG-S007",
            )
            exc.__notes__ = [cattrs.AttributeValidationNote("", name, list)]
            errors.append(exc)
    if errors:
        many = Text(f"quá nhiều mục trong {cls.__name__}", f"too many items in {cls.__name__}")
        raise ClassValidationError(str(many), errors, cls)


_SHORTHANDS: dict[type, Callable[[str], Any]] = {
    Text: lambda s: Text(vi=s, en=None),  # a title written in Vietnamese only; English falls back to it
    StateDef: lambda s: StateDef(id=s),
    EffectRef: lambda s: EffectRef(id=s),
    RoleRef: lambda s: RoleRef(role=s),
}


def _unstructure_fn(cls: type, conv: cattrs.Converter) -> Callable[[Any], dict[str, Any]]:
    renames: dict[str, Any] = {
        a.name: override(rename=yaml_name(a.name)) for a in attrs.fields(cls) if a.name.endswith("_")
    }
    return make_dict_unstructure_fn(cls, conv, **renames)


_PARAM_VALUE: Any = ParamValue  # a union alias; typed Any so checks compare it as a value


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    hooks = _Hooks(conv)
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(dt.date, _structure_date)
    conv.register_structure_hook(Duration, _structure_duration)
    conv.register_structure_hook(_PARAM_VALUE, _structure_param_value)
    conv.register_structure_hook(str | int | float | bool, _structure_scalar)
    conv.register_structure_hook_factory(_is_literal, _literal_hook)
    conv.register_structure_hook_factory(_is_homogeneous_tuple, hooks.sequence)
    conv.register_structure_hook_factory(_is_str_dict, hooks.mapping)
    conv.register_structure_hook_factory(
        lambda t: _is_union(t) and type(None) in get_args(t) and t != _PARAM_VALUE, hooks.optional
    )
    conv.register_structure_hook_factory(attrs.has, hooks.attrs_class)

    conv.register_unstructure_hook(dt.date, dt.date.isoformat)
    conv.register_unstructure_hook(Duration, str)
    conv.register_unstructure_hook_factory(attrs.has, lambda cls: _unstructure_fn(cls, conv))
    return conv


#: The one converter hoinghe uses (never cattrs' global one).
converter = _make_converter()


def flatten_errors(exc: BaseException, path: tuple[str | int, ...] = ()) -> Iterator[Failure]:
    """Every leaf failure inside a cattrs error group, with its path in YAML names."""
    if isinstance(exc, ClassValidationError | IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            step: str | int = (
                note.index if isinstance(note, cattrs.IterableValidationNote) else yaml_name(note.name)
            )
            if isinstance(sub, KeyError):
                missing = Text(f"thiếu khóa bắt buộc {step!r}", f"required key {step!r} is missing")
                yield Failure(path, "HNG-S002", missing)
            else:
                yield from flatten_errors(sub, (*path, step))
        for sub in without:
            yield from flatten_errors(sub, path)
    elif isinstance(exc, ForbiddenExtraKeysError):
        known = sorted(yaml_name(a.name) for a in attrs.fields(exc.cl) if a.init)
        for key in sorted(exc.extra_fields):
            close = difflib.get_close_matches(key, known, n=1)
            if close:
                hint = _did_you_mean(close[0])
            else:
                allowed = ", ".join(known)
                hint = Text(f"; các khóa được phép: {allowed}", f"; allowed keys: {allowed}")
            unknown = Text(f"khóa không hợp lệ {key!r}", f"unknown key {key!r}") + hint
            yield Failure((*path, key), "HNG-S001", unknown, at_key=True)
    elif isinstance(exc, InvalidValue):
        yield Failure(path, exc.code, exc.text, quote=exc.quote)
    else:
        said, kind = _said(exc), type(exc).__name__
        invalid = Text(
            f"giá trị không hợp lệ ({kind}: {said.vi})", f"invalid value ({kind}: {said.get('en')})"
        )
        yield Failure(path, "HNG-S004", invalid)

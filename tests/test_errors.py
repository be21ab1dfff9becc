import re

import pytest

from hoinghe.errors import (
    CODES,
    DefinitionError,
    Diagnostic,
    ExpressionError,
    HoingheError,
    NotFound,
    Severity,
    SourceLocation,
    format_path,
)


def test_every_code_is_well_formed_and_bilingual():
    for code, info in CODES.items():
        assert re.fullmatch(r"HNG-[A-Z]\d{3}", code)
        assert info.code == code
        assert info.en
        assert info.vi
        assert info.en != info.vi


def test_diagnostic_reads_as_file_line_col_code_message():
    d = Diagnostic("HNG-W001", "state 'x' is unknown", "$.initial", SourceLocation("a.yaml", 3, 10))
    assert str(d) == "a.yaml:3:10: HNG-W001 state 'x' is unknown"
    assert d.severity is Severity.ERROR
    assert d.to_json()["line"] == 3


def test_diagnostic_without_location_shows_its_path_and_warning_marks_itself():
    d = Diagnostic("HNG-W014", "state 'x' has no way out", "$.states[2]")
    assert str(d) == "$.states[2]: HNG-W014 warning: state 'x' has no way out"
    assert not d.is_error


def test_unknown_code_is_refused():
    with pytest.raises(ValueError, match="HNG-Z999"):
        Diagnostic("HNG-Z999", "nope")


def test_at_keeps_an_existing_location():
    here, there = SourceLocation("a", 1, 1), SourceLocation("b", 2, 2)
    assert Diagnostic("HNG-W001", "m", location=here).at(there).location == here
    assert Diagnostic("HNG-W001", "m").at(there).location == there


def test_format_path():
    assert format_path(()) == "$"
    assert format_path(("transitions", 2, "to")) == "$.transitions[2].to"


def test_tree_subclasses_the_builtins_a_caller_catches():
    assert issubclass(DefinitionError, ValueError)
    assert issubclass(NotFound, KeyError)
    assert issubclass(ExpressionError, ValueError)
    for cls in (DefinitionError, NotFound, ExpressionError):
        assert issubclass(cls, HoingheError)


def test_not_found_reads_plainly_and_lists_known_ids():
    err = NotFound("workflow", "found-grup", known=["found-group", "review"])
    assert str(err) == "no workflow 'found-grup'; known: found-group, review"
    with pytest.raises(KeyError):
        raise err


def test_definition_error_lists_every_problem():
    diags = [Diagnostic("HNG-W001", "one"), Diagnostic("HNG-W002", "two")]
    err = DefinitionError(diags)
    assert err.diagnostics == tuple(diags)
    assert "2 problems" in str(err)
    assert "one" in str(err)
    assert "two" in str(err)


def _subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out


def test_every_exception_hoinghe_raises_has_its_own_code():
    import hoinghe.definitions.diagram  # noqa: PLC0415 - each defines an exception of its own
    import hoinghe.engine.verdict  # noqa: PLC0415
    import hoinghe.hooks.notifiers  # noqa: PLC0415
    import hoinghe.reports  # noqa: F401, PLC0415

    codes: dict[str, str] = {}
    for cls in _subclasses(HoingheError):
        if "code" in vars(cls) and cls.__module__.startswith("hoinghe."):
            assert codes.setdefault(cls.code, cls.__name__) == cls.__name__, f"{cls.code} is used twice"
    assert len(codes) >= 11

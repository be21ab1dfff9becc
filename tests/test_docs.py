"""The documentation's examples run, and its generated reference pages cover what they should.

Every page under ``docs/`` (the README has ``test_readme.py``) is played in order, in a fresh empty temporary
folder of its own, by ``tests/docblocks.py`` in a child process.  The conventions a page is written to:

- A ```` ```python ```` block runs; the Python blocks of one page run in order in one namespace, with the page's
  folder as the working folder.
- A block with a title (```` ```python title="path/x.py" ````, ```` ```yaml title="bac-kan/pack.yaml" ````, a
  ```` ```toml ```` or ```` ```csv ```` with a title ...) is written to that path, relative to the page's folder,
  when its turn comes, and not run; the page's later blocks can use it.
- A ```` ```yaml ```` block without a title must parse (it may be a fragment of a document).
- A ```` ```sh ```` block (or ``bash``, ``shell``): each command line runs in bash, in order, in the page's folder;
  ```` ```console ```` blocks run their ``$ `` lines and skip the output between them.  Lines ending in ``\\``
  continue on the next, a heredoc runs whole, and a ``cd`` or an ``export`` carries over to the page's next
  commands.  A command must exit 0, unless it ends with a ``# exit N`` comment: then it must exit with N.
- Install commands are not run (listed in ``docblocks.NOT_RUN``): ``pip install ...``, ``python -m pip install
  ...``, ``git clone ...`` and a ``cd`` into the clone, as leading ``&&`` segments of a line, whose rest runs; so
  is the project's own suite run from the clone (a bare ``python -m pytest`` after an install).
- ```` ```text ````, ```` ```json ````, ```` ```toml ```` and other blocks without a title are not run.
- The examples run as a reader runs them: ``HOINGHE_DB`` and ``HOINGHE_LANG`` are unset (so messages are in
  Vietnamese unless the page chooses), and hoinghe is the installed package.
- PostgreSQL: every ``postgresql+psycopg://...`` (or ``postgresql://...``) URL in a page's blocks is replaced by
  the URL of a new, empty database on the tests' throwaway server (``tests/pg.py``, or the server
  ``HOINGHE_TEST_POSTGRES_URL`` names), started only for pages that have such a URL.  Write an example against a
  URL such as ``postgresql+psycopg://hoinghe@db.example.vn/hoinghe`` (or ``--db`` / ``HOINGHE_DB`` set to one)
  and it runs against a real server.

A failure names the page, the line of the block (or of the command) and what went wrong.

The reference pages (``docs/_gen``) are checked without building the site: every diagnostic code, exception,
shipped rule, YAML key, command, option and module is on its page.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

import docblocks
import pg

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "_gen" not in p.parts)
RUNNER = Path(docblocks.__file__)

sys.path.insert(0, str(DOCS))  # the generators are the package `_gen` under docs/

from _gen import api, architecture, cli_reference, errors_reference, rules_reference, yaml_reference  # noqa: E402


def _name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def play(page: str, text: str, folder: Path) -> dict[str, object] | None:
    """Play a page's blocks in ``folder``; the failure the runner reports, or ``None``."""
    steps = docblocks.steps(text)
    if docblocks.uses_postgresql(steps):
        steps = docblocks.with_postgresql(steps, pg.fresh_database("docs"))
    work = folder / "page"
    work.mkdir()
    plan = folder / "steps.json"
    result = folder / "result.json"
    plan.write_text(json.dumps({"page": page, "steps": [s.__dict__ for s in steps]}), "utf-8")
    env = {k: v for k, v in os.environ.items() if k not in {"HOINGHE_DB", "HOINGHE_LANG"}}
    done = subprocess.run(
        [sys.executable, str(RUNNER), str(plan), str(result)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if not result.exists():
        return {"kind": "runner", "line": 0, "text": "", "problem": done.stdout[-4000:] + done.stderr[-4000:]}
    failure: dict[str, object] | None = json.loads(result.read_text("utf-8"))["failure"]
    return failure


def describe(page: str, failure: dict[str, object]) -> str:
    what = {"python": "Python block", "sh": "command", "yaml": "YAML block", "write": "file"}.get(
        str(failure["kind"]), str(failure["kind"])
    )
    return f"{page}:{failure['line']}: the {what} failed:\n{failure['text']}\n{failure['problem']}"


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_the_page_runs(page, tmp_path):
    failure = play(_name(page), page.read_text("utf-8"), tmp_path)
    assert failure is None, describe(_name(page), failure)


# ---------------------------------------------------------------------------------------------- the runner


PAGE = """# A page

```python
x = 2
```

```yaml title="conf/a.yaml"
answer: 42
```

```python
import pathlib
import yaml
assert yaml.safe_load(pathlib.Path("conf/a.yaml").read_text())["answer"] == 42 * x // 2
```

!!! note
    ```sh
    git clone https://example.org/hoinghe.git && cd hoinghe && python -m pip install -e '.[dev]' && python -m pytest
    export GREETING=xin-chao
    mkdir -p sub && cd sub
    ```

```console
$ test "$GREETING" = xin-chao && test "$(basename "$PWD")" = sub
this line is output
$ python -c "import sys; sys.exit(3)"  # exit 3
```

```yaml
- just: a fragment
```
"""


def test_a_page_plays_in_order_in_one_namespace_and_folder(tmp_path):
    steps = docblocks.steps(PAGE)
    assert [s.kind for s in steps] == ["python", "write", "python", "sh", "sh", "sh", "sh", "yaml"]
    assert [s.line for s in steps if s.kind == "sh"] == [20, 21, 25, 27]
    assert steps[-2].exit == 3
    assert play("page.md", PAGE, tmp_path) is None


@pytest.mark.parametrize(
    ("broken", "line", "kind"),
    [
        ("```python\nx = 1\nraise ValueError('broken')\n```\n", 7, "python"),
        ("```sh\ntrue\nfalse\n```\n", 9, "sh"),
        ("```sh\ntrue  # exit 2\n```\n", 8, "sh"),
        ("```yaml\nkey: [unclosed\n```\n", 7, "yaml"),
    ],
)
def test_a_failing_block_is_named_by_page_and_line(tmp_path, broken, line, kind):
    text = f"# Page\n\n```python\nok = True\n```\n\n{broken}"
    failure = play("docs/broken.md", text, tmp_path)
    assert failure is not None
    assert (failure["kind"], failure["line"]) == (kind, line)
    message = describe("docs/broken.md", failure)
    assert message.startswith(f"docs/broken.md:{line}: ")
    if kind == "python":
        assert 'File "docs/broken.md", line 9' in str(failure["problem"])  # the traceback counts page lines


def test_install_lines_are_not_run_and_the_rest_of_their_line_is():
    steps = docblocks.steps(
        "```sh\npip install hoinghe\npython -m pip install -e '.[plots]' && hoinghe --help\n"
        "cd hoinghe   # the clone\ngit clone https://x.org/y/hnd.git && cd hnd\n```\n"
    )
    assert [s.text for s in steps] == ["hoinghe --help"]


def test_postgresql_urls_point_at_a_throwaway_database():
    steps = docblocks.steps(
        '```python\nSqlStore("postgresql+psycopg://hoinghe@db.example.vn/hoinghe")\n```\n'
        "```sh\nHOINGHE_DB=postgresql+psycopg://u:p@h/db hoinghe db upgrade\n```\n"
    )
    assert docblocks.uses_postgresql(steps)
    replaced = docblocks.with_postgresql(steps, "postgresql+psycopg://postgres@127.0.0.1:5999/docs_1")
    assert [s.text.count("127.0.0.1:5999/docs_1") for s in replaced] == [1, 1]
    assert "example.vn" not in replaced[0].text


# ------------------------------------------------------------------------------------ the reference pages


def test_every_code_and_exception_has_its_cause_and_fix():
    from hoinghe.errors import CODES  # noqa: PLC0415

    entries = errors_reference.entries()
    page = errors_reference.page()
    for code in CODES:
        assert f"#### {code}: " in page
        assert entries[code]["cause"]
        assert entries[code]["fix"]
    classes = errors_reference.exceptions()
    assert len(classes) == len({e.code for e in classes}) >= 16
    for exc in classes:
        assert f"### {exc.code}: {exc.name} " in page


def test_every_exception_code_in_the_source_is_found():
    found = {e.code for e in errors_reference.exceptions()}
    in_source = set()
    for file in (ROOT / "src" / "hoinghe").rglob("*.py"):
        in_source.update(re.findall(r'^    code = "(HNG-E\d{3})"', file.read_text("utf-8"), re.MULTILINE))
    assert found == in_source


def test_the_errors_page_refuses_a_missing_or_unknown_entry(tmp_path, monkeypatch):
    data = yaml.safe_load(errors_reference.ENTRIES_FILE.read_text("utf-8"))
    del data["codes"]["HNG-W012"]
    data["codes"]["HNG-X999"] = {"cause": "c", "fix": "f"}
    del data["exceptions"]["HNG-E004"]
    edited = tmp_path / "errors.yaml"
    edited.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    monkeypatch.setattr(errors_reference, "ENTRIES_FILE", edited)
    with pytest.raises(errors_reference.MissingEntry) as raised:
        errors_reference.page()
    said = str(raised.value)
    assert "HNG-W012: no entry" in said
    assert "HNG-X999: not in hoinghe.errors.CODES" in said
    assert "HNG-E004 (hoinghe.engine.verdict.Refused): no entry" in said


def test_every_shipped_rule_is_on_the_rules_page():
    page = rules_reference.page()
    for file in sorted((ROOT / "workflows" / "rules").glob("*.yaml")):
        pack = yaml.safe_load(file.read_text("utf-8"))
        assert f"{{ #{pack['id']} }}" in page, file
        for rule in pack.get("rules", []):
            assert re.search(
                rf"^### {re.escape(rule['id'])}: .* \{{ #{rule['id'].lower()} \}}$", page, re.MULTILINE
            ), rule["id"]
            assert rule["cite"]["doc"] in page
        for name in pack.get("params", {}):
            assert f"| `{name}` |" in page


def test_every_key_of_every_document_kind_is_on_the_yaml_page():
    from hoinghe.loading import KINDS, json_schema  # noqa: PLC0415

    page = yaml_reference.page()
    sections = re.split(r"^#{2,3} ", page, flags=re.MULTILINE)
    for kind in KINDS:
        schema = json_schema(kind)
        (section,) = [s for s in sections if s.startswith(f"`kind: {kind}`")]
        for key in schema["properties"]:
            assert f"| `{key}` |" in section, (kind, key)
    for owner, key in yaml_reference.schema_keys():
        (section,) = [s for s in sections if s.startswith((f"{owner} ", f"`kind: {owner}`"))]
        assert f"| `{key}` |" in section, (owner, key)
    assert len(yaml_reference.descriptions()) >= 100


def test_every_command_and_option_is_on_the_command_line_page():
    import typer.main  # noqa: PLC0415

    from hoinghe.cli import app  # noqa: PLC0415

    page = cli_reference.page()
    root = typer.main.get_command(app)
    for name, command in root.commands.items():
        assert f"## hoinghe {name} " in page
        for sub in getattr(command, "commands", {}):
            assert f"### hoinghe {name} {sub} " in page
    for path in cli_reference.command_paths()[1:]:
        assert f" {path} {{ #" in page
    for option in ("--db", "--profile", "--open-consolidation", "--as-of", "--once", "--strict"):
        assert f"{option} " in page or f"{option}`" in page, option


def test_every_module_is_on_the_architecture_page_with_every_contract():
    page = architecture.page()
    for file in sorted((ROOT / "src" / "hoinghe").rglob("*.py")):
        parts = file.relative_to(ROOT / "src").with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        assert f"`{module}`" in page, module
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    for contract in config["tool"]["importlinter"]["contracts"]:
        assert f"### {contract['name']}" in page


def test_the_api_pages_cover_every_package_and_every_top_level_name():
    documented = api.documented()
    covered = {m for area in api.AREAS for m in area.modules}
    packages = {
        f"hoinghe.{p.stem if p.is_file() else p.name}"
        for p in (ROOT / "src" / "hoinghe").iterdir()
        if not p.name.startswith("_") and (p.suffix == ".py" or (p / "__init__.py").exists())
    }
    assert packages - covered == set(api.NOT_API)
    definitions = set(documented.values())
    for name, module in api._exports_of_top().items():
        assert api.definition(module, name) in definitions, name
    for exc in errors_reference.exceptions():
        assert exc.path in definitions, exc.path


def test_the_site_lists_every_page():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text("utf-8"))

    def pages(nav: object) -> list[str]:
        if isinstance(nav, str):
            return [nav]
        if isinstance(nav, list):
            return [p for item in nav for p in pages(item)]
        if isinstance(nav, dict):
            return [p for value in nav.values() for p in pages(value)]
        return []

    listed = set(pages(config["nav"]))
    written = {_name(p).removeprefix("docs/") for p in PAGES}
    generated = {
        "reference/yaml.md",
        "reference/rules.md",
        "reference/errors.md",
        "cli.md",
        "architecture.md",
    }
    generated |= {"reference/api/index.md"} | {f"reference/api/{a.stem}.md" for a in api.AREAS}
    assert written | generated == listed


# ------------------------------------------------------------------------------------ the API pages' griffe


def test_attrs_classes_get_the_signature_attrs_writes(tmp_path):
    import griffe  # noqa: PLC0415
    from _gen.griffe_extensions import AttrsInit  # noqa: PLC0415

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text(
        "import attrs\n\n\n@attrs.frozen\nclass Base:\n    id: str\n\n\n"
        "@attrs.frozen(kw_only=True)\nclass Unit(Base):\n"
        '    """A unit.\n\n    Args:\n        name: its name.\n    """\n\n'
        "    name: str = 'x'\n    members: tuple[str, ...] = attrs.field(factory=tuple)\n"
        "    _cache: dict[str, int] = attrs.field(init=False, factory=dict)\n",
        "utf-8",
    )
    loaded = griffe.load("pkg", search_paths=[str(tmp_path)], extensions=griffe.load_extensions(AttrsInit))
    init = loaded["Unit"].members["__init__"]
    assert [(p.name, p.kind.value, str(p.default)) for p in init.parameters] == [
        ("self", "positional or keyword", "None"),
        ("id", "positional or keyword", "None"),
        ("name", "keyword-only", "'x'"),
        ("members", "keyword-only", "tuple()"),
    ]


def test_restructured_text_reads_as_markdown():
    from _gen import griffe_extensions, source  # noqa: PLC0415

    errors = source.package()["errors"]
    said = griffe_extensions._markdown(
        errors,
        "See :class:`NotFound`, :data:`~hoinghe.errors.CODES` and :func:`attrs.evolve`.\n\nTree::\n\n    A\n",
    )
    assert '<autoref identifier="hoinghe.errors.NotFound" optional><code>NotFound</code></autoref>' in said
    assert '<autoref identifier="hoinghe.errors.CODES" optional><code>CODES</code></autoref>' in said
    assert "`attrs.evolve`" in said
    assert "Tree:\n\n```text\nA\n```" in said
    doctest = griffe_extensions._markdown(errors, "Text\n    more.\n\n>>> 1 + 1\n2\n")
    assert doctest.endswith("```pycon\n>>> 1 + 1\n2\n```")

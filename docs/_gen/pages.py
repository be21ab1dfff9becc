"""Write every generated page, and the simulation page's charts, through mkdocs-gen-files.

The ``gen-files`` plugin of ``mkdocs.yml`` runs this file.  Each page comes from a module beside it, whose
``page()`` returns the Markdown; those functions are what ``tests/test_docs.py`` checks without building the site.
"""

from __future__ import annotations

import sys
from pathlib import Path

import mkdocs_gen_files

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _gen import api, architecture, chart, cli_reference, errors_reference, rules_reference, yaml_reference

GENERATOR = "docs/_gen/pages.py"


def write(path: str, text: str, *, source: str = GENERATOR) -> None:
    """Write one file of the site; an edit link points at what it is generated from."""
    with mkdocs_gen_files.open(path, "w", encoding="utf-8") as out:
        out.write(text)
    mkdocs_gen_files.set_edit_path(path, source)


write("reference/yaml.md", yaml_reference.page(), source="docs/_gen/yaml_keys.yaml")
write("reference/rules.md", rules_reference.page(), source="workflows/rules")
write("reference/errors.md", errors_reference.page(), source="docs/_gen/errors.yaml")
write("cli.md", cli_reference.page())
write("architecture.md", architecture.page())
write("reference/api/index.md", api.index())
for area in api.AREAS:
    write(f"reference/api/{area.stem}.md", api.page(area))
for path, svg in chart.charts().items():
    with mkdocs_gen_files.open(path, "w", encoding="utf-8") as out:
        out.write(svg)

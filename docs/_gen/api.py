"""The API pages: one per area of the package, each rendering its modules' public names with mkdocstrings.

A package's page renders the package (its ``__all__``, the curated API), then each public submodule's own public
names that the package does not re-export (``hoinghe.hooks.notifiers``, ``hoinghe.rules.ruleset`` ...).  Private
modules (``_machine``, ``_charts``) are implementation and not rendered; what a package re-exports from one is.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import griffe

from _gen import source


@attrs.frozen
class Area:
    """One API page: its file stem, its title, what it is about, and the modules it renders, in order."""

    stem: str
    title: str
    about: str
    modules: tuple[str, ...]


AREAS: tuple[Area, ...] = (
    Area(
        "engine",
        "Engine",
        "Running cases: decisions, refusals, clocks, calendars, effects, replay.",
        ("hoinghe.engine",),
    ),
    Area(
        "records",
        "Records",
        "What the engine writes and stores keep: cases, events, commits, the outbox.",
        ("hoinghe.records",),
    ),
    Area(
        "storage",
        "Storage",
        "The store port, the in-memory reference store and the SQL store.",
        ("hoinghe.storage",),
    ),
    Area(
        "loading",
        "Loading and definitions",
        "Reading YAML documents into frozen definitions, and the checks run on them.",
        ("hoinghe.loading", "hoinghe.definitions"),
    ),
    Area("org", "Organisation", "The Union's hierarchy, units, members and actors.", ("hoinghe.org",)),
    Area("rules", "Rules", "The rule language, rule sets and the layering of packs.", ("hoinghe.rules",)),
    Area(
        "hooks",
        "Hooks: listeners, notifiers, relay",
        "Listeners told of committed events, the notifiers and the relay that delivers the outbox.",
        ("hoinghe.hooks",),
    ),
    Area("sim", "Simulation", "Simulated rollouts through the real engine.", ("hoinghe.sim",)),
    Area("reports", "Reports", "Progress reports against a plan's targets.", ("hoinghe.reports",)),
    Area(
        "audit", "Audit", "Compliance audits and what-if comparisons with a draft pack.", ("hoinghe.audit",)
    ),
    Area(
        "outreach",
        "Outreach",
        "Outreach and training records, coverage and the emulation ranking.",
        ("hoinghe.outreach",),
    ),
    Area("fund", "Fund", "Farmer Support Fund loan applications and their priority.", ("hoinghe.fund",)),
    Area(
        "testing",
        "Testing",
        "Fixtures, strategies, the engine state machine and the store conformance suite.",
        ("hoinghe.testing",),
    ),
    Area(
        "i18n",
        "Languages (i18n)",
        "Text in Vietnamese and English, and the language in force.",
        ("hoinghe.i18n",),
    ),
    Area("errors", "Errors", "The exception tree and the diagnostic codes.", ("hoinghe.errors",)),
)

#: Modules that are no API: the command line is documented on its own page.
NOT_API = ("hoinghe.cli",)


def _exports(module: griffe.Module) -> list[str]:
    return [str(name) for name in module.exports or ()]


def _shown_by_package(module: griffe.Module) -> set[str]:
    """The names of ``__all__`` a module's page renders: a name shadowed by a submodule of the same name (the
    function ``hoinghe.engine.replay`` beside the module ``hoinghe.engine.replay``) is rendered with that module."""
    members = module.members
    return {n for n in _exports(module) if n in members and not isinstance(members[n], griffe.Module)}


def rendered(area: Area) -> Iterator[tuple[str, list[str] | None]]:
    """What the page renders: ``(module path, None)`` for a whole module, ``(path, names)`` for some of its names.

    A package renders its ``__all__``; then each public submodule renders the names of its own ``__all__`` that
    it defines and the package does not show.
    """
    pkg = source.package()
    for path in area.modules:
        module = pkg.get_member(path.removeprefix("hoinghe."))
        assert isinstance(module, griffe.Module)  # noqa: S101 - the table names modules
        yield path, None
        if not source.is_package(module):
            continue
        shown = _shown_by_package(module)
        for sub in source.modules(module):
            if sub is module or source.is_private(sub.path):
                continue
            members = sub.members
            names = [n for n in _exports(sub) if n in members and not members[n].is_alias and n not in shown]
            if names:
                shown.update(names)
                yield sub.path, names


def documented() -> dict[str, str]:
    """Every name the API pages render: the identifier it is rendered under -> the path of its definition."""
    pkg = source.package()
    out: dict[str, str] = {}
    for area in AREAS:
        for path, names in rendered(area):
            module = pkg.get_member(path.removeprefix("hoinghe."))
            for name in names if names is not None else sorted(_shown_by_package(module)):
                member = module.get_member(name)
                out[f"{path}.{name}"] = member.target_path if member.is_alias else member.path
    return out


def definition(module: str, name: str) -> str:
    """The path of the definition of ``name`` as ``module`` exports it (through re-exports, and past a submodule
    that shadows it)."""
    member = source.package().get_member(module.removeprefix("hoinghe.")).get_member(name)
    if isinstance(member, griffe.Module):
        member = member.get_member(name)
    while member.is_alias:
        member = source.package().modules_collection.get_member(member.target_path)
    return str(member.path)


def page(area: Area) -> str:
    """The Markdown of one area's page."""
    lines = [f"# {area.title}", "", area.about, ""]
    for path, names in rendered(area):
        if names is None:
            lines += [f"::: {path}", ""]
        else:
            members = ", ".join(names)
            lines += [f"::: {path}", "    options:", f"      members: [{members}]", ""]
    return "\n".join(lines)


def index() -> str:
    """The API's front page: the names ``import hoinghe`` gives, each linked to where it is documented."""
    pkg = source.package()
    exports = _exports_of_top()
    lines = [
        "# API",
        "",
        source.summary(pkg),
        "",
        (
            "`import hoinghe` gives the names below (loaded when first used, so the command starts fast); each is "
            "documented with its area. The areas:"
        ),
        "",
    ]
    lines += [f"- [{a.title}]({a.stem}.md): {a.about}" for a in AREAS]
    lines += ["", "| name | area | what |", "|---|---|---|"]
    by_module = {m: a for a in AREAS for m in a.modules}
    for name, module in sorted(exports.items(), key=lambda item: item[0].lower()):
        area = by_module[module]
        path = definition(module, name)
        what = _first_sentence(source.package().modules_collection.get_member(path))
        lines.append(f"| [`{name}`][{path}] | [{area.title}]({area.stem}.md) | {what} |")
    return "\n".join(lines) + "\n"


def _exports_of_top() -> dict[str, str]:
    """``hoinghe._EXPORTS``: each top-level name and the module it comes from, read from the source."""
    attribute = source.package().members["_EXPORTS"]
    assert isinstance(attribute, griffe.Attribute)  # noqa: S101
    value = attribute.value
    assert isinstance(value, griffe.ExprDict)  # noqa: S101
    return {
        str(key).strip("'\""): str(item).strip("'\"")
        for key, item in zip(value.keys, value.values, strict=True)
    }


def _first_sentence(obj: griffe.Object) -> str:
    text = source.summary(obj)
    end = text.find(". ")
    text = text if end < 0 else text[: end + 1]
    return text.replace("|", "\\|")

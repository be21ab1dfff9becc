"""A set of documents read together: profiles resolved across files, and every check run across them."""

from __future__ import annotations

import difflib
import hashlib
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import attrs

from hoinghe.definitions.effects import BUILTIN_EFFECTS
from hoinghe.definitions.graph import Vocabulary, check_workflow
from hoinghe.definitions.plan import MEASURES, PlanDef
from hoinghe.definitions.profile import DocumentDef, Profile, ProfileDef, RoleDef
from hoinghe.definitions.rulepack import RulePack
from hoinghe.definitions.workflow import WorkflowDefinition
from hoinghe.errors import DefinitionError, Diagnostic, NotFound
from hoinghe.i18n import Text
from hoinghe.loading._converter import converter
from hoinghe.loading._yaml import SourceMap
from hoinghe.loading.documents import Definition, Document, DocumentKind, read_document
from hoinghe.loading.packs import check_notify_templates, check_packs
from hoinghe.org.hierarchy import Hierarchy, check_hierarchy

__all__ = ["YAML_SUFFIXES", "Library", "definition_hash", "shipped_path"]

YAML_SUFFIXES = (".yaml", ".yml")
# Diagnostics whose truth depends on the profile a workflow is checked in; they name the profile.
_PROFILE_DEPENDENT = {"HNG-W006", "HNG-W007", "HNG-W008", "HNG-W009", "HNG-W010", "HNG-W015"}
# What each kind of document is called in messages.
_KIND_NAMES: dict[str, Text] = {
    "profile": Text("hồ sơ cấu hình", "profile"),
    "workflow": Text("quy trình", "workflow"),
    "rules": Text("bộ quy tắc", "rule pack"),
    "plan": Text("kế hoạch", "plan"),
}


def shipped_path() -> Path:
    """The folder of shipped profiles, workflows and rule packs (inside the wheel, or the source checkout)."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "_shipped"
    return packaged if packaged.is_dir() else here.parent.parent / "workflows"


def definition_hash(definition: Definition) -> str:
    """A stable content hash of a definition (SHA-256 of its canonical JSON); cases pin it."""
    canonical = json.dumps(
        converter.unstructure(definition), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _files(paths: Iterable[str | Path]) -> Iterator[tuple[Path, Diagnostic | None]]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.suffix in YAML_SUFFIXES and child.is_file():
                    yield child, None
        elif path.is_file():
            yield path, None
        else:
            nothing = Text(f"không có tệp hoặc thư mục: {path}", f"no such file or folder: {path}")
            yield path, Diagnostic("HNG-Y001", nothing, "$")


@attrs.frozen
class Library:
    """Documents read together.  Profiles find their workflows and rule packs here by id."""

    documents: tuple[Document, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    files: tuple[str, ...] = ()  # every file read, including those that failed to load
    _index: dict[tuple[str, str], Document] = attrs.field(init=False, repr=False, eq=False)

    @_index.default
    def _by_kind_and_id(self) -> dict[tuple[str, str], Document]:
        return {(d.kind, d.id): d for d in reversed(self.documents)}  # the first of a duplicated id wins

    @classmethod
    def from_paths(cls, *paths: str | Path, shipped: bool = False) -> Library:
        """Read every ``.yaml``/``.yml`` file under ``paths`` (and the shipped ones first, when asked).

        A document under ``paths`` replaces a shipped document of the same kind and id (a province's own
        ``found-professional-group``); two documents of one kind and id anywhere else are an error (HNG-S008).
        """
        roots = [shipped_path(), *paths] if shipped else list(paths)
        home = shipped_path().resolve()
        documents: list[Document] = []
        diagnostics: list[Diagnostic] = []
        seen: dict[tuple[str, str], Document] = {}
        from_shipped: set[tuple[str, str]] = set()
        read: set[Path] = set()
        files: list[str] = []
        for file, problem in _files(roots):
            if file.resolve() in read:  # the same file named twice (e.g. the shipped folder itself)
                continue
            read.add(file.resolve())
            files.append(str(file))
            if problem is not None:
                diagnostics.append(problem)
                continue
            document, found = read_document(file)
            diagnostics.extend(found)
            if document is None:
                continue
            key = (document.kind, document.id)
            is_shipped = shipped and file.resolve().is_relative_to(home)
            if key in from_shipped and not is_shipped:
                documents[documents.index(seen[key])] = document
                seen[key] = document
                from_shipped.discard(key)
                continue
            if key in seen:
                first = seen[key]
                loc = first.source_map.locate("$.id")
                kind = _KIND_NAMES[document.kind]
                twice = Text(
                    f"{kind.vi} {document.id!r} cũng được định nghĩa ở {loc}",
                    f"{kind.get('en')} {document.id!r} is also defined at {loc}",
                )
                diagnostics.append(document.locate(Diagnostic("HNG-S008", twice, "$.id")))
                continue
            seen[key] = document
            documents.append(document)
            if is_shipped:
                from_shipped.add(key)
        return cls(tuple(documents), tuple(diagnostics), tuple(files))

    @classmethod
    def from_definitions(cls, *definitions: Definition) -> Library:
        """A library of definitions built in Python (no files, so diagnostics carry paths only)."""
        kinds: dict[type, DocumentKind] = {
            ProfileDef: "profile",
            WorkflowDefinition: "workflow",
            RulePack: "rules",
            PlanDef: "plan",
        }
        docs = tuple(
            Document(kinds[type(d)], d, SourceMap(f"<{kinds[type(d)]} {d.id}>")) for d in definitions
        )
        return cls(docs)

    def of_kind(self, kind: DocumentKind) -> tuple[Document, ...]:
        return tuple(d for d in self.documents if d.kind == kind)

    def get(self, kind: DocumentKind, doc_id: str) -> Document:
        found = self._index.get((kind, doc_id))
        if found is not None:
            return found
        raise NotFound(_KIND_NAMES[kind], doc_id, known=(d.id for d in self.of_kind(kind)))

    def profile(self, profile_id: str) -> Profile:
        """The resolved profile; :class:`~hoinghe.errors.DefinitionError` if it, or anything it uses, is invalid."""
        self.get("profile", profile_id)
        profile, problems = self._check_profile(profile_id)
        errors = [d for d in problems if d.is_error]
        if errors or profile is None:
            raise DefinitionError(errors)
        return profile

    def plan(self, plan_id: str) -> PlanDef:
        """The rollout plan ``plan_id``; :class:`~hoinghe.errors.DefinitionError` if it is invalid."""
        doc = self.get("plan", plan_id)
        errors = [d for d in _check_plan(doc) if d.is_error]
        if errors:
            raise DefinitionError(errors)
        plan = doc.definition
        assert isinstance(plan, PlanDef)  # noqa: S101
        return plan

    def check(self) -> list[Diagnostic]:
        """Every problem in every document and across them, each reported once."""
        found: list[Diagnostic] = list(self.diagnostics)
        for doc in self.of_kind("plan"):
            found.extend(_check_plan(doc))
        used: set[str] = set()
        for doc in self.of_kind("profile"):
            found.extend(self._check_profile(doc.id)[1])
            pdef = doc.definition
            assert isinstance(pdef, ProfileDef)  # noqa: S101
            used.update(pdef.workflows)
        for doc in self.of_kind("workflow"):
            if doc.id not in used:  # still check what a workflow can be checked for on its own
                wf = doc.definition
                assert isinstance(wf, WorkflowDefinition)  # noqa: S101
                found.extend(doc.locate(d) for d in check_workflow(wf))
        used_packs = {p for doc in self.of_kind("profile") for p in self._packs_of(doc.id)}
        found.extend(check_packs([(d, None) for d in self.of_kind("rules") if d.id not in used_packs]))
        return _unique(found)

    # -- profiles ---------------------------------------------------------------------------------------------

    def _chain(self, profile_id: str) -> tuple[list[Document], list[Diagnostic]]:
        """The profile and its ancestors, root first; a diagnostic if ``extends`` is unknown or cyclic."""
        chain: list[Document] = []
        doc = self.get("profile", profile_id)
        while True:
            chain.append(doc)
            pdef = doc.definition
            assert isinstance(pdef, ProfileDef)  # noqa: S101
            if pdef.extends is None:
                return chain[::-1], []
            try:
                parent = self.get("profile", pdef.extends)
            except NotFound as exc:
                unknown = Text(f"extends: {exc.text.vi}", f"extends {exc.text.get('en')}")
                return [], [doc.locate(Diagnostic("HNG-P003", unknown, "$.extends"))]
            if parent in chain:
                names = " -> ".join(d.id for d in [*chain, parent])
                cycle = Text(
                    f"các hồ sơ cấu hình kế thừa nhau thành vòng lặp: {names}",
                    f"profiles extend each other in a cycle: {names}",
                )
                return [], [doc.locate(Diagnostic("HNG-P003", cycle, "$.extends"))]
            doc = parent

    def _packs_of(self, profile_id: str) -> list[str]:
        """The ids of the rule packs a profile and its ancestors list."""
        chain, _ = self._chain(profile_id)
        return [p for doc in chain if isinstance(doc.definition, ProfileDef) for p in doc.definition.rules]

    def _resolve(self, profile_id: str) -> tuple[Profile | None, list[Diagnostic]]:
        chain, problems = self._chain(profile_id)
        if not chain:
            return None, problems
        hierarchy: Hierarchy | None = None
        hierarchy_doc: Document | None = None
        roles: dict[str, RoleDef] = {}
        documents: dict[str, DocumentDef] = {}
        packs: list[str] = []
        workflows: dict[str, str] = {}
        effects: list[str] = []
        effective = None
        for doc in chain:
            pdef = doc.definition
            assert isinstance(pdef, ProfileDef)  # noqa: S101
            if pdef.hierarchy is not None:
                hierarchy, hierarchy_doc = pdef.hierarchy, doc
            roles.update((r.id, r) for r in pdef.roles)
            documents.update((d.id, d) for d in pdef.documents)
            packs.extend(p for p in pdef.rules if p not in packs)
            workflows.update((w, doc.id) for w in pdef.workflows)
            effects.extend(e for e in pdef.effects if e not in effects)
            effective = pdef.effective or effective
        top = chain[-1]
        if hierarchy is None:
            problems.append(
                top.locate(
                    Diagnostic(
                        "HNG-P004",
                        Text(
                            "không có hệ thống cấp: hãy khai báo `hierarchy:`, hoặc dùng `extends:` để kế thừa một "
                            "hồ sơ cấu hình có hệ thống cấp",
                            "no hierarchy: give `hierarchy:` or `extends:` a profile that has one",
                        ),
                        "$",
                    )
                )
            )
            return None, problems
        if hierarchy_doc is not None:
            problems.extend(hierarchy_doc.locate(d) for d in check_hierarchy(hierarchy))
        rule_packs: list[RulePack] = []
        for pack_id in packs:
            owner = next(d for d in reversed(chain) if pack_id in d.definition.rules)  # type: ignore[union-attr]
            try:
                pack = self.get("rules", pack_id).definition
            except NotFound as exc:
                index = owner.definition.rules.index(pack_id)  # type: ignore[union-attr]
                problems.append(owner.locate(Diagnostic("HNG-P002", exc.text, f"$.rules[{index}]")))
                continue
            assert isinstance(pack, RulePack)  # noqa: S101
            rule_packs.append(pack)
        wfs: list[WorkflowDefinition] = []
        for wf_id, owner_id in workflows.items():
            owner = next(d for d in chain if d.id == owner_id)
            try:
                wf = self.get("workflow", wf_id).definition
            except NotFound as exc:
                index = owner.definition.workflows.index(wf_id)  # type: ignore[union-attr]
                problems.append(owner.locate(Diagnostic("HNG-P001", exc.text, f"$.workflows[{index}]")))
                continue
            assert isinstance(wf, WorkflowDefinition)  # noqa: S101
            wfs.append(wf)
        profile = Profile(
            id=top.id,
            title=top.definition.title,
            hierarchy=hierarchy,
            roles=tuple(roles.values()),
            documents=tuple(documents.values()),
            rule_packs=tuple(rule_packs),
            workflows=tuple(wfs),
            effects=tuple(effects),
            effective=effective,
        )
        return profile, problems

    def _check_profile(self, profile_id: str) -> tuple[Profile | None, list[Diagnostic]]:
        """The resolved profile (``None`` if it cannot be resolved) and every problem in it and what it uses."""
        profile, problems = self._resolve(profile_id)
        if profile is None:
            return None, problems
        top = self.get("profile", profile_id)
        problems.extend(_check_declarations(top, profile))
        vocabulary = Vocabulary(
            hierarchy=profile.hierarchy,
            roles={r.id for r in profile.roles},
            documents={d.id for d in profile.documents},
            rules={r.id for pack in profile.rule_packs for r in pack.rules},
            effects={*BUILTIN_EFFECTS, *profile.effects},
        )
        in_profile = Text(f" (hồ sơ cấu hình {profile.id})", f" (profile {profile.id})")
        for wf in profile.workflows:
            doc = self.get("workflow", wf.id)
            for found in check_workflow(wf, vocabulary):
                named = (
                    attrs.evolve(found, message=found.message + in_profile)
                    if found.code in _PROFILE_DEPENDENT
                    else found
                )
                problems.append(doc.locate(named))
            problems.extend(check_notify_templates(doc, profile))
        packs = [(self.get("rules", p.id), profile) for p in profile.rule_packs]
        problems.extend(check_packs(packs))
        return profile, problems


def _check_declarations(doc: Document, profile: Profile) -> Iterator[Diagnostic]:
    pdef = doc.definition
    assert isinstance(pdef, ProfileDef)  # noqa: S101
    groups: list[tuple[str, Text, Sequence[RoleDef | DocumentDef]]] = [
        ("roles", Text("vai trò", "role"), pdef.roles),
        ("documents", Text("tài liệu", "document"), pdef.documents),
    ]
    for field, what, items in groups:
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.id in seen:
                twice = Text(
                    f"{what.vi} {item.id!r} được khai báo hai lần",
                    f"{what.get('en')} {item.id!r} is declared twice",
                )
                yield doc.locate(Diagnostic("HNG-W002", twice, f"$.{field}[{i}].id"))
            seen.add(item.id)
    levels = ", ".join(profile.hierarchy.ids)
    for i, role in enumerate(pdef.roles):
        for j, level in enumerate(role.levels):
            if level not in profile.hierarchy:
                msg = Text(
                    f"vai trò {role.id!r} được giữ ở cấp {level!r}, nhưng hệ thống cấp không có cấp này ({levels})",
                    f"role {role.id!r} is held at level {level!r}, which the hierarchy lacks ({levels})",
                )
                yield doc.locate(Diagnostic("HNG-W007", msg, f"$.roles[{i}].levels[{j}]"))


def _unique(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    seen: set[Diagnostic] = set()
    out = []
    for d in diagnostics:
        if d not in seen:
            seen.add(d)
            out.append(d)
    return out


def _check_plan(doc: Document) -> Iterator[Diagnostic]:  # noqa: C901 - one check after another
    """A plan's dates in order, its target ids unique, each range the right way round, its coverage shares
    between 0 and 1, its emulation criteria with unique ids, a known measure and a positive weight."""
    plan = doc.definition
    assert isinstance(plan, PlanDef)  # noqa: S101
    if plan.deadline < plan.start:
        msg = Text(
            f"hạn chót {plan.deadline} sớm hơn ngày bắt đầu {plan.start}",
            f"the deadline {plan.deadline} comes before the start {plan.start}",
        )
        yield doc.locate(Diagnostic("HNG-W017", msg, "$.deadline"))
    seen: set[str] = set()
    for i, target in enumerate(plan.targets):
        if target.id in seen:
            twice = Text(
                f"mã chỉ tiêu {target.id!r} bị dùng hai lần", f"target id {target.id!r} is used twice"
            )
            yield doc.locate(Diagnostic("HNG-W017", twice, f"$.targets[{i}].id"))
        seen.add(target.id)
        if target.min < 0 or (target.max is not None and target.max < target.min):
            msg = Text(
                f"chỉ tiêu {target.id!r}: min {target.min} và max {target.max} không tạo thành một khoảng",
                f"target {target.id!r}: min {target.min} and max {target.max} do not make a range",
            )
            yield doc.locate(Diagnostic("HNG-W017", msg, f"$.targets[{i}].max"))
        if target.level == target.per:
            msg = Text(
                f"chỉ tiêu {target.id!r} đếm đơn vị cấp {target.level} trên mỗi đơn vị cấp {target.per}: "
                "hãy ghi ở `per` một cấp cao hơn",
                f"target {target.id!r} counts {target.level} units per {target.per}: name a level above it",
            )
            yield doc.locate(Diagnostic("HNG-W017", msg, f"$.targets[{i}].per"))
    if not 1 <= plan.report_months <= 12:  # noqa: PLR2004 - a year at most
        months = Text(
            f"report_months là {plan.report_months}; hãy cho một giá trị từ 1 đến 12",
            f"report_months is {plan.report_months}; give 1 to 12",
        )
        yield doc.locate(Diagnostic("HNG-W017", months, "$.report_months"))
    for name in ("members_informed", "cadres_informed", "leaders_trained"):
        share = getattr(plan.coverage, name)
        if not 0.0 <= share <= 1.0:
            msg = Text(
                f"coverage {name} là {share}; hãy cho một tỉ lệ từ 0 đến 1 (1.0 là 100%)",
                f"coverage {name} is {share}; give a share between 0 and 1 (1.0 is 100%)",
            )
            yield doc.locate(Diagnostic("HNG-W017", msg, f"$.coverage.{name}"))
    seen.clear()
    for i, criterion in enumerate(plan.emulation):
        where = f"$.emulation[{i}]"
        if criterion.id in seen:
            msg = Text(
                f"mã tiêu chí thi đua {criterion.id!r} bị dùng hai lần",
                f"emulation criterion id {criterion.id!r} is used twice",
            )
            yield doc.locate(Diagnostic("HNG-W018", msg, f"{where}.id"))
        seen.add(criterion.id)
        if criterion.measure not in MEASURES:
            close = difflib.get_close_matches(criterion.measure, MEASURES, n=1)
            hint = (
                Text(f"có phải là {close[0]!r} không? ", f"did you mean {close[0]!r}? ")
                if close
                else Text.same("")
            )
            measures = ", ".join(MEASURES)
            msg = Text(
                f"tiêu chí {criterion.id!r} đo {criterion.measure!r}: {hint.vi}các đại lượng đo được là {measures}",
                f"criterion {criterion.id!r} measures {criterion.measure!r}: {hint.get('en')}measures are {measures}",
            )
            yield doc.locate(Diagnostic("HNG-W018", msg, f"{where}.measure"))
        if not (math.isfinite(criterion.weight) and criterion.weight > 0):
            msg = Text(
                f"tiêu chí {criterion.id!r} có trọng số {criterion.weight}; hãy cho một số dương",
                f"criterion {criterion.id!r} has weight {criterion.weight}; give a positive number",
            )
            yield doc.locate(Diagnostic("HNG-W018", msg, f"{where}.weight"))
        if criterion.measure == "good_ratings" and not criterion.ratings:
            msg = Text(
                f"tiêu chí {criterion.id!r} đo good_ratings: hãy liệt kê trong `ratings` các mức xếp loại "
                "được tính là tốt",
                f"criterion {criterion.id!r} measures good_ratings: list the good rating classes in `ratings`",
            )
            yield doc.locate(Diagnostic("HNG-W018", msg, where))
        elif criterion.measure != "good_ratings" and criterion.ratings:
            msg = Text(
                f"tiêu chí {criterion.id!r} đo {criterion.measure}, đại lượng này không dùng `ratings`; hãy bỏ chúng đi",
                f"criterion {criterion.id!r} measures {criterion.measure}, which reads no `ratings`; remove them",
            )
            yield doc.locate(Diagnostic("HNG-W018", msg, f"{where}.ratings"))

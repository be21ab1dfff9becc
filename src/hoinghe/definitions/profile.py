"""Profiles: a hierarchy, the roles and documents it knows, its rule packs in order and its workflows.

:class:`ProfileDef` is the document as written (a province's profile ``extends`` a shipped one);
:class:`Profile` is the resolved whole that an engine runs.
"""

from __future__ import annotations

from typing import Literal

import attrs

from hoinghe.definitions.rulepack import Effective, RulePack
from hoinghe.definitions.workflow import WorkflowDefinition
from hoinghe.errors import NotFound
from hoinghe.org.hierarchy import Hierarchy
from hoinghe.org.text import Text

__all__ = ["DocumentDef", "Profile", "ProfileDef", "RoleDef"]


@attrs.frozen
class RoleDef:
    """A role someone holds at a unit: ``standing_committee``, ``org_board``, ``group_leader`` ...

    ``office`` marks the roles of a unit's own leadership: ``head`` (branch head, group leader) or ``deputy``;
    the facts count them (``subject.leader_count``, ``subject.deputy_count``).
    """

    id: str
    title: Text
    levels: tuple[str, ...] = ()
    office: Literal["head", "deputy"] | None = None


@attrs.frozen
class DocumentDef:
    """A kind of document in a dossier: ``request_to_found`` (tờ trình), ``member_list`` ..."""

    id: str
    title: Text


@attrs.frozen
class ProfileDef:
    """A profile as written.  Lists are added to those of the profile it ``extends``; a workflow with the
    same id replaces the inherited one, and rule packs are appended after the inherited ones.

    ``effective`` is when the profile's hierarchy is in force (``vn-2019`` until 1 July 2025); inherited when
    not given.
    """

    id: str
    title: Text
    extends: str | None = None
    hierarchy: Hierarchy | None = None
    roles: tuple[RoleDef, ...] = ()
    documents: tuple[DocumentDef, ...] = ()
    rules: tuple[str, ...] = ()
    workflows: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    effective: Effective | None = None
    description: str | None = None


@attrs.frozen
class Profile:
    """Everything an engine needs: the hierarchy, roles, documents, rule packs in layering order, workflows."""

    id: str
    title: Text
    hierarchy: Hierarchy
    roles: tuple[RoleDef, ...]
    documents: tuple[DocumentDef, ...]
    rule_packs: tuple[RulePack, ...]
    workflows: tuple[WorkflowDefinition, ...]
    effects: tuple[str, ...] = ()
    effective: Effective | None = None

    def workflow(self, workflow_id: str) -> WorkflowDefinition:
        """The workflow with this id; :class:`~hoinghe.errors.NotFound` if the profile has none."""
        for wf in self.workflows:
            if wf.id == workflow_id:
                return wf
        raise NotFound(Text("quy trình", "workflow"), workflow_id, known=(w.id for w in self.workflows))

    def document(self, document_id: str) -> DocumentDef:
        for doc in self.documents:
            if doc.id == document_id:
                return doc
        raise NotFound(Text("tài liệu", "document"), document_id, known=(d.id for d in self.documents))

    def role(self, role_id: str) -> RoleDef:
        for role in self.roles:
            if role.id == role_id:
                return role
        raise NotFound(Text("vai trò", "role"), role_id, known=(r.id for r in self.roles))

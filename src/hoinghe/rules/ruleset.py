"""The rules in force for a profile on a date, compiled once, and their verdicts over the facts of a decision.

Which rules take part in a decision (a transition of a workflow, on a subject of some level and kind):

* every rule the transition names (``rules: [MEM-02]``) whose ``applies_to`` level and kind match the subject;
* every rule whose ``applies_to`` names the workflow or the transition (attached from the pack's side, so a
  province's pack can add a rule to a shipped workflow without editing it), when level and kind match too.

A rule whose ``when`` is false passes.  A failed rule gives a :class:`RuleFailure` with its message filled in
Vietnamese and English, the clause-by-clause explanation with the values read, its severity and its citation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

import attrs

from hoinghe.definitions.rulepack import Citation, Confidence, ParamValue, RuleDef, RulePack
from hoinghe.errors import DefinitionError, Diagnostic, ExpressionError
from hoinghe.org.text import Language, Text
from hoinghe.rules.expression import Expression, Template, compile_expression, render_template
from hoinghe.rules.facts import facts_schema
from hoinghe.rules.packs import find_loosenings, params_in_force, rules_in_force
from hoinghe.rules.types import ObjectType, type_of_value

_T = TypeVar("_T")

__all__ = ["CompiledRule", "RuleFailure", "RuleSet", "compile_rule", "rule_problem", "schema_for"]


@attrs.frozen
class RuleFailure:
    """A rule that did not hold: what it says, why, and where it comes from."""

    rule_id: str
    severity: str
    message: Text
    explanation: tuple[str, ...]
    citation: Citation
    confidence: Confidence | None = None

    @property
    def blocks(self) -> bool:
        """An ``error`` blocks the decision; a ``warning`` is reported and lets it through."""
        return self.severity == "error"

    def describe(self, language: Language = "vi") -> str:
        """One line for people: ``MEM-02: <message> [205-HD/HNDTW, II (Bắc Kạn transcription)]``."""
        return f"{self.rule_id}: {self.message.get(language)} [{self.citation}]"


@attrs.frozen(eq=False)
class CompiledRule:
    """A rule with its expressions and message templates compiled against the profile's facts schema."""

    definition: RuleDef
    pack_id: str
    require: Expression
    when: Expression | None
    message_vi: Template
    message_en: Template | None

    @property
    def id(self) -> str:
        return self.definition.id

    def matches(self, level: str, kind: str | None) -> bool:
        """Whether the rule's ``applies_to`` level and kind admit a subject of this level and kind."""
        scope = self.definition.applies_to
        return (scope.level is None or scope.level == level) and (scope.kind is None or scope.kind == kind)

    def attached_to(self, workflow: str, transition: str) -> bool:
        """Whether the rule's ``applies_to`` names this workflow or transition (and not another)."""
        scope = self.definition.applies_to
        if not scope.workflows and not scope.transitions:
            return False
        return (not scope.workflows or workflow in scope.workflows) and (
            not scope.transitions or transition in scope.transitions
        )

    def check(self, facts: Mapping[str, object]) -> RuleFailure | None:
        """``None`` when the rule holds (or its ``when`` is false) over ``facts``; the failure otherwise.

        A rule that cannot be evaluated (a fact missing) fails, with the reason as its explanation: a
        decision is never taken on a rule nobody could check.
        """
        try:
            if self.when is not None and self.when.evaluate(facts) is not True:
                return None
            if self.require.evaluate(facts) is True:
                return None
            explanation = self.require.explain(facts)
        except ExpressionError as exc:
            failed = Text(f"không tính được: {exc.text.vi}", f"could not be evaluated: {exc.text.get('en')}")
            explanation = (str(failed),)
        rule = self.definition
        return RuleFailure(
            rule_id=rule.id,
            severity=rule.severity,
            message=Text(
                vi=_fill(self.message_vi, facts),
                en=_fill(self.message_en, facts) if self.message_en else None,
            ),
            explanation=explanation,
            citation=rule.cite,
            confidence=rule.confidence,
        )


def schema_for(params: Mapping[str, ParamValue]) -> ObjectType:
    """The facts schema rules are checked against, with ``params`` typed from their values."""
    return facts_schema({name: type_of_value(value) for name, value in params.items()})


def compile_rule(
    rule: RuleDef, pack_id: str, schema: ObjectType
) -> tuple[CompiledRule | None, list[tuple[str, ExpressionError]]]:
    """Compile a rule's expressions and message templates; every failure, by the YAML key it is under.

    Returns:
        The compiled rule (``None`` if anything failed) and the failures as (``require`` | ``when`` |
        ``message.vi`` | ``message.en``, error).
    """
    errors: list[tuple[str, ExpressionError]] = []

    def attempt(part: str, build: Callable[[], _T]) -> _T | None:
        try:
            return build()
        except ExpressionError as exc:
            errors.append((part, exc))
            return None

    require = attempt("require", lambda: compile_expression(rule.require, schema))
    when_text = rule.when
    when = attempt("when", lambda: compile_expression(when_text, schema)) if when_text is not None else None
    vi = attempt("message.vi", lambda: render_template(rule.message.vi, schema))
    en_text = rule.message.en
    en = attempt("message.en", lambda: render_template(en_text, schema)) if en_text is not None else None
    if errors or require is None or vi is None:
        return None, errors
    return CompiledRule(rule, pack_id, require, when, vi, en), errors


def rule_problem(rule_id: str, exc: ExpressionError) -> Text:
    """The message of a diagnostic for a rule whose expression or template does not compile."""
    return Text(f"quy tắc {rule_id}: {exc.text.vi}", f"rule {rule_id}: {exc.text.get('en')}")


def _loosens(pack_id: str, message: Text) -> Text:
    return Text(f"bộ quy tắc {pack_id!r} {message.vi}", f"pack {pack_id!r} {message.get('en')}")


def _fill(template: Template, facts: Mapping[str, object]) -> str:
    # A value nobody recorded (a birth date) shows as "?" rather than leaving the whole template raw.
    return template.format(facts, missing="?")


@attrs.frozen(eq=False)
class RuleSet:
    """The rules and parameters of a stack of packs in force on one date, compiled.

    Build it once per profile and date (:meth:`build`); :meth:`select` and :meth:`check` are cheap.
    """

    rules: tuple[CompiledRule, ...]
    params: Mapping[str, ParamValue]
    on: dt.date | None = None
    _by_id: dict[str, CompiledRule] = attrs.field(init=False, repr=False)
    _param_facts: dict[str, object] = attrs.field(init=False, repr=False)
    _templates: dict[str, Template] = attrs.field(init=False, repr=False, factory=dict)

    @_by_id.default
    def _index(self) -> dict[str, CompiledRule]:
        return {r.id: r for r in self.rules}

    @_param_facts.default
    def _as_facts(self) -> dict[str, object]:
        # Facts are plain data: a list parameter is a list, as rules see it.
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.params.items()}

    @classmethod
    def build(cls, packs: Sequence[RulePack], on: dt.date | None = None) -> RuleSet:
        """Compile every rule of ``packs`` in force on ``on`` (all of them when ``None``).

        Raises:
            DefinitionError: a pack loosens a parameter, or an expression or template does not compile;
                every problem is listed (``hoinghe check`` reports the same with file positions).
        """
        problems = [
            Diagnostic("HNG-R004", _loosens(packs[x.later].id, x.message), f"$.params.{x.name}.value")
            for x in find_loosenings(packs)
        ]
        params = {name: p.value for name, p in params_in_force(packs, on).items()}
        schema = schema_for(params)
        owner = {id(r): p.id for p in packs for r in p.rules}
        compiled: list[CompiledRule] = []
        for rule in rules_in_force(packs, on):
            result, errors = compile_rule(rule, owner[id(rule)], schema)
            if result is not None:
                compiled.append(result)
            problems.extend(
                Diagnostic(exc.diagnostic_code, rule_problem(rule.id, exc), f"$.rules[{rule.id}].{part}")
                for part, exc in errors
            )
        if problems:
            raise DefinitionError(problems)
        return cls(tuple(compiled), params, on)

    def rule(self, rule_id: str) -> CompiledRule:
        """The compiled rule with this id; ``KeyError`` when no pack in force defines it."""
        return self._by_id[rule_id]

    def select(
        self, named: Iterable[str], *, level: str, kind: str | None, workflow: str, transition: str
    ) -> tuple[CompiledRule, ...]:
        """The rules taking part in a decision: those named, and those attached to the workflow or transition.

        A named rule not in force on this set's date is left out (its pack is not yet, or no longer, in force).
        """
        chosen = {rid: self._by_id[rid] for rid in named if rid in self._by_id}
        for rule in self.rules:
            if rule.id not in chosen and rule.attached_to(workflow, transition):
                chosen[rule.id] = rule
        return tuple(r for r in chosen.values() if r.matches(level, kind))

    def render(self, template: str, facts: Mapping[str, object]) -> str:
        """A message template filled in: ``{expression}`` holes over ``facts`` and this set's ``params``.

        A hole with no value (a fact nobody recorded) shows ``?``.  Templates are compiled once per set.

        Raises:
            ExpressionError: the template does not compile against the facts (``hoinghe check`` reports it).
        """
        compiled = self._templates.get(template)
        if compiled is None:
            compiled = self._templates.setdefault(
                template, render_template(template, schema_for(self.params))
            )
        return _fill(compiled, {**facts, "params": self._param_facts})

    def check(self, rules: Iterable[CompiledRule], facts: Mapping[str, object]) -> list[RuleFailure]:
        """The failures among ``rules`` over ``facts``, in order; ``facts['params']`` is filled from this set."""
        full = {**facts, "params": self._param_facts}
        return [failure for rule in rules if (failure := rule.check(full)) is not None]

"""The adapter to ``transitions``: the only module that imports it.

One :class:`transitions.Machine` is compiled per workflow definition (with no model attached) and shared by every
case.  A decision reads the compiled machine's event table for the case's state; nothing is ever attached to the
machine, so a hundred thousand open cases cost it nothing.  ``transitions`` errors become hoinghe errors here and
no ``transitions`` type leaves this module.
"""

from __future__ import annotations

import threading

from transitions import Machine, MachineError

from hoinghe.definitions.workflow import WorkflowDefinition
from hoinghe.errors import DefinitionError, Diagnostic
from hoinghe.i18n import Text

__all__ = ["CompiledMachine", "compile_machine"]


class CompiledMachine:
    """The moves of one workflow: which transition leads where from which state."""

    __slots__ = ("_moves", "_triggers", "workflow_id")

    def __init__(self, definition: WorkflowDefinition) -> None:
        self.workflow_id = definition.id
        try:
            machine = Machine(
                model=None,
                states=list(definition.state_ids),
                initial=definition.initial,
                transitions=[
                    {"trigger": t.id, "source": list(t.from_), "dest": t.to} for t in definition.transitions
                ],
                auto_transitions=False,
                ignore_invalid_triggers=False,
            )
        except (MachineError, ValueError) as exc:
            message = Text(
                f"không dựng được máy trạng thái của quy trình {definition.id!r}: {exc}",
                f"workflow {definition.id!r} cannot be compiled: {exc}",
            )
            problem = Diagnostic("HNG-W001", message, "$")
            raise DefinitionError([problem]) from exc
        # The machine's event table, read once: trigger -> source state -> destination.
        self._moves: dict[str, dict[str, str]] = {
            trigger: {source: str(moves[0].dest) for source, moves in event.transitions.items() if moves}
            for trigger, event in machine.events.items()
        }
        self._triggers: dict[str, tuple[str, ...]] = {
            state: tuple(machine.get_triggers(state)) for state in definition.state_ids
        }

    def destination(self, state: str, transition: str) -> str | None:
        """Where ``transition`` leads from ``state``; ``None`` when it cannot fire from there (or is unknown)."""
        moves = self._moves.get(transition)
        return None if moves is None else moves.get(state)

    def triggers(self, state: str) -> tuple[str, ...]:
        """The transitions that can fire from ``state``, in definition order."""
        return self._triggers.get(state, ())

    def knows(self, transition: str) -> bool:
        return transition in self._moves


_CACHE: dict[int, tuple[WorkflowDefinition, CompiledMachine]] = {}
_LOCK = threading.Lock()


def compile_machine(definition: WorkflowDefinition) -> CompiledMachine:
    """The compiled machine of ``definition``, built once per definition object and shared.

    Raises:
        DefinitionError: ``transitions`` refuses the definition (the static checks normally catch it first).
    """
    key = id(definition)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is definition:
        return hit[1]
    compiled = CompiledMachine(definition)
    with _LOCK:
        # Keeping the definition in the entry keeps its id from being reused by another object.
        _CACHE[key] = (definition, compiled)
    return compiled

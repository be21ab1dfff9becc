"""Test helpers for hoinghe and its users: pytest fixtures, Hypothesis strategies, a state machine that checks an
engine, and the conformance suite every storage backend must pass.

The pytest plugin (:mod:`hoinghe.testing.plugin`) gives every test of a project that installs hoinghe fixtures
named ``hoinghe_*``: a profile, a manual clock, stores, a recording listener, an engine on all of them and a
rollout simulator.  It needs nothing beyond pytest; the rest of this package needs Hypothesis (install the
``test`` extra).  Names are imported when first used, so loading the plugin stays cheap.

Use the strategies in your own property tests (``st.from_type(Unit)`` works too, see
:func:`register_strategies`), and run :class:`EngineMachine` (or a subclass for your profile or store) as a test
case::

    from hoinghe.testing import EngineMachine

    TestEngine = EngineMachine.TestCase

and check a storage backend with :class:`StoreConformance` and :class:`StoreComparison` (see
:mod:`hoinghe.testing.conformance`)::

    from hoinghe.testing import StoreComparison, StoreConformance

    class TestMyStore(StoreConformance):
        def make_store(self) -> MyStore:
            return MyStore(...)
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hoinghe.testing.conformance import StoreComparison, StoreConformance
    from hoinghe.testing.plugin import RecordingListener, Simulate, StoreFactory
    from hoinghe.testing.stateful import CaseModel, EngineMachine, moves
    from hoinghe.testing.strategies import TRADES, case_data, documents, members, orgs, units
    from hoinghe.testing.workflows import (
        event_sequences,
        hierarchies,
        register_strategies,
        workflow_definitions,
    )

_EXPORTS: dict[str, str] = {
    "CaseModel": "hoinghe.testing.stateful",
    "EngineMachine": "hoinghe.testing.stateful",
    "RecordingListener": "hoinghe.testing.plugin",
    "Simulate": "hoinghe.testing.plugin",
    "StoreComparison": "hoinghe.testing.conformance",
    "StoreConformance": "hoinghe.testing.conformance",
    "StoreFactory": "hoinghe.testing.plugin",
    "TRADES": "hoinghe.testing.strategies",
    "case_data": "hoinghe.testing.strategies",
    "documents": "hoinghe.testing.strategies",
    "event_sequences": "hoinghe.testing.workflows",
    "hierarchies": "hoinghe.testing.workflows",
    "members": "hoinghe.testing.strategies",
    "moves": "hoinghe.testing.stateful",
    "orgs": "hoinghe.testing.strategies",
    "register_strategies": "hoinghe.testing.workflows",
    "units": "hoinghe.testing.strategies",
    "workflow_definitions": "hoinghe.testing.workflows",
}
# Modules that import Hypothesis: using any of them registers the strategies with ``st.from_type``.
_HYPOTHESIS = frozenset(module for module in _EXPORTS.values() if not module.endswith(".plugin"))

__all__ = [
    "TRADES",
    "CaseModel",
    "EngineMachine",
    "RecordingListener",
    "Simulate",
    "StoreComparison",
    "StoreConformance",
    "StoreFactory",
    "case_data",
    "documents",
    "event_sequences",
    "hierarchies",
    "members",
    "moves",
    "orgs",
    "register_strategies",
    "units",
    "workflow_definitions",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        msg = f"module 'hoinghe.testing' has no attribute {name!r}"
        raise AttributeError(msg)
    try:
        value = getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as exc:
        if exc.name != "hypothesis":
            raise
        from hoinghe.i18n import Text  # noqa: PLC0415 - only this failure needs it

        needs = Text(
            f"hoinghe.testing.{name} cần Hypothesis; cài đặt bằng `pip install hoinghe[test]`",
            f"hoinghe.testing.{name} needs Hypothesis; install it with `pip install hoinghe[test]`",
        )
        raise ModuleNotFoundError(needs, name="hypothesis") from exc
    if module in _HYPOTHESIS:
        _register()
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


def _register() -> None:
    from hoinghe.testing.workflows import register_strategies  # noqa: PLC0415 - imports Hypothesis

    register_strategies()


# Hypothesis loaded already costs nothing more to use: register now, so ``st.from_type(Unit)`` works at once.
if "hypothesis" in sys.modules:
    _register()

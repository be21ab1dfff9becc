"""Test helpers for hoinghe and its users: Hypothesis strategies, a state machine that checks an engine, and the
conformance suite every storage backend must pass.

This is the only package that imports ``hypothesis`` (install the ``test`` extra).  Use the strategies in your own
property tests, and run :class:`EngineMachine` (or a subclass for your profile or store) as a test case::

    from hoinghe.testing import EngineMachine

    TestEngine = EngineMachine.TestCase

and check a storage backend with :class:`StoreConformance` and :class:`StoreComparison` (see
:mod:`hoinghe.testing.conformance`)::

    from hoinghe.testing import StoreComparison, StoreConformance

    class TestMyStore(StoreConformance):
        def make_store(self) -> MyStore:
            return MyStore(...)
"""

from hoinghe.testing.conformance import StoreComparison, StoreConformance
from hoinghe.testing.stateful import CaseModel, EngineMachine, moves
from hoinghe.testing.strategies import TRADES, case_data, documents, members, orgs, units

__all__ = [
    "TRADES",
    "CaseModel",
    "EngineMachine",
    "StoreComparison",
    "StoreConformance",
    "case_data",
    "documents",
    "members",
    "moves",
    "orgs",
    "units",
]

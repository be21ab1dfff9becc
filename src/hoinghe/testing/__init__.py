"""Test helpers for hoinghe and its users: Hypothesis strategies and a state machine that checks an engine.

This is the only package that imports ``hypothesis`` (install the ``test`` extra).  Use the strategies in your own
property tests, and run :class:`EngineMachine` (or a subclass for your profile or store) as a test case::

    from hoinghe.testing import EngineMachine

    TestEngine = EngineMachine.TestCase
"""

from hoinghe.testing.stateful import CaseModel, EngineMachine, moves
from hoinghe.testing.strategies import TRADES, case_data, documents, members, orgs, units

__all__ = [
    "TRADES",
    "CaseModel",
    "EngineMachine",
    "case_data",
    "documents",
    "members",
    "moves",
    "orgs",
    "units",
]

"""The Farmer Support Fund: loan applications under Decree 37/2023 and the priority of professional units.

A loan application is a case of the workflow ``fund-loan-application`` about a group whose members borrow under
one plan; its data names the ``borrowers``, the ``amounts`` (VND), the ``product`` and the term in ``months``.
The engine checks the conditions of Decree 37/2023 as rules of the workflow's steps: the borrower rules
(FUND-03..FUND-05) at each step, the loan's own terms (FUND-06..FUND-10) where the Fund's board appraises and
decides.  :func:`assess` checks every one of them over an application, as the engine would; :func:`rank` puts
applications in the order the Fund finances them, members of professional groups and branches first, and says why
(see :mod:`hoinghe.fund.ranking`).

>>> import datetime as dt
>>> from hoinghe import MemoryStore, load_profile
>>> rank(MemoryStore(), load_profile("vn-2025"), [], on=dt.date(2026, 1, 5))
[]
"""

from hoinghe.fund.conditions import Assessment, assess
from hoinghe.fund.model import WORKFLOW, ApplicationView, FundError, Ranked
from hoinghe.fund.ranking import PLAN_PART, open_applications, rank, submitted_on

__all__ = [
    "PLAN_PART",
    "WORKFLOW",
    "ApplicationView",
    "Assessment",
    "FundError",
    "Ranked",
    "assess",
    "open_applications",
    "rank",
    "submitted_on",
]

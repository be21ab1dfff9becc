"""Audit the professional groups and branches of a simulated district, then ask what a stricter draft would change.

1. A rollout is simulated through the real engine (a made-up district of three communes, 2019-2022).
2. One group loses members, so that it falls below MEM-02 (a professional group has at least 5 members).
3. ``audit`` checks every active unit against the rules its founding decision checked, in force on the day, and
   finds that group (and any group founded before the 2020 guidance with 4 members).
4. ``compare`` layers a draft of guidance 205-HD/HNDTW raising the group minimum to 7 and lists the units, open
   cases and past founding decisions whose verdict it would change.

Run: python examples/audit_a_province.py
"""

from __future__ import annotations

import datetime as dt

import attrs

from hoinghe.audit import audit, compare
from hoinghe.sim import Scenario, simulate

ON = dt.date(2023, 1, 2)
GROUP_MINIMUM = 5  # MEM-02, guidance 205-HD/HNDTW

rollout = simulate(Scenario(synthetic=(1, 1, 3), until=dt.date(2022, 12, 31)), seed=4)
store, profile = rollout.store, rollout.world.profile

# A group that loses all but three of its members no longer meets MEM-02.
group = next(u for u in store.units(level="group", status="active") if len(u.members) >= GROUP_MINIMUM)
store.put_org(units=[attrs.evolve(group, members=group.members[:3])])

found = audit(store, profile, on=ON)
print(found.to_markdown())
assert group.id in found.non_compliant_units, found.non_compliant_units

# The draft: the central guidance with a group minimum of 7 instead of 5 (same id, so it replaces the pack).
current = next(p for p in profile.rule_packs if p.id == "hd-205-2020")
minimum = current.params["group_min_members"]
draft = attrs.evolve(current, params={**current.params, "group_min_members": attrs.evolve(minimum, value=7)})

whatif = compare(store, profile, draft, on=ON, language="en")
print(whatif.to_markdown())
below = {d.place.unit_id for d in whatif.units if d.before and not d.after}
print(f"groups that would fall below 7 members: {sorted(below) or 'none'}")

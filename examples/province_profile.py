"""A province writes its own profile and rule pack on top of the shipped ones, and checks them.

Run: python examples/province_profile.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hoinghe import Library

PROFILE = """\
hoinghe: 1
kind: profile
id: my-province
title: {vi: Hội Nông dân tỉnh mẫu, en: Example province}
extends: vn-2025
rules: [my-province-2026]
"""

PACK = """\
hoinghe: 1
kind: rules
id: my-province-2026
title: {vi: Hướng dẫn của tỉnh (2026), en: Provincial guidance (2026)}
params:
  group_min_members: {value: 7}      # tightens the central minimum of 5
  group_max_members: {value: 30}     # a provincial maximum, as Tuyên Quang has
rules:
  - id: PROV-01
    applies_to: {level: group, kind: professional}
    require: subject.communes.size() <= 1
    severity: warning
    message:
      vi: "Tổ hội nên gồm hội viên cùng một xã; hiện có hội viên ở {subject.communes.size()} xã."
      en: "A group should draw its members from one commune; it has members in {subject.communes.size()}."
    cite: {doc: Hướng dẫn của tỉnh 2026, part: "2.1"}
"""

LOOSER = PACK.replace("group_min_members: {value: 7}", "group_min_members: {value: 3}")


def check(pack: str) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "profile.yaml").write_text(PROFILE, "utf-8")
        Path(folder, "pack.yaml").write_text(pack, "utf-8")
        library = Library.from_paths(folder, shipped=True)
        problems = [str(d).replace(folder, "<folder>") for d in library.check()]
        if not problems:
            profile = library.profile("my-province")
            print(f"{profile.id}: {len(profile.workflows)} workflows, {len(profile.rule_packs)} rule packs")
        return problems


if __name__ == "__main__":
    assert check(PACK) == []
    problems = check(LOOSER)
    print("\n".join(problems))
    assert len(problems) == 1
    assert "HNG-R004" in problems[0]
    assert "lowers 'group_min_members' from 5 to 3" in problems[0]

"""Every shipped YAML file loads and checks clean, and the shipped profiles resolve."""

import datetime as dt
import time
from pathlib import Path

import pytest

from hoinghe.loading import Library, load_document, load_profile, shipped_path
from hoinghe.rules.packs import params_in_force

WORKFLOWS = Path(__file__).resolve().parent.parent / "workflows"
FILES = sorted(WORKFLOWS.rglob("*.yaml"))


@pytest.fixture(scope="module")
def library():
    return Library.from_paths(WORKFLOWS)


def test_the_shipped_folder_is_found_by_the_package():
    assert shipped_path().resolve() == WORKFLOWS.resolve()


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(WORKFLOWS)) for p in FILES])
def test_file_loads_and_checks_clean(path, library):
    document = load_document(path)
    assert document.file == str(path)
    problems = [str(d) for d in library.check() if d.location is not None and d.location.file == str(path)]
    assert problems == []


def test_the_whole_library_is_clean(library):
    assert [str(d) for d in library.check()] == []


@pytest.mark.parametrize("profile_id", ["vn-2019", "vn-2025", "tuyen-quang"])
def test_profiles_resolve(profile_id):
    profile = load_profile(profile_id)
    assert profile.workflow("found-professional-group").subject.level == ("group",)
    assert any(r.id == "MEM-02" for pack in profile.rule_packs for r in pack.rules)


def test_vn_2019_has_districts_and_vn_2025_does_not_and_each_is_in_force_on_its_side_of_1_july_2025():
    old, new, province = load_profile("vn-2019"), load_profile("vn-2025"), load_profile("tuyen-quang")
    assert "district" in old.hierarchy
    assert "district" not in new.hierarchy
    switch = dt.date(2025, 7, 1)
    assert old.effective is not None
    assert new.effective is not None
    assert old.effective.covers(switch - dt.timedelta(days=1))
    assert not old.effective.covers(switch)
    assert new.effective.covers(switch)
    assert province.effective == old.effective  # inherited through extends


def test_tuyen_quang_tightens_the_group_maximum():
    params = params_in_force(load_profile("tuyen-quang").rule_packs)
    assert params["group_max_members"].value == 30
    assert params["same_commune_required"].value is True
    assert params["group_min_members"].value == 5


def test_loading_and_checking_every_shipped_file_is_fast():
    start = time.perf_counter()
    Library.from_paths(WORKFLOWS).check()
    assert (
        time.perf_counter() - start < 2.0
    )  # measured well under a second; the margin is for slow CI machines

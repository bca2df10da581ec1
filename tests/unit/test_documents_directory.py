"""The directory of courts and mediation centres: the shipped file matches the GB/T 2260 list, names follow the
basic people's court pattern, no address is invented, and an operator's file is read."""
from __future__ import annotations

import json

import pytest

from remedy.contract import regions
from remedy.contract.directory import DEFAULT_PATH, Directory, DirectoryError, Entry, default_entries
from remedy.ops.directory_build import build


def test_the_shipped_directory_is_the_generated_one_and_names_every_county_level_court_and_centre():
    shipped = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    assert {k: v for k, v in shipped["entries"].items()} == build(shipped)["entries"]
    d = Directory.load()
    for code in regions.COUNTY_LEVEL:
        assert d.get(f"CT-{code}").name.endswith("人民法院") and d.get(f"MC-{code}").name.endswith("人民调解委员会")
    assert len(d.entries) == 2 * len(regions.COUNTY_LEVEL)


@pytest.mark.parametrize("key, name", [
    ("CT-350502", "泉州市鲤城区人民法院"), ("MC-350502", "泉州市鲤城区人民调解委员会"),
    ("CT-350524", "泉州市安溪县人民法院"), ("CT-350582", "晋江市人民法院"), ("CT-110105", "北京市朝阳区人民法院"),
    ("CT-500235", "重庆市云阳县人民法院"), ("CT-441900", "东莞市人民法院"), ("CT-222401", "延吉市人民法院"),
    ("CT-152921", "阿拉善左旗人民法院"),
])
def test_names_follow_the_court_pattern(key, name):
    assert Directory.load().entry(key).name == name


def test_no_address_is_invented_and_an_unknown_value_stands_for_itself():
    assert all(entry["address"] is None for entry in default_entries().values())
    d = Directory.load()
    assert d.entry("北京互联网法院") == Entry("北京互联网法院", None) and d.entry(None) == Entry("")


def test_an_operator_file_with_addresses_and_lenders(tmp_path):
    path = tmp_path / "directory.json"
    path.write_text(json.dumps({"entries": {"CT-350502": {"name": "泉州市鲤城区人民法院", "address": "福建省泉州市某路1号"},
                                            "LENDER-SZ02": {"name": "深圳某小额贷款有限公司"}}}), encoding="utf-8")
    d = Directory.load(path)
    assert d.entry("CT-350502").address == "福建省泉州市某路1号" and d.entry("LENDER-SZ02").name == "深圳某小额贷款有限公司"
    kept = build(json.loads(path.read_text(encoding="utf-8")))["entries"]
    assert kept["CT-350502"]["address"] == "福建省泉州市某路1号" and kept["LENDER-SZ02"]["name"] == "深圳某小额贷款有限公司"


def test_a_broken_file_is_a_clear_error(tmp_path):
    path = tmp_path / "directory.json"
    path.write_text('{"entries": {"CT-1": {}}}', encoding="utf-8")
    with pytest.raises(DirectoryError, match="directory .*name"):
        Directory.load(path)
    with pytest.raises(DirectoryError):
        Directory.load(tmp_path / "absent.json")

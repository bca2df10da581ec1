"""Write ``remedy/contract/gbt2260_en.tsv``: the English (Hanyu Pinyin) name of every GB/T 2260 division, for the
English switch of the report and other screens.

English names of Chinese divisions are their pinyin with the kind of division translated (丰泽区 → Fengze
District, 泉州市 → Quanzhou, 延边朝鲜族自治州 → Yanbian Autonomous Prefecture); the 34 province-level names are
the customary ones (内蒙古自治区 → Inner Mongolia), and so are the names from a minority language that English
writes otherwise (乌鲁木齐市 → Urumqi, 锡林郭勒盟 → Xilingol League: ``regions_customary``). The pinyin comes from ``pypinyin`` (a development tool, in the ``test``
extra); the platform reads the generated file and needs nothing more::

    python -m remedy.ops.regions_english      # after remedy.ops.regions_refresh: review the diff, then commit
"""
from __future__ import annotations

import sys
from pathlib import Path

import remedy.contract
from remedy.contract.regions import NAMES, SOURCE
from remedy.ops.regions_customary import customary

DATA_PATH = Path(remedy.contract.__file__).resolve().parent / "gbt2260_en.tsv"   # what remedy.contract.regions_en reads
PROVINCES = {
    "11": "Beijing", "12": "Tianjin", "13": "Hebei", "14": "Shanxi", "15": "Inner Mongolia", "21": "Liaoning",
    "22": "Jilin", "23": "Heilongjiang", "31": "Shanghai", "32": "Jiangsu", "33": "Zhejiang", "34": "Anhui",
    "35": "Fujian", "36": "Jiangxi", "37": "Shandong", "41": "Henan", "42": "Hubei", "43": "Hunan", "44": "Guangdong",
    "45": "Guangxi", "46": "Hainan", "50": "Chongqing", "51": "Sichuan", "52": "Guizhou", "53": "Yunnan", "54": "Xizang",
    "61": "Shaanxi", "62": "Gansu", "63": "Qinghai", "64": "Ningxia", "65": "Xinjiang", "71": "Taiwan",
    "81": "Hong Kong", "82": "Macao"}
# the kind of division, longest first; a prefecture-level city (市) is named without it
KINDS = (("自治州", "Autonomous Prefecture"), ("自治县", "Autonomous County"), ("自治旗", "Autonomous Banner"),
         ("林区", "Forestry District"), ("地区", "Prefecture"), ("新区", "New Area"), ("区", "District"), ("县", "County"), ("旗", "Banner"),
         ("盟", "League"), ("市", "City"))
# ethnic groups named in autonomous divisions' names, left out of the English name (延边朝鲜族自治州 → Yanbian ...)
PEOPLES = ("柯尔克孜", "哈萨克", "塔吉克", "达斡尔", "鄂伦春", "鄂温克", "土家", "仫佬", "毛南", "仡佬", "布依", "哈尼",
           "纳西", "拉祜", "布朗", "景颇", "傈僳", "独龙", "普米", "裕固", "东乡", "保安", "撒拉", "锡伯", "蒙古", "朝鲜",
           "满", "回", "畲", "苗", "瑶", "侗", "壮", "各", "黎", "羌", "彝", "藏", "水", "傣", "佤", "白", "怒", "土")


# readings place names take that pypinyin's everyday ones miss: a whole name, or one character where it stands
READINGS = {"单": ["shan"], "浚": ["xun"], "涡阳": ["guo", "yang"], "洪洞": ["hong", "tong"], "盐都": ["yan", "du"]}
FIRST = {"长": "chang", "朝": "chao"}   # 长宁 Changning, 朝阳 Chaoyang
EVERYWHERE = {"都": "du", "什": "shi", "勒": "le"}   # 成都, 都兰 Dulan; 什邡 Shifang; 弥勒 Mile, 勒流 Leliu


def syllables(chinese: str) -> list[str]:
    from pypinyin import lazy_pinyin

    if chinese in READINGS:
        return READINGS[chinese]
    out = lazy_pinyin(chinese, v_to_u=True)
    if len(out) == len(chinese):
        out = [EVERYWHERE.get(ch, syllable) for ch, syllable in zip(chinese, out)]
        if len(out) > 1:
            out[0] = FIRST.get(chinese[0], out[0])
    return out


def romanise(chinese: str) -> str:
    """汉字 → ``Quanzhou`` (one word, capitalised; an apostrophe before a vowel syllable: Xi'an)."""
    out = ""
    for syllable in syllables(chinese):
        out += ("'" if out and syllable[:1] in "aoe" else "") + syllable
    return out[:1].upper() + out[1:]


def without_peoples(stem: str) -> str:
    """The place in an autonomous division's name: 延边朝鲜族 → 延边 (the name itself when nothing else is left)."""
    place = stem
    while True:
        trimmed = place.removesuffix("族")
        people = next((p for p in PEOPLES if trimmed.endswith(p) and len(trimmed) > len(p)), None)
        if people is None:
            return place.removesuffix("族") if place != stem else stem.removesuffix("族")
        place = trimmed[: -len(people)]


def english(code: str, name: str) -> str:
    if code.endswith("0000"):
        return PROVINCES.get(code[:2], romanise(name))
    for suffix, kind in KINDS:
        if name.endswith(suffix) and len(name) > len(suffix) + (suffix == "新区"):   # 清新区 is Qingxin District
            stem = name[: -len(suffix)]
            stem = without_peoples(stem) if suffix.startswith("自治") else stem
            place = customary(code, stem) or romanise(stem)
            prefecture_city = suffix == "市" and code.endswith("00")
            return place if prefecture_city else f"{place} {kind}"
    return customary(code, name) or romanise(name)


def main() -> int:
    lines = ["# English (Hanyu Pinyin) names of the GB/T 2260 divisions in gbt2260.tsv; generated, do not edit.",
             f"# from: {SOURCE}", "# regenerate: python -m remedy.ops.regions_english. code<TAB>English name"]
    lines += [f"{code}\t{english(code, name)}" for code, name in sorted(NAMES.items())]
    DATA_PATH.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{DATA_PATH}: {len(NAMES):,} names")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""GB/T 2260 region codes (中华人民共和国行政区划代码): which 6-digit codes name a real division, and their names.

The list is ``gbt2260.tsv`` beside this module, read once at import: every province, prefecture and
county-level division of the Ministry of Civil Affairs' current list (its source and date are in the
file's header; ``python -m remedy.ops.regions_refresh`` renews it).

A case is heard where a basic people's court sits, so what Remedy accepts as a region is a
**county-level** code: a district, county, county-level city or banner (code not ending in ``00``), or
a prefecture-level city that has no counties under it (东莞市 441900, 中山市 442000, 儋州市 460400,
嘉峪关市 620200). Province- and prefecture-level codes are real but name no single court.
"""
from __future__ import annotations

from pathlib import Path

DATA_PATH = Path(__file__).resolve().parent / "gbt2260.tsv"


def _read(path: Path) -> tuple[dict[str, str], str]:
    names, source = {}, ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# source:"):
            source = line.removeprefix("# source:").strip()
        elif line and not line.startswith("#"):
            code, name = line.split("\t")
            names[code] = name
    return names, source


NAMES, SOURCE = _read(DATA_PATH)   # every division: code → name (bounded: ~3,200 codes)
PROVINCES = frozenset(code[:2] for code in NAMES if code.endswith("0000"))
_PREFECTURES_WITH_COUNTIES = frozenset(code[:4] for code in NAMES if not code.endswith("00"))
COUNTY_LEVEL = frozenset(code for code in NAMES if not code.endswith("00") or (
    not code.endswith("0000") and code[:4] not in _PREFECTURES_WITH_COUNTIES))


def is_county_level(code: str | None) -> bool:
    """Whether ``code`` is a county-level GB/T 2260 division, the seat of a basic people's court."""
    return code in COUNTY_LEVEL


def unknown_part(code: str) -> str | None:
    """What of a 6-digit code is not a county-level division: ``province`` (its first two digits name none),
    ``county`` (the province exists, the code is in no list), ``level`` (a real province or prefecture
    code, not a county); None for a county-level code."""
    if code in COUNTY_LEVEL:
        return None
    if code[:2] not in PROVINCES:
        return "province"
    return "level" if code in NAMES else "county"


def names(code: str) -> tuple[str, str, str]:
    """(province, prefecture, county) names of a code; "" where the level does not exist or is unknown.
    A prefecture-level city without counties is its own county-level unit: 441900 → (广东省, 东莞市, 东莞市)."""
    province = NAMES.get(code[:2] + "0000", "")
    prefecture = NAMES.get(code[:4] + "00", "") if not code.endswith("0000") else ""
    county = NAMES.get(code, "") if code in COUNTY_LEVEL else ""
    return province, prefecture, county

"""English names of GB/T 2260 divisions, for the English switch: ``350503`` → ``Fengze District, Quanzhou, Fujian``.

The names are in ``gbt2260_en.tsv`` beside this module, generated from ``gbt2260.tsv`` in Hanyu Pinyin
(``python -m remedy.ops.regions_english``), read once at import."""
from __future__ import annotations

from pathlib import Path

from remedy.contract.regions import COUNTY_LEVEL

DATA_PATH = Path(__file__).resolve().parent / "gbt2260_en.tsv"


def _read(path: Path) -> dict[str, str]:
    rows = (line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#"))
    return {code: name for code, name in rows}


NAMES_EN = _read(DATA_PATH)


def english(code: str | None) -> str:
    """A code as an English reader says it, county first (the code itself when the list lacks it)."""
    code = code or ""
    county = NAMES_EN.get(code, "") if code in COUNTY_LEVEL else ""
    prefecture = NAMES_EN.get(code[:4] + "00", "") if not code.endswith("0000") else ""
    province = NAMES_EN.get(code[:2] + "0000", "")
    return ", ".join(dict.fromkeys(n for n in (county, prefecture, province) if n)) or code

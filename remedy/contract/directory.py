"""The directory of mediation centres and courts: an id as triage names it (``MC-<region>``,
``CT-<region>``) → the name and address a document prints. Pure: reads one JSON file.

The file (``directory.json`` beside this module by default; an operator points a setting at their own
copy) holds ``entries``: ``{"MC-350502": {"name": "泉州市鲤城区人民调解委员会", "address": null}, ...}``.
The shipped default is generated from the vendored GB/T 2260 list (``default_entries``; regenerate it
with ``python -m remedy.ops.directory_build``): every county-level division gets its basic people's
court and its people's mediation committee, by name only — ``address`` is null until an operator
fills it from the court's or the justice bureau's own announcement, and a document then says where
the address is published instead of inventing one. Lenders may be listed too (``LENDER-...``), so that
documents name them; an id the directory lacks is printed as it is.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from remedy.contract import regions

DEFAULT_PATH = Path(__file__).resolve().parent / "directory.json"
KINDS = {"MC": "人民调解委员会", "CT": "人民法院"}


class DirectoryError(ValueError):
    """The directory file is not what this module reads."""


@dataclass(frozen=True)
class Entry:
    name: str
    address: str | None = None


def _prefix(province: str, prefecture: str, county: str) -> str:
    """What goes before the county's name: none for a county-level city (晋江市人民法院), the city for a
    district or county of a city (泉州市鲤城区), the municipality for one of its own (北京市朝阳区)."""
    if county.endswith("市"):
        return ""
    if prefecture:
        return prefecture if prefecture.endswith("市") else ""
    return province if province.endswith("市") else ""


def default_entries() -> dict[str, dict]:
    """A court and a mediation committee per county-level GB/T 2260 division, named, with no address."""
    out: dict[str, dict] = {}
    for code in sorted(regions.COUNTY_LEVEL):
        province, prefecture, county = regions.names(code)
        place = _prefix(province, prefecture, county) + county
        for kind, suffix in KINDS.items():
            out[f"{kind}-{code}"] = {"name": place + suffix, "address": None}
    return out


@dataclass(frozen=True)
class Directory:
    entries: dict[str, Entry]
    source: str = ""

    @classmethod
    def load(cls, path: Path | str | None = None) -> "Directory":
        path = Path(path or DEFAULT_PATH)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            entries = {key: Entry(str(v["name"]), v.get("address") or None) for key, v in raw["entries"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise DirectoryError(f"directory {path}: {exc}") from exc
        return cls(entries, str(raw.get("source", "")))

    def get(self, key: str | None) -> Entry | None:
        return self.entries.get(key) if key else None

    def entry(self, key: str | None) -> Entry:
        """The entry of an id; a value that is no id (already a name, as an operator or a test may give)
        stands for itself, with no address."""
        return self.get(key) or Entry(key or "")

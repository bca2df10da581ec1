"""Regions and courts by name in the report's language: GB/T 2260 names in Chinese (福建省泉州市丰泽区) or in
pinyin (Fengze District, Quanzhou, Fujian); a court by its name in the directory (remedy/contract/directory.py),
or in English from its region. An id nothing names shows as it is."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from remedy.contract import i18n, regions
from remedy.contract.directory import Directory, DirectoryError
from remedy.contract.regions_en import english


def chinese(code: str) -> str:
    """A code as people say it in Chinese: 福建省泉州市丰泽区 (the code itself if the list lacks it)."""
    return "".join(dict.fromkeys(n for n in regions.names(code) if n)) if code else ""


def directory_names(path: str | None = None) -> Callable[[str], str | None]:
    """Court and centre ids → their names in the operator's directory (``REMEDY_NOTIFY_DIRECTORY``, the one documents
    print) or the shipped one; None for an id it lacks, and for every id when the file cannot be read."""
    try:
        directory = Directory.load(path or None)
    except DirectoryError:
        return lambda _id: None
    return lambda entry_id: directory.entries[entry_id].name if entry_id in directory.entries else None


@dataclass(frozen=True)
class Names:
    lang: str = i18n.DEFAULT
    directory: Callable[[str], str | None] = field(default=lambda _id: None)

    def region(self, code: str, chinese_name: str | None = None) -> str:
        if i18n.language(self.lang) == "en":
            return english(code)
        return chinese_name or chinese(code) or code

    def court(self, court_id: str) -> str:
        kind, _, code = (court_id or "").partition("-")
        if i18n.language(self.lang) == "zh":
            return self.directory(court_id) or court_id
        if kind == "CT" and code in regions.NAMES:
            return i18n.Messages.load("report").text("court.of", "en", place=english(code))
        return court_id

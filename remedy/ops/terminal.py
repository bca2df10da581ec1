"""The ``remedy`` command's language and words: Simplified Chinese first, English as a switch.

The language is ``remedy --lang zh|en``, else ``REMEDY_LANG``, else the locale (``LC_ALL``, ``LC_MESSAGES`` or
``LANG`` starting with ``en``: English), else Chinese. The words are the catalogue's ``cli`` domain
(remedy/contract/messages/cli.json). Chinese characters take two cells of a terminal, so columns are padded by
cells (``pad``), not by characters."""
from __future__ import annotations

import os
from typing import Mapping

from rich.cells import cell_len

from remedy.contract.i18n import LANGUAGES, Messages

CLI = Messages.load("cli")


class LanguageError(ValueError):
    """A language the terminal does not speak (``REMEDY_LANG=fr``)."""


def parse(value: str) -> str:
    """``zh``, ``zh-CN``, ``zh_CN.UTF-8``, ``en``, ``en-US`` … → ``zh`` or ``en``; anything else is refused."""
    tag = value.strip().lower().replace("_", "-").split(".")[0]
    for lang in LANGUAGES:
        if tag == lang or tag.startswith(lang + "-"):
            return lang
    raise LanguageError(value)


def choose(option: str | None, setting: str = "", environ: Mapping[str, str] | None = None) -> str:
    """The terminal's language: the ``--lang`` option, else the ``REMEDY_LANG`` setting, else the locale."""
    if option:
        return parse(option)
    if setting.strip():
        return parse(setting)
    env = os.environ if environ is None else environ
    locale = env.get("LC_ALL") or env.get("LC_MESSAGES") or env.get("LANG") or ""
    return "en" if locale.strip().lower().startswith("en") else "zh"


def text(key: str, lang: str, **values) -> str:
    """One line (or part of one) of the terminal, in ``lang``."""
    return CLI.text(key, lang, **values)


def pad(words: str, cells: int) -> str:
    """``words`` padded with spaces to ``cells`` terminal cells (a Chinese character takes two)."""
    return words + " " * max(0, cells - cell_len(words))


def rpad(words: str, cells: int) -> str:
    """``words`` right-aligned in ``cells`` terminal cells."""
    return " " * max(0, cells - cell_len(words)) + words

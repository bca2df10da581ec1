"""Remedy's changes to faust's own behaviour, each guarded, each switchable (``REMEDY_FAUST_PATCHES``).

- ``fastpath``: faust's per-record delivery without four tasks per record (speed).
- ``highwater``: true end offsets for table recovery on Tansu (correctness).
- ``fromstart``: after a rebalance, a partition no member has committed is read from its beginning (correctness).
- ``nomonitor``: no faust ``Monitor`` sensor (speed; applied by ``remedy.runtime.app.App``).
- ``fetchwait``: the broker holds a fetch of partitions with nothing new for ``REMEDY_FETCH_MAX_WAIT_MS``, not faust's
  1.5 s (speed under a backlog).

``REMEDY_FAUST_PATCHES`` is ``all`` (the default), ``none``, or a comma list of these names. Only the
chosen patches' guards are checked and only they are installed; the others leave faust as shipped.

The patch modules are imported when first asked for (``module``): importing ``remedy.runtime.patches.guard``
alone, as notify's printing process does for reportlab's guard, does not import faust.
"""
from __future__ import annotations

import importlib
from types import ModuleType

from remedy.kernel.settings import SettingsError
from remedy.runtime.patches.guard import Guard

PATCHES = ("fastpath", "highwater", "fromstart", "nomonitor", "fetchwait")


def module(name: str) -> ModuleType:
    """The patch ``name``'s module (``remedy.runtime.patches.<name>``)."""
    return importlib.import_module(f"{__name__}.{name}")


def chosen(value: str) -> frozenset[str]:
    """The patch names ``REMEDY_FAUST_PATCHES`` selects."""
    value = value.strip().lower()
    if value == "all":
        return frozenset(PATCHES)
    if value in ("none", ""):
        return frozenset()
    names = {name.strip() for name in value.split(",") if name.strip()}
    unknown = sorted(names - set(PATCHES))
    if unknown:
        raise SettingsError(f"REMEDY_FAUST_PATCHES={value!r}: unknown patch(es) {', '.join(unknown)}; "
                            f"expected all, none, or a comma list of {', '.join(PATCHES)}")
    return frozenset(names)


def guards(names: frozenset[str]) -> list[Guard]:
    return [guard for name in PATCHES if name in names
            for guard in getattr(module(name), "GUARDS", (module(name).GUARD,))]


def install(names: frozenset[str]) -> None:
    """Install the chosen patches and put faust's own code back for the others."""
    for name in PATCHES:
        if name in names:
            module(name).install()
        else:
            module(name).uninstall()

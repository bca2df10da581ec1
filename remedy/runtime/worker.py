"""Running one service's faust worker from the command line: ``python -m services.<name>``."""
from __future__ import annotations

import gc
import sys
from typing import Callable, TypeVar

import faust

from remedy.kernel.settings import EnvSettings, Settings
from remedy.runtime import introspect
from remedy.runtime.startup import refuse_development_secrets

Own = TypeVar("Own", bound=EnvSettings)


def tune_gc() -> None:
    """Fewer, cheaper garbage collections for a long-running stream worker.

    Every record allocates dozens of short-lived objects (futures, messages, dicts), so with
    CPython's default gen-0 threshold (700) the collector runs every few records and rescans the
    modules, app and tables that live for the whole process. Freezing those and collecting gen 0
    every 50,000 allocations measured ~20% more records/s in ``bench/bench_intake.py`` for both the
    bare agent and intake. Reference counting still frees almost everything at once; only cycles
    wait a little longer.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


FAUST_LEVELS = {"warning": "warn", "critical": "crit"}  # faust's --loglevel spells these two its own way


def faust_loglevel(level: str) -> str:
    """``REMEDY_LOG_LEVEL`` as faust's command line accepts it (it rejects ``warning``, the default)."""
    level = level.lower()
    return FAUST_LEVELS.get(level, level)


def run(build: Callable[[Settings, Own], faust.App], own: type[Own]) -> None:
    """The shared settings and the service's own (``own``, e.g. ``TriageSettings``), read from the environment
    once, built into the service's faust app, then its worker."""
    settings, own_settings = Settings.from_env(), own.from_env()
    refuse_development_secrets(settings, own_settings)
    app = build(settings, own_settings)
    introspect.install(app)
    tune_gc()
    quiet = ["--quiet"] if settings.log_format.strip().lower() == "json" else []   # JSON logs: no banner table
    sys.argv = [sys.argv[0], *quiet, "worker", "--loglevel", faust_loglevel(settings.log_level)]
    app.main()

"""Running one service's faust worker from the command line: ``python -m services.<name>``."""
from __future__ import annotations

import sys
from typing import Callable

import faust

from remedy.settings import Settings


def run(build: Callable[[Settings], faust.App]) -> None:
    settings = Settings.from_env()
    app = build(settings)
    sys.argv = [sys.argv[0], "worker", "--loglevel", settings.log_level]
    app.main()

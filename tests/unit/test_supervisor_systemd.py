"""deploy/systemd: the unit files parse, restart always with a delay and a start limit, read the
environment file, and start a module that exists; ``python -m remedy.ops.procs <service>-<n>``
(what ``remedy-worker@.service`` runs) gives the instance the port and data dir ``remedy up`` would."""
from __future__ import annotations

import configparser
import importlib.util
import shlex
from pathlib import Path

import pytest

from remedy.kernel.settings import REPO_ROOT
from remedy.ops import procs
from remedy.ops.stack import SCALABLE, SERVICES

UNITS = REPO_ROOT / "deploy" / "systemd"


class _Multi(dict):
    """Keeps every value of a key systemd allows to repeat (EnvironmentFile=): configparser reads
    values as lists and, with ``strict=False``, sets a repeated key again."""

    def __setitem__(self, key, value):
        if isinstance(value, list) and isinstance(self.get(key), list):
            self[key].extend(value)
        else:
            super().__setitem__(key, value)


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, dict_type=_Multi,
                                       comment_prefixes=("#", ";"), empty_lines_in_values=False)
    parser.optionxform = str   # systemd keys are case-sensitive
    parser.read_string((UNITS / name).read_text(encoding="utf-8"), source=name)
    return parser


def exec_module(parser: configparser.ConfigParser) -> tuple[str, list[str]]:
    argv = shlex.split(parser["Service"]["ExecStart"])
    assert argv[0].endswith("/.venv/bin/python") and argv[1] == "-m", argv
    return argv[2], argv[3:]


SERVICE_UNITS = ["remedy@.service", "remedy-worker@.service"]


def test_the_units_are_there():
    assert sorted(p.name for p in UNITS.iterdir()) == ["remedy-worker@.service", "remedy.target", "remedy@.service"]


@pytest.mark.parametrize("name", SERVICE_UNITS)
def test_a_unit_restarts_always_after_a_delay_within_a_start_limit(name):
    u = unit(name)
    service = u["Service"]
    assert service["Restart"] == "always"
    assert float(service["RestartSec"]) >= 1
    assert float(service["RestartMaxDelaySec"]) == 30 and int(service["RestartSteps"]) > 0
    assert int(u["Unit"]["StartLimitBurst"]) >= 5 and int(u["Unit"]["StartLimitIntervalSec"]) >= 60
    assert service["KillSignal"] == "SIGTERM" and int(service["TimeoutStopSec"]) >= 15


@pytest.mark.parametrize("name", SERVICE_UNITS)
def test_a_unit_reads_the_environment_file_and_belongs_to_the_target(name):
    u = unit(name)
    files = u["Service"]["EnvironmentFile"].split("\n")
    assert files[0] == "/etc/remedy/remedy.env" and files[1] == "-/etc/remedy/%i.env"
    assert (REPO_ROOT / "deploy" / "remedy.env.example").is_file()
    assert u["Unit"]["PartOf"] == "remedy.target" and u["Install"]["WantedBy"] == "remedy.target"
    target = unit("remedy.target")
    assert target["Install"]["WantedBy"] == "multi-user.target"


def test_remedy_at_runs_a_service_module_that_exists_for_every_service():
    module, args = exec_module(unit("remedy@.service"))
    assert module == "services.%i" and args == []
    for service in SERVICES:
        spec = importlib.util.find_spec(module.replace("%i", service) + ".__main__")
        assert spec is not None and spec.origin == str(REPO_ROOT / "services" / service / "__main__.py")


def test_remedy_worker_at_runs_the_instance_launcher_for_every_scalable_service():
    module, args = exec_module(unit("remedy-worker@.service"))
    assert (module, args) == ("remedy.ops.procs", ["%i"])
    spec = importlib.util.find_spec(module)
    assert spec is not None and Path(spec.origin) == REPO_ROOT / "remedy" / "ops" / "procs.py"
    assert callable(procs.main)
    for service in SCALABLE:
        assert procs.parse_instance(f"{service}-2") == (service, 2)
        assert (REPO_ROOT / "services" / service / "__main__.py").is_file()


def test_the_instance_launcher_becomes_the_worker_with_its_port_and_data_dir(monkeypatch, tmp_path):
    ran = {}
    monkeypatch.setattr(procs.os, "execve", lambda path, argv, env: ran.update(path=path, argv=argv, env=env))
    monkeypatch.setenv("REMEDY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("REMEDY_TRIAGE_PORT", "7102")
    procs.main(["triage-3"])
    assert ran["argv"][1:] == ["-m", "services.triage"]
    assert ran["env"]["REMEDY_TRIAGE_PORT"] == "7302" and ran["env"]["REMEDY_DATA_DIR"] == str(tmp_path / "triage-3")
    for bad, says in (["triage"], "not an instance name"), (["nosuch-1"], "no service 'nosuch'"), ([], "usage"):
        with pytest.raises(SystemExit) as exit_:
            procs.main(bad)
        assert says in str(exit_.value.code)

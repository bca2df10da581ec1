"""``deploy/compose/compose.yaml`` read as YAML and held to the rules an operator relies on (no Docker engine runs
here to try it): every Remedy service has its container from the one image, replicas come from the environment,
health checks hit each service's own port, images are pinned, secrets are only ``${VAR}`` references."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from remedy.kernel.settings import REPO_ROOT
from remedy.ops.scale import SERVICES
from remedy.ops.settings import PlatformSettings, parts

COMPOSE = REPO_ROOT / "deploy" / "compose"
SECRET = re.compile(r"PASSWORD|SECRET|_KEY$|TOKEN", re.I)
REFERENCE = re.compile(r"\$\{\w+(:[?-][^}]*)?\}")
ONE_SHOT = {"topics", "clickhouse-setup"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((COMPOSE / "compose.yaml").read_text(encoding="utf-8"))


def ports() -> dict[str, int]:
    platform = PlatformSettings.from_env({})
    return {name: platform.port_for(name) for name in SERVICES}


def test_every_service_of_the_platform_has_its_container_from_the_one_image(compose):
    owners = {owner for owner, _ in parts()} - {"shared", "sim"}
    assert owners == set(SERVICES)
    image = compose["services"]["gateway"]["image"]
    for name in SERVICES:
        service = compose["services"][name]
        assert service["command"] == ["python", "-m", f"services.{name}"], name
        assert service["image"] == image and service["build"]["dockerfile"] == "deploy/Dockerfile", name
        assert any(f["path"] == "../remedy.env.example" for f in service["env_file"]), name


def test_replicas_come_from_the_environment_with_a_default(compose):
    for name in SERVICES:
        replicas = compose["services"][name]["deploy"]["replicas"]
        assert re.fullmatch(rf"\$\{{REMEDY_{name.upper()}_REPLICAS:-[1-9]\d*\}}", str(replicas)), (name, replicas)


def test_health_checks_hit_each_services_own_port_the_gateway_its_readiness(compose):
    for name, port in ports().items():
        test = compose["services"][name]["healthcheck"]["test"]
        path = "/readyz" if name == "gateway" else "/healthz"
        assert test[-1] == f"http://127.0.0.1:{port}{path}", (name, test)
    for name, service in compose["services"].items():
        assert name in ONE_SHOT or service.get("healthcheck"), f"{name} has no health check"


def test_every_long_running_container_has_resource_limits(compose):
    for name, service in compose["services"].items():
        if name not in ONE_SHOT:
            limits = service["deploy"]["resources"]["limits"]
            assert limits.get("memory") and limits.get("cpus"), name


def test_images_are_pinned_and_published_ports_are_unique(compose):
    published = []
    for name, service in compose["services"].items():
        image = service["image"]
        tag = image.rsplit(":", 1)[-1] if ":" in image else ""
        assert tag and tag != "latest" and re.search(r"\d", tag), f"{name}: {image} is not pinned"
        published += [p.rsplit(":", 1)[0] for p in service.get("ports", [])]
    assert len(published) == len(set(published)), published


def test_no_secret_value_is_written_inline(compose):
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            value = str(value)
            if SECRET.search(key):
                assert REFERENCE.fullmatch(value), f"{name}: {key} must be a ${{VAR}} reference, not a value"
            for userinfo in re.findall(r"://[^:/@]+:([^@]+)@", value):
                assert REFERENCE.fullmatch(userinfo), f"{name}: {key} holds a password inline"
        text = " ".join(map(str, service.get("entrypoint") or []))
        assert "--password" not in text or "${" in text, name
    holders = [n for n, s in compose["services"].items() if "REMEDY_CLICKHOUSE_URL" in (s.get("environment") or {})]
    assert holders == ["analytics"], "only the sink gets ClickHouse's writer password"
    example = (REPO_ROOT / "deploy" / "remedy.env.example").read_text(encoding="utf-8")
    for line in example.splitlines():
        key, _, value = line.partition("=")
        if SECRET.search(key) and not line.startswith("#"):
            assert value == "" or value.startswith(("@/", "/")), f"remedy.env.example fills {key}"


def test_files_mounted_from_the_repository_exist(compose):
    made_by_the_operator = {"./secrets", "./certs", "./certs/ca.crt"}
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith(".") and source not in made_by_the_operator:
                assert (COMPOSE / source).exists(), f"{name} mounts {source}, which does not exist"


def test_prometheus_scrapes_every_replica_of_every_service_on_its_port():
    config = yaml.safe_load((COMPOSE / "prometheus.yml").read_text(encoding="utf-8"))
    found = {job["job_name"]: job["dns_sd_configs"][0] for job in config["scrape_configs"]}
    assert set(found) == set(SERVICES)
    for name, port in ports().items():
        assert found[name] == {"names": [name], "type": "A", "port": port}, name
    assert Path(config["rule_files"][0]).name == "alerts.yml"


def test_every_gateway_replica_shares_one_evidence_store(compose):
    gateway = compose["services"]["gateway"]
    assert gateway["environment"]["REMEDY_GATEWAY_EVIDENCE_DIR"] == "/var/lib/remedy-evidence"
    assert "evidence:/var/lib/remedy-evidence" in gateway["volumes"] and "./secrets:/etc/remedy:ro" in gateway["volumes"]
    assert "evidence" in compose["volumes"]

"""deploy/prometheus: scrape every instance of every service, and alert rules that fire when they should (promtool)."""
from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess

import pytest

from remedy.kernel.settings import REPO_ROOT
from remedy.ops.settings import parts

PROM = REPO_ROOT / "deploy" / "prometheus"
promtool = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(promtool is None, reason="promtool not installed (Debian package `prometheus`)")


def test_every_service_port_is_scraped():
    config = (PROM / "prometheus.yml").read_text()
    for service, kind in parts():
        for field in dataclasses.fields(kind):
            if field.name == "port" and "HTTP port" in field.metadata["doc"]:
                assert re.search(rf"job_name: {service}\n.*\n.*127\.0\.0\.1:{field.default}\"", config), service


def test_the_config_is_the_one_the_stack_generates_and_scrapes_every_instance():
    from remedy.ops.scale import scrape_config
    from remedy.ops.settings import PlatformSettings

    assert (PROM / "prometheus.yml").read_text() == scrape_config(PlatformSettings.from_env({})), \
        "regenerate: python -m remedy.ops.scale > deploy/prometheus/prometheus.yml (with default settings)"
    scaled = scrape_config(PlatformSettings.from_env({}), {"triage": 3, "gateway": 2, "analytics": 2})
    for port, process in ((6102, "triage-1"), (6202, "triage-2"), (6302, "triage-3"), (8080, "gateway-1"),
                          (8180, "gateway-2"), (6108, "analytics-1"), (6208, "analytics-2"), (6101, "intake-1")):
        assert f'"127.0.0.1:{port}"], labels: {{service: {process.rsplit("-", 1)[0]}, process: {process}}}' in scaled
    assert scaled.count("job_name:") == len(parts()) - 2   # every service (not the shared settings, not the simulator)


@needs_promtool
def test_promtool_accepts_a_scaled_config(tmp_path):
    from remedy.ops.scale import scrape_config
    from remedy.ops.settings import PlatformSettings

    (tmp_path / "prometheus.yml").write_text(scrape_config(PlatformSettings.from_env({}), {"notify": 2, "gateway": 8},
                                                           rules=str(PROM / "alerts.yml")))
    result = subprocess.run([promtool, "check", "config", "prometheus.yml"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
@pytest.mark.parametrize("args", [["check", "config", "prometheus.yml"], ["check", "rules", "alerts.yml"],
                                  ["test", "rules", "alerts_test.yml"]])
def test_promtool(args):
    result = subprocess.run([promtool, *args], cwd=PROM, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_grafana_dashboard_has_the_dashboard_panels_over_both_sources():
    board = json.loads((REPO_ROOT / "deploy" / "grafana" / "remedy.json").read_text())
    titles = {p["title"] for p in board["panels"]}
    for needed in ("Funnel by stage", "Recovery", "Case cycle time", "Cross-region", "Compliance: notices",
                   "Backlog by stage", "Consumer lag", "Dead letters"):
        assert any(t.startswith(needed) for t in titles), needed
    kinds = {p["datasource"]["type"] for p in board["panels"]}
    assert kinds == {"grafana-clickhouse-datasource", "prometheus"}
    views = {"case_now", "funnel_now", "notices_now", "rejection_reasons"}
    sql = " ".join(t.get("rawSql", "") for p in board["panels"] for t in p["targets"])
    assert all(v in sql for v in views)

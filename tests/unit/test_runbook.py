"""docs/runbook.md says what every alert means and what to do, and the docs and the README lead to it."""
from __future__ import annotations

import re

import yaml

from remedy.kernel.settings import REPO_ROOT

RUNBOOK = (REPO_ROOT / "docs" / "runbook.md").read_text(encoding="utf-8")


def test_every_alert_has_a_row_in_the_runbook():
    rules = yaml.safe_load((REPO_ROOT / "deploy" / "prometheus" / "alerts.yml").read_text(encoding="utf-8"))
    alerts = {r["alert"] for group in rules["groups"] for r in group["rules"] if "alert" in r}
    rows = set(re.findall(r"^\| `(Remedy\w+)` \|", RUNBOOK, re.M))
    assert alerts and alerts == rows, f"missing: {sorted(alerts - rows)}, not alerts: {sorted(rows - alerts)}"


def test_the_runbook_covers_start_scale_upgrade_backup_and_is_linked():
    headings = re.findall(r"^## (.+)$", RUNBOOK, re.M)
    assert headings == ["Start", "Scale", "Upgrade", "Back up and restore", "Alerts"]
    assert "(runbook.md)" in (REPO_ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert "(docs/runbook.md)" in (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/runbook.md" in (REPO_ROOT / "deploy" / "README.md").read_text(encoding="utf-8")

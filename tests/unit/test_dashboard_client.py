"""`remedy run` reads the dashboard for its report only once analytics has settled and the panels' snapshot holds
everything the sink wrote: a stale snapshot that stopped changing is not settled."""
from __future__ import annotations

import pytest

from remedy.ops import dashboard_client
from remedy.ops.stack import StackError


def dash(cases: int, current: bool | None) -> dict:
    snap = None if current is None else {"cases": cases, "current": current}
    return {"summary": {"cases": cases}, "funnel": [], "compliance": {"notices": []}, "snapshot": snap}


def test_the_report_waits_for_a_current_snapshot(monkeypatch):
    answers = [dash(0, None), *[dash(40, False)] * 5, *[dash(50, True)] * 4]
    asked = []
    monkeypatch.setattr(dashboard_client, "fetch_dashboard", lambda *a: asked.append(1) or answers[len(asked) - 1])
    monkeypatch.setattr(dashboard_client.time, "sleep", lambda s: None)
    got = dashboard_client.settled_dashboard(None, "tok", quiet_polls=3)
    assert got["summary"]["cases"] == 50, "a snapshot behind the sink is never taken as settled, however still"
    assert len(asked) == len(answers)


def test_a_snapshot_that_never_catches_up_is_an_error(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(dashboard_client, "fetch_dashboard", lambda *a: dash(40, False))
    monkeypatch.setattr(dashboard_client.time, "sleep", lambda s: clock.__setitem__(0, clock[0] + s))
    monkeypatch.setattr(dashboard_client.time, "monotonic", lambda: clock[0])
    with pytest.raises(StackError, match="仍在变化"):
        dashboard_client.settled_dashboard(None, "tok", timeout=30)

"""``remedy replay`` against a real Tansu: real CaseEvent bytes on case.events (and one undecodable
record), read to the end, compared under the default rules and under a lower court threshold."""
from __future__ import annotations

import json

import pytest

from remedy.ops.cli import main
from remedy.runtime.publish import Publisher
from tests.replay_cases import V1, V1_PATH, case_log

pytestmark = pytest.mark.broker


@pytest.fixture(autouse=True)
def chinese_terminal(monkeypatch):
    for name in ("LANG", "LC_ALL", "LC_MESSAGES", "REMEDY_LANG"):
        monkeypatch.delenv(name, raising=False)


def test_replay_reads_the_topic_and_prints_the_comparison(broker, codec, tmp_path, monkeypatch, capsys):
    log = case_log()
    pub = Publisher(broker, codec)
    for e in log:
        pub.send("case.events", e["case_id"], "CaseEvent", e)
    pub.send("case.events", log[0]["case_id"], "CaseEvent", log[0])          # redelivered
    pub.send_raw("case.events", b"junk", b"\xc3\x01" + b"\x00" * 12)
    pub.flush()
    pub.close()
    monkeypatch.setenv("REMEDY_KAFKA_BOOTSTRAP", broker)

    assert main(["replay"]) == 0
    out = capsys.readouterr().out
    assert f"已从 {broker} 的 case.events 读取 {len(log) + 1:,} 条案件事件" in out
    assert "跳过 1 条无法解码的记录（UnknownFingerprint 1）" in out
    assert "按 triage-rules-v1 重跑了 7 件已分流案件" in out
    assert f"规则 {V1_PATH}：triage-rules-v1，sha256 {V1.hash}：与 rules.lock 一致" in out
    assert f"原分流 triage-rules-v1 sha256 {V1.hash[:12]} (7)" in out, "the decisions' own hash, read off the log"
    assert "分流路径改变的案件：0 / 7" in out
    assert "忽略 1 条重复事件" in out

    raw = json.loads(V1_PATH.read_text(encoding="utf-8"))
    lower = tmp_path / "v2.json"
    lower.write_text(json.dumps({**raw, "version": "triage-rules-v2", "court_mediation_threshold_cents": 2_000_000}))
    assert main(["--lang", "en", "replay", "--rules", str(lower)]) == 0
    out = capsys.readouterr().out
    b = log[3]["case_id"]
    assert "replayed 7 decided cases under triage-rules-v2; they were decided under triage-rules-v1 (7)" in out
    assert "triage-rules-v2, sha256 " in out and "warning: triage would refuse it" in out and "not locked" in out
    assert "cases whose route changes: 1 of 7" in out and f"{b}  PEOPLES_MEDIATION → COURT_MEDIATION" in out
    assert "actual recovered so far           ¥53,600" in out
    assert "expected under the actual routing ¥57,200 + unknown on ¥11,200 claimed by 1 case(s) routed to RELIEF" in out
    assert "expected under the replayed rules ¥63,200 + unknown on ¥11,200" in out


def test_replay_says_when_the_broker_is_not_there(monkeypatch, capsys):
    from remedy.runtime.broker import free_port

    monkeypatch.setenv("REMEDY_KAFKA_BOOTSTRAP", f"127.0.0.1:{free_port()}")
    assert main(["replay"]) == 1
    assert "错误：无法读取 127.0.0.1:" in capsys.readouterr().err


def test_replay_says_when_the_rules_file_is_bad(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert main(["replay", "--rules", str(bad), "--lang", "en"]) == 1
    assert "error: triage rules" in capsys.readouterr().err

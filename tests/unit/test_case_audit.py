"""A case's whole history: the pure join (services/gateway/audit.py) over a read model holding the case log, the
input records and the notice log; the gateway's audit endpoint (who may read what) and ``remedy case`` printing the
same answer, against one in-process gateway."""
from __future__ import annotations

import asyncio
import json

import orjson
import pytest
from aiohttp import web

from remedy.kernel.clock import FrozenClock
from remedy.kernel.settings import Settings
from remedy.ops import case_audit as cli
from services.gateway.app import build_app
from services.gateway.audit import case_audit
from services.gateway.core import Gateway
from services.gateway.keys import Keys, key_hash
from services.gateway.projection import Projection
from services.gateway.settings import GatewaySettings
from sim.defaults import utc
from remedy.runtime.broker import free_port
from tests.broker.funnel_helpers import opened
from tests.gateway_helpers import LENDER_KEYS, event, keys_text

NOW = utc(2026, 11, 28, 4)
AUDITOR_KEY = "key-auditor-0123456789"
REQUEST_REF = "debtor.requests/2/41"


def read_model() -> tuple[Projection, str]:
    p = Projection()
    o = opened("LENDER-A", "L-1", "D-1", NOW)
    cid = o["case_id"]
    triaged = event("CaseTriaged", {"route": "PEOPLES_MEDIATION", "rule_version": "2026.11", "rule_hash": "ab12cd34",
                                    "reason_codes": [], "score": 700, "mediation_centre": "MC-350502", "court": "CT-350502",
                                    "cross_region": False}, cid, "LENDER-A", NOW, "triage", cause=o["event_id"])
    filed = event("ObjectionFiled", {"objection_id": "R-1", "ground": "WRONG_AMOUNT", "detail": "", "answer_by": NOW.date()},
                  cid, "LENDER-A", NOW.replace(hour=6), "objections", cause=REQUEST_REF)
    overdue = event("ObjectionOverdue", {"objection_id": "R-1", "answer_by": NOW.date(), "owner": "LENDER_SUPERVISOR",
                                         "escalate_on": None}, cid, "LENDER-A", NOW.replace(hour=8), "objections",
                    cause="objections.ticks/0/3")
    for e in (o, triaged, filed, overdue):
        p.apply_event(e)
    p.apply_input("debtor.requests", REQUEST_REF, {
        "request_id": "R-1", "case_id": cid, "kind": "OBJECTION", "ground": "WRONG_AMOUNT", "detail": "", "channel": None,
        "objection_id": None, "decision": None, "amended_principal_cents": None, "hardship_kinds": [], "submitted_at": NOW})
    for status, hour in (("DEFERRED", 6), ("SENT", 7)):
        p.apply_notice({"notice_id": "N-ack", "case_id": cid, "lender_id": "LENDER-A", "debtor_ref": "D-1",
                        "kind": "OBJECTION_ACK", "occasion": "R-1", "channel": "SMS", "status": status, "rule": None,
                        "language": "zh-CN", "document_no": "DOC-9" if status == "SENT" else None,
                        "content_hash": "sha256:feed" if status == "SENT" else None, "deferred_until": None,
                        "detail": "", "at": NOW.replace(hour=hour, minute=5)})
    p.commit()
    return p, cid


def test_each_event_comes_with_its_cause_its_rule_and_the_notices_sent_after_it():
    p, cid = read_model()
    audit = case_audit(p.case(cid).summary(), p.timeline(cid), p.audit_inputs(cid), p.audit_notices(cid), auditor=True)
    by = {e["type"]: e for e in audit["events"]}
    assert [e["type"] for e in audit["events"]] == ["CaseOpened", "CaseTriaged", "ObjectionFiled", "ObjectionOverdue"]
    assert by["CaseOpened"]["cause"]["kind"] == "withheld", "loan.defaults carries PII in the clear: named, never shown"
    assert by["CaseTriaged"]["cause"] == {"ref": by["CaseOpened"]["event_id"], "kind": "event", "event_seq": 0}
    assert by["CaseTriaged"]["rule"] == {"rule_version": "2026.11", "rule_hash": "ab12cd34"}
    assert by["ObjectionFiled"]["rule"] is None
    cause = by["ObjectionFiled"]["cause"]
    assert (cause["kind"], cause["topic"], cause["offset"], cause["record"]["request_id"]) == ("input", "debtor.requests", 41, "R-1")
    assert by["ObjectionOverdue"]["cause"]["kind"] == "not_kept"
    (notice,) = by["ObjectionFiled"]["notices"]
    assert (notice["status"], notice["document_no"], notice["content_hash"]) == ("SENT", "DOC-9", "sha256:feed")
    assert [h["status"] for h in notice["history"]] == ["DEFERRED", "SENT"] and notice["debtor_ref"] == "D-1"
    lender_view = case_audit(p.case(cid).summary(), p.timeline(cid), p.audit_inputs(cid), p.audit_notices(cid), auditor=False)
    assert "debtor_ref" not in orjson.dumps(lender_view).decode(), "a lender never sees the debtor's pseudonym"


@pytest.fixture
async def gateway():
    p, cid = read_model()
    entries = json.loads(keys_text())["principals"] + [{"kind": "auditor", "id": "OPS-1", "key_sha256": key_hash(AUDITOR_KEY)}]
    gw = Gateway(Settings.from_env({}), GatewaySettings.from_env({}), FrozenClock(NOW), None,
                 Keys.parse(json.dumps({"principals": entries})), p, producer=None)
    runner = web.AppRunner(build_app(gw))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}", cid
    await runner.cleanup()
    p.close()


async def test_the_endpoint_answers_auditors_and_the_case_s_lender_only(gateway):
    url, cid = gateway
    get = lambda key, case=cid: asyncio.to_thread(cli.fetch, url, case, key)   # noqa: E731
    for key, why in (("", "密钥缺失或错误"), (LENDER_KEYS["LENDER-B"], "无此案件"), (AUDITOR_KEY, "无此案件")):
        with pytest.raises(cli.AuditUnavailable, match=why):
            await get(key, cid if key != AUDITOR_KEY else "C-nope")
    mine = await get(LENDER_KEYS["LENDER-A"])
    assert mine["case_id"] == cid and "debtor_ref" not in json.dumps(mine)
    assert (await get(AUDITOR_KEY))["events"][2]["notices"][0]["debtor_ref"] == "D-1"


async def test_remedy_case_prints_the_endpoint_s_answer_as_a_chinese_timeline_english_on_the_switch_or_json(
        gateway, capsys, tmp_path):
    url, cid = gateway
    assert await asyncio.to_thread(cli.run, cid, url, AUDITOR_KEY, str(tmp_path), True) == 0
    as_json = json.loads(capsys.readouterr().out)
    assert as_json == await asyncio.to_thread(cli.fetch, url, cid, AUDITOR_KEY), "--json is the endpoint's answer"
    assert await asyncio.to_thread(cli.run, cid, url, AUDITOR_KEY, str(tmp_path), False) == 0
    text = capsys.readouterr().out
    assert f"案件 {cid}  出借机构 LENDER-A  当前阶段 PEOPLES_MEDIATION" in text
    assert f"起因：输入  {REQUEST_REF}" in text and '"request_id":"R-1"' in text
    assert "起因：未保存（服务内部主题）  objections.ticks/0/3" in text and "起因：事件 #0" in text
    assert "规则：版本 2026.11  哈希 ab12cd34" in text
    assert "通知 OBJECTION_ACK SENT  文书号 DOC-9  哈希 sha256:feed  （2 条记录）" in text
    assert "case " not in text and "cause:" not in text, "no English on the Chinese timeline"
    assert await asyncio.to_thread(cli.run, cid, url, AUDITOR_KEY, str(tmp_path), False, "en") == 0
    english = capsys.readouterr().out
    assert f"case {cid}  lender LENDER-A  stage PEOPLES_MEDIATION" in english
    assert f"cause: input  {REQUEST_REF}" in english and "cause: not kept: a service's work topic" in english
    assert "rule: version 2026.11  hash ab12cd34" in english
    assert "notice OBJECTION_ACK SENT  document DOC-9  hash sha256:feed  (2 entries)" in english
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in english), "no Chinese on the English timeline"


async def test_remedy_case_without_a_key_or_a_case_says_so_in_the_terminal_s_language(gateway, capsys, tmp_path):
    url, cid = gateway
    assert await asyncio.to_thread(cli.run, cid, url, None, str(tmp_path), False) == 2, "no key, no answer"
    assert capsys.readouterr().err == "错误：需要审计密钥（--key 或 REMEDY_AUDIT_KEY）\n"
    assert await asyncio.to_thread(cli.run, "C-nope", url, AUDITOR_KEY, str(tmp_path), False, "en") == 1
    assert capsys.readouterr().err == "error: no such case for this key\n"

"""Credit reporting on the in-memory funnel, with notify's own wiring and in-memory channels: a negative report
is filed only once notify has proof that the pre-report notice reached the debtor (征信业管理条例 art. 15),
otherwise it is withheld and an operator is alerted; and on the day the negative record expires (art. 16: 5
years after the behaviour ended) the record is corrected, the debtor told and the bureau sent the correction,
although the case closed years before. Enforcement is played by the test (its events put on case.events)."""
from __future__ import annotations

import json
from datetime import date, timedelta

from remedy.kernel.clock import FrozenClock, china_date, parse_instant
from remedy.kernel.events import case_event
from remedy.kernel.settings import Settings
from remedy.ops.memory_funnel import MemoryFunnel, own_settings
from services.notify.channels import Result
from services.notify.worker import wire as wire_notify
from tests.memory.test_notices import Inbox
from tests.memory.world import Script, World, types

EPOCH = "2026-12-01T02:00:00+00:00"   # 10:00 in China
SILENT = set()                        # cases whose SMS provider never sends a receipt


class Sms(Inbox):
    """An SMS provider that reports delivery at once, except for the SILENT cases (handed over, no receipt yet)."""

    async def send(self, out) -> Result:
        await super().send(out)
        return Result("SENT" if json.loads(out.meta)["case_id"] in SILENT else "DELIVERED")


def funnel_with_notify(tmp_path):
    settings = Settings.from_env({"REMEDY_DATA_DIR": str(tmp_path)})
    inboxes = {"SMS": Sms("SMS"), "EMAIL": Inbox("EMAIL"), "LETTER": Inbox("LETTER")}
    funnel = MemoryFunnel(FrozenClock(parse_instant(EPOCH)), services=("intake", "repair", "objections", "notify"),
                          settings=settings,
                          wiring={"notify": lambda host: wire_notify(host, settings, own_settings("notify"), inboxes)})
    return funnel, inboxes


def enforcement_says(funnel, cid: str, type_: str, body: dict) -> None:
    record = case_event("enforcement", type_, body, case_id=cid, lender_id="LENDER-MEM-R",
                        causation_id=f"test/{type_}/{cid}", now=funnel.clock.now())
    funnel.publish("case.events", cid, "CaseEvent", record)


async def test_a_negative_report_waits_for_proof_that_the_debtor_was_told(tmp_path):
    funnel, _ = funnel_with_notify(tmp_path)
    world = World(funnel, "LENDER-MEM-R")
    ids = world.open_cases([Script("told"), Script("opted_out"), Script("silent")], seed=21)
    SILENT.add(ids["silent"])
    await funnel.run(timedelta(hours=1))
    for channel in ("SMS", "EMAIL", "LETTER"):
        world.request("OPT_OUT", channel=channel)({"case_id": ids["opted_out"]})
    await funnel.run(timedelta(hours=1))
    for cid in ids.values():
        enforcement_says(funnel, cid, "EnforcementApplied", {"court": "C350502", "basis": "JUDGMENT", "claim_cents": 1_100_000})
    await funnel.run(timedelta(days=10), step=timedelta(hours=6))

    told, opted_out, silent = (funnel.by_case[ids[n]] for n in ("told", "opted_out", "silent"))
    for events, reason in ((opted_out, "NOTICE_SUPPRESSED"), (silent, "NO_DELIVERY_PROOF")):
        assert "NegativeReportFiled" not in types(events), f"reported although the debtor was never told ({reason})"
        assert [e["event"]["reason"] for e in events if e["type"] == "NegativeReportWithheld"] == [reason]
    assert "RequiredNoticeDelivered" in types(told) and "NegativeReportFiled" in types(told)
    report_after = next(e for e in told if e["type"] == "NegativeReportPlanned")["event"]["report_after"]
    assert next(e for e in told if e["type"] == "NegativeReportFiled")["event"]["reported_on"] > report_after
    withheld = funnel.host("repair").metrics.registry.get_sample_value
    assert withheld("remedy_repair_negative_reports_withheld_total", {"reason": "NOTICE_SUPPRESSED"}) == 1
    assert withheld("remedy_repair_negative_reports_withheld_total", {"reason": "NO_DELIVERY_PROOF"}) == 1

    # the silent debtor's SMS receipt comes at last: the proof files the report, once
    sms = next(e for e in funnel.decoded("notice.log", "NoticeLogEntry")
               if e["case_id"] == ids["silent"] and e["kind"] == "pre_report_notice" and e["status"] == "SENT")
    meta = {k: sms[k] for k in ("notice_id", "case_id", "lender_id", "debtor_ref", "kind", "occasion", "language", "document_no")}
    plan = next(e for e in silent if e["type"] == "NegativeReportPlanned")
    receipt = {"status": "DELIVERED", "message_id": "M1", "out_id": json.dumps({**meta, "proof": True, "event_id": plan["event_id"]})}
    for _ in range(2):
        await funnel.host("notify").pages["/sms/receipts"](receipt)
    await funnel.run(timedelta(hours=6))
    assert types(funnel.by_case[ids["silent"]]).count("NegativeReportFiled") == 1


async def test_the_negative_record_is_corrected_on_its_expiry_day_years_after_the_case_closed(tmp_path):
    funnel, inboxes = funnel_with_notify(tmp_path)
    world = World(funnel, "LENDER-MEM-R")
    cid = world.open_cases([Script("repaid")], seed=22)["repaid"]
    await funnel.run(timedelta(hours=1))
    enforcement_says(funnel, cid, "EnforcementApplied", {"court": "C350502", "basis": "JUDGMENT", "claim_cents": 1_100_000})
    await funnel.run(timedelta(days=10), step=timedelta(hours=6))
    enforcement_says(funnel, cid, "JudgmentPerformed", {"reason": "PAID_IN_FULL", "paid_cents": 1_100_000, "stage": "ENFORCEMENT"})
    await funnel.run(timedelta(days=10), step=timedelta(hours=6))
    events = funnel.by_case[cid]
    assert "CaseClosed" in types(events) and "NegativeReportFiled" in types(events)
    expires = next(e for e in events if e["type"] == "CreditRepairRequested")["event"]["negative_record_expires"]
    assert expires == date(2031, 12, 11)

    await funnel.run(timedelta(days=5 * 365 + 3), step=timedelta(days=5))
    corrected = [e for e in funnel.by_case[cid] if e["type"] == "NegativeRecordCorrected"]
    assert len(corrected) == 1, "the expiry date was computed, and nothing acted on it"
    body = corrected[0]["event"]
    assert body["reason"] == "RECORD_EXPIRED" and date(2031, 12, 11) <= body["corrected_on"] <= date(2031, 12, 16)
    assert body["report_ref"] == next(e for e in events if e["type"] == "NegativeReportFiled")["event_id"]
    assert china_date(funnel.clock.now()) > expires
    told = [e for e in funnel.decoded("notice.log", "NoticeLogEntry") if e["kind"] == "record_correction_notice"]
    assert [e["status"] for e in told] == ["SENT"], "the debtor of a closed case is told of the correction"
    assert any("不良信用记录已于2031年12月" in o.text for o in inboxes["EMAIL"].received + inboxes["LETTER"].received)

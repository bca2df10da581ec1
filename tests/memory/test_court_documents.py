"""On the in-memory funnel, notify and webhooks beside the stages: a settled case's court receives the
confirmation application and the settlement agreement; a filed case's court receives the complaint and the
evidence list of its filing batch; each delivery signed, its PDF matching its sha256; a case with no evidence
is not filed (enforcement dead-letters it once and counts it)."""
from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter

from remedy.kernel.clock import FrozenClock, parse_instant
from remedy.kernel.pii import ContactSealer
from remedy.kernel.settings import Settings
from remedy.ops.memory_funnel import STAGES, MemoryFunnel, own_settings
from services.notify.worker import wire as wire_notify
from services.webhooks.settings import WebhooksSettings
from services.webhooks.worker import wire as wire_webhooks
from tests.memory.test_notices import Inbox
from tests.memory.test_webhooks import Receiver
from tests.memory.world import Script, World, anything, tier

EPOCH = "2026-12-01T02:00:00+00:00"
CONF = WebhooksSettings(first_retry_seconds=30, longest_retry_seconds=3600, give_up_hours=24, retick_seconds=0)


class Court(Receiver):
    """The court's receiver: keeps the bodies it was sent."""

    def __init__(self):
        super().__init__()
        self.bodies: list[dict] = []

    async def post(self, url, secret, d, now_s):
        self.bodies.append(json.loads(d["body"]))
        return await super().post(url, secret, d, now_s)


async def test_courts_receive_their_documents_and_a_bare_claim_is_not_filed(tmp_path):
    settings = Settings.from_env({"REMEDY_DATA_DIR": str(tmp_path)})
    inboxes, court = {name: Inbox(name) for name in ("EMAIL", "SMS", "LETTER")}, Court()
    funnel = MemoryFunnel(FrozenClock(parse_instant(EPOCH)), services=(*STAGES, "notify", "webhooks"), settings=settings,
                          wiring={"notify": lambda host: wire_notify(host, settings, own_settings("notify"), inboxes),
                                  "webhooks": lambda host: wire_webhooks(host, settings, CONF, court)})
    funnel.publish("webhooks.subscriptions", "COURT:CT-350502", "WebhookSubscription", {
        "subscription_id": "whs_court", "party_kind": "COURT", "party_id": "CT-350502", "status": "ACTIVE",
        "url": "https://court.example/hook", "event_types": ["CourtDocument"], "changed_at": funnel.clock.now(),
        "sealed_secret": ContactSealer(settings.pii_key).seal({"secret": "s"})})
    w = World(funnel, "LENDER-MEM-CD")
    to_court = [("SessionScheduled", tier("PEOPLES"), w.end_tier("FAILED"), 0),
                ("SessionScheduled", tier("COURT"), w.end_tier("FAILED"), 0),
                ("LitigationFiled", anything, w.court("FILING_ACCEPTED"), 0)]
    ids = w.open_cases([Script("settled", [("SessionScheduled", tier("PEOPLES"), w.settle([100_000], 5, "LUMP_SUM"), 1),
                                           ("ConfirmationRequested", anything, w.court("CONFIRMATION_GRANTED"), 0)]),
                        Script("filed", to_court), Script("bare", to_court, tweak={"evidence": []})], seed=11)
    await w.run(days=8, step_hours=2)

    docs = funnel.decoded("court.documents", "CourtDocument")
    kinds = Counter((d["case_id"], d["kind"]) for d in docs)
    assert set(kinds) == {(ids["settled"], "CONFIRMATION_APPLICATION"), (ids["settled"], "SETTLEMENT_AGREEMENT"),
                          (ids["filed"], "COMPLAINT"), (ids["filed"], "EVIDENCE_LIST")}, kinds
    filed = [d for d in docs if d["case_id"] == ids["filed"]]
    assert {d["bundle_id"] for d in filed} == {next(e for e in funnel.decoded("case.events", "CaseEvent")
                                                    if e["type"] == "LitigationFiled")["event"]["filing_batch_id"]}
    assert all(d["evidence"] for d in filed) and all(d["court"] == "CT-350502" for d in docs)
    got = {b["document_id"]: b for b in court.bodies}
    assert set(got) == {d["document_id"] for d in docs}                           # each one delivered, signed
    for d in docs:
        pdf = base64.b64decode(got[d["document_id"]]["content_base64"])
        assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == d["sha256"] == got[d["document_id"]]["sha256"]
    events = funnel.decoded("case.events", "CaseEvent")
    assert not any(e["case_id"] == ids["bare"] and e["type"] == "LitigationFiled" for e in events)
    (letter,) = [x for x in funnel.decoded("enforcement.dlq", "DeadLetter") if x["key"] == ids["bare"].encode()]
    assert letter["error_type"] == "FilingRefused"
    assert funnel.host("enforcement").metrics.registry.get_sample_value(
        "remedy_enforcement_filings_refused_total", {"reason": "NO_EVIDENCE"}) == 1

"""Issue 21 item 9 in memory: a batch with planted debtor PII, bad rows, bytes that are no LoanDefault and a
mediator's note naming a debtor for a case mediation does not know. Every topic but intake's input must hold
none of the planted strings, while the lender still learns which row to fix, which field and why."""
from __future__ import annotations

from remedy.kernel.clock import FrozenClock, parse_instant
from remedy.ops.memory_funnel import MemoryFunnel
from sim.defaults import batch
from tests.broker.funnel_helpers import outcome
from tests.planted_pii import leaks, plant

LENDER = "LENDER-PII"


async def test_no_topic_but_the_input_holds_planted_pii_and_the_lender_can_still_fix_its_rows():
    funnel = MemoryFunnel(FrozenClock(parse_instant("2026-12-01T01:00:00+00:00")), services=("intake", "mediation"))
    defaults, expected = batch(LENDER, "B-PII", 20, 16, funnel.clock.now())
    planted = plant(defaults, expected)
    for d in defaults:
        funnel.publish_default(d)
    whole = funnel.codec.encode("LoanDefault", defaults[0])
    key, truncated = f"{LENDER}:L-TRUNCATED".encode(), whole[:len(whole) // 2 + 20]
    funnel.bus.produce("loan.defaults", key, truncated, headers=funnel.signer.sign("loan.defaults", key, truncated))
    note = {**outcome("C-unknown", "M-1", "PEOPLES_MEDIATION", "FAILED", funnel.clock.now()),
            "note": f"{defaults[1]['debtor']['name']} {defaults[1]['debtor']['phone']}"}
    funnel.publish("mediation.outcomes", "C-unknown", "MediationOutcome", note)
    await funnel.settle()

    found = {topic: leaks(b"".join((r.key or b"") + (r.value or b"") for r in funnel.bus.records(topic)), planted)
             for topic in funnel.bus.logs if topic not in ("loan.defaults", "mediation.outcomes")}   # what we wrote
    assert {t: sorted(v)[:3] for t, v in found.items() if v} == {}

    rejected = {r["loan_id"]: r for r in funnel.decoded("loan.defaults.rejected", "LoanDefaultRejected")}
    for loan_id, reason in expected.items():
        assert rejected[loan_id]["reason_codes"] == [reason] and rejected[loan_id]["batch_id"] == "B-PII"
        assert rejected[loan_id]["problems"][0]["field"] and rejected[loan_id]["input_offset"] is not None
    assert rejected["L-TRUNCATED"]["reason_codes"] == ["UNDECODABLE"]
    assert rejected["L-TRUNCATED"]["lender_id"] == LENDER
    letters = funnel.decoded("intake.dlq", "DeadLetter") + funnel.decoded("mediation.dlq", "DeadLetter")
    assert [(x["source_topic"], x["value"]) for x in letters] == [("loan.defaults", None), ("mediation.outcomes", None)]

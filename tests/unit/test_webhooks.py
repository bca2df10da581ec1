"""webhooks' pure parts: which parties an event concerns, the signature, the back-off schedule, how an answer
is classified, a subscription's URL, and the gateway's view of the delivery log."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from services.gateway.validation import BadRequest
from services.gateway.webhook_rules import UrlRefused, event_types, url
from services.gateway.webhooks_view import WebhookViews
from services.gateway.store import Store
from services.webhooks import delivery, party, routing, signing
from services.webhooks.delivery import Policy

NOW = datetime(2026, 12, 1, 2, tzinfo=timezone.utc)


def env(type_: str, body: dict, lender: str = "LENDER-A", case: str = "C1") -> dict:
    return {"event_id": f"E-{type_}-{case}", "case_id": case, "lender_id": lender, "occurred_at": NOW,
            "producer": "t", "causation_id": "x", "type": type_, "event": body}


# ---- routing ---------------------------------------------------------------------------------------------

def test_the_lender_gets_every_event_and_the_court_and_centre_once_triage_names_them():
    opened = env("CaseOpened", {"facts": {}})
    case = routing.remember(None, opened)
    assert case is None and routing.parties(opened, case) == ["LENDER:LENDER-A"]
    triaged = env("CaseTriaged", {"court": "CT-1", "mediation_centre": "MC-1"})
    case = routing.remember(case, triaged)
    assert routing.parties(triaged, case) == ["LENDER:LENDER-A", "COURT:CT-1", "MEDIATION_CENTRE:MC-1"]
    held = env("CaseHeld", {"reason": "x"})
    assert routing.remember(case, held) is case, "an event that teaches nothing leaves the record as it is"
    assert routing.parties(held, case) == ["LENDER:LENDER-A", "COURT:CT-1", "MEDIATION_CENTRE:MC-1"]


def test_litigation_moves_the_case_to_its_court_and_an_empty_centre_is_no_party():
    case = routing.remember(None, env("CaseTriaged", {"court": "CT-1", "mediation_centre": ""}))
    assert case == {"COURT": "CT-1"}
    filed = env("LitigationFiled", {"court": "CT-2"})
    case = routing.remember(case, filed)
    assert routing.parties(filed, case) == ["LENDER:LENDER-A", "COURT:CT-2"]


def test_a_department_gets_only_the_events_that_name_it():
    case = {"COURT": "CT-1"}
    routed = env("ComplaintRouted", {"department_id": "DEPT-3505"})
    assert routing.parties(routed, case) == ["LENDER:LENDER-A", "COURT:CT-1", "DEPARTMENT:DEPT-3505"]
    assert "DEPARTMENT:DEPT-3505" not in routing.parties(env("CaseClosed", {}), case)


def test_another_lenders_case_never_reaches_a_lender():
    assert routing.parties(env("CaseHeld", {}, lender="LENDER-B", case="C2"), None) == ["LENDER:LENDER-B"]


# ---- signature -------------------------------------------------------------------------------------------

def test_a_signature_verifies_and_a_changed_body_an_old_timestamp_or_another_secret_do_not():
    body, t = b'{"event_id":"E1"}', 1_800_000_000
    value = signing.header(b"s3cret", t, body)
    assert value.startswith(f"t={t},v1=") and signing.verify(value, b"s3cret", body, t + 10) == t
    for args in ((value, b"s3cret", body + b" ", t), (value, b"s3cret", body, t + 301), (value, b"other", body, t),
                 ("v1=abc", b"s3cret", body, t)):
        with pytest.raises(signing.BadSignature):
            signing.verify(*args)


# ---- back-off, classification ----------------------------------------------------------------------------

def test_the_back_off_doubles_from_30_seconds_up_to_an_hour_jittered_into_its_upper_half():
    p = Policy()
    assert [delivery.backoff_ms(n, p, 0.0) for n in range(1, 9)] == [15_000, 30_000, 60_000, 120_000, 240_000,
                                                                       480_000, 960_000, 1_800_000]
    assert delivery.backoff_ms(12, p, 0.999) < 3_600_000 and delivery.backoff_ms(40, p, 0.0) == 1_800_000
    assert delivery.jitter("WD1", 3) == delivery.jitter("WD1", 3) != delivery.jitter("WD1", 4)


@pytest.mark.parametrize("status,outcome", [(200, "DELIVERED"), (204, "DELIVERED"), (None, "RETRY"), (500, "RETRY"),
                                            (503, "RETRY"), (408, "RETRY"), (429, "RETRY"), (400, "REJECTED"),
                                            (401, "REJECTED"), (404, "REJECTED"), (410, "REJECTED"), (301, "REJECTED")])
def test_answers_are_classified(status, outcome):
    assert delivery.classify(status) == outcome


def test_a_delivery_retries_until_the_give_up_window_then_fails_and_a_replay_starts_it_again():
    p = Policy(give_up_ms=3_600_000)
    d = delivery.new("whs_1", "LENDER:A", env("CaseHeld", {}), "{}", 0)
    d1 = delivery.attempted(d, 1, 503, 1_000, p)
    assert d1["status"] == "RETRYING" and 16_000 <= d1["next_ms"] <= 31_000
    assert delivery.attempted(d1, 1, 503, 2_000, p) is d1, "a result applied twice changes nothing"
    failed = delivery.attempted(d1, 2, None, 3_600_000, p)
    assert failed["status"] == "FAILED" and delivery.due_ms(failed, p) == 3_600_000 + p.keep_ms
    again = delivery.replayed(failed, "whr_1", 4_000_000)
    assert again["status"] == "PENDING" and again["next_ms"] == 4_000_000 and again["event_id"] == d["event_id"]
    assert delivery.replayed(again, "whr_1", 5_000_000) is again
    assert delivery.attempted(again, 3, 400, 4_000_001, p)["status"] == "REJECTED"


def test_a_delivery_body_carries_no_debtor_reference_or_sealed_contact():
    e = env("CaseOpened", {"facts": {"debtor_ref": "Dabc", "sealed_contact": b"\x01", "region_code": "350502"}})
    text = delivery.body(e)
    assert "Dabc" not in text and "sealed_contact" not in text and '"region_code":"350502"' in text
    assert '"occurred_at":"2026-12-01T02:00:00Z"' in text


def test_a_party_records_one_delivery_per_wanted_subscription_and_none_twice():
    state = party.subscribed(None, {"subscription_id": "whs_1", "status": "ACTIVE", "url": "https://x", "event_types": [],
                                    "sealed_secret": b"s", "changed_at": NOW})
    state = party.subscribed(state, {"subscription_id": "whs_2", "status": "ACTIVE", "url": "https://y",
                                     "event_types": ["CaseClosed"], "sealed_secret": b"s", "changed_at": NOW})
    e = env("CaseHeld", {})
    made = party.deliveries(state, "LENDER:A", e, "{}", 0, known=lambda _: False)
    assert [d["subscription_id"] for d in made] == ["whs_1"]
    assert party.deliveries(state, "LENDER:A", e, "{}", 0, known=lambda _: True) == []
    gone = party.subscribed(state, {"subscription_id": "whs_1", "status": "DELETED", "url": "https://x", "event_types": [],
                                    "sealed_secret": None, "changed_at": NOW})
    assert party.secret(gone, "whs_1") is None and party.secret(gone, "whs_2") == ("https://y", b"s")


# ---- the gateway's side ----------------------------------------------------------------------------------

def test_http_urls_are_refused_outside_development_and_malformed_ones_always():
    assert url("https://hooks.example/x", dev=False) == "https://hooks.example/x"
    assert url("http://127.0.0.1:9000/h", dev=True)
    with pytest.raises(UrlRefused):
        url("http://hooks.example/x", dev=False)
    for bad in ("", "ftp://x/y", "https://", "https://u:p@h/x", "https://h/x#f", "not a url", 5, "https://h:99999/"):
        with pytest.raises(BadRequest):
            url(bad, dev=True)
    assert event_types(None, frozenset({"CaseClosed"})) == []
    with pytest.raises(BadRequest):
        event_types(["Nope"], frozenset({"CaseClosed"}))


def test_the_delivery_log_keeps_each_deliverys_latest_entry_per_party():
    views = WebhookViews(Store.temporary())
    base = {"subscription_id": "whs_1", "party_kind": "LENDER", "party_id": "A", "event_type": "CaseHeld", "case_id": "C1",
            "http_status": None, "error": "", "next_attempt_at": None}
    views.apply_delivery({**base, "delivery_id": "WD1", "event_id": "E1", "status": "PENDING", "attempt": 0, "at": 1_000})
    views.apply_delivery({**base, "delivery_id": "WD1", "event_id": "E1", "status": "DELIVERED", "attempt": 1, "at": 2_000})
    views.apply_delivery({**base, "delivery_id": "WD1", "event_id": "E1", "status": "PENDING", "attempt": 0, "at": 1_000})
    views.apply_delivery({**base, "delivery_id": "WD2", "event_id": "E2", "status": "REJECTED", "attempt": 1, "at": 3_000,
                          "party_id": "B"})
    views.store.commit()
    assert [(d["delivery_id"], d["status"]) for d in views.deliveries("LENDER:A")] == [("WD1", "DELIVERED")]
    assert views.deliveries("LENDER:A", since_ms=2_001) == [] and views.deliveries("LENDER:A", status="PENDING") == []
    assert views.delivery("LENDER:A", "WD2") is None and views.delivery("LENDER:B", "WD2")["status"] == "REJECTED"


def test_the_decision_on_a_case_event_is_the_cases_new_record_and_one_intent_per_party():
    triaged = env("CaseTriaged", {"court": "CT-1", "mediation_centre": "MC-1"})
    decision = routing.decide(None, triaged, "{}")
    assert decision.state == {"COURT": "CT-1", "MEDIATION_CENTRE": "MC-1"}
    assert [(o.topic, o.key, o.record["op"]) for o in decision.internal] == [
        ("webhooks.intents", "LENDER:LENDER-A", "event"), ("webhooks.intents", "COURT:CT-1", "event"),
        ("webhooks.intents", "MEDIATION_CENTRE:MC-1", "event")]
    assert routing.decide(decision.state, env("CaseHeld", {}), "{}").state is None, "nothing new to store"

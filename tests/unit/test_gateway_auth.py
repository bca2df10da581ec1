"""Keys file, API keys stored hashed, court HMAC window and replays, portal lockout and rate limit."""
from __future__ import annotations


import pytest

from remedy.kernel.portal import code_matches, verification_code
from services.gateway.guards import Lockout, RateLimit, ReplayGuard, SignatureRefused, sign
from services.gateway.keys import Keys, KeysFileError, Principal, dev_keys, key_hash
from tests.gateway_helpers import LENDER_KEYS, MEDIATOR_KEYS, keys_text

T = 1_800_000_000
SECRET = b"court-secret"
BODY = b'{"decision_id":"D-1"}'


def test_keys_are_stored_hashed_and_name_their_party():
    keys = Keys.parse(keys_text())
    assert keys.principal(LENDER_KEYS["LENDER-A"]) == Principal("lender", "LENDER-A")
    assert keys.principal(MEDIATOR_KEYS["PM-3505-02"]) == Principal("mediator", "PM-3505-02")
    assert keys.principal("") is None and keys.principal(LENDER_KEYS["LENDER-A"] + "x") is None
    assert LENDER_KEYS["LENDER-A"] not in keys_text() and key_hash(LENDER_KEYS["LENDER-A"]) in keys_text()


def test_dev_keys_round_trip_and_bad_files_are_refused():
    text, plain = dev_keys([("lender", "L1"), ("court", "CT-1")])
    keys = Keys.parse(text)
    assert keys.principal(plain["lender:L1"]) == Principal("lender", "L1")
    assert keys.court_secrets == {"CT-1": plain["court:CT-1"].encode()}
    assert plain["lender:L1"] not in text
    for bad in ("[]", '{"principals": [{"kind": "admin", "id": "x", "key_sha256": "00"}]}',
                '{"principals": [{"kind": "lender", "id": "x", "key_sha256": "short"}]}',
                '{"principals": [{"kind": "court", "id": "x"}]}'):
        with pytest.raises(KeysFileError):
            Keys.parse(bad)


def test_a_fresh_signed_webhook_passes_once():
    guard = ReplayGuard(300)
    sig = sign(SECRET, str(T), BODY)
    guard.check(SECRET, str(T), BODY, sig, T + 10)
    with pytest.raises(SignatureRefused, match="replayed"):
        guard.check(SECRET, str(T), BODY, sig, T + 20)


@pytest.mark.parametrize("now,ts,body,secret,why", [
    (T + 301, T, BODY, SECRET, "window"),
    (T - 301, T, BODY, SECRET, "window"),
    (T, T, BODY + b" ", SECRET, "bad signature"),
    (T, T, BODY, b"other", "bad signature"),
    (T, "yesterday", BODY, SECRET, "unix seconds"),
    (T, T, BODY, None, "unknown court"),
])
def test_webhooks_outside_the_window_or_tampered_are_refused(now, ts, body, secret, why):
    sig = sign(SECRET, str(T), BODY)
    with pytest.raises(SignatureRefused, match=why):
        ReplayGuard(300).check(secret, str(ts), body, sig, now)


def test_remembered_signatures_are_forgotten_once_outside_the_window():
    guard = ReplayGuard(300)
    guard.check(SECRET, str(T), BODY, sign(SECRET, str(T), BODY), T)
    later = T + 1000
    guard.check(SECRET, str(later), BODY, sign(SECRET, str(later), BODY), later)
    assert list(guard.seen) == [sign(SECRET, str(later), BODY)]


def test_five_wrong_codes_lock_a_case_for_fifteen_minutes():
    lock = Lockout(5, 900)
    assert [lock.failed("C1", T) for _ in range(5)] == [False, False, False, False, True]
    assert lock.locked("C1", T + 899) == pytest.approx(1) and not lock.locked("C2", T)
    assert lock.locked("C1", T + 900) == 0
    assert not lock.failed("C1", T + 901), "the count starts again after the lock"


def test_a_right_code_resets_the_count():
    lock = Lockout(5, 900)
    for _ in range(4):
        lock.failed("C1", T)
    lock.succeeded("C1")
    assert not lock.failed("C1", T)


def test_rate_limit_is_per_client_over_a_sliding_minute():
    rate = RateLimit(3)
    assert [rate.allow("1.2.3.4", T + i) for i in range(4)] == [True, True, True, False]
    assert rate.allow("5.6.7.8", T + 4)
    assert rate.allow("1.2.3.4", T + 60.5)


def test_verification_code_is_eight_digits_bound_to_case_and_secret():
    code = verification_code("s", "C1")
    assert len(code) == 8 and code.isdigit()
    assert code == verification_code("s", "C1") != verification_code("s", "C2")
    assert verification_code("t", "C1") != code
    assert code_matches("s", "C1", f" {code} ") and not code_matches("s", "C2", code) and not code_matches("s", "C1", "")

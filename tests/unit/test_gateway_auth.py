"""Keys file, API keys stored hashed, court HMAC window and replays, the portal's per-client throttle and rate limit
(bounded), its notice codes that rotate and expire, signed session cookies."""
from __future__ import annotations


import pytest

from remedy.kernel.portal import DAY_MS, Notice, code_valid, current_notice, notice_code
from remedy.kernel.sessions import derive_key, seal, unseal
from services.gateway.guards import RateLimit, ReplayGuard, SignatureRefused, Throttle, sign
from services.gateway.keys import Keys, KeysFileError, Principal, dev_keys, dev_keys_problem, key_hash
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


def test_five_wrong_codes_refuse_the_client_for_fifteen_minutes_never_the_case():
    lock = Throttle(5, 900)
    assert [lock.failed("1.2.3.4", T) for _ in range(5)] == [False, False, False, False, True]
    assert lock.locked("1.2.3.4", T + 899) == pytest.approx(1) and not lock.locked("5.6.7.8", T)
    assert lock.locked("1.2.3.4", T + 900) == 0
    assert not lock.failed("1.2.3.4", T + 901), "the count starts again after the lock"


def test_wrong_codes_spread_over_more_than_the_window_never_lock():
    lock = Throttle(3, 60)
    assert not any(lock.failed("c", T + 61 * i) for i in range(10))


def test_the_limits_forget_idle_clients_and_hold_at_most_max_clients():
    rate, lock = RateLimit(3, max_clients=100), Throttle(5, 900, max_clients=100)
    for n in range(1000):
        rate.allow(f"10.0.{n // 256}.{n % 256}", T)
        lock.failed(f"10.0.{n // 256}.{n % 256}", T)
    assert len(rate.entries) == 100 and len(lock.entries) == 100
    rate.allow("late", T + 61)
    lock.failed("late", T + 901)
    assert list(rate.entries) == ["late"] and list(lock.entries) == ["late"], "expired entries are dropped"


def test_rate_limit_is_per_client_per_minute():
    rate = RateLimit(3)
    assert [rate.allow("1.2.3.4", T + i) for i in range(4)] == [True, True, True, False]
    assert rate.allow("5.6.7.8", T + 4)
    assert rate.allow("1.2.3.4", T + 60.5)


def test_a_notice_code_is_eight_digits_bound_to_case_notice_and_secret():
    code = notice_code("s", "C1", "N1")
    assert len(code) == 8 and code.isdigit()
    assert code == notice_code("s", "C1", "N1") != notice_code("s", "C2", "N1") != notice_code("s", "C1", "N2")
    assert notice_code("t", "C1", "N1") != code


def test_only_the_current_notice_s_code_works_and_only_until_it_expires():
    entries = [{"notice_id": "N1", "status": "SENT", "channel": "EMAIL", "at": T * 1000},
               {"notice_id": "N2", "status": "SENT", "channel": "SMS", "at": T * 1000 + 5},   # SMS prints no code
               {"notice_id": "N3", "status": "SUPPRESSED", "channel": "LETTER", "at": T * 1000 + 6}]
    assert current_notice(entries) == Notice("N1", T * 1000)
    now = T * 1000 + DAY_MS
    assert code_valid("s", "C1", f" {notice_code('s', 'C1', 'N1')} ", current_notice(entries), now, 60)
    assert not code_valid("s", "C1", notice_code("s", "C1", "N1"), current_notice(entries), T * 1000 + 61 * DAY_MS, 60)
    newer = entries + [{"notice_id": "N4", "status": "SENT", "channel": "LETTER", "at": T * 1000 + 9}]
    assert not code_valid("s", "C1", notice_code("s", "C1", "N1"), current_notice(newer), now, 60), "replaced"
    assert code_valid("s", "C1", notice_code("s", "C1", "N4"), current_notice(newer), now, 60)
    assert not code_valid("s", "C1", "", None, now, 60) and not code_valid("s", "C2", notice_code("s", "C1", "N4"),
                                                                            current_notice(newer), now, 60)


def test_a_sealed_session_reads_back_until_it_expires_and_cannot_be_changed():
    key = derive_key("secret", "portal")
    value = seal(key, "C1\x1fN1", T + 60)
    assert unseal(key, value, T) == "C1\x1fN1" and unseal(key, value, T + 61) is None
    assert unseal(derive_key("secret", "dashboard"), value, T) is None, "one key per purpose"
    forged = seal(key, "C2\x1fN1", T + 60).split(".")[0] + "." + ".".join(value.split(".")[1:])
    assert unseal(key, forged, T) is None and unseal(key, "junk", T) is None and unseal(key, None, T) is None


def test_a_dev_keys_file_is_named_as_such(tmp_path):
    assert "empty" in dev_keys_problem("", tmp_path / "keys.json")
    (tmp_path / "keys.json").write_text("{}")
    assert dev_keys_problem(str(tmp_path / "keys.json"), tmp_path / "keys.json") is None
    (tmp_path / "dev-keys.txt").write_text("x")
    assert "dev keys file" in dev_keys_problem(str(tmp_path / "keys.json"), tmp_path / "keys.json")

"""The portal's limits, one-time sign-in codes and the court replay memory shared between gateway instances (pure:
each instance's outbox is handed to the other's ``apply``, as gateway.guards does on the broker)."""
from __future__ import annotations

import pytest

from remedy.kernel.portal import sms_code
from services.gateway.guards import RateLimit, ReplayGuard, SignatureRefused, SignInCodes, Throttle, sign
from services.gateway.shared_guards import FAILURE, GuardRecordError, SharedGuards

T = 1_800_000_000
SECRET = b"court-secret"


def instance(name: str) -> SharedGuards:
    return SharedGuards(name, b"client-key", Throttle(5, 900), RateLimit(30), ReplayGuard(300), SignInCodes(600, 3),
                        RateLimit(10, window_s=3600))


def carry(source: SharedGuards, *targets: SharedGuards) -> None:
    for record in source.take():
        assert not source.apply(record), "an instance skips its own records"
        for target in targets:
            target.apply(record)


def test_wrong_codes_spread_over_two_instances_lock_the_client_on_both():
    a, b = instance("a"), instance("b")
    client = a.client_ref("203.0.113.9")
    assert client == b.client_ref("203.0.113.9") != a.client_ref("203.0.113.10") and "203.0.113" not in client
    for n in range(4):   # a, b, a, b: no instance alone has seen five
        guard = a if n % 2 == 0 else b
        assert not guard.throttle.failed(client, T + n)
        guard.tell(FAILURE, client, T + n)
        carry(guard, b if guard is a else a)
    assert b.throttle.failed(client, T + 5), "the fifth wrong code, on either instance, locks the client"
    b.tell(FAILURE, client, T + 5)
    carry(b, a)
    assert a.throttle.locked(client, T + 6) > 0 and b.throttle.locked(client, T + 6) > 0
    assert a.throttle.locked(a.client_ref("198.51.100.1"), T + 6) == 0, "only that client"
    assert a.throttle.locked(client, T + 5 + 900) == 0, "the lock ends with its window"


def test_a_signature_accepted_by_one_instance_is_refused_by_the_other_until_its_window_ends():
    a, b = instance("a"), instance("b")
    a.replays.kept = lambda sig, until: a.tell("signature", sig, until - 300, until=until)
    body, ts = b'{"decision_id":"D-1"}', str(T)
    sig = sign(SECRET, ts, body)
    a.replays.check(SECRET, ts, body, sig, T + 1)
    carry(a, b)
    with pytest.raises(SignatureRefused, match="replayed"):
        b.replays.check(SECRET, ts, body, sig, T + 2)
    b.replays._forget(T + 301)
    assert sig not in b.replays.seen, "forgotten once its window is over: memory stays bounded"


def test_a_one_time_code_works_once_within_its_minutes_on_any_instance():
    a, b = instance("a"), instance("b")
    code_of = lambda rid: sms_code("s", "C1", rid)  # noqa: E731
    a.codes.requested("C1", "SC-1", T)
    a.tell("code_requested", "C1", T, request_id="SC-1")
    carry(a, b)
    wrong = f"{(int(code_of('SC-1')) + 1) % 10 ** 8:08d}"
    assert b.codes.match(code_of, "C1", wrong, T + 1) is None
    assert b.codes.match(code_of, "C2", code_of("SC-1"), T + 1) is None, "another case's code"
    assert b.codes.match(code_of, "C1", code_of("SC-1"), T + 601) is None, "expired after 10 minutes"
    assert b.codes.match(code_of, "C1", code_of("SC-1"), T + 60) == "SC-1"
    b.codes.use("SC-1", T + 660)
    b.tell("code_used", "SC-1", T + 60)
    carry(b, a)
    assert a.codes.match(code_of, "C1", code_of("SC-1"), T + 61) is None, "used once, on any instance"


def test_a_case_is_sent_at_most_so_many_codes_an_hour_and_a_client_may_ask_so_often():
    codes = SignInCodes(600, 3)
    for n in range(3):
        assert codes.allowed("C1", T + n)
        codes.requested("C1", f"SC-{n}", T + n)
    assert not codes.allowed("C1", T + 10) and codes.allowed("C2", T + 10)
    assert codes.allowed("C1", T + 3601), "an hour later"
    asks = RateLimit(2, window_s=3600)
    assert asks.allow("x", T) and asks.allow("x", T + 1) and not asks.allow("x", T + 2)
    assert asks.allow("x", T + 3600)


@pytest.mark.parametrize("record", [{}, {"kind": "failure"}, {"kind": "nonsense", "key": "k", "at": 1, "by": "x"},
                                    {"kind": "failure", "key": "k", "at": "soon", "by": "x"}, ["a", "list"]])
def test_an_unreadable_record_is_refused_with_a_reason_not_a_crash(record):
    with pytest.raises(GuardRecordError):
        instance("a").apply(record)

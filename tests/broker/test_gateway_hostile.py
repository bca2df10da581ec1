"""The gateway against an attacker with network access, on one real Tansu and one gateway for every case: every
malformed or oversized request is a 4xx JSON answer with a message, never a 5xx; an upload stopped by a bad line
keeps the rows before it and leaves its batch free for a retry; browser security headers everywhere; notice codes
that rotate and expire, a portal session in a cookie, wrong codes throttled per client and never per case; the
lender's own batch id; then property-based fuzzing of every route with arbitrary paths, bodies and headers."""
from __future__ import annotations

import json
import random
import time
from datetime import timedelta

import pytest
import requests

from remedy.contract.codec import Codec
from remedy.kernel.portal import notice_code
from remedy.kernel.settings import REPO_ROOT
from remedy.ops.procs import ServiceProcess
from remedy.runtime.broker import free_port, provision, start_tansu
from remedy.runtime.publish import Publisher
from sim.defaults import utc, valid_default
from tests.broker.funnel_helpers import opened
from tests.conftest import read_topic
from tests.gateway_helpers import LENDER_KEYS, PAYER_KEY, PORTAL_SECRET, bearer, keys_text, notice_sent, wait_until

pytestmark = [pytest.mark.broker, pytest.mark.xdist_group("gateway-hostile")]  # one gateway for the module
NOW = utc(2026, 11, 28, 4)
A, B, PAYER = bearer(LENDER_KEYS["LENDER-A"]), bearer(LENDER_KEYS["LENDER-B"]), bearer(PAYER_KEY)
HEADERS = {"Content-Security-Policy": "frame-ancestors 'none'", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
           "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


@pytest.fixture(scope="module")
def gw(tmp_path_factory):
    """Tansu, three cases (one with two notices, one whose only notice is old), and one gateway with small limits,
    trusting 127.0.0.1 as its proxy so each test can speak as another client (``X-Forwarded-For``)."""
    tmp = tmp_path_factory.mktemp("hostile")
    port = free_port()
    tansu = start_tansu(port, log_path=str(tmp / "tansu.log"))
    bootstrap, proc = f"127.0.0.1:{port}", None
    codec = Codec(REPO_ROOT / "schemas")
    try:
        provision(bootstrap)
        cases = [opened("LENDER-A", f"L-{n}", f"D-{n}", NOW)["case_id"] for n in range(3)]
        pub = Publisher(bootstrap, codec)
        for n in range(3):
            e = opened("LENDER-A", f"L-{n}", f"D-{n}", NOW)
            pub.send("case.events", e["case_id"], "CaseEvent", e)
        pub.send("notice.log", cases[0], "NoticeLogEntry", notice_sent(cases[0], "LENDER-A", "N-0", NOW - timedelta(days=3)))
        pub.send("notice.log", cases[1], "NoticeLogEntry", notice_sent(cases[1], "LENDER-A", "N-1", NOW - timedelta(days=61)))
        pub.flush()
        (tmp / "keys.json").write_text(keys_text())
        env = {"REMEDY_KAFKA_BOOTSTRAP": bootstrap, "REMEDY_DATA_DIR": str(tmp / "data"), "REMEDY_GATEWAY_PORT": str(free_port()),
               "REMEDY_GATEWAY_KEYS": str(tmp / "keys.json"), "REMEDY_PORTAL_SECRET": PORTAL_SECRET,
               "REMEDY_CLOCK_EPOCH": NOW.isoformat(), "REMEDY_CLOCK_SCALE": "0", "REMEDY_GATEWAY_TRUSTED_PROXIES": "127.0.0.1",
               "REMEDY_GATEWAY_UPLOAD_MAX_MB": "1", "REMEDY_GATEWAY_UPLOAD_MAX_LINE_KB": "4",
               "REMEDY_GATEWAY_MAX_BODY_KB": "64", "REMEDY_GATEWAY_PORTAL_RATE_PER_MINUTE": "100000"}
        proc = ServiceProcess("gateway", env, tmp / "logs")
        proc.port = int(env["REMEDY_GATEWAY_PORT"])
        proc.start().wait_ready(timeout=120)
        url = f"http://127.0.0.1:{proc.port}"
        wait_until(lambda: requests.get(f"{url}/v1/lender/cases", headers=A).json()["total"] == 3)
        yield {"url": url, "cases": cases, "pub": pub, "bootstrap": bootstrap, "codec": codec, "proc": proc}
        pub.close()
    finally:
        if proc is not None:
            proc.stop()
        tansu.kill()
        tansu.wait(10)


def rows(n: int, first: int = 0, batch: str = "x") -> bytes:
    rng = random.Random(first)
    return b"".join((json.dumps(valid_default(rng, "LENDER-A", first + i, batch, 0, NOW), ensure_ascii=False,
                                default=lambda v: v.isoformat()) + "\n").encode() for i in range(n))


def refused(r: requests.Response, status: int, *words: str) -> dict:
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    body = r.json()
    assert body["error"] and all(w in body["error"] for w in words), body
    return body


def published(gw, batch_id: str, at_least: int) -> list[dict]:
    """The batch's records on loan.defaults, read again until ``at_least`` are there (a loaded broker's first fetch
    can come after a one-second idle read has given up) or 60 s have passed."""
    deadline, found = time.monotonic() + 60, []
    while len(found) < at_least and time.monotonic() < deadline:
        got = read_topic(gw["bootstrap"], "loan.defaults", gw["codec"], timeout=30, idle=1)
        found = [d for _, d in got if d["batch_id"] == batch_id]
    assert len(found) >= at_least, (batch_id, len(found))
    return found


def test_an_over_long_line_stops_the_upload_keeps_what_came_before_and_a_retry_works(gw):
    url = gw["url"]
    body = rows(5, 0) + b'{"loan_id": "' + b"x" * 10_000 + b'"}\n' + rows(3, 5)
    r = requests.post(f"{url}/v1/lender/batches?batch_id=LONG", data=body, headers=A)
    answer = refused(r, 400, "line 6", "4 KiB")
    assert answer["published"] == 5 and answer["batch_id"] == "LONG"
    status = requests.get(f"{url}/v1/lender/batches/LONG", headers=A).json()
    assert status["upload_complete"] and status["upload_broken_off"] and status["published"] == 5
    assert {d["loan_id"] for d in published(gw, "LONG", 5)} >= {json.loads(x)["loan_id"] for x in rows(5, 0).splitlines()}
    again = requests.post(f"{url}/v1/lender/batches?batch_id=LONG", data=rows(8, 0), headers=A)
    assert again.status_code == 202 and again.json()["published"] == 8, again.text
    refused(requests.post(f"{url}/v1/lender/batches?batch_id=LONG", data=rows(8, 0), headers=A), 409, "already uploaded")


def test_an_upload_over_the_size_limit_is_413_and_keeps_its_rows(gw):
    url = gw["url"]
    body = rows(3000, 100)
    assert len(body) > 2 ** 20
    r = requests.post(f"{url}/v1/lender/batches?batch_id=HUGE", data=body[:2 ** 20 + 4096], headers=A)
    answer = refused(r, 413, "larger than 1 MiB")
    assert answer["published"] > 1000
    assert len(published(gw, "HUGE", answer["published"])) == answer["published"]


def test_a_nested_or_undecodable_row_is_refused_with_its_line_and_the_batch_completes(gw):
    url = gw["url"]
    body = rows(2, 200) + b"[" * 3000 + b"\n" + b"\xff\xfe\n" + rows(2, 202)
    r = requests.post(f"{url}/v1/lender/batches?batch_id=NESTED", data=body, headers=A)
    assert r.status_code == 202 and r.json()["published"] == 4, r.text
    assert [(x["line"], x["message"][:24]) for x in r.json()["refusals"]] == [(3, "not JSON this gateway re"),
                                                                            (4, "is not UTF-8")]
    assert requests.post(f"{url}/v1/lender/batches?batch_id=NESTED-2", data=rows(1, 300), headers=A).status_code == 202


def test_the_lender_s_own_batch_id_from_the_csv_is_kept_per_lender(gw):
    url = gw["url"]
    head = "batch_id,loan_id,product,principal_cents,interest_cents,penalty_cents,contract_date,due_date,debtor_name," \
           "debtor_national_id,debtor_region_code\n"
    line = "LB-2026-11,L-CSV-{n},cash,100000,0,0,2025-01-01,2025-06-01,张三,350502199001011234,350502\n"
    csv = (head + line.format(n=1) + line.format(n=2)).encode()
    for key in (A, B):
        r = requests.post(f"{url}/v1/lender/batches?format=csv", data=csv, headers=key)
        assert r.status_code == 202 and r.json()["batch_id"] == "LB-2026-11", r.text
        assert requests.get(f"{url}/v1/lender/batches/LB-2026-11", headers=key).json()["published"] == 2
    refused(requests.post(f"{url}/v1/lender/batches?format=csv", data=csv, headers=A), 409, "LB-2026-11", "already uploaded")
    mixed = (head + line.format(n=3).replace("LB-2026-11", "LB-NEW") + line.format(n=4).replace("LB-2026-11", "LB-OTHER"))
    r = requests.post(f"{url}/v1/lender/batches?format=csv", data=mixed.encode(), headers=A)
    assert r.status_code == 202 and (r.json()["batch_id"], r.json()["published"]) == ("LB-NEW", 1), r.text
    assert r.json()["refusals"] == [{"line": 3, "message": "batch_id: names LB-OTHER, but this upload is batch LB-NEW "
                                                           "(one batch per upload)"}]


def test_malformed_requests_are_4xx_json_with_a_message(gw):
    url = gw["url"]
    refused(requests.post(f"{url}/v1/payments", data=b"[" * 60_000, headers=PAYER), 400, "nested more than 32")
    refused(requests.post(f"{url}/v1/payments", data=b"[" * 40 + b"]" * 40, headers=PAYER), 400, "nested more than 32")
    refused(requests.post(f"{url}/v1/payments", data=b"{\xff", headers=PAYER), 400, "not valid JSON")
    refused(requests.post(f"{url}/v1/payments", data=b"x" * 100_000, headers=PAYER), 413, "size")
    refused(requests.post(f"{url}/portal/case", data=b"case_id=\xff\xfe&code=1",
                          headers={"Content-Type": "application/x-www-form-urlencoded"}), 400, "form")
    refused(requests.get(f"{url}/no/such/page"), 404, "Not Found")
    refused(requests.delete(f"{url}/v1/payments"), 405, "Not Allowed")
    refused(requests.post(f"{url}/v1/lender/batches?format=xml", data=b"", headers=A), 400, "format")


def test_every_answer_carries_the_browser_security_headers(gw):
    url = gw["url"]
    for r in (requests.get(f"{url}/portal"), requests.get(f"{url}/v1/lender/cases", headers=A),
              requests.get(f"{url}/nope"), requests.post(f"{url}/v1/payments", data=b"{", headers=PAYER)):
        for name, value in HEADERS.items():
            assert value in r.headers.get(name, ""), (r.url, name, r.headers)
    assert "script-src 'self'" in r.headers["Content-Security-Policy"] and "unsafe-inline" not in r.headers[
        "Content-Security-Policy"]


def sign_in(url: str, case_id: str, code: str, client: str) -> requests.Response:
    return requests.post(f"{url}/portal/case", data={"case_id": case_id, "code": code}, allow_redirects=False,
                         headers={"X-Forwarded-For": client})


def test_codes_rotate_with_each_notice_expire_and_the_portal_keeps_a_cookie_not_hidden_fields(gw):
    url, (c0, c1, c2), pub = gw["url"], gw["cases"], gw["pub"]
    first = sign_in(url, c0, notice_code(PORTAL_SECRET, c0, "N-0"), "198.51.100.10")
    assert first.status_code == 303 and first.headers["Location"].startswith("/portal/case")
    cookie = first.cookies.get("remedy_portal")
    set_cookie = first.headers["Set-Cookie"]
    assert cookie and "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie and "Max-Age=1800" in set_cookie
    page = requests.get(f"{url}/portal/case", cookies={"remedy_portal": cookie})
    assert page.status_code == 200 and c0 in page.text and notice_code(PORTAL_SECRET, c0, "N-0") not in page.text
    assert 'name="code"' not in page.text and page.headers["Cache-Control"] == "no-store"
    sent = requests.post(f"{url}/portal/requests", data={"kind": "OPT_OUT", "channel": "SMS"}, cookies={"remedy_portal": cookie})
    assert sent.status_code == 202, sent.text
    assert requests.post(f"{url}/portal/requests", data={"kind": "OPT_OUT", "channel": "SMS"}).status_code == 401
    assert sign_in(url, c1, notice_code(PORTAL_SECRET, c1, "N-1"), "198.51.100.11").status_code == 401, "expired"
    assert sign_in(url, c2, notice_code(PORTAL_SECRET, c2, "anything"), "198.51.100.11").status_code == 401, "no notice"
    pub.send("notice.log", c0, "NoticeLogEntry", notice_sent(c0, "LENDER-A", "N-0b", NOW - timedelta(days=1), "LETTER"))
    pub.flush()
    clients = (f"198.51.101.{n}" for n in range(1, 250))  # a wrong code while the notice is on its way counts per client
    wait_until(lambda: sign_in(url, c0, notice_code(PORTAL_SECRET, c0, "N-0b"), next(clients)).status_code == 303)
    assert sign_in(url, c0, notice_code(PORTAL_SECRET, c0, "N-0"), "198.51.100.12").status_code == 401, "replaced"
    assert requests.get(f"{url}/portal/case", cookies={"remedy_portal": cookie}).status_code == 401, \
        "a session of the replaced notice ends with it"


def test_wrong_codes_throttle_the_client_never_the_debtor(gw):
    url, c0 = gw["url"], gw["cases"][0]
    attacker, debtor = "203.0.113.66", "198.51.100.20"
    assert [sign_in(url, c0, f"{n:08d}", attacker).status_code for n in range(6)] == [401] * 4 + [429, 429]
    code = notice_code(PORTAL_SECRET, c0, "N-0b")
    assert sign_in(url, c0, code, attacker).status_code == 429, "the attacker stays refused, even with the code"
    assert sign_in(url, c0, code, debtor).status_code == 303, "the debtor is never locked out of their case"
    debtor_json = {"X-Case-Id": c0, "X-Verification-Code": code, "X-Forwarded-For": "198.51.100.21"}
    assert requests.get(f"{url}/v1/debtor/case", headers=debtor_json).status_code == 200


def test_property_based_fuzzing_of_every_route_finds_no_server_error(gw):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    url, c0 = gw["url"], gw["cases"][0]
    paths = ["/openapi.json", "/healthz", "/v1/lender/batches", "/v1/lender/batches/{x}", "/v1/lender/cases",
             f"/v1/lender/cases/{c0}", "/v1/lender/cases/{x}", "/v1/lender/cases/{x}/withdraw", f"/v1/lender/cases/{c0}/payments",
             "/v1/mediator/cases", "/v1/mediator/cases/{x}/outcomes", "/v1/courts/decisions", "/v1/payments",
             "/v1/debtor/case", "/v1/debtor/requests", f"/v1/cases/{c0}/audit", "/portal", "/portal/case", "/portal/requests",
             "/portal/sign-out", "/v1/roster", "/v1/roster/changes", "/v1/roster/mediators/{x}", "/{x}", "/v1/{x}"]
    header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
    header_value = header_text.map(str.strip)  # what a client can send at all
    headers = st.dictionaries(st.sampled_from(["Authorization", "Content-Type", "X-Case-Id", "X-Verification-Code",
                                               "X-Remedy-Court", "X-Remedy-Timestamp", "X-Remedy-Signature", "Cookie",
                                               "X-Forwarded-For"]), header_value, max_size=4)
    keys = st.sampled_from([{}, A, PAYER, bearer("key-mediator-1-0123456789")])
    content_types = st.sampled_from(["application/json", "application/x-www-form-urlencoded", "multipart/form-data",
                                     "multipart/form-data; boundary=x", "text/csv", "text/plain; charset=gbk"]) | header_value
    bodies = st.one_of(st.binary(max_size=300), st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                                                            lambda kids: st.lists(kids, max_size=4) |
                                                            st.dictionaries(st.text(max_size=8), kids, max_size=4),
                                                            max_leaves=20).map(lambda v: json.dumps(v).encode()))
    query = st.dictionaries(st.sampled_from(["batch_id", "format", "stage", "region", "limit", "offset", "lang", "token"]),
                            header_text, max_size=3)
    errors, statuses = [], set()

    @settings(max_examples=300, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]), path=st.sampled_from(paths), x=header_text, key=keys,
           extra=headers, body=bodies, params=query, content_type=content_types)
    def hit(method, path, x, key, extra, body, params, content_type):
        path = path.replace("{x}", requests.utils.quote(x, safe="") or "x")
        r = requests.request(method, f"{url}{path}", params=params, data=body, timeout=30,
                             headers={"Content-Type": content_type, **key, **extra})
        statuses.add(r.status_code)
        if r.status_code >= 500:
            errors.append((method, path, r.status_code, r.text[:200]))

    hit()
    assert not errors, errors[:5]
    assert {200, 401, 404, 405} <= statuses, statuses  # the cases reached the handlers, not only the router
    log = gw["proc"].log_path.read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]

"""A field a document cannot print is refused naming the case and the field, never drawn as a box: a character
the embedded font lacks, a name too long for its box. Through dispatch: one FAILED entry (rule UNRENDERABLE),
nothing sent, the refusal handed to notify (which counts and dead-letters it)."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from prometheus_client import CollectorRegistry

from remedy.contract.codec import Codec
from remedy.contract.paths import SCHEMAS_DIR as SCHEMAS
from remedy.kernel.clock import FrozenClock, parse_instant

from services.notify.channels import Result
from services.notify.dispatch import dispatch
from services.notify.printer import Unrenderable, default
from services.notify.refusals import DLQ, Refusals
from tests.documents_cases import CAT, inputs, notices

PRINTER = default()


def test_a_character_the_font_lacks_in_the_debtors_name_names_the_field_not_the_character():
    with pytest.raises(Unrenderable) as caught:
        PRINTER.paper(inputs("demand_letter", debtor_name="张\U00020000三"))
    assert caught.value.field == "debtor_name" and caught.value.case_id in str(caught.value)
    assert "U+" not in str(caught.value) and "张" not in str(caught.value)


def test_a_character_the_font_lacks_in_a_court_name_is_quoted():
    directory = PRINTER.directory.__class__({**PRINTER.directory.entries,
                                             "CT-350502": PRINTER.directory.entry("CT-350502").__class__("某☒法院")})
    printer = PRINTER.__class__(directory, PRINTER.font, PRINTER.portal_url)
    with pytest.raises(Unrenderable, match=r"field court: 1 character.*U\+2612"):
        printer.paper(inputs("litigation_risk_notice"))


@pytest.mark.parametrize("kind, given, field", [
    ("demand_letter", {"debtor_name": "张" * 40}, "debtor_name"),
    ("demand_letter", {"lender_id": "LENDER-" + "X" * 60}, "lender_name"),
    ("mediation_invitation", {"mediation_centre": "某" * 30 + "人民调解委员会"}, "mediation_centre"),
])
def test_a_name_too_long_for_its_box(kind, given, field):
    with pytest.raises(Unrenderable, match=f"field {field}: too long"):
        PRINTER.paper(inputs(kind, **given))


class Channel:
    def __init__(self, name):
        self.name, self.sent = name, []

    async def send(self, out):
        self.sent.append(out)
        return Result("SENT")


def test_dispatch_refuses_the_notice_with_a_reason_and_sends_nothing():
    notice = notices()["demand_letter"]
    channels = {name: Channel(name) for name in ("EMAIL", "SMS", "LETTER")}
    refused, archived = [], []
    person = {"name": "张\U00020000三", "email": "a@example.com", "national_id": "x"}
    status, entries = asyncio.run(dispatch(notice, person, channels, CAT, datetime(2026, 12, 4, 2, tzinfo=timezone.utc),
                                           is_debtor=lambda c: True, archive=lambda *a: archived.append(a),
                                           refused=lambda n, exc: refused.append((n["notice_id"], exc.field))))
    assert status == "FAILED" and [(e["status"], e["rule"]) for e in entries] == [("FAILED", "UNRENDERABLE")]
    assert "debtor_name" in entries[0]["detail"] and notice["case_id"] in entries[0]["detail"]
    assert refused == [(notice["notice_id"], "debtor_name")]
    assert not archived and not any(c.sent for c in channels.values())


def test_notify_counts_a_refusal_by_kind_and_field_and_dead_letters_it():
    emitted = []

    async def emit(out):
        emitted.append(out)

    registry = CollectorRegistry()
    host = SimpleNamespace(metrics=SimpleNamespace(registry=registry), clock=FrozenClock(parse_instant("2026-12-04T02:00:00+00:00")),
                           emit=emit)
    refusals = Refusals(host, "notify")
    notice = notices()["demand_letter"]
    refusals(notice, Unrenderable(notice["case_id"], "debtor_name", "1 character(s) the embedded font has no glyph for"))
    asyncio.run(refusals.flush())
    assert registry.get_sample_value("remedy_notify_documents_refused_total",
                                     {"kind": "demand_letter", "field": "debtor_name"}) == 1
    [out] = emitted
    assert out.topic == DLQ and out.record["error_type"] == "Unrenderable" and "debtor_name" in out.record["error"]
    assert out.record["value"] == notice["notice_id"].encode() and not refusals.pending
    assert Codec(SCHEMAS).decode(Codec(SCHEMAS).encode("DeadLetter", out.record))[1]["partition"] == -1

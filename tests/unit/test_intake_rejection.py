"""intake's answer to bytes that are no LoanDefault: a rejection the lender can act on, without the bytes."""
from remedy.contract.codec import Codec
from remedy.kernel.settings import REPO_ROOT
from services.intake.rejection import undecodable
from sim.defaults import utc

NOW = utc(2026, 11, 28, 4)


def test_undecodable_bytes_get_a_rejection_by_key_and_position_that_encodes_without_them():
    emit = undecodable(b"LENDER-A:L00000042", (3, 1187), NOW)
    r = emit.record
    assert (emit.topic, emit.key) == ("loan.defaults.rejected", "LENDER-A:L00000042")
    assert (r["lender_id"], r["loan_id"], r["batch_id"], r["reason_codes"]) == ("LENDER-A", "L00000042", "",
                                                                                 ["UNDECODABLE"])
    assert (r["input_partition"], r["input_offset"]) == (3, 1187)
    assert r["problems"][0]["message_zh"].startswith("记录无法按 LoanDefault 模式解码")
    codec = Codec(REPO_ROOT / "schemas")
    assert codec.decode(codec.encode("LoanDefaultRejected", r), expect="LoanDefaultRejected")[1] == r


def test_a_key_that_names_no_loan_still_gets_an_answer():
    r = undecodable(None, (0, 5), NOW).record
    assert (r["lender_id"], r["loan_id"], r["reason_codes"], r["input_offset"]) == ("", "", ["UNDECODABLE"], 5)

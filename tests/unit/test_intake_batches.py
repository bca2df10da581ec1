from services.intake.batches import count, member_value, report
from sim.defaults import utc

NOW = utc(2026, 11, 28)


def run(tallies, declared=3):
    batch, members, reports = None, {}, []
    for loan, member in tallies:
        updated = count(batch, members.get(loan), member, declared)
        if updated is None:
            continue
        if out := report(updated, "L1", "B1", NOW):
            reports.append(out.record)
            updated["reported"] = [updated["accepted"], updated["rejected"]]
        batch, members[loan] = updated, member
    return batch, reports


def test_report_when_declared_size_is_reached():
    bad = member_value(False, ["UNKNOWN_PRODUCT"])
    batch, reports = run([("a", "A"), ("b", bad), ("c", "A")])
    assert [(r["accepted"], r["rejected"], r["rejections_by_reason"]) for r in reports] == [(2, 1, {"UNKNOWN_PRODUCT": 1})]


def test_redelivered_tallies_count_once_and_report_once():
    _, reports = run([("a", "A"), ("a", "A"), ("b", "A"), ("b", "A"), ("c", "A"), ("c", "A")])
    assert len(reports) == 1 and reports[0]["accepted"] == 3


def test_a_loan_corrected_after_the_report_moves_between_counts_and_reports_again():
    bad = member_value(False, ["NEGATIVE_AMOUNT", "UNKNOWN_PRODUCT"])
    batch, reports = run([("a", "A"), ("b", bad), ("c", "A"), ("b", "A")])
    assert [(r["accepted"], r["rejected"]) for r in reports] == [(2, 1), (3, 0)]
    assert batch["by_reason"] == {}


def test_no_report_without_a_declared_size():
    _, reports = run([("a", "A")], declared=0)
    assert reports == []

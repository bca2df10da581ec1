from services.intake.batches import BatchIndex, Membership, merge_tally, member_value, report
from sim.defaults import utc

NOW = utc(2026, 11, 28)
BAD = member_value(False, ["UNKNOWN_PRODUCT"])


def m(loan_partition: int, offset: int, member: str = "A", declared: int = 3, batch: str = "B1") -> Membership:
    return Membership("L1", batch, declared, loan_partition, offset, member)


def aggregate(tallies: list[dict]) -> tuple[dict | None, list[dict]]:
    batch, reports = None, []
    for t in tallies:
        updated = merge_tally(batch, t)
        if updated is None:
            continue
        if out := report(updated, t["lender_id"], t["batch_id"], NOW):
            reports.append(out.record)
            updated["reported"] = [out.record["accepted"], out.record["rejected"]]
        batch = updated
    return batch, reports


def test_counts_from_two_partitions_report_once_the_declared_size_is_reached():
    index = BatchIndex()
    index.apply(m(0, 10))
    index.apply(m(1, 4, BAD))
    first = index.take_dirty({0, 1})
    index.apply(m(0, 11))
    second = index.take_dirty({0, 1})
    _, reports = aggregate(first + second)
    assert [(r["accepted"], r["rejected"], r["rejections_by_reason"]) for r in reports] == [(2, 1, {"UNKNOWN_PRODUCT": 1})]


def test_duplicated_and_stale_tallies_change_nothing():
    index = BatchIndex()
    index.apply(m(0, 1))
    old = index.take_dirty({0})
    index.apply(m(0, 2))
    index.apply(m(0, 3))
    new = index.take_dirty({0})
    batch, reports = aggregate(new + new + old)  # the old tally arrives late, from a worker that lost the partition
    assert batch["parts"]["0"]["accepted"] == 3 and len(reports) == 1


def test_a_corrected_loan_moves_between_counts_and_the_batch_reports_again():
    index = BatchIndex()
    rejected = m(0, 1, BAD)
    for mm in (rejected, m(1, 1), m(2, 1)):
        index.apply(mm)
    first = index.take_dirty({0, 1, 2})
    index.apply(m(0, 7), prior=rejected)
    _, reports = aggregate(first + index.take_dirty({0, 1, 2}))
    assert [(r["accepted"], r["rejected"], r["rejections_by_reason"]) for r in reports] == [(2, 1, {"UNKNOWN_PRODUCT": 1}), (3, 0, {})]


def test_rebuilding_from_remembered_loans_gives_the_same_counts():
    live = BatchIndex()
    members = [m(0, 1), m(0, 2, BAD), m(1, 5)]
    for mm in members:
        live.apply(mm)
    rebuilt = BatchIndex()
    rebuilt.rebuild(members)
    assert rebuilt.counts == live.counts


def test_partitions_no_longer_owned_are_not_reported_and_no_size_means_no_report():
    index = BatchIndex()
    index.apply(m(3, 1))
    assert index.take_dirty({0, 1}) == []
    index.apply(m(0, 1, declared=0))
    _, reports = aggregate(index.take_dirty({0}))
    assert reports == []

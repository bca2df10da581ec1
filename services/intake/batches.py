"""Per-lender batch counts, and the BatchReport once a batch's declared size is reached. Pure.

Each (lender, batch, loan) counts once, by its latest outcome, so redelivered tallies change nothing.
"""
from __future__ import annotations

from datetime import datetime

from remedy.app import Emit


def member_value(accepted: bool, reasons: list[str]) -> str:
    return "A" if accepted else "R:" + ",".join(reasons)


def count(batch: dict | None, prior_member: str | None, new_member: str, declared: int) -> dict | None:
    """The batch's new counts, or None when this tally changes nothing."""
    if prior_member == new_member:
        return None
    b = dict(batch or {"declared": declared, "accepted": 0, "rejected": 0, "by_reason": {}, "reported": None})
    b["by_reason"] = dict(b["by_reason"])
    b["declared"] = max(b["declared"], declared)
    for member, sign in ((prior_member, -1), (new_member, +1)):
        if member is None:
            continue
        if member == "A":
            b["accepted"] += sign
        else:
            b["rejected"] += sign
            for reason in member[2:].split(","):
                b["by_reason"][reason] = b["by_reason"].get(reason, 0) + sign
    b["by_reason"] = {r: n for r, n in b["by_reason"].items() if n}
    return b


def report(batch: dict, lender_id: str, batch_id: str, now: datetime) -> Emit | None:
    """A BatchReport when the declared size is reached and the counts differ from the last report."""
    counts = [batch["accepted"], batch["rejected"]]
    if not batch["declared"] or sum(counts) < batch["declared"] or batch["reported"] == counts:
        return None
    record = {"lender_id": lender_id, "batch_id": batch_id, "declared_size": batch["declared"], "accepted": counts[0],
              "rejected": counts[1], "rejections_by_reason": batch["by_reason"], "reported_at": now}
    return Emit("loan.batches", f"{lender_id}:{batch_id}", "BatchReport", record)

"""Per-lender batch counts and the BatchReport once a batch's declared size is reached. Pure.

Counting without a message per default: each intake worker keeps, for the partitions it owns, an
index of absolute counts per (batch, partition), derived from its ``seen`` table (so it can be
rebuilt after a restart or rebalance). Once a second it sends the counts that changed as a
``PartitionTally`` — absolute, not a delta — to ``intake.tallies`` keyed by batch. The tally agent
keeps the newest tally per partition (by the input offset it covers) and sums them. Redelivered,
duplicated or stale tallies therefore change nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from remedy.kernel.emit import Emit

ACCEPTED = "A"


def member_value(accepted: bool, reasons: list[str]) -> str:
    """How a loan counts in its batch: "A", or "R:" + its rejection reasons."""
    return ACCEPTED if accepted else "R:" + ",".join(reasons)


@dataclass(frozen=True)
class Membership:
    """Where one loan counts: its batch, the partition and offset of the input that put it there."""
    lender_id: str
    batch_id: str
    declared: int
    partition: int
    offset: int
    member: str


@dataclass
class Counts:
    declared: int = 0
    accepted: int = 0
    rejected: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    offset: int = -1  # highest input offset of this partition these counts include

    def add(self, member: str, sign: int) -> None:
        if member == ACCEPTED:
            self.accepted += sign
            return
        self.rejected += sign
        for reason in member[2:].split(","):
            n = self.by_reason.get(reason, 0) + sign
            if n:
                self.by_reason[reason] = n
            else:
                self.by_reason.pop(reason, None)


class BatchIndex:
    """Absolute counts per (batch key, partition) for the partitions this worker owns."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str, int], Counts] = {}
        self.dirty: set[tuple[str, str, int]] = set()

    def apply(self, m: "Membership", prior: "Membership | None" = None) -> None:
        """Count a loan where it now belongs, and no longer where it was (a loan counts once, by its latest input)."""
        if prior is not None and (prior.lender_id, prior.batch_id, prior.partition) in self.counts:
            key = (prior.lender_id, prior.batch_id, prior.partition)
            self.counts[key].add(prior.member, -1)
            self.dirty.add(key)
        key = (m.lender_id, m.batch_id, m.partition)
        c = self.counts.setdefault(key, Counts())
        c.declared = max(c.declared, m.declared)
        c.offset = max(c.offset, m.offset)
        c.add(m.member, +1)
        self.dirty.add(key)

    def rebuild(self, members: list["Membership"]) -> None:
        """From the membership of every loan this worker remembers."""
        self.counts.clear()
        for m in members:
            self.apply(m)

    def take_dirty(self, owned: set[int]) -> list[dict]:
        """Tallies to send for changed counts in partitions still owned; clears the dirty set."""
        out = []
        for lender_id, batch_id, partition in sorted(self.dirty):
            c = self.counts.get((lender_id, batch_id, partition))
            if partition in owned and c is not None:  # a rebuild may have dropped a key marked before it
                out.append({"lender_id": lender_id, "batch_id": batch_id, "partition": partition, "declared": c.declared,
                            "offset": c.offset, "accepted": c.accepted, "rejected": c.rejected,
                            "by_reason": dict(c.by_reason)})
        self.dirty.clear()
        return out


def merge_tally(batch: dict | None, tally: dict) -> dict | None:
    """The batch's state with this partition tally applied, or None when it is stale or a repeat."""
    b = {"declared": 0, "parts": {}, "reported": None} if batch is None else {**batch, "parts": dict(batch["parts"])}
    key = str(tally["partition"])
    held = b["parts"].get(key)
    if held is not None and (held["offset"] > tally["offset"] or held == _part(tally)):
        return None
    b["parts"][key] = _part(tally)
    b["declared"] = max(b["declared"], tally["declared"])
    return b


def _part(t: dict) -> dict:
    return {"offset": t["offset"], "accepted": t["accepted"], "rejected": t["rejected"], "by_reason": t["by_reason"]}


def totals(batch: dict) -> tuple[int, int, dict[str, int]]:
    accepted = sum(p["accepted"] for p in batch["parts"].values())
    rejected = sum(p["rejected"] for p in batch["parts"].values())
    reasons: dict[str, int] = {}
    for p in batch["parts"].values():
        for r, n in p["by_reason"].items():
            reasons[r] = reasons.get(r, 0) + n
    return accepted, rejected, reasons


def report(batch: dict, lender_id: str, batch_id: str, now: datetime) -> Emit | None:
    """A BatchReport when the declared size is reached and the counts differ from the last report."""
    accepted, rejected, reasons = totals(batch)
    if not batch["declared"] or accepted + rejected < batch["declared"] or batch["reported"] == [accepted, rejected]:
        return None
    record = {"lender_id": lender_id, "batch_id": batch_id, "declared_size": batch["declared"], "accepted": accepted,
              "rejected": rejected, "rejections_by_reason": reasons, "reported_at": now}
    return Emit("loan.batches", f"{lender_id}:{batch_id}", "BatchReport", record)

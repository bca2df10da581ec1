"""The desk's queue in its table: the waiting requests in the desk's order, read without a scan. Pure:
it reads through the table's ``get`` and returns the writes a change makes.

A request waits in a lane, its (tier, region), under its score, in numbered slots:

- ``lanes/<tier>`` → the regions of that tier with requests waiting, sorted (bounded by the regions);
- ``lane/<tier>/<region>`` → {score: [head, tail]}: the slots in use for each score (at most 1,001 scores);
- ``slot/<tier>/<region>/<score>/<n>`` → a waiting request (none: a hole left by one that left the queue);
- ``case/<case_id>`` → {request key: [tier, region, score, n]}: where the case's requests wait;
- ``desk`` → {"day", "loads", "waiting": {tier: requests waiting}, "layout": 2}.

A score's slots hold its requests in ``desk.order`` (longest wait, then key): a request joins at the
tail, and those that were requested after it but reached the desk first move one slot back each. They
are few: a request's ``requested_ms`` is the moment its case decided to ask, and requests from the case
topics' partitions reach the desk's one partition within the producers' batching delay of it. Reading a lane in order goes down its scores and along their slots,
so the head of a lane is a couple of reads, and a drain — which merges the lanes' heads and leaves a
lane once its region has no free mediator — reads the lanes and what it assigns, not the whole queue.
Enqueueing reads the case's entry; a cancel reads it and the slots it frees.
"""
from __future__ import annotations

import bisect
from typing import Any, Callable, Iterator

from services.mediation.desk import Change, case_of, order, request_key

META, LAYOUT = "desk", 2
TIERS = ("PEOPLES", "COURT")
Get = Callable[[str], Any]


def lanes_key(tier: str) -> str:
    return f"lanes/{tier}"


def lane_key(tier: str, region: str) -> str:
    return f"lane/{tier}/{region}"


def slot_key(tier: str, region: str, score: str, n: int) -> str:
    return f"slot/{tier}/{region}/{score}/{n}"


def case_key(case_id: str) -> str:
    return f"case/{case_id}"


class Desk:
    """``desk.View`` over the desk's table (anything with ``get``): the day and loads read once, the
    queue read as the decision goes."""

    def __init__(self, table: Any):
        self.table = table
        meta = table.get(META) or {}
        self.day, self.loads = meta.get("day", ""), meta.get("loads", {})
        self.counts: dict[str, int] = meta.get("waiting") or {}

    def has(self, key: str) -> bool:
        return key in (self.table.get(case_key(case_of(key))) or {})

    def keys_of(self, case_id: str) -> list[str]:
        return sorted(self.table.get(case_key(case_id)) or {})

    def lanes(self) -> list[tuple[str, str]]:
        return [(tier, region) for tier in TIERS for region in self.table.get(lanes_key(tier)) or ()]

    def waiting(self, tier: str, region: str) -> Iterator[tuple[str, dict]]:
        scores = self.table.get(lane_key(tier, region)) or {}
        for score in sorted(scores, key=int, reverse=True):
            head, tail = scores[score]
            for n in range(head, tail):
                req = self.table.get(slot_key(tier, region, score, n))
                if req is not None:
                    yield request_key(req), req

    def queue(self) -> dict[str, dict]:
        """Every waiting request by key, in the desk's order (reads the whole queue: for tests and tools)."""
        every = [item for tier, region in self.lanes() for item in self.waiting(tier, region)]
        return dict(sorted(every, key=order))

    def length(self, tier: str) -> int:
        return self.counts.get(tier, 0)


def plan(table: Any, change: Change) -> dict[str, Any]:
    """The writes (key → value; None removes the key) that apply ``change`` to the desk in ``table``, in the
    order to make them. Leaving requests go first, then joining ones, then the day, loads and counts."""
    writes: dict[str, Any] = {}

    def get(key: str) -> Any:
        return writes[key] if key in writes else table.get(key)

    meta = get(META) or {}
    counts = dict(meta.get("waiting") or {})
    for key in sorted(change.left):
        _remove(get, writes, key, counts)
    for key, req in sorted(change.joined.items(), key=order):   # in order: each joins at its score's tail
        if key not in (get(case_key(case_of(key))) or {}):
            _insert(get, writes, req, counts)
    after = {"day": change.day, "loads": change.loads, "waiting": counts, "layout": LAYOUT}
    if after != meta:
        writes[META] = after
    return writes


def _insert(get: Get, writes: dict, req: dict, counts: dict[str, int]) -> None:
    tier, region, score = req["tier"], req["region"], str(req["score"])
    scores = dict(get(lane_key(tier, region)) or {})
    head, tail = scores.get(score, (0, 0))
    rank = order((request_key(req), req))
    free, n = tail, tail - 1
    while n >= head:   # requested after this one, yet here first: one slot back each
        other = get(slot_key(tier, region, score, n))
        if other is not None:
            if order((request_key(other), other)) <= rank:
                break
            _place(get, writes, other, free)
            free = n
        n -= 1
    _place(get, writes, req, free)
    if not scores:
        regions = list(get(lanes_key(tier)) or ())
        bisect.insort(regions, region)
        writes[lanes_key(tier)] = regions
    scores[score] = [head, tail + 1]
    writes[lane_key(tier, region)] = scores
    counts[tier] = counts.get(tier, 0) + 1


def _place(get: Get, writes: dict, req: dict, n: int) -> None:
    tier, region, score = req["tier"], req["region"], str(req["score"])
    writes[slot_key(tier, region, score, n)] = req
    key = request_key(req)
    writes[case_key(req["case_id"])] = {**(get(case_key(req["case_id"])) or {}), key: [tier, region, score, n]}


def _remove(get: Get, writes: dict, key: str, counts: dict[str, int]) -> None:
    entry = get(case_key(case_of(key))) or {}
    if key not in entry:
        return
    tier, region, score, n = entry[key]
    writes[slot_key(tier, region, score, n)] = None
    writes[case_key(case_of(key))] = {k: v for k, v in entry.items() if k != key} or None
    scores = dict(get(lane_key(tier, region)) or {})
    head, tail = scores[score]
    while head < tail and get(slot_key(tier, region, score, head)) is None:
        head += 1
    while tail > head and get(slot_key(tier, region, score, tail - 1)) is None:
        tail -= 1
    if head < tail:
        scores[score] = [head, tail]
    else:
        del scores[score]
    writes[lane_key(tier, region)] = scores or None
    if not scores:
        writes[lanes_key(tier)] = [r for r in get(lanes_key(tier)) or () if r != region] or None
    if counts.get(tier, 0) > 1:
        counts[tier] -= 1
    else:
        counts.pop(tier, None)


def migrate(table: Any) -> dict[str, Any] | None:
    """The writes that move a desk kept by an older layout (each waiting request under ``q:<key>``, found by
    reading every key once) into this one; None when the table is in this layout already."""
    meta = table.get(META) or {}
    if meta.get("layout") == LAYOUT:
        return None
    old = {key[2:]: req for key, req in table.items() if key.startswith("q:") and req}
    writes = {"q:" + key: None for key in sorted(old)}
    writes.update(plan(table, Change(meta.get("day", ""), meta.get("loads", {}), joined=old)))  # writes META
    return writes

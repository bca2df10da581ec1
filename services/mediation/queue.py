"""The desk in its table: the waiting requests in the desk's order, read without a scan, and the day's
counts per mediator. Pure: it reads through the table's ``get`` and returns the writes a change makes.

A request waits in a lane, its (tier, region), under its score, in numbered slots. Every record stays
small whatever the length of the queue:

- ``lanes/<tier>`` → the region prefixes (4 digits) of that tier with requests waiting, sorted;
- ``lanes/<tier>/<prefix>`` → the regions under that prefix with requests waiting, sorted;
- ``lane/<tier>/<region>`` → the hundreds (score // 100) with requests waiting, highest first;
- ``lane/<tier>/<region>/<hundred>`` → {score: [head, tail]}: the slots in use for each of those scores;
- ``slot/<tier>/<region>/<score>/<n>`` → a waiting request (none: a hole left by one that left the queue);
- ``case/<case_id>`` → {request key: [tier, region, score, n]}: where the case's requests wait;
- ``load/<mediator_id>`` → [day, cases assigned that day];
- ``waiting`` → {tier: requests waiting}; ``desk`` → {"day", "layout": 3};
- ``roster/…``: the roster's changes (``roster.store``); ``assigned:<request key>``: the requests assigned, each with
  what the desk answered (``desk.Change.answers``).

A score's slots hold its requests in ``desk.order`` (longest wait, then arrival): a request joins at the
tail, and those that were requested after it but reached the desk first move one slot back each. They
are few: a request's ``requested_ms`` is the moment its case decided to ask, and requests from the case
topics' partitions reach the desk's one partition within the producers' batching delay of it; requests
asked at the same instant keep their arrival order and move nothing.
Reading a lane in order goes down its hundreds, scores and slots, so a lane's head is a few reads; a
drain, which merges the lanes' heads and leaves a lane once its region has no free mediator, reads the
lanes and what it assigns, not the whole queue. An enqueue reads the case's entry and, when it joins, its
score's slots from the tail; a cancel reads the case's entry and the slots it frees.
"""
from __future__ import annotations

import bisect
from typing import Any, Callable, Iterator, Mapping

from services.mediation import roster
from services.mediation.desk import Change, case_of, order, request_key

META, WAITING, LAYOUT = "desk", "waiting", 3
TIERS = ("PEOPLES", "COURT")
Get = Callable[[str], Any]


def load_key(mediator_id: str) -> str:
    return f"load/{mediator_id}"


def case_key(case_id: str) -> str:
    return f"case/{case_id}"


def slot_key(tier: str, region: str, score: str, n: int) -> str:
    return f"slot/{tier}/{region}/{score}/{n}"


def _sets(tier: str, region: str, score: str) -> list[tuple[str, Any]]:
    """The sorted sets a waiting request is filed under, innermost first: (key, member)."""
    hundred = int(score) // 100
    return [(f"lane/{tier}/{region}", hundred), (f"lanes/{tier}/{region[:4]}", region), (f"lanes/{tier}", region[:4])]


class Desk:
    """``desk.View`` over the desk's table (anything with ``get``), read as the decision goes. ``loads``: the
    ``load/<mediator_id>`` entries (mediator_id → [day, count]) if the caller keeps them at hand."""

    def __init__(self, table: Any, loads: Mapping[str, list] | None = None):
        self.table, self.loads = table, loads
        self.day = (table.get(META) or {}).get("day", "")
        self.counts: dict[str, int] = table.get(WAITING) or {}

    def load(self, mediator_id: str) -> int:
        entry = self.table.get(load_key(mediator_id)) if self.loads is None else self.loads.get(mediator_id)
        return entry[1] if entry and entry[0] == self.day else 0

    def has(self, key: str) -> bool:
        return key in (self.table.get(case_key(case_of(key))) or {})

    def keys_of(self, case_id: str) -> list[str]:
        return sorted(self.table.get(case_key(case_id)) or {})

    def lanes(self) -> list[tuple[str, str]]:
        get = self.table.get
        return [(tier, region) for tier in TIERS for prefix in get(f"lanes/{tier}") or ()
                for region in get(f"lanes/{tier}/{prefix}") or ()]

    def waiting(self, tier: str, region: str) -> Iterator[tuple[str, dict]]:
        get = self.table.get
        for hundred in get(f"lane/{tier}/{region}") or ():
            scores = get(f"lane/{tier}/{region}/{hundred}") or {}
            for score in sorted(scores, key=int, reverse=True):
                head, tail = scores[score]
                for n in range(head, tail):
                    req = get(slot_key(tier, region, score, n))
                    if req is not None:
                        yield request_key(req), req

    def queue(self) -> dict[str, dict]:
        """Every waiting request by key, in the desk's order (reads the whole queue: for tests and tools)."""
        return dict(sorted((item for lane in self.lanes() for item in self.waiting(*lane)), key=order))

    def length(self, tier: str) -> int:
        return self.counts.get(tier, 0)


def plan(table: Any, change: Change) -> dict[str, Any]:
    """The writes (key → value; None removes the key) that apply ``change`` to the desk in ``table``, in the
    order to make them: requests leaving, requests joining, the counts, the day."""
    writes: dict[str, Any] = {}

    def get(key: str) -> Any:
        return writes[key] if key in writes else table.get(key)

    counts = dict(get(WAITING) or {})
    before = dict(counts)
    for key in sorted(change.left):
        _remove(get, writes, key, counts)
    for key, req in sorted(change.joined.items(), key=order):   # in order: each joins at its score's tail
        if key not in (get(case_key(case_of(key))) or {}):
            _insert(get, writes, req, counts)
    for mediator_id, count in sorted(change.loads.items()):
        writes[load_key(mediator_id)] = [change.day, count]
    if counts != before:
        writes[WAITING] = counts or None
    if get(META) != {"day": change.day, "layout": LAYOUT}:
        writes[META] = {"day": change.day, "layout": LAYOUT}
    return writes


def _insert(get: Get, writes: dict, req: dict, counts: dict[str, int]) -> None:
    tier, region, score = req["tier"], req["region"], str(req["score"])
    bucket = f"lane/{tier}/{region}/{int(score) // 100}"
    scores = dict(get(bucket) or {})
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
        for key, member in _sets(tier, region, score):
            members = list(get(key) or ())
            bisect.insort(members, member, key=lambda m: -m if isinstance(m, int) else m)
            writes[key] = members
            if len(members) > 1:
                break   # the set was there already, and so are the ones around it
    scores[score] = [head, tail + 1]
    writes[bucket] = scores
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
    bucket = f"lane/{tier}/{region}/{int(score) // 100}"
    scores = dict(get(bucket) or {})
    head, tail = scores[score]
    while head < tail and get(slot_key(tier, region, score, head)) is None:
        head += 1
    while tail > head and get(slot_key(tier, region, score, tail - 1)) is None:
        tail -= 1
    if head < tail:
        scores[score] = [head, tail]
    else:
        del scores[score]
    writes[bucket] = scores or None
    if not scores:
        for set_key, member in _sets(tier, region, score):
            members = [m for m in get(set_key) or () if m != member]
            writes[set_key] = members or None
            if members:
                break   # the set is not empty: the ones around it keep it
    if counts.get(tier, 0) > 1:
        counts[tier] -= 1
    else:
        counts.pop(tier, None)


def migrate(table: Any) -> dict[str, Any] | None:
    """The writes that move a desk kept in an older layout (each waiting request under ``q:<key>``, found by
    reading every key once; the day's loads in ``desk``; the roster's changes in one ``roster`` record) into
    this one; None when it is in this one already."""
    meta = table.get(META) or {}
    if meta.get("layout") == LAYOUT:
        return None
    old = {key[2:]: req for key, req in table.items() if key.startswith("q:") and req}
    writes: dict[str, Any] = {"q:" + key: None for key in sorted(old)}
    changes = table.get("roster")
    if isinstance(changes, dict):
        for entry in changes.values():
            writes.update(roster.store(lambda key: writes[key] if key in writes else table.get(key), entry))
        writes["roster"] = None
    writes.update(plan(table, Change(meta.get("day", ""), dict(meta.get("loads") or {}), joined=old)))
    return writes

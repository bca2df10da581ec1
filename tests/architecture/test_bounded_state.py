"""No state that grows with the number of cases lives on a worker's heap (issue: national volume).

Every dict or set a service or the runtime keeps as an attribute or module global is listed here with
why it stays bounded whatever the number of cases, debtors or loans; state keyed by them belongs in a
table (faust's RocksDB store, with its changelog). A new one fails this test until it is justified
here or moved to a table. ``STILL_ON_THE_HEAP`` lists what is known to grow and is yet to move: it may
only shrink."""
from __future__ import annotations

import ast

from remedy.kernel.settings import REPO_ROOT

BOUNDED = {
    ("services/notify/worker.py", "sending"): "notice ids being sent, or sent with their result not applied by the guard yet: at most 16 x notify_concurrent_sends (services/notify/slots.py)",
    ("services/webhooks/worker.py", "sending"): "deliveries being attempted right now: at most webhooks_concurrent_sends",
    ("services/webhooks/subscribers.py", "parties"): "the event types of each party's subscriptions: grows with the parties "
                                                     "that subscribe, not with cases",
    ("services/intake/batches.py", "counts"): "per (lender, batch, partition): grows with batches, not loans",
    ("services/intake/batches.py", "dirty"): "the batches changed since the last tally: a subset of counts",
    ("services/notify/documents.py", "_BY_SIZE"): "glyph widths per font size, at most 8",
    ("services/notify/printing.py", "_printers"): "in the printing process, one printer per notify settings: one",
    ("services/analytics/decoding.py", "_plans"): "one decoding plan per writer schema fingerprint",
    ("services/analytics/sink.py", "offsets"): "per topic-partition",
    ("services/analytics/sink.py", "committed"): "per topic-partition",
    ("services/analytics/sink.py", "ready"): "per topic-partition",
    ("remedy/runtime/partitioner.py", "_known"): "a cache of key partitions, cleared at MAX_KEYS",
    ("remedy/runtime/table_pending.py", "values"): "changes whose changelog record the broker has not acknowledged yet",
    ("remedy/runtime/table_pending.py", "queues"): "per partition",
    ("remedy/runtime/table_pending.py", "latest"): "the changes of the outbox's one pending batch",
    ("remedy/runtime/outbox.py", "_latest"): "the changelog records of the one pending batch",
    ("remedy/runtime/tables.py", "tables"): "per table",
    ("remedy/runtime/lag.py", "_waiting"): "per topic-partition",
    ("remedy/runtime/lag.py", "waiting"): "per topic",
    ("remedy/runtime/lag.py", "handled"): "per topic-partition",
    ("remedy/runtime/lag.py", "assigned_at"): "per topic-partition",
    ("remedy/runtime/due.py", "_ticked"): "per partition",
    ("services/notify/slots.py", "queued"): "per partition: the partitions whose debtors wait for a send slot",
    ("services/notify/handover.py", "ready"): "per partition: the partitions whose old owner's results have been read",
    ("remedy/runtime/app.py", "_topics"): "per topic",
    ("remedy/runtime/app.py", "_children"): "per metric label set (never a case id)",
    ("remedy/runtime/signed.py", "_refused"): "per refusal reason (partykeys.REASONS: five)",
    ("remedy/runtime/stores.py", "_shared"): "one block cache and write buffer manager per worker",
    ("remedy/runtime/stores.py", "assigned"): "per partition",
    ("remedy/runtime/patches/guard.py", "_originals"): "per patched faust function",
    ("services/analytics/resume.py", "by_tp"): "per topic-partition being taken over, at most max(WINDOW, flush_rows) "
                                                "hashed keys each, dropped once read past",
    ("services/gateway/store.py", "pending"): "the read model's changes of one chunk of records (at most 2,000), "
                                              "written at its commit; outside the reader, at most projection.MAX_PENDING",
    ("services/gateway/core.py", "uploading"): "the batch uploads in progress on this instance right now",
    ("services/gateway/guards.py", "entries"): "the portal's limits per client address: at most portal_max_clients, "
                                               "expired entries dropped",
    ("services/gateway/kafka.py", "ends"): "per topic-partition",
    ("services/gateway/kafka.py", "position"): "per topic-partition",
    ("services/gateway/guard_feed.py", "ends"): "per partition of gateway.guards",
    ("services/gateway/guards.py", "used"): "the one-time sign-in codes used within their few minutes: at most the codes "
                                            "the per-case and per-client limits let be sent in that time; expired ones dropped",
}
STILL_ON_THE_HEAP = {
}
# The in-process runtime keeps everything in memory by design (tests, the in-memory funnel).
NOT_A_WORKER = {"remedy/runtime/memory.py"}


def heap_collections() -> set[tuple[str, str]]:
    """(file, name) of every dict/set attribute or module global assigned in services/ and remedy/runtime/."""
    found = set()
    for top in ("services", "remedy/runtime"):
        for path in sorted((REPO_ROOT / top).rglob("*.py")):
            rel = str(path.relative_to(REPO_ROOT))
            if rel in NOT_A_WORKER:
                continue
            tree = ast.parse(path.read_text())
            top_level = set(map(id, tree.body))
            for node in ast.walk(tree):
                target, value = None, None
                if isinstance(node, ast.AnnAssign):
                    target, value = node.target, node.value
                elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target, value = node.targets[0], node.value
                if value is None or not is_empty_collection(value):
                    continue
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                    found.add((rel, target.attr))
                elif isinstance(target, ast.Name) and id(node) in top_level:
                    found.add((rel, target.id))
    return found


def is_empty_collection(value: ast.expr) -> bool:
    if isinstance(value, (ast.Dict, ast.Set)) and not getattr(value, "keys", getattr(value, "elts", None)):
        return True
    return (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
            and value.func.id in ("dict", "set", "defaultdict", "OrderedDict") and not value.args)


def test_every_collection_a_worker_keeps_is_bounded_or_known():
    unexplained = heap_collections() - BOUNDED.keys() - STILL_ON_THE_HEAP.keys()
    assert not unexplained, ("state on the heap that may grow with the cases: move it to a table, or say in "
                             f"tests/architecture/test_bounded_state.py why it is bounded: {sorted(unexplained)}")


def test_the_lists_name_only_what_is_there():
    """A collection moved to a table leaves the lists too, so the known gaps only shrink."""
    stale = (BOUNDED.keys() | STILL_ON_THE_HEAP.keys()) - heap_collections()
    assert not stale, f"listed but no longer in the code: {sorted(stale)}"


def test_the_check_finds_a_per_case_dict():
    tree = ast.parse("class W:\n    def __init__(self):\n        self.by_case: dict[str, dict] = {}\n")
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.AnnAssign))
    assert is_empty_collection(node.value) and node.target.attr == "by_case"

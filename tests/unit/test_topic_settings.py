"""Every topic in schemas/topics.json carries its production settings (docs/topics.md, "Production settings"):
the case, notice and contract logs are kept at least 5 years, faust changelogs are compacted, work topics and
dead letters are deleted by age, and min.insync.replicas is left out where the replication cannot meet it."""
from __future__ import annotations

import json

from remedy.contract.paths import REPO_ROOT
from remedy.contract.topics import DAY_MS, KINDS, kind_configs, load_registry

FIVE_YEARS_MS = (5 * 365 + 2) * DAY_MS  # with the leap days five years can hold
REQUIRED = {"retention.ms", "cleanup.policy", "compression.type", "min.insync.replicas"}
# The logs the credit-reporting rules (and disputes) reach back into: docs/rules.md R2.
KEPT_FIVE_YEARS = {"case.events", "notice.log", "loan.defaults", "loan.defaults.rejected", "loan.batches",
                   "mediation.outcomes", "court.decisions", "payments", "debtor.requests", "lender.updates",
                   "mediation.roster"}
REGISTRY = load_registry()


def test_every_topic_has_a_known_kind_and_every_setting():
    for topic in REGISTRY.values():
        assert topic.kind in KINDS, f"{topic.name}: kind {topic.kind!r}"
        missing = REQUIRED - set(topic.configs)
        assert not missing, f"{topic.name} lacks {sorted(missing)}"
        assert topic.replication_factor == 3, f"{topic.name}: production replication {topic.replication_factor}"
        assert topic.configs["min.insync.replicas"] == "2", topic.name


def test_the_kinds_follow_the_names():
    for topic in REGISTRY.values():
        if topic.name.endswith("-changelog"):
            assert topic.kind == "changelog", topic.name
        elif topic.name.endswith(".dlq"):
            assert topic.kind == "dead-letter", topic.name
        elif topic.internal:
            assert topic.kind == "work", topic.name
        else:
            assert topic.kind == "log", topic.name


def test_the_logs_are_kept_at_least_five_years_and_deleted_only_by_age():
    logs = {t.name for t in REGISTRY.values() if t.kind == "log"}
    assert KEPT_FIVE_YEARS <= logs, f"not kept as logs: {sorted(KEPT_FIVE_YEARS - logs)}"
    for name in logs:
        topic = REGISTRY[name]
        assert topic.cleanup_policy == "delete", name
        assert topic.retention_ms == -1 or topic.retention_ms >= FIVE_YEARS_MS, f"{name}: {topic.retention_ms} ms"


def test_changelogs_are_compacted_and_never_deleted_by_age():
    changelogs = [t for t in REGISTRY.values() if t.name.endswith("-changelog")]
    assert len(changelogs) >= 10
    for topic in changelogs:
        assert topic.cleanup_policy == "compact", topic.name
        assert topic.retention_ms == -1, topic.name


def test_work_topics_are_short_and_dead_letters_long_enough_to_be_worked():
    for topic in REGISTRY.values():
        if topic.kind == "work":
            assert topic.cleanup_policy == "delete" and topic.retention_ms == 7 * DAY_MS, topic.name
        if topic.kind == "dead-letter":
            assert topic.cleanup_policy == "delete" and topic.retention_ms >= 30 * DAY_MS, topic.name
    assert {t.name for t in REGISTRY.values() if t.kind == "work"} >= {
        "enforcement.ticks", "repair.ticks", "objections.ticks", "notify.intents", "triage.by-debtor", "intake.tallies",
        "mediation.desk", "mediation.assignments"}


def test_compression_is_a_kafka_codec():
    for topic in REGISTRY.values():
        assert topic.configs["compression.type"] in {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"}, topic.name


def test_min_insync_replicas_is_left_out_where_the_replication_cannot_meet_it():
    topic = REGISTRY["case.events"]
    assert "min.insync.replicas" not in topic.kafka_configs(1)
    assert topic.kafka_configs(2)["min.insync.replicas"] == "2"
    assert topic.kafka_configs(3)["min.insync.replicas"] == "2"
    assert topic.kafka_configs(1)["retention.ms"] == topic.configs["retention.ms"]


def test_retention_days_become_milliseconds_and_a_topic_override_wins(tmp_path):
    assert kind_configs({"_doc": "x", "retention_days": 7, "cleanup.policy": "delete"}) == {
        "retention.ms": str(7 * DAY_MS), "cleanup.policy": "delete"}
    assert kind_configs({"retention_days": None}) == {"retention.ms": "-1"}
    data = json.loads((REPO_ROOT / "schemas" / "topics.json").read_text(encoding="utf-8"))
    data["topics"] = [dict(data["topics"][0], config={"retention_days": 3650, "max.message.bytes": 2_000_000})]
    path = tmp_path / "topics.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    topic = next(iter(load_registry(path).values()))
    assert topic.retention_ms == 3650 * DAY_MS
    assert topic.configs["max.message.bytes"] == "2000000"
    assert topic.cleanup_policy == "delete"


def test_the_topics_page_states_each_topics_kind_and_how_long_it_is_kept():
    page = (REPO_ROOT / "docs" / "topics.md").read_text(encoding="utf-8")
    for topic in REGISTRY.values():
        row = next((line for line in page.splitlines() if line.startswith(f"| `{topic.name}` |")), None)
        assert row is not None, topic.name
        kind, kept = [cell.strip() for cell in row.strip().strip("|").split("|")][6:8]
        days = topic.retention_ms // DAY_MS
        want = "compacted" if topic.cleanup_policy == "compact" else f"{days // 365} years" if days >= 365 else f"{days} days"
        assert (kind, kept) == (topic.kind, want), f"docs/topics.md: {topic.name} says {kind}, {kept}"

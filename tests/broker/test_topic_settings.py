"""What Tansu does with the topic settings provisioning gives (docs/topics.md, "On Tansu"): it keeps every config a
topic is created with and reports it back through DescribeConfigs, validates none, and enforces neither retention
nor compaction; it ignores compression.type, storing and serving each batch as the producer compressed it (none, gzip,
lz4, zstd). Provisioning stays working where a broker refuses the configs."""
from __future__ import annotations

import logging
import time

import pytest
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import InvalidConfigurationError

from remedy.contract.topics import load_registry
from remedy.runtime.broker import BrokerError, config_drift, provision, read_configs

pytestmark = pytest.mark.broker
REGISTRY = load_registry()


def test_tansu_reports_every_setting_provisioning_gave(broker):
    reported = read_configs(broker, list(REGISTRY))
    for name, topic in REGISTRY.items():
        assert reported[name] == topic.kafka_configs(1), name
        assert "min.insync.replicas" not in reported[name], f"{name}: replication 1 cannot meet it"
    assert reported["case.events"]["cleanup.policy"] == "delete"
    assert reported["triage-cases-changelog"]["cleanup.policy"] == "compact"
    assert config_drift(broker) == {}


def test_a_topic_created_without_its_settings_is_reported_as_drift(broker):
    admin = KafkaAdminClient(bootstrap_servers=broker)
    admin.delete_topics(["repair.ticks"])
    admin.create_topics([NewTopic("repair.ticks", 4, 1)])
    admin.close()
    drift = config_drift(broker)
    assert set(drift) == {"repair.ticks"}
    assert drift["repair.ticks"]["cleanup.policy"] == ("delete", None)


def test_tansu_accepts_any_config_and_enforces_neither_retention_nor_compaction(broker):
    admin = KafkaAdminClient(bootstrap_servers=broker)
    admin.create_topics([NewTopic("t.short", 1, 1, topic_configs={"retention.ms": "500", "segment.ms": "100"}),
                         NewTopic("t.compact", 1, 1, topic_configs={"cleanup.policy": "compact", "segment.ms": "100"}),
                         NewTopic("t.odd", 1, 3, topic_configs={"no.such.config": "x", "retention.ms": "soon",
                                                                "min.insync.replicas": "2"})])
    admin.close()
    assert read_configs(broker, ["t.odd"])["t.odd"] == {"no.such.config": "x", "retention.ms": "soon",
                                                        "min.insync.replicas": "2"}
    producer = KafkaProducer(bootstrap_servers=broker)
    for i in range(3):
        producer.send("t.short", key=b"k", value=b"%d" % i)
        producer.send("t.compact", key=b"k", value=b"%d" % i)
    producer.flush()
    time.sleep(3)  # six times t.short's retention
    producer.send("t.short", key=b"k", value=b"late")
    producer.flush()
    producer.close()
    for topic, expected in (("t.short", [b"0", b"1", b"2", b"late"]), ("t.compact", [b"0", b"1", b"2"])):
        consumer = KafkaConsumer(topic, bootstrap_servers=broker, auto_offset_reset="earliest", group_id=None,
                                 consumer_timeout_ms=2000)
        assert [m.value for m in consumer] == expected, topic
        consumer.close()


def test_a_broker_that_refuses_the_configs(broker, monkeypatch, caplog):
    original = KafkaAdminClient.create_topics

    def refusing(self, new_topics, *args, **kwargs):
        if any(t.topic_configs for t in new_topics):
            raise InvalidConfigurationError("Unknown topic config name: segment.ms")
        return original(self, new_topics, *args, **kwargs)

    monkeypatch.setattr(KafkaAdminClient, "create_topics", refusing)
    admin = KafkaAdminClient(bootstrap_servers=broker)
    admin.delete_topics(["repair.ticks", "notify.intents"])
    admin.close()
    with pytest.raises(BrokerError, match="refused its configs"):
        provision(broker, {"repair.ticks": REGISTRY["repair.ticks"]}, strict=True)
    with caplog.at_level(logging.WARNING, logger="remedy.runtime.broker"):
        assert provision(broker, {"notify.intents": REGISTRY["notify.intents"]}) == ["notify.intents"]
    assert "notify.intents: the broker refused its configs" in caplog.text
    assert read_configs(broker, ["notify.intents"])["notify.intents"] == {}


@pytest.mark.parametrize("codec", ["none", "gzip", "lz4", "zstd"])
def test_tansu_stores_and_serves_each_batch_as_the_producer_compressed_it(broker, monkeypatch, codec):
    """compression.type is ignored: a topic set to zstd keeps each batch in the producer's codec, and every
    record comes back as it was sent."""
    from kafka.record.memory_records import MemoryRecords

    from remedy.runtime.publish import compression_type

    topic = f"t.codec.{codec}"
    admin = KafkaAdminClient(bootstrap_servers=broker)
    admin.create_topics([NewTopic(topic, 1, 1, topic_configs={"compression.type": "zstd"})])
    admin.close()
    sent = [(b"C%024d" % i, b"event %d " % i * 20) for i in range(300)]
    producer = KafkaProducer(bootstrap_servers=broker, linger_ms=20, compression_type=compression_type(codec))
    for key, value in sent:
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()
    codecs, next_batch = set(), MemoryRecords.next_batch

    def noting(self, *args, **kwargs):
        batch = next_batch(self, *args, **kwargs)
        if batch is not None:
            codecs.add(batch.compression_type)
        return batch

    monkeypatch.setattr(MemoryRecords, "next_batch", noting)
    consumer = KafkaConsumer(topic, bootstrap_servers=broker, auto_offset_reset="earliest", group_id=None,
                             consumer_timeout_ms=2000)
    assert [(m.key, m.value) for m in consumer] == sent
    consumer.close()
    assert codecs == {{"none": 0, "gzip": 1, "lz4": 3, "zstd": 4}[codec]}


def test_remedy_topics_says_what_it_did_and_what_differs_in_the_terminal_s_language(broker, monkeypatch, capsys):
    from remedy.ops.cli import main

    for name in ("LANG", "LC_ALL", "LC_MESSAGES", "REMEDY_LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REMEDY_KAFKA_BOOTSTRAP", broker)
    admin = KafkaAdminClient(bootstrap_servers=broker)
    admin.delete_topics(["repair.ticks"])
    admin.create_topics([NewTopic("repair.ticks", 4, 1)])
    admin.close()
    assert main(["topics"]) == 0
    out = capsys.readouterr().out
    assert f"主题：新建 0 个，已存在 {len(REGISTRY)} 个" in out
    assert "  repair.ticks：配置与注册表不同（注册表, 消息代理）：cleanup.policy=(delete, None)" in out
    assert main(["--lang", "en", "topics"]) == 0
    assert f"topics: 0 created, {len(REGISTRY)} already there" in capsys.readouterr().out

"""The end offsets faust's table recovery reads up to, on a real Tansu (see remedy/runtime/patches/highwater.py)."""
from __future__ import annotations

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from remedy.runtime.patches.highwater import last_offsets_after

pytestmark = pytest.mark.broker


def test_recovery_reads_to_the_last_record_of_the_last_batch(broker):
    admin = KafkaAdminClient(bootstrap_servers=broker)
    admin.create_topics([NewTopic("hw.test", 2, 1)])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=broker, linger_ms=50)
    for batch in (10, 5):  # two record batches on partition 0; partition 1 stays empty
        for i in range(batch):
            producer.send("hw.test", key=b"k%d" % i, value=b"v", partition=0)
        producer.flush()
    producer.close()
    p0, p1 = TopicPartition("hw.test", 0), TopicPartition("hw.test", 1)
    consumer = KafkaConsumer(bootstrap_servers=broker)
    reported = consumer.end_offsets([p0, p1])
    consumer.close()

    assert last_offsets_after([broker], reported) == {p0: 15, p1: 0}
    assert last_offsets_after([broker], {p0: 15, p1: 0}) == {p0: 15, p1: 0}, "a right answer stays as it is"

"""remedy.runtime.partitioner: the same partition as Kafka's default partitioner, for any key."""
from __future__ import annotations

import random

from aiokafka.partitioner import DefaultPartitioner, murmur2 as aiokafka_murmur2

from remedy.runtime.partitioner import KeyPartitioner, murmur2


def test_murmur2_equals_the_java_clients_for_every_key_length():
    rng = random.Random(7)
    for _ in range(5000):
        key = rng.randbytes(rng.randint(0, 70))
        assert murmur2(key) == aiokafka_murmur2(key)


def test_a_key_goes_to_the_partition_the_default_partitioner_picks_every_time():
    ours, theirs = KeyPartitioner(), DefaultPartitioner()
    for n in (1, 4, 12):
        partitions = list(range(n))
        for i in range(2000):
            key = f"C{i:024x}".encode()
            expected = theirs(key, partitions, partitions)
            assert ours(key, partitions, partitions) == expected
            assert ours(key, partitions, partitions) == expected  # remembered


def test_without_a_key_any_available_partition():
    assert KeyPartitioner()(None, [0, 1, 2, 3], [2]) == 2

"""A shorter wait for a fetch of partitions that have nothing new (``REMEDY_FETCH_MAX_WAIT_MS``), in place of the 1.5 s
faust gives every worker's consumer.

A worker takes at most ``REMEDY_POLL_MAX_RECORDS`` records at a time, so under a backlog part of a fetch stays in
aiokafka's buffer. aiokafka then asks the broker only for the partitions whose records were all taken, one request
per broker at a time; when those have nothing new, the broker holds the request for the whole fetch wait, and the
partitions taken meanwhile cannot be fetched again until it answers. With faust's 1.5 s a triage worker working
through a case log idled about half of its time: 5,100 case events/s, against 11,700 with 300 ms and 14,000 taking
everything at once (``bench/bench_peer.py`` rounds, 2026-12-07). A partition that is written to still answers at
once, whatever the wait; a worker with nothing to do asks the broker a little more often.

``install()`` wraps faust's ``AIOKafkaConsumerThread._create_worker_consumer``: the consumer it builds has its fetch
wait set before it starts (aiokafka reads ``_fetch_max_wait_ms`` when it builds its fetcher, at ``start``; it has no
public setter). The wait comes from the app (``remedy_fetch_max_wait_ms``, set by ``create_app``). Guarded
(``remedy.runtime.patches.guard``): the faust method's source hash and aiokafka's attribute. Without it
(``REMEDY_FAUST_PATCHES`` leaving out ``fetchwait``) faust's 1.5 s applies.
"""
from __future__ import annotations

from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

from remedy.runtime.patches.guard import Guard, original, replace, restore

GUARD = Guard(
    module=__name__, patch="fetchwait", use="wraps",
    target="faust.transport.drivers.aiokafka:AIOKafkaConsumerThread._create_worker_consumer",
    kind="method", distribution="faust-streaming", versions=("0.15.3",),
    sha256="c2701bfc3e6f6cad95c2be36d6a255a86e2c57d18d36cc1082b5fb5c482d99d7",
    without="faust's fetch wait of 1.5 s: a worker working through a backlog idles while the broker holds a "
            "fetch of the partitions that have nothing new")
ATTRIBUTE = Guard(
    module=__name__, patch="fetchwait", use="sets", target="aiokafka.consumer.consumer:AIOKafkaConsumer._fetch_max_wait_ms",
    kind="attribute", distribution="aiokafka", versions=("0.14.0",))
GUARDS = (GUARD, ATTRIBUTE)

_faust_consumer = original(AIOKafkaConsumerThread, "_create_worker_consumer")


def _with_fetch_wait(self, transport):
    consumer = _faust_consumer(self, transport)
    wait_ms = getattr(self.app, "remedy_fetch_max_wait_ms", None)
    if wait_ms:
        consumer._fetch_max_wait_ms = int(wait_ms)
    return consumer


def install() -> None:
    replace(AIOKafkaConsumerThread, "_create_worker_consumer", _with_fetch_wait)


def uninstall() -> None:
    restore(AIOKafkaConsumerThread, "_create_worker_consumer")

"""Writing a faust table on the hot path.

``table[key] = value`` sends its changelog record through faust's ``Topic.send_soon`` (a
FutureMessage, the producer buffer, a callback per record), measured at ~0.3 ms per write here:
more than the whole decision in most stages. ``put`` writes the same bytes to the same changelog
partition through the service's outbox (``Runtime.send``), then the local store. Recovery reads them like any other
changelog record. faust flushes the producer before it commits input offsets, so a change reaches
the changelog before the input that caused it is committed (at-least-once holds).

Every write to a table must go through ``put``: mixing it with ``table[key] = value`` could reorder
two writes of one key on the changelog.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import faust
from faust.utils import json as faust_json

if TYPE_CHECKING:
    from remedy.runtime.app import Runtime


def _dumps(table: faust.Table, key: Any, value: Any) -> tuple[bytes, bytes | None]:
    if table.key_serializer == table.value_serializer == "json":  # every Remedy table: skip faust's codec registry
        return faust_json.dumps(key), None if value is None else faust_json.dumps(value)
    topic = table.changelog_topic
    return topic.prepare_key(key, None)[0], None if value is None else topic.prepare_value(value, None)[0]


async def put(rt: "Runtime", table: faust.Table, key: Any, value: Any) -> None:
    """``table[key] = value``; a value of None is written as a tombstone and removes the key.
    Written through ``rt.send``, so a changelog record the producer fails to write is counted and logged."""
    raw_key, raw_value = _dumps(table, key, value)
    await rt.send(table.changelog_topic.get_topic_name(), raw_key, raw_value, table.partition_for_key(key))
    if value is None:
        table.data.pop(key, None)
    else:
        table.data[key] = value

"""Example payloads beside each schema: ``schemas/<Name>/examples/*.json`` in Avro's JSON encoding
(so any Avro implementation can read them), loaded here into Python records."""
from __future__ import annotations

import io
import json
from pathlib import Path

import fastavro

from remedy.contract.codec import EVENTS_NS, SchemaVersion


def load_example(path: Path, schema: SchemaVersion) -> dict:
    text = json.dumps(json.loads(path.read_text(encoding="utf-8")), ensure_ascii=False)  # one JSON per line
    (record,) = list(fastavro.json_reader(io.StringIO(text), schema.raw))
    if schema.name == "CaseEvent":
        ((full_name, body),) = json.loads(text)["event"].items()
        record["type"], record["event"] = full_name.removeprefix(EVENTS_NS), record["event"]
    return record


def write_example(path: Path, schema: SchemaVersion, record: dict) -> None:
    if schema.name == "CaseEvent":
        record = {**{k: v for k, v in record.items() if k != "type"}, "event": (EVENTS_NS + record["type"], record["event"])}
    out = io.StringIO()
    fastavro.json_writer(out, schema.raw, [record])
    path.write_text(json.dumps(json.loads(out.getvalue()), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

"""Publishing a lender's file to ``loan.defaults`` and writing sample files (formats: ``remedy.contract.lenderfile``)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from remedy.contract.codec import Codec
from remedy.contract.lenderfile import read_defaults
from remedy.kernel.settings import Settings
from remedy.runtime.publish import Publisher


def publish_file(path: str | Path, settings: Settings) -> int:
    pub = Publisher(settings.kafka_bootstrap, Codec(settings.schemas_dir))
    try:
        return pub.publish_defaults(read_defaults(path))
    finally:
        pub.close()


def write_sample(path: str | Path, n_valid: int, n_invalid: int, lender_id: str = "LENDER-QZ01",
                 batch_id: str = "B-SAMPLE-1") -> None:
    from sim.defaults import batch

    defaults, _ = batch(lender_id, batch_id, n_valid, n_invalid, datetime.now(timezone.utc))
    with open(path, "w", encoding="utf-8") as fh:
        for d in defaults:
            fh.write(json.dumps(d, ensure_ascii=False, default=lambda v: v.isoformat()) + "\n")

"""Publishing a lender's file to ``loan.defaults`` and writing sample files (formats: ``remedy.contract.lenderfile``)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from remedy.contract.codec import Codec
from remedy.contract.lenderfile import read_defaults
from remedy.kernel.settings import Settings
from remedy.contract.signing import PartyKey
from remedy.runtime.publish import Publisher, signer_from_settings


def publish_file(path: str | Path, settings: Settings) -> int:
    """Signed as the lender ``REMEDY_SIGNING_KEY`` names (in dev without it: as each row's lender, with its
    development key). A row of another lender is refused before anything is sent: intake would refuse it."""
    codec = Codec(settings.schemas_dir)
    signer = signer_from_settings(settings, codec)
    defaults = list(read_defaults(path))
    if isinstance(signer, PartyKey):
        others = sorted({d["lender_id"] for d in defaults} - {signer.party}) if signer.kind == "lender" else ["any"]
        if others:
            raise SystemExit(f"{path}: the signing key is {signer.kind} {signer.party}'s; rows of {', '.join(others)} "
                             "would be refused (SIGNER_MISMATCH)")
    pub = Publisher(settings.kafka_bootstrap, codec, signer=signer)
    try:
        return pub.publish_defaults(defaults)
    finally:
        pub.close()


def write_sample(path: str | Path, n_valid: int, n_invalid: int, lender_id: str = "LENDER-QZ01",
                 batch_id: str = "B-SAMPLE-1") -> None:
    from sim.defaults import batch

    defaults, _ = batch(lender_id, batch_id, n_valid, n_invalid, datetime.now(timezone.utc))
    with open(path, "w", encoding="utf-8") as fh:
        for d in defaults:
            fh.write(json.dumps(d, ensure_ascii=False, default=lambda v: v.isoformat()) + "\n")

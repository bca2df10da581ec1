"""``remedy party-key KIND ID KEY_ID --out FILE``: a new Ed25519 key pair for an outside party (or the gateway).

The private key goes to FILE (mode 0600; the party's publisher reads it: ``REMEDY_SIGNING_KEY``, or
``REMEDY_GATEWAY_SIGNING_KEY``); the public key's registry entry is printed, to be added to the file every
worker reads (``REMEDY_PARTY_KEYS``). To rotate a key, make one with a new KEY_ID, list both, give the old
one a ``not_after`` once the party signs with the new one (docs/security.md)."""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from remedy.contract.signing import KINDS, new_key_file


def write_key(kind: str, party: str, key_id: str, out: str | Path) -> dict:
    """Writes the private key file (refusing to overwrite one); returns the registry entry."""
    private, entry = new_key_file(kind, party, key_id)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(private, fh, indent=1)
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="remedy party-key", description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("id")
    parser.add_argument("key_id")
    parser.add_argument("--out", required=True, help="the private key file to create")
    args = parser.parse_args(argv)
    print(json.dumps(write_key(args.kind, args.id, args.key_id, args.out), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Write the default directory of courts and mediation centres (``remedy/contract/directory.json``) from the
vendored GB/T 2260 list: ``python -m remedy.ops.directory_build [--out PATH]``. Addresses an operator already
filled in (and any extra entries, lenders among them) are kept."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from remedy.contract import regions
from remedy.contract.directory import DEFAULT_PATH, default_entries

DOC = ("Courts (CT-<region>) and people's mediation committees (MC-<region>) by GB/T 2260 county-level code, with "
       "the name and address documents print. Names generated from the GB/T 2260 list; address null until an "
       "operator fills it from the body's own announcement (documents then say where it is published). Lenders "
       "(LENDER-...) may be added with their registered name.")


def build(previous: dict | None = None) -> dict:
    kept = (previous or {}).get("entries", {})
    entries = default_entries()
    for key, old in kept.items():
        if key not in entries or old.get("address"):
            entries[key] = {"name": old["name"], "address": old.get("address")} if key in entries else old
    return {"_doc": DOC, "source": f"GB/T 2260: {regions.SOURCE}", "entries": dict(sorted(entries.items()))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH)
    args = parser.parse_args()
    previous = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else None
    data = build(previous)
    lines = [f"  {json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}" for k, v in data["entries"].items()]
    head = {k: v for k, v in data.items() if k != "entries"}
    text = json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "entries": {\n' + ",\n".join(lines) + "\n }\n}\n"
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out}: {len(data['entries'])} entries")


if __name__ == "__main__":
    main()

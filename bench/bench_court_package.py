"""A filing batch's package (services/gateway/court_package.py) and the evidence store, against the least the same
work can cost, in the same run.

- **Package.** N cases, each a complaint and an evidence list (sealed PDFs of about 50 KB, as notify prints them)
  and one evidence file (500 KB): the package as the gateway builds it (PDFs opened from their seal, every file's
  hash checked, a ZIP written to a temporary file and hashed) beside the baseline, the same bytes concatenated into
  a temporary file and hashed once (no seal, no check, no ZIP).
- **Store.** The same evidence files put into the store (hashed, written to a temporary file, fsync'd, renamed) and
  read back verified, beside a plain write of each to a file without fsync.

Wall time on this machine's disk; the rounds alternate and the best of each is kept: read the ratios.
``python -m bench.bench_court_package [N]``.
"""
from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

from remedy.kernel.pii import ContactSealer
from remedy.kernel.settings import Settings
from services.gateway import court_package
from services.gateway.evidence_store import EvidenceStore

ROUNDS = 3
PDF_BYTES, FILE_BYTES = 50 * 1024, 500 * 1024


def world(n: int, root: Path):
    sealer, store = ContactSealer(Settings.from_env({}).pii_key), EvidenceStore(root / "store")
    docs, plain, files = [], [], {}
    for i in range(n):
        cid = f"C{i:024d}"
        evidence = os.urandom(FILE_BYTES - 5)
        evidence = b"%PDF-" + evidence
        sha = store.put(evidence)
        files[sha] = evidence
        item = [{"doc_type": "contract", "uri": f"s3://lender/{i}.pdf", "sha256": sha}]
        for kind in ("COMPLAINT", "EVIDENCE_LIST"):
            pdf = b"%PDF-" + os.urandom(PDF_BYTES - 5)
            docs.append({"document_id": f"D{kind[0]}{i}", "case_id": cid, "kind": kind, "document_no": f"{kind[:2]}-{i}",
                         "sha256": hashlib.sha256(pdf).hexdigest(), "sealed": sealer.seal_document(pdf),
                         "evidence": item if kind == "EVIDENCE_LIST" else []})
            plain.append(pdf)
        plain.append(evidence)
    sources = court_package.Sources(pdf=lambda d: sealer.unseal_document(d["sealed"]),
                                    file_for=lambda cid, item: item["sha256"], file=store.get)
    return docs, plain, sources, files


def package(docs, sources) -> float:
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        court_package.write(out, "CT-350502", "FB-bench", docs, sources)
        out.seek(0)
        digest = hashlib.sha256()
        for chunk in iter(lambda: out.read(1 << 20), b""):
            digest.update(chunk)
    return time.perf_counter() - start


def concatenated(plain) -> float:
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        for data in plain:
            out.write(data)
        out.seek(0)
        digest = hashlib.sha256()
        for chunk in iter(lambda: out.read(1 << 20), b""):
            digest.update(chunk)
    return time.perf_counter() - start


def store_round(files: dict, root: Path) -> tuple[float, float]:
    store = EvidenceStore(root)
    start = time.perf_counter()
    for data in files.values():
        store.put(data)
    for sha in files:
        store.get(sha)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    for n, data in enumerate(files.values()):
        (root / f"plain-{n}").write_bytes(data)
    return ours, time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        docs, plain, sources, files = world(n, root)
        total = sum(map(len, plain))
        best_pkg = best_cat = best_store = best_plain = float("inf")
        for r in range(ROUNDS):
            best_pkg, best_cat = min(best_pkg, package(docs, sources)), min(best_cat, concatenated(plain))
            ours, base = store_round(files, root / f"round-{r}")
            best_store, best_plain = min(best_store, ours), min(best_plain, base)
        mb = total / 1024 / 1024
        print(f"package: {n} cases, {mb:.1f} MiB      {best_pkg * 1e3:8.1f} ms  {mb / best_pkg:7.1f} MiB/s  "
              f"{best_pkg / n * 1e3:.2f} ms a case ({best_pkg / best_cat:.1f}x the baseline)")
        print(f"package: baseline (concatenate, hash) {best_cat * 1e3:8.1f} ms  {mb / best_cat:7.1f} MiB/s")
        fmb = sum(map(len, files.values())) / 1024 / 1024
        print(f"store:   put + verified get, {n} files  {best_store * 1e3:8.1f} ms  {fmb / best_store:7.1f} MiB/s  "
              f"({best_store / best_plain:.1f}x a plain write without fsync: {best_plain * 1e3:.1f} ms)")


if __name__ == "__main__":
    main()

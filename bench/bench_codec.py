"""LoanDefault decodes per second on one core: Remedy's codec beside raw fastavro on the same bytes.

The codec adds the single-object header check and the fingerprint lookup to cavro's decode.
Target (issue 2): at least 50,000 decodes/s.
"""
from __future__ import annotations

import io
import time

import fastavro

from remedy.contract.codec import HEADER_LEN, Codec
from remedy.kernel.settings import REPO_ROOT
from sim.defaults import batch, utc

N = 50_000


def rate(fn, payloads, repeats: int = 3) -> float:
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        for p in payloads:
            fn(p)
        best = max(best, len(payloads) / (time.perf_counter() - start))
    return best


def main() -> None:
    codec = Codec(REPO_ROOT / "schemas")
    defaults, _ = batch("L1", "B1", 1000, 0, utc(2026, 11, 28))
    payloads = [codec.encode("LoanDefault", d) for d in defaults] * (N // 1000)
    parsed = codec.current["LoanDefault"].parsed

    def raw(p: bytes):
        fo = io.BytesIO(p)
        fo.seek(HEADER_LEN)
        return fastavro.schemaless_reader(fo, parsed)

    decoder = codec.current["LoanDefault"].decoder
    baseline = rate(raw, payloads)
    raw_cavro = rate(lambda p: decoder.binary_decode(p[HEADER_LEN:]), payloads)
    ours = rate(lambda p: codec.decode(p, expect="LoanDefault"), payloads)
    print(f"codec: raw fastavro schemaless_reader  {baseline:10,.0f} LoanDefault decodes/s (baseline, same bytes)")
    print(f"codec: raw cavro binary_decode         {raw_cavro:10,.0f} LoanDefault decodes/s (the decoder the codec uses)")
    print(f"codec: remedy Codec.decode             {ours:10,.0f} LoanDefault decodes/s "
          f"({ours / baseline:.0%} of baseline; target >= 50,000/s: {'met' if ours >= 50_000 else 'NOT met'})")


if __name__ == "__main__":
    main()

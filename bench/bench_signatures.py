"""What checking a record's signature costs a worker, beside decoding it, measured in the same run.

Per record of ``loan.defaults`` (the largest signed record, with a debtor) and ``lender.updates``:
- decode: ``Codec.decode`` of the value (what the stage does anyway);
- verify: the whole check a host runs before the stage (``remedy.runtime.signed``): parse the header, look up
  the cached public key, Ed25519 verify over signer + topic + key + value, then decode to match the signer
  against the record's field (``lender_id``);
- sign: what a producer adds per record;
- ed25519: the bare verify the check uses (libsodium, through PyNaCl) on the same bytes: the floor of the check;
  beside it OpenSSL's, through the ``cryptography`` package, which the check used before.
"""
from __future__ import annotations

import time

from remedy.contract.codec import Codec
from remedy.contract.partykeys import DevKeyRing, PublicKey
from remedy.contract.signing import dev_key
from remedy.kernel.clock import FrozenClock
from remedy.kernel.settings import REPO_ROOT
from remedy.kernel.stage import Input
from remedy.runtime.metrics import ServiceMetrics
from remedy.runtime.signed import Verifier
from sim.defaults import batch, utc

N = 5_000


def per_record_us(fn, items, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, (time.perf_counter() - start) / len(items))
    return best * 1e6


def records(codec: Codec) -> dict[str, list[Input]]:
    defaults, _ = batch("LENDER-QZ01", "B1", N, 0, utc(2026, 11, 28))
    signer = dev_key("lender", "LENDER-QZ01")
    out: dict[str, list[Input]] = {"loan.defaults": [], "lender.updates": []}
    for n, d in enumerate(defaults):
        for topic, schema, record in (("loan.defaults", "LoanDefault", d), ("lender.updates", "LenderUpdate", {
                "update_id": f"U{n}", "case_id": f"C-{n}", "lender_id": "LENDER-QZ01", "kind": "WITHDRAWN",
                "amount_cents": 0, "note": "", "reported_at": d["published_at"]})):
            key, value = f"C-{n}".encode(), codec.encode(schema, record)
            out[topic].append(Input(topic, 0, n, key, value, tuple(signer.sign(topic, key, value))))
    return out


def main() -> None:
    codec = Codec(REPO_ROOT / "schemas")
    verifier = Verifier(DevKeyRing(), codec, FrozenClock(utc(2026, 12, 1)), ServiceMetrics("bench"))
    signer = dev_key("lender", "LENDER-QZ01")

    async def nothing(_record: Input) -> None:
        return None

    for topic, inputs in records(codec).items():
        checked = verifier.guard(topic, nothing)
        decode = per_record_us(lambda r: codec.decode(r.value), inputs)
        verify = per_record_us(lambda r: _run(checked(r)), inputs)
        sign = per_record_us(lambda r: signer.sign(topic, r.key, r.value), inputs)
        public, signature = signer.private.public_key(), signer.private.sign(inputs[0].value)
        sodium = PublicKey(public)
        bare = per_record_us(lambda r: sodium.verify(signature, inputs[0].value), inputs[:2000])
        openssl = per_record_us(lambda r: public.verify(signature, inputs[0].value), inputs[:2000])
        size = sum(len(r.value) for r in inputs) / len(inputs)
        print(f"signatures: {topic:15} ({size:5.0f} B values)  decode {decode:6.1f} µs/record   "
              f"verify {verify:6.1f} µs/record ({verify / decode:4.1f}x decode; bare ed25519 {bare:5.1f}, "
              f"OpenSSL's {openssl:5.1f})   "
              f"sign {sign:6.1f} µs/record")


def _run(coro) -> None:
    """The check never waits: run the coroutine to its end by hand, no event loop in the measure."""
    try:
        coro.send(None)
    except StopIteration:
        return
    raise RuntimeError("the check suspended")


if __name__ == "__main__":
    main()

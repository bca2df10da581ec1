"""Reading a faust RocksDB table outside an input (a timer, a background send): the store's ``get`` against the
table's own, which asks the store first whether it holds the key and then for its value.

    python -m bench.bench_table_read [--keys 20000] [--partitions 4] [--rounds 3]

A table of ``--partitions`` partitions on a fresh RocksDB directory holds ``--keys`` debtor states (JSON, as
notify keeps them), spread over the partitions' databases. Each round reads every key once, and as many absent
keys, through ``table.get`` (the baseline) and through ``table.data.get`` (what ``FaustTable.get`` uses), in
alternating order, with no current event: faust then looks for the key in every partition's database. Prints
µs a read (median over the rounds) and the ratio.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile

import faust

from bench.timing import us_per_call

STATE = {"held": [], "closed": [], "opt_out": [], "days": {"2026-12-01": 2}, "pending": {}, "inflight": {},
         "done": {f"N{i:032x}": "SENT" for i in range(3)}}


def table(keys: int, partitions: int) -> faust.Table:
    app = faust.App("bench-table-read", broker="kafka://127.0.0.1:1", store="rocksdb://",
                    datadir=tempfile.mkdtemp(prefix="bench-table-read-"), topic_partitions=partitions)
    t = app.Table("debtors", partitions=partitions)
    store = t.data
    for i in range(keys):   # written straight into the partition's database, as recovery from the changelog does
        store._db_for_partition(i % partitions).put(store._encode_key(f"D{i:08d}"), store._encode_value(STATE))
    return t


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.bench_table_read", description=__doc__.split("\n\n")[0])
    p.add_argument("--keys", type=int, default=20_000)
    p.add_argument("--partitions", type=int, default=4)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    t = table(args.keys, args.partitions)
    present = [f"D{i:08d}" for i in range(args.keys)]
    absent = [k + "x" for k in present]
    reads = {"table.get (baseline)": lambda k: t.get(k), "table.data.get": lambda k: t.data.get(k)}
    figures: dict[tuple[str, str], list[float]] = {}
    for r in range(args.rounds):
        for name in (list(reads) if r % 2 == 0 else list(reversed(reads))):
            for kind, keys in (("present", present), ("absent", absent)):
                t.data._key_index.clear()   # as after a restart: no key's partition remembered
                figures.setdefault((name, kind), []).append(us_per_call(reads[name], keys))
    print(f"{args.keys:,} keys on {args.partitions} partitions, {args.rounds} rounds, read outside an input")
    print(f"{'read':22s} {'present µs':>11s} {'absent µs':>10s}")
    med = {k: statistics.median(v) for k, v in figures.items()}
    for name in reads:
        print(f"{name:22s} {med[(name, 'present')]:11.1f} {med[(name, 'absent')]:10.1f}")
    base, new = "table.get (baseline)", "table.data.get"
    print(f"table.data.get / baseline: present {med[(new, 'present')] / med[(base, 'present')]:.2f}, "
          f"absent {med[(new, 'absent')] / med[(base, 'absent')]:.2f}")


if __name__ == "__main__":
    main()

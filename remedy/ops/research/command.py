"""``remedy export research``: its options and what it prints."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

DESCRIPTION = """\
为高校研究合作导出匿名化案件数据集：每案一行（分流路径、各阶段天数、金额区间、结果），
不含任何直接标识符；准标识符（年龄段、地区、金额区间、立案月份）经泛化后须满足 k-匿名，
达不到 k 的行被删除并计数；化名每次导出重新随机生成密钥，两次导出无法关联。
同时写出中英文数据字典和导出摘要。检查不通过则不写任何文件。详见 docs/research-export.md。

A de-identified dataset for research: one row per case (funnel path, days per stage, amount band,
outcome), no direct identifier; the quasi-identifiers (age band, region, amount band, month opened)
are generalised until every combination is shared by at least k rows, rows that cannot reach k are
suppressed and counted; pseudonyms are keyed afresh for every export, so two exports cannot be
joined. A data dictionary (Chinese and English) and a summary are written beside the data. Nothing
is written if the check fails. Reads analytics' ClickHouse (REMEDY_CLICKHOUSE_URL); with the embedded
chDB, stop analytics first (`remedy down`) or use a ClickHouse server."""


def add_parser(sub) -> None:
    export = sub.add_parser("export", help="export data sets (research: the anonymised research export)")
    what = export.add_subparsers(dest="what", required=True)
    p = what.add_parser("research", help="anonymised one-row-per-case data set for researchers",
                        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", metavar="DIR", help="输出目录 output directory (default: $REMEDY_DATA_DIR/research-export)")
    p.add_argument("--format", choices=("csv", "parquet", "both"), default="both",
                   help="数据文件格式 data file format (default: both)")
    p.add_argument("--k", type=_k, default=10, help="k-匿名的 k：每组准标识符至少 k 行 (default: 10, at least 2)")
    p.add_argument("--lender", metavar="LENDER_ID", help="只导出该出借人的案件 only this lender's cases")


def _k(text: str) -> int:
    k = int(text)
    if k < 2:
        raise argparse.ArgumentTypeError(f"k must be at least 2, not {k}")
    return k


def run(args, platform) -> int:
    from remedy.kernel.clock import SystemClock
    from remedy.ops.research.anonymise import NotAnonymous
    from remedy.ops.research.write import export
    from services.analytics.store import Store

    url = platform.analytics.clickhouse_url
    out = Path(args.out) if args.out else Path(platform.shared.data_dir) / "research-export"
    try:
        store = Store.open(url)
    except Exception as exc:  # noqa: BLE001 - any failure to open is the operator's to see, with its cause
        hint = "; 内嵌 chDB 同时只能由一个进程打开 the embedded chDB opens in one process at a time: `remedy down` first" \
            if url.startswith("chdb:") else ""
        return _fail(f"无法打开 ClickHouse cannot open ClickHouse at {_safe(url)}: {type(exc).__name__}: {exc}{hint}")
    try:
        written = export(store.rows, out, SystemClock(), k=args.k, fmt=args.format, lender=args.lender)
    except NotAnonymous as exc:
        return _fail(f"未通过 k-匿名检查，未写出文件 k-anonymity check failed: {exc}")
    except Exception as exc:  # noqa: BLE001
        return _fail(f"读取案件失败 cannot read the cases from {_safe(url)} (is analytics migrated? start it once): "
                     f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}")
    finally:
        store.close()
    r = written.result
    print(f"导出 {len(r.rows):,} 行，删除 {r.suppressed:,} 行（k = {r.k}），共读取 {written.cases:,} 案，用时 {written.seconds:.1f} 秒")
    print(f"exported {len(r.rows):,} rows, suppressed {r.suppressed:,} (k = {r.k}), of {written.cases:,} cases read, "
          f"in {written.seconds:.1f} s")
    for path in written.files:
        print(f"  {path}")
    if not written.cases:
        print(f"注意：没有{'该出借人的' if args.lender else ''}案件 warning: no cases{' of ' + args.lender if args.lender else ''} in {_safe(url)}")
    return 0


def _safe(url: str) -> str:
    """The URL without its password."""
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1) if "://" in url else ("", url)
    return f"{scheme}://…@{rest.rsplit('@', 1)[1]}"


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1

"""The zlib level of every PDF stream notify prints (the CJK font subset, the pages).

reportlab compresses each stream at zlib's default level (6) and has no setting for the level
(``pageCompression`` only turns compression on or off). At level 1 a demand letter prints in 0.85 – 0.88 of
the CPU and is 6% larger (``python -m bench.bench_documents`` prints both, same run). So the encoder
of reportlab's one ``PDFStreamFilterZCompress`` is replaced, once per process, when a ``Printer`` is built:
every process that prints (notify's worker, its printing process, tools) prints the same bytes for the
same paper. The guard refuses a reportlab whose encoder differs from the one this was checked against.
"""
from __future__ import annotations

import zlib

from remedy.runtime.patches.guard import Guard, check, replace, restore

LEVEL = 1
TARGET = "reportlab.pdfbase.pdfdoc:PDFStreamFilterZCompress.encode"
GUARDS = (
    Guard(module=__name__, use="replaces", target=TARGET, kind="method", distribution="reportlab", versions=("5.0.1",),
          sha256="b6d014860e42d04804b44d76e0d4b69bd87c524f557e1cb5709b83e46fb9f45d"),
)


def encode(self, text) -> bytes:
    """reportlab's encoder at ``LEVEL``: text as UTF-8, bytes as they are."""
    return zlib.compress(text.encode("utf8") if isinstance(text, str) else text, LEVEL)


def install() -> None:
    """Check the guard (``PatchMismatch`` if reportlab differs), then replace the encoder; twice is once."""
    from reportlab.pdfbase.pdfdoc import PDFStreamFilterZCompress

    check(GUARDS)
    replace(PDFStreamFilterZCompress, "encode", encode)


def uninstall() -> None:
    from reportlab.pdfbase.pdfdoc import PDFStreamFilterZCompress

    restore(PDFStreamFilterZCompress, "encode")

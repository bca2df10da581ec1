"""notify's zlib level for printed documents (services/notify/deflate.py): installed by every Printer, the same
bytes for the same paper, readable PDFs, and refused when reportlab's encoder is not the one checked."""
from __future__ import annotations

import dataclasses
import io
import zlib

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.pdfdoc import PDFStreamFilterZCompress

from remedy.runtime.patches.guard import PatchMismatch, check, original, source_sha256
from services.notify import deflate
from services.notify.printer import Printer, default
from tests.documents_cases import inputs


def test_a_printer_compresses_every_stream_at_notify_level():
    default()
    assert PDFStreamFilterZCompress.encode is deflate.encode
    data = b"\xe5\x82\xac\xe6\x94\xb6\xe5\x87\xbd " * 400
    assert PDFStreamFilterZCompress().encode(data) == zlib.compress(data, deflate.LEVEL)
    assert PDFStreamFilterZCompress().encode("催收函") == zlib.compress("催收函".encode(), deflate.LEVEL)


def test_the_same_paper_prints_the_same_readable_bytes_at_either_level():
    printer, given = default(), inputs("demand_letter")
    ours = printer.pdf(given)
    assert Printer.from_settings().pdf(given) == ours                       # a second printer: same bytes
    deflate.uninstall()
    try:
        reportlab_own = printer.pdf(given)
    finally:
        deflate.install()
    assert reportlab_own != ours
    text = [("".join(p.extract_text() for p in PdfReader(io.BytesIO(b)).pages)) for b in (ours, reportlab_own)]
    assert text[0] == text[1] and given.document_no in text[0]


def test_the_guard_hashes_reportlab_own_encoder_and_refuses_another():
    default()
    check(deflate.GUARDS)                                                   # reportlab's own, though replaced
    assert source_sha256(original(PDFStreamFilterZCompress, "encode")) == deflate.GUARDS[0].sha256
    wrong = dataclasses.replace(deflate.GUARDS[0], sha256="0" * 64)
    with pytest.raises(PatchMismatch, match="reportlab.pdfbase.pdfdoc:PDFStreamFilterZCompress.encode"):
        check([wrong])

"""The QR code a document prints, built with one fixed mask, decodes to its portal link for any case reference and
portal address, as a phone's reader would scan it (zbarimg), and is drawn module for module as encoded."""
from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess

import pytest
from PIL import Image
from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel
from pypdf import PdfReader

from services.notify import qr
from services.notify.paper import qr_payload
from services.notify.printer import default
from tests.documents_cases import inputs

PORTALS = ("http://127.0.0.1:8080/portal", "https://portal.remedy.example/portal",
           "https://tiaojie.example.gov.cn/remedy/portal?channel=letter")


def payloads(per_portal: int) -> list[str]:
    cases = ["C" + hashlib.blake2b(str(i).encode(), digest_size=12).hexdigest() for i in range(per_portal)]
    return [qr_payload(portal, case) for portal in PORTALS for case in cases]


def png(rows: list[list[bool]], scale: int = 4) -> Image.Image:
    """The symbol as a reader sees it: black modules on white, with the quiet zone."""
    side = len(rows) + 2 * qr.QUIET
    image = Image.new("1", (side, side), 1)
    for r, row in enumerate(rows):
        for c, dark in enumerate(row):
            if dark:
                image.putpixel((c + qr.QUIET, r + qr.QUIET), 0)
    return image.resize((side * scale, side * scale), Image.NEAREST)


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbarimg not installed")
def test_every_fixed_mask_symbol_decodes_to_its_portal_link(tmp_path):
    wanted = payloads(40)
    files = []
    for i, payload in enumerate(wanted):
        png(qr.modules(payload)).save(tmp_path / f"{i:03d}.png")
        files.append(str(tmp_path / f"{i:03d}.png"))
    out = subprocess.run(["zbarimg", "-q", "--raw", *files], capture_output=True, text=True)
    assert out.stdout.split("\n")[:-1] == wanted


def test_the_runs_drawn_are_exactly_the_dark_modules():
    rows = qr.modules(payloads(1)[0])
    drawn = {(r, c + i) for r, c, n in qr.runs(rows) for i in range(n)}
    assert drawn == {(r, c) for r, row in enumerate(rows) for c, dark in enumerate(row) if dark}


def test_the_page_draws_one_rectangle_per_run_in_module_units():
    doc = default().paper(inputs("demand_letter"))
    page = PdfReader(io.BytesIO(default().pdf(inputs("demand_letter")))).pages[0]
    content = page.get_contents().get_data().decode("latin-1")
    rects = re.findall(r"(-?\d+) (-?\d+) (\d+) 1 re", content)
    rows = qr.modules(doc.qr_payload)
    top = len(rows) + qr.QUIET - 1
    assert [(top - int(y), int(x) - qr.QUIET, int(n)) for x, y, n in rects] == list(qr.runs(rows))


def test_the_codewords_are_those_reportlabs_encoder_makes():
    for payload in payloads(100) + ["x", "https://p.example/" + "a" * 200]:
        code = qr.FixedMaskQRCode(None, QRErrorCorrectLevel.M)
        code.addData(payload)
        version = code.calculate_version()
        assert qr.codewords(version, code.errorCorrectLevel, code.dataList) == \
            QRCode.createData(version, code.errorCorrectLevel, code.dataList), payload

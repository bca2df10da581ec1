"""The report in headless Chromium: no horizontal overflow at desktop and phone widths, and a PDF with the CJK
font embedded whose text holds the headline figures. Skipped where Chromium is not installed."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from remedy.ops.report import write
from remedy.ops.report_figures import figures
from remedy.ops.report_pdf import FLAGS, browser

pytestmark = pytest.mark.skipif(browser() is None, reason="headless Chromium not installed (Debian package `chromium`)")
DASH = json.loads((Path(__file__).parents[1] / "data" / "report_dashboard.json").read_text(encoding="utf-8"))
WIDTHS = (1280, 390)
# Each width in an iframe of its own (a headless window is never narrower than 500 px): the page's scroll width
# against the frame's, written into the DOM for --dump-dom.
PROBE = """<!doctype html><body>{frames}<script>
let left = {n}; for (const f of document.querySelectorAll("iframe")) f.onload = () => {{
  const w = f.contentWindow, d = w.document.documentElement;
  document.body.insertAdjacentHTML("beforeend", `<p data-width="${{f.width}}" data-fits="${{d.scrollWidth <= w.innerWidth}}">${{d.scrollWidth}}</p>`);
  if (--left === 0) document.body.dataset.done = "1"; }};
</script></body>"""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    written = write(out, DASH, 0.4, "Remedy 运行报告：1,234 笔违约")
    assert written == [f"report: {out}", f"report (PDF): {out.with_suffix('.pdf')}"], written
    return out


def test_the_page_does_not_overflow_at_desktop_or_phone_width(report, tmp_path):
    frames = "".join(f'<iframe src="{report.name}" width="{w}" height="900"></iframe>' for w in WIDTHS)
    probe = report.parent / "probe.html"
    probe.write_text(PROBE.format(frames=frames, n=len(WIDTHS)), encoding="utf-8")
    dom = subprocess.run([browser(), *FLAGS, "--allow-file-access-from-files", f"--user-data-dir={tmp_path}",
                          "--window-size=1400,1000", "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    assert 'data-done="1"' in dom, dom[-1000:]
    fits = dict(re.findall(r'data-width="(\d+)" data-fits="(\w+)"', dom))
    assert fits == {str(w): "true" for w in WIDTHS}, dom[-1000:]


def test_the_pdf_has_pages_an_embedded_font_and_the_headline_figures(report):
    from pypdf import PdfReader

    reader = PdfReader(report.with_suffix(".pdf"))
    assert len(reader.pages) >= 1
    embedded = set()
    for p in reader.pages:
        for font in (p.get("/Resources", {}).get("/Font") or {}).values():
            for d in font.get_object().get("/DescendantFonts", [font]):
                desc = d.get_object().get("/FontDescriptor")
                embedded |= {k for k in ("/FontFile", "/FontFile2", "/FontFile3") if desc and k in desc.get_object()}
    assert embedded & {"/FontFile2", "/FontFile3"}, "the CJK font is embedded"
    text = "".join(p.extract_text() for p in reader.pages)
    for f in figures(DASH, 0.4, "").headline:
        assert f.value in text, f.key
    flat = text.replace("\n", "")
    assert "案件漏斗" in text and "福建省泉州市丰泽区" in flat, "long names wrap, not cut"
    assert "泉州市丰泽区人民法院" in flat, "courts by name, from the directory"

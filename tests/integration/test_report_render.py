"""The report in headless Chromium, in Chinese and in English: nothing wider than the page on a phone (390 px), on
a desktop and on A4 (its print style at the printable width), and PDFs with the CJK font embedded whose text holds
the headline figures. Skipped where Chromium is not installed."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from remedy.ops.report import path_for, write
from remedy.ops.report_figures import M, figures
from remedy.ops.report_names import Names
from remedy.ops.report_pdf import FLAGS, browser

pytestmark = pytest.mark.skipif(browser() is None, reason="headless Chromium not installed (Debian package `chromium`)")
DASH = json.loads((Path(__file__).parents[1] / "data" / "report_dashboard.json").read_text(encoding="utf-8"))
BY_DAY = {"2026-08-01": (400_000_000, 160_000_000), "2026-08-02": (434_567_800, 130_370_340),
          "2026-08-03": (400_000_000, 200_000_000)}
A4 = 688   # A4's 210 mm less the 2 × 14 mm margins, in CSS pixels (96 per inch)
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
# Each width in an iframe of its own (a headless window is never narrower than 500 px). In each frame: the page's
# scroll width against the frame's, and every element whose right edge passes the frame's width, except inside a
# box that scrolls sideways on its own (the wide table on screen); written into the DOM for --dump-dom.
# Measured once the page's load event has fired, which waits for every frame (a frame's own onload, set by this
# script after the frames, could fire before it was set, and that frame was never measured).
PROBE = """<!doctype html><body>{frames}<script>
let left = {n}; window.addEventListener("load", () => {{ for (const f of document.querySelectorAll("iframe")) {{
  const w = f.contentWindow, d = w.document.documentElement, out = [];
  for (const el of d.querySelectorAll("body *")) {{
    if (el.closest(".scroll") && getComputedStyle(el.closest(".scroll")).overflowX === "auto") continue;
    if (el.getBoundingClientRect().right > w.innerWidth + 0.5) out.push(el.tagName + "." + (el.className.baseVal ?? el.className));
  }}
  document.body.insertAdjacentHTML("beforeend", `<p data-frame="${{f.dataset.name}}" data-fits="${{d.scrollWidth <= w.innerWidth}}"
    data-wide="${{out.slice(0, 5).join(" ")}}">${{d.scrollWidth}}</p>`);
  if (--left === 0) document.body.dataset.done = "1"; }} }});
</script></body>"""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    title = lambda lang: M.text("title.run", lang, defaults="1,234", days=120)  # noqa: E731
    written = write(out, DASH, 0.4, title, ("zh", "en"), BY_DAY, terminal="en")
    en = path_for(out, "en")
    assert written == [f"report: {out}", f"report (PDF): {out.with_suffix('.pdf')}",
                       f"report (English): {en}", f"report (English) (PDF): {en.with_suffix('.pdf')}"], written
    return out


def probe(report: Path, tmp_path: Path) -> dict[str, tuple[str, str]]:
    """Frame name → (fits, the first elements wider than it) for each language at phone, A4 and desktop width."""
    frames = []
    for lang, page in (("zh", report), ("en", path_for(report, "en"))):
        printed = page.with_name(f"print-{page.name}")   # the print style applied on screen, to measure it
        printed.write_text(page.read_text(encoding="utf-8").replace("@media print{", "@media all{"), encoding="utf-8")
        frames += [f'<iframe data-name="{lang}-{w}" src="{page.name}" width="{w}" height="900"></iframe>' for w in (390, 1280)]
        frames.append(f'<iframe data-name="{lang}-a4" src="{printed.name}" width="{A4}" height="900"></iframe>')
    page = report.parent / "probe.html"
    page.write_text(PROBE.format(frames="".join(frames), n=len(frames)), encoding="utf-8")
    dom = subprocess.run([browser(), *FLAGS, "--allow-file-access-from-files", f"--user-data-dir={tmp_path}",
                          "--window-size=1400,1000", "--virtual-time-budget=10000", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    assert 'data-done="1"' in dom, dom[-1000:]
    return {name: (fits, wide) for name, fits, wide in re.findall(r'data-frame="([\w-]+)" data-fits="(\w+)"\s+data-wide="([^"]*)"', dom)}


def test_nothing_is_wider_than_a_phone_a4_or_a_desktop_in_either_language(report, tmp_path):
    seen = probe(report, tmp_path)
    assert set(seen) == {f"{lang}-{w}" for lang in ("zh", "en") for w in ("390", "1280", "a4")}, seen
    assert seen == {name: ("true", "") for name in seen}, seen


def pdf_text(pdf: Path) -> tuple[str, set[str], int]:
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    embedded = set()
    for p in reader.pages:
        for font in (p.get("/Resources", {}).get("/Font") or {}).values():
            for d in font.get_object().get("/DescendantFonts", [font]):
                desc = d.get_object().get("/FontDescriptor")
                embedded |= {k for k in ("/FontFile", "/FontFile2", "/FontFile3") if desc and k in desc.get_object()}
    return "".join(p.extract_text() for p in reader.pages), embedded, len(reader.pages)


def test_the_chinese_pdf_has_an_embedded_font_the_headline_figures_and_names(report):
    text, embedded, pages = pdf_text(report.with_suffix(".pdf"))
    assert pages >= 1 and embedded & {"/FontFile2", "/FontFile3"}, "the CJK font is embedded"
    flat = re.sub(r"\s+", "", text)
    for f in figures(DASH, 0.4, "", "zh", baseline_days=BY_DAY).headline:
        assert re.sub(r"\s+", "", f.label + f.value) in flat.replace(re.sub(r"\s+", "", f.note), ""), f.key
    assert "案件漏斗" in text and "福建省泉州市丰泽区" in flat, "long names wrap, not cut"
    assert "泉州市丰泽区人民法院" in flat, "courts by name, from the directory"
    assert "回收率" in flat and "2026年8月1日" in flat


def test_the_english_pdf_is_english_with_the_same_figures(report):
    text, embedded, _ = pdf_text(path_for(report, "en").with_suffix(".pdf"))
    flat = re.sub(r"\s+", " ", text)
    for f in figures(DASH, 0.4, "", "en", Names("en"), BY_DAY).headline:
        assert f.value in flat, f.key
    for words in ("Case funnel", "Recovery against traditional collection", "Cycle time", "Fengze District", "1 Aug 2026"):
        assert words in flat, words
    assert "People's Court of Fengze District" in flat
    left = CJK.findall(text.replace("中文版", ""))
    assert not left, left[:10]

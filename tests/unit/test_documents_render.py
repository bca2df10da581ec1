"""Every document kind renders with every element a court clerk looks for, in an embedded font, the same bytes
every time, with a QR code to the portal that holds the case reference and never the verification code."""
from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import sys

import pytest
from pypdf import PdfReader

from services.notify import layout, paper
from services.notify.capitals import capitals, figures
from services.notify.printer import default
from services.notify.render import render
from tests.documents_cases import CAT, CODE, PORTAL, inputs, notices

PRINTER = default().__class__(default().directory, default().font, PORTAL)
KINDS = paper.kinds()
AMOUNTS = ("principal_cents", "interest_cents", "penalty_cents", "total_due_cents")


def flat(data: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))


def test_the_document_kinds_the_issue_names_all_have_templates():
    assert {"demand_letter", "mediation_invitation", "litigation_risk_notice", "pre_report_notice", "settlement_agreement",
            "confirmation_application", "objection_ack"} <= set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_every_element_is_in_the_chinese_document(kind):
    given = inputs(kind)
    doc = PRINTER.paper(given)
    text = flat(layout.pdf(doc, PRINTER.font))
    template = paper.template(kind)
    wanted = [template["zh"]["title"], given.document_no, "2026年12月4日", "张三", "LENDER-A", "盖章处", "债务人门户",
              given.context["case_id"], *template["zh"]["basis"]]
    for role, name, address in (("mediation_centre", "泉州市鲤城区人民调解委员会", "地址见当地司法行政机关公告"),
                                ("court", "泉州市鲤城区人民法院", "地址见该院公告")):
        if role in template["parties"]:
            wanted += [name, address]
    for key in template["amounts"]:
        wanted += [figures(given.context[key]), capitals(given.context[key])]
    assert set(AMOUNTS) <= set(template["amounts"])
    missing = [w for w in wanted if re.sub(r"\s+", "", w) not in text]
    assert not missing, (kind, missing)
    assert "—" not in "".join(doc.body), (kind, doc.body)   # every placeholder filled


@pytest.mark.parametrize("kind", KINDS)
def test_the_english_switch(kind):
    doc = PRINTER.paper(inputs(kind, "en", debtor_name="Zhang San"))
    text = flat(layout.pdf(doc, PRINTER.font))
    assert re.sub(r"\s+", "", paper.template(kind)["en"]["title"]) in text and "4Dec2026" in text and "ZhangSan" in text
    assert "Seal" in text and "人民币" in text   # the capitals stay Chinese: they are what a court reads


def test_addresses_from_the_directory_and_the_honest_wording_without_one():
    doc = PRINTER.paper(inputs("demand_letter"))
    assert ("调解组织", "泉州市鲤城区人民调解委员会", "地址见当地司法行政机关公告") in doc.parties
    assert ("人民法院", "泉州市鲤城区人民法院", "地址见该院公告") in doc.parties


def test_the_font_is_embedded_as_a_subset():
    reader = PdfReader(io.BytesIO(PRINTER.pdf(inputs("settlement_agreement"))))
    fonts = {}
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            fonts[font["/BaseFont"]] = font["/FontDescriptor"].get_object()
    assert fonts and all(re.match(r"^/[A-Z]{6}\+", name) for name in fonts), fonts
    assert all("/FontFile2" in d or "/FontFile3" in d for d in fonts.values())


@pytest.mark.parametrize("kind", ["demand_letter", "settlement_agreement"])
def test_the_subset_holds_the_glyphs_the_document_prints_and_no_others(kind):
    reader = PdfReader(io.BytesIO(PRINTER.pdf(inputs(kind))))
    printed = set("".join(p.extract_text() for p in reader.pages)) - {"\n"}
    subsets = [ref.get_object() for page in reader.pages for ref in page["/Resources"]["/Font"].values()]
    assert len(subsets) == 1, [s["/BaseFont"] for s in subsets]   # a Chinese document fits one font program
    assert subsets[0]["/LastChar"] == len(printed)   # codes 0 (.notdef) to LastChar: one per character printed


SCRIPT = ("import hashlib; from services.notify.printer import default; from tests.documents_cases import inputs;"
          "print(hashlib.sha256(default().pdf(inputs('litigation_risk_notice'))).hexdigest())")


def test_same_input_same_bytes_in_this_process_and_in_two_others():
    one, two = (default().pdf(inputs("litigation_risk_notice")) for _ in range(2))
    assert one == two
    others = {subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True).stdout.strip()
              for _ in range(2)}
    assert others == {hashlib.sha256(one).hexdigest()}


def test_the_qr_code_holds_the_portal_and_the_case_reference_only():
    doc = PRINTER.paper(inputs("demand_letter"))
    assert doc.qr_payload == f"{PORTAL}?case={doc.case_id}" and CODE not in doc.qr_payload
    assert layout.QrCode(doc.qr_payload).payload == doc.qr_payload
    assert CODE in doc.portal_text   # the code is printed for the debtor to type


@pytest.mark.skipif(not (shutil.which("pdftoppm") and shutil.which("zbarimg")), reason="pdftoppm and zbarimg not installed")
def test_the_printed_qr_code_decodes_to_the_portal(tmp_path):
    doc = PRINTER.paper(inputs("mediation_invitation"))
    (tmp_path / "d.pdf").write_bytes(layout.pdf(doc, PRINTER.font))
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "d.pdf"), str(tmp_path / "p")], check=True)
    out = subprocess.run(["zbarimg", "-q", "--raw", *map(str, sorted(tmp_path.glob("p*.png")))], capture_output=True, text=True)
    assert out.stdout.split() == [doc.qr_payload]


def test_a_long_body_flows_onto_a_second_page():
    data = PRINTER.pdf(inputs("demand_letter", loan_id="长" * 3000))
    assert len(PdfReader(io.BytesIO(data)).pages) >= 2


def test_every_notice_kind_prints_as_a_letter_with_its_own_title():
    for kind, n in notices().items():
        t = render(CAT, kind, n["language"], n["lender_id"], {**n["context"], "place": "{room 1}"}, debtor_name="张三")
        data = PRINTER.notice({**n, "context": {**n["context"], "place": "{room 1}"}}, debtor_name="张三",
                              verification_code=CODE, fallback=(t.title, t.body), labels=CAT.labels)
        text = flat(data)
        own = paper.template(kind).get("zh", {}).get("title", t.title)
        assert re.sub(r"\s+", "", own) in text and "盖章处" in text, kind
        number = n["document_no"] or re.search(r"文书编号：([A-Z]{2}-2026-[0-9A-F]{12})", text).group(1)
        assert number in text, kind
        if kind == "session_notice":
            assert "{room1}" in text

"""Documents for the tests: one notice per kind from notify's scripted case, and a context that fills every
document template (the union of every notice's context, the parties given as directory ids)."""
from __future__ import annotations

from services.notify import courtdocs, plan
from services.notify.capitals import capitals
from services.notify.catalogue import Catalogue
from services.notify.paper import Inputs
from tests.notify_cases import Case, contact

CAT = Catalogue.load()
PORTAL = "https://portal.remedy.example/portal"
CODE = "73915406"


def notices() -> dict[str, dict]:
    """kind → the notice plan makes for it (every kind the catalogue has)."""
    case = Case("LENDER-A", "L-1", contact())
    memory = plan.react(None, case.opened(), CAT).state
    out: dict[str, dict] = {}
    for event in case.every_notice_event():
        decision = plan.react(memory, event, CAT)
        memory = decision.state
        out.update({i["notice"]["kind"]: i["notice"] for i in plan.intents(decision) if i["op"] == "notice"})
    return out


def full_context() -> dict:
    ctx: dict = {}
    for notice in notices().values():
        ctx.update(notice["context"])
    ctx.update(court="CT-350502", mediation_centre="MC-350502", issued_on="2026-12-04", reason="",
               route="PEOPLES_MEDIATION")
    evidence = [{"doc_type": "contract", "uri": "s3://lender-a/L-1.pdf", "sha256": "ab" * 32}]
    ctx.update(claim_cents=ctx["total_due_cents"], claim_capitals=capitals(ctx["total_due_cents"]),   # court documents
               bundle_id="FB-CT-350502-20261204", evidence_count=1, evidence_lines=courtdocs.evidence_lines(evidence),
               complaint_no="QS-2026-000000000001", evidence_list_no="ZJ-2026-000000000002")
    return ctx


def inputs(kind: str, language: str = "zh", *, debtor_name: str = "张三", lender_id: str = "LENDER-A", **context) -> Inputs:
    return Inputs(kind, language, {**full_context(), **context}, lender_id, f"DOC-2026-{kind.upper()[:6]}", debtor_name,
                  CODE, ("", ""), CAT.labels)

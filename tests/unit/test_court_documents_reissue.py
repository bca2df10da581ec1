"""Documents the court already holds, issued again after a CaseAmended changes what they say (docs/documents.md):
new ids and numbers caused by the amendment, each naming the one it replaces, the same filing batch, the claim
following the amended amount; nothing for an amendment the papers do not print, nor once the court has decided;
and the same inputs always give the same reissue. Pure: courtdocs.react."""
from __future__ import annotations

from datetime import timedelta

from services.gateway.court_documents import CourtDocumentViews
from services.gateway.store import Store
from services.notify import courtdocs
from tests.unit.test_court_documents import AT, EVIDENCE, MEMORY, envelope, filed


def amended(changed: list[str], event_id: str = "E-am", principal: int = MEMORY["principal_cents"] + 100_000,
            evidence=EVIDENCE) -> tuple[dict, dict]:
    """The CaseAmended envelope, and the case memory after notify's plan took its facts."""
    facts = {"principal_cents": principal, "evidence": evidence}
    env = {**envelope("CaseAmended", {"facts": facts, "changed_fields": changed}, event_id),
           "occurred_at": AT + timedelta(days=3)}
    return env, {"principal_cents": principal}


def after_filing() -> tuple[dict, list]:
    memory, first = courtdocs.react(dict(MEMORY), filed())
    assert [j.kind for j in first] == ["COMPLAINT", "EVIDENCE_LIST"] and memory["court_docs"]["FILING"]
    return memory, first


def test_an_amended_claim_reissues_the_filing_with_new_numbers_each_superseding_the_old_one():
    memory, first = after_filing()
    env, facts = amended(["principal_cents"])
    state, again = courtdocs.react({**memory, **facts}, env)
    assert [j.kind for j in again] == ["COMPLAINT", "EVIDENCE_LIST"]
    assert [j.supersedes for j in again] == [j.document_id for j in first]
    assert all(j.document_id != old.document_id and j.document_no != old.document_no for j, old in zip(again, first))
    assert {j.bundle_id for j in again} == {"FB-CT-350502-20261201"}                    # the same filing batch
    complaint = again[0].context
    assert complaint["claim_cents"] == 1_235_567 + 100_000 and complaint["principal_cents"] == MEMORY["principal_cents"] + 100_000
    assert complaint["issued_on"] == "2026-12-04" and complaint["evidence_list_no"] == again[1].document_no
    assert state["court_docs"]["FILING"]["ids"] == {j.kind: j.document_id for j in again}
    record = courtdocs.record(again[0], env, "ab" * 32, b"sealed")
    assert record["supersedes"] == first[0].document_id and record["causation_id"] == "E-am"
    # Deterministic: the same amendment read again reissues exactly the same documents.
    assert courtdocs.react({**memory, **facts}, env)[1] == again
    # A second amendment supersedes the reissue, not the original.
    env2, facts2 = amended(["penalty_cents"], "E-am2")
    assert [j.supersedes for j in courtdocs.react({**state, **facts2}, env2)[1]] == [j.document_id for j in again]


def test_new_evidence_reissues_the_list_with_it_and_keeps_an_uploaded_files_hash():
    memory, _ = after_filing()
    uploaded = {"doc_type": "photo", "uri": "remedy:evidence/" + "cd" * 32, "sha256": "cd" * 32}
    memory["court_docs"]["FILING"]["body"]["evidence_bundle"].append(uploaded)
    added = [*EVIDENCE, {"doc_type": "statement", "uri": "s3://lender-a/st.pdf", "sha256": None}]
    env, _ = amended(["evidence"], principal=MEMORY["principal_cents"], evidence=added)
    _, again = courtdocs.react(memory, env)
    assert [e["uri"] for e in again[1].evidence] == ["s3://lender-a/L-1.pdf", "s3://lender-a/st.pdf", uploaded["uri"]]
    assert again[0].context["claim_cents"] == 1_235_567 and again[0].context["evidence_count"] == 3


def test_nothing_is_reissued_for_a_change_the_papers_do_not_print_or_after_the_court_decided():
    memory, _ = after_filing()
    env, facts = amended(["product", "batch_id"])
    assert courtdocs.react({**memory, **facts}, env)[1] == []
    judged, _ = courtdocs.react(memory, envelope("JudgmentEntered", {"court": "CT-350502"}, "E-j"))
    assert "FILING" not in judged["court_docs"]
    env, facts = amended(["principal_cents"])
    assert courtdocs.react({**judged, **facts}, env)[1] == []
    assert courtdocs.react(dict(MEMORY), amended(["principal_cents"])[0])[1] == []    # nothing issued yet: nothing again


def test_an_amended_debtor_reissues_a_pending_confirmation_pair():
    memory, first = courtdocs.react(dict(MEMORY), envelope("ConfirmationRequested", {"court": "CT-350502"}))
    env, _ = amended(["contact"], principal=MEMORY["principal_cents"])
    _, again = courtdocs.react(memory, env)
    assert [(j.kind, j.supersedes) for j in again] == [(j.kind, j.document_id) for j in first]
    lapsed, _ = courtdocs.react(memory, envelope("ConfirmationLapsed", {"court": "CT-350502"}, "E-l"))
    assert courtdocs.react(lapsed, env)[1] == []


def test_the_courts_listing_marks_the_replaced_document_superseded():
    views = CourtDocumentViews(Store.temporary())
    memory, first = after_filing()
    env, facts = amended(["principal_cents"])
    _, again = courtdocs.react({**memory, **facts}, env)
    for job, cause in [(j, filed()) for j in first] + [(j, env) for j in again]:
        views.apply(courtdocs.record(job, cause, job.document_id[-8:] * 8, b"sealed"))
    views.store.commit()
    listed = {d["document_id"]: d["superseded_by"] for d in views.of_case("CT-350502", "C1")}
    assert listed == {**{old.document_id: new.document_id for old, new in zip(first, again)},
                      **{new.document_id: None for new in again}}
    assert {d["document_id"] for d in views.bundle("CT-350502", "FB-CT-350502-20261201")["documents"]} == \
        {j.document_id for j in again}

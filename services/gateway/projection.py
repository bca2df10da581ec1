"""The gateway's own read model, built from case.events, loan.defaults.rejected, loan.batches and payments,
kept on disk (store.py) and read by point gets and short ordered scans. Redelivered records change nothing:
every applied event's id is remembered (on disk, in the same write as the change it made).

Keys (NUL-separated, so one id never prefixes another):

| key | value |
|---|---|
| ``e/<event_id>`` | (empty) the event was applied |
| ``c/<case_id>`` | the case (model.Case), without its timeline |
| ``t/<case_id>/<seq>`` | the case's timeline entry ``seq`` |
| ``l/<lender_id>/<opened_at ms>/<case_id>`` | [stage, region, batch]: a lender's cases in the order they are listed |
| ``m/<mediator_id>/<case_id>`` | (empty) the cases assigned to a mediator |
| ``b/<lender_id>/<batch_id>`` | intake's answers: {accepted, rejected, report} |
| ``bo/<lender_id>/<batch_id>/<loan_id>`` | (empty) the loan opened a case |
| ``lo/<lender_id>/<loan_id>`` | the case_id of the lender's loan (lenders find a case by their loan id) |
| ``br/<lender_id>/<batch_id>/<loan_id>`` | intake's rejection of the loan |
| ``u/<lender_id>/<batch_id>`` | the upload this instance took: published, refused, done |
| ``p/<payment_ref>`` | {case_id, amount_cents} of the payment recorded under that reference |
| ``a/<case_id>/<topic/partition/offset>`` | an input record of the case (audit.INPUT_TOPICS), by its reference |
| ``nl/<case_id>/<at ms>/<notice_id>/<status>`` | a notice.log entry of the case |
| ``dc/<department_id>/<complaint_id>`` | the case_id of a complaint routed to that department (complaints.py) |
| ``n/cases`` | how many cases |
| ``k/``, ``q/`` | a court's and a mediation centre's cases (party_views.py) |
| ``ws/``, ``wd/``, ``wt/`` | webhook subscriptions and the delivery log, per party (webhooks_view.py) |
| ``cd/``, ``cdc/``, ``cdb/``, ``cds/`` | the courts' documents, by case and by filing batch, and which replaced which (court_documents.py) |
| ``ev/`` | the evidence files lenders uploaded, per case and URI (evidence.py) |
"""
from __future__ import annotations

import orjson

from services.gateway import model, party_views
from services.gateway.model import MAX_REJECTIONS_KEPT, STAGES, Batch, Case, to_ms
from services.gateway.audit_trail import AuditTrail
from services.gateway.court_documents import CourtDocumentViews
from services.gateway.evidence import EvidenceViews
from services.gateway.store import Store, key
from services.gateway.webhooks_view import WebhookViews

__all__ = ["STAGES", "Case", "Batch", "Projection"]

MAX_PENDING = 50_000  # changes held before they are written (between commits; the reader commits every chunk)
CASES_KEY = b"n\x00cases"



def _id_after(k: bytes) -> str:
    return k.rsplit(b"\x00", 1)[1].decode()


class Cases:
    """``projection.cases``: a case by id (``get``, ``[]``, ``in``) and how many there are (``len``)."""

    def __init__(self, projection: "Projection"):
        self.p = projection

    def get(self, case_id: str) -> Case | None:
        return self.p.case(case_id)

    def __getitem__(self, case_id: str) -> Case:
        found = self.p.case(case_id)
        if found is None:
            raise KeyError(case_id)
        return found

    def __contains__(self, case_id: str) -> bool:
        return self.p.store.get(key("c", case_id)) is not None

    def __len__(self) -> int:
        return int(self.p.store.get(CASES_KEY) or 0)


class Projection(AuditTrail):
    def __init__(self, store: Store | None = None) -> None:
        self.store = store if store is not None else Store.temporary()
        self.cases = Cases(self)
        self.webhooks = WebhookViews(self.store)   # ws/, wd/, wt/ keys: see webhooks_view.py
        self.documents = CourtDocumentViews(self.store)   # cd/, cdc/, cdb/, cds/ keys: see court_documents.py
        self.evidence = EvidenceViews(self.store)   # ev/ keys: see evidence.py

    def commit(self, offsets: dict[tuple[str, int], dict] | None = None) -> None:
        """Write what was applied since the last commit, with the offsets it covers, at once."""
        self.store.commit(offsets)

    def settled(self) -> Store:
        """The store with nothing pending, for a scan (a reader commits every chunk: usually a no-op)."""
        if self.store.pending:
            self.store.commit()
        return self.store

    def _boundary(self) -> None:
        if len(self.store.pending) >= MAX_PENDING:
            self.store.commit()

    # --- case.events -------------------------------------------------------------------------
    def apply_event(self, env: dict) -> bool:
        """One CaseEvent envelope; False when already applied or about an unknown case."""
        self._boundary()
        store, seen = self.store, key("e", env["event_id"])
        if store.get(seen) is not None:
            return False
        kind, case_id = env["type"], env["case_id"]
        case = self._live_case(case_id)
        if case is None:
            if kind != "CaseOpened":
                return False
            case = Case(case_id, env["lender_id"], opened_at=to_ms(env["occurred_at"]))
            store.put(CASES_KEY, str(len(self.cases) + 1).encode())
        mediator, court, centre = case.mediator_id, case.court, case.centre
        entry = model.apply_event(case, env)
        party_views.reindex(store, case, court, centre)
        store.put(seen, b"")
        store.put(key("t", case_id, f"{case.events - 1:08d}"), orjson.dumps(entry))
        store.put(key("c", case_id), case)
        store.put(key("l", case.lender_id, f"{case.opened_at:015d}", case_id),
                  orjson.dumps([case.stage, case.region_code, case.batch_id]))
        if case.mediator_id != mediator:
            if mediator:
                store.delete(key("m", mediator, case_id))
            store.put(key("m", case.mediator_id, case_id), b"")
        if kind == "CaseOpened":
            self._opened(case)
        elif kind == "ComplaintRouted":
            store.put(key("dc", env["event"]["department_id"], env["event"]["complaint_id"]), case_id.encode())
        return True

    def _live_case(self, case_id: str) -> Case | None:
        """The case to change: held (pending) until the next commit writes it."""
        found = self.store.get(key("c", case_id))
        if found is None or isinstance(found, Case):
            return found
        case = Case(**orjson.loads(found))
        self.store.put(key("c", case_id), case)
        return case

    def _opened(self, case: Case) -> None:
        self.store.put(key("lo", case.lender_id, case.loan_id), case.case_id.encode())
        marker = key("bo", case.lender_id, case.batch_id, case.loan_id)
        if self.store.get(marker) is None:
            self.store.put(marker, b"")
            self._live_tally(case.lender_id, case.batch_id)["accepted"] += 1

    # --- intake's answers, payments ------------------------------------------------------------------
    def _live_tally(self, lender_id: str, batch_id: str) -> dict:
        k = key("b", lender_id, batch_id)
        found = self.store.get(k)
        if isinstance(found, dict):
            return found
        tally = orjson.loads(found) if found is not None else {"accepted": 0, "rejected": 0, "report": None}
        self.store.put(k, tally)
        return tally

    def apply_rejected(self, r: dict) -> None:
        self._boundary()
        k = key("br", r["lender_id"], r["batch_id"], r["loan_id"])
        if self.store.get(k) is None:
            tally = self._live_tally(r["lender_id"], r["batch_id"])
            if tally["rejected"] >= MAX_REJECTIONS_KEPT:
                return
            tally["rejected"] += 1
        self.store.put(k, {"reason_codes": list(r["reason_codes"]), "message": r["message"],
                           "problems": [dict(p) for p in r["problems"]]})

    def apply_batch_report(self, r: dict) -> None:
        self._boundary()
        self._live_tally(r["lender_id"], r["batch_id"])["report"] = model.as_json(dict(r))

    def apply_payment(self, p: dict) -> None:
        self._boundary()
        k = key("p", p["payment_ref"])
        if self.store.get(k) is None:
            self.store.put(k, {"case_id": p["case_id"], "amount_cents": p["amount_cents"]})

    def payment(self, payment_ref: str) -> dict | None:
        """{case_id, amount_cents} of the payment recorded under ``payment_ref``, if any."""
        found = self.store.get(key("p", payment_ref))
        return found if found is None or isinstance(found, dict) else orjson.loads(found)

    def remember_payment(self, payment_ref: str, case_id: str, amount_cents: int) -> None:
        """A payment this gateway has just published (it comes back on ``payments`` later)."""
        self.store.write_now(key("p", payment_ref), {"case_id": case_id, "amount_cents": amount_cents})

    # --- batches ----------------------------------------------------------------------------------
    def batch_view(self, lender_id: str, batch_id: str) -> Batch | None:
        """The batch with intake's answers and this instance's upload of it; None when neither is known."""
        tally, upload = self.store.get(key("b", lender_id, batch_id)), self.store.get(key("u", lender_id, batch_id))
        if tally is None and upload is None:
            return None
        batch = Batch(lender_id, batch_id)
        if tally is not None:
            tally = tally if isinstance(tally, dict) else orjson.loads(tally)
            batch.accepted, batch.rejected, batch.report = tally["accepted"], tally["rejected"], tally["report"]
        if upload is not None:
            batch.uploaded_here = True
            for name, value in orjson.loads(upload).items():
                setattr(batch, name, value)
        prefix = key("br", lender_id, batch_id) + b"\x00"
        batch.rejections = {_id_after(k): orjson.loads(v) for k, v in self.settled().scan(prefix)}
        return batch

    def batch(self, lender_id: str, batch_id: str) -> Batch:
        return self.batch_view(lender_id, batch_id) or Batch(lender_id, batch_id)

    def save_upload(self, batch: Batch) -> None:
        """What this instance published and refused of ``batch`` (its upload's progress, then its end)."""
        self.store.write_now(key("u", batch.lender_id, batch.batch_id),
                             {"published": batch.published, "refused": batch.refused,
                              "refused_count": batch.refused_count, "upload_done": batch.upload_done,
                              "broken_off": batch.broken_off})

    # --- questions -------------------------------------------------------------------------------
    def case(self, case_id: str) -> Case | None:
        found = self.store.get(key("c", case_id))
        return found if found is None or isinstance(found, Case) else Case(**orjson.loads(found))

    def timeline(self, case_id: str) -> list[dict]:
        return [orjson.loads(v) for _, v in self.settled().scan(key("t", case_id) + b"\x00")]

    def lender_case_ids(self, lender_id: str, *, stage: str | None = None, region: str | None = None,
                        opened_from_ms: int | None = None, opened_to_ms: int | None = None,
                        batch_id: str | None = None) -> list[str]:
        """A lender's cases, oldest first (then by id): a scan of that lender's index keys only."""
        start = f"{opened_from_ms:015d}" if opened_from_ms is not None else ""
        stop = f"{opened_to_ms:015d}" if opened_to_ms is not None else None
        out = []
        for k, v in self.settled().scan(key("l", lender_id) + b"\x00", start.encode(), stop and stop.encode()):
            if stage or region or batch_id:
                c_stage, c_region, c_batch = orjson.loads(v)
                if (stage and c_stage != stage) or (batch_id and c_batch != batch_id) or \
                        (region and not c_region.startswith(region)):
                    continue
            out.append(_id_after(k))
        return out

    def lender_loan_case(self, lender_id: str, loan_id: str) -> str | None:
        """The id of the case the lender's loan opened, if any."""
        found = self.store.get(key("lo", lender_id, loan_id))
        return None if found is None else bytes(found).decode()

    def lender_cases(self, lender_id: str, **filters) -> list[Case]:
        return [c for c in map(self.case, self.lender_case_ids(lender_id, **filters)) if c is not None]

    def mediator_cases(self, mediator_id: str) -> list[Case]:
        ids = [_id_after(k) for k, _ in self.settled().scan(key("m", mediator_id) + b"\x00")]
        return [c for c in map(self.case, ids) if c is not None]

    def close(self) -> None:
        self.store.close()

"""notify's court documents (``courtdocs``): printed off the event loop (``printing``), sealed, published on
``court.documents``. Only notify opens the debtor's sealed contact, so only notify prints a document that
names the debtor. A document that cannot be printed is refused as a notice's is (``Refusals``: counted,
dead-lettered); the case's other documents still go.
"""
from __future__ import annotations

import base64
import logging

from prometheus_client import Counter

from remedy.kernel.emit import Emit
from remedy.kernel.pii import ContactSealer, PiiError
from remedy.kernel.stage import Host
from services.notify import courtdocs
from services.notify.documents import sha256
from services.notify.paper import Inputs
from services.notify.printer import Printer, Unrenderable
from services.notify.printing import PRINTING
from services.notify.refusals import Refusals

LANGUAGE = "zh"   # a court reads Chinese, whatever language the lender's notices go out in
log_ = logging.getLogger(__name__)


class CourtDocuments:
    def __init__(self, host: Host, sealer: ContactSealer, printer: Printer, labels: dict, refusals: Refusals):
        self.host, self.sealer, self.printer, self.labels, self.refusals = host, sealer, printer, labels, refusals
        self.published = Counter("remedy_notify_court_documents", "documents published for courts on court.documents",
                                 ["kind"], registry=host.metrics.registry)
        self.reissued = Counter("remedy_notify_court_documents_reissued", "court documents issued again after a "
                                "CaseAmended changed what they say", ["kind"], registry=host.metrics.registry)

    def debtor_name(self, memory: dict) -> str:
        try:
            return self.sealer.unseal(base64.b64decode(memory["sealed"])).get("name", "")
        except (PiiError, ValueError, KeyError):
            return ""

    def inputs(self, job: courtdocs.Job, memory: dict, name: str) -> Inputs:
        return Inputs(job.paper, LANGUAGE, job.context, memory["lender_id"], job.document_no, debtor_name=name,
                      enum_labels=self.labels)

    async def publish(self, memory: dict | None, envelope: dict, jobs: list[courtdocs.Job]) -> None:
        """The documents ``courtdocs.react`` called for (none for most events), printed, sealed and published."""
        if memory is None or not jobs:
            return
        name = self.debtor_name(memory)
        for job in jobs:
            try:
                pdf = await PRINTING.pdf(self.printer, self.inputs(job, memory, name))
            except Unrenderable as exc:
                self.refusals({"kind": job.paper, "debtor_ref": memory["debtor_ref"], "notice_id": job.document_id}, exc)
                continue
            record = courtdocs.record(job, envelope, sha256(pdf), self.sealer.seal_document(pdf))
            await self.host.emit(Emit(courtdocs.TOPIC, envelope["case_id"], "CourtDocument", record))
            self.published.labels(job.kind).inc()
            if job.supersedes:
                self.reissued.labels(job.kind).inc()
        await self.refusals.flush()

"""One batch upload on its way to loan.defaults: read line by line within the size limits, rows published in
order without waiting for each (flushed every FLUSH_EVERY and at the end), refusals noted on the batch.

Nothing leaves an upload stuck: whatever stops it (a line too long, the upload too large, a header that
cannot be read, a broken connection), the rows read before are kept (published), the batch is finished and
released, and the answer names the line and why. Such a batch is marked ``broken_off`` and its last row
declares no batch size, so the same upload may be sent again under the same id; a batch id whose upload
finished whole (or that intake has reported) is not reused: it names one file.
"""
from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.http_exceptions import LineTooLong

from remedy.contract.codec import EncodeError
from remedy.contract.lenderfile import FileFormatError
from services.gateway.core import Gateway
from services.gateway.projection import Batch
from services.gateway.upload import MAX_REFUSALS_LISTED, Refusal, UploadReader

FLUSH_EVERY = 2000


class Stopped(Exception):
    """Why the upload stopped before its end: (HTTP status, message)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message
        self.held: dict | None = None  # the last row read before it, not sent yet


class BatchUpload:
    def __init__(self, gw: Gateway, lender_id: str, reader: UploadReader):
        self.gw, self.lender_id, self.reader = gw, lender_id, reader
        self.batch: Batch | None = None  # begun at the first row (its id is known then) or at the end
        self.early = Batch(lender_id, "")  # refusals before that
        self.futures: list = []

    def begin(self) -> Batch:
        gw, batch_id = self.gw, self.reader.batch_id or self.reader.new_id()
        self.reader.batch_id = batch_id
        if (self.lender_id, batch_id) in gw.uploading:
            raise Stopped(409, f"batch_id: an upload of batch {batch_id} is in progress")
        known = gw.projection.batch_view(self.lender_id, batch_id)
        if known is not None and (known.report is not None or (known.upload_done and not known.broken_off)):
            raise Stopped(409, f"batch_id: {batch_id} was already uploaded (a batch id names one file: use a new one)")
        self.batch = Batch(self.lender_id, batch_id, refused=self.early.refused, refused_count=self.early.refused_count)
        gw.uploading.add((self.lender_id, batch_id))
        gw.projection.save_upload(self.batch)
        return self.batch

    async def run(self, request: web.Request) -> Stopped | None:
        """Read and publish the whole upload; why it stopped early, if it did. Whatever happens, a begun batch is
        finished (``broken_off`` unless read whole) and released for the next upload."""
        stopped, whole = None, False
        try:
            try:
                held = await self._read(request)
            except Stopped as exc:
                stopped, held = exc, exc.held
            if self.batch is None:
                if stopped is not None and stopped.status == 409:
                    return stopped
                try:
                    self.begin()
                except Stopped as exc:
                    return exc
            if held is not None:
                if stopped is None:
                    held["batch_size"] = self.batch.published + 1
                await self.send(held)
            await asyncio.gather(*self.futures)
            whole = stopped is None
        finally:
            if self.batch is not None:
                self.batch.upload_done, self.batch.broken_off = True, not whole
                self.gw.projection.save_upload(self.batch)
                self.gw.uploading.discard((self.lender_id, self.batch.batch_id))
        return stopped

    async def _read(self, request: web.Request) -> dict | None:
        """The rows in order, all sent but the last (held back: it carries the batch size); raises Stopped."""
        own, held, line_no, size = self.gw.own, None, 0, 0
        try:
            while True:
                try:
                    raw = await request.content.readline(max_line_length=own.upload_max_line_kb * 1024)
                except LineTooLong:
                    raise Stopped(400, f"line {line_no + 1}: longer than {own.upload_max_line_kb} KiB") from None
                if not raw:
                    break
                line_no, size = line_no + 1, size + len(raw)
                if size > own.upload_max_mb * 2 ** 20:
                    raise Stopped(413, f"line {line_no}: the upload is larger than {own.upload_max_mb} MiB")
                got = self._row(raw, line_no)
                if got is not None:
                    if self.batch is None:
                        self.begin()
                    if held is not None:
                        await self.send(held)
                    held = got
            tail = self.reader.finish()
            if tail:
                self.refuse(tail)
        except FileFormatError as exc:
            raise self._with(Stopped(400, str(exc)), held) from None
        except Stopped as exc:
            raise self._with(exc, held) from None
        except (ConnectionError, asyncio.IncompleteReadError, OSError) as exc:
            raise self._with(Stopped(400, f"line {line_no + 1}: the upload broke off ({type(exc).__name__})"), held) from None
        return held

    @staticmethod
    def _with(stopped: Stopped, held: dict | None) -> Stopped:
        stopped.held = stopped.held or held
        return stopped

    def _row(self, raw: bytes, line_no: int) -> dict | None:
        try:
            line = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            self.refuse(Refusal(line_no, "is not UTF-8"))
            return None
        got = self.reader.feed(line, line_no)
        if isinstance(got, Refusal):
            self.refuse(got)
            return None
        return got if got is not None and self.encodable(got, line_no) else None

    def refuse(self, r: Refusal) -> None:
        batch = self.batch or self.early
        batch.refused_count += 1
        if len(batch.refused) < MAX_REFUSALS_LISTED:
            batch.refused.append({"line": r.line, "message": r.message})

    def encodable(self, record: dict, line: int) -> bool:
        try:
            self.gw.codec.encode("LoanDefault", record)
            return True
        except EncodeError as exc:
            self.refuse(Refusal(line, str(exc).split(": ", 1)[-1][:200]))
            return False

    async def send(self, record: dict) -> None:
        value, key = self.gw.codec.encode("LoanDefault", record), f"{record['lender_id']}:{record['loan_id']}".encode()
        self.futures.append(await self.gw.producer.send("loan.defaults", value=value, key=key,
                                                        headers=self.gw.signer.sign("loan.defaults", key, value)))
        self.batch.published += 1
        if len(self.futures) >= FLUSH_EVERY:
            await asyncio.gather(*self.futures)
            self.futures.clear()
            self.gw.projection.save_upload(self.batch)  # its progress, for the batch's status meanwhile

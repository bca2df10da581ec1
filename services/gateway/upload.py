"""A lender's batch upload, one line at a time. Pure: lines in, LoanDefault records or refusals out.

Formats are those of ``remedy/contract/lenderfile.py`` (JSON lines, or CSV with ``debtor_`` columns). The
gateway fills ``lender_id`` (a row naming another lender is refused) and ``batch_id``: the upload's
``?batch_id=`` when given, else the lender's own, named by the rows' ``batch_id`` (the first row naming one
fixes it; a row naming another is refused), else a new ``GW-…`` id. Content rules (ID checksum, region,
amounts, dates) stay intake's, answered on ``loan.defaults.rejected``. A row the gateway cannot turn into
a LoanDefault at all (not JSON, nested too deep, a field missing) is refused here with its line number.
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from remedy.contract.lenderfile import FileFormatError, csv_record, json_record
from services.gateway.validation import too_deep

REQUIRED = ("loan_id", "product", "principal_cents", "interest_cents", "penalty_cents", "contract_date", "due_date")
REQUIRED_DEBTOR = ("name", "national_id", "region_code")
MAX_REFUSALS_LISTED = 1000
ID_SHAPE = re.compile(r"[A-Za-z0-9._:-]{1,64}")


@dataclass(frozen=True)
class Refusal:
    line: int
    message: str


class UploadReader:
    def __init__(self, fmt: str, lender_id: str, batch_id: str | None, now: datetime, *, max_depth: int = 32,
                 new_id: Callable[[], str] = lambda: "GW-UPLOAD"):
        if fmt not in ("jsonl", "csv"):
            raise ValueError("format must be jsonl or csv")
        self.fmt, self.lender_id, self.batch_id, self.now = fmt, lender_id, batch_id, now
        self.from_query, self.max_depth, self.new_id = batch_id is not None, max_depth, new_id
        self.header: list[str] | None = None
        self._pending = ""  # a CSV record whose quoted field spans lines
        self._pending_from = 0

    def feed(self, line: str, line_no: int) -> dict | Refusal | None:
        """One physical line (without its newline) → a record, a refusal, or None (blank, header, incomplete)."""
        if self.fmt == "jsonl":
            if not line.strip():
                return None
            try:
                obj = json.loads(line)
            except ValueError as exc:
                return Refusal(line_no, f"not JSON: {exc.msg} at column {exc.colno}")
            except RecursionError:
                obj = None
            if obj is None or too_deep(obj, self.max_depth):
                return Refusal(line_no, f"not JSON this gateway reads: nested more than {self.max_depth} deep")
            return self._record(obj, line_no, json_record)
        if self._pending:
            line, line_no = self._pending + "\n" + line, self._pending_from
            self._pending = ""
        if line.count('"') % 2:
            self._pending, self._pending_from = line, line_no
            return None
        if not line.strip():
            return None
        try:
            fields = next(csv.reader([line]))
        except csv.Error as exc:
            if self.header is None:
                raise FileFormatError(f"line {line_no}: CSV header unreadable: {exc}") from None
            return Refusal(line_no, f"not CSV: {exc}")
        if self.header is None:
            self.header = [f.strip() for f in fields]
            missing = [f for f in REQUIRED if f not in self.header] + \
                      [f"debtor_{f}" for f in REQUIRED_DEBTOR if f"debtor_{f}" not in self.header]
            if missing:
                raise FileFormatError("CSV header lacks columns: " + ", ".join(missing))
            return None
        if len(fields) != len(self.header):
            return Refusal(line_no, f"has {len(fields)} columns, the header has {len(self.header)}")
        return self._record(dict(zip(self.header, fields)), line_no, csv_record)

    def finish(self) -> Refusal | None:
        if self._pending:
            return Refusal(self._pending_from, "unterminated quoted field")
        return None

    def _batch(self, named, line_no: int) -> Refusal | None:
        """Fix the upload's batch id at its first row (the lender's own, named by the row, when the query named none)."""
        if not self.from_query and named not in (None, ""):
            if not isinstance(named, str) or not ID_SHAPE.fullmatch(named):
                return Refusal(line_no, "batch_id: must be 1-64 letters, digits or ._:-")
            if self.batch_id is None:
                self.batch_id = named
            elif named != self.batch_id:
                return Refusal(line_no, f"batch_id: names {named}, but this upload is batch {self.batch_id} "
                                        "(one batch per upload)")
        if self.batch_id is None:
            self.batch_id = self.new_id()
        return None

    def _record(self, obj, line_no: int, convert) -> dict | Refusal:
        if not isinstance(obj, dict):
            return Refusal(line_no, "a line must hold a JSON object")
        given = obj.get("lender_id")
        if given not in (None, "", self.lender_id):
            return Refusal(line_no, "lender_id: names another lender than the API key's")
        refused = self._batch(obj.get("batch_id"), line_no)
        if refused is not None:
            return refused
        for name in REQUIRED:
            if obj.get(name) in (None, ""):
                return Refusal(line_no, f"{name}: is required")
        debtor = obj.get("debtor") if self.fmt == "jsonl" else {k[7:]: v for k, v in obj.items() if k.startswith("debtor_")}
        if not isinstance(debtor, dict):
            return Refusal(line_no, "debtor: must be an object")
        for name in REQUIRED_DEBTOR:
            if not isinstance(debtor.get(name), str) or not debtor.get(name):
                return Refusal(line_no, f"debtor.{name}: is required and must be a string")
        for name in ("loan_id", "product"):
            if not isinstance(obj[name], str):
                return Refusal(line_no, f"{name}: must be a string")
        try:
            record = convert(obj, self.now)
        except FileFormatError as exc:
            return Refusal(line_no, str(exc))
        record.update(lender_id=self.lender_id, batch_id=self.batch_id, batch_size=0, published_at=self.now)
        return record

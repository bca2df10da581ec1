"""The LoanDefaultRejected intake answers a refused default with: the lender's own reference of the row
(lender, batch, loan, the input's position on loan.defaults) and, per problem, the field and the reason.
Never the input's bytes or any value from it: the lender holds its row, and loan.defaults keeps the input
for the people entitled to read it (个人信息保护法 第六条, rules.md P3)."""
from __future__ import annotations

from datetime import datetime

from remedy.kernel.emit import Emit
from services.intake.reasons import describe, problems

TOPIC = "loan.defaults.rejected"
UNDECODABLE = "UNDECODABLE"


def rejection(lender_id: str, loan_id: str, batch_id: str, codes: list[str], position: tuple[int, int] | None,
              now: datetime) -> Emit:
    partition, offset = position if position is not None else (None, None)
    record = {"lender_id": lender_id, "loan_id": loan_id, "batch_id": batch_id, "reason_codes": codes,
              "message": describe(codes), "problems": problems(codes), "input_partition": partition,
              "input_offset": offset, "rejected_at": now}
    return Emit(TOPIC, f"{lender_id}:{loan_id}", "LoanDefaultRejected", record)


def undecodable(key: bytes | None, position: tuple[int, int], now: datetime) -> Emit:
    """The answer to bytes that are no LoanDefault: the lender and loan its key names (``lender_id:loan_id``),
    if any, and where the input is; the lender finds the row by them."""
    lender_id, _, loan_id = (key or b"").decode("utf-8", "replace").partition(":")
    return rejection(lender_id, loan_id, "", [UNDECODABLE], position, now)

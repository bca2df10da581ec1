"""Reading LoanDefaults from CSV or JSON lines: the file formats lenders upload.

JSON lines: one LoanDefault per line, dates as ``YYYY-MM-DD``, ``published_at`` ISO-8601, the debtor
as a nested object. CSV: the same fields flattened, debtor fields prefixed ``debtor_``, evidence as
``doc_type|uri`` pairs separated by ``;``.
"""
from __future__ import annotations

import csv
import json
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterator

DATES = ("contract_date", "due_date", "last_payment_date")
INTS = ("batch_size", "principal_cents", "interest_cents", "penalty_cents")
FLAGS = ("is_student", "serious_illness", "unemployed", "disaster", "elderly", "disabled")


class FileFormatError(ValueError):
    pass


def _to_record(row: dict, now: datetime | None = None) -> dict:
    out = dict(row)
    for k in DATES:
        try:
            out[k] = date.fromisoformat(out[k]) if out.get(k) else None
        except (TypeError, ValueError):
            raise FileFormatError(f"{k}: must be a date YYYY-MM-DD") from None
    for k in INTS:
        try:
            out[k] = int(out.get(k) or 0)
        except (TypeError, ValueError):
            raise FileFormatError(f"{k}: must be an integer") from None
    published = out.get("published_at")
    try:
        out["published_at"] = (datetime.fromisoformat(published.replace("Z", "+00:00")) if published
                               else now or datetime.now(timezone.utc))
    except (AttributeError, ValueError):
        raise FileFormatError("published_at: must be an ISO-8601 instant") from None
    for k in ("agreed_jurisdiction", "lender_region_code"):
        out[k] = out.get(k) or None
    return out


def csv_record(row: dict, now: datetime | None = None) -> dict:
    """One CSV row (header -> text) as a LoanDefault record."""
    debtor = {k.removeprefix("debtor_"): v for k, v in row.items() if k and k.startswith("debtor_")}
    for flag in FLAGS:
        debtor[flag] = str(debtor.get(flag, "")).lower() in ("1", "true", "yes")
    debtor["phone"] = debtor.get("phone") or None
    debtor["email"] = debtor.get("email") or None
    evidence = [dict(zip(("doc_type", "uri"), e.split("|", 1)), sha256=None)
                for e in (row.get("evidence") or "").split(";") if e]
    base = {k: v for k, v in row.items() if k and not k.startswith("debtor_") and k != "evidence"}
    return _to_record({**base, "debtor": debtor, "evidence": evidence}, now)


def json_record(obj: dict, now: datetime | None = None) -> dict:
    """One JSON-lines object as a LoanDefault record."""
    if not isinstance(obj, dict):
        raise FileFormatError("a line must hold a JSON object")
    return _to_record(obj, now)


def read_defaults(path: str | Path) -> Iterator[dict]:
    path = Path(path)
    with path.open(encoding="utf-8") as fh:
        if path.suffix.lower() == ".csv":
            for n, row in enumerate(csv.DictReader(fh), start=2):
                try:
                    yield csv_record(row)
                except (KeyError, ValueError) as exc:
                    raise FileFormatError(f"{path}:{n}: {exc}") from exc
        else:
            for n, line in enumerate(fh, start=1):
                if line.strip():
                    try:
                        yield json_record(json.loads(line))
                    except (KeyError, ValueError) as exc:
                        raise FileFormatError(f"{path}:{n}: {exc}") from exc

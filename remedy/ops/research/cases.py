"""A case as ClickHouse summarises it → its research row, before anonymisation. Pure.

What leaves is a fixed list of attributes made of code words, whole days and rounded shares: no id,
no free text, no exact amount or date. A value that is not a code word (``PAID_OFF``) is written
``OTHER``, so nothing planted in a reason column can reach a file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from remedy.kernel.clock import china_date
from remedy.ops.research.bands import Quasi

DAY_MS = 86_400_000
CODE = re.compile(r"[A-Z][A-Z0-9_]{0,40}")
RECOVERY_STEP = 5   # per cent


@dataclass(frozen=True)
class Case:
    case_id: str        # only ever keyed into a pseudonym
    quasi: Quasi
    attrs: dict         # column → value, the non-identifying attributes


def code(value: str | None) -> str:
    """A code word as it is, "" for none, ``OTHER`` for anything else."""
    if not value:
        return ""
    return value if CODE.fullmatch(value) else "OTHER"


def stays(moves: list[tuple[int, int, str]]) -> list[tuple[str, int]]:
    """The stages a case went through, in case-log order ((epoch ms, offset, stage) sorted), with the
    epoch ms each stay began; consecutive moves into the same stage are one stay."""
    out: list[tuple[str, int]] = []
    for at, _, stage in sorted(moves):
        if not out or out[-1][0] != stage:
            out.append((stage, at))
    return out


def recovery_band(recovered_cents: int, claimed_cents: int) -> int:
    """Recovered as a share of the claim, rounded down to 5 per cent, at most 100."""
    if claimed_cents <= 0:
        return 0
    pct = min(100, recovered_cents * 100 // claimed_cents)
    return pct // RECOVERY_STEP * RECOVERY_STEP


def case_from(summary: dict) -> Case:
    """One row of ``source.CASES_SQL`` → a Case."""
    opened_ms = int(summary["opened_ms"])
    day = china_date(datetime.fromtimestamp(opened_ms / 1000, timezone.utc))
    quasi = Quasi(summary["birth_year"], summary["region_code"] or "", int(summary["claimed_cents"]), day.year, day.month)
    path = stays(summary["moves"])
    days = [str((nxt - at) // DAY_MS) for (_, at), (_, nxt) in zip(path, path[1:])] + [""]
    closed_ms = int(summary["closed_ms"]) if summary["closed"] else None
    attrs = {
        "route": code(summary["route"]),
        "path": ">".join(code(stage) for stage, _ in path),
        "path_days": ">".join(days[:len(path)]),
        "final_stage": code(path[-1][0]) if path else "",
        "closed": 1 if summary["closed"] else 0,
        "close_reason": code(summary["close_reason"]),
        "reject_reason": code(summary["reject_reason"]),
        "days_to_close": (closed_ms - opened_ms) // DAY_MS if closed_ms is not None else None,
        "recovered_pct": recovery_band(int(summary["recovered_cents"]), quasi.claimed_cents),
        "objection": 1 if summary["objections"] else 0,
        "cross_region": 1 if summary["cross_region"] else 0,
    }
    return Case(summary["case_id"], quasi, attrs)

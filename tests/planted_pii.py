"""Debtor PII found nowhere else, planted in a batch, and a scanner for it in any bytes.

Names are three characters out of twenty rare ones; IDs are valid GB 11643 numbers of region 110105 (or
broken as the row's invalid kind requires); phones start 1990; e-mails end ``@pii-probe.example``. A scan
looks for each in UTF-8 (which Avro's string encoding, orjson and the logs write as they are) and, for the
names, as JSON's ``\\uXXXX`` escapes (``json.dumps`` with ``ensure_ascii``).
"""
from __future__ import annotations

import random
import re
from datetime import date

from sim.defaults import INVALID_KINDS, national_id

RARE = "龘靐齉爩麤燚犇骉鱻羴猋蠡鼂亓鬲冃兂夨孒巿"
ID_KINDS = ("NATIONAL_ID_CHECKSUM", "NATIONAL_ID_FORMAT")


def plant(defaults: list[dict], expected: dict[str, str], seed: int = 11) -> set[str]:
    """Give each default's debtor a planted name, ID, phone and e-mail (keeping the row's invalid kind);
    return every planted string."""
    rng, out = random.Random(seed), set()
    for i, d in enumerate(defaults):
        birth = date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28))
        d["debtor"].update(name=RARE[i % 20] + RARE[i // 20 % 20] + RARE[(7 * i + 3) % 20],
                           national_id=national_id(rng, "110105", birth), phone=f"1990{i:03d}{rng.randrange(10**4):04d}",
                           email=f"plant{i:03d}.{rng.randrange(16**6):06x}@pii-probe.example")
        if expected.get(d["loan_id"]) in ID_KINDS:
            INVALID_KINDS[expected[d["loan_id"]]](d)
        out |= {d["debtor"][k] for k in ("name", "national_id", "phone", "email")}
    return out


_RARE_UTF8 = b"|".join(re.escape(c.encode()) for c in RARE)
_RARE_JSON = "|".join(f"{ord(c):04x}" for c in RARE).encode()
FAMILIES = (re.compile(rb"1990\d{7}"), re.compile(rb"110105\d{9,11}[\dXx]?"),
            re.compile(rb"plant\d{3}\.[0-9a-f]{6}@pii-probe\.example"),
            re.compile(b"(?:" + _RARE_UTF8 + b"){3}"), re.compile(rb"(?:\\u(?:" + _RARE_JSON + rb")){3}", re.I))


def _as_text(found: bytes) -> str:
    return found.decode("unicode_escape") if found.startswith(b"\\u") else found.decode("utf-8", "replace")


def leaks(blob: bytes, planted: set[str]) -> set[str]:
    """The planted strings ``blob`` holds, in any of the forms above."""
    out = set()
    for family in FAMILIES:
        for m in family.finditer(blob):
            text = _as_text(m.group())
            out |= {p for p in planted if p in text}
    return out

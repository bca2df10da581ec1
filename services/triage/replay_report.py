"""``remedy replay``'s report: a ``Comparison`` (services/triage/replay.py) as the operator reads it, in the
terminal's language (the catalogue's ``cli`` domain, ``replay.*``). Routes keep their codes. Pure."""
from __future__ import annotations

import unicodedata

from remedy.contract import i18n
from services.triage.replay import ROUTES, Comparison, Expectation, route_order

WORDS = i18n.Messages.load("cli")


def _cells(words: str) -> int:
    """Terminal cells ``words`` takes: a Chinese character two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in words)


def _cny(fen: float, lang: str) -> str:
    return i18n.money(round(fen), lang, cents=False)


def _n(value: int, lang: str) -> str:
    return i18n.number(value, lang)


def _expected(e: Expectation, lang: str) -> str:
    if not e.unknown_cases:
        return _cny(e.cents, lang)
    return WORDS.text("replay.unknown", lang, known=_cny(e.cents, lang), claim=_cny(e.unknown_claim_cents, lang),
                      cases=_n(e.unknown_cases, lang), routes=", ".join(e.unknown_routes))


def _hashes(c: Comparison, lang: str) -> str:
    """Each (version, hash) the cases were decided under; a decision written before CaseEvent v2 has no hash."""
    return ", ".join(f"{v} {'sha256 ' + h[:12] if h else WORDS.text('replay.no_hash', lang)} ({_n(n, lang)})"
                     for (v, h), n in sorted(c.actual_hashes.items())) or "-"


def _matrix(c: Comparison, lang: str) -> tuple[list[str], int]:
    """The routes table, actual (rows) against replayed (columns); and the routes column's width."""
    routes = sorted({r for pair in c.confusion for r in pair} | set(ROUTES), key=route_order)
    width = max(len(r) for r in routes) + 1
    total = WORDS.text("replay.total", lang)
    out = ["", WORDS.text("replay.matrix", lang),
           f"{'':{width}s}" + "".join(f"{r:>{width}s}" for r in routes) + " " * max(1, 8 - _cells(total)) + total]
    for actual in routes:
        row = [c.confusion.get((actual, replayed), 0) for replayed in routes]
        out.append(f"{actual:{width}s}" + "".join(f"{n:>{width},d}" for n in row) + f"{sum(row):>8,d}")
    return out, width


def _rates(c: Comparison, width: int, lang: str) -> list[str]:
    out = ["", WORDS.text("replay.rates", lang)]
    for route in sorted(set(c.rates) | {r for _, r in c.confusion}, key=route_order):
        rr = c.rates.get(route)
        if rr is None or rr.rate is None:
            words = WORDS.text("replay.rate_unknown", lang, finished=_n(rr.finished if rr else 0, lang),
                               cases=_n(rr.cases if rr else 0, lang))
        else:
            words = WORDS.text("replay.rate", lang, finished=_n(rr.finished, lang), cases=_n(rr.cases, lang),
                               claimed=_cny(rr.claim_cents, lang), recovered=_cny(rr.recovered_cents, lang),
                               rate=i18n.percent(rr.rate, lang))
        out.append(f"  {route:{width}s} {words}")
    return out


def _recovery(c: Comparison, lang: str) -> list[str]:
    claim = sum(r.case.claim_cents for r in c.replayed)
    rows = [("replay.actual", _cny(c.actual_recovered_cents, lang)), ("replay.expected_actual", _expected(c.expected_actual, lang)),
            ("replay.expected_replayed", _expected(c.expected_replayed, lang))]
    if not c.expected_actual.unknown_cases and not c.expected_replayed.unknown_cases:
        delta = c.expected_replayed.cents - c.expected_actual.cents
        rows.append(("replay.difference", f"{'+' if delta >= 0 else '-'}{_cny(abs(delta), lang)}"))
    labels = [WORDS.text(key, lang) for key, _ in rows]
    width = max(_cells(label) for label in labels) + 1
    return (["", WORDS.text("replay.recovery", lang, cases=_n(len(c.replayed), lang), claimed=_cny(claim, lang))]
            + [f"  {label}{' ' * (width - _cells(label))}{value}" for label, (_, value) in zip(labels, rows)])


def lines(c: Comparison, limit: int = 20, lang: str = i18n.DEFAULT) -> list[str]:
    """The comparison as the operator reads it."""
    versions = ", ".join(f"{v} ({_n(n, lang)})" for v, n in sorted(c.actual_versions.items())) or "-"
    out = [WORDS.text("replay.replayed", lang, cases=_n(len(c.replayed), lang), version=c.rule_version, versions=versions),
           WORDS.text("replay.hashes", lang, hash=c.rule_hash, hashes=_hashes(c, lang))]
    skipped = [WORDS.text(key, lang, count=_n(n, lang)) for n, key in ((c.undecided, "replay.undecided"),
                                                                    (c.unopened, "replay.unopened"),
                                                                    (c.duplicates, "replay.duplicates")) if n]
    if skipped:
        out.append(WORDS.text("replay.skipped_cases", lang, what=", ".join(skipped)))
    matrix, width = _matrix(c, lang)
    changes = c.changes
    out += matrix + ["", WORDS.text("replay.changes", lang, count=_n(len(changes), lang), of=_n(len(c.replayed), lang))]
    for r in changes[:limit]:
        out.append(f"  {r.case.case_id}  {r.case.route} → {r.route}  ({', '.join(r.reason_codes)})")
    if len(changes) > limit:
        out.append(WORDS.text("replay.more", lang, count=_n(len(changes) - limit, lang)))
    return out + _rates(c, width, lang) + _recovery(c, lang)

"""The report's figures from analytics' dashboard JSON and the traditional-collection baseline, in one language. Pure.

Everything the page shows is computed here, its words from the ``report`` catalogue
(``remedy/contract/messages/report.json``) and its money, days and rates from ``remedy.contract.i18n``, so a test
reads the numbers without a browser."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from remedy.contract import i18n
from remedy.ops.report_names import Names

DAY = 86400
TIERS = ("PEOPLES_MEDIATION", "COURT_MEDIATION")
REGION_ROWS = 25   # the cross-region table's largest groups; the rest are counted under it
M = i18n.Messages.load("report")


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class Figures:
    lang: str
    title: str
    as_of: str
    headline: list[Figure]
    funnel: list[dict]
    recovery: list[dict]          # per opening day: day, label, cases, rate, base (the baseline's rate that day)
    baseline: float | None        # the whole batch's traditional-collection rate
    baseline_by_day: bool         # whether ``base`` is the day's own baseline (else the batch's, on every day)
    cycle: list[dict]
    cycle_weeks: list[dict]       # closed cases per week from opening to close, every week up to the last shown
    regions: list[dict]
    regions_total: int
    notices: list[dict]
    deadlines: list[dict]
    rejections: list[dict] = field(default_factory=list)

    def t(self, key: str, **values) -> str:
        return M.text(key, self.lang, **values)


def code_label(prefix: str, code: str | None, lang: str) -> str:
    """A code's name from the catalogue (``stage.RELIEF``), the code itself when the catalogue lacks it."""
    key = f"{prefix}.{code}"
    return M.text(key, lang) if key in M.entries else (code or "")


def _n(value: int | float) -> str:
    return i18n.number(value)


def headline(dash: dict, baseline: float | None, lang: str) -> list[Figure]:
    s, funnel, t = dash["summary"], {r["stage"]: r for r in dash.get("funnel", [])}, lambda k, **v: M.text(k, lang, **v)
    out = [Figure("cases", t("kpi.cases"), _n(s["cases"]), t("kpi.cases.note", open=_n(s["open"]), closed=_n(s["closed"]))),
           Figure("recovered", t("kpi.recovered"), i18n.money(s["recovered_cents"], lang, cents=False),
                  t("kpi.recovered.note", claimed=i18n.money(s["claimed_cents"], lang, cents=False))),
           Figure("recovery", t("kpi.recovery"), i18n.percent(s["recovery"], lang),
                  t("kpi.recovery.note", rate=i18n.percent(baseline, lang)) if baseline else t("kpi.recovery.no_baseline"))]
    if baseline:
        lift = s["recovery"] / baseline
        out.append(Figure("lift", t("kpi.lift"), t("kpi.lift.value", times=f"{lift:.2f}"),
                          ("+" if lift >= 1 else "-") + i18n.percent(abs(lift - 1), lang, places=0)))
    out.append(Figure("cycle", t("kpi.cycle"), i18n.days(s.get("cycle_p50_seconds"), lang),
                      t("kpi.cycle.note", days=i18n.days(s.get("cycle_p90_seconds"), lang))))
    for tier in TIERS:
        row = funnel.get(tier, {})
        out.append(Figure(f"settled.{tier}", t("kpi.settled", tier=code_label("stage", tier, lang)), _n(row.get("settled", 0)),
                          t("kpi.settled.note", entered=_n(row.get("entered", 0)))))
    return out


def funnel_rows(dash: dict, lang: str) -> list[dict]:
    return [{"stage": r["stage"], "label": code_label("stage", r["stage"], lang),
             "entered": r["entered"], "settled": r["settled"], "escalated": r["escalated"],
             "other": max(0, r["entered"] - r["settled"] - r["escalated"]), "settle_rate": i18n.percent(r["settle_rate"], lang),
             "p50": i18n.days(r.get("p50_seconds"), lang), "p90": i18n.days(r.get("p90_seconds"), lang)}
            for r in dash.get("funnel", [])]


def recovery_series(dash: dict, baseline: float | None, by_day: dict[str, tuple[int, int]] | None, lang: str) -> list[dict]:
    """Recovery of the cases opened each day, beside the baseline of those same cases (``by_day``: day → (claimed,
    recovered) fen of traditional collection) or, without per-day figures, the whole batch's baseline rate."""
    out = []
    for r in dash.get("recovery", []):
        day = str(r["day"])[:10]
        claimed, recovered = (by_day or {}).get(day, (0, 0))
        base = recovered / claimed if claimed else (None if by_day else baseline)
        out.append({"day": day, "label": i18n.day(day, lang), "cases": r.get("cases", 0),
                    "rate": r["recovered_cents"] / r["claimed_cents"] if r["claimed_cents"] else 0.0, "base": base})
    return out


def cycle_rows(dash: dict, lang: str) -> list[dict]:
    return [{"route": r["route"], "label": code_label("stage", r["route"], lang) if r["route"] else M.text("route.none", lang),
             "closed": r["closed"], "p50_days": (r["p50_seconds"] or 0) / DAY, "p90_days": (r["p90_seconds"] or 0) / DAY}
            for r in dash.get("cycle", [])]


def cycle_weeks(dash: dict, lang: str) -> list[dict]:
    counts = {r["week"]: r["cases"] for r in dash.get("cycle_weeks", [])}
    return [{"week": w, "label": M.text("cycle.weeks.label", lang, week=w, next=w + 1), "cases": counts.get(w, 0)}
            for w in range(max(counts, default=-1) + 1)]


def region_rows(dash: dict, names: Names, lang: str) -> list[dict]:
    """The largest (debtor region, lender region, court) groups, by name; analytics sorts them by cases."""
    return [{"debtor": names.region(r.get("debtor_region", ""), r.get("debtor_region_name")),
             "lender": names.region(r.get("lender_region", ""), r.get("lender_region_name")),
             "court": names.court(r.get("court", "")), "cases": _n(r["cases"]), "cross": _n(r.get("cross_region_cases", 0)),
             "recovered": i18n.money(r.get("recovered_cents", 0), lang, cents=False),
             "rate": i18n.percent(r["recovered_cents"] / r["claimed_cents"], lang) if r.get("claimed_cents") else "-"}
            for r in dash.get("cross_region", [])[:REGION_ROWS]]


def notice_rows(dash: dict, lang: str) -> list[dict]:
    return [{"status": n.get("status") or "", "rule": n.get("rule") or "", "notices": n.get("notices", 0),
             "label": code_label("status", n.get("status"), lang)
             + (" · " + code_label("rule", n["rule"], lang) if n.get("rule") else "")}
            for n in dash.get("compliance", {}).get("notices", [])]


def deadline_rows(dash: dict, lang: str) -> list[dict]:
    return [{"kind": k, "label": code_label("deadline", k, lang), "cases": n}
            for k, n in dash.get("compliance", {}).get("deadlines", {}).items()]


def rejection_rows(dash: dict) -> list[dict]:
    """One figure per reason, all lenders summed, the most frequent first."""
    by_reason: dict[str, int] = {}
    for r in dash.get("rejections", []):
        by_reason[r.get("reason")] = by_reason.get(r.get("reason"), 0) + r.get("rejections", 0)
    return [{"reason": k, "rejections": n} for k, n in sorted(by_reason.items(), key=lambda kv: (-kv[1], str(kv[0])))]


def figures(dash: dict, baseline: float | None, title: str, lang: str = i18n.DEFAULT, names: Names | None = None,
            baseline_days: dict[str, tuple[int, int]] | None = None,
            reason: Callable[[str, str], str] = lambda code, lang: code) -> Figures:
    """``names``: regions and courts by name in ``lang``; ``baseline_days``: the baseline per opening day;
    ``reason``: a rejection reason code → its words in a language."""
    lang = i18n.language(lang)
    names = names or Names(lang)
    now = dash.get("now")
    return Figures(lang=lang, title=title, as_of=i18n.day(now, lang) if now else "-", headline=headline(dash, baseline, lang),
                   funnel=funnel_rows(dash, lang), recovery=recovery_series(dash, baseline, baseline_days, lang),
                   baseline=baseline, baseline_by_day=bool(baseline_days), cycle=cycle_rows(dash, lang),
                   cycle_weeks=cycle_weeks(dash, lang), regions=region_rows(dash, names, lang),
                   regions_total=len(dash.get("cross_region", [])), notices=notice_rows(dash, lang),
                   deadlines=deadline_rows(dash, lang),
                   rejections=[{**r, "label": reason(r["reason"], lang)} for r in rejection_rows(dash)])

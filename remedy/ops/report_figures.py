"""The report's figures from analytics' dashboard JSON and the traditional-collection baseline. Pure.

Everything the HTML shows is computed here, already formatted the Chinese way (¥12,345, 2026年12月4日),
so that a test can read the numbers without a browser."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable

DAY = 86400
STAGE_ZH = {"OPENED": "已受理", "TRIAGED": "已分流", "PEOPLES_MEDIATION": "人民调解", "COURT_MEDIATION": "法院诉前调解",
            "RELIEF": "困难救助", "CONFIRMATION": "司法确认", "PERFORMING": "履行中", "LITIGATION": "诉讼",
            "JUDGMENT": "判决", "ENFORCEMENT": "强制执行", "CREDIT_REPAIR": "信用修复", "CLOSED": "结案",
            "REJECTED": "不予受理", "ON_HOLD": "暂停（异议）"}
DEADLINE_ZH = {"mediation_tier": "调解期限已过", "confirmation": "司法确认逾期", "objection_answer": "异议答复逾期"}
STATUS_ZH = {"SENT": "已发送", "DELIVERED": "已送达", "FAILED": "失败", "DEFERRED": "延后", "BLOCKED": "拦截",
             "SUPPRESSED": "不发送", "QUEUED": "排队"}
TIERS = ("PEOPLES_MEDIATION", "COURT_MEDIATION")
REGION_ROWS = 25   # the cross-region table's largest groups; the rest are counted under it


def yuan(fen: float) -> str:
    return f"¥{fen / 100:,.0f}"


def pct(rate: float) -> str:
    return f"{rate:.1%}"


def days(seconds) -> str:
    return "-" if seconds is None else f"{seconds / DAY:.1f} 天"


def zh_date(value: str | date | None) -> str:
    """``2026-12-04`` or ``2026-12-04T10:00:00Z`` → 2026年12月4日."""
    if not value:
        return "-"
    d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{d.year}年{d.month}月{d.day}日"


def english(code: str) -> str:
    return code.replace("_", " ").lower()


@dataclass(frozen=True)
class Figure:
    key: str
    zh: str
    en: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class Figures:
    title: str
    as_of: str
    headline: list[Figure]
    funnel: list[dict]
    recovery: list[dict]          # per opening day: day, label, cumulative rate
    baseline: float | None
    cycle: list[dict]
    cycle_weeks: list[dict]       # closed cases per week from opening to close, every week up to the last shown
    regions: list[dict]
    regions_total: int
    notices: list[dict]
    deadlines: list[dict]
    rejections: list[dict] = field(default_factory=list)


def headline(dash: dict, baseline: float | None) -> list[Figure]:
    s, funnel = dash["summary"], {r["stage"]: r for r in dash.get("funnel", [])}
    out = [Figure("cases", "案件数", "cases", f"{s['cases']:,}", f"未结 {s['open']:,} · 已结 {s['closed']:,}"),
           Figure("recovered", "已回收", "recovered", yuan(s["recovered_cents"]), f"诉请 {yuan(s['claimed_cents'])}"),
           Figure("recovery", "回收率", "recovery rate", pct(s["recovery"]),
                  f"传统催收 {pct(baseline)}" if baseline else "无传统催收基线")]
    if baseline:
        out.append(Figure("lift", "较传统催收", "vs traditional collection", f"{s['recovery'] / baseline:.2f}倍",
                          f"{s['recovery'] / baseline - 1:+.0%}"))
    out.append(Figure("cycle", "结案周期中位数", "median cycle time", days(s.get("cycle_p50_seconds")),
                      f"P90 {days(s.get('cycle_p90_seconds'))}"))
    for tier in TIERS:
        row = funnel.get(tier, {})
        out.append(Figure(f"settled.{tier}", f"{STAGE_ZH[tier]}和解", f"settled in {english(tier)}",
                          f"{row.get('settled', 0):,}", f"进入 {row.get('entered', 0):,} 件"))
    return out


def funnel_rows(dash: dict) -> list[dict]:
    return [{"stage": r["stage"], "zh": STAGE_ZH.get(r["stage"], r["stage"]), "en": english(r["stage"]),
             "entered": r["entered"], "settled": r["settled"], "escalated": r["escalated"],
             "other": max(0, r["entered"] - r["settled"] - r["escalated"]), "settle_rate": pct(r["settle_rate"]),
             "p50": days(r.get("p50_seconds")), "p90": days(r.get("p90_seconds"))} for r in dash.get("funnel", [])]


def recovery_series(dash: dict) -> list[dict]:
    """Recovery of the cases opened up to each day (cumulative), the line drawn against the baseline."""
    out, claimed, recovered = [], 0, 0
    for r in dash.get("recovery", []):
        claimed, recovered = claimed + r["claimed_cents"], recovered + r["recovered_cents"]
        out.append({"day": str(r["day"]), "label": zh_date(r["day"]), "rate": recovered / claimed if claimed else 0.0})
    return out


def cycle_rows(dash: dict) -> list[dict]:
    return [{"route": r["route"], "zh": STAGE_ZH.get(r["route"], r["route"] or "未分流"), "en": english(r["route"] or "untriaged"),
             "closed": r["closed"], "p50_days": (r["p50_seconds"] or 0) / DAY, "p90_days": (r["p90_seconds"] or 0) / DAY}
            for r in dash.get("cycle", [])]


def cycle_weeks(dash: dict) -> list[dict]:
    counts = {r["week"]: r["cases"] for r in dash.get("cycle_weeks", [])}
    return [{"week": w, "label": f"{w}–{w + 1}周", "cases": counts.get(w, 0)} for w in range(max(counts, default=-1) + 1)]


def region_rows(dash: dict, court_name: Callable[[str], str]) -> list[dict]:
    """The largest (debtor region, lender region, court) groups, by name; analytics sorts them by cases."""
    return [{"debtor": r.get("debtor_region_name") or r.get("debtor_region", ""),
             "lender": r.get("lender_region_name") or r.get("lender_region", ""), "court": court_name(r.get("court", "")),
             "cases": f"{r['cases']:,}", "cross": f"{r.get('cross_region_cases', 0):,}",
             "recovered": yuan(r.get("recovered_cents", 0)),
             "rate": pct(r["recovered_cents"] / r["claimed_cents"]) if r.get("claimed_cents") else "-"}
            for r in dash.get("cross_region", [])[:REGION_ROWS]]


def notice_rows(dash: dict) -> list[dict]:
    return [{"status": STATUS_ZH.get(n.get("status"), n.get("status") or ""), "status_en": english(n.get("status") or ""),
             "rule": n.get("rule") or "", "notices": n.get("notices", 0)} for n in dash.get("compliance", {}).get("notices", [])]


def deadline_rows(dash: dict) -> list[dict]:
    return [{"zh": DEADLINE_ZH.get(k, k), "en": english(k) + " overdue", "cases": n}
            for k, n in dash.get("compliance", {}).get("deadlines", {}).items()]


def rejection_rows(dash: dict) -> list[dict]:
    """One figure per reason, all lenders summed, the most frequent first."""
    by_reason: dict[str, int] = {}
    for r in dash.get("rejections", []):
        by_reason[r.get("reason")] = by_reason.get(r.get("reason"), 0) + r.get("rejections", 0)
    return [{"reason": k, "rejections": n} for k, n in sorted(by_reason.items(), key=lambda kv: (-kv[1], str(kv[0])))]


def figures(dash: dict, baseline: float | None, title: str, court_name: Callable[[str], str] = str) -> Figures:
    """``court_name``: a court id (``CT-350502``) → its name, from the directory the caller read."""
    return Figures(title=title, as_of=zh_date(dash.get("now")), headline=headline(dash, baseline),
                   funnel=funnel_rows(dash), recovery=recovery_series(dash), baseline=baseline, cycle=cycle_rows(dash), cycle_weeks=cycle_weeks(dash),
                   regions=region_rows(dash, court_name), regions_total=len(dash.get("cross_region", [])),
                   notices=notice_rows(dash), deadlines=deadline_rows(dash),
                   rejections=rejection_rows(dash))

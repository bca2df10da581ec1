"""The debtor portal's HTML, in Chinese and English, every word from the ``portal`` catalogue
(``remedy/contract/messages/portal.json``), money and days as ``remedy.contract.i18n`` writes them. Pure: a view dict
in, a page out (escaped). No script, no style, and no secret in the page: once signed in, the forms carry only what
the debtor asks for (the session is a cookie, routes/portal.py)."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from html import escape

from remedy.contract import i18n
from remedy.kernel.clock import CHINA_TZ
from services.gateway.validation import CHANNELS, COMPLAINT_CATEGORIES, GROUNDS, HARDSHIP_KINDS

M = i18n.Messages.load("portal")


def t(key: str, lang: str, **values) -> str:
    return M.text(key, lang, **values)


def colon(lang: str) -> str:
    return "：" if lang == "zh" else ": "


def named(prefix: str, code: str, lang: str) -> str:
    """A code's words (``ground.ALREADY_PAID`` → 已经还清), the code itself when the catalogue has none."""
    key = f"{prefix}.{code}"
    return t(key, lang) if key in M.entries else code


def offer_and_plan(view: dict, hidden: str, lang: str) -> str:
    """The mediator's open offer with its accept button, and the plan agreed, if any."""
    out = ""
    if view.get("offer"):
        offer = view["offer"]
        expires = f' ({t("complaint.expires", lang)} {when(offer["expires_at_ms"], lang)})' if offer.get("expires_at_ms") else ""
        out += (f'<h2>{t("page.offer", lang)}</h2><p class="offer">{escape(named("plan", offer["plan"]["kind"], lang), quote=False)}{colon(lang)}'
                f'{money(offer["plan"]["total_cents"], lang)}{expires}</p><form method="post" action="/portal/requests">'
                f'{hidden}<input type="hidden" name="kind" value="ACCEPT_OFFER"><button type="submit">{t("page.accept", lang)}'
                f'</button></form>')
    if view.get("plan"):
        plan = view["plan"]["plan"]
        out += (f'<h2>{t("complaint.agreed", lang)}</h2><p class="plan">{escape(named("plan", plan["kind"], lang), quote=False)}{colon(lang)}'
                f'{money(plan["total_cents"], lang)}</p>')
    return out


def complaints_block(view: dict, hidden: str, lang: str) -> str:
    """The debtor's complaints (department, deadline, status, answer) and the form to make one."""
    c_ = lambda key: t(f"complaint.{key}", lang)  # noqa: E731
    rows = ""
    for c in view.get("complaints") or ():
        answer = c.get("answer")
        said = f'{c_(answer["outcome"])}{colon(lang)}{escape(answer.get("text") or "")}' if answer else ""
        rows += (f'<tr class="complaint"><td>{c_(c["category"])}</td><td>{c_(c["department"])}</td>'
                 f'<td>{when(c["due_at_ms"] - 1, lang)}</td><td class="status">{c_(c["status"])}</td>'
                 f'<td class="answer">{said}</td></tr>')
    listed = (f'<h2>{c_("complaints")}</h2><table><tr><th>{c_("category")}</th><th>{c_("department")}</th>'
              f'<th>{c_("due")}</th><th>{t("page.stage", lang)}</th><th>{c_("answer")}</th></tr>{rows}</table>') if rows else ""
    categories = "".join(f'<option value="{k}">{c_(k)}</option>' for k in COMPLAINT_CATEGORIES)
    return (f'{listed}<h2>{c_("complain")}</h2><form method="post" action="/portal/requests">{hidden}'
            f'<input type="hidden" name="kind" value="COMPLAINT"><label>{c_("category")} <select name="category">'
            f'{categories}</select></label> <label>{t("page.detail", lang)} <textarea name="detail" required></textarea></label>'
            f'<button type="submit">{t("page.submit", lang)}</button></form>')


def credit_line(credit: dict | None, lang: str) -> str:
    """What the portal says about the debtor's credit record ('' while nothing was planned)."""
    if not credit:
        return ""
    text = t(f"credit.{credit['status']}", lang, on=when(credit["on"], lang))
    if credit["status"] == "CORRECTED" and f"credit.{credit.get('reason')}" in M.entries:
        reason = t(f"credit.{credit['reason']}", lang)
        text += f"（{reason}）" if lang == "zh" else f" ({reason})"
    return f'<p>{t("page.credit", lang)}{colon(lang)}<strong class="credit">{escape(text)}</strong></p>'


def lang_of(value: str | None) -> str:
    return "en" if value == "en" else "zh"


def money(fen: int, lang: str) -> str:
    return i18n.money(fen, lang)


def when(ms: int, lang: str) -> str:
    """An instant (epoch ms) as its China-calendar day: 2026年12月4日 / 4 Dec 2026."""
    return i18n.day(datetime.fromtimestamp(ms / 1000, timezone.utc).astimezone(CHINA_TZ).date(), lang)


def page(lang: str, title: str, body: str, path: str = "/portal") -> str:
    """A portal page: ``title`` as heading, ``body``, and the language switch back to ``path``. No script, no style."""
    return (f'<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{title}</title></head><body><h1>{title}</h1>{body}"
            f'<p><a href="{path}?lang={"en" if lang == "zh" else "zh"}">{t("language.switch", lang)}</a></p></body></html>')


def _page(lang: str, body: str) -> str:
    return page(lang, t("page.title", lang), body)


def login(lang: str, message: str = "") -> str:
    note = f'<p class="error">{escape(message)}</p>' if message else ""
    return _page(lang, f'{note}<form method="post" action="/portal/case">{hidden_lang(lang)}'
                       f'<label>{t("page.case_id", lang)} <input name="case_id" required></label> '
                       f'<label>{t("page.code", lang)} <input name="code" required inputmode="numeric"></label> '
                       f'<button type="submit">{t("page.enter", lang)}</button></form>'
                       f'<p><a href="/portal/sign-in-code?lang={lang}">{t("page.code_by_sms", lang)}</a></p>')


def hidden_lang(lang: str) -> str:
    """The form field that keeps the page's language across a post."""
    return f'<input type="hidden" name="lang" value="{lang}">'


def _debt(view: dict, lang: str) -> str:
    fields = (("principal", "principal_cents"), ("interest", "interest_cents"), ("penalty", "penalty_cents"),
              ("total", "total_due_cents"), ("paid", "paid_cents"))
    return "".join(f"<tr><th>{t('page.' + k, lang)}</th><td>{money(view[f], lang)}</td></tr>" for k, f in fields)


def _deadline(view: dict, lang: str) -> str:
    deadline = view.get("next_deadline")
    if not deadline:
        return t("page.none", lang)
    kind = escape(named("deadline", deadline["kind"], lang), quote=False)
    return f'{when(deadline["at_ms"], lang)}（{kind}）' if lang == "zh" else f'{when(deadline["at_ms"], lang)} ({kind})'


def _requests(lang: str, hidden: str) -> str:
    """The forms: an objection, a hardship claim, an opt-out."""
    w = lambda key: t(f"page.{key}", lang)  # noqa: E731
    grounds = "".join(f'<option value="{g}">{named("ground", g, lang)}</option>' for g in GROUNDS)
    kinds = "".join(f'<label><input type="checkbox" name="hardship_kinds" value="{k}">{named("hardship", k, lang)}</label> '
                    for k in HARDSHIP_KINDS)
    channels = "".join(f'<option value="{c}">{named("channel", c, lang)}</option>' for c in CHANNELS)
    form = f'<form method="post" action="/portal/requests">{hidden}'
    return (f'<h2>{w("object")}</h2>{form}<input type="hidden" name="kind" value="OBJECTION">'
            f'<label>{w("ground")} <select name="ground">{grounds}</select></label> <label>{w("detail")} '
            f'<textarea name="detail"></textarea></label><button type="submit">{w("submit")}</button></form>'
            f'<h2>{w("hardship")}</h2>{form}<input type="hidden" name="kind" value="HARDSHIP_CLAIM">'
            f'<fieldset><legend>{w("hardship_kinds")}</legend>{kinds}</fieldset>'
            f'<label>{w("detail")} <textarea name="detail"></textarea></label><button type="submit">{w("submit")}</button></form>'
            f'<h2>{w("opt_out")}</h2>{form}<input type="hidden" name="kind" value="OPT_OUT">'
            f'<label>{w("channel")} <select name="channel">{channels}</select></label><button type="submit">{w("submit")}</button></form>')


def case(view: dict, lang: str) -> str:
    hidden = hidden_lang(lang)
    return _page(lang, (
        f'<p>{t("page.case_id", lang)}{colon(lang)}<code>{escape(view["case_id"])}</code></p>'
        f'<h2>{t("page.debt", lang)}</h2><table>{_debt(view, lang)}</table>'
        f'<p>{t("page.stage", lang)}{colon(lang)}<strong class="stage">{escape(named("stage", view["stage"], lang), quote=False)}</strong></p>'
        f'{credit_line(view.get("credit"), lang)}'
        f'<p>{t("page.deadline", lang)}{colon(lang)}<span class="deadline">{_deadline(view, lang)}</span></p>'
        f'{offer_and_plan(view, hidden, lang)}{_requests(lang, hidden)}{complaints_block(view, hidden, lang)}'
        f'<form method="post" action="/portal/sign-out">{hidden}<button type="submit">{t("page.sign_out", lang)}</button></form>'))


def received(request_id: str, lang: str) -> str:
    return _page(lang, f'<p class="received">{t("page.received", lang)} <code>{escape(request_id)}</code></p>'
                       f'<p><a href="/portal/case?lang={lang}">{t("page.back", lang)}</a></p>')


def message(lang: str, key: str) -> str:
    """The sign-in page with a refusal: ``locked``, ``wrong``, ``limited`` or ``signed_out``."""
    return login(lang, t(f"error.{key}", lang))


# what the request routes answer (services/gateway/validation.py, routes/debtor.py), in the debtor's words
PROBLEMS = ((r"is required when ground is OTHER", "problem.detail_for_other"), (r"is required", "problem.required"),
            (r"must not be empty", "problem.empty"), (r"must be at most (?P<limit>\d+) characters", "problem.too_long"),
            (r"must be one of", "problem.choice"), (r"must be a non-empty list", "problem.pick_one"),
            (r"is not a readable form", "problem.unreadable"))
REFUSALS = (("the case is closed", "refused.closed"), ("there is no open settlement offer", "refused.no_offer"),
            ("the case is on hold", "refused.on_hold"))


def bad_request(lang: str, field: str, problem: str) -> str:
    """A form the gateway refused (a ``BadRequest``'s field and problem), said in the debtor's language."""
    name = re.sub(r"\[\d+\]$", "", field)
    for pattern, key in PROBLEMS:
        found = re.match(pattern, problem)
        if found and f"field.{name}" in M.entries:
            said = t("error.bad", lang, field=t(f"field.{name}", lang), problem=t(key, lang, **found.groupdict()))
            return login(lang, said)
    return login(lang, t("error.bad.other", lang))


def refused(lang: str, error: str) -> str:
    """A request the gateway answered with a refusal (409: the case closed, no open offer, held by an objection)."""
    key = next((k for prefix, k in REFUSALS if error.startswith(prefix)), "error.bad.other")
    return login(lang, t(key, lang))

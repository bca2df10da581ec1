"""The debtor portal's HTML, in Chinese and English. Pure: a view dict in, a page out (escaped). No script, no
style, and no secret in the page: once signed in, the forms carry only what the debtor asks for (the session is
a cookie, routes/portal.py)."""
from __future__ import annotations

from datetime import datetime, timezone
from html import escape

from remedy.kernel.clock import CHINA_TZ
from services.gateway.validation import CHANNELS, COMPLAINT_CATEGORIES, GROUNDS, HARDSHIP_KINDS

WORDS = {
    "zh": {"title": "债务人服务门户", "case_id": "案件号", "code": "验证码（见通知书）", "enter": "查看案件", "debt": "欠款",
           "principal": "本金", "interest": "利息", "penalty": "违约金", "total": "合计", "paid": "已还", "stage": "当前阶段",
           "deadline": "下一期限", "none": "暂无", "object": "提出异议", "ground": "异议理由", "detail": "说明",
           "hardship": "申请困难救助", "accept": "接受调解方案", "offer": "调解员提出的调解方案", "opt_out": "停止以下方式联系我",
           "submit": "提交", "received": "已收到您的申请，编号", "back": "返回", "other_lang": "English",
           "locked": "验证码错误次数过多，请稍后再试。", "wrong": "案件号或验证码不正确（仅最新一份通知书上的验证码有效）。", "limited": "请求过于频繁，请稍后再试。",
           "bad": "请求有误：", "credit": "征信记录", "signed_out": "登录已过期或已退出，请重新输入案件号和验证码。",
           "sign_out": "退出"},
    "en": {"title": "Debtor portal", "case_id": "Case reference", "code": "Verification code (on your notice)",
           "enter": "View my case", "debt": "Debt", "principal": "Principal", "interest": "Interest", "penalty": "Penalty",
           "total": "Total", "paid": "Paid", "stage": "Stage", "deadline": "Next deadline", "none": "none",
           "object": "File an objection", "ground": "Ground", "detail": "Details", "hardship": "Claim hardship",
           "accept": "Accept the settlement offer", "offer": "The mediator's settlement offer", "opt_out": "Stop contacting me by",
           "submit": "Submit", "received": "We received your request, reference", "back": "Back", "other_lang": "中文",
           "locked": "Too many wrong codes: try again later.", "wrong": "Case reference or verification code is wrong (only the code on your latest "
                                                                        "notice works).",
           "limited": "Too many requests: try again later.", "bad": "Your request was not valid: ",
           "credit": "Credit record", "signed_out": "You are signed out (or your session expired): enter your case "
           "reference and code again.", "sign_out": "Sign out"},
}
STAGE_NAMES = {
    "zh": {"OPENED": "已受理", "TRIAGED": "已分流", "PEOPLES_MEDIATION": "人民调解", "COURT_MEDIATION": "法院诉前调解",
           "RELIEF": "困难救助", "CONFIRMATION": "司法确认", "PERFORMING": "履行中", "LITIGATION": "诉讼", "JUDGMENT": "已判决",
           "ENFORCEMENT": "强制执行", "CREDIT_REPAIR": "信用修复", "CLOSED": "已结案", "REJECTED": "不予受理", "ON_HOLD": "暂停（异议处理中）"},
    "en": {"OPENED": "opened", "TRIAGED": "triaged", "PEOPLES_MEDIATION": "people's mediation",
           "COURT_MEDIATION": "court pre-litigation mediation", "RELIEF": "hardship relief", "CONFIRMATION": "judicial confirmation",
           "PERFORMING": "paying by plan", "LITIGATION": "litigation", "JUDGMENT": "judgment", "ENFORCEMENT": "enforcement",
           "CREDIT_REPAIR": "credit repair", "CLOSED": "closed", "REJECTED": "not accepted", "ON_HOLD": "on hold (objection)"},
}

# the credit record's state (model.CREDIT) and why, as the debtor reads it; {on} is a date
CREDIT_WORDS = {
    "zh": {"REPORT_PLANNED": "拟于{on}后报送不良信息（已发出事先告知）", "REPORTED": "已于{on}报送不良信息",
           "REPORT_WITHHELD": "不良信息暂缓报送：事先告知未能送达，待工作人员处理",
           "CORRECTED": "不良记录已于{on}更正，不再展示", "RECORD_EXPIRED": "保存期限（5年）届满",
           "PBOC_ONE_OFF": "适用一次性信用修复政策"},
    "en": {"REPORT_PLANNED": "negative information to be reported after {on} (you were sent a notice)",
           "REPORTED": "negative information reported on {on}",
           "REPORT_WITHHELD": "reporting withheld: the notice could not be delivered; staff will follow up",
           "CORRECTED": "negative record corrected on {on}; no longer shown", "RECORD_EXPIRED": "its 5 years have passed",
           "PBOC_ONE_OFF": "PBOC one-off credit repair"},
}


# complaints: categories, departments, statuses and answers as the debtor reads them
COMPLAINT_WORDS = {
    "zh": {"complain": "投诉", "category": "投诉类别", "complaints": "我的投诉", "department": "受理部门",
           "due": "答复期限", "answer": "答复", "expires": "有效期至", "agreed": "已达成的方案",
           "COLLECTION_CONDUCT": "催收行为", "FEES_AND_CHARGES": "收费与利息", "CONTRACT_TERMS": "合同条款",
           "MEDIATION_PROCESS": "调解过程", "PRIVACY": "个人信息", "OTHER": "其他",
           "FINANCIAL_REGULATOR": "国家金融监督管理总局派出机构", "CONSUMER_ASSOCIATION": "消费者协会",
           "LENDER_COMPLAINT_DESK": "贷款机构投诉部门", "MEDIATION_CENTRE": "调解中心",
           "ROUTED": "已转交，待答复", "OVERDUE": "逾期未答复", "ANSWERED": "已答复",
           "UPHELD": "投诉成立", "PARTLY_UPHELD": "部分成立", "NOT_UPHELD": "投诉不成立", "NOT_COMPETENT": "不属本部门职责"},
    "en": {"complain": "Make a complaint", "category": "About", "complaints": "My complaints", "department": "Handled by",
           "due": "Answer due", "answer": "Answer", "expires": "open until", "agreed": "Agreed plan",
           "COLLECTION_CONDUCT": "collection conduct", "FEES_AND_CHARGES": "fees and interest",
           "CONTRACT_TERMS": "contract terms", "MEDIATION_PROCESS": "the mediation", "PRIVACY": "personal data",
           "OTHER": "other", "FINANCIAL_REGULATOR": "financial regulator's local office (NFRA)",
           "CONSUMER_ASSOCIATION": "consumer association", "LENDER_COMPLAINT_DESK": "the lender's complaint desk",
           "MEDIATION_CENTRE": "the mediation centre", "ROUTED": "sent, awaiting an answer", "OVERDUE": "overdue",
           "ANSWERED": "answered", "UPHELD": "upheld", "PARTLY_UPHELD": "partly upheld", "NOT_UPHELD": "not upheld",
           "NOT_COMPETENT": "not this department's to answer"},
}


def offer_and_plan(view: dict, hidden: str, lang: str) -> str:
    """The mediator's open offer with its accept button, and the plan agreed, if any."""
    w, cw, out = WORDS[lang], COMPLAINT_WORDS[lang], ""
    if view.get("offer"):
        offer = view["offer"]
        out += (f'<h2>{w["offer"]}</h2><p class="offer">{offer["plan"]["kind"]}: {money(offer["plan"]["total_cents"], lang)}'
                + (f' ({cw["expires"]} {when(offer["expires_at_ms"], lang)})' if offer.get("expires_at_ms") else "")
                + f'</p><form method="post" action="/portal/requests">{hidden}'
                  f'<input type="hidden" name="kind" value="ACCEPT_OFFER"><button type="submit">{w["accept"]}</button></form>')
    if view.get("plan"):
        plan = view["plan"]["plan"]
        out += f'<h2>{cw["agreed"]}</h2><p class="plan">{plan["kind"]}: {money(plan["total_cents"], lang)}</p>'
    return out


def complaints_block(view: dict, hidden: str, lang: str) -> str:
    """The debtor's complaints (department, deadline, status, answer) and the form to make one."""
    w, cw = WORDS[lang], COMPLAINT_WORDS[lang]
    rows = ""
    for c in view.get("complaints") or ():
        answer = c.get("answer")
        said = (f'{cw[answer["outcome"]]}: {escape(answer.get("text") or "")}' if answer else "")
        rows += (f'<tr class="complaint"><td>{cw[c["category"]]}</td><td>{cw[c["department"]]}</td>'
                 f'<td>{when(c["due_at_ms"] - 1, lang)}</td><td class="status">{cw[c["status"]]}</td>'
                 f'<td class="answer">{said}</td></tr>')
    listed = (f'<h2>{cw["complaints"]}</h2><table><tr><th>{cw["category"]}</th><th>{cw["department"]}</th>'
              f'<th>{cw["due"]}</th><th>{w["stage"]}</th><th>{cw["answer"]}</th></tr>{rows}</table>') if rows else ""
    categories = "".join(f'<option value="{k}">{cw[k]}</option>' for k in COMPLAINT_CATEGORIES)
    return (f'{listed}<h2>{cw["complain"]}</h2><form method="post" action="/portal/requests">{hidden}'
            f'<input type="hidden" name="kind" value="COMPLAINT"><label>{cw["category"]} <select name="category">'
            f'{categories}</select></label> <label>{w["detail"]} <textarea name="detail" required></textarea></label>'
            f'<button type="submit">{w["submit"]}</button></form>')


def credit_line(credit: dict | None, lang: str) -> str:
    """What the portal says about the debtor's credit record ('' while nothing was planned)."""
    if not credit:
        return ""
    words = CREDIT_WORDS[lang]
    text = words[credit["status"]].format(on=when(credit["on"], lang))
    if credit["status"] == "CORRECTED" and credit.get("reason") in words:
        text += ("（" + words[credit["reason"]] + "）") if lang == "zh" else f" ({words[credit['reason']]})"
    return f'<p>{WORDS[lang]["credit"]}: <strong class="credit">{escape(text)}</strong></p>'


def lang_of(value: str | None) -> str:
    return "en" if value == "en" else "zh"


def money(fen: int, lang: str) -> str:
    yuan, cents = divmod(abs(int(fen)), 100)
    figure = f"{'-' if fen < 0 else ''}{yuan:,}.{cents:02d}"
    return f"{figure}元" if lang == "zh" else f"CNY {figure}"


def when(ms: int, lang: str) -> str:
    local = datetime.fromtimestamp(ms / 1000, timezone.utc).astimezone(CHINA_TZ)
    return f"{local.year}年{local.month}月{local.day}日" if lang == "zh" else f"{local:%d %b %Y}"


def _page(lang: str, body: str) -> str:
    w = WORDS[lang]
    return (f'<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f"<title>{w['title']}</title></head><body><h1>{w['title']}</h1>{body}"
            f'<p><a href="/portal?lang={"en" if lang == "zh" else "zh"}">{w["other_lang"]}</a></p></body></html>')


def login(lang: str, message: str = "") -> str:
    w = WORDS[lang]
    note = f'<p class="error">{escape(message)}</p>' if message else ""
    return _page(lang, f'{note}<form method="post" action="/portal/case"><input type="hidden" name="lang" value="{lang}">'
                       f'<label>{w["case_id"]} <input name="case_id" required></label> '
                       f'<label>{w["code"]} <input name="code" required inputmode="numeric"></label> '
                       f'<button type="submit">{w["enter"]}</button></form>')


def _hidden(lang: str) -> str:
    return f'<input type="hidden" name="lang" value="{lang}">'


def case(view: dict, lang: str) -> str:
    w, hidden = WORDS[lang], _hidden(lang)
    deadline = view.get("next_deadline")
    rows = "".join(f"<tr><th>{w[k]}</th><td>{money(view[k + '_cents' if k != 'total' else 'total_due_cents'], lang)}</td></tr>"
                   for k in ("principal", "interest", "penalty", "total", "paid"))
    grounds = "".join(f'<option value="{g}">{g}</option>' for g in GROUNDS)
    kinds = "".join(f'<label><input type="checkbox" name="hardship_kinds" value="{k}">{k}</label> ' for k in HARDSHIP_KINDS)
    channels = "".join(f'<option value="{c}">{c}</option>' for c in CHANNELS)
    offer = offer_and_plan(view, hidden, lang)
    form = '<form method="post" action="/portal/requests">'
    return _page(lang, (
        f'<p>{w["case_id"]}: <code>{escape(view["case_id"])}</code></p>'
        f'<h2>{w["debt"]}</h2><table>{rows}</table>'
        f'<p>{w["stage"]}: <strong class="stage">{STAGE_NAMES[lang].get(view["stage"], view["stage"])}</strong></p>'
        f'{credit_line(view.get("credit"), lang)}'
        f'<p>{w["deadline"]}: <span class="deadline">{when(deadline["at_ms"], lang) + " (" + deadline["kind"] + ")" if deadline else w["none"]}</span></p>'
        f'{offer}<h2>{w["object"]}</h2>{form}{hidden}<input type="hidden" name="kind" value="OBJECTION">'
        f'<label>{w["ground"]} <select name="ground">{grounds}</select></label> <label>{w["detail"]} <textarea name="detail"></textarea></label>'
        f'<button type="submit">{w["submit"]}</button></form>'
        f'<h2>{w["hardship"]}</h2>{form}{hidden}<input type="hidden" name="kind" value="HARDSHIP_CLAIM">{kinds}'
        f'<label>{w["detail"]} <textarea name="detail"></textarea></label><button type="submit">{w["submit"]}</button></form>'
        f'<h2>{w["opt_out"]}</h2>{form}{hidden}<input type="hidden" name="kind" value="OPT_OUT">'
        f'<select name="channel">{channels}</select><button type="submit">{w["submit"]}</button></form>'
        f'{complaints_block(view, hidden, lang)}'
        f'<form method="post" action="/portal/sign-out">{hidden}<button type="submit">{w["sign_out"]}</button></form>'))


def received(request_id: str, lang: str) -> str:
    w = WORDS[lang]
    return _page(lang, f'<p class="received">{w["received"]} <code>{escape(request_id)}</code></p>'
                       f'<p><a href="/portal/case?lang={lang}">{w["back"]}</a></p>')


def message(lang: str, key: str, extra: str = "") -> str:
    return login(lang, WORDS[lang][key] + extra)

"""The portal's page for a one-time sign-in code by SMS: the form that asks for one (also shown to a client locked
out by wrong codes, with why) and the answer. Pure; words from the catalogue (``sign_in_codes``), escaped; no
script, no style, no secret in the page."""
from __future__ import annotations

from html import escape

from remedy.contract.i18n import Messages, language
from services.gateway.portal_page import hidden_lang, page

WORDS = Messages.load("sign_in_codes")


def _page(lang: str, body: str) -> str:
    return page(lang, WORDS.text("title", lang), body, "/portal/sign-in-code")


def form(lang: str, case_id: str = "", *, locked: bool = False, note: str = "") -> str:
    lang = language(lang)
    w = WORDS.table(lang)
    why = f'<p class="error">{escape(w["locked"])}</p>' if locked else ""
    note = f'<p class="error">{escape(note)}</p>' if note else ""
    return _page(lang, f'{why}{note}<h2>{w["ask"]}</h2><p>{w["intro"]}</p>'
                       f'<form method="post" action="/portal/sign-in-code">{hidden_lang(lang)}'
                       f'<label>{w["case_id"]} <input name="case_id" required value="{escape(case_id[:64])}"></label> '
                       f'<button type="submit">{w["send"]}</button></form>'
                       f'<p><a href="/portal?lang={lang}">{w["sign_in"]}</a></p>')


def sent(lang: str, minutes: int) -> str:
    lang = language(lang)
    w = WORDS.table(lang)
    return _page(lang, f'<p>{escape(WORDS.text("sent", lang, minutes=minutes))}</p>'
                       f'<p><a href="/portal?lang={lang}">{w["sign_in"]}</a></p>')

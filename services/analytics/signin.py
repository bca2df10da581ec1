"""The dashboard's sign-in: a form for the token, then a sealed cookie naming the token's hash
(remedy/kernel/sessions.py), signed, expiring, ``HttpOnly``, ``SameSite=Strict``, ``Secure`` outside dev mode."""
from __future__ import annotations

import hmac
from datetime import datetime, timezone
from html import escape

from aiohttp import web

from remedy.kernel.clock import Clock
from remedy.kernel.sessions import seal, unseal
from services.analytics.access import Scope, Unauthorized, token_hash
from services.analytics.page import chosen_language, words

COOKIE = "remedy_dashboard"
LOGIN = ('<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
         '<meta name="viewport" content="width=device-width, initial-scale=1">'
         '<link rel="stylesheet" href="/static/dashboard.css"></head><body class="login"><h1>{title}</h1>{failed}'
         '<form method="post" action="/login"><label>{token} <input name="token" type="password" '
         'required autocomplete="off"></label> <button type="submit">{submit}</button></form>'
         '<p><a href="/login?lang={other}">{switch}</a></p></body></html>')


class BadForm(Exception):
    """The sign-in form could not be read (HTTP 400)."""


class Sessions:
    """The dashboard's sign-in: a sealed cookie naming the token's hash (remedy/kernel/sessions.py)."""

    def __init__(self, key: bytes, *, dev: bool, minutes: int = 480, clock: Clock | None = None):
        self.key, self.dev, self.minutes, self.clock = key, dev, minutes, clock

    def now(self) -> float:
        return self.clock.now().timestamp() if self.clock is not None else datetime.now(timezone.utc).timestamp()

    def session(self, request: web.Request) -> str | None:
        return unseal(self.key, request.cookies.get(COOKIE), self.now())

    def signed_in(self, token: str, to: str = "/") -> web.Response:
        response = web.Response(status=303, headers={"Location": to})
        response.set_cookie(COOKIE, seal(self.key, token_hash(token), int(self.now()) + self.minutes * 60),
                            max_age=self.minutes * 60, path="/", httponly=True, samesite="Strict", secure=not self.dev)
        return response

    async def login_page(self, request: web.Request) -> web.StreamResponse:
        lang = chosen_language(request)
        w = {k: escape(v) for k, v in words(lang).items()}
        failed = f'<p class="error">{w["login.failed"]}</p>' if request.query.get("failed") else ""
        html = LOGIN.format(lang="zh-CN" if lang == "zh" else "en", title=w["login.title"], failed=failed,
                            token=w["login.token"], submit=w["login.submit"], other="en" if lang == "zh" else "zh",
                            switch=w["language.switch"])
        return web.Response(text=html, content_type="text/html", charset="utf-8")

    async def sign_in(self, request: web.Request, scopes: dict[str, Scope]) -> web.StreamResponse:
        try:
            token = str((await request.post()).get("token", ""))
        except ValueError:
            raise BadForm("body: not a readable form") from None
        if token and any(hmac_equal(token, known) for known in scopes):
            return self.signed_in(token)
        return web.Response(status=303, headers={"Location": "/login?failed=1"})

    def token_in_url(self, request: web.Request, scopes: dict[str, Scope]) -> web.Response:
        """``GET /?token=…``: in dev mode, sign in and reload without it; otherwise refused."""
        if not self.dev:
            raise Unauthorized("a token in the URL is refused: sign in at /login (or send Authorization: Bearer)")
        token = request.query["token"]
        if not any(hmac_equal(token, known) for known in scopes):
            raise Unauthorized("unknown token")
        rest = "&".join(f"{k}={v}" for k, v in request.query.items() if k != "token")
        return self.signed_in(token, "/" + ("?" + rest if rest else ""))


def hmac_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())



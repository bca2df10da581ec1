"""The dashboard page in the user's language, its words, and the charting library it draws with.

- The language: ``?lang=zh|en`` (remembered in a cookie), else that cookie, else ``Accept-Language``; Chinese first.
- The page: ``static/index.html`` with ``{{key}}`` filled from the ``dashboard`` catalogue
  (remedy/contract/messages/dashboard.json) and the whole catalogue in the language embedded as a JSON data block
  (a ``<script type="application/json">``, which the browser never runs: the CSP forbids inline script).
- Plotly: ``plotly.min.js`` from the installed ``plotly`` package (never a CDN), and the stylesheet Plotly would
  otherwise inject at run time, read out of that same file (``plotly_css``), both cached for a year under a URL
  that names the version.
- The traditional-collection baseline: ``run.json`` as ``remedy run`` writes it when it reports, in the data
  directory or the one above it (the stack's, of which analytics' is a subdirectory).
"""
from __future__ import annotations

import ast
import hashlib
import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from aiohttp import web

from remedy.contract.i18n import Messages, from_accept_language, language

STATIC = Path(__file__).parent / "static"
LANG_COOKIE = "remedy_lang"
YEAR = 365 * 86400
# The page's own styles are files; Plotly sets style attributes on what it draws, so the page allows inline style
# (never inline script: script-src stays 'self').
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def chosen_language(request: web.Request) -> str:
    asked = request.query.get("lang") or request.cookies.get(LANG_COOKIE)
    return language(asked) if asked else from_accept_language(request.headers.get("Accept-Language"))


def words(lang: str) -> dict[str, str]:
    return Messages.load("dashboard").table(lang)


def text(request: web.Request, key: str, **values) -> str:
    return Messages.load("dashboard").text(key, chosen_language(request), **values)


@lru_cache(maxsize=1)
def plotly_js() -> Path:
    return Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))


@lru_cache(maxsize=1)
def plotly_version() -> str:
    head = plotly_js().read_text(encoding="utf-8")[:400]
    found = re.search(r"plotly\.js v([\w.\-]+)", head)
    return found.group(1) if found else "0"


@lru_cache(maxsize=1)
def plotly_css() -> str:
    """The rules Plotly adds with a ``<style>`` element when none with ``class="no-inline-styles"`` is on the page:
    the object of ``selector: declarations`` its bundle holds (``X`` is ``.js-plotly-plot .plotly``, ``Y`` the
    notifier), read out of the installed file."""
    js = plotly_js().read_text(encoding="utf-8")
    block = re.search(r'=(\{"X[^{}]*\})\s*;\s*for\(\w+ in \w+\)', js)
    if block is None:
        return ""
    string = r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\''
    rules = []
    for selector, body in re.findall(rf"({string})\s*:\s*({string})", block.group(1)):
        selector = re.sub(r"^,", " ,", ast.literal_eval(selector))
        selector = selector.replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        rules.append(f"{selector}{{{ast.literal_eval(body)}}}")
    return "\n".join(rules) + "\n"


async def plotly_script(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(plotly_js(), headers={"Cache-Control": f"public, max-age={YEAR}, immutable",
                                                  "Content-Type": "text/javascript; charset=utf-8"})


async def plotly_stylesheet(request: web.Request) -> web.StreamResponse:
    return web.Response(text=plotly_css(), content_type="text/css", charset="utf-8",
                        headers={"Cache-Control": f"public, max-age={YEAR}, immutable"})


@lru_cache(maxsize=1)
def assets_version() -> str:
    """A digest of the page's own scripts and stylesheet, in their URLs: a browser never runs an old copy."""
    digest = hashlib.sha256()
    for name in ("words.js", "dashboard.js", "dashboard.css"):
        digest.update((STATIC / name).read_bytes())
    return digest.hexdigest()[:12]


@lru_cache(maxsize=2)
def render(lang: str) -> str:
    table = words(lang)
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    data = json.dumps(table, ensure_ascii=False).replace("<", "\\u003c")
    html = html.replace("{{lang}}", "zh-CN" if lang == "zh" else "en").replace("{{messages}}", data)
    html = html.replace("{{plotly}}", plotly_version()).replace("{{assets}}", assets_version())
    return re.sub(r"\{\{([\w.]+)\}\}", lambda m: table[m.group(1)], html)


async def page(request: web.Request) -> web.StreamResponse:
    lang = chosen_language(request)
    response = web.Response(text=render(lang), content_type="text/html", charset="utf-8",
                            headers={"Content-Security-Policy": PAGE_CSP, "Content-Language": lang})
    if request.query.get("lang"):
        response.set_cookie(LANG_COOKIE, lang, max_age=YEAR, path="/", samesite="Strict")
    return response


async def messages(request: web.Request) -> web.StreamResponse:
    return web.json_response(words(chosen_language(request)))


def baseline(data_dir: str | Path | None) -> float | None:
    """The traditional-collection recovery rate of the last ``remedy run``, if one reported."""
    if data_dir is None:
        return None
    for folder in (Path(data_dir), Path(data_dir).parent):
        try:
            return float(json.loads((folder / "run.json").read_text(encoding="utf-8"))["baseline_recovery"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None

"""The operator dashboard in headless Chromium (DevTools protocol), over a synthetic world in embedded ClickHouse
(tests/dashboard_server.py): in Chinese and in English, at a desktop and a phone width, every panel shows what
ClickHouse holds (read with direct SQL over the raw tables), no text leaves its panel, nothing is logged as an
error in the console; each panel's screenshot is kept under artifacts/dashboard/. A region or lender that names
nothing is a 404 with a message in the user's language, on the API and on the page."""
from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from remedy.kernel.settings import REPO_ROOT
from remedy.runtime.broker import free_port
from services.analytics.panels import city_name
from tests.cdp import Browser, chromium

pytestmark = pytest.mark.skipif(chromium() is None, reason="headless Chromium not installed (Debian package `chromium`)")
SHOTS = REPO_ROOT / "artifacts" / "dashboard"
PANELS = ("summary", "funnel", "recovery", "cycle", "cycle_weeks", "queue", "mediators", "cross", "deadlines", "backlog",
          "notices", "rejections")
# What the page drew: the tiles' values, each chart's figure, the catalogue it spoke with, and every text and every
# chart that reaches outside its panel (or the page outside the window).
READ = """(() => {
  const out = {tiles: {}, charts: {}, words: WORDS, overflow: [], lang: document.documentElement.lang};
  for (const t of document.querySelectorAll(".tile")) out.tiles[t.dataset.key] = t.dataset.value;
  for (const c of document.querySelectorAll(".chart")) out.charts[c.id.slice(6)] = JSON.parse(c.dataset.figure || "null");
  for (const card of document.querySelectorAll(".card, .tile, header")) {
    const box = card.getBoundingClientRect();
    const texts = [...card.querySelectorAll("*")].filter((el) => el.matches("svg.main-svg, canvas, input, select, button")
      || (el.childElementCount === 0 && el.textContent.trim()));
    for (const el of texts) {
      const r = el.getBoundingClientRect();
      if (r.width && r.height && (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1))
        out.overflow.push((card.dataset.panel || card.className) + ": <" + el.tagName + "> " + (el.textContent || "").slice(0, 40));
    }
  }
  if (document.documentElement.scrollWidth > innerWidth) out.overflow.push("page: " + document.documentElement.scrollWidth);
  return out;
})()"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder, port = tmp_path_factory.mktemp("dashboard"), free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tests.dashboard_server", str(port), str(folder), "2000"],
                            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "ready", proc.stderr.read()[-3000:]
        yield {"url": f"http://127.0.0.1:{port}", "folder": folder,
               **json.loads((folder / "expected.json").read_text(encoding="utf-8"))}
    finally:
        proc.terminate()   # embedded ClickHouse can hold SIGTERM back (it handles the signal itself): then SIGKILL
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def api(world, path: str, token: str = "ops-tok", headers: dict | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(world["url"] + path, headers={"Authorization": f"Bearer {token}", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def test_an_unknown_region_or_lender_is_a_404_in_the_users_language(world):
    assert api(world, "/api/dashboard?region=9999") == (404, {"error": "未知地区：9999（应为 GB/T 2260 行政区划代码或其前 2、4 位）"})
    status, body = api(world, "/api/funnel?region=35x", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert status == 404 and body["error"].startswith("Unknown region: 35x")
    assert api(world, "/api/dashboard?lender=LENDER-99") == (404, {"error": "未知出借机构：LENDER-99"})
    assert api(world, "/api/summary?lender=LENDER-99&lang=en") == (404, {"error": "Unknown lender: LENDER-99"})
    status, body = api(world, "/api/dashboard?region=35")
    assert status == 200 and 0 < body["summary"]["cases"] < world["all"]["summary"]["cases"], "a province prefix filters"
    assert api(world, "/api/summary?lender=LENDER-02", token="a-tok")[0] == 403, "a lender token sees only its own"
    status, words = api(world, "/api/messages?lang=en")
    assert status == 200 and words["panel.queue"].startswith("Live mediation queue")


def names(words: dict, prefix: str, keys) -> dict:
    return {words.get(f"{prefix}.{k}", k): k for k in keys}


def check_figures(seen: dict, want: dict) -> None:
    """Every panel's figures against the direct queries' (want: expected.json for everyone or one lender)."""
    tiles, charts, words = seen["tiles"], seen["charts"], seen["words"]
    lang = "zh" if seen["lang"] == "zh-CN" else "en"
    for key, field in (("cases", "cases"), ("open", "open"), ("closed", "closed"), ("claimed", "claimed_cents"),
                       ("recovered", "recovered_cents")):
        assert int(tiles[key]) == want["summary"][field], key
    assert int(tiles["waiting"]) == sum(want["waiting"].values())
    (funnel,) = charts["funnel"]
    assert dict(zip(funnel["customdata"], funnel["x"])) == {s: n for s, n in want["entered"].items() if s not in ("ON_HOLD", "REJECTED")}
    assert funnel["y"][0] == words["stage.OPENED"]
    line, _, baseline = charts["recovery"]
    s = want["summary"]
    assert line["y"][-1] == pytest.approx(s["recovered_cents"] / s["claimed_cents"]) and baseline["y"] == [0.25, 0.25]
    (box,) = charts["cycle"]
    route = names(words, "stage", want["closed_by_route"])
    assert {route[x]: n for x, n in zip(box["x"], box["customdata"])} == want["closed_by_route"]
    assert {route[t["name"]]: sum(t["y"]) for t in charts["cycle_weeks"]} == want["closed_by_route"]
    tier = names(words, "tier", ("PEOPLES", "COURT"))
    assert {tier[t["name"]]: sum(t["y"]) for t in charts["queue"]} == want["waiting"]
    settled, failed, active, _rate = charts["mediators"]
    for i, label in enumerate(settled["y"]):
        mediator, tier_name = label.split(" · ")
        assert settled["x"][i] + failed["x"][i] + active["x"][i] == want["assigned"][f"{mediator}|{tier[tier_name]}"], label
    (heat,) = charts["cross"]
    for i, debtor in enumerate(heat["y"]):
        for j, lender in enumerate(heat["x"]):
            codes = [k for k in want["matrix"] if city_name(k.split("|")[0], lang) == debtor and city_name(k.split("|")[1], lang) == lender]
            assert heat["z"][i][j] == sum(want["matrix"][k] for k in codes), (debtor, lender)
    for panel, key in (("deadlines", "deadlines"), ("backlog", "backlog"), ("notices", "notices")):
        (bars,) = charts[panel]
        assert dict(zip(bars["customdata"], bars["x"])) == want[key], panel
    shown = {f"{t['name']}|{reason}": n for t in charts["rejections"] for reason, n in zip(t["customdata"], t["x"]) if n}
    assert shown == want["rejections"]


async def look(world, tmp_path, lang: str, width: int, query: str = "") -> tuple[dict, list[str]]:
    async with Browser(tmp_path / f"profile-{lang}-{width}") as b:
        await b.open(f"{world['url']}/?token=ops-tok&lang={lang}{query}", width)
        assert await b.evaluate("document.body.dataset.state") == "ready", await b.evaluate("document.getElementById('status').textContent")
        seen = await b.evaluate(READ)
        seen["status"] = await b.evaluate("document.getElementById('status').textContent")
        if not query:
            SHOTS.mkdir(parents=True, exist_ok=True)
            await b.screenshot(SHOTS / f"page-{lang}-{width}.png")
            for panel in PANELS:
                await b.screenshot(SHOTS / f"{panel}-{lang}-{width}.png", f"[data-panel={panel}]")
        return seen, b.errors


@pytest.mark.parametrize("lang, width", [("zh", 1280), ("zh", 390), ("en", 1280), ("en", 390)])
def test_every_panel_shows_what_clickhouse_holds_fits_and_logs_no_error(world, tmp_path, lang, width):
    seen, errors = asyncio.run(look(world, tmp_path, lang, width))
    assert seen["lang"] == ("zh-CN" if lang == "zh" else "en")
    check_figures(seen, world["all"])
    if lang == "en":   # region names too: no Chinese left in the heat map
        assert not any("\u4e00" <= ch <= "\u9fff" for name in seen["charts"]["cross"][0]["y"] for ch in name)
    assert seen["overflow"] == [], seen["overflow"][:10]
    assert errors == []
    assert re.search(r"图表汇总于 \d+ (秒|分钟)前" if lang == "zh" else r"figures computed \d+ (s|min) ago", seen["status"]), \
        "how long ago the figures were computed"
    for panel in PANELS:
        assert (SHOTS / f"{panel}-{lang}-{width}.png").stat().st_size > 2_000, panel


def test_the_lender_filter_shows_that_lenders_figures(world, tmp_path):
    lender, want = next(iter(world["lenders"].items()))
    seen, errors = asyncio.run(look(world, tmp_path, "zh", 1280, f"&lender={lender}"))
    check_figures(seen, want)
    assert want["summary"]["cases"] < world["all"]["summary"]["cases"] and errors == []


def test_the_page_says_when_a_region_names_nothing(world, tmp_path):
    async def run():
        async with Browser(tmp_path / "profile-bad") as b:
            await b.open(f"{world['url']}/?token=ops-tok&lang=zh&region=999999", 1280)
            return (await b.evaluate("[document.body.dataset.state, document.body.dataset.status, "
                                     "document.getElementById('status').textContent]"))
    state, status, text = asyncio.run(run())
    assert (state, status) == ("error", "404") and "未知地区：999999" in text

"""Headless Chromium driven over the DevTools protocol (aiohttp's WebSocket client; no other library): open a page
at a given width, wait for it, evaluate JavaScript, take screenshots, and collect every console error, uncaught
exception and browser log error (a CSP violation among them) the page produced."""
from __future__ import annotations

import asyncio
import base64
import itertools
import json
import shutil
import subprocess
import time
from pathlib import Path

import aiohttp


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


class Browser:
    """One headless Chromium with one tab. ``async with Browser(profile_dir) as b: await b.open(url, 1280)``."""

    def __init__(self, profile: Path):
        self.profile, self.proc, self.http, self.ws = profile, None, None, None
        self.ids, self.waiting, self.errors = itertools.count(1), {}, []
        self.reader: asyncio.Task | None = None

    async def __aenter__(self) -> "Browser":
        (self.profile / "DevToolsActivePort").unlink(missing_ok=True)   # a profile used before names a dead port
        self.proc = subprocess.Popen([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                      "--disable-background-networking", "--disable-component-update", "--disable-sync",
                                      "--remote-debugging-port=0", f"--user-data-dir={self.profile}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file, deadline = self.profile / "DevToolsActivePort", time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("Chromium did not open its DevTools port")
            await asyncio.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        self.http = aiohttp.ClientSession()
        async with self.http.get(f"http://127.0.0.1:{port}/json/list") as res:
            page = next(t for t in await res.json() if t["type"] == "page")
        self.ws = await self.http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0)
        self.reader = asyncio.create_task(self._read())
        for domain in ("Page", "Runtime", "Log"):
            await self.send(f"{domain}.enable")
        return self

    async def __aexit__(self, *exc) -> None:
        if self.reader:
            self.reader.cancel()
        if self.ws:
            await self.ws.close()
        if self.http:
            await self.http.close()
        if self.proc:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    async def _read(self) -> None:
        async for msg in self.ws:
            data = json.loads(msg.data)
            if "id" in data and data["id"] in self.waiting:
                self.waiting.pop(data["id"]).set_result(data)
            elif data.get("method") == "Runtime.consoleAPICalled" and data["params"]["type"] in ("error", "assert"):
                self.errors.append("console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in data["params"]["args"]))
            elif data.get("method") == "Runtime.exceptionThrown":
                self.errors.append("exception: " + json.dumps(data["params"]["exceptionDetails"])[:500])
            elif data.get("method") == "Log.entryAdded" and data["params"]["entry"]["level"] == "error":
                entry = data["params"]["entry"]
                self.errors.append(f"log: {entry.get('text')} ({entry.get('url', '')})")

    async def send(self, method: str, **params) -> dict:
        n = next(self.ids)
        self.waiting[n] = asyncio.get_running_loop().create_future()
        await self.ws.send_str(json.dumps({"id": n, "method": method, "params": params}))
        answer = await asyncio.wait_for(self.waiting[n], 60)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    async def evaluate(self, expression: str):
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def open(self, url: str, width: int, height: int = 900, until: str = "document.body.dataset.state !== 'loading'",
                   timeout: float = 60) -> None:
        """Load ``url`` at ``width`` CSS pixels (a phone's 390 too) and wait until ``until`` holds."""
        await self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                        mobile=width < 500)
        await self.send("Page.navigate", url=url)
        deadline = time.monotonic() + timeout
        await asyncio.sleep(0.3)
        while True:
            try:
                if await self.evaluate(f"document.readyState === 'complete' && ({until})"):
                    return
            except RuntimeError:
                pass   # between documents
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} at {width}px: {until} never held")
            await asyncio.sleep(0.2)

    async def screenshot(self, path: Path, selector: str | None = None) -> None:
        """The page, or the element ``selector`` names, as a PNG (the window is first made as tall as the page, so
        that what is captured is laid out as it is seen, not stretched by the capture)."""
        width, height = await self.evaluate("[innerWidth, innerHeight]")
        full = await self.evaluate("Math.ceil(document.documentElement.scrollHeight)")
        if full > height:
            await self.send("Emulation.setDeviceMetricsOverride", width=width, height=full, deviceScaleFactor=1,
                            mobile=width < 500)
            await asyncio.sleep(0.5)
        params: dict = {"format": "png"}
        if selector:
            box = await self.evaluate(f"(() => {{ const r = document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
                                      " return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height}; })()")
            params["clip"] = {**box, "scale": 1}
        shot = await self.send("Page.captureScreenshot", **params)
        path.write_bytes(base64.b64decode(shot["data"]))

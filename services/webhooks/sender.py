"""One attempt over HTTP: POST the delivery's body, signed, and say how the receiver answered.

The answer's body is never read beyond the status line; redirects are not followed (a 3xx rejects the
delivery: a subscription's URL must be the final one). A connection error or a timeout answers None.
"""
from __future__ import annotations

import asyncio

import aiohttp

from services.webhooks import signing

USER_AGENT = "Remedy-Webhooks/1"


class Sender:
    """An aiohttp session, made at the first attempt (no client at import time)."""

    def __init__(self, timeout_seconds: float, connections: int):
        self.timeout, self.connections = aiohttp.ClientTimeout(total=timeout_seconds), connections
        self.session: aiohttp.ClientSession | None = None

    async def post(self, url: str, secret: bytes, d: dict, now_s: int) -> tuple[int | None, str]:
        """(HTTP status or None, why it failed or "")."""
        if self.session is None:
            self.session = aiohttp.ClientSession(timeout=self.timeout,
                                                 connector=aiohttp.TCPConnector(limit=self.connections))
        body = d["body"].encode()
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
                   "Remedy-Event-Id": d["event_id"], "Remedy-Delivery-Id": d["delivery_id"],
                   "Remedy-Signature": signing.header(secret, now_s, body)}
        try:
            async with self.session.post(url, data=body, headers=headers, allow_redirects=False) as answer:
                return answer.status, "" if 200 <= answer.status < 300 else f"HTTP {answer.status}"
        except asyncio.TimeoutError:
            return None, "timeout"
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            return None, f"{type(exc).__name__}: {str(exc)[:200]}"

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()

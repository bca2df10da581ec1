"""``python -m services.gateway``: the HTTP gateway on REMEDY_GATEWAY_PORT."""
from __future__ import annotations

import asyncio
import logging
import os
import signal
from pathlib import Path

from aiohttp import web

from remedy.kernel.clock import clock_from_settings
from remedy.contract.codec import Codec
from remedy.runtime.metrics import ServiceMetrics
from remedy.kernel.settings import Settings
from services.gateway.app import SERVICE, Gateway, build_app
from services.gateway.kafka import Replayer, start_producer
from services.gateway.keys import Keys, dev_keys
from services.gateway.projection import Projection
from services.gateway.settings import GatewaySettings
from services.gateway.store import Store, StoreInUse

log = logging.getLogger("remedy.gateway")
DEV_PRINCIPALS = [("lender", "LENDER-QZ01"), ("mediator", "PM-3505-01"), ("mediator", "PM-3505-02"),
                  ("payer", "PSP-DEV"), ("court", "CT-350502")]


def load_keys(settings: Settings, gateway: GatewaySettings) -> Keys:
    path = Path(gateway.keys or Path(settings.data_dir) / "gateway" / "keys.json")
    if not path.exists():
        text, plain = dev_keys(DEV_PRINCIPALS)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.chmod(path, 0o600)
        secrets = path.with_name("dev-keys.txt")
        secrets.write_text("".join(f"{who} {key}\n" for who, key in plain.items()))
        os.chmod(secrets, 0o600)
        log.warning("no keys file: generated dev keys at %s (plaintext in %s)", path, secrets)
    return Keys.parse(path.read_text())


def open_read_model(settings: Settings, gateway: GatewaySettings) -> Projection:
    path = Path(gateway.read_model_dir or Path(settings.data_dir) / "gateway" / "read-model")
    try:
        return Projection(Store(path))
    except StoreInUse as exc:
        raise SystemExit(f"gateway: {exc}") from None


async def main() -> None:
    settings, gateway = Settings.from_env(), GatewaySettings.from_env()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    codec, metrics = Codec(settings.schemas_dir), ServiceMetrics(SERVICE)
    projection = open_read_model(settings, gateway)
    keys = load_keys(settings, gateway)
    producer = await start_producer(settings.kafka_bootstrap)
    replayer = Replayer(settings.kafka_bootstrap, codec, projection, metrics)
    await replayer.start()
    reading = asyncio.create_task(replayer.run())
    reading.add_done_callback(lambda t: t.cancelled() or t.exception() is None
                              or log.error("the read model stopped: %r", t.exception()))
    gw = Gateway(settings, gateway, clock_from_settings(settings), codec, keys, projection, producer, metrics)
    gw.reader = replayer
    runner = web.AppRunner(build_app(gw), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", gateway.port).start()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    log.warning("Worker ready: gateway on http://127.0.0.1:%d", gateway.port)
    await stop.wait()
    reading.cancel()
    await runner.cleanup()
    await replayer.stop()
    await producer.stop()
    projection.close()


if __name__ == "__main__":
    asyncio.run(main())

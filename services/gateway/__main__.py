"""``python -m services.gateway``: the HTTP gateway on REMEDY_GATEWAY_PORT."""
from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

from aiohttp import web

from remedy.kernel.clock import clock_from_settings
from remedy.contract.codec import Codec
from remedy.runtime.metrics import ServiceMetrics
from remedy.kernel.settings import Settings
from remedy.runtime.clients import aiokafka_security
from remedy.runtime.signed import Verifier, party_keys
from services.gateway.app import SERVICE, Gateway, build_app
from services.gateway.core import gateway_key
from services.gateway.guard_feed import GuardFeed
from services.gateway.kafka import Replayer, start_producer
from remedy.runtime.startup import refuse_development_secrets
from remedy.runtime import logs
from services.gateway.keys import DEV_PRINCIPALS, Keys, dev_keys_problem, load_or_create, shared_keys_path
from services.gateway.projection import Projection
from services.gateway.settings import GatewaySettings
from services.gateway.store import Store, StoreInUse

log = logging.getLogger("remedy.gateway")


def keys_path(settings: Settings, gateway: GatewaySettings) -> Path:
    return Path(gateway.keys) if gateway.keys else shared_keys_path(settings.data_dir)


def load_keys(settings: Settings, gateway: GatewaySettings) -> Keys:
    """The keys file every instance shares (``REMEDY_GATEWAY_KEYS``, else the data dir's): dev keys are
    generated there when it is absent, once for all the instances that start together (dev mode only: see main)."""
    path = keys_path(settings, gateway)
    keys, made = load_or_create(path, DEV_PRINCIPALS)
    if made is not None:
        log.warning("no keys file: generated dev keys at %s (plaintext in %s)", path, made)
    return keys


def open_read_model(settings: Settings, gateway: GatewaySettings) -> Projection:
    path = Path(gateway.read_model_dir or Path(settings.data_dir) / "gateway" / "read-model")
    try:
        return Projection(Store(path))
    except StoreInUse as exc:
        raise SystemExit(f"gateway: {exc}") from None


async def main() -> None:
    settings, gateway = Settings.from_env(), GatewaySettings.from_env()
    keys_problem = dev_keys_problem(gateway.keys, keys_path(settings, gateway))
    refuse_development_secrets(settings, gateway, problems=(keys_problem,) if keys_problem else ())
    logs.configure(settings.log_level, settings.log_format, "gateway")
    codec, metrics = Codec(settings.schemas_dir), ServiceMetrics(SERVICE)
    projection = open_read_model(settings, gateway)
    keys = load_keys(settings, gateway)
    security = aiokafka_security(settings)
    signer = gateway_key(settings, gateway)  # before anything starts: outside dev, no key file is no start
    producer = await start_producer(settings.kafka_bootstrap, settings.producer_compression, security=security)
    clock = clock_from_settings(settings)
    verifier = Verifier(party_keys(settings), codec, clock, metrics)
    replayer = Replayer(settings.kafka_bootstrap, codec, projection, metrics, security, verifier)
    await replayer.start()
    reading = asyncio.create_task(replayer.run())
    reading.add_done_callback(lambda t: t.cancelled() or t.exception() is None
                              or log.error("the read model stopped: %r", t.exception()))
    gw = Gateway(settings, gateway, clock, codec, keys, projection, producer, metrics, signer)
    gw.reader, gw.reading = replayer, reading
    lookback = max(gateway.portal_lock_minutes * 60, gateway.replay_window_seconds, 3600, gateway.portal_sms_code_minutes * 60)
    gw.feed = GuardFeed(settings.kafka_bootstrap, gw.shared, producer, clock, metrics, lookback, security)
    await gw.feed.start()   # what the other instances counted, before this one answers
    runner = web.AppRunner(build_app(gw), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, gateway.host, gateway.port).start()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    log.warning("Worker ready: gateway on http://%s:%d", gateway.host, gateway.port)
    await stop.wait()
    reading.cancel()
    await runner.cleanup()
    await gw.feed.stop()
    await replayer.stop()
    await producer.stop()
    projection.close()


if __name__ == "__main__":
    asyncio.run(main())

"""analytics' wiring: ClickHouse schema → sink → dashboard → gauges. ``python -m services.analytics``.

Not a faust worker (see ``sink.py`` for why); it prints the same "Worker ready" line once it is
consuming and serving, so ``remedy.ops.procs`` starts and waits for it like every other service.
"""
from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web

from remedy.kernel.clock import Clock, clock_from_settings
from remedy.contract.codec import Codec
from remedy.kernel.sessions import derive_key
from remedy.kernel.settings import Settings
from remedy.runtime.startup import refuse_development_secrets
from remedy.runtime import logs
from services.analytics import queries
from services.analytics.access import parse_tokens
from services.analytics.compaction import LAST_FLUSH, Compactor
from services.analytics.metrics import AnalyticsMetrics
from services.analytics.settings import AnalyticsSettings
from services.analytics.sink import Sink
from services.analytics.snapshot import Snapshotter
from services.analytics.stages import STAGES, TERMINAL
from services.analytics.store import Store
from services.analytics.web import Sessions, make_web

log = logging.getLogger("remedy.analytics")
GAUGE_INTERVAL = 5.0


async def refresh_gauges(store: Store, metrics: AnalyticsMetrics, clock: Clock, tier_days: int, conf_days: int) -> None:
    """Stage backlog and deadline breaches from the dashboard's snapshot (all lenders)."""
    everyone = queries.Filters()
    backlog = await store.run(queries.backlog, store.rows, everyone, clock.now())
    counts = {r["stage"]: r["cases"] for r in backlog}
    metrics.lag.set_backlog((stage, counts.get(stage, 0)) for stage in STAGES if stage not in TERMINAL)
    breaches = await store.run(queries.deadlines, store.rows, everyone, clock.now(), tier_days, conf_days)
    for rule, n in breaches.items():
        metrics.deadline_breaches.labels(rule).set(n)


async def serve(settings: Settings, analytics: AnalyticsSettings) -> None:
    codec = Codec(settings.schemas_dir)
    clock = clock_from_settings(settings)
    metrics = AnalyticsMetrics()
    scopes = parse_tokens(analytics.tokens)
    tier_days, conf_days = settings.mediation_tier_days, settings.mediation_confirmation_days
    store = Store.open(analytics.clickhouse_url)
    applied = await store.run(store.migrate)
    log.info("analytics: schema migrations applied: %s", applied or "none new")
    sink = Sink(settings, analytics, store, codec, clock, metrics)
    await sink.start()
    sessions = Sessions(derive_key(",".join(sorted(scopes)), "dashboard"), dev=settings.dev, minutes=analytics.session_minutes)
    # Connections and threads of their own (chDB sessions on one engine, or server connections): the panels never
    # queue behind the sink's inserts, nor behind a snapshot build or a merge.
    reader, builder = Store.open(analytics.clickhouse_url), Store.open(analytics.clickhouse_url)
    app = make_web(reader, scopes, metrics, clock, tier_days, conf_days, sessions=sessions, data_dir=settings.data_dir)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, analytics.host, analytics.port).start()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    running = asyncio.create_task(sink.run(), name="sink")
    app["pages"].sink = running
    snapshots = app["pages"].snapshots = Snapshotter(builder, lambda: metrics.registry.get_sample_value(LAST_FLUSH))
    building = asyncio.create_task(snapshots.run(stop, metrics), name="snapshot")
    compactor = Compactor(builder, metrics)
    print(f"[analytics] Worker ready: dashboard on http://{analytics.host}:{analytics.port}/", flush=True)
    try:
        while not stop.is_set() and not running.done():
            try:
                await refresh_gauges(reader, metrics, clock, tier_days, conf_days)
            except Exception as exc:  # noqa: BLE001 - a gauge must never stop the sink
                log.warning("analytics: gauge refresh failed: %s", type(exc).__name__)
            try:
                await reader.run(reader.return_free_memory)
            except Exception as exc:  # noqa: BLE001 - memory handed back later is no reason to stop
                log.warning("analytics: returning free memory failed: %s", type(exc).__name__)
            try:
                if await compactor.tick():
                    log.info("analytics: the funnel is quiet: case_facts merged")
            except Exception as exc:  # noqa: BLE001 - nor a merge: the reads merge what is left
                log.warning("analytics: merging case_facts failed: %s", type(exc).__name__)
            try:
                await asyncio.wait_for(stop.wait(), GAUGE_INTERVAL)
            except asyncio.TimeoutError:
                pass
        if running.done():
            running.result()  # the sink died: surface why
    finally:
        building.cancel()   # a build cut short is never read, and the next one drops it
        await asyncio.gather(building, return_exceptions=True)
        await sink.stop(running if not running.done() else None)
        await runner.cleanup()
        for each in (builder, reader, store):
            each.close()


def main() -> None:
    settings, analytics = Settings.from_env(), AnalyticsSettings.from_env()
    refuse_development_secrets(settings, analytics)
    logs.configure(settings.log_level, settings.log_format, "analytics")
    asyncio.run(serve(settings, analytics))

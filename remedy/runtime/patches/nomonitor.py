"""faust's app without its default ``Monitor`` sensor.

faust's ``App.on_init_dependencies`` adds ``app.monitor`` to the app's sensors, and every sensor hears
of every record in and out (``on_message_in``, ``on_stream_event_in``, ``on_send_initiated``, ...): the
Monitor keeps per-event statistics in memory for faust's own /stats pages, which Remedy does not
serve. Remedy's figures are its Prometheus metrics. ``remedy.runtime.app.App`` overrides
``on_init_dependencies`` to take the Monitor out of the sensors again (``without_monitor``); faust still
calls ``app.monitor.on_tp_commit`` directly, which keeps working. faust's consumer also reads the Monitor's
``stream_inbound_time`` (when a partition's stream last took an input) to log "Stream has not started
processing" for every partition with records waiting once ``stream_processing_timeout`` (300 s) has passed;
without the sensor nothing would set it, and a long run logged that false alarm thousands of times, so
``Runtime.agent`` sets it for each partition of every batch it handles, and the lag sampler
(``remedy.runtime.lag``) for each partition with nothing waiting (a quiet partition's first record is not a stall).

The override depends on what faust's ``on_init_dependencies`` does, so ``GUARD`` records its sha256.
Without it (``REMEDY_FAUST_PATCHES`` leaving out ``nomonitor``) faust keeps its Monitor: correct, slower.

measured 2026-12-04 (``bench/bench_patches.py``: the pass-through on Remedy's runtime, 3 rounds of 40,000
records, medians): worker CPU 50 µs per record with every patch, 54 µs with all but nomonitor (1.05x; lower
with the patch in every round, by 2 to 7 µs); records/s 10,911 vs 8,901 (1.22x, noisy: the shared machine
was loaded by other test runs). A small saving, kept because it is steady and costs nothing.
"""
from __future__ import annotations

from remedy.runtime.patches.guard import Guard

GUARD = Guard(
    module=__name__, patch="nomonitor", use="overrides (in remedy.runtime.app.App)",
    target="faust.app.base:App.on_init_dependencies", kind="method", distribution="faust-streaming",
    versions=("0.15.3",), sha256="7621a70a9b01f93f5d8ee7a909a2065402bd7c5458ffa7e338e51de5032624b2",
    without="faust keeps its Monitor sensor: correct, slower")


def without_monitor(app) -> None:
    """Called by the app's ``on_init_dependencies`` after faust's own has added the Monitor."""
    app.sensors.remove(app.monitor)


def install() -> None:
    """Nothing to install process-wide: each app applies it (``remedy.runtime.app.App``)."""


def uninstall() -> None:
    """Nothing to restore: see ``install``."""

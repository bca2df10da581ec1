"""Decision logic is pure: importing it pulls in no broker, database, HTTP or metrics library."""
import subprocess
import sys

from remedy.kernel.settings import REPO_ROOT

PURE = ["services.intake.decide", "services.intake.batches", "services.intake.validation", "services.triage.decide", "services.triage.replay",
        "services.mediation.case", "services.mediation.desk", "services.enforcement.decide", "services.repair.decide",
        "services.repair.dates", "services.objections.decide", "services.notify.guard", "services.notify.plan",
        "services.analytics.rows", "services.analytics.stages", "sim.world", "remedy.kernel.decision", "remedy.kernel.emit", "remedy.kernel.deadlines",
        "remedy.kernel.workdays", "services.webhooks.routing", "services.webhooks.delivery",
        "services.webhooks.party", "services.webhooks.signing"]
IO = ["faust", "aiokafka", "kafka", "clickhouse_connect", "chdb", "prometheus_client", "aiohttp", "aiosmtpd"]


def test_pure_modules_import_no_io_library():
    code = ("import importlib, sys\n"
            f"for m in {PURE!r}: importlib.import_module(m)\n"
            f"print(sorted(m for m in {IO!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"pure modules import I/O libraries: {out.stdout.strip()}"

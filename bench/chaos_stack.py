"""One platform for a chaos run: its own Tansu, every service under ``remedy.ops.stack.Stack`` (two
instances of each stateful service), the channel doubles inside the harness process (what reached a
debtor's handset or mailbox outlives any kill), a clock that stands still until the harness moves it,
and the test for quiescence.

Quiescent means: every consumer group has committed, on every partition it reads, the partition's
true end (``Log.ends``: read, not Tansu's reported end); every group is stable with exactly its
running instances as members (a killed member stays until its 10 s session runs out, and Tansu does
not say which partitions each member holds); no killed worker is still on its way back; the SMS
provider has handed every delivery receipt to notify; no wave of defaults is still being published;
and all of that held, with nothing new written, for ``CALM`` seconds.

Time standing still (the clock file's rate 0) needs no change to the services, only settings
(``FAST``). What a clock step sets off runs on timers: the deadline sweeps and mediation's new-day
drain every ``REMEDY_<SERVICE>_SWEEP_SECONDS``, and notify's waker, which sleeps until the next
deadline's real instant and, on a clock that stands still, for its longest sleep, which is notify's
sweep setting too (``remedy.kernel.clock.real_delay``). All are 0.25 s here, and ``FIRST_LOOK``
waits 0.6 s after a step, so every timer has seen it. Workers commit every 0.2 s. Two things wait
for time to move, as they are meant to: a deadline its tick left where it was is due again after
``retick_seconds`` (``remedy/runtime/due.py``), and a notice a killed notify left in flight after
``REWAKE_SECONDS`` (``services/notify/worker.py``), both real seconds at the clock's rate: at rate 0
they come due at the next step.
"""
from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Callable

from kafka import KafkaAdminClient, TopicPartition

from remedy.contract.codec import Codec
from remedy.kernel.clock import ClockFile
from remedy.ops.settings import PlatformSettings
from remedy.ops.stack import SERVICES, Stack
from remedy.runtime.broker import free_port, port_open
from remedy.runtime.publish import Publisher
from bench.chaos_world import Log, consumer_groups
from sim.mailserver import MailServer
from sim.sms_provider import SmsProvider

STATEFUL = ("triage", "mediation", "enforcement", "repair", "objections", "notify")
SWEPT = ("mediation", "enforcement", "repair", "objections", "notify")
FAST = {"REMEDY_LAG_SAMPLE_SECONDS": "0.25", "REMEDY_COMMIT_INTERVAL_SECONDS": "0.2", "REMEDY_ANALYTICS_FLUSH_MS": "250",
        "REMEDY_PRODUCER_LINGER_MS": "5", **{f"REMEDY_{s.upper()}_SWEEP_SECONDS": "0.25" for s in SWEPT}}
CALM = 0.3          # seconds everything must stay quiescent
FIRST_LOOK = 0.6    # seconds after a clock step or a publish before quiescence may be declared


class ChaosError(RuntimeError):
    pass


class Admin(KafkaAdminClient):
    """kafka-python's admin client, reading DescribeGroups' ``authorized_operations`` as they come: Tansu answers
    a bit set kafka-python cannot name (an operation 15), and the harness does not need it."""

    def _process_acl_operations(self, obj):
        return obj


def spaced_port(taken: set[int]) -> int:
    """A free port whose +100 (a second instance's) is free too, and not handed out before."""
    while True:
        port = free_port()
        if port + 100 < 65536 and port not in taken and port + 100 not in taken and not port_open("127.0.0.1", port + 100):
            taken |= {port, port + 100}
            return port


def run_env(data: Path) -> dict[str, str]:
    """Every port and setting of one run's processes (ports free now, apart from any other run's)."""
    taken: set[int] = set()
    env = {f"REMEDY_{name.upper()}_PORT": str(spaced_port(taken)) for name in SERVICES}
    broker, smtp, sms = (spaced_port(taken) for _ in range(3))
    env |= {"REMEDY_BROKER_PORT": str(broker), "REMEDY_KAFKA_BOOTSTRAP": f"127.0.0.1:{broker}",
            "REMEDY_SMTP_PORT": str(smtp), "REMEDY_SMS_URL": f"http://127.0.0.1:{sms}",
            "REMEDY_DATA_DIR": str(data), "REMEDY_CLOCK_FILE": str(data / "clock"), **FAST}
    return env


class ChaosStack:
    """One run's platform. ``start(epoch)``, then ``set_clock``/``settle`` in turns, then ``stop()``."""

    def __init__(self, data: Path, codec: Codec, instances: int = 2):
        self.data, self.codec = data.resolve(), codec
        self.data.mkdir(parents=True, exist_ok=True)
        self.env = run_env(self.data)
        self.bootstrap = self.env["REMEDY_KAFKA_BOOTSTRAP"]
        self.said: list[str] = []
        self.stack = Stack(PlatformSettings.from_env(self.env), self.env, scale={s: instances for s in STATEFUL},
                           peers=False, report=self.said.append)
        self.clock = ClockFile(self.data / "clock")
        self.mail = MailServer(port=int(self.env["REMEDY_SMTP_PORT"]))
        self.sms = SmsProvider()
        self.groups = consumer_groups()
        self.log: Log | None = None
        self.admin: Admin | None = None
        self.publisher: Publisher | None = None
        self.kills_pending = 0       # SIGKILLs the supervisor has not noticed yet (set by the killer)
        self.feeding = 0             # publishing waves still being sent

    def start(self, epoch: datetime) -> float:
        """Everything up and ready, time standing still at ``epoch``; returns the seconds it took."""
        started = time.monotonic()
        self.set_clock(epoch)
        self.mail.start()
        self.sms.start(int(self.env["REMEDY_SMS_URL"].rsplit(":", 1)[1]))
        self.stack.start(progress=lambda line: None)
        self.log = Log(self.bootstrap, self.codec)
        self.admin = Admin(bootstrap_servers=self.bootstrap, client_id="chaos-quiet")
        self.publisher = Publisher(self.bootstrap, self.codec)
        return time.monotonic() - started

    def set_clock(self, at: datetime) -> None:
        self.clock.write(at.timestamp() * 1000, time.time(), 0.0)

    def proc(self, name: str):
        return next(p for p in self.stack.procs if p.name == name)

    # ---------------------------------------------------------------- quiescence

    def lag(self) -> dict[str, int]:
        """Records each group has not committed yet, against the ends the harness has read (``settle`` reads
        until nothing is new before it asks)."""
        return {group: self._behind(group, self.log.ends) for group in self.groups}

    def in_flight(self, group: str) -> int:
        """Records ``group`` has not committed yet, against the ends the broker reports now: the killer's
        look, which must not depend on how far the harness's own reading has got."""
        partitions = [tp for tp in self.log.partitions if tp.topic in self.groups[group]]
        return self._behind(group, self.log.consumer.end_offsets(partitions))

    def _behind(self, group: str, ends: dict[TopicPartition, int]) -> int:
        committed = self.admin.list_group_offsets({group: None}).get(group, {})
        behind = 0
        for tp, end in ends.items():
            if tp.topic in self.groups[group] and end:
                done = committed.get(TopicPartition(tp.topic, tp.partition))
                behind += max(0, end - (done.offset if done is not None and done.offset >= 0 else 0))
        return behind

    def unsteady(self) -> list[str]:
        """Groups not stable, or whose members are not exactly their running instances (a killed member
        stays in its group until its session times out; Tansu does not say which partitions each holds)."""
        described = self.admin.describe_groups(list(self.groups))
        return [group for group in self.groups
                if (described.get(group) or {}).get("group_state") != "Stable"
                or len((described.get(group) or {}).get("members") or []) != self.stack.scale.get(group, 1)]

    def receipts_pending(self) -> int:
        return max(0, len(self.sms.delivered) - len(self.sms.receipts_taken))

    def busy(self) -> str:
        """Why the platform is not quiescent now ("" when it is)."""
        if self.feeding:
            return "a wave of defaults is being published"
        if self.kills_pending or self.stack.settling():
            return "a worker is restarting"
        if self.receipts_pending():
            return "delivery receipts on their way"
        lag = {g: n for g, n in self.lag().items() if n}
        if lag:
            return "records waiting: " + ", ".join(f"{g} {n}" for g, n in sorted(lag.items()))
        loose = self.unsteady()
        return "groups rebalancing: " + ", ".join(loose) if loose else ""

    def settle(self, hook: Callable[[], None] = lambda: None, first_look: float = FIRST_LOOK,
               timeout: float = 900.0) -> float:
        """Wait until quiescent, calling ``hook`` (the killer) all along, and at least ``first_look``
        seconds (after a clock step: until every timer has seen it); returns the seconds waited."""
        started = time.monotonic()
        calm_since, why = None, ""
        while True:
            new = self.log.read()
            hook()
            now = time.monotonic()
            why = "new records" if new else self.busy()
            calm_since = None if why else (calm_since or now)
            if calm_since is not None and now - calm_since >= CALM and now - started >= first_look:
                return now - started
            if now - started > timeout:
                raise ChaosError(f"{self.data.name}: not quiescent after {timeout:.0f} s ({why})")
            time.sleep(0.02)

    def stop(self) -> None:
        for closing in (self.publisher, self.log, self.admin):
            if closing is not None:
                closing.close()
        self.stack.stop()
        self.sms.stop()
        self.mail.stop()

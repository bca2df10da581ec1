"""What the in-memory notify tests share: a bus holding opened and triaged cases, and the SENT entries notify logged."""
from __future__ import annotations

from collections import Counter

from remedy.contract.codec import Codec
from remedy.contract.paths import SCHEMAS_DIR
from remedy.kernel.clock import FrozenClock
from remedy.kernel.settings import Settings
from remedy.runtime.memory import MemoryBus
from tests.notify_cases import china, numbered

DEBTORS = 6   # each: a mediation invitation by SMS, a demand letter by email


def setting_up(tmp_path) -> tuple[MemoryBus, FrozenClock, Settings]:
    """DEBTORS cases opened and triaged on a fresh bus; a clock that never moves, on a working morning."""
    bus, clock = MemoryBus(), FrozenClock(china(2026, 12, 1, 10))
    settings = Settings.from_env({"REMEDY_DATA_DIR": str(tmp_path)})
    codec = Codec(SCHEMAS_DIR)
    for i in range(DEBTORS):
        case = numbered(i)
        for envelope in (case.opened(), case.triaged()):
            bus.produce("case.events", case.case_id.encode(), codec.encode("CaseEvent", envelope))
    return bus, clock, settings


def sent_log(bus: MemoryBus) -> Counter:
    """SENT entries on notice.log, by notice id."""
    codec = Codec(SCHEMAS_DIR)
    log = [codec.decode(r.value, expect="NoticeLogEntry")[1] for r in bus.records("notice.log")]
    return Counter(e["notice_id"] for e in log if e["status"] == "SENT")

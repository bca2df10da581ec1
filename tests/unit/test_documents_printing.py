"""notify prints in a process of its own: the same bytes as printed in notify, a refused document refused the same
way, a printing process that died replaced, and none left behind when notify exits or is SIGKILLed."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from services.notify.printer import Printer, Unrenderable, default
from services.notify.printing import NICENESS, PRINTING, WATCH_SECONDS
from tests.documents_cases import inputs

ROOT = Path(__file__).resolve().parents[2]
PRINTER = Printer.from_settings()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")   # a zombie is gone


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_a_printer_from_settings_prints_in_another_process_the_same_bytes():
    given = inputs("settlement_agreement")
    assert asyncio.run(PRINTING.pdf(PRINTER, given)) == default().pdf(given)
    assert PRINTING.pid() != os.getpid()


def test_the_printing_process_gives_way_to_deciding_on_a_busy_machine():
    own = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, PRINTING.pid()) == min(19, own + NICENESS) > own


def test_notify_starting_warms_the_printing_process_with_its_printer_built_before_any_document():
    PRINTING.shutdown()
    PRINTING.warm(PRINTER.settings)
    assert PRINTING.built(PRINTER.settings)
    warmed = PRINTING.pid()
    given = inputs("demand_letter")
    assert asyncio.run(PRINTING.pdf(PRINTER, given)) == default().pdf(given) and PRINTING.pid() == warmed


def test_the_printing_process_loads_no_stream_library():
    """It holds only what printing needs: faust, aiokafka and RocksDB would add about 30 MiB to notify's memory."""
    given = inputs("demand_letter")
    asyncio.run(PRINTING.pdf(PRINTER, given))
    maps = Path(f"/proc/{PRINTING.pid()}/maps").read_text()
    assert "_rl_accel" in maps   # reportlab's accelerator: the maps name the libraries the process loaded
    assert not [lib for lib in ("/aiokafka/", "/rocksdict/", "/cavro", "/faust/") if lib in maps]


def test_a_printer_without_settings_prints_on_a_thread():
    assert default().settings is None
    given = inputs("demand_letter")
    assert asyncio.run(PRINTING.pdf(default(), given)) == default().pdf(given)


def test_a_document_refused_in_the_printing_process_is_refused_with_its_case_and_field():
    with pytest.raises(Unrenderable) as refused:
        asyncio.run(PRINTING.pdf(PRINTER, inputs("demand_letter", debtor_name="张\U000f0000")))
    assert refused.value.field == "debtor_name" and refused.value.case_id == inputs("demand_letter").context["case_id"]
    assert "U+" not in str(refused.value)   # the debtor's characters are not quoted, in this process either


def test_a_printing_process_that_died_is_replaced_and_the_document_printed():
    given = inputs("complaint")
    first = asyncio.run(PRINTING.pdf(PRINTER, given))
    dead = PRINTING.pid()
    os.kill(dead, signal.SIGKILL)
    assert gone_within(dead, 5)
    assert asyncio.run(PRINTING.pdf(PRINTER, given)) == first
    assert PRINTING.pid() != dead


NOTIFY = """
import asyncio, sys, time
from services.notify.printer import Printer
from services.notify.printing import PRINTING
from tests.documents_cases import inputs
asyncio.run(PRINTING.pdf(Printer.from_settings(), inputs("demand_letter")))
print(PRINTING.pid(), flush=True)
if sys.argv[1] == "stay":
    time.sleep(120)
"""


def notify_like(mode: str) -> tuple[subprocess.Popen, int]:
    """A process that prints as notify does; its printing process's id."""
    proc = subprocess.Popen([sys.executable, "-c", NOTIFY, mode], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    return proc, int(proc.stdout.readline())


def test_no_printing_process_outlives_a_sigkilled_notify():
    proc, printing = notify_like("stay")
    assert alive(printing)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert gone_within(printing, 5 + WATCH_SECONDS)


def test_no_printing_process_outlives_a_notify_that_exits():
    proc, printing = notify_like("exit")
    assert proc.wait(30) == 0
    assert gone_within(printing, 5)

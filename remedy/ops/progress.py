"""What ``remedy run`` shows while the funnel runs: one bar a stage, each reaching its total or saying
why not. Drawn live with rich on a terminal; in a log, one line every 15 s. The last state is printed
as plain lines either way, so a run's output always ends with where every bar stopped and why."""
from __future__ import annotations

import time
from dataclasses import dataclass

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from remedy.kernel.lifecycle import TERMINAL

LOG_EVERY_SECONDS = 15


@dataclass(frozen=True)
class Bar:
    label: str
    done: int
    total: int
    note: str = ""     # on the last display: why a bar stopped short of its total

    @property
    def line(self) -> str:
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        text = f"{self.label:<24} {'█' * filled}{'░' * (width - filled)} {self.done:,}/{self.total:,}"
        return f"{text}  {self.note}" if self.note else text


def bars(dash: dict, expected: int, refused: int, day: int, horizon: int, final: bool = False) -> list[Bar]:
    """The bars for one progress poll (``dash``: analytics' summary, backlog and funnel). ``refused``: the
    batch's invalid records, which intake dead-letters and never opens. ``final``: the run has stopped,
    so a bar short of its total says why."""
    s = dash["summary"]
    waiting = {b["stage"]: b["cases"] for b in dash["backlog"]}
    valid = expected - refused
    out = [Bar(f"opened ({refused:,} refused)", s["cases"], valid,
               f"{valid - s['cases']:,} valid defaults not opened when the run stopped"
               if final and s["cases"] < valid else "")]
    for row in dash["funnel"]:
        stage, entered = row["stage"], row["entered"]
        if stage in TERMINAL or not entered:
            continue
        left = entered - waiting.get(stage, 0)
        out.append(Bar(f"  left {stage}", left, entered,
                       f"{entered - left:,} still in it when the run stopped on day {day}" if final and left < entered else ""))
    out.append(Bar("closed", s["closed"], s["cases"],
                   f"{s['open']:,} open when the run stopped on day {day} of {horizon}" if final and s["open"] else ""))
    day = min(day, horizon)   # the last poll can land past the horizon
    out.append(Bar("simulated day", day, horizon, "every case closed before the horizon" if final and day < horizon else ""))
    return out


class ProgressView:
    """Live bars on a terminal (rich), periodic lines in a log; ``say`` prints a line above the bars."""

    def __init__(self, tty: bool):
        self.progress = Progress(TextColumn("{task.description:<24}"), BarColumn(bar_width=30),
                                 TextColumn("{task.completed:,.0f}/{task.total:,.0f}  {task.fields[note]}"),
                                 console=Console(), auto_refresh=False) if tty else None
        self.tasks: dict[str, int] = {}
        self.logged = 0.0
        if self.progress:
            self.progress.start()

    def say(self, line: str) -> None:
        if self.progress:
            self.progress.console.print(line, markup=False, highlight=False)
        else:
            print(line, flush=True)

    def show(self, shown: list[Bar], status: str) -> None:
        if not self.progress:
            if time.monotonic() - self.logged >= LOG_EVERY_SECONDS:
                print(" | ".join(f"{b.label.strip()} {b.done:,}/{b.total:,}" for b in shown) + f" | {status}", flush=True)
                self.logged = time.monotonic()
            return
        for b in shown:
            if b.label not in self.tasks:
                self.tasks[b.label] = self.progress.add_task(b.label, total=b.total, note="")
            self.progress.update(self.tasks[b.label], completed=b.done, total=max(b.total, b.done), note=b.note)
        self.progress.update(self.tasks[shown[-1].label], note=status)
        self.progress.refresh()

    def finish(self, final: list[Bar]) -> None:
        """Stop the live display and print where every bar stopped, and why where it fell short."""
        if self.progress:
            self.progress.stop()
        print("\n".join(b.line for b in final), flush=True)

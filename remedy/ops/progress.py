"""What ``remedy run`` shows while the funnel runs: one bar a stage, each reaching its total or saying
why not. Drawn live with rich on a terminal; in a log, one line every 15 s. The last state is printed
as plain lines either way, so a run's output always ends with where every bar stopped and why. Every
word is the terminal's language (remedy/ops/terminal.py)."""
from __future__ import annotations

import time
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from remedy.contract import i18n
from remedy.kernel.lifecycle import TERMINAL
from remedy.ops.terminal import pad, text

LOG_EVERY_SECONDS = 15
LABEL_CELLS = 24    # the label column's least width, in terminal cells
STAGES = i18n.Messages.load("report")


@dataclass(frozen=True)
class Bar:
    label: str
    done: int
    total: int
    note: str = ""     # on the last display: why a bar stopped short of its total

    def line(self, cells: int = LABEL_CELLS) -> str:
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        shown = f"{pad(self.label, cells)} {'█' * filled}{'░' * (width - filled)} {self.done:,}/{self.total:,}"
        return f"{shown}  {self.note}" if self.note else shown


def stage_name(stage: str, lang: str) -> str:
    """A stage as the report names it (人民调解 / People's mediation), its code if the catalogue has none."""
    key = f"stage.{stage}"
    return STAGES.text(key, lang) if key in STAGES.entries else stage


def bars(dash: dict, expected: int, refused: int, day: int, horizon: int, final: bool = False,
         lang: str = i18n.DEFAULT) -> list[Bar]:
    """The bars for one progress poll (``dash``: analytics' summary, backlog and funnel). ``refused``: the
    batch's invalid records, which intake dead-letters and never opens. ``final``: the run has stopped,
    so a bar short of its total says why."""
    s = dash["summary"]
    n = lambda value: i18n.number(value, lang)   # noqa: E731
    waiting = {b["stage"]: b["cases"] for b in dash["backlog"]}
    valid = expected - refused
    out = [Bar(text("bar.opened", lang, refused=n(refused)), s["cases"], valid,
               text("note.not_opened", lang, count=n(valid - s["cases"])) if final and s["cases"] < valid else "")]
    for row in dash["funnel"]:
        stage, entered = row["stage"], row["entered"]
        if stage in TERMINAL or not entered:
            continue
        left = entered - waiting.get(stage, 0)
        out.append(Bar(text("bar.left", lang, stage=stage_name(stage, lang)), left, entered,
                       text("note.still_in", lang, count=n(entered - left), day=day) if final and left < entered else ""))
    out.append(Bar(text("bar.closed", lang), s["closed"], s["cases"],
                   text("note.open", lang, count=n(s["open"]), day=day, horizon=horizon) if final and s["open"] else ""))
    day = min(day, horizon)   # the last poll can land past the horizon
    out.append(Bar(text("bar.day", lang), day, horizon, text("note.all_closed", lang) if final and day < horizon else ""))
    return out


def label_cells(shown: list[Bar]) -> int:
    return max([LABEL_CELLS] + [cell_len(b.label) for b in shown])


class ProgressView:
    """Live bars on a terminal (rich), periodic lines in a log; ``say`` prints a line above the bars."""

    def __init__(self, tty: bool):
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(bar_width=30),
                                 TextColumn("{task.completed:,.0f}/{task.total:,.0f}  {task.fields[note]}"),
                                 console=Console(), auto_refresh=False) if tty else None
        self.tasks: dict[str, int] = {}
        self.cells = LABEL_CELLS
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
        self.cells = max(self.cells, label_cells(shown))
        for b in shown:
            if b.label not in self.tasks:
                self.tasks[b.label] = self.progress.add_task(b.label, total=b.total, note="")
            self.progress.update(self.tasks[b.label], description=pad(b.label, self.cells), completed=b.done,
                                 total=max(b.total, b.done), note=b.note)
        self.progress.update(self.tasks[shown[-1].label], note=status)
        self.progress.refresh()

    def finish(self, final: list[Bar]) -> None:
        """Stop the live display and print where every bar stopped, and why where it fell short."""
        if self.progress:
            self.progress.stop()
        cells = label_cells(final)
        print("\n".join(b.line(cells) for b in final), flush=True)

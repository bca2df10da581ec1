"""CPU-seconds and peak RSS of named processes and their children, from /proc (the 1M benchmark's sampler).

Each sample reads every process's ``/proc/<pid>/stat`` once (for the parent links) and, for each named root
(``broker``, ``triage-1``, …) and its descendants, ``stat`` (user + system CPU) and ``status`` (``VmRSS``,
``VmHWM``). A name keeps every pid it ever had: a worker the supervisor restarted adds the CPU its killed
process used (as last sampled) to the new one's, and its peak is the larger of the two.

- CPU of a name: the sum over its pids (root and children) of their last sampled user + system time.
  Children that exited between two samples lose at most a second of CPU.
- Peak RSS of a name: the largest of its roots' ``VmHWM`` (the kernel's own high-water mark) and of the
  sampled sum of ``VmRSS`` over the root and its children.
- ``peak_sum``: the largest sampled sum of ``VmRSS`` over a set of names at one instant (the stack's footprint).
"""
from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

KIB = 1024


def parse_stat(text: str) -> tuple[int, int]:
    """``/proc/<pid>/stat`` → (parent pid, user + system clock ticks). The command name, in parentheses, may
    hold spaces and parentheses itself: the fields are read after its last ``)``."""
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])


def parse_status(text: str, fields: tuple[str, ...] = ("VmRSS", "VmHWM")) -> dict[str, int]:
    """``/proc/<pid>/status`` → ``{"VmRSS": bytes, "VmHWM": bytes}``, or the ``fields`` asked for (0 for a field
    it lacks: a zombie)."""
    out = dict.fromkeys(fields, 0)
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in out:
            parts = rest.split()
            out[key] = int(parts[0]) * (KIB if len(parts) > 1 and parts[1] == "kB" else 1)
    return out


def loadavg(proc: str | Path = "/proc") -> str:
    """The 1, 5 and 15 minute load averages, as ``uptime`` prints them."""
    return " ".join((Path(proc) / "loadavg").read_text().split()[:3])


def mem_available(proc: str | Path = "/proc") -> int:
    """Bytes the kernel could give out without swapping (``MemAvailable``)."""
    for line in (Path(proc) / "meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * KIB
    return 0


def children_of(parents: dict[int, int]) -> dict[int, list[int]]:
    """pid → ppid, inverted: ppid → its children."""
    kids: dict[int, list[int]] = defaultdict(list)
    for pid, ppid in parents.items():
        kids[ppid].append(pid)
    return kids


def descendants(root: int, kids: dict[int, list[int]]) -> list[int]:
    """``root`` and every process below it."""
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(kids.get(pid, ()))
    return out


@dataclass
class Usage:
    """What one name (a process and its children) used, over all the pids it had."""
    ticks: dict[int, int] = field(default_factory=dict)   # pid -> last sampled user + system ticks
    peak: int = 0                                          # bytes
    rss: int = 0                                           # bytes, at the last sample


class ProcSampler:
    def __init__(self, proc: str | Path = "/proc", clk_tck: int | None = None, solo: frozenset[str] = frozenset()):
        """``solo``: names counted without their children (the benchmark itself, whose children are the stack)."""
        self.proc, self.solo = Path(proc), solo
        self.clk_tck = clk_tck or os.sysconf("SC_CLK_TCK")
        self.usage: dict[str, Usage] = defaultdict(Usage)
        self.sums: list[dict[str, int]] = []   # per sample: name -> RSS bytes of its tree

    def _read(self, pid: int, name: str) -> str | None:
        try:
            return (self.proc / str(pid) / name).read_text()
        except (OSError, ValueError):
            return None

    def parents(self) -> dict[int, tuple[int, int]]:
        """Every process now: pid → (ppid, ticks)."""
        out = {}
        for entry in self.proc.iterdir():
            if entry.name.isdigit():
                text = self._read(int(entry.name), "stat")
                if text:
                    out[int(entry.name)] = parse_stat(text)
        return out

    def sample(self, roots: dict[str, int | None]) -> None:
        """One sample of every named root (name → its current pid; None: not running now) and its children."""
        procs = self.parents()
        kids = children_of({pid: ppid for pid, (ppid, _) in procs.items()})
        now: dict[str, int] = {}
        for name, root in roots.items():
            if root is None or root not in procs:
                continue
            use, total = self.usage[name], 0
            for pid in [root] if name in self.solo else descendants(root, kids):
                status = self._read(pid, "status")
                if pid not in procs or status is None:
                    continue
                use.ticks[pid] = procs[pid][1]
                mem = parse_status(status)
                total += mem["VmRSS"]
                if pid == root:
                    use.peak = max(use.peak, mem["VmHWM"])
            use.rss, use.peak, now[name] = total, max(use.peak, total), total
        self.sums.append(now)

    def cpu_seconds(self, name: str) -> float:
        return sum(self.usage[name].ticks.values()) / self.clk_tck

    def cpu_snapshot(self) -> dict[str, float]:
        return {name: self.cpu_seconds(name) for name in self.usage}

    def peak(self, name: str) -> int:
        return self.usage[name].peak

    def peak_sum(self, names: set[str] | None = None) -> int:
        """The largest sum of RSS over ``names`` (all by default) at one sample."""
        return max((sum(v for k, v in s.items() if names is None or k in names) for s in self.sums), default=0)

"""Which services yield the CPU to the others when the machine is busy (``remedy up --nice notify=10,webhooks=10``).

On a machine that runs the whole stack, every service competes for the same cores, and under a backlog the
scheduler shares them out evenly: intake and triage, which every case passes first, get no more than the notice,
webhook and analytics workers behind them. A service started with a niceness (``nice(1)``: 0, the default, to 19)
gives way to the services at a lower one whenever both have work, and takes what is idle otherwise, so a burst
of defaults is accepted and triaged first and the stages after catch up from their consumer lag (nothing is lost
or skipped: it waits in their topics). Only lowering a service's priority needs no privilege, so 0 is the most.

On Linux with autogroup scheduling (``/proc/sys/kernel/sched_autogroup_enabled``, on in most distributions),
a thread's niceness weighs only against the threads of its own session, and each worker leads a session of its
own: between workers the scheduler shares the CPU by their sessions' autogroups, evenly whatever each thread's
niceness. So a niced worker's autogroup gets the niceness too (``/proc/<pid>/autogroup``, sched(7)).
"""
from __future__ import annotations

MOST = 19


class PriorityError(ValueError):
    pass


def parse_nice(text: str, services: tuple[str, ...] | None = None) -> dict[str, int]:
    """``"notify=10,webhooks=10"`` → ``{"notify": 10, "webhooks": 10}``; a clear ``PriorityError`` for anything else."""
    from remedy.ops.scale import SERVICES, service_values   # here: scale imports procs, which imports this

    services = SERVICES if services is None else services
    out: dict[str, int] = {}
    for name, value in service_values(text, "notify=10,webhooks=10", PriorityError):
        if name not in services:
            raise PriorityError(f"{name!r} is not a service; services: {', '.join(services)}")
        try:
            out[name] = int(value)
        except ValueError:
            raise PriorityError(f"{name}={value}: the niceness must be a whole number from 0 to {MOST}") from None
        if not 0 <= out[name] <= MOST:
            raise PriorityError(f"{name}={value}: the niceness must be from 0 (the default) to {MOST} (yields most)")
    if not out:
        raise PriorityError("no service named: write SERVICE=N[,SERVICE=N...], e.g. notify=10,webhooks=10")
    return out


def niced(command: list[str], niceness: int) -> list[str]:
    """``command`` run at ``niceness`` (``nice -n``, which execs it: the pid is the command's, and every thread it
    starts inherits the niceness); unchanged at 0."""
    return ["nice", "-n", str(niceness), *command] if niceness else list(command)


def nice_session(pid: int, niceness: int) -> bool:
    """Give the autogroup of ``pid``'s session ``niceness``; False where there is none (autogroup off, not Linux)."""
    if not niceness:
        return False
    try:
        with open(f"/proc/{pid}/autogroup", "w") as group:
            group.write(str(niceness))
        return True
    except OSError:
        return False

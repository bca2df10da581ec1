"""How many instances of each service the local stack runs (``--scale triage=3,notify=2``), and the
ports they need."""
from __future__ import annotations

from typing import Mapping

from remedy.ops.procs import instance_name, instance_port
from remedy.ops.settings import PlatformSettings

# Start order: consumers of case.events before the services that feed them.
SERVICES = ("analytics", "triage", "mediation", "enforcement", "repair", "objections", "notify", "gateway", "intake")
SINGLE = ("analytics", "gateway")   # one instance in the local stack: not faust consumer-group workers
SCALABLE = tuple(s for s in SERVICES if s not in SINGLE)


class ScaleError(ValueError):
    pass


def scale_limits(registry=None) -> dict[str, int]:
    """The most instances of each stage service that can all get work: the largest partition count
    among the topics its consumer group reads (a further instance would get no partition)."""
    from remedy.contract.topics import load_registry

    registry = load_registry() if registry is None else registry
    limits: dict[str, int] = {}
    for topic in registry.values():
        for consumer in topic.consumers:
            if consumer in SCALABLE:
                limits[consumer] = max(limits.get(consumer, 1), topic.partitions)
    return limits


def parse_scale(text: str, limits: Mapping[str, int] | None = None) -> dict[str, int]:
    """``"triage=3,notify=2"`` → ``{"triage": 3, "notify": 2}``; a clear ``ScaleError`` for anything else."""
    limits = scale_limits() if limits is None else limits
    out: dict[str, int] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, count = (s.strip() for s in part.partition("="))
        if not sep or not name or not count:
            raise ScaleError(f"{part!r}: write SERVICE=N, e.g. triage=3,notify=2")
        if name in SINGLE:
            raise ScaleError(f"{name} runs one instance in the local stack (scaling it is not supported); "
                             f"scalable: {', '.join(SCALABLE)}")
        if name not in SCALABLE:
            raise ScaleError(f"{name!r} is not a service; scalable: {', '.join(SCALABLE)}")
        if name in out:
            raise ScaleError(f"{name} is given twice")
        try:
            n = int(count)
        except ValueError:
            raise ScaleError(f"{name}={count}: the number of instances must be a whole number") from None
        if n < 1:
            raise ScaleError(f"{name}={count}: at least 1 instance")
        limit = limits.get(name)
        if limit is not None and n > limit:
            raise ScaleError(f"{name}={n}: {name}'s topics have at most {limit} partitions, so instance {limit + 1} "
                             f"and beyond would get none; at most {name}={limit}")
        out[name] = n
    if not out:
        raise ScaleError("nothing to scale: write SERVICE=N[,SERVICE=N...], e.g. triage=3,notify=2")
    return out


def ports_needed(platform: PlatformSettings, scale: Mapping[str, int] | None = None,
                 services: tuple[str, ...] = SERVICES, broker: bool = True, peers: bool = True) -> dict[str, int]:
    """Every port the stack binds, by process (``triage-2``) or peer."""
    from urllib.parse import urlparse

    ports: dict[str, int] = {}
    for name in services:
        base = platform.port_for(name)
        if name in SINGLE:
            ports[name] = base
        else:
            for n in range(1, (scale or {}).get(name, 1) + 1):
                ports[instance_name(name, n)] = instance_port(base, n)
    if broker:
        ports["broker"] = platform.shared.broker_port
    if peers:
        ports["smtp"] = platform.notify.smtp_port
        ports["sms"] = urlparse(platform.notify.sms_url).port or 80
    return ports

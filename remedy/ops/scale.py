"""How many instances of each service the local stack runs (``--scale triage=3,gateway=2``), the ports
they need, and the Prometheus scrape config that covers every one of them.

Every service scales. A stage service's instances share its consumer group: more than its topics have
partitions would idle. Analytics' sink is a consumer group too, but several instances need a ClickHouse
server: the embedded chDB is opened by one process. Every gateway reads every partition and keeps its
own read model, so any number answers every question; the local stack runs at most ``GATEWAY_MAX``.
Analytics and the gateway run once keep their plain name (``gateway``) and the shared data dir.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, Mapping

from remedy.contract.i18n import DEFAULT
from remedy.kernel.settings import REPO_ROOT
from remedy.ops.procs import PORT_STRIDE, instance_name, instance_port
from remedy.ops.settings import PlatformSettings
from remedy.ops.terminal import text

# Start order: consumers of case.events before the services that feed them.
SERVICES = ("analytics", "triage", "mediation", "enforcement", "repair", "objections", "notify", "webhooks", "gateway",
            "intake")
SCALABLE = SERVICES
PLAIN_WHEN_ONE = ("analytics", "gateway")    # not faust workers: one instance is `gateway`, not `gateway-1`
GATEWAY_MAX = 8                              # gateways in one local stack (each reads every partition)
ALERTS = REPO_ROOT / "deploy" / "prometheus" / "alerts.yml"


class ScaleError(ValueError):
    pass


def embedded(clickhouse_url: str) -> bool:
    """Whether analytics writes to the embedded chDB (one process) rather than a ClickHouse server."""
    return clickhouse_url.startswith("chdb:")


def scale_limits(registry=None) -> dict[str, int]:
    """The most instances of each service that can all get work: for a consumer group, the largest
    partition count among the topics it reads (a further instance would get no partition); for the
    gateway, which reads every partition itself, ``GATEWAY_MAX``."""
    from remedy.contract.topics import load_registry

    registry = load_registry() if registry is None else registry
    limits: dict[str, int] = {}
    for topic in registry.values():
        for consumer in topic.consumers:
            if consumer in SCALABLE:
                limits[consumer] = max(limits.get(consumer, 1), topic.partitions)
    limits["gateway"] = GATEWAY_MAX
    return limits


def check_scale(scale: Mapping[str, int], limits: Mapping[str, int], clickhouse_url: str) -> None:
    """A ``ScaleError`` naming the first count the stack cannot run."""
    for name, n in scale.items():
        if name not in SCALABLE:
            raise ScaleError(f"{name!r} is not a service; scalable: {', '.join(SCALABLE)}")
        if n < 1:
            raise ScaleError(f"{name}={n}: at least 1 instance")
        limit = limits.get(name)
        if limit is not None and n > limit:
            if name == "gateway":
                raise ScaleError(f"gateway={n}: at most gateway={limit} in one stack (every gateway reads every "
                                 f"partition and keeps its own read model)")
            raise ScaleError(f"{name}={n}: {name}'s topics have at most {limit} partitions, so instance {limit + 1} "
                             f"and beyond would get none; at most {name}={limit}")
        if name == "analytics" and n > 1 and embedded(clickhouse_url):
            raise ScaleError(f"analytics={n}: analytics runs one instance on the embedded chDB ({clickhouse_url}): "
                             "chDB is opened by one process only. Several analytics instances need a ClickHouse "
                             "server: REMEDY_CLICKHOUSE_URL=http(s)://user:pass@host:port/db")


def service_values(text: str, example: str, error: type[ValueError]) -> Iterator[tuple[str, str]]:
    """``(service, value)`` of each ``SERVICE=VALUE`` in a comma-separated option, in order; ``error`` for a part
    that is not one (``example`` shows the form) or a service given twice. What a value may be is the caller's."""
    seen: set[str] = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = (s.strip() for s in part.partition("="))
        if not sep or not name or not value:
            raise error(f"{part!r}: write SERVICE=N, e.g. {example}")
        if name in seen:
            raise error(f"{name} is given twice")
        seen.add(name)
        yield name, value


def parse_scale(text: str, limits: Mapping[str, int] | None = None, clickhouse_url: str | None = None) -> dict[str, int]:
    """``"triage=3,notify=2"`` → ``{"triage": 3, "notify": 2}``; a clear ``ScaleError`` for anything else.
    ``clickhouse_url`` decides whether analytics may run more than once (default: ``REMEDY_CLICKHOUSE_URL``)."""
    if clickhouse_url is None:
        from services.analytics.settings import AnalyticsSettings
        clickhouse_url = AnalyticsSettings.from_env().clickhouse_url
    limits = scale_limits() if limits is None else limits
    out: dict[str, int] = {}
    for name, count in service_values(text, "triage=3,notify=2", ScaleError):
        try:
            out[name] = int(count)
        except ValueError:
            raise ScaleError(f"{name}={count}: the number of instances must be a whole number") from None
        check_scale({name: out[name]}, limits, clickhouse_url)
    if not out:
        raise ScaleError("nothing to scale: write SERVICE=N[,SERVICE=N...], e.g. triage=3,notify=2")
    return out


def instances(service: str, count: int) -> list[tuple[str, int]]:
    """(process name, instance number) of each of ``count`` instances of ``service``."""
    if count == 1 and service in PLAIN_WHEN_ONE:
        return [(service, 1)]
    return [(instance_name(service, n), n) for n in range(1, count + 1)]


def ports_needed(platform: PlatformSettings, scale: Mapping[str, int] | None = None,
                 services: tuple[str, ...] = SERVICES, broker: bool = True, peers: bool = True) -> dict[str, int]:
    """Every port the stack binds, by process (``triage-2``) or peer."""
    from urllib.parse import urlparse

    ports: dict[str, int] = {}
    for name in services:
        base = platform.port_for(name)
        for process, n in instances(name, (scale or {}).get(name, 1)):
            ports[process] = instance_port(base, n)
    if broker:
        ports["broker"] = platform.shared.broker_port
    if peers:
        ports["smtp"] = platform.notify.smtp_port
        ports["sms"] = urlparse(platform.notify.sms_url).port or 80
    return ports


def port_problem(ports: Mapping[str, int], lang: str = DEFAULT) -> str | None:
    """What is wrong with the ports the stack would bind (out of range, shared by two processes, in use), or None;
    said in ``lang``."""
    from remedy.runtime.broker import port_open

    problems = [text("ports.not_a_port", lang, name=name, port=port) for name, port in ports.items() if not 0 < port < 65536]
    seen: dict[int, str] = {}
    for name, port in ports.items():
        if port in seen:
            problems.append(text("ports.shared", lang, first=seen[port], second=name, port=port))
        seen.setdefault(port, name)
    if problems:
        return text("ports.clash", lang, problems=", ".join(problems))
    busy = {name: port for name, port in ports.items() if port_open("127.0.0.1", port)}
    if busy:
        return text("ports.in_use", lang, busy=", ".join(f"{n} {p}" for n, p in busy.items()))
    return None


# ---------------------------------------------------------------- Prometheus

SCRAPE_HEADER = """\
# Scrape every instance of every Remedy service's /metrics. Instance n of a service serves on
# REMEDY_<SERVICE>_PORT + {stride}*(n-1), with the ports the settings had when remedy.ops.scale made
# this ({what}). For another scale or other ports:
#   python -m remedy.ops.scale triage=3,gateway=2 > prometheus.yml
global:
  scrape_interval: 15s
  evaluation_interval: 15s

rule_files:
  - {rules}

scrape_configs:
"""


def scrape_config(platform: PlatformSettings, scale: Mapping[str, int] | None = None,
                  services: tuple[str, ...] = SERVICES, rules: str = "alerts.yml", host: str = "127.0.0.1",
                  what: str = "") -> str:
    """Prometheus' config for the stack: one job per service, one target per instance (each labelled with
    its process name), so a scaled service is scraped on every instance's port."""
    scale = scale or {}
    scaled = ",".join(f"{s}={n}" for s, n in scale.items() if n > 1)
    what = what or (f"--scale {scaled}" if scaled else "every service once")
    lines = [SCRAPE_HEADER.format(stride=PORT_STRIDE, what=what, rules=rules)]
    for name in services:
        base = platform.port_for(name)
        lines.append(f"  - job_name: {name}\n    static_configs:\n")
        lines += [f'      - {{targets: ["{host}:{instance_port(base, n)}"], labels: {{service: {name}, process: {process}}}}}\n'
                  for process, n in instances(name, scale.get(name, 1))]
    return "".join(lines)


def prepare(platform: PlatformSettings, scale: Mapping[str, int], services: tuple[str, ...], data_dir: Path,
            env: Mapping[str, str]) -> list[str]:
    """What the stack does before any process starts: ``<data dir>/prometheus.yml`` scraping every instance,
    and the keys file every gateway shares (dev keys made once, when absent). Returns lines for the operator."""
    from services.gateway.keys import load_or_create, shared_keys_path

    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "prometheus.yml").write_text(scrape_config(platform, scale, services, rules=str(ALERTS)))
    told = [f"prometheus: {data_dir / 'prometheus.yml'} scrapes every instance"]
    if "gateway" in services:
        path = Path(env["REMEDY_GATEWAY_KEYS"]) if env.get("REMEDY_GATEWAY_KEYS") else shared_keys_path(data_dir)
        made = load_or_create(path)[1]
        if made is not None:
            told.append(f"gateway: dev keys generated at {path} (plaintext in {made}), shared by every gateway")
    return told


def main(argv: list[str] | None = None) -> None:
    """``python -m remedy.ops.scale [SERVICE=N,...]``: the scrape config for that scale, on stdout."""
    import sys

    argv = sys.argv[1:] if argv is None else argv
    try:
        scale = parse_scale(argv[0]) if argv else {}
    except ScaleError as exc:
        sys.exit(str(exc))
    print(scrape_config(PlatformSettings.from_env(), scale), end="")


if __name__ == "__main__":
    main()

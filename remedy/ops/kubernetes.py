"""``python -m remedy.ops.kubernetes``: the generated Kubernetes manifests of ``deploy/kubernetes/``, one
Deployment per service (``deployments.yaml``) and the ConfigMap from ``deploy/remedy.env.example`` without its
secrets (``configmap.yaml``); ``--check`` exits 1 if the committed files differ. The other manifests there are
written by hand.

Ports are the settings' defaults; replicas the defaults below (change them in the file, with
``kubectl scale``, or a kustomize ``replicas:`` entry: docs/runbook.md). Requests and limits come from the
README's measurements (``SOURCES``). Needs PyYAML (the ``test`` extra).
"""
from __future__ import annotations

import sys

import yaml

from remedy.kernel.settings import REPO_ROOT
from remedy.ops.scale import SERVICES

OUT = REPO_ROOT / "deploy" / "kubernetes"
EXAMPLE = REPO_ROOT / "deploy" / "remedy.env.example"
IMAGE = "remedy:0.1.0"
REPLICAS = {"triage": 2, "notify": 2, "gateway": 2}
SECRET_ENV = ("REMEDY_PSEUDONYM_KEY", "REMEDY_PII_KEY", "REMEDY_PORTAL_SECRET", "REMEDY_CASE_ID_KEY")
NOT_IN_CONFIGMAP = {*SECRET_ENV, "REMEDY_CLICKHOUSE_URL"}
CONTAINER = {"REMEDY_WORKER_HOST": "0.0.0.0", "REMEDY_GATEWAY_HOST": "0.0.0.0", "REMEDY_ANALYTICS_HOST": "0.0.0.0",
             "REMEDY_DATA_DIR": "/var/lib/remedy", "REMEDY_KAFKA_PASSWORD_FILE": "/etc/remedy-kafka/password",
             "REMEDY_LOG_FORMAT": "json", "REMEDY_GATEWAY_EVIDENCE_DIR": "/var/lib/remedy-evidence"}
EVIDENCE_DIR = CONTAINER["REMEDY_GATEWAY_EVIDENCE_DIR"]
# (cpu request, memory request, cpu limit, memory limit) and where the figures come from (README).
DEFAULT = ("250m", "384Mi", "1", "768Mi")
RESOURCES = {"mediation": ("500m", "384Mi", "1", "768Mi"), "notify": ("500m", "384Mi", "1", "768Mi"),
             "analytics": ("500m", "512Mi", "1", "1Gi"), "gateway": ("250m", "512Mi", "1", "1Gi")}
SOURCES = """\
# Requests and limits, from the README: bench_million (at most 453 MiB RSS per service), bench_table_store (a
# worker's RocksDB tables: 306 MiB peak RSS at 300,000 cases, 404 MiB at 1,000,000) -> 384Mi asked, 768Mi at most;
# bench_mediation_desk (a million cases an hour take ~40% of a core on the one desk partition) -> mediation 500m;
# bench_documents (18 ms of CPU a legal document) -> notify 500m; bench_analytics (23,500-31,500 events/s on a
# core) -> analytics 500m, 1 core at most; the gateway keeps its read model on disk -> 512Mi, 1Gi at most.
"""


def labels(service: str) -> dict:
    return {"app.kubernetes.io/name": "remedy", "app.kubernetes.io/component": service}


def env(service: str) -> list[dict]:
    def secret(name: str, key: str) -> dict:
        return {"name": name, "valueFrom": {"secretKeyRef": {"name": "remedy-secrets", "key": key}}}
    out = [{"name": "REMEDY_KAFKA_USERNAME", "value": service}]
    out += [secret(name, name.lower().replace("_", "-")) for name in SECRET_ENV]
    if service == "analytics":
        out.append(secret("REMEDY_CLICKHOUSE_URL", "remedy-clickhouse-url"))
    return out


def probes(service: str, port: int) -> dict:
    def get(path: str, period: int, failures: int) -> dict:
        return {"httpGet": {"path": path, "port": "http"}, "periodSeconds": period, "timeoutSeconds": 5,
                "failureThreshold": failures}
    # A gateway rebuilds its read model from offset 0 on a fresh volume: up to 10 minutes before it is ready.
    startup = get("/healthz", 10, 60 if service == "gateway" else 18)
    return {"startupProbe": startup, "livenessProbe": get("/healthz", 15, 4),
            "readinessProbe": get("/healthz" if service == "analytics" else "/readyz", 10, 3)}


def container(service: str, port: int) -> dict:
    cpu_req, mem_req, cpu_lim, mem_lim = RESOURCES.get(service, DEFAULT)
    return {
        "name": service, "image": IMAGE, "command": ["python", "-m", f"services.{service}"],
        "ports": [{"name": "http", "containerPort": port}],
        "envFrom": [{"configMapRef": {"name": "remedy-config"}}], "env": env(service),
        **probes(service, port),
        "resources": {"requests": {"cpu": cpu_req, "memory": mem_req}, "limits": {"cpu": cpu_lim, "memory": mem_lim}},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": [{"name": "data", "mountPath": "/var/lib/remedy"}, {"name": "tmp", "mountPath": "/tmp"},
                         {"name": "files", "mountPath": "/etc/remedy", "readOnly": True},
                         {"name": "kafka", "mountPath": "/etc/remedy-kafka", "readOnly": True}]
        + ([{"name": "evidence", "mountPath": EVIDENCE_DIR}] if service == "gateway" else []),
    }


def evidence_claim() -> dict:
    """Every gateway instance reads and writes the one evidence store: a ReadWriteMany volume (NFS, CephFS, EFS…)."""
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "remedy-evidence", "namespace": "remedy", "labels": {"app.kubernetes.io/part-of": "remedy"}},
            "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "500Gi"}}}}


def deployment(service: str, port: int) -> dict:
    pod = {
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "fsGroup": 10001},
        "terminationGracePeriodSeconds": 30,
        "containers": [container(service, port)],
        "volumes": [{"name": "data", "emptyDir": {}}, {"name": "tmp", "emptyDir": {}},
                    {"name": "files", "secret": {"secretName": "remedy-files"}},
                    {"name": "kafka", "secret": {"secretName": f"remedy-kafka-{service}"}}]
        + ([{"name": "evidence", "persistentVolumeClaim": {"claimName": "remedy-evidence"}}] if service == "gateway" else []),
    }
    scrape = {"prometheus.io/scrape": "true", "prometheus.io/port": str(port), "prometheus.io/path": "/metrics"}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": f"remedy-{service}", "namespace": "remedy", "labels": labels(service)},
            "spec": {"replicas": REPLICAS.get(service, 1), "selector": {"matchLabels": labels(service)},
                     "template": {"metadata": {"labels": labels(service), "annotations": scrape}, "spec": pod}}}


def configmap() -> dict:
    data = {}
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#") and key not in NOT_IN_CONFIGMAP:
            data[key] = value
    data.update(CONTAINER)
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "remedy-config", "namespace": "remedy"},
            "data": data}


def dump(docs: list[dict], header: str) -> str:
    return header + "".join("---\n" + yaml.safe_dump(d, sort_keys=False, width=120) for d in docs)


def files() -> dict[str, str]:
    from remedy.ops.settings import PlatformSettings

    platform = PlatformSettings.from_env({})
    head = "# GENERATED by `python -m remedy.ops.kubernetes`: edit remedy/ops/kubernetes.py (or use kustomize), then run it.\n"
    deployments = [deployment(s, platform.port_for(s)) for s in SERVICES]
    return {"deployments.yaml": dump(deployments, head + SOURCES),
            "evidence-volume.yaml": dump([evidence_claim()], head + "# The lenders' evidence files: one volume every "
                                         "gateway instance mounts (REMEDY_GATEWAY_EVIDENCE_DIR).\n"),
            "configmap.yaml": dump([configmap()], head + "# deploy/remedy.env.example without its secrets "
                                   "(those are in the remedy-secrets Secret), plus what a container needs.\n")}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    stale = [name for name, text in files().items()
             if not (OUT / name).exists() or (OUT / name).read_text(encoding="utf-8") != text]
    if "--check" in argv:
        print("up to date" if not stale else f"stale: {', '.join(stale)} (python -m remedy.ops.kubernetes)")
        return 1 if stale else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in files().items():
        (OUT / name).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

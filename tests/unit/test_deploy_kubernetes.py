"""``deploy/kubernetes/``: every manifest validated offline against the Kubernetes API's JSON schemas
(``kubernetes-validate``, strict: an unknown field fails), the generated ones current, and the rules an operator
relies on: a Deployment per service with its probes and resources, secrets referenced and never filled, only
the gateway and analytics open to outside traffic."""
from __future__ import annotations

import pytest
import yaml

from remedy.kernel.settings import REPO_ROOT
from remedy.ops import kubernetes
from remedy.ops.scale import SERVICES
from remedy.ops.settings import PlatformSettings

KUBE = REPO_ROOT / "deploy" / "kubernetes"
VERSION = "1.33"
CUSTOM = {"PodMonitor", "Kustomization"}   # CRDs: no schema in kubernetes-validate, checked below by hand


def manifests() -> list[dict]:
    docs = []
    for path in sorted(KUBE.glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    return docs


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    return manifests()


def by_kind(docs, kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def test_generated_manifests_are_current():
    assert kubernetes.main(["--check"]) == 0


def test_every_manifest_is_valid_against_the_kubernetes_schemas(docs):
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    for doc in docs:
        if doc["kind"] not in CUSTOM:
            kubernetes_validate.validate(doc, VERSION, strict=True)


def test_a_deployment_per_service_with_probes_resources_and_scrape_annotations(docs):
    deployments = by_kind(docs, "Deployment")
    platform = PlatformSettings.from_env({})
    assert set(deployments) == {f"remedy-{s}" for s in SERVICES}
    for service in SERVICES:
        pod = deployments[f"remedy-{service}"]["spec"]["template"]
        (box,) = pod["spec"]["containers"]
        port = platform.port_for(service)
        assert box["command"] == ["python", "-m", f"services.{service}"]
        assert box["ports"] == [{"name": "http", "containerPort": port}]
        assert box["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert box["readinessProbe"]["httpGet"]["path"] == ("/healthz" if service == "analytics" else "/readyz")
        assert set(box["resources"]) == {"requests", "limits"}
        assert pod["metadata"]["annotations"]["prometheus.io/port"] == str(port)


def test_secrets_are_referenced_never_filled(docs):
    assert not by_kind(docs, "Secret"), "Secrets are created by the operator (docs/runbook.md), not committed"
    config = by_kind(docs, "ConfigMap")["remedy-config"]["data"]
    assert not set(config) & kubernetes.NOT_IN_CONFIGMAP
    for name, deployment in by_kind(docs, "Deployment").items():
        (box,) = deployment["spec"]["template"]["spec"]["containers"]
        for var in box["env"]:
            if var["name"] in kubernetes.NOT_IN_CONFIGMAP:
                assert var["valueFrom"]["secretKeyRef"]["name"] == "remedy-secrets", (name, var)


def test_only_the_gateway_and_analytics_take_outside_traffic(docs):
    policies = by_kind(docs, "NetworkPolicy")
    deny = policies["remedy-default-deny-ingress"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress"]}
    open_to_all = [p for p in policies.values() if any("from" not in rule for rule in p["spec"].get("ingress", []))]
    assert [p["metadata"]["name"] for p in open_to_all] == ["remedy-public"]
    (expr,) = open_to_all[0]["spec"]["podSelector"]["matchExpressions"]
    assert sorted(expr["values"]) == ["analytics", "gateway"]


def test_the_topics_job_runs_remedy_topics_and_every_file_is_in_the_kustomization(docs):
    (job,) = by_kind(docs, "Job").values()
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["remedy", "topics"]
    kustomization = yaml.safe_load((KUBE / "kustomization.yaml").read_text(encoding="utf-8"))
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in KUBE.glob("*.yaml")} - {"kustomization.yaml", "podmonitor.yaml"}
    (monitor,) = by_kind(docs, "PodMonitor").values()
    assert monitor["spec"]["podMetricsEndpoints"][0]["port"] == "http"


def test_every_gateway_instance_mounts_the_one_shared_evidence_volume(docs):
    claim = by_kind(docs, "PersistentVolumeClaim")["remedy-evidence"]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"], "several gateway pods write it at once"
    pod = by_kind(docs, "Deployment")["remedy-gateway"]["spec"]["template"]["spec"]
    assert {"name": "evidence", "persistentVolumeClaim": {"claimName": "remedy-evidence"}} in pod["volumes"]
    mount = next(m for m in pod["containers"][0]["volumeMounts"] if m["name"] == "evidence")
    config = by_kind(docs, "ConfigMap")["remedy-config"]["data"]
    assert mount["mountPath"] == config["REMEDY_GATEWAY_EVIDENCE_DIR"]

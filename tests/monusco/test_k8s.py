"""The cluster deployment (deploy/k8s): every rendered manifest is valid against the Kubernetes
schemas (kubernetes-validate, strict: an unknown field is an error), and the deployment keeps its
promises: secrets referenced and never included, exactly one beat, workers consuming every queue a
task is routed to, probes on /healthz, the spool volume where intake writes and replays it."""

from __future__ import annotations

import copy
import shlex
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from django.conf import settings
from kubernetes_validate.utils import ValidationError

ROOT = Path(settings.BASE_DIR)
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.30.0"
NAMESPACED = {
    "ConfigMap",
    "Deployment",
    "Service",
    "Job",
    "PersistentVolumeClaim",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
}


def _kustomization() -> dict:
    return yaml.safe_load((K8S / "kustomization.yaml").read_text())


def render() -> list[dict]:
    """What ``kustomize build deploy/k8s`` gives for this kustomization: its resources with the
    namespace, the common labels and the image tag applied. The kustomization may use only these
    fields (a test below holds it to them), so this rendering is the whole of it."""
    kustomization = _kustomization()
    labels = {k: v for entry in kustomization.get("labels", []) for k, v in entry["pairs"].items()}
    tags = {image["name"]: image["newTag"] for image in kustomization.get("images", [])}
    rendered = []
    for name in kustomization["resources"]:
        for document in yaml.safe_load_all((K8S / name).read_text()):
            document = copy.deepcopy(document)
            metadata = document.setdefault("metadata", {})
            if document["kind"] in NAMESPACED:
                metadata["namespace"] = kustomization["namespace"]
            metadata.setdefault("labels", {}).update(labels)
            for container in _containers(document):
                if container["image"] in tags:
                    container["image"] = f"{container['image']}:{tags[container['image']]}"
            rendered.append(document)
    return rendered


def _pod_spec(document: dict) -> dict | None:
    if document["kind"] in ("Deployment", "Job"):
        return document["spec"]["template"]["spec"]
    return None


def _containers(document: dict) -> list[dict]:
    spec = _pod_spec(document)
    return spec["containers"] if spec else []


def _by_name(kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in render() if d["kind"] == kind}


def test_the_kustomization_lists_every_manifest_and_uses_only_what_render_applies():
    kustomization = _kustomization()
    assert set(kustomization) == {"apiVersion", "kind", "namespace", "labels", "images", "resources"}
    assert sorted(kustomization["resources"]) == sorted(
        p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml"
    )


@pytest.mark.parametrize("document", render(), ids=lambda d: f"{d['kind']}-{d['metadata']['name']}")
def test_every_rendered_manifest_is_valid_against_the_kubernetes_schema(document):
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_validator_refuses_a_wrong_manifest():
    web = copy.deepcopy(_by_name("Deployment")["monusco-web"])
    web["spec"]["replicas"] = "two"
    with pytest.raises(ValidationError):
        kubernetes_validate.validate(web, KUBERNETES_VERSION, strict=True)
    web = copy.deepcopy(_by_name("Deployment")["monusco-web"])
    web["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}  # misspelt: strict refuses it
    with pytest.raises(ValidationError):
        kubernetes_validate.validate(web, KUBERNETES_VERSION, strict=True)


def test_secrets_are_referenced_and_never_included():
    documents = render()
    assert [d for d in documents if d["kind"] == "Secret"] == []
    for document in documents:
        for container in _containers(document):
            if container["image"].startswith("monusco-field"):
                assert {"secretRef": {"name": "monusco-secrets"}} in container["envFrom"]
            for variable in container.get("env", []):
                assert "value" not in variable or "KEY" not in variable["name"]
    config = _by_name("ConfigMap")["monusco-config"]["data"]
    assert not {"SECRET_KEY", "FIELD_ENCRYPTION_KEY", "FIELD_HASH_KEY", "DATABASE_URL", "METRICS_TOKEN"} & set(config)


def test_exactly_one_beat_that_is_never_doubled_by_a_rolling_update():
    beats = [
        d for d in render() if d["kind"] == "Deployment" and any("beat" in c.get("command", []) for c in _containers(d))
    ]
    assert [b["metadata"]["name"] for b in beats] == ["monusco-beat"]
    assert beats[0]["spec"]["replicas"] == 1
    assert beats[0]["spec"]["strategy"] == {"type": "Recreate"}
    assert "HorizontalPodAutoscaler" not in {d["kind"] for d in render() if d["metadata"]["name"] == "monusco-beat"}


def _worker_queues() -> dict[str, set[str]]:
    queues = {}
    for name, deployment in _by_name("Deployment").items():
        for container in _containers(deployment):
            command = container.get("command", [])
            if command[:4] == ["celery", "-A", "monusco", "worker"]:
                queues[name] = set(command[command.index("--queues") + 1].split(","))
    return queues


def test_a_worker_per_queue_by_urgency_consuming_every_queue_a_task_is_routed_to():
    from monusco.metrics import queue_names

    consumed = set().union(*_worker_queues().values())
    assert set(queue_names()) <= consumed  # every route's queue and the default queue
    assert _worker_queues() == {
        "monusco-worker-alerts": {"alerts"},
        "monusco-worker-sms": {"sms"},
        "monusco-worker-default": {"default", "partners"},
    }


def test_web_is_probed_autoscaled_and_kept_through_disruptions():
    web = _by_name("Deployment")["monusco-web"]
    container = _containers(web)[0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz?probe=ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz?probe=live"
    for probe in ("readinessProbe", "livenessProbe"):
        assert {"name": "X-Forwarded-Proto", "value": "https"} in container[probe]["httpGet"]["httpHeaders"]
    hpa = _by_name("HorizontalPodAutoscaler")["monusco-web"]
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "monusco-web"}
    assert hpa["spec"]["minReplicas"] >= 2
    deployments = _by_name("Deployment")
    for budget in _by_name("PodDisruptionBudget").values():
        wanted = budget["spec"]["selector"]["matchLabels"]
        matching = [
            d for d in deployments.values() if wanted.items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(matching) == 1, budget["metadata"]["name"]
        assert budget["spec"]["minAvailable"] == 1
        assert matching[0]["spec"]["replicas"] >= 2  # a budget of 1 over 1 pod would block every drain


def test_the_gunicorn_command_is_the_images_and_the_migration_job_goes_to_postgresql_directly():
    dockerfile_cmd = [line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD ")][0]
    assert _containers(_by_name("Deployment")["monusco-web"])[0]["command"] == yaml.safe_load(dockerfile_cmd[4:])
    job = _by_name("Job")["monusco-migrate"]
    container = _containers(job)[0]
    assert container["command"] == shlex.split("python manage.py migrate --noinput")
    assert container["env"] == [
        {
            "name": "DATABASE_URL",
            "valueFrom": {"secretKeyRef": {"name": "monusco-secrets", "key": "DATABASE_DIRECT_URL"}},
        }
    ]


def test_the_spool_volume_is_mounted_where_intake_writes_and_replays():
    spool_dir = _by_name("ConfigMap")["monusco-config"]["data"]["CAN_SPOOL_DIR"]
    claim = _by_name("PersistentVolumeClaim")["intake-spool"]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]  # every web pod writes, the replay reads all
    for name in ("monusco-web", "monusco-worker-alerts"):
        spec = _pod_spec(_by_name("Deployment")[name])
        assert {"name": "intake-spool", "persistentVolumeClaim": {"claimName": "intake-spool"}} in spec["volumes"]
        assert {"name": "intake-spool", "mountPath": spool_dir} in spec["containers"][0]["volumeMounts"]


def test_pgbouncer_pools_per_transaction_and_the_app_turns_prepared_statements_off():
    ini = _by_name("ConfigMap")["pgbouncer-config"]["data"]["pgbouncer.ini"]
    assert "pool_mode = transaction" in ini.splitlines()
    assert _by_name("ConfigMap")["monusco-config"]["data"]["DB_PREPARED_STATEMENTS"] == "false"
    assert "apt-get install -y --no-install-recommends pgbouncer" in (ROOT / "deploy/pgbouncer/Dockerfile").read_text()


@pytest.mark.django_db
def test_the_example_alert_rules_name_only_figures_the_app_serves(client, settings):
    import re
    import socket

    from prometheus_client.parser import text_string_to_metric_families

    rules = yaml.safe_load((ROOT / "deploy/prometheus/alert-rules.yaml").read_text())
    named = {
        name
        for group in rules["groups"]
        for rule in group["rules"]
        for name in re.findall(r"\bmonusco_[a-z_]+", rule["expr"])
    }
    assert {rule["alert"] for group in rules["groups"] for rule in group["rules"]} >= {
        "CommunityAlertNotAcknowledged",
        "StaffSmsFailing",
        "IntakeSpoolNotEmpty",
        "ReadReplicaLagging",
    }
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CELERY_BROKER_URL = (
        f"redis://127.0.0.1:{port}/0"  # a broker that does not answer: its figures still appear
    )
    served = set()
    for family in text_string_to_metric_families(client.get("/metrics").content.decode()):
        served.add(family.name)
        served.update(sample.name for sample in family.samples)
    assert sorted(named - served) == []

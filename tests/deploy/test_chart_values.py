"""What a chart user expects to set (as bitnami, kube-prometheus-stack and grafana charts allow), each
shown in the rendered objects: service account, scheduling, pod metadata, extra env and volumes,
probes, autoscaling behavior, images, Service annotations, `helm test`, dashboards per release,
Chart.yaml's metadata."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "uptick"
COMPONENTS = ("auth", "monitors", "poller", "ingest", "notifier", "checker")
DIGEST = "sha256:" + "ab" * 32

Doc = dict[str, Any]


def uptick_deployments(helm, docs: list[Doc]) -> dict[str, Doc]:
    return {d["metadata"]["labels"]["app.kubernetes.io/component"]: d for d in helm.of_kind(docs, "Deployment")}


def container(deployment: Doc) -> Doc:
    return deployment["spec"]["template"]["spec"]["containers"][0]


@pytest.fixture
def values_file(tmp_path):
    def write(text: str) -> str:
        path = tmp_path / f"values-{abs(hash(text))}.yaml"
        path.write_text(text)
        return str(path)

    return write


def test_service_account_with_annotations(helm):
    role = "serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=arn:aws:iam::1:role/u"
    docs = helm.render("default", "--set", role)
    account = helm.by_name(docs, "ServiceAccount")["uptick"]
    assert account["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/u"}
    assert account["automountServiceAccountToken"] is False
    for deployment in helm.of_kind(docs, "Deployment"):
        assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == "uptick"
    docs = helm.render("default", "--set", "serviceAccount.create=false")
    assert not helm.of_kind(docs, "ServiceAccount")
    assert all("serviceAccountName" not in d["spec"]["template"]["spec"] for d in helm.of_kind(docs, "Deployment"))


def test_pods_spread_over_zones_and_nodes_by_default(helm, value_set):
    for deployment in helm.of_kind(helm.render(value_set), "Deployment"):
        spread = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
        assert {c["topologyKey"] for c in spread} == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert all(c["labelSelector"] == {"matchLabels": selector} for c in spread)
        assert all(c["whenUnsatisfiable"] == "ScheduleAnyway" for c in spread)


def test_scheduling_and_pod_metadata(helm, values_file):
    path = values_file(
        "priorityClassName: uptick-high\n"
        "podLabels: {team: sre}\n"
        "podAnnotations: {example.com/all: 'yes'}\n"
        "checker:\n"
        "  priorityClassName: uptick-checkers\n"
        "  podLabels: {role: checker}\n"
        "  topologySpreadConstraints:\n"
        "    - {maxSkew: 2, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule}\n"
    )
    deployments = uptick_deployments(helm, helm.render("default", "-f", path))
    auth = deployments["auth"]["spec"]["template"]
    assert auth["spec"]["priorityClassName"] == "uptick-high"
    assert auth["metadata"]["labels"]["team"] == "sre"
    assert auth["metadata"]["annotations"]["example.com/all"] == "yes"
    checker = deployments["checker-eu-west"]["spec"]["template"]
    assert checker["spec"]["priorityClassName"] == "uptick-checkers"
    assert checker["metadata"]["labels"]["role"] == "checker" and checker["metadata"]["labels"]["team"] == "sre"
    (spread,) = checker["spec"]["topologySpreadConstraints"]
    assert spread["maxSkew"] == 2
    assert spread["labelSelector"]["matchLabels"]["app.kubernetes.io/component"] == "checker-eu-west"


def test_extra_env_takes_secrets_and_sources(helm, values_file):
    path = values_file(
        "extraEnv:\n"
        "  - {name: UPTICK_SENTRY_DSN, valueFrom: {secretKeyRef: {name: sentry, key: dsn}}}\n"
        "extraEnvFrom:\n"
        "  - secretRef: {name: shared-secrets}\n"
        "monitors:\n"
        "  extraEnv: [{name: UPTICK_ONLY_MONITORS, value: '1'}]\n"
        "  extraEnvFrom: [{configMapRef: {name: monitors-extra}}]\n"
    )
    docs = helm.render("default", "-f", path)
    deployments = uptick_deployments(helm, docs)
    for component, deployment in deployments.items():
        env = helm.env_of(container(deployment))
        assert env["UPTICK_SENTRY_DSN"] == {"secretKeyRef": {"name": "sentry", "key": "dsn"}}
        assert {"secretRef": {"name": "shared-secrets"}} in container(deployment)["envFrom"]
        assert ("UPTICK_ONLY_MONITORS" in env) == (component == "monitors")
    assert {"configMapRef": {"name": "monitors-extra"}} in container(deployments["monitors"])["envFrom"]
    (job,) = helm.of_kind(docs, "Job")
    assert helm.env_of(job["spec"]["template"]["spec"]["containers"][0])["UPTICK_SENTRY_DSN"]["secretKeyRef"]
    config = helm.by_name(docs, "ConfigMap")["uptick-config"]["data"]
    assert "UPTICK_SENTRY_DSN" not in config, "a secret never lands in the ConfigMap"


def test_extra_volumes_for_a_ca_bundle(helm, values_file):
    path = values_file(
        "extraVolumes: [{name: redis-ca, secret: {secretName: redis-ca}}]\n"
        "extraVolumeMounts: [{name: redis-ca, mountPath: /etc/uptick/redis-ca, readOnly: true}]\n"
        "checker:\n"
        "  extraVolumes: [{name: extra, emptyDir: {}}]\n"
        "  extraVolumeMounts: [{name: extra, mountPath: /extra}]\n"
    )
    docs = helm.render("default", "-f", path)
    for component, deployment in uptick_deployments(helm, docs).items():
        volumes = {v["name"] for v in deployment["spec"]["template"]["spec"]["volumes"]}
        mounts = {m["mountPath"] for m in container(deployment)["volumeMounts"]}
        assert "redis-ca" in volumes and "/etc/uptick/redis-ca" in mounts
        assert ("extra" in volumes) == component.startswith("checker")
    (job,) = helm.of_kind(docs, "Job")
    assert "redis-ca" in {v["name"] for v in job["spec"]["template"]["spec"]["volumes"]}


def test_probe_overrides_merge_over_the_defaults(helm):
    docs = helm.render("default", "--set", "ingest.livenessProbe.failureThreshold=12",
                       "--set", "ingest.startupProbe.failureThreshold=150")
    ingest = container(uptick_deployments(helm, docs)["ingest"])
    assert ingest["livenessProbe"]["failureThreshold"] == 12
    assert ingest["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    assert ingest["startupProbe"]["failureThreshold"] == 150
    poller = container(uptick_deployments(helm, docs)["poller"])
    assert poller["livenessProbe"]["failureThreshold"] == 6


def test_hpa_behavior(helm, values_file):
    path = values_file(
        "monitors:\n  autoscaling:\n    enabled: true\n"
        "    behavior: {scaleDown: {stabilizationWindowSeconds: 600}}\n"
    )
    hpa = helm.by_name(helm.render("default", "-f", path), "HorizontalPodAutoscaler")["uptick-monitors"]
    assert hpa["spec"]["behavior"] == {"scaleDown": {"stabilizationWindowSeconds": 600}}


def test_images_per_component_by_tag_or_digest(helm):
    docs = helm.render("default", "--set", "global.imageRegistry=mirror.example.com",
                       "--set", "checker.image.tag=0.1.1", "--set", f"auth.image.digest={DIGEST}",
                       "--set", "ingest.image.repository=team/ingest")
    images = {c: container(d)["image"] for c, d in uptick_deployments(helm, docs).items()}
    assert images["auth"] == f"mirror.example.com/uptick-auth@{DIGEST}"
    assert images["checker-eu-west"] == "mirror.example.com/uptick-checker:0.1.1"
    assert images["ingest"] == "mirror.example.com/team/ingest:0.1.0"
    assert images["poller"] == "mirror.example.com/uptick-poller:0.1.0"
    dev = helm.render("dev", "--set", "global.imageRegistry=mirror.example.com")
    for statefulset in helm.of_kind(dev, "StatefulSet"):
        assert statefulset["spec"]["template"]["spec"]["containers"][0]["image"].startswith("mirror.example.com/")
    result = helm.run("template", "uptick", str(CHART), "--set", "auth.image.digest=latest", check=False)
    assert result.returncode != 0, "a digest is sha256:<64 hex>"


def test_service_annotations(helm):
    docs = helm.render("default", "--set-string", "monitors.service.annotations.cloud\\.google\\.com/neg=standalone")
    service = helm.by_name(docs, "Service")["uptick-monitors"]
    assert service["metadata"]["annotations"] == {"cloud.google.com/neg": "standalone"}


def test_helm_test_asks_the_api(helm):
    docs = helm.render("default")
    (pod,) = helm.of_kind(docs, "Pod")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    args = pod["spec"]["containers"][0]["command"]
    urls = [a for a in args if a.startswith("http://")]
    assert urls == [
        "http://uptick-auth:8000/readyz",
        "http://uptick-auth:8000/api/auth/openapi.json",
        "http://uptick-monitors:8000/readyz",
        "http://uptick-monitors:8000/api/openapi.json",
    ]
    assert pod["spec"]["restartPolicy"] == "Never"
    assert not helm.of_kind(helm.render("default", "--set", "tests.enabled=false"), "Pod")


def test_dashboards_differ_between_releases(helm, helm_bin):
    def dashboards(release: str, namespace: str) -> dict[str, Doc]:
        out = helm.run("template", release, str(CHART), "--namespace", namespace,
                       "--show-only", "templates/metrics/dashboards.yaml").stdout
        found = {}
        for doc in helm.yaml.safe_load_all(out):
            if doc:
                (content,) = doc["data"].values()
                dashboard = json.loads(content)
                found[dashboard["uid"]] = dashboard
        return found

    first, second = dashboards("uptick", "uptick"), dashboards("uptick", "staging")
    assert len(first) == len(second) == 2 and not set(first) & set(second)
    assert not {d["title"] for d in first.values()} & {d["title"] for d in second.values()}
    for dashboard in second.values():
        assert len(dashboard["uid"]) <= 40
        (namespace,) = [v for v in dashboard["templating"]["list"] if v["name"] == "namespace"]
        assert namespace["current"]["value"] == "staging"


def test_chart_metadata(yaml_module):
    chart = yaml_module.safe_load((CHART / "Chart.yaml").read_text())
    for key in ("home", "sources", "maintainers", "keywords", "kubeVersion", "annotations", "description"):
        assert chart.get(key), key
    assert "2.11" in json.dumps(chart["annotations"])


@pytest.mark.parametrize("component", COMPONENTS)
def test_every_component_takes_the_same_keys(yaml_module, component):
    """Adding a component copies one block: the keys every component has (STYLE.md's pattern)."""
    values = yaml_module.safe_load((CHART / "values.yaml").read_text())
    common = {"replicaCount", "image", "resources", "podDisruptionBudget", "service", "nodeSelector", "tolerations",
              "affinity", "topologySpreadConstraints", "priorityClassName", "podAnnotations", "podLabels",
              "extraEnv", "extraEnvFrom", "extraVolumes", "extraVolumeMounts", "startupProbe", "livenessProbe",
              "readinessProbe", "preStopSleepSeconds", "terminationGracePeriodSeconds"}
    assert common <= set(values[component]), common - set(values[component])
    schema = json.loads((CHART / "values.schema.json").read_text())
    if component in ("auth", "monitors", "ingest", "notifier"):  # one schema for the components without extras
        assert schema["properties"][component] == {"$ref": "#/definitions/component"}

"""What a real install needs and no cluster here can show: hooks that only reference objects that
exist when they run, nothing internal behind the Ingress, probes that let a pod wait for its
dependencies, rollouts that drain, NetworkPolicies that select every pod and open no port to every
address, one scrape per pod, KEDA that can take over, drains that an outage does not block.
Each test reads the objects `helm template` renders, for every example's values."""

from __future__ import annotations

import copy
import ipaddress
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "uptick"
HOOK = "helm.sh/hook"
HELM_DEFAULT_TIMEOUT_S = 300
INTERNAL_PATHS = ("/metrics", "/healthz", "/readyz")
# Components that serve /healthz, /readyz and /metrics on the port the Ingress would route to.
INTERNAL_ON_HTTP = {"auth", "monitors"}
NETWORK_POLICIES = (
    "--set", "networkPolicy.enabled=true",
    "--set", "networkPolicy.database.peers[0].ipBlock.cidr=10.20.0.5/32",
    "--set", "networkPolicy.redis.peers[0].ipBlock.cidr=10.20.1.5/32",
)
CONNECTIONS = ("--set", "externalDatabase.url=postgresql://u:p@db:5432/uptick", "--set", "externalRedis.url=redis://r:6379/0")
# Renders beyond the examples that change what the hooks reference.
INSTALLS = {
    "default": (),
    "urls": CONNECTIONS,
    "urls+policies": (*CONNECTIONS, *NETWORK_POLICIES),
    "no service account": ("--set", "serviceAccount.create=false", "--set", "serviceAccount.name=mine"),
}

Doc = dict[str, Any]


def annotations(doc: Doc) -> dict[str, str]:
    return doc["metadata"].get("annotations") or {}


def install_hook(doc: Doc) -> bool:
    return "pre-install" in annotations(doc).get(HOOK, "").split(",")


def weight(doc: Doc) -> int:
    return int(annotations(doc).get("helm.sh/hook-weight", "0"))


def pod_spec(doc: Doc) -> Doc | None:
    if doc["kind"] == "Pod":
        return doc["spec"]
    if doc["kind"] in ("Deployment", "StatefulSet", "Job"):
        return doc["spec"]["template"]["spec"]
    return None


def pod_labels(doc: Doc) -> dict[str, str]:
    return doc["metadata"]["labels"] if doc["kind"] == "Pod" else doc["spec"]["template"]["metadata"]["labels"]


def references(spec: Doc) -> set[tuple[str, str]]:
    """The (kind, name) of every object a pod needs to start."""
    found = set()
    if spec.get("serviceAccountName"):
        found.add(("ServiceAccount", spec["serviceAccountName"]))
    found |= {("Secret", s["name"]) for s in spec.get("imagePullSecrets", [])}
    for container in spec.get("initContainers", []) + spec["containers"]:
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                found.add(("ConfigMap", source["configMapRef"]["name"]))
            if "secretRef" in source:
                found.add(("Secret", source["secretRef"]["name"]))
        for env in container.get("env", []):
            value_from = env.get("valueFrom", {})
            if "configMapKeyRef" in value_from:
                found.add(("ConfigMap", value_from["configMapKeyRef"]["name"]))
            if "secretKeyRef" in value_from:
                found.add(("Secret", value_from["secretKeyRef"]["name"]))
    for volume in spec.get("volumes", []):
        if "configMap" in volume:
            found.add(("ConfigMap", volume["configMap"]["name"]))
        if "secret" in volume:
            found.add(("Secret", volume["secret"]["secretName"]))
        if "persistentVolumeClaim" in volume:
            found.add(("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"]))
    return found


def selects(selector: Doc, labels: dict[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", expression
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def hooks_out_of_order(docs: list[Doc]) -> list[str]:
    """Every way a pre-install hook's pod would wait for an object that is not there yet."""
    rendered = {(doc["kind"], doc["metadata"]["name"]): doc for doc in docs}
    policies = [doc for doc in docs if doc["kind"] == "NetworkPolicy"]
    problems = []
    for hook in filter(install_hook, docs):
        spec = pod_spec(hook)
        if spec is None:
            continue
        name = f"{hook['kind']}/{hook['metadata']['name']}"
        for kind, ref in sorted(references(spec)):
            target = rendered.get((kind, ref))
            if target is None:
                if kind not in ("Secret", "ServiceAccount"):
                    problems.append(f"{name} needs {kind}/{ref}, which nobody creates")
            elif not install_hook(target) or weight(target) >= weight(hook):
                problems.append(f"{name} needs {kind}/{ref}, which is created after it")
        if policies:  # a namespace with default-deny: the hook's pods need their policy first
            mine = [p for p in policies if selects(p["spec"]["podSelector"], pod_labels(hook))]
            if not any(install_hook(p) and weight(p) < weight(hook) for p in mine):
                problems.append(f"{name} runs before any NetworkPolicy that admits it exists")
    return problems


# ---------- install ordering ----------


def test_hooks_reference_only_what_exists_when_they_run(helm, value_set):
    assert not hooks_out_of_order(helm.render(value_set))


@pytest.mark.parametrize("install", sorted(INSTALLS))
def test_hooks_in_order_for_each_way_of_giving_connections(helm, install):
    docs = helm.render("default", *INSTALLS[install])
    assert [d for d in docs if d["kind"] == "Job" and install_hook(d)], "the migration Job is a hook"
    assert not hooks_out_of_order(docs)


def test_the_ordering_check_catches_a_hook_that_reads_the_release_config(helm):
    """The defect this guards against: the hook read the release's ConfigMap through envFrom."""
    docs = copy.deepcopy(helm.render("default", *CONNECTIONS))
    (job,) = [d for d in docs if d["kind"] == "Job"]
    spec = job["spec"]["template"]["spec"]
    spec["containers"][0] = {**spec["containers"][0], "envFrom": [{"configMapRef": {"name": "uptick-config"}}]}
    assert hooks_out_of_order(docs) == ["Job/uptick-migrate needs ConfigMap/uptick-config, which is created after it"]


def test_migration_ends_before_helm_gives_up(helm, value_set):
    for job in helm.of_kind(helm.render(value_set), "Job"):
        assert job["spec"]["activeDeadlineSeconds"] < HELM_DEFAULT_TIMEOUT_S
    result = helm.run("template", "uptick", str(CHART), "--set", "migrations.activeDeadlineSeconds=900", check=False)
    assert result.returncode != 0, "the schema keeps the deadline under Helm's timeout"


def test_migration_hook_has_its_own_service_account(helm):
    docs = helm.render("default", "--set", "serviceAccount.annotations.iam\\.gke\\.io/gcp-service-account=a@b.iam")
    (job,) = helm.of_kind(docs, "Job")
    accounts = helm.by_name(docs, "ServiceAccount")
    hook_account = accounts[job["spec"]["template"]["spec"]["serviceAccountName"]]
    assert install_hook(hook_account) and weight(hook_account) < weight(job)
    assert annotations(hook_account)["iam.gke.io/gcp-service-account"] == "a@b.iam"
    assert annotations(accounts["uptick"]) == {"iam.gke.io/gcp-service-account": "a@b.iam"}


# ---------- ingress ----------


def routes(ingress: Doc) -> list[tuple[str | None, str, str, str]]:
    return [
        (rule.get("host"), path["path"], path["pathType"], path["backend"]["service"]["name"])
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]


def reaches(path: str, path_type: str, target: str) -> bool:
    if path_type == "Exact":
        return path == target
    return path == "/" or target == path or target.startswith(path.rstrip("/") + "/")


@pytest.mark.parametrize("web", [False, True])
def test_ingress_routes_no_internal_endpoint(helm, value_set, web):
    docs = helm.render(value_set, "--set", "ingress.enabled=true", "--set", f"web.enabled={str(web).lower()}")
    for ingress in helm.of_kind(docs, "Ingress"):
        for host, path, path_type, service in routes(ingress):
            component = service.removeprefix("uptick-")
            for internal in INTERNAL_PATHS:
                assert not (component in INTERNAL_ON_HTTP and reaches(path, path_type, internal)), (
                    f"{host}{path} → {service} makes {internal} public"
                )
            assert path != "/" or web, "/ is routed although web is off"


def test_ingress_has_no_catch_all_host_by_default(helm):
    (ingress,) = helm.of_kind(helm.render("default", "--set", "ingress.enabled=true"), "Ingress")
    assert all(rule.get("host") for rule in ingress["spec"]["rules"])


# ---------- probes and rollouts ----------


def test_startup_probe_gives_a_slow_start_time(helm, value_set):
    for deployment in helm.of_kind(helm.render(value_set), "Deployment"):
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        startup = container["startupProbe"]
        assert startup["httpGet"]["path"] == "/healthz"
        assert startup["periodSeconds"] * startup["failureThreshold"] >= 60
        # Liveness asks only whether the process lives: waiting for Postgres is readiness' business.
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_http_pods_pause_before_sigterm(helm, value_set):
    for deployment in helm.of_kind(helm.render(value_set), "Deployment"):
        component = deployment["metadata"]["labels"]["app.kubernetes.io/component"]
        spec = deployment["spec"]["template"]["spec"]
        pre_stop = spec["containers"][0].get("lifecycle", {}).get("preStop")
        if component in (*INTERNAL_ON_HTTP, "web"):  # the Ingress routes to them
            command = pre_stop["exec"]["command"]
            assert command[0] == "sleep" and 0 < int(command[1]) < spec["terminationGracePeriodSeconds"]
        else:
            assert pre_stop is None, f"{component}: nothing routes to a worker"


def test_pdbs_let_unready_pods_go(helm, value_set):
    for pdb in helm.of_kind(helm.render(value_set), "PodDisruptionBudget"):
        assert pdb["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow"


# ---------- network policies ----------


POLICY_SETS = {"three-regions": (), "dev": (), "second-cluster": (), "default": NETWORK_POLICIES,
               "keda": NETWORK_POLICIES}


@pytest.mark.parametrize("policy_set", sorted(POLICY_SETS))
def test_every_pod_is_selected_by_a_policy(helm, policy_set):
    docs = helm.render(policy_set, *POLICY_SETS[policy_set])
    policies = helm.of_kind(docs, "NetworkPolicy")
    assert policies
    for doc in docs:
        if pod_spec(doc) is None or doc["kind"] == "StatefulSet":
            continue  # the in-chart servers have ingress-only policies of their own
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        mine = [p for p in policies if selects(p["spec"]["podSelector"], pod_labels(doc))]
        assert mine, f"{name} is selected by no NetworkPolicy"
        assert all("Egress" in p["spec"]["policyTypes"] for p in mine), name


@pytest.mark.parametrize("policy_set", sorted(POLICY_SETS))
def test_egress_is_never_open_to_every_address(helm, policy_set):
    everywhere = {ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")}
    for policy in helm.of_kind(helm.render(policy_set, *POLICY_SETS[policy_set]), "NetworkPolicy"):
        for rule in policy["spec"].get("egress", []):
            name = policy["metadata"]["name"]
            assert rule.get("to"), f"{name}: egress {rule.get('ports')} to any address"
            for peer in rule["to"]:
                block = peer.get("ipBlock")
                if block and ipaddress.ip_network(block["cidr"]) in everywhere:
                    # Only the internet rule of the checkers and of the notifier (their targets and receivers),
                    # and never with the private networks in it.
                    assert name in ("uptick-checker", "uptick-notifier") and "ports" not in rule, f"{name}: {rule}"
                    assert {"169.254.0.0/16", "fe80::/10"} & set(block["except"]), f"{name}: {block}"


@pytest.mark.parametrize("dependency", ["database", "redis"])
def test_policies_need_the_peers_of_external_servers(helm, dependency):
    other = "redis" if dependency == "database" else "database"
    args = ["--set", "networkPolicy.enabled=true", "--set", f"networkPolicy.{other}.peers[0].ipBlock.cidr=10.20.0.5/32"]
    result = helm.run("template", "uptick", str(CHART), *args, check=False)
    assert result.returncode != 0
    assert f"networkPolicy.{dependency}.peers" in result.stderr


def test_ingress_controller_peers_by_pod_namespace_or_address(helm, kubernetes_validate, tmp_path):
    values = tmp_path / "peers.yaml"
    values.write_text(
        "networkPolicy:\n"
        "  ingressControllerPeers:\n"
        "    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress}}\n"
        "      podSelector: {matchLabels: {app: controller}}\n"
        "    - ipBlock: {cidr: 10.0.0.0/16}\n"
    )
    docs = helm.render("three-regions", "-f", str(values))
    policy = helm.by_name(docs, "NetworkPolicy")["uptick-monitors"]
    peers = [peer for rule in policy["spec"]["ingress"] for peer in rule["from"]]
    assert {"ipBlock": {"cidr": "10.0.0.0/16"}} in peers
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress"}},
            "podSelector": {"matchLabels": {"app": "controller"}}} in peers
    kubernetes_validate.validate(policy, "1.31.0", strict=True)


def test_the_test_pod_may_reach_the_apis(helm):
    docs = helm.render("three-regions")
    (test_pod,) = helm.of_kind(docs, "Pod")
    labels = test_pod["metadata"]["labels"]
    for component in INTERNAL_ON_HTTP:
        policy = helm.by_name(docs, "NetworkPolicy")[f"uptick-{component}"]
        assert any(
            selects(peer["podSelector"], labels)
            for rule in policy["spec"]["ingress"]
            for peer in rule["from"]
            if "podSelector" in peer and "namespaceSelector" not in peer
        ), component


# ---------- scraping ----------


def test_pods_are_scraped_once(helm, value_set):
    docs = helm.render(value_set)
    monitored = bool(helm.of_kind(docs, "ServiceMonitor"))
    for doc in docs:
        if doc["kind"] in ("Deployment", "StatefulSet"):
            annotated = "prometheus.io/scrape" in (doc["spec"]["template"]["metadata"].get("annotations") or {})
            assert not (monitored and annotated), f"{doc['metadata']['name']}: ServiceMonitor and annotations"


def test_service_monitors_keep_prometheus_labels(helm, tmp_path):
    values = tmp_path / "relabel.yaml"
    values.write_text(
        "metrics:\n  serviceMonitor:\n    enabled: true\n"
        "    relabelings: [{sourceLabels: [__meta_kubernetes_pod_node_name], targetLabel: node}]\n"
        "    metricRelabelings: [{action: drop, sourceLabels: [__name__], regex: 'python_gc_.*'}]\n"
    )
    for monitor in helm.of_kind(helm.render("default", "-f", str(values)), "ServiceMonitor"):
        (endpoint,) = monitor["spec"]["endpoints"]
        assert not endpoint.get("honorLabels"), "a pod must never overwrite namespace, pod or job"
        assert endpoint["relabelings"][:2] == [
            {"sourceLabels": ["service"], "targetLabel": "kubernetes_service"},
            {"action": "labeldrop", "regex": "service"},
        ]
        assert endpoint["relabelings"][2]["targetLabel"] == "node"
        assert endpoint["metricRelabelings"][0]["regex"] == "python_gc_.*"


# ---------- KEDA ----------


def test_keda_takes_over_the_hpas_it_replaces(helm):
    before = {h["metadata"]["name"] for h in helm.of_kind(helm.render("keda", "--set", "checker.keda.enabled=false"),
                                                          "HorizontalPodAutoscaler")}
    scaled = helm.of_kind(helm.render("keda"), "ScaledObject")
    assert before == {s["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["name"] for s in scaled}
    for scaled_object in scaled:
        assert annotations(scaled_object)["scaledobject.keda.sh/transfer-hpa-ownership"] == "true"


def test_keda_behavior_and_fallback(helm):
    scaled = helm.by_name(helm.render("keda"), "ScaledObject")
    spec = scaled["uptick-checker-us-east"]["spec"]
    assert spec["fallback"] == {"failureThreshold": 3, "replicas": 4}
    behavior = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    assert behavior["scaleDown"]["stabilizationWindowSeconds"] == 300
    assert [t["type"] for t in spec["triggers"]] == ["redis-streams"], "KEDA allows a fallback without cpu only"
    result = helm.run("template", "uptick", str(CHART), "-f", str(CHART / "examples" / "keda.yaml"),
                      "--set", "checker.keda.cpuTrigger=true", check=False)
    assert result.returncode != 0 and "cpuTrigger" in result.stderr


def test_keda_version_and_cooldown_are_documented():
    chart = (CHART / "Chart.yaml").read_text()
    readme = (CHART / "README.md").read_text()
    values = (CHART / "values.yaml").read_text()
    assert "KEDA 2.11" in readme and "KEDA 2.11" in values and "keda" in chart.lower()
    cooldown = values[: values.index("    cooldownPeriod:")].rsplit("# --", 1)[1]
    assert "only when minReplicas is 0" in cooldown, cooldown

"""The Helm chart: lint, render with every example's values, Kubernetes 1.31 schemas, and what each
mode and switch renders."""

from __future__ import annotations

import copy
import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "uptick"
KUBERNETES_VERSION = "1.31.0"

# Objects of Custom Resource Definitions: no Kubernetes schema; each is checked below another way
# (ServiceMonitor and ScaledObject against the objects they point at, PrometheusRule with promtool).
CUSTOM_KINDS = {"ServiceMonitor", "PrometheusRule", "ScaledObject"}
RECOMMENDED_LABELS = {
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/component",
    "app.kubernetes.io/managed-by",
    "helm.sh/chart",
}
SELECTOR_LABELS = {"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component"}
HTTP_SERVICES = ("auth", "monitors")
WORKERS = ("poller", "ingest", "notifier")
PRIVATE_NETWORKS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10", "127.0.0.0/8")


def pod_templates(docs: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{doc['kind']}/{doc['metadata']['name']}", doc["spec"]["template"])
        for doc in docs
        if doc["kind"] in ("Deployment", "StatefulSet", "Job")
    ]


def uptick_pod_templates(docs: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Pods running an Uptick image (not the in-chart PostgreSQL or Redis)."""
    return [
        (name, template)
        for name, template in pod_templates(docs)
        if "/uptick-" in template["spec"]["containers"][0]["image"]
        or template["spec"]["containers"][0]["image"].startswith("uptick-")
    ]


# ---------- every value set ----------


def test_helm_lint(helm, value_set):
    args = [] if value_set == "default" else ["-f", str(CHART / "examples" / f"{value_set}.yaml")]
    result = helm.run("lint", "--strict", str(CHART), *args, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_renders_named_and_labelled_objects(helm, value_set):
    docs = helm.render(value_set)
    assert docs, "nothing rendered"
    seen = set()
    for doc in docs:
        meta = doc["metadata"]
        key = (doc["kind"], meta["name"])
        assert key not in seen, f"{key} rendered twice"
        seen.add(key)
        assert len(meta["name"]) <= 63, f"{key}: name longer than 63 characters"
        if doc["kind"] not in ("ClusterRole", "ClusterRoleBinding"):  # the operator's: cluster-scoped
            assert meta.get("namespace") == "uptick", f"{key}: no namespace"
        missing = RECOMMENDED_LABELS - set(meta.get("labels", {}))
        assert not missing, f"{key}: labels {sorted(missing)} missing"
        for value in meta["labels"].values():
            assert len(str(value)) <= 63, f"{key}: label value {value!r} too long"


def test_selectors_use_only_name_instance_component(helm, value_set):
    for doc in helm.render(value_set):
        spec = doc.get("spec", {})
        if doc["kind"] in ("Deployment", "StatefulSet", "PodDisruptionBudget"):
            selector = spec["selector"]["matchLabels"]
        elif doc["kind"] == "Service":
            selector = spec["selector"]
        else:
            continue
        assert set(selector) == SELECTOR_LABELS, f"{doc['kind']}/{doc['metadata']['name']}: {selector}"


def test_selectors_do_not_overlap(helm, value_set):
    """No two workloads select the same pods (an HPA would count the other Deployment's pods)."""
    selectors = [
        tuple(sorted(doc["spec"]["selector"]["matchLabels"].items()))
        for doc in helm.render(value_set)
        if doc["kind"] in ("Deployment", "StatefulSet")
    ]
    assert len(selectors) == len(set(selectors))


def test_valid_kubernetes_1_31_objects(helm, kubernetes_validate, value_set):
    """Every built-in object against the Kubernetes 1.31 schemas, strict: unknown fields are errors."""
    errors = []
    for doc in helm.render(value_set):
        if doc["kind"] in CUSTOM_KINDS:
            continue
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except Exception as error:  # noqa: BLE001 - every kind of failure is reported the same way
            errors.append(f"{doc['kind']}/{doc['metadata']['name']}: {getattr(error, 'message', error)}")
    assert not errors, "\n".join(errors)


def test_the_validator_is_strict(helm, kubernetes_validate):
    """The check above would catch a misspelt field."""
    deployment = copy.deepcopy(helm.of_kind(helm.render("default"), "Deployment")[0])
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolice"] = "Always"
    with pytest.raises(Exception, match="imagePullPolice"):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_uptick_pods_are_locked_down(helm, value_set):
    for name, template in uptick_pod_templates(helm.render(value_set)):
        pod = template["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] == 10001, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        # Only the operator talks to the Kubernetes API (its own ServiceAccount, RBAC in templates/operator/).
        assert pod["automountServiceAccountToken"] is (name == "Deployment/uptick-operator"), name
        tmp_volumes = [v["name"] for v in pod["volumes"] if "emptyDir" in v]
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            assert security["runAsNonRoot"] is True and security["runAsUser"] == 10001, name
            if value_set != "dev":  # dev: Tilt's live_update writes code into the container
                assert security["readOnlyRootFilesystem"] is True, name
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert mounts.get("/tmp") in tmp_volumes, f"{name}: no emptyDir at /tmp"
            assert container["resources"]["requests"], f"{name}: no resource requests"


def test_probes_and_ports(helm, value_set):
    for doc in helm.of_kind(helm.render(value_set), "Deployment"):
        component = doc["metadata"]["labels"]["app.kubernetes.io/component"]
        container = doc["spec"]["template"]["spec"]["containers"][0]
        env = helm.env_of(container)
        port = container["ports"][0]
        if component == "web":  # the dashboard on 8000; /healthz, /readyz and /metrics on a port of their own
            assert [(p["name"], p["containerPort"]) for p in container["ports"]] == [("http", 8000), ("metrics", 9000)]
            assert (env["UPTICK_PORT"], env["UPTICK_HEALTH_PORT"]) == ("8000", "9000")
            port = container["ports"][1]
        elif component in HTTP_SERVICES:
            assert (port["name"], port["containerPort"], env["UPTICK_PORT"]) == ("http", 8000, "8000")
        else:
            assert (port["name"], port["containerPort"], env["UPTICK_HEALTH_PORT"]) == ("metrics", 9000, "9000")
        assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": port["name"]}
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port["name"]}
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port["name"]}
        annotations = doc["spec"]["template"]["metadata"]["annotations"]
        assert len(annotations["checksum/config"]) == 64


def test_custom_resources_point_at_rendered_objects(helm, value_set):
    """ServiceMonitors select a rendered Service with the named port; ScaledObjects scale a rendered
    Deployment on its region's stream."""
    docs = helm.render(value_set)
    services = helm.of_kind(docs, "Service")
    for monitor in helm.of_kind(docs, "ServiceMonitor"):
        selector = monitor["spec"]["selector"]
        matched = [s for s in services if matches(selector, s["metadata"]["labels"])]
        assert matched, f"ServiceMonitor/{monitor['metadata']['name']} selects no Service"
        for service in matched:
            port_names = {p["name"] for p in service["spec"]["ports"]}
            for endpoint in monitor["spec"]["endpoints"]:
                assert endpoint["port"] in port_names
                assert endpoint["path"] == "/metrics"
    deployments = helm.by_name(docs, "Deployment")
    for scaled in helm.of_kind(docs, "ScaledObject"):
        target = deployments[scaled["spec"]["scaleTargetRef"]["name"]]
        region = helm.env_of(target["spec"]["template"]["spec"]["containers"][0])["UPTICK_REGION"]
        (stream_trigger,) = [t for t in scaled["spec"]["triggers"] if t["type"] == "redis-streams"]
        assert stream_trigger["metadata"]["stream"] == f"uptick:checks:{region}"
        assert stream_trigger["metadata"]["consumerGroup"] == "checkers"
        assert int(stream_trigger["metadata"]["lagCount"]) > 0
        assert ":" in stream_trigger["metadata"]["address"]


def matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In"
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


# ---------- regions ----------


def checker_deployments(helm, docs):
    return {name: d for name, d in helm.by_name(docs, "Deployment").items() if "-checker-" in name}


def test_one_checker_deployment_and_hpa_per_region(helm):
    docs = helm.render("three-regions")
    regions = ["eu-west", "us-east", "ap-south"]
    checkers = checker_deployments(helm, docs)
    assert sorted(checkers) == sorted(f"uptick-checker-{r}" for r in regions)
    hpas = helm.by_name(docs, "HorizontalPodAutoscaler")
    for region in regions:
        deployment = checkers[f"uptick-checker-{region}"]
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        env = helm.env_of(container)
        assert env["UPTICK_REGION"] == region
        assert env["UPTICK_CHECKER_ALLOWED_NETWORKS"] == ""
        assert "UPTICK_DATABASE_URL" not in env, "checkers need no database"
        assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
        hpa = hpas[f"uptick-checker-{region}"]
        assert hpa["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": f"uptick-checker-{region}",
        }
        node_selector = deployment["spec"]["template"]["spec"]["nodeSelector"]
        assert node_selector == {"topology.kubernetes.io/region": f"{region}-1"}
    # Per-region overrides win over the checker defaults, key by key.
    assert hpas["uptick-checker-ap-south"]["spec"]["maxReplicas"] == 10
    assert hpas["uptick-checker-eu-west"]["spec"]["maxReplicas"] == 30
    assert hpas["uptick-checker-eu-west"]["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 70
    ap_south = checkers["uptick-checker-ap-south"]["spec"]["template"]["spec"]
    assert ap_south["containers"][0]["resources"]["requests"]["cpu"] == "500m"
    assert ap_south["tolerations"][0]["value"] == "checkers"
    # Every checker Deployment has its PodDisruptionBudget.
    pdbs = helm.by_name(docs, "PodDisruptionBudget")
    assert all(f"uptick-checker-{r}" in pdbs for r in regions)


def test_poller_schedules_for_every_region(helm):
    docs = helm.render("three-regions")
    config = helm.by_name(docs, "ConfigMap")["uptick-config"]["data"]
    assert config["UPTICK_REGIONS"] == "eu-west,us-east,ap-south"
    poller = helm.by_name(docs, "Deployment")["uptick-poller"]
    assert poller["spec"]["template"]["spec"]["containers"][0]["envFrom"] == [
        {"configMapRef": {"name": "uptick-config"}}
    ]
    overridden = helm.render("three-regions", "--set", "config.regions={eu-west,us-east,ap-south,sa-east}")
    config = helm.by_name(overridden, "ConfigMap")["uptick-config"]["data"]
    assert config["UPTICK_REGIONS"] == "eu-west,us-east,ap-south,sa-east"


def test_keda_scales_each_region_on_its_lag(helm):
    docs = helm.render("keda")
    assert not [h for h in helm.of_kind(docs, "HorizontalPodAutoscaler") if "checker" in h["metadata"]["name"]], (
        "KEDA makes the checkers' HPAs; the chart must not render its own as well"
    )
    scaled = helm.by_name(docs, "ScaledObject")
    assert sorted(scaled) == ["uptick-checker-eu-west", "uptick-checker-us-east"]
    us_east = scaled["uptick-checker-us-east"]["spec"]
    assert (us_east["minReplicaCount"], us_east["maxReplicaCount"]) == (1, 40)
    trigger = us_east["triggers"][0]
    assert trigger["metadata"] == {
        "address": "redis-master.redis.svc.cluster.local:6379",
        "stream": "uptick:checks:us-east",
        "consumerGroup": "checkers",
        "lagCount": "500",
        "activationLagCount": "0",
        "databaseIndex": "0",
        "enableTLS": "false",
    }
    assert trigger["authenticationRef"] == {"name": "uptick-redis"}
    for deployment in checker_deployments(helm, docs).values():
        assert "replicas" not in deployment["spec"]


def test_keda_needs_a_redis_address(helm):
    result = helm.run("template", "uptick", str(CHART), "--set", "checker.keda.enabled=true", check=False)
    assert result.returncode != 0
    assert "checker.keda.address" in result.stderr


def test_second_cluster_renders_only_checkers(helm):
    docs = helm.render("second-cluster")
    for doc in docs:
        component = doc["metadata"]["labels"]["app.kubernetes.io/component"]
        if doc["kind"] in ("Secret", "ConfigMap", "ServiceAccount", "PrometheusRule"):
            continue
        assert component.startswith("checker"), f"{doc['kind']}/{doc['metadata']['name']} in regional mode"
    kinds = {doc["kind"] for doc in docs}
    assert not kinds & {"Job", "Ingress", "StatefulSet", "Pod"}
    # Only the alerts that hold wherever checkers run: no dead man's switch for a poller that is
    # central, no "region has no checks" that needs the poller's metrics.
    (rule,) = helm.of_kind(docs, "PrometheusRule")
    assert [group["name"] for group in rule["spec"]["groups"]] == ["uptick.common"]
    (checker,) = helm.of_kind(docs, "Deployment")
    env = helm.env_of(checker["spec"]["template"]["spec"]["containers"][0])
    assert env["UPTICK_REGION"] == "ap-south"
    assert env["UPTICK_REDIS_URL"] == {"secretKeyRef": {"name": "uptick-central-redis", "key": "UPTICK_REDIS_URL"}}
    (policy,) = helm.of_kind(docs, "NetworkPolicy")
    redis_rule = [rule for rule in policy["spec"]["egress"] if rule.get("ports") == [{"port": 6380, "protocol": "TCP"}]]
    assert redis_rule and redis_rule[0]["to"] == [{"ipBlock": {"cidr": "203.0.113.10/32"}}]


def test_regional_mode_with_a_url_needs_no_database(helm):
    docs = helm.template("--set", "mode=regionalCheckers", "--set", "externalRedis.url=rediss://central:6380/0")
    (secret,) = helm.of_kind(docs, "Secret")
    assert secret["stringData"] == {"UPTICK_REDIS_URL": "rediss://central:6380/0"}


# ---------- schema ----------


@pytest.mark.parametrize(
    "setting",
    [
        "checker.regionz[0].name=eu-west",  # misspelt key
        "checker.regions[0].replicas=3",  # misspelt key inside a region entry
        "metrics.prometheusRule.rules.apiErrorRat.enabled=false",
        "auth.resources.request.cpu=1",
        "mode=everything",  # not one of the modes
        "checker.regions[0].name=EU_West",  # not a DNS label
    ],
)
def test_schema_rejects_typos(helm, setting):
    result = helm.run("template", "uptick", str(CHART), "--set", setting, check=False)
    assert result.returncode != 0, f"--set {setting} was accepted"
    assert "schema" in result.stderr.lower() or "at '/" in result.stderr, result.stderr


def test_schema_forbids_unknown_keys_everywhere():
    """Every object of values.schema.json says additionalProperties: false (or types its values)."""
    schema = json.loads((CHART / "values.schema.json").read_text())
    loose = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node and node.get("additionalProperties") is not False:
                loose.append(path)
            for key, child in node.items():
                walk(child, f"{path}/{key}")
        elif isinstance(node, list):
            for i, child in enumerate(node):
                walk(child, f"{path}/{i}")

    walk(schema, "#")
    assert not loose, loose


def test_every_value_has_a_comment():
    """Each value of values.yaml has a comment right above it, or sits inside a commented block (the
    parts of a commented `resources:`); section keys (auth:, autoscaling:) need none of their own."""
    uncommented = []
    stack: list[tuple[int, bool]] = []  # (indent, covered by a comment) of the enclosing sections
    comment_above = False
    for number, line in enumerate((CHART / "values.yaml").read_text().splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            comment_above = False
            continue
        if stripped.startswith("#"):
            comment_above = True
            continue
        indent = len(line) - len(line.lstrip())
        while stack and stack[-1][0] >= indent:
            stack.pop()
        covered = comment_above or any(c for _, c in stack)
        key, _, value = stripped.partition(":")
        if stripped.startswith("-") or value.strip():
            if not covered:
                uncommented.append(f"{number}: {stripped}")
        else:
            stack.append((indent, covered))
        comment_above = False
    assert not uncommented, "\n".join(uncommented)


# ---------- secrets, keys, config ----------


def test_private_key_reaches_auth_only(helm):
    docs = helm.render(
        "default",
        "--set-string",
        "jwt.privateKey=-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----",
        "--set-string",
        "jwt.publicKey=-----BEGIN PUBLIC KEY-----\nxyz\n-----END PUBLIC KEY-----",
    )
    secrets = helm.by_name(docs, "Secret")
    assert "BEGIN PRIVATE KEY" in secrets["uptick-jwt"]["stringData"]["private.pem"]
    assert "BEGIN PUBLIC KEY" in helm.by_name(docs, "ConfigMap")["uptick-jwt-public"]["data"]["public.pem"]
    for name, template in pod_templates(docs):
        pod = template["spec"]
        private = [v for v in pod.get("volumes", []) if v.get("secret", {}).get("secretName") == "uptick-jwt"]
        public = [v for v in pod.get("volumes", []) if v.get("configMap", {}).get("name") == "uptick-jwt-public"]
        env = helm.env_of(pod["containers"][0])
        if name == "Deployment/uptick-auth":
            assert private and public
            assert env["UPTICK_JWT_PRIVATE_KEY_FILE"] == "/etc/uptick/jwt/private.pem"
            assert env["UPTICK_JWT_PUBLIC_KEY_FILE"] == "/etc/uptick/jwt-public/public.pem"
            mounts = {m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
            assert {"/etc/uptick/jwt", "/etc/uptick/jwt-public"} <= mounts
        else:
            assert not private, f"{name} mounts the private key"
            assert "UPTICK_JWT_PRIVATE_KEY_FILE" not in env
        if name == "Deployment/uptick-monitors":
            assert public and env["UPTICK_JWT_PUBLIC_KEY_FILE"] == "/etc/uptick/jwt-public/public.pem"


def test_mail_settings_and_the_public_url(helm):
    """Invitations go out through the mail server given; its password only to auth, from a Secret of yours."""
    docs = helm.render("default", "--set", "smtp.host=smtp.example.com", "--set", "smtp.username=uptick",
                       "--set", "smtp.existingSecret=mail", "--set", "ingress.enabled=true")
    config = helm.by_name(docs, "ConfigMap")["uptick-config"]["data"]
    assert {k: v for k, v in config.items() if k.startswith(("UPTICK_SMTP_", "UPTICK_PUBLIC_URL"))} == {
        "UPTICK_SMTP_HOST": "smtp.example.com", "UPTICK_SMTP_PORT": "587", "UPTICK_SMTP_SECURITY": "starttls",
        "UPTICK_SMTP_SENDER": "Uptick <uptick@localhost>", "UPTICK_SMTP_USERNAME": "uptick",
        "UPTICK_PUBLIC_URL": "http://uptick.example.com"}
    for name, template in pod_templates(docs):
        env = helm.env_of(template["spec"]["containers"][0])
        if name == "Deployment/uptick-auth":
            assert env["UPTICK_SMTP_PASSWORD"] == {"secretKeyRef": {"name": "mail", "key": "password"}}
        else:
            assert "UPTICK_SMTP_PASSWORD" not in env, name
    plain = helm.by_name(helm.render("default"), "ConfigMap")["uptick-config"]["data"]
    assert not any(k.startswith(("UPTICK_SMTP_", "UPTICK_PUBLIC_URL")) for k in plain)


def test_connection_strings_come_from_secrets(helm):
    docs = helm.render(
        "default",
        "--set",
        "externalDatabase.url=postgresql://u:p@db:5432/uptick",
        "--set",
        "externalRedis.url=redis://redis:6379/0",
    )
    assert helm.by_name(docs, "Secret")["uptick"]["stringData"] == {
        "UPTICK_DATABASE_URL": "postgresql://u:p@db:5432/uptick",
        "UPTICK_REDIS_URL": "redis://redis:6379/0",
    }
    config = helm.by_name(docs, "ConfigMap")["uptick-config"]["data"]
    assert config["UPTICK_ENV"] == "production" and config["UPTICK_LOG_FORMAT"] == "json"
    for doc in helm.of_kind(docs, "Deployment"):
        env = helm.env_of(doc["spec"]["template"]["spec"]["containers"][0])
        if doc["metadata"]["name"] == "uptick-web":  # static files: no connection at all
            assert not {"UPTICK_DATABASE_URL", "UPTICK_REDIS_URL"} & env.keys()
            continue
        if doc["metadata"]["name"] == "uptick-notifier":  # Postgres only: it works the outbox table
            assert "UPTICK_REDIS_URL" not in env
            assert env["UPTICK_DATABASE_URL"] == {"secretKeyRef": {"name": "uptick", "key": "UPTICK_DATABASE_URL"}}
            continue
        assert env["UPTICK_REDIS_URL"] == {"secretKeyRef": {"name": "uptick", "key": "UPTICK_REDIS_URL"}}
    # existingSecret wins, with its own key.
    docs = helm.render(
        "default",
        "--set",
        "externalDatabase.existingSecret=db",
        "--set",
        "externalDatabase.existingSecretKey=url",
        "--set",
        "externalRedis.url=redis://r:6379/0",
    )
    auth = helm.by_name(docs, "Deployment")["uptick-auth"]
    assert helm.env_of(auth["spec"]["template"]["spec"]["containers"][0])["UPTICK_DATABASE_URL"] == {
        "secretKeyRef": {"name": "db", "key": "url"}
    }
    assert helm.by_name(docs, "Secret")["uptick"]["stringData"] == {"UPTICK_REDIS_URL": "redis://r:6379/0"}


def test_half_given_connections_are_refused(helm):
    result = helm.run("template", "uptick", str(CHART), "--set", "externalRedis.url=redis://r:6379/0", check=False)
    assert result.returncode != 0 and "database URL" in result.stderr


def test_dev_uses_in_chart_servers(helm):
    docs = helm.render("dev")
    statefulsets = helm.by_name(docs, "StatefulSet")
    assert (
        statefulsets["uptick-postgresql"]["spec"]["template"]["spec"]["containers"][0]["image"] == "postgres:16-alpine"
    )
    redis = statefulsets["uptick-redis"]["spec"]["template"]["spec"]["containers"][0]
    assert "--appendonly" in redis["args"]
    secret = helm.by_name(docs, "Secret")["uptick"]["stringData"]
    assert secret["UPTICK_DATABASE_URL"] == "postgresql://uptick:uptick-dev@uptick-postgresql:5432/uptick"
    assert secret["UPTICK_REDIS_URL"] == "redis://uptick-redis:6379/0"
    assert (
        helm.by_name(docs, "Deployment")["uptick-auth"]["spec"]["template"]["spec"]["containers"][0]["image"]
        == "uptick-auth:0.1.0"
    )


def test_checksum_follows_the_config(helm):
    def checksum(*args: str) -> str:
        deployment = helm.by_name(helm.render("default", *args), "Deployment")["uptick-poller"]
        return deployment["spec"]["template"]["metadata"]["annotations"]["checksum/config"]

    assert checksum() != checksum("--set", "config.logLevel=debug")
    assert checksum() != checksum(
        "--set", "externalDatabase.url=postgresql://a@b/c", "--set", "externalRedis.url=redis://r"
    )
    assert checksum() == checksum("--set", "auth.replicaCount=5")


# ---------- migrations ----------


def test_migrations_run_as_a_pre_install_hook(helm):
    docs = helm.render(
        "default",
        "--set",
        "externalDatabase.url=postgresql://u:p@db/uptick",
        "--set",
        "externalRedis.url=redis://r:6379/0",
    )
    job = helm.by_name(docs, "Job")["uptick-migrate"]
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation,hook-succeeded"
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "ghcr.io/uptick/uptick-monitors:0.1.0"
    assert container["command"] == ["/app/.venv/bin/uptick-migrate"]
    # The hook reads the URL from a hook Secret of its own: the release's Secret does not exist yet.
    hook_secret = helm.by_name(docs, "Secret")["uptick-migrations"]
    assert hook_secret["metadata"]["annotations"]["helm.sh/hook-weight"] == "-10"
    assert helm.env_of(container)["UPTICK_DATABASE_URL"]["secretKeyRef"]["name"] == "uptick-migrations"


def test_migrations_are_a_plain_job_with_the_in_chart_database(helm):
    (job,) = helm.of_kind(helm.render("dev"), "Job")
    assert job["metadata"]["name"] == "uptick-migrate-1"
    assert "annotations" not in job["metadata"]


# ---------- ingress and network policies ----------


AUTH_PATHS = ("/api/auth", "/api/orgs", "/api/tokens", "/api/invitations", "/api/audit")


def test_ingress_routes_like_the_local_router(helm):
    """The account paths to auth, /api and /status to monitors, / to web (unless web.enabled=false); a rule per host."""
    (ingress,) = helm.of_kind(helm.render("three-regions"), "Ingress")
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == ["uptick.example.com", "status.example.com"]
    for rule in ingress["spec"]["rules"]:
        routes = {p["path"]: p["backend"]["service"]["name"] for p in rule["http"]["paths"]}
        assert routes == {**dict.fromkeys(AUTH_PATHS, "uptick-auth"), "/api": "uptick-monitors",
                          "/status": "uptick-monitors", "/": "uptick-web"}
    assert ingress["spec"]["tls"] == [
        {"secretName": "uptick-tls", "hosts": ["uptick.example.com", "status.example.com"]}
    ]
    (ingress,) = helm.of_kind(helm.render("default", "--set", "ingress.enabled=true", "--set", "web.enabled=true"),
                              "Ingress")
    routes = {p["path"]: p["backend"]["service"]["name"] for p in ingress["spec"]["rules"][0]["http"]["paths"]}
    assert routes["/"] == "uptick-web"


NETWORK_POLICIES = (
    "--set", "networkPolicy.enabled=true",
    "--set", "networkPolicy.database.peers[0].ipBlock.cidr=10.20.0.5/32",
    "--set", "networkPolicy.redis.peers[0].ipBlock.cidr=10.20.1.5/32",
)


def test_checkers_reach_the_internet_but_no_private_network(helm):
    policy = helm.by_name(helm.render("default", *NETWORK_POLICIES), "NetworkPolicy")["uptick-checker"]
    blocks = [peer["ipBlock"] for rule in policy["spec"]["egress"] for peer in rule.get("to", []) if "ipBlock" in peer]
    v4 = [b for b in blocks if b["cidr"] == "0.0.0.0/0"]
    assert v4 and set(v4[0]["except"]) == set(PRIVATE_NETWORKS)
    (open_rule,) = [rule for rule in policy["spec"]["egress"] if {"ipBlock": v4[0]} in rule.get("to", [])]
    assert "ports" not in open_rule, "the internet on any port"
    for block in blocks:  # every except lies inside its block (the API server refuses others)
        network = ipaddress.ip_network(block["cidr"])
        assert all(ipaddress.ip_network(e).subnet_of(network) for e in block.get("except", []))
    # checker.allowedNetworks opens the same networks in the policy as in the checker.
    docs = helm.render("default", *NETWORK_POLICIES, "--set", "checker.allowedNetworks=10.1.0.0/16")
    policy = helm.by_name(docs, "NetworkPolicy")["uptick-checker"]
    assert {"ipBlock": {"cidr": "10.1.0.0/16"}} in [p for r in policy["spec"]["egress"] for p in r.get("to", [])]
    checker = helm.by_name(docs, "Deployment")["uptick-checker-eu-west"]
    assert (
        helm.env_of(checker["spec"]["template"]["spec"]["containers"][0])["UPTICK_CHECKER_ALLOWED_NETWORKS"]
        == "10.1.0.0/16"
    )


def test_services_reach_only_postgres_redis_and_dns(helm):
    docs = helm.render("default", *NETWORK_POLICIES)
    policies = helm.by_name(docs, "NetworkPolicy")
    for component in (*HTTP_SERVICES, *WORKERS):
        spec = policies[f"uptick-{component}"]["spec"]
        assert spec["policyTypes"] == ["Ingress", "Egress"]
        ports = sorted(p["port"] for rule in spec["egress"] for p in rule.get("ports", []))
        # The notifier: no Redis, and the receivers of notifications on the internet (as the checkers' targets).
        assert ports == ([53, 53, 5432] if component == "notifier" else [53, 53, 5432, 6379]), component
        ingress_ports = {p["port"] for rule in spec["ingress"] for p in rule["ports"]}
        assert ingress_ports == ({8000} if component in HTTP_SERVICES else {9000}), component
        database = [r["to"] for r in spec["egress"] if "ports" in r and r["ports"][0]["port"] == 5432]
        assert database == [[{"ipBlock": {"cidr": "10.20.0.5/32"}}]], component
    # Web reaches DNS only; the ingress controller reaches its pages, Prometheus its metrics port.
    spec = policies["uptick-web"]["spec"]
    assert sorted(p["port"] for rule in spec["egress"] for p in rule.get("ports", [])) == [53, 53]
    assert {p["port"] for rule in spec["ingress"] for p in rule["ports"]} == {8000, 9000}
    # With the in-chart servers, egress goes to their pods only.
    policies = helm.by_name(helm.render("dev"), "NetworkPolicy")
    database_rule = [r for r in policies["uptick-ingest"]["spec"]["egress"] if r["ports"][0]["port"] == 5432][0]
    assert database_rule["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "postgresql"


# ---------- monitoring objects ----------


def test_monitoring_objects_behind_their_switches(helm):
    assert not {d["kind"] for d in helm.render("default")} & {"ServiceMonitor", "PrometheusRule"}
    docs = helm.render("three-regions")
    monitors = helm.by_name(docs, "ServiceMonitor")
    assert sorted(monitors) == ["uptick-auth", "uptick-checker", "uptick-ingest", "uptick-monitors", "uptick-notifier",
                               "uptick-poller", "uptick-web"]
    assert monitors["uptick-auth"]["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    off = helm.render("three-regions", "--set", "metrics.enabled=false")
    assert not {d["kind"] for d in off} & {"ServiceMonitor", "PrometheusRule"}
    assert not [d for d in off if d["kind"] == "ConfigMap" and "grafana_dashboard" in d["metadata"]["labels"]]


def test_alert_rules_can_be_switched_off_one_by_one(helm, yaml_module):
    def alerts(*args: str) -> set[str]:
        (rule,) = helm.of_kind(helm.render("three-regions", *args), "PrometheusRule")
        return {r["alert"] for group in rule["spec"]["groups"] for r in group["rules"]}

    everything = alerts()
    source = yaml_module.safe_load((CHART / "files" / "alerts.yaml").read_text())["groups"]
    assert everything == {r["alert"] for group in source for r in group["rules"]}  # every one rendered
    assert alerts("--set", "metrics.prometheusRule.rules.apiErrorRate.enabled=false") == everything - {
        "UptickApiErrorRate"
    }


def test_dashboards_are_configmaps_for_the_sidecar(helm):
    docs = helm.render("default")
    dashboards = [d for d in helm.of_kind(docs, "ConfigMap") if d["metadata"]["labels"].get("grafana_dashboard") == "1"]
    files = sorted(p.stem for p in (CHART / "files" / "dashboards").glob("*.json"))
    assert sorted(d["metadata"]["name"] for d in dashboards) == [f"uptick-dashboard-{f}" for f in files]
    for dashboard in dashboards:
        (content,) = dashboard["data"].values()
        uid = json.loads(content)["uid"]
        assert uid.startswith("uptick-") and len(uid) <= 40


def test_keda_with_the_in_chart_redis(helm):
    docs = helm.render("dev", "--set", "checker.keda.enabled=true")
    for scaled in helm.of_kind(docs, "ScaledObject"):
        # KEDA's operator runs in another namespace: the Redis address is fully qualified.
        assert scaled["spec"]["triggers"][0]["metadata"]["address"] == "uptick-redis.uptick.svc:6379"
    policy = helm.by_name(docs, "NetworkPolicy")["uptick-redis"]
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "keda"}}} in [
        peer for rule in policy["spec"]["ingress"] for peer in rule["from"]
    ]

"""The chart's operator: off by default; on, one replica that stops before the next starts, RBAC for what it
does and no more, the organizations' tokens mounted from a Secret, probes and metrics like every component."""

from __future__ import annotations

KUBERNETES_VERSION = "1.31.0"
ON = ("--set", "operator.enabled=true", "--set", "operator.namespaceTokens.payments=payments")


def test_off_by_default(helm):
    assert not [doc for doc in helm.render("default") if doc["metadata"]["name"].endswith("-operator")]


def test_one_replica_recreated_with_its_tokens_and_probes(helm, kubernetes_validate):
    docs = helm.render("default", *ON)
    deployment = helm.by_name(docs, "Deployment")["uptick-operator"]
    for doc in docs:
        if doc["metadata"]["name"] == "uptick-operator":
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    spec = deployment["spec"]
    assert spec["replicas"] == 1 and spec["strategy"] == {"type": "Recreate"}
    pod = spec["template"]["spec"]
    assert pod["serviceAccountName"] == "uptick-operator" and pod["automountServiceAccountToken"] is True
    (container,) = pod["containers"]
    env = helm.env_of(container)
    assert env["UPTICK_API_URL"] == "http://uptick-monitors:8000"
    assert env["UPTICK_NAMESPACE_TOKENS"] == "payments=payments"
    assert env["UPTICK_TOKEN_DIR"] == "/etc/uptick/operator-tokens"
    assert {"name": "tokens", "secret": {"secretName": "uptick-operator-tokens"}} in pod["volumes"]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    assert container["ports"] == [{"name": "metrics", "containerPort": 9000, "protocol": "TCP"}]
    assert "uptick-operator" in helm.by_name(docs, "Service")


def test_rbac_is_what_the_operator_does(helm):
    docs = helm.render("default", *ON)
    role = helm.by_name(docs, "ClusterRole")["uptick-operator"]
    granted = {(group, resource, verb) for rule in role["rules"] for group in rule["apiGroups"]
               for resource in rule["resources"] for verb in rule["verbs"]}
    assert granted == {
        *(("uptick.dev", "monitors", verb) for verb in ("get", "list", "watch", "patch", "create", "delete")),
        *(("networking.k8s.io", "ingresses", verb) for verb in ("get", "list", "watch", "patch")),
        *(("gateway.networking.k8s.io", "httproutes", verb) for verb in ("get", "list", "watch", "patch")),
        ("uptick.dev", "monitors/status", "get"), ("uptick.dev", "monitors/status", "patch"),
        ("", "events", "create"), ("events.k8s.io", "events", "create"),
        *(("", "secrets", verb) for verb in ("get", "list", "watch")),
    }
    binding = helm.by_name(docs, "ClusterRoleBinding")["uptick-operator"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "uptick-operator", "namespace": "uptick"}]
    assert binding["roleRef"]["name"] == "uptick-operator"

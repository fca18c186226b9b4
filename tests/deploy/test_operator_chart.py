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


POLICIES = (*ON, "--set", "networkPolicy.enabled=true",
            "--set", "networkPolicy.database.peers[0].ipBlock.cidr=10.20.0.5/32",
            "--set", "networkPolicy.redis.peers[0].ipBlock.cidr=10.20.1.5/32",
            "--set", "networkPolicy.kubernetesApi.peers[0].ipBlock.cidr=10.96.0.10/32")


def test_its_network_policy_opens_the_api_kubernetes_and_dns_and_only_metrics_in(helm, kubernetes_validate):
    from tests.deploy.test_chart_install import pod_labels, selects

    docs = helm.render("default", *POLICIES)
    policies = helm.by_name(docs, "NetworkPolicy")
    policy = policies["uptick-operator"]
    kubernetes_validate.validate(policy, KUBERNETES_VERSION, strict=True)
    operator = pod_labels(helm.by_name(docs, "Deployment")["uptick-operator"])
    monitors = pod_labels(helm.by_name(docs, "Deployment")["uptick-monitors"])
    assert selects(policy["spec"]["podSelector"], operator) and set(policy["spec"]["policyTypes"]) == {"Ingress",
                                                                                                        "Egress"}
    ingress = policy["spec"]["ingress"]
    assert [rule["ports"] for rule in ingress] == [[{"port": 9000, "protocol": "TCP"}]]
    assert ingress[0]["from"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]
    egress = {tuple(sorted((p["port"], p["protocol"]) for p in rule["ports"])): rule["to"]
              for rule in policy["spec"]["egress"]}
    assert set(egress) == {((53, "TCP"), (53, "UDP")), ((8000, "TCP"),), ((443, "TCP"), (6443, "TCP"))}
    (api,) = egress[(8000, "TCP"),]
    assert selects(api["podSelector"], monitors) and not selects(api["podSelector"], operator)
    assert egress[(443, "TCP"), (6443, "TCP")] == [{"ipBlock": {"cidr": "10.96.0.10/32"}}]
    # The other side: the monitors pods admit the operator on 8000 (and without the operator, nothing of it).
    admitted = [rule for rule in policies["uptick-monitors"]["spec"]["ingress"]
                if any("podSelector" in peer and "namespaceSelector" not in peer
                       and selects(peer["podSelector"], operator) for peer in rule["from"])]
    assert [rule["ports"] for rule in admitted] == [[{"port": 8000, "protocol": "TCP"}]]
    without = helm.by_name(helm.render("default", *POLICIES[4:]), "NetworkPolicy")
    assert "uptick-operator" not in without
    assert len(without["uptick-monitors"]["spec"]["ingress"]) == len(policies["uptick-monitors"]["spec"]["ingress"]) - 1


def test_its_network_policy_needs_where_the_kubernetes_api_is(helm):
    from tests.deploy.test_chart_install import CHART

    result = helm.run("template", "uptick", str(CHART), *POLICIES[:-2], check=False)
    assert result.returncode != 0 and "networkPolicy.kubernetesApi.peers" in result.stderr

"""Ingress discovery: an Ingress annotated `uptick.dev/monitor: "true"` gets a Monitor per host (https when the
host is in its TLS section), owned by it (Kubernetes deletes them with it); they go when the annotation does."""

from __future__ import annotations

import hashlib
import re
from typing import Any

ANNOTATION = "uptick.dev/monitor"
LABEL = "uptick.dev/ingress"
MONITORS = "/apis/uptick.dev/v1/namespaces/{namespace}/monitors"


def hosts(spec: dict[str, Any]) -> dict[str, str]:
    """host → URL of each host the Ingress routes (wildcards are not checkable and are left out)."""
    secure = {host for tls in spec.get("tls") or () for host in tls.get("hosts") or ()}
    found = {}
    for rule in spec.get("rules") or ():
        host = rule.get("host")
        if host and not host.startswith("*"):
            found[host] = f"{'https' if host in secure else 'http'}://{host}/"
    return found


def monitor_name(ingress: str, host: str) -> str:
    """A DNS-label-safe name, unique per (Ingress, host)."""
    slug = re.sub(r"[^a-z0-9-]+", "-", host.lower()).strip("-")
    digest = hashlib.sha256(f"{ingress}/{host}".encode()).hexdigest()[:6]
    return f"{ingress[:20].rstrip('-')}-{slug[:30].rstrip('-')}-{digest}"


def monitor_for(ingress: dict[str, Any], host: str, url: str) -> dict[str, Any]:
    meta = ingress["metadata"]
    return {
        "apiVersion": "uptick.dev/v1", "kind": "Monitor",
        "metadata": {
            "name": monitor_name(meta["name"], host), "namespace": meta["namespace"], "labels": {LABEL: meta["name"]},
            "ownerReferences": [{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": meta["name"],
                                 "uid": meta["uid"], "controller": True, "blockOwnerDeletion": True}],
        },
        "spec": {"type": "http", "url": url, "name": host},
    }

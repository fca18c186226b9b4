"""Ingress discovery: an Ingress (or a Gateway API HTTPRoute) annotated `uptick.dev/monitor: "true"` gets a
Monitor per host (an Ingress's: https when the host is in its TLS section; an HTTPRoute's: https), owned by it
(Kubernetes deletes them with it); they go when the annotation does."""

from __future__ import annotations

import hashlib
import re
from typing import Any

ANNOTATION = "uptick.dev/monitor"
LABELS = {"Ingress": "uptick.dev/ingress", "HTTPRoute": "uptick.dev/httproute"}  # → the owner's name
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


def route_hosts(spec: dict[str, Any]) -> dict[str, str]:
    """host → URL of each hostname of an HTTPRoute (its Gateway's listeners say the scheme; https is assumed)."""
    return {host: f"https://{host}/" for host in spec.get("hostnames") or () if not host.startswith("*")}


def monitor_name(kind: str, owner: str, host: str) -> str:
    """A DNS-label-safe name, unique per (kind, owner, host)."""
    slug = re.sub(r"[^a-z0-9-]+", "-", host.lower()).strip("-")
    digest = hashlib.sha256(f"{kind}/{owner}/{host}".encode()).hexdigest()[:6]
    return f"{owner[:20].rstrip('-')}-{slug[:30].rstrip('-')}-{digest}"


def monitor_for(owner: dict[str, Any], host: str, url: str) -> dict[str, Any]:
    meta = owner["metadata"]
    return {
        "apiVersion": "uptick.dev/v1", "kind": "Monitor",
        "metadata": {
            "name": monitor_name(owner["kind"], meta["name"], host), "namespace": meta["namespace"],
            "labels": {LABELS[owner["kind"]]: meta["name"]},
            "ownerReferences": [{"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": meta["name"],
                                 "uid": meta["uid"], "controller": True, "blockOwnerDeletion": True}],
        },
        "spec": {"type": "http", "url": url, "name": host},
    }

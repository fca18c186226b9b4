"""The Monitor custom resource: a valid CRD, as strict as the REST API, and its example passes it."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from uptick_monitors.schemas import MonitorCreate

ROOT = Path(__file__).resolve().parents[2]
CRD = ROOT / "charts" / "uptick" / "crds" / "monitor.yaml"
EXAMPLE = ROOT / "k8s" / "examples" / "monitor.yaml"
KUBERNETES_VERSION = "1.31.0"


@pytest.fixture(scope="module")
def crd(yaml_module) -> dict[str, Any]:
    return yaml_module.safe_load(CRD.read_text())


@pytest.fixture(scope="module")
def monitor_schema(crd) -> dict[str, Any]:
    (version,) = crd["spec"]["versions"]
    return version["schema"]["openAPIV3Schema"]


def as_json_schema(node: Any) -> Any:
    """The CRD's structural schema as plain JSON Schema: Kubernetes' own keywords (CEL rules, list types)
    dropped, int-or-string and preserve-unknown-fields spelt out."""
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("x-kubernetes-int-or-string"):
        return {"type": ["integer", "string"]}
    if node.get("x-kubernetes-preserve-unknown-fields") and "type" not in node:
        return {}
    plain = {key: as_json_schema(value) for key, value in node.items() if not key.startswith("x-kubernetes-")}
    if plain.get("type") == "object" and "properties" in plain and "additionalProperties" not in plain:
        plain["additionalProperties"] = False  # the API server prunes (and kubectl refuses) unknown fields
    return plain


def validate(schema: dict[str, Any], monitor: dict[str, Any]) -> None:
    import jsonschema

    plain = as_json_schema(schema)
    plain["properties"].update(apiVersion={"const": "uptick.dev/v1"}, kind={"const": "Monitor"}, metadata={})
    jsonschema.validate(monitor, plain)


def test_the_crd_is_a_valid_kubernetes_object(crd, kubernetes_validate):
    kubernetes_validate.validate(crd, KUBERNETES_VERSION, strict=True)
    assert crd["spec"]["group"] == "uptick.dev" and crd["spec"]["scope"] == "Namespaced"
    assert crd["spec"]["names"]["shortNames"] == ["mon"]
    (version,) = crd["spec"]["versions"]
    assert version["subresources"] == {"status": {}}
    columns = [column["name"].upper() for column in version["additionalPrinterColumns"]]
    assert columns == ["URL", "STATUS", "LATENCY", "UPTIME-24H", "LAST-CHECK", "AGE"]


def test_the_example_passes_the_schema(yaml_module, monitor_schema):
    secret, monitor = yaml_module.safe_load_all(EXAMPLE.read_text())
    assert secret["kind"] == "Secret" and monitor["kind"] == "Monitor"
    validate(monitor_schema, monitor)
    header = monitor["spec"]["headers"][0]["valueFrom"]["secretKeyRef"]
    assert header["name"] == secret["metadata"]["name"] and header["key"] in secret["stringData"]


def test_the_schema_refuses_what_the_api_refuses(yaml_module, monitor_schema):
    import jsonschema

    _, example = yaml_module.safe_load_all(EXAMPLE.read_text())
    for change in ({"intervalSeconds": 5}, {"timeoutSeconds": 61}, {"type": "ftp"}, {"regions": []},
                   {"method": "TRACE"}, {"tlsWarnDays": 400}, {"quorum": 0}, {"unknown": 1},
                   {"headers": [{"name": "Authorization", "value": "inline secret"}]},
                   {"headers": [{"name": "bad name", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]},
                   {"assertions": [{"type": "body", "op": "contains", "value": "x", "extra": 1}]}):
        monitor = copy.deepcopy(example)
        monitor["spec"].update(change)
        with pytest.raises(jsonschema.ValidationError):
            validate(monitor_schema, monitor)


def snake(name: str) -> str:
    return "verify_tls" if name == "verifyTLS" else re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def test_the_spec_covers_what_the_rest_api_takes(monitor_schema):
    """Every field of a monitor the API takes is a field of the spec (camelCase), and nothing else is; a field
    added to the API fails this until the CRD (and the operator, which maps the names back) has it."""
    spec = monitor_schema["properties"]["spec"]
    assert {snake(name) for name in spec["properties"]} == set(MonitorCreate.model_fields) - {"managed_by"}
    api = MonitorCreate.model_json_schema()["properties"]
    for name, field in spec["properties"].items():
        mirrored = api[snake(name)].get("anyOf", [api[snake(name)]])[0]
        both = {"minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"} & field.keys() & mirrored.keys()
        assert {key: field[key] for key in both} == {key: mirrored[key] for key in both}, name
        if "default" in field:
            assert api[snake(name)]["default"] == field["default"], name

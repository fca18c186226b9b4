"""The Monitor CRD's CEL rules (`x-kubernetes-validations`), evaluated as the API server evaluates them at admission,
without an API server: Google's CEL runtime for Python (cel-expr-python, the C++ implementation of the CEL spec,
with the strings extension that Kubernetes enables: `lowerAscii`), each rule against the object at its place in the
schema after the schema's defaults are applied. k8s/examples/monitor.yaml and other valid monitors pass every
rule; each rule has a monitor that passes the structural schema and fails that rule alone.

What this cannot check, because it is Kubernetes' own: the API server types `self` from the schema (a rule naming a
field the schema lacks is refused when the CRD is applied; `test_rules_name_only_fields_of_the_schema` covers that
by reading the rules), and it refuses a rule whose estimated cost is over the budget (the lists here are bounded by
maxItems, which keeps the quadratic duplicate-header rule at 32 × 32)."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cel_expr_python import cel
from cel_expr_python.ext import ext_strings

from tests.deploy.test_crd import validate

ROOT = Path(__file__).resolve().parents[2]
CRD = ROOT / "charts" / "uptick" / "crds" / "monitor.yaml"
EXAMPLE = ROOT / "k8s" / "examples" / "monitor.yaml"
ENV = cel.NewEnv(variables={"self": cel.Type.DYN}, extensions=[ext_strings.ExtStrings()])


@pytest.fixture(scope="module")
def schema(yaml_module) -> dict[str, Any]:
    (version,) = yaml_module.safe_load(CRD.read_text())["spec"]["versions"]
    return version["schema"]["openAPIV3Schema"]


def rules_of(node: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any], dict[str, str]]]:
    """Every rule of the schema: (where, the schema node it belongs to, the rule)."""
    for rule in node.get("x-kubernetes-validations", []):
        yield path, node, rule
    for name, child in (node.get("properties") or {}).items():
        yield from rules_of(child, f"{path}.{name}")
    if "items" in node:
        yield from rules_of(node["items"], f"{path}[*]")


def defaulted(node: dict[str, Any], value: Any) -> Any:
    """The value as the API server holds it when the rules run: the schema's defaults filled in."""
    if isinstance(value, dict):
        value = dict(value)
        for name, child in (node.get("properties") or {}).items():
            if name not in value and "default" in child:
                value[name] = copy.deepcopy(child["default"])
            if name in value:
                value[name] = defaulted(child, value[name])
    elif isinstance(value, list) and "items" in node:
        value = [defaulted(node["items"], item) for item in value]
    return value


def broken_rules(node: dict[str, Any], value: Any) -> list[str]:
    """The messages of the rules `value` fails (a rule that cannot be evaluated fails, as at admission)."""
    broken = []
    for rule in node.get("x-kubernetes-validations", []):
        try:
            holds = ENV.compile(rule["rule"]).eval(data={"self": value}).value()
        except Exception as exc:  # noqa: BLE001 - an evaluation error is a refusal
            holds = exc
        if holds is not True:
            broken.append(rule["message"])
    if isinstance(value, dict):
        for name, child in (node.get("properties") or {}).items():
            if name in value:
                broken += broken_rules(child, value[name])
    elif isinstance(value, list) and "items" in node:
        for item in value:
            broken += broken_rules(node["items"], item)
    return broken


def admit(schema: dict[str, Any], spec: dict[str, Any]) -> list[str]:
    """What admission says of a Monitor with this spec: the structural schema must hold (else it is not a CEL rule
    that refuses it), then the rules' messages that fail."""
    monitor = {"apiVersion": "uptick.dev/v1", "kind": "Monitor", "metadata": {"name": "m"}, "spec": spec}
    validate(schema, monitor)
    return broken_rules(schema, defaulted(schema, monitor))


def example(yaml_module) -> dict[str, Any]:
    _, monitor = yaml_module.safe_load_all(EXAMPLE.read_text())
    return monitor["spec"]


HTTP = {"type": "http", "url": "https://shop.example.com/", "intervalSeconds": 60}
VALID = [
    HTTP,
    {"type": "http", "url": "https://shop.example.com/"},  # the interval from its default
    {"type": "heartbeat", "intervalSeconds": 300, "graceSeconds": 60},
    {"type": "tcp", "url": "tcp://db.example.com:5432", "assertions": [{"type": "response_time", "op": "<",
                                                                         "value": 200}]},
    {"type": "tls", "url": "shop.example.com:443", "assertions": [{"type": "cert_expiry", "op": ">", "value": 7}]},
    {**HTTP, "timeoutSeconds": 59, "regions": ["eu-west"], "quorum": 1, "expectedStatus": [204, "200 - 299", 301],
     "headers": [{"name": "X-Api-Key", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
                 {"name": "Accept", "valueFrom": {"secretKeyRef": {"name": "s", "key": "a"}}}],
     "assertions": [{"type": "status", "op": "in", "value": [200, "300-399"]},
                    {"type": "header", "name": "content-type", "op": "contains", "value": "json"},
                    {"type": "json_path", "path": "data.ok", "op": "exists"},
                    {"type": "body", "op": "not_contains", "value": "error"}]},
]


def header(name: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}


# Each rule's message → a spec that passes the structural schema and fails that rule, and no other.
INVALID = {
    "url is required but for heartbeat monitors": {"type": "http", "intervalSeconds": 60},
    "a heartbeat monitor has no url and no regions (it is pinged)": {"type": "heartbeat", "regions": ["eu-west"]},
    "an http monitor's url is an http(s) URL": {**HTTP, "url": "ftp://shop.example.com/"},
    "a tcp or tls monitor's url is host:port, e.g. tcp://db.example.com:5432": {"type": "tcp",
                                                                                 "url": "tcp://db.example.com"},
    "timeoutSeconds must be shorter than intervalSeconds": {**HTTP, "intervalSeconds": 30, "timeoutSeconds": 30},
    "quorum cannot exceed the number of regions": {**HTTP, "regions": ["eu-west"], "quorum": 2},
    "an assertion does not apply to this type (tcp: response_time; tls: response_time, cert_expiry; heartbeat: none)":
        {"type": "tls", "url": "shop.example.com:443", "assertions": [{"type": "body", "op": "contains",
                                                                        "value": "x"}]},
    "a header is given twice": {**HTTP, "headers": [header("X-Token"), header("x-token")]},
    "this header is set by the checker": {**HTTP, "headers": [header("Content-Length")]},
    "a status code (100-599) or a range such as 200-299": {**HTTP, "expectedStatus": [200, "2xx"]},
    "a json_path assertion has a path, the others none": {**HTTP, "assertions": [{"type": "json_path", "op": "==",
                                                                                  "value": 1}]},
    "a header assertion has a name, the others none": {**HTTP, "assertions": [{"type": "body", "name": "x",
                                                                               "op": "contains", "value": "y"}]},
    "a status assertion's op is ==, !=, <, <=, >, >=, in or not_in": {**HTTP, "assertions": [
        {"type": "status", "op": "contains", "value": 200}]},
    "this assertion's op is <, <=, > or >=": {**HTTP, "assertions": [{"type": "response_time", "op": "==",
                                                                       "value": 100}]},
    "a body assertion's op is contains or not_contains": {**HTTP, "assertions": [{"type": "body", "op": "==",
                                                                                   "value": "ok"}]},
    "in and not_in are for status assertions": {**HTTP, "assertions": [{"type": "header", "name": "server",
                                                                         "op": "in", "value": ["a"]}]},
    "exists and not_exists take no value, every other op does": {**HTTP, "assertions": [
        {"type": "body", "op": "contains"}]},
}


def test_the_example_passes_every_rule(schema, yaml_module):
    assert admit(schema, example(yaml_module)) == []


@pytest.mark.parametrize("spec", VALID, ids=range(len(VALID)))
def test_valid_monitors_pass_every_rule(schema, spec):
    assert admit(schema, spec) == []


@pytest.mark.parametrize("message", sorted(INVALID))
def test_each_rule_refuses_its_example(schema, message):
    assert admit(schema, INVALID[message]) == [message]


def test_every_rule_has_a_refused_example(schema):
    """A new rule fails this until INVALID has a monitor it refuses."""
    assert sorted(rule["message"] for _, _, rule in rules_of(schema)) == sorted(INVALID)


def test_an_out_of_range_status_code_is_refused(schema):
    """The int branch of the int-or-string rule (the example above covers the string one)."""
    assert admit(schema, {**HTTP, "expectedStatus": [600]}) == ["a status code (100-599) or a range such as 200-299"]


def test_rules_name_only_fields_of_the_schema(schema):
    """The API server types `self` from the schema and refuses a rule that names a field its node lacks; the
    runtime here takes `self` as dynamic, so the names are checked from the rules' text (`self.<field>`, and the
    fields of a list's items through the macro's variable)."""
    methods = {"all", "exists", "exists_one", "map", "filter", "matches", "lowerAscii", "size"}
    for where, node, rule in rules_of(schema):
        expression = rule["rule"]
        names = set(re.findall(r"\bself\.(\w+)", expression)) - methods
        assert names <= set(node.get("properties") or {}), (where, expression)
        for variable in re.findall(r"\.(?:all|exists|exists_one)\((\w+),", expression):
            items = node.get("items") or {}
            if not items.get("properties"):  # a macro over a field of the node: self.assertions.all(a, …)
                field = re.search(rf"self\.(\w+)\.(?:all|exists|exists_one)\({variable},", expression)
                items = node["properties"][field.group(1)]["items"] if field else {}
            used = set(re.findall(rf"\b{variable}\.(\w+)", expression)) - methods
            assert used <= set(items.get("properties") or {}), (where, expression)

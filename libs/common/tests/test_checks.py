"""Assertions as data: parsed from conditions, validated with clear reasons, judged without raising."""

import pytest
from pydantic import ValidationError

from uptick_common.checks import CheckSpec
from uptick_common.checks.body import BodyScan
from uptick_common.checks.judging import Observed, evaluate, first_failure
from uptick_common.checks.paths import parse_path
from uptick_common.checks.targets import socket_address

CONDITIONS = [
    ("[STATUS] == 200", {"type": "status", "op": "==", "value": 200}),
    ("[STATUS] == any(200-299, 301)", {"type": "status", "op": "in", "value": ["200-299", "301"]}),
    ("[STATUS] != any(500-599)", {"type": "status", "op": "not_in", "value": ["500-599"]}),
    ("[RESPONSE_TIME] < 300", {"type": "response_time", "op": "<", "value": 300}),
    ("[BODY] contains UP", {"type": "body", "op": "contains", "value": "UP"}),
    ('[BODY] !contains "an error"', {"type": "body", "op": "not_contains", "value": "an error"}),
    ("[BODY].data.items[0].status == UP",
     {"type": "json_path", "path": "data.items[0].status", "op": "==", "value": "UP"}),
    ("[BODY][1] >= 2.5", {"type": "json_path", "path": "[1]", "op": ">=", "value": 2.5}),
    ('[BODY].name != "3"', {"type": "json_path", "path": "name", "op": "!=", "value": "3"}),
    ("has([BODY].errors) == false", {"type": "json_path", "path": "errors", "op": "not_exists", "value": None}),
    ("[HEADER].Content-Type contains json", {"type": "header", "name": "Content-Type", "op": "contains",
                                              "value": "json"}),
    ("has([HEADER].ETag) == true", {"type": "header", "name": "ETag", "op": "exists", "value": None}),
    ("[CERTIFICATE_EXPIRATION] > 48h", {"type": "cert_expiry", "op": ">", "value": 2.0}),
]


@pytest.mark.parametrize(("condition", "structured"), CONDITIONS)
def test_conditions_become_structured_assertions_and_read_back_the_same(condition: str, structured: dict) -> None:
    (assertion,) = CheckSpec.model_validate({"assertions": [condition]}).assertions
    assert assertion.model_dump() == structured
    (again,) = CheckSpec.model_validate({"assertions": [assertion.condition()]}).assertions
    assert again == assertion


@pytest.mark.parametrize(
    ("assertion", "complaint"),
    [
        ({"type": "regex", "value": "x"}, "does not match any of the expected tags"),
        ({"op": "==", "value": 200}, "Unable to extract tag using discriminator 'type'"),
        ({"type": "status", "op": "=~", "value": 200}, "Input should be"),
        ({"type": "status", "op": "==", "value": 700}, "== takes one status code (100-599)"),
        ({"type": "status", "op": "in", "value": 200}, "in takes a list"),
        ({"type": "status", "op": "in", "value": ["299-200"]}, "the range 299-200 is empty"),
        ({"type": "response_time", "op": "<", "value": "fast"}, "valid integer"),
        ({"type": "response_time", "op": "contains", "value": 3}, "Input should be '<'"),
        ({"type": "body", "op": "==", "value": "UP"}, "Input should be 'contains' or 'not_contains'"),
        ({"type": "body", "op": "contains", "value": ""}, "at least 1 character"),
        ({"type": "json_path", "path": "a..b", "op": "==", "value": 1}, "is not a path such as"),
        ({"type": "json_path", "path": "a[x]", "op": "==", "value": 1}, "is not a path such as"),
        ({"type": "json_path", "path": "count", "op": ">", "value": "many"}, "the value must be a number"),
        ({"type": "json_path", "path": "a", "op": "exists", "value": 1}, "exists takes no value"),
        ({"type": "json_path", "path": "a", "op": "==", "value": {"x": 1}}, "valid string"),
        ({"type": "header", "name": "bad name", "op": "exists"}, "is not a valid header name"),
        ({"type": "cert_expiry", "op": "==", "value": 3}, "Input should be '<'"),
        ({"type": "status", "op": "==", "value": 200, "colour": "red"}, "Extra inputs are not permitted"),
        ("[FOO] == 1", "unknown placeholder '[FOO]'"),
        ("[STATUS]==200", "spaces around the operator"),
        ("[CERTIFICATE_EXPIRATION] > 48", "is not a duration"),
        ("has([STATUS]) == true", "has(…) takes [BODY].<path> or [HEADER].<name>"),
    ],
)
def test_bad_assertions_are_refused_with_a_reason(assertion: object, complaint: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CheckSpec.model_validate({"assertions": [assertion]})
    assert complaint in str(caught.value)


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        ({"type": "tcp", "assertions": ["[STATUS] == 200"]}, "a status assertion does not apply to a tcp monitor"),
        ({"type": "tls", "assertions": ["[BODY] contains x"]}, "(it takes response_time, cert_expiry)"),
        ({"headers": {"X-Token": "a\r\nInjected: yes"}}, "the value of the X-Token header holds control characters"),
        ({"headers": {"Content-Length": "3"}}, "the Content-Length header is set by the checker"),
        ({"headers": {"a": "1", "A": "2"}}, "the A header is given twice"),
        ({"headers": {f"X-{i}": "v" for i in range(40)}}, "at most 32 headers"),
        ({"expected_status": ["2xx"]}, "is not a status code (100-599) or a range"),
        ({"expected_status": []}, "at least 1 item"),
        ({"method": "TRACE"}, "Input should be 'GET'"),
        ({"body": "x" * 70_000}, "at most 65536 characters"),
        ({"assertions": ["[STATUS] == 200"] * 21}, "at most 20 items"),
        ({"type": "udp"}, "Input should be 'http', 'tcp', 'tls' or 'heartbeat'"),
    ],
)
def test_bad_definitions_are_refused_with_a_reason(spec: dict, complaint: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CheckSpec.model_validate(spec)
    messages = " ".join(e["msg"] for e in caught.value.errors())  # what the API answers (without the input)
    assert complaint in messages
    assert "Injected" not in messages  # a header's value is never repeated back


def test_defaults_keep_the_plain_check_and_header_values_stay_out_of_reprs() -> None:
    spec = CheckSpec.model_validate({"method": "post", "expected_status": [200, "300 - 399"],
                                     "headers": {"Authorization": "Bearer s3cret"}})
    assert (spec.method, spec.expected_status) == ("POST", ["200", "300-399"])
    assert "s3cret" not in repr(spec)
    plain = CheckSpec()
    assert (plain.type, plain.method, plain.expected_status, plain.follow_redirects, plain.verify_tls,
            plain.assertions) == ("http", "GET", ["200-399"], True, True, [])


def judge(conditions: list[str], *, body: bytes = b"", chunk: int = 3, **seen) -> list[tuple[bool, str | None]]:
    assertions = CheckSpec.model_validate({"assertions": conditions}).assertions
    scan = BodyScan(assertions)
    for i in range(0, len(body), chunk):  # in small chunks: keywords are found across their boundaries
        scan.feed(body[i:i + chunk])
    results = evaluate(assertions, Observed(**{"latency_ms": 120, "status": 200, **seen}, body=scan))
    return [(r.passed, r.got) for r in results]


def test_json_paths_are_read_from_the_body() -> None:
    body = b'{"data": {"items": [{"status": "UP", "n": 3}], "tags": ["a", "b"]}, "ok": true, "none": null}'
    assert judge([
        "[BODY].data.items[0].status == UP", "[BODY].data.items[-1].n >= 3", "[BODY].data.items.0.n == 3",
        "[BODY].data.tags contains b", "[BODY].ok == true", "[BODY].none == null", "has([BODY].data) == true",
        '[BODY].data.items[0].n == "3"',
    ], body=body) == [(True, None)] * 8
    assert judge(["[BODY].data.items[0].status == DOWN", "[BODY].data.items[5].status == UP",
                  "[BODY].data.items[0].n < 2", "has([BODY].ok) == false"], body=body) == [
        (False, '"UP"'), (False, "nothing at that path"), (False, "3"), (False, "true")]
    assert judge(["[BODY].status == UP"], body=b"<html>UP</html>") == [(False, "a body that is not JSON")]
    assert judge(["[BODY].status == UP"], body=b"[" * 100_000) == [(False, "a body that is not JSON")]


def test_status_time_keyword_header_and_certificate_are_judged() -> None:
    assert judge(["[STATUS] == any(200-204)", "[RESPONSE_TIME] <= 120", "[BODY] contains all good",
                  "[BODY] !contains error", "[HEADER].content-type contains json",
                  "[CERTIFICATE_EXPIRATION] > 30d"],
                 body=b"it is all good", headers={"content-type": "application/json"},
                 cert_days_left=45.0) == [(True, None)] * 6
    assert judge(["[STATUS] != 200", "[RESPONSE_TIME] < 100", "[BODY] contains missing", "[BODY] !contains all",
                  "[HEADER].x-version >= 2", "[CERTIFICATE_EXPIRATION] > 30d"],
                 body=b"it is all good", headers={"x-version": "1"}, cert_days_left=3.24) == [
        (False, "200"), (False, "120ms"), (False, "no match"), (False, "a match"), (False, '"1"'), (False, "3.2d")]
    assert judge(["[CERTIFICATE_EXPIRATION] > 1d"], cert_days_left=None) == [(False, "no TLS certificate")]
    assert judge(["[HEADER].x-missing == 1"]) == [(False, "no such header")]


def test_the_first_failure_is_the_error_of_the_tick() -> None:
    assertions = CheckSpec.model_validate({"assertions": ["[STATUS] == 200", "[BODY].status == UP"]}).assertions
    scan = BodyScan(assertions)
    scan.feed(b'{"status": "DOWN"}')
    results = evaluate(assertions, Observed(latency_ms=5, status=200, body=scan))
    assert first_failure(results) == 'assertion failed: [BODY].status == UP (got "DOWN")'
    assert first_failure(results[:1]) is None


def test_paths_and_socket_targets() -> None:
    assert parse_path("data.items[0].status") == ["data", "items", 0, "status"]
    assert parse_path("[2][-1]") == [2, -1]
    with pytest.raises(ValueError, match="at most 32 steps"):
        parse_path(".".join(["a"] * 33))
    assert socket_address("tcp://db.example.com:5432") == ("db.example.com", 5432)
    assert socket_address("[2001:db8::1]:443") == ("2001:db8::1", 443)
    for bad in ("db.example.com", "tcp://db:0", "db:70000", "a b:1", "tcp://user@db:1", "db:1/path"):
        with pytest.raises(ValueError, match="is not host:port"):
            socket_address(bad)

"""The dashboard cannot drift from the API unnoticed: every request its code makes names an operation of
the OpenAPI documents (method and path), and the fields it reads off a list's items are that schema's.

The UI makes requests only through `api.<method>("/api/…")` and `usePoll("/api/…")` (js/api.js, js/data.js),
so reading those calls out of the source finds them all; a call built another way fails
test_every_request_is_found."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from uptick_auth.main import app as auth_app
from uptick_monitors.main import build_app
from uptick_monitors.settings import MonitorsSettings

JS = Path(__file__).resolve().parents[1] / "src/uptick_web/static/js"
CALL = re.compile(r"""\b(?:api\.(get|post|patch|put|delete|poll)|(usePoll))\(\s*([`"'])(.*?)\3""", re.S)
ANY_API_PATH = re.compile(r"""[`"'](/api/[^`"']*)""")
# Items of a list the UI reads field by field: (file, the variable it names an item by) → schema.
ITEM_FIELDS = {("pages/monitors.js", "m"): "MonitorSummary"}
# Files whose /api literals are not requests: the client's list of routes it never refreshes a session for,
# and the router's prefix of paths it leaves to the browser.
NOT_REQUESTS = {"api.js", "router.js"}


def _documents() -> list[dict]:
    return [auth_app.openapi(), build_app(MonitorsSettings()).openapi()]


def _shape(path: str) -> str:
    """/api/monitors/${id}/ticks?x → /api/monitors/{}/ticks (and OpenAPI's {monitor_id} likewise)."""
    path = path.split("?", 1)[0]
    path = re.sub(r"\$\{[^}]*\}", "{}", path)
    return re.sub(r"\{[^}]*\}", "{}", path)


def _operations() -> set[tuple[str, str]]:
    return {(method.upper(), _shape(path)) for doc in _documents() for path, ops in doc["paths"].items()
            for method in ops}


def _calls() -> list[tuple[str, str, str]]:
    found = []
    for file in sorted(JS.rglob("*.js")):
        for method, poll, _, path in CALL.findall(file.read_text()):
            verb = "GET" if poll or method in ("get", "poll") else method.upper()
            found.append((file.relative_to(JS).as_posix(), verb, _shape(path)))
    return found


def test_every_request_is_found() -> None:
    """Each /api/ literal in the UI is a request this test reads (no request escapes it)."""
    read = {(f, p) for f, _, p in _calls()}
    for file in sorted(JS.rglob("*.js")):
        name = file.relative_to(JS).as_posix()
        if name in NOT_REQUESTS:
            continue
        for path in ANY_API_PATH.findall(file.read_text()):
            assert (name, _shape(path)) in read, f"{name}: {path} is not made through api.* or usePoll"
    assert len(read) >= 8


@pytest.mark.parametrize(("file", "method", "path"), _calls())
def test_every_request_is_an_operation_of_the_api(file: str, method: str, path: str) -> None:
    assert (method, path) in _operations(), f"{file}: {method} {path} is in no OpenAPI document"


@pytest.mark.parametrize(("where", "schema"), ITEM_FIELDS.items())
def test_fields_read_off_list_items_are_the_schemas(where: tuple[str, str], schema: str) -> None:
    file, variable = where
    used = set(re.findall(rf"\b{variable}\.([a-z_][a-z0-9_]*)", (JS / file).read_text()))
    properties = next(doc["components"]["schemas"][schema]["properties"] for doc in _documents()
                      if schema in doc["components"]["schemas"])
    assert used and used <= set(properties), f"{file} reads {sorted(used - set(properties))} not in {schema}"


def test_the_monitor_form_sets_every_option_of_the_api() -> None:
    """A new option of MonitorCreate fails this until the form has it (or says why it has not)."""
    source = (JS / "pages/monitor-form.js").read_text()
    listed = {name: set(re.findall(r'"([a-z_]+)"', re.search(rf"{name} = \[(.*?)\];", source, re.S)[1]))
              for name in ("FORM_FIELDS", "NOT_IN_FORM")}
    schema = next(doc["components"]["schemas"]["MonitorCreate"] for doc in _documents()
                  if "MonitorCreate" in doc["components"]["schemas"])
    assert listed["FORM_FIELDS"] | listed["NOT_IN_FORM"] == set(schema["properties"])
    body = source[source.index("export function bodyOf"):source.index("/** The message for a field")]
    assert {name for name in listed["FORM_FIELDS"] if f"{name}:" not in body} == set(), "fields bodyOf does not send"

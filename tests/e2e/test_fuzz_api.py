"""schemathesis against both OpenAPI documents of the running stack, as a signed-in user: no answer is a
5xx, every answer (errors included) is one the document declares, in the shape it declares.

The seed and the budget are fixed, so a run is repeatable; `UPTICK_FUZZ_SEED` and `UPTICK_FUZZ_SECONDS`
run it longer with another seed.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import httpx
import pytest

from tests.e2e.helpers import FAST, sign_up_and_log_in

SEED = int(os.environ.get("UPTICK_FUZZ_SEED", "20261203"))
SECONDS = int(os.environ.get("UPTICK_FUZZ_SECONDS", "0"))  # 0: a fixed number of examples per operation
EXAMPLES = 60
# What the document promises: no 5xx, and every answer's status, content type, headers and body as declared.
# (Not negative_data_rejection: it fails an API for leniency the document allows, e.g. a name of 201
# characters accepted because its leading whitespace is stripped to 200.)
CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
    "response_schema_conformance",
])
DOCUMENTS = ("/api/openapi.json", "/api/auth/openapi.json")


@pytest.fixture
def stack_overrides() -> dict[str, str]:
    # The fuzzer signs up and logs in from one address far more often than anyone would.
    return FAST | {"UPTICK_SIGNUP_MAX_PER_ADDRESS": "100000", "UPTICK_LOGIN_MAX_FAILURES_PER_ADDRESS": "100000"}


@pytest.mark.timeout(max(1200, SECONDS * 2 + 300))  # a hang guard, not a speed limit (400+ s loaded)
async def test_the_fuzzer_finds_nothing(stack, tmp_path: Path) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        auth = await sign_up_and_log_in(client, "fuzz@example.com", "a long enough password")
        # Something for the paths with an id to find.
        created = await client.post("/api/monitors", headers=auth, json={"url": "http://127.0.0.1:9/", "paused": True})
        assert created.status_code == 201, created.text
    budget = ["--max-time", str(SECONDS)] if SECONDS else ["--max-examples", str(EXAMPLES)]
    failures = []
    for document in DOCUMENTS:
        command = [
            str(Path(sys.executable).with_name("schemathesis")), "run", stack.url + document,
            "--checks", CHECKS, "--seed", str(SEED), *budget, "--workers", "1", "--no-color",
            "--header", f"Authorization: {auth['Authorization']}",
            # These would end the session the rest of the run signs in with.
            "--exclude-path", "/api/auth/logout", "--exclude-path", "/api/auth/logout-all",
            "--exclude-path", "/api/auth/password",
            "--generation-database", "none", "--request-timeout", "15", "--suppress-health-check", "all",
        ]
        run = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.STDOUT, cwd=tmp_path)
        output, _ = await run.communicate()
        print(output.decode(errors="replace")[-20000:])
        if run.returncode != 0:
            failures.append(document)
    assert not failures, f"schemathesis found problems in {failures} (its report is printed above)"

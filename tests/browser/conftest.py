"""Browser-test fixtures: one real stack per test module (every service, web included, on free ports, as
`make run` starts them), Chromium, a fresh page per test, and a signed-in page.

A test asserts what a user sees. Each page records its JavaScript errors and Content-Security-Policy
refusals, and the test fails if there were any.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
import redis
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, DESKTOP, missing_tool
from tests.e2e.helpers import FAST, Target, running_stack
from uptick_devstack import infra
from uptick_devstack.stack import Stack
from uptick_devstack.testing import TABLES, TEST_REDIS_DB

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def browser_overrides() -> dict[str, str]:
    """Settings forced on the module's stack; a module overrides this fixture to change them."""
    return FAST


@pytest.fixture(scope="module")
async def stack(_migrated_database: str, _servers: tuple[str, str], jwt_keys: tuple[Path, Path],
                tmp_path_factory: pytest.TempPathFactory, browser_overrides: dict[str, str]) -> AsyncIterator[Stack]:
    """The whole stack for this module's tests, on an emptied database and Redis (tests share it: each signs
    up its own user, so they do not see each other's monitors)."""
    with psycopg.connect(infra.libpq_url(_migrated_database), autocommit=True) as conn:
        conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    redis_url = urlsplit(_servers[1])._replace(path=f"/{TEST_REDIS_DB}").geturl()
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    async with running_stack(database_url=_migrated_database, redis_url=redis_url, jwt_keys=jwt_keys,
                             folder=tmp_path_factory.mktemp("stack"), overrides=browser_overrides) as running:
        yield running


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 - once per module, before the browser starts
        missing_tool(f"Chromium is not installed at {CHROMIUM}")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def context(browser: Browser, stack: Stack) -> AsyncIterator[BrowserContext]:
    ctx = await browser.new_context(base_url=stack.url, viewport=DESKTOP, locale="en-GB", timezone_id="UTC")
    ctx.set_default_timeout(15_000)
    yield ctx
    await ctx.close()


@pytest.fixture
async def page(context: BrowserContext) -> AsyncIterator[Page]:
    """A fresh page of a fresh browser context (no cookies); fails the test on a JavaScript error or a CSP
    refusal seen during it."""
    tab = await context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    tab.on("console", lambda message: problems.append(f"console: {message.text}")
           if message.type == "error" and ("Content Security Policy" in message.text or "Refused" in message.text)
           else None)
    yield tab
    assert not problems, "\n".join(problems)


@pytest.fixture
def new_email() -> str:
    return f"user-{uuid.uuid4().hex[:10]}@example.com"


@pytest.fixture
async def signed_in(page: Page, stack: Stack, new_email: str) -> Page:
    """`page`, signed in as a new user (signed up through the API), on the dashboard's first page."""
    await sign_up(page, new_email)
    await page.goto("/")
    await page.get_by_role("heading", level=1).wait_for()
    return page


async def sign_up(page: Page, email: str, password: str = PASSWORD) -> dict[str, Any]:
    """A new account, logged in within the page's browser context (its cookies)."""
    signup = await page.request.post("/api/auth/signup", data={"email": email, "password": password})
    assert signup.status == 201, await signup.text()
    login = await page.request.post("/api/auth/login", data={"email": email, "password": password})
    assert login.status == 200, await login.text()
    return await login.json()


async def call_api(page: Page, method: str, path: str, body: Any = None) -> Any:  # noqa: ANN401
    """The API as the page's user, outside the page (setting things up): the session cookie, and the Origin a
    browser would send with a change (the page must have opened one of the stack's pages)."""
    origin = "/".join(page.url.split("/")[:3])
    answer = await page.request.fetch(path, method=method, data=body, headers={"Origin": origin})
    assert answer.ok, f"{method} {path}: {answer.status} {await answer.text()}"
    return None if answer.status == 204 else await answer.json()


@pytest.fixture
async def target() -> AsyncIterator[Target]:
    """A local HTTP server to monitor (127.0.0.1), whose `mode` the test flips between "ok" and "error"."""
    server = Target()
    await server.start()
    yield server
    await server.stop()

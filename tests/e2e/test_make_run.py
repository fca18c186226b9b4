"""`make run`'s program: starts everything behind one origin, stops cleanly on Ctrl-C, keeps its data."""

import asyncio
import os
import signal
import sys

import httpx

from uptick_devstack.infra import ROOT, free_port

PASSWORD = "a long enough password"


async def start(env: dict[str, str]) -> tuple[asyncio.subprocess.Process, list[str]]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "uptick_devstack", "run", env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    lines: list[str] = []
    assert process.stdout is not None
    async with asyncio.timeout(90):
        while not any("| ready: http://127.0.0.1:" in line for line in lines):
            line = (await process.stdout.readline()).decode()
            assert line, "make run exited early:\n" + "".join(lines)
            lines.append(line)
    return process, lines


async def ctrl_c(process: asyncio.subprocess.Process, lines: list[str]) -> str:
    process.send_signal(signal.SIGINT)
    assert process.stdout is not None
    async with asyncio.timeout(60):
        rest = (await process.stdout.read()).decode()
        assert await process.wait() == 0, "".join(lines) + rest
    return rest


async def test_make_run_serves_the_api_and_restarts_from_its_data(database_url: str, redis_url: str) -> None:
    port = free_port()
    env = {**os.environ, "UPTICK_DATABASE_URL": database_url, "UPTICK_REDIS_URL": redis_url,
           "UPTICK_ROUTER_PORT": str(port)}
    process, lines = await start(env)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            signup = await client.post("/api/auth/signup", json={"email": "me@example.com", "password": PASSWORD})
            assert signup.status_code == 201
            assert (await client.get("/api/openapi.json")).json()["info"]["title"] == "Uptick monitors"
    finally:
        rest = await ctrl_c(process, lines)
    output = "".join(lines) + rest
    for service in ("auth", "monitors", "poller", "ingest", "notifier", "checker-eu-west", "checker-us-east", "router"):
        assert f"\n{service:<16}| " in output, f"no output from {service}"
    assert "stopped" in rest.splitlines()[-1]
    assert "| maintenance: " in output  # uptick-maintain ran once before the services started

    process, lines = await start(env)  # a second start finds the account made by the first
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            login = await client.post("/api/auth/login", json={"email": "me@example.com", "password": PASSWORD})
            assert login.status_code == 200
    finally:
        await ctrl_c(process, lines)

"""`uptick-operator`: the kopf operator for Monitor resources, with /healthz, /readyz and /metrics on its health
port, until SIGTERM (kopf stops its watches and lets running handlers finish)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import kopf

from uptick_common.health import HealthServer
from uptick_common.logging import configure_logging
from uptick_operator import handlers, kube
from uptick_operator.settings import OperatorSettings


async def run(settings: OperatorSettings, *, client: httpx.AsyncClient | None = None,
              stop_flag: asyncio.Event | threading.Event | None = None, **kopf_options: Any) -> None:
    """The operator until `stop_flag` (or a signal); `client` replaces the REST API's (tests: the app in-process)."""
    client = client or httpx.AsyncClient(base_url=settings.api_url, timeout=10)
    operator = handlers.Operator(settings=settings, client=client, kube=kube.Kube())
    registry = kopf.OperatorRegistry()
    handlers.register(registry, settings)
    handlers.register_ingresses(registry)
    api = handlers.UptickApi(client, "")
    health = HealthServer(settings.health_host, settings.health_port,
                          lambda: _ready(api)) if settings.health_port else None
    if health is not None:
        await health.start()
    try:
        await kopf.operator(registry=registry, memo=kopf.Memo(operator=operator), clusterwide=True,
                            standalone=True, stop_flag=stop_flag, **kopf_options)
    finally:
        if health is not None:
            await health.close()
        await operator.kube.close()
        await client.aclose()


async def _ready(api: handlers.UptickApi) -> dict[str, str]:
    return {} if await api.ready() else {"api": "the Uptick API does not answer /readyz"}


def main() -> None:
    settings = OperatorSettings()
    configure_logging("operator", settings.log_level, settings.log_format)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()

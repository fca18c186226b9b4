"""The web service's settings: where the dashboard is served, and where its health port is."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from uptick_common.settings import CommonSettings

STATIC_DIR = Path(__file__).parent / "static"


class WebSettings(CommonSettings):
    """The dashboard on `port` (the one the Ingress routes `/` to); /healthz, /readyz and /metrics on
    `health_port`, since every path of the routed port belongs to the dashboard's history routing."""

    host: str = "0.0.0.0"
    port: int = 8000
    health_host: str = "0.0.0.0"
    health_port: int = 9000
    # The folder served: the app and its vendored libraries (vendor/, written by services/web/vendor.mjs).
    static_dir: Path = STATIC_DIR
    # SIGTERM: requests in progress get this long to finish.
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)

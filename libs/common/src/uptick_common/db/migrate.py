"""`uptick-migrate`: bring the database schema to the newest revision (a Helm hook Job, `make run`)."""

from __future__ import annotations

import time
from pathlib import Path

import structlog
from alembic import command
from alembic.config import Config

from uptick_common.backoff import delay_for, transient_errors
from uptick_common.logging import configure_logging
from uptick_common.settings import CommonSettings

log = structlog.get_logger(__name__)


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, *, attempts: int = 30) -> None:
    for attempt in range(attempts):
        try:
            command.upgrade(alembic_config(database_url), "head")
            return
        except transient_errors() as exc:
            if attempt == attempts - 1:
                raise
            delay = delay_for(attempt)
            log.warning("database unavailable, retrying", attempt=attempt + 1, error=str(exc))
            time.sleep(delay)


def main() -> None:
    settings = CommonSettings()
    configure_logging("migrate", settings.log_level, settings.log_format)
    upgrade(settings.database_url)
    log.info("database schema is up to date")


if __name__ == "__main__":
    main()

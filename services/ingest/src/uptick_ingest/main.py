from uptick_common.db.engine import create_engine
from uptick_common.redis import connect_redis
from uptick_common.worker import main as run_worker
from uptick_ingest.settings import IngestSettings
from uptick_ingest.worker import Ingest


def main() -> None:
    settings = IngestSettings()

    async def build() -> Ingest:
        return Ingest(settings, create_engine(settings.database_url, pool_size=2),
                      await connect_redis(settings.redis_url))

    run_worker("ingest", settings, build)


if __name__ == "__main__":
    main()

from uptick_common.db.engine import create_engine
from uptick_common.redis import connect_redis
from uptick_common.worker import main as run_worker
from uptick_poller.settings import PollerSettings
from uptick_poller.worker import Poller


def main() -> None:
    settings = PollerSettings()

    async def build() -> Poller:
        return Poller(settings, create_engine(settings.database_url, pool_size=2),
                      await connect_redis(settings.redis_url))

    run_worker("poller", settings, build)


if __name__ == "__main__":
    main()

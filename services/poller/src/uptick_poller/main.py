"""`uptick-poller`: schedule the checks of due monitors until SIGTERM."""

from uptick_common.worker import main as run_worker
from uptick_poller.settings import PollerSettings
from uptick_poller.worker import Poller


def main() -> None:
    run_worker("poller", PollerSettings, Poller.create)


if __name__ == "__main__":
    main()

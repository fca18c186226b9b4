"""`uptick-notifier`: deliver the outbox to channels until SIGTERM."""

from uptick_common.worker import main as run_worker
from uptick_notifier.settings import NotifierSettings
from uptick_notifier.worker import Notifier


def main() -> None:
    run_worker("notifier", NotifierSettings, Notifier.create)


if __name__ == "__main__":
    main()

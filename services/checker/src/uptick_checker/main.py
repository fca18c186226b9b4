"""`uptick-checker`: run the checker of one region (`UPTICK_REGION`) until SIGTERM."""

from uptick_checker.settings import CheckerSettings
from uptick_checker.worker import Checker
from uptick_common.worker import main as run_worker


def main() -> None:
    run_worker("checker", CheckerSettings, Checker.create)


if __name__ == "__main__":
    main()

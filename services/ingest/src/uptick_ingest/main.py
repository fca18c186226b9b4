"""`uptick-ingest`: store the check results of `uptick:results` until SIGTERM."""

from uptick_common.worker import main as run_worker
from uptick_ingest.settings import IngestSettings
from uptick_ingest.worker import Ingest


def main() -> None:
    run_worker("ingest", IngestSettings, Ingest.create)


if __name__ == "__main__":
    main()

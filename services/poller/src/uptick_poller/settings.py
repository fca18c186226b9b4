from uptick_common.settings import WorkerSettings


class PollerSettings(WorkerSettings):
    # How often the poller looks for due monitors, and how many it claims per transaction.
    tick_seconds: float = 0.5
    batch_size: int = 1000
    # A region whose backlog (undelivered + unacknowledged jobs) is over this bound gets no new jobs
    # until its checkers catch up: load is shed visibly instead of letting the stream grow without end.
    max_backlog: int = 100_000
    backlog_check_seconds: float = 2.0

import socket

from uptick_common.settings import WorkerSettings


class IngestSettings(WorkerSettings):
    # A batch is whatever arrived, up to batch_size; an idle stream is waited on for batch_wait_ms.
    batch_size: int = 1000
    batch_wait_ms: int = 200
    # Stable per pod (its hostname), so a restarted ingest first finishes what it had been given.
    consumer_name: str = socket.gethostname()
    # Results pending longer than this on a consumer that went away are taken over.
    claim_idle_ms: int = 30_000
    max_deliveries: int = 10

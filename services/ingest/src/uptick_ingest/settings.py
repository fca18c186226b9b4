from pydantic import Field

from uptick_common.settings import ConsumerSettings


class IngestSettings(ConsumerSettings):
    # A batch is whatever arrived, up to batch_size; an idle stream is waited on for batch_wait_ms.
    batch_size: int = 1000
    batch_wait_ms: int = 200
    # Add each batch to the minute/hour/day rollups in its transaction (the history API reads them); off
    # only to measure what they cost.
    ingest_rollups: bool = True
    # How often the maintenance windows are looked at for a change (a new or changed window takes effect within
    # this); between looks, which results fall in a window is decided in memory.
    maintenance_refresh_seconds: float = Field(default=5.0, gt=0)

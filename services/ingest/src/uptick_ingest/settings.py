from uptick_common.settings import ConsumerSettings


class IngestSettings(ConsumerSettings):
    # A batch is whatever arrived, up to batch_size; an idle stream is waited on for batch_wait_ms.
    batch_size: int = 1000
    batch_wait_ms: int = 200

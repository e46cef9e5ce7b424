from enum import StrEnum


class JobStatus(StrEnum):
    CANCELED = "canceled"
    DEAD = "dead"
    FAILED = "failed"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"

    def __str__(self) -> str:
        return str(self.value)

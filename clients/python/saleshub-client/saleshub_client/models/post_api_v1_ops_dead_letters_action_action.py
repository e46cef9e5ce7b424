from enum import StrEnum


class PostApiV1OpsDeadLettersActionAction(StrEnum):
    PURGE = "purge"
    RETRY = "retry"

    def __str__(self) -> str:
        return str(self.value)

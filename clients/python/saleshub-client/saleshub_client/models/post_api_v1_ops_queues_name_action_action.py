from enum import StrEnum


class PostApiV1OpsQueuesNameActionAction(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"

    def __str__(self) -> str:
        return str(self.value)

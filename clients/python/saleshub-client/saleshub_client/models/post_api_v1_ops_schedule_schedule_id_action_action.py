from enum import StrEnum


class PostApiV1OpsScheduleScheduleIdActionAction(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    RUN = "run"

    def __str__(self) -> str:
        return str(self.value)

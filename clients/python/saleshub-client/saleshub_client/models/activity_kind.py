from enum import StrEnum


class ActivityKind(StrEnum):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    NOTE = "note"
    TASK = "task"

    def __str__(self) -> str:
        return str(self.value)

from enum import StrEnum


class PostApiV1ImportsBodyDryRun(StrEnum):
    FALSE = "false"
    TRUE = "true"

    def __str__(self) -> str:
        return str(self.value)

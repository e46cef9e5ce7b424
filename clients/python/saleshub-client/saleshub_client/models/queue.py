from enum import StrEnum


class Queue(StrEnum):
    BULK = "bulk"
    CRITICAL = "critical"
    DEFAULT = "default"
    EMAIL = "email"
    PUSH = "push"
    WEBHOOKS = "webhooks"

    def __str__(self) -> str:
        return str(self.value)

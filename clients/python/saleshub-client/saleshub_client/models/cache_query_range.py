from enum import StrEnum


class CacheQueryRange(StrEnum):
    HOUR = "hour"
    VALUE_1 = "14d"

    def __str__(self) -> str:
        return str(self.value)

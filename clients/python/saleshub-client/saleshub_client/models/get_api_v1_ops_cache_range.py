from enum import StrEnum


class GetApiV1OpsCacheRange(StrEnum):
    HOUR = "hour"
    VALUE_1 = "14d"

    def __str__(self) -> str:
        return str(self.value)

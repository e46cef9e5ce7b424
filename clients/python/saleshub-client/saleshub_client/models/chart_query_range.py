from enum import StrEnum


class ChartQueryRange(StrEnum):
    HOUR = "hour"
    VALUE_1 = "14d"

    def __str__(self) -> str:
        return str(self.value)

from enum import StrEnum


class DashboardSource(StrEnum):
    LIVE = "live"
    ROLLUP = "rollup"

    def __str__(self) -> str:
        return str(self.value)

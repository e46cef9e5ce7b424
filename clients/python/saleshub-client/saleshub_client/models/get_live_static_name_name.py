from enum import StrEnum


class GetLiveStaticNameName(StrEnum):
    LIVE_CSS = "live.css"
    LIVE_JS = "live.js"

    def __str__(self) -> str:
        return str(self.value)

from enum import StrEnum


class CacheStatsScopeType0(StrEnum):
    ORG = "org"
    PLATFORM = "platform"

    def __str__(self) -> str:
        return str(self.value)

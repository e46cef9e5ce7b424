from enum import StrEnum


class GetApiV1LeadsStatusType0(StrEnum):
    CONTACTED = "contacted"
    CONVERTED = "converted"
    DISQUALIFIED = "disqualified"
    NEW = "new"
    QUALIFIED = "qualified"

    def __str__(self) -> str:
        return str(self.value)

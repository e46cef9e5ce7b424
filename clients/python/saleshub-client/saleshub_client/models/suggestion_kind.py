from enum import StrEnum


class SuggestionKind(StrEnum):
    QUERY = "query"
    RECORD = "record"

    def __str__(self) -> str:
        return str(self.value)

from enum import StrEnum


class ContactInListSort(StrEnum):
    CREATED_AT = "created_at"
    FIRST_NAME = "first_name"
    UPDATED_AT = "updated_at"
    VALUE_1 = "-created_at"
    VALUE_3 = "-updated_at"
    VALUE_5 = "-first_name"

    def __str__(self) -> str:
        return str(self.value)

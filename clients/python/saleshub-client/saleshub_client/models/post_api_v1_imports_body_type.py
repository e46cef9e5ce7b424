from enum import StrEnum


class PostApiV1ImportsBodyType(StrEnum):
    ACTIVITIES = "activities"
    COMPANIES = "companies"
    CONTACTS = "contacts"
    DEALS = "deals"
    LEADS = "leads"

    def __str__(self) -> str:
        return str(self.value)

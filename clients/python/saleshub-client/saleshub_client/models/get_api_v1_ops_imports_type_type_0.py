from enum import StrEnum


class GetApiV1OpsImportsTypeType0(StrEnum):
    ACTIVITIES = "activities"
    COMPANIES = "companies"
    CONTACTS = "contacts"
    DEALS = "deals"
    LEADS = "leads"

    def __str__(self) -> str:
        return str(self.value)

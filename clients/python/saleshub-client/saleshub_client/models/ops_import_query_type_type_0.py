from enum import StrEnum


class OpsImportQueryTypeType0(StrEnum):
    ACTIVITIES = "activities"
    COMPANIES = "companies"
    CONTACTS = "contacts"
    DEALS = "deals"
    LEADS = "leads"

    def __str__(self) -> str:
        return str(self.value)

from enum import StrEnum


class GetApiV1WebhooksEndpointIdDeliveriesStatusType0(StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"
    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"

    def __str__(self) -> str:
        return str(self.value)

"""SalesHub's SQLAlchemy models, one module per aggregate."""

from models.activity import ACTIVITY_KINDS, Activity
from models.analytics import AnalyticsSnapshot
from models.audit import AuditEntry
from models.base import Base
from models.batch import JobBatch
from models.bulk import Export, Import, ImportChunk, ImportRejection, ImportRow
from models.company import Company
from models.contact import Contact
from models.deal import STAGES, Deal
from models.idempotency import IdempotencyKey
from models.job import (
    ACTIVE_STATUSES,
    FINISHED_STATUSES,
    JOB_STATUSES,
    AttemptOutcome,
    Job,
    JobAttempt,
    JobOutbox,
    JobStatus,
)
from models.lead import LEAD_STATUSES, Lead
from models.notification import (
    CHANNELS,
    URGENCIES,
    Delivery,
    Notification,
    NotificationPreferences,
    PushSubscription,
    WebhookDelivery,
    WebhookEndpoint,
)
from models.org import ROLES, ApiKey, Organization, User
from models.schedule import ScheduleFire
from models.search import (
    SEARCH_TYPES,
    SearchDocument,
    SearchLatency,
    SearchQueryStat,
    SearchTerm,
)
from models.secret import PlatformSecret

__all__ = [
    "ACTIVE_STATUSES",
    "ACTIVITY_KINDS",
    "CHANNELS",
    "FINISHED_STATUSES",
    "JOB_STATUSES",
    "LEAD_STATUSES",
    "ROLES",
    "SEARCH_TYPES",
    "STAGES",
    "URGENCIES",
    "Activity",
    "AnalyticsSnapshot",
    "ApiKey",
    "AttemptOutcome",
    "AuditEntry",
    "Base",
    "Company",
    "Contact",
    "Deal",
    "Delivery",
    "Export",
    "IdempotencyKey",
    "Import",
    "ImportChunk",
    "ImportRejection",
    "ImportRow",
    "Job",
    "JobAttempt",
    "JobBatch",
    "JobOutbox",
    "JobStatus",
    "Lead",
    "Notification",
    "NotificationPreferences",
    "Organization",
    "PlatformSecret",
    "PushSubscription",
    "ScheduleFire",
    "SearchDocument",
    "SearchLatency",
    "SearchQueryStat",
    "SearchTerm",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
]

"""SalesHub's SQLAlchemy models, one module per aggregate."""

from models.activity import ACTIVITY_KINDS, Activity
from models.analytics import AnalyticsSnapshot
from models.audit import AuditEntry
from models.base import Base
from models.company import Company
from models.contact import Contact
from models.deal import STAGES, Deal
from models.idempotency import IdempotencyKey
from models.job import ACTIVE_STATUSES, JOB_STATUSES, Job
from models.lead import LEAD_STATUSES, Lead
from models.org import ROLES, ApiKey, Organization, User

__all__ = [
    "ACTIVE_STATUSES",
    "ACTIVITY_KINDS",
    "JOB_STATUSES",
    "LEAD_STATUSES",
    "ROLES",
    "STAGES",
    "Activity",
    "AnalyticsSnapshot",
    "AuditEntry",
    "ApiKey",
    "Base",
    "Company",
    "Contact",
    "Deal",
    "IdempotencyKey",
    "Job",
    "Lead",
    "Organization",
    "User",
]

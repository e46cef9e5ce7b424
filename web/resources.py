"""The five CRM resources and what their writes set off."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.live.activity import entry_of
from core.notify.triggers import deal_events, lead_events, mention_events
from core.queueing.outbox import stage, stage_unique
from jobs.live import record_activity
from jobs.notifications import emit
from jobs.registry import JOB_TYPES, NoParams
from jobs.search import stage_index
from models import Activity, Company, Contact, Deal, Lead
from web.auth import principal
from web.crud import Resource, WriteHook, changes_of
from web.schemas import (
    ActivityIn,
    CompanyIn,
    ContactIn,
    DealIn,
    Id,
    Kind,
    LeadIn,
    LeadStatus,
    Stage,
    Text,
)


def refresh_dashboard(session: Session, org_id: int, _row: Any, _action: str) -> None:
    """Stage the org's ``analytics.rollup`` in the write's transaction, unless one is queued.

    The job type is unique per org (jobs.registry): writes while a rollup waits fold into
    it; a write after it started stages one more, so the dashboard always sees the last.
    """
    job_type = JOB_TYPES["analytics.rollup"]
    stage_unique(
        session,
        job_type.actor,
        job_type=job_type.name,
        org_id=org_id,
        args=(org_id,),
        unique_key=job_type.unique_key(org_id, NoParams()),
        debounce_s=job_type.debounce_s,
    )


def record(resource: str) -> WriteHook:
    """A hook that stages the write's activity-feed entry in its transaction (the outbox).

    The entry reaches the org's stream, its sockets and its dashboard only once the write
    commits, and always once it has (``jobs.live``).
    """

    def hook(session: Session, org_id: int, row: Any, action: str) -> None:
        changed = [] if action == "delete" else list(changes_of(row))
        stage(
            session,
            record_activity,
            job_type="live.activity",
            org_id=org_id,
            args=(org_id, entry_of(resource, row, action, changed, principal().user_id)),
        )

    return hook


def notify(session: Session, org_id: int, row: Any, action: str) -> None:
    """Emit the notification events a write causes (stage changes, assignments, mentions)."""
    if action == "delete":
        return
    changes = changes_of(row)
    if isinstance(row, Deal):
        events = deal_events(row, changes)
    elif isinstance(row, Lead):
        events = lead_events(row, changes)
    elif isinstance(row, Activity):
        events = mention_events(session, row, changes)
    else:
        return
    emit(session, events)


RESOURCES = (
    Resource(
        name="companies",
        model=Company,
        create=CompanyIn,
        sorts=("created_at", "updated_at", "name"),
        filters={"owner_id": Id, "industry": Text(100), "country": Text(100), "domain": Text(253)},
        on_write=(stage_index, record("companies")),
    ),
    Resource(
        name="contacts",
        model=Contact,
        create=ContactIn,
        sorts=("created_at", "updated_at", "first_name"),
        filters={"owner_id": Id, "company_id": Id, "email": Text(320)},
        links={"company_id": Company},
        on_write=(stage_index, record("contacts")),
    ),
    Resource(
        name="deals",
        model=Deal,
        create=DealIn,
        sorts=("created_at", "updated_at", "title"),
        filters={"owner_id": Id, "stage": Stage, "company_id": Id, "contact_id": Id},
        links={"company_id": Company, "contact_id": Contact},
        on_write=(refresh_dashboard, stage_index, notify, record("deals")),
    ),
    Resource(
        name="leads",
        model=Lead,
        create=LeadIn,
        sorts=("created_at", "updated_at", "name"),
        filters={"owner_id": Id, "status": LeadStatus, "source": Text(100)},
        on_write=(refresh_dashboard, stage_index, notify, record("leads")),
    ),
    Resource(
        name="activities",
        model=Activity,
        create=ActivityIn,
        sorts=("created_at", "updated_at"),
        filters={
            "owner_id": Id,
            "kind": Kind,
            "done": bool,
            "contact_id": Id,
            "company_id": Id,
            "deal_id": Id,
            "lead_id": Id,
        },
        links={"contact_id": Contact, "company_id": Company, "deal_id": Deal, "lead_id": Lead},
        on_write=(refresh_dashboard, notify, record("activities")),
    ),
)

"""Realistic CRM data in bulk, for demos and benchmarks.

Names come from several Faker locales (one locale repeats too few tokens to make search
benchmarks fair); Faker is slow per call, so pools of names are drawn once and combined,
and rows go in with ``COPY``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from faker import Faker
from tqdm import tqdm

from core.settings import Settings

LOCALES = ["en_US", "de_DE", "fr_FR", "es_ES", "it_IT", "pl_PL", "nl_NL", "pt_BR", "sv_SE", "tr_TR"]
DEMO_SIZES = {"companies": 200, "contacts": 1000, "deals": 400, "leads": 400, "activities": 1500}
STAGES = ["lead", "qualified", "proposal", "negotiation", "won", "lost"]
LEAD_STATUSES = ["new", "contacted", "qualified", "disqualified", "converted"]
DEAL_KINDS = ["renewal", "expansion", "pilot", "licence"]
KINDS = ["note", "call", "email", "meeting", "task"]
INDUSTRIES = ["Software", "Retail", "Manufacturing", "Finance", "Health", "Logistics", "Energy"]


def sizes_for(contacts: int) -> dict[str, int]:
    """Companies, deals, leads and activities in proportion to ``contacts``."""
    return {
        "companies": max(1, contacts // 5) if contacts else 0,
        "contacts": contacts,
        "deals": contacts * 2 // 5,
        "leads": contacts * 2 // 5,
        "activities": contacts,
    }


class _Pools:
    def __init__(self, rng: random.Random, per_locale: int = 400) -> None:
        fakes = [Faker(loc) for loc in LOCALES]
        for i, f in enumerate(fakes):
            f.seed_instance(rng.randint(0, 2**31) + i)
        self.first = sorted({f.first_name() for f in fakes for _ in range(per_locale)})
        self.last = sorted({f.last_name() for f in fakes for _ in range(per_locale)})
        self.company = sorted({f.company() for f in fakes for _ in range(per_locale)})
        self.city = sorted({f.city() for f in fakes for _ in range(per_locale // 4)})
        self.country = sorted({f.country() for f in fakes[:3] for _ in range(50)})
        self.words = sorted({w for f in fakes[:1] for w in f.words(300)})


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isascii() and ch.isalnum())[:30] or "x"


def seed(
    settings: Settings,
    org_name: str,
    sizes: dict[str, int],
    *,
    skip_if_present: bool = False,
    progress: bool = False,
    rng_seed: int = 7,
) -> dict[str, int]:
    """Add ``sizes`` rows of each resource to org ``org_name`` (created if missing)."""
    rng = random.Random(rng_seed)
    with psycopg.connect(settings.database.psycopg_dsn) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO organizations (name) VALUES (%s) ON CONFLICT (name) DO NOTHING",
            (org_name,),
        )
        cur.execute("SELECT id FROM organizations WHERE name = %s", (org_name,))
        org_id = cur.fetchone()[0]  # type: ignore[index]
        if skip_if_present:
            cur.execute("SELECT EXISTS (SELECT 1 FROM companies WHERE org_id = %s)", (org_id,))
            if cur.fetchone()[0]:  # type: ignore[index]
                return {}
        pools = _Pools(rng)
        total = sum(sizes.values())
        bar = tqdm(total=total, disable=not progress, unit="rows", desc=f"seeding {org_name}")
        now = datetime.now(UTC)

        def ago() -> datetime:
            return now - timedelta(seconds=rng.randint(0, 60 * 86400))

        def copy(table: str, columns: str, rows: Iterator[tuple[Any, ...]]) -> list[int]:
            cur.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # nosec B608  # table names are literals of this module
            start = cur.fetchone()[0]  # type: ignore[index]
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(row)
                    bar.update(1)
            cur.execute(
                f"SELECT id FROM {table} WHERE org_id = %s AND id > %s ORDER BY id",  # nosec B608  # table names are literals of this module
                (org_id, start),
            )
            return [r[0] for r in cur.fetchall()]

        companies = copy(
            "companies",
            "org_id, name, domain, industry, size, city, country, created_at, updated_at",
            (
                (
                    org_id,
                    name,
                    f"{_slug(name)}{i}.example",
                    rng.choice(INDUSTRIES),
                    rng.choice(["1-10", "11-50", "51-200", "201-1000", "1000+"]),
                    rng.choice(pools.city),
                    rng.choice(pools.country),
                    (t := ago()),
                    t,
                )
                for i in range(sizes["companies"])
                for name in [rng.choice(pools.company)]
            ),
        )
        contacts = copy(
            "contacts",
            "org_id, first_name, last_name, email, title, company_id, created_at, updated_at",
            (
                (
                    org_id,
                    first,
                    last,
                    f"{_slug(first)}.{_slug(last)}{i}@example.com",
                    rng.choice(["CEO", "CTO", "Buyer", "Engineer", "Head of Sales", None]),
                    rng.choice(companies) if companies else None,
                    (t := ago()),
                    t,
                )
                for i in range(sizes["contacts"])
                for first, last in [(rng.choice(pools.first), rng.choice(pools.last))]
            ),
        )
        deals = copy(
            "deals",
            "org_id, title, amount, currency, stage, company_id, contact_id, "
            "created_at, updated_at",
            (
                (
                    org_id,
                    f"{rng.choice(pools.words).title()} {rng.choice(DEAL_KINDS)}",
                    rng.randint(500, 250_000),
                    "USD",
                    rng.choice(STAGES),
                    rng.choice(companies) if companies else None,
                    rng.choice(contacts) if contacts else None,
                    (t := ago()),
                    t,
                )
                for _ in range(sizes["deals"])
            ),
        )
        copy(
            "leads",
            "org_id, name, email, company_name, source, status, score, created_at, updated_at",
            (
                (
                    org_id,
                    f"{first} {last}",
                    f"{_slug(first)}{i}@lead.example",
                    rng.choice(pools.company),
                    rng.choice(["web", "referral", "event", "ads", "outbound"]),
                    rng.choice(LEAD_STATUSES),
                    rng.randint(0, 100),
                    (t := ago()),
                    t,
                )
                for i in range(sizes["leads"])
                for first, last in [(rng.choice(pools.first), rng.choice(pools.last))]
            ),
        )
        copy(
            "activities",
            "org_id, kind, subject, done, contact_id, deal_id, created_at, updated_at",
            (
                (
                    org_id,
                    rng.choice(KINDS),
                    f"{rng.choice(pools.words).title()} {rng.choice(pools.words)}",
                    rng.random() < 0.5,
                    rng.choice(contacts) if contacts else None,
                    rng.choice(deals) if deals and rng.random() < 0.5 else None,
                    (t := ago()),
                    t,
                )
                for _ in range(sizes["activities"])
            ),
        )
        bar.close()
        conn.commit()
    return dict(sizes)

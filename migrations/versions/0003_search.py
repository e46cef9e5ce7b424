"""search index, vocabulary and analytics

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _org_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["org_id"],
        ["organizations.id"],
        name=op.f(f"fk_{table}_org_id_organizations"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    # Trigram similarity on the vocabulary is the typo pipeline's last resort.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE SEQUENCE search_doc_version")
    op.execute("CREATE SEQUENCE search_term_seq")
    op.create_table(
        "search_documents",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("entity_type", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("subtitle", sa.Text(), nullable=True),
        sa.Column("title_key", sa.Text(collation="C"), nullable=False),
        sa.Column("keys", sa.Text(), nullable=False),
        sa.Column("fields", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("tsv", postgresql.TSVECTOR(), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("stage", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("company_id", sa.BigInteger(), nullable=True),
        sa.Column("contact_id", sa.BigInteger(), nullable=True),
        sa.Column("source_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "indexed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "entity_type IN ('company', 'contact', 'deal', 'lead')",
            name=op.f("ck_search_documents_entity_type"),
        ),
        _org_fk("search_documents"),
        sa.PrimaryKeyConstraint(
            "org_id", "entity_type", "entity_id", name=op.f("pk_search_documents")
        ),
    )
    # Rewriting an unchanged document is then a HOT update: no new index entries.
    op.execute("ALTER TABLE search_documents SET (fillfactor = 85)")
    # With its pending list (fastupdate) a bulk rebuild is 8x faster; every query scans the
    # list, so writers keep it short (core.search.store.PENDING_LIST_KB) and a rebuild
    # flushes it when done.
    op.create_index("ix_search_documents_tsv", "search_documents", ["tsv"], postgresql_using="gin")
    op.create_index("ix_search_documents_title_key", "search_documents", ["org_id", "title_key"])
    op.create_index(
        "ix_search_documents_company",
        "search_documents",
        ["org_id", "company_id"],
        postgresql_where=sa.text("company_id IS NOT NULL"),
    )
    op.create_index(
        "ix_search_documents_contact",
        "search_documents",
        ["org_id", "contact_id"],
        postgresql_where=sa.text("contact_id IS NOT NULL"),
    )
    op.create_table(
        "search_terms",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("term", sa.Text(collation="C"), nullable=False),
        sa.Column("doc_count", sa.Integer(), nullable=False),
        sa.Column(
            "seq",
            sa.BigInteger(),
            server_default=sa.text("nextval('search_term_seq')"),
            nullable=False,
        ),
        _org_fk("search_terms"),
        sa.PrimaryKeyConstraint("org_id", "term", name=op.f("pk_search_terms")),
    )
    op.create_index("ix_search_terms_org_seq", "search_terms", ["org_id", "seq"])
    op.create_index(
        "ix_search_terms_trgm",
        "search_terms",
        ["term"],
        postgresql_using="gin",
        postgresql_ops={"term": "gin_trgm_ops"},
        postgresql_with={"fastupdate": "off"},
    )
    op.create_table(
        "search_query_stats",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("query", sa.Text(collation="C"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("zero_results", sa.Integer(), nullable=False),
        sa.Column("last_results", sa.Integer(), nullable=False),
        _org_fk("search_query_stats"),
        sa.PrimaryKeyConstraint("org_id", "query", "day", name=op.f("pk_search_query_stats")),
    )
    op.create_table(
        "search_latency",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("bucket", sa.SmallInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        _org_fk("search_latency"),
        sa.PrimaryKeyConstraint("org_id", "day", "bucket", name=op.f("pk_search_latency")),
    )


def downgrade() -> None:
    op.drop_table("search_latency")
    op.drop_table("search_query_stats")
    op.drop_index("ix_search_terms_trgm", table_name="search_terms")
    op.drop_index("ix_search_terms_org_seq", table_name="search_terms")
    op.drop_table("search_terms")
    op.drop_index("ix_search_documents_contact", table_name="search_documents")
    op.drop_index("ix_search_documents_company", table_name="search_documents")
    op.drop_index("ix_search_documents_title_key", table_name="search_documents")
    op.drop_index("ix_search_documents_tsv", table_name="search_documents")
    op.drop_table("search_documents")
    op.execute("DROP SEQUENCE search_term_seq")
    op.execute("DROP SEQUENCE search_doc_version")

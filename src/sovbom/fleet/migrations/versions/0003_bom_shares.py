"""Fleet summaries at scale: each BOM's components counted once, at ingest.

* ``bom_shares``: per BOM, its components counted by type, class, judged country, supplier (else
  maker) and whether a delivery verified them. A fleet summary (the dashboard's overview) adds up
  these few rows per server instead of grouping every component of the fleet. Filled here from the
  BOMs ingested before this revision; ingest keeps it from then on.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bom_shares",
        sa.Column("bom_id", sa.Integer, nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("cls", sa.Text, nullable=True),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("supplier", sa.Text, nullable=True),
        sa.Column("verified", sa.Integer, nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.ForeignKeyConstraint(["bom_id"], ["boms.id"], name="fk_bom_shares_bom_id_boms"),
    )
    op.create_index("ix_bom_shares_bom_id", "bom_shares", ["bom_id"])
    op.execute(
        "INSERT INTO bom_shares (bom_id, type, cls, country, supplier, verified, n)"
        " SELECT bom_id, type, cls, country, coalesce(supplier, manufacturer),"
        " CASE WHEN verified IS NULL THEN 0 ELSE 1 END, count(*) FROM components"
        " GROUP BY bom_id, type, cls, country, coalesce(supplier, manufacturer),"
        " CASE WHEN verified IS NULL THEN 0 ELSE 1 END"
    )


def downgrade() -> None:
    op.drop_table("bom_shares")

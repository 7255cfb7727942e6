"""The dashboard's stored checks: what a server page shows of a BOM's check under a policy.

* ``check_views``: per BOM, policy SHA-256, as-of date and fail-on level, the check's verdict,
  findings with their paths and the picture (compressed JSON), written by ``fleet recheck``.
  Empty after this revision: the next recheck fills it (the dashboard checks a BOM itself until
  then).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "check_views",
        sa.Column("bom_id", sa.Integer, nullable=False),
        sa.Column("policy_sha256", sa.String(64), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("fail_on", sa.String(16), nullable=False),
        sa.Column("view", sa.LargeBinary, nullable=False),
        sa.ForeignKeyConstraint(["bom_id"], ["boms.id"], name="fk_check_views_bom_id_boms"),
        sa.UniqueConstraint(
            "bom_id",
            "policy_sha256",
            "as_of",
            "fail_on",
            name="uq_check_views_bom_id_policy_sha256_as_of_fail_on",
        ),
    )


def downgrade() -> None:
    op.drop_table("check_views")

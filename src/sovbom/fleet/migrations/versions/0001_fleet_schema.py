"""The fleet schema: servers, BOM versions, components, rechecks.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    _servers()
    _boms()
    _components()
    _rechecks()
    _recheck_results()


def _servers() -> None:
    """One row per server, by its unique key."""
    op.create_table(
        "servers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(512), nullable=False),
        sa.Column("name", sa.Text, nullable=True),
        sa.Column("site", sa.Text, nullable=True),
        sa.Column("first_seen", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_servers"),
        sa.UniqueConstraint("key", name="uq_servers_key"),
    )


def _boms() -> None:
    """Every BOM version ingested, with its signature verdict and the document itself."""
    op.create_table(
        "boms",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("server_id", sa.Integer, nullable=False),
        sa.Column("serial", sa.Text, nullable=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("spec_version", sa.String(8), nullable=False),
        sa.Column("produced_at", TS, nullable=False),
        sa.Column("ingested_at", TS, nullable=False),
        sa.Column("components", sa.Integer, nullable=False),
        sa.Column("signature", sa.String(16), nullable=False),
        sa.Column("signer_identity", sa.Text, nullable=True),
        sa.Column("signer_issuer", sa.Text, nullable=True),
        sa.Column("signer_roles", sa.Text, nullable=True),
        sa.Column("delivery_verdict", sa.String(8), nullable=True),
        sa.Column("document", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_boms"),
        sa.ForeignKeyConstraint(["server_id"], ["servers.id"], name="fk_boms_server_id_servers"),
        sa.UniqueConstraint("sha256", name="uq_boms_sha256"),
    )
    op.create_index("ix_boms_server_id_produced_at", "boms", ["server_id", "produced_at"])


def _components() -> None:
    """The components of each BOM, with the columns the where-used queries search."""
    op.create_table(
        "components",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("bom_id", sa.Integer, nullable=False),
        sa.Column("ref", sa.Text, nullable=False),
        sa.Column("parent_ref", sa.Text, nullable=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_fold", sa.Text, nullable=False),
        sa.Column("version", sa.Text, nullable=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("cls", sa.Text, nullable=True),
        sa.Column("purl", sa.Text, nullable=True),
        sa.Column("part_number", sa.Text, nullable=True),
        sa.Column("serial", sa.Text, nullable=True),
        sa.Column("manufacturer", sa.Text, nullable=True),
        sa.Column("supplier", sa.Text, nullable=True),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("countries", sa.Text, nullable=True),
        sa.Column("verified", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_components"),
        sa.ForeignKeyConstraint(["bom_id"], ["boms.id"], name="fk_components_bom_id_boms"),
    )
    for cols in (
        ["bom_id", "ref"],
        ["part_number"],
        ["serial"],
        ["purl"],
        ["name_fold"],
        ["country"],
    ):
        op.create_index(f"ix_components_{'_'.join(cols)}", "components", cols)


def _rechecks() -> None:
    """One row per fleet recheck: the policy and threshold it ran with."""
    op.create_table(
        "rechecks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("policy_source", sa.Text, nullable=False),
        sa.Column("policy_sha256", sa.String(64), nullable=True),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("fail_on", sa.String(16), nullable=False),
        sa.Column("ran_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rechecks"),
    )


def _recheck_results() -> None:
    """Each server's verdict in a recheck."""
    op.create_table(
        "recheck_results",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("recheck_id", sa.Integer, nullable=False),
        sa.Column("server_id", sa.Integer, nullable=False),
        sa.Column("bom_id", sa.Integer, nullable=False),
        sa.Column("verdict", sa.String(8), nullable=False),
        sa.Column("worst", sa.String(16), nullable=True),
        sa.Column("findings", sa.Text, nullable=False),
        sa.Column("domestic_share", sa.Float, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_recheck_results"),
        sa.ForeignKeyConstraint(
            ["recheck_id"], ["rechecks.id"], name="fk_recheck_results_recheck_id_rechecks"
        ),
        sa.ForeignKeyConstraint(
            ["server_id"], ["servers.id"], name="fk_recheck_results_server_id_servers"
        ),
        sa.ForeignKeyConstraint(["bom_id"], ["boms.id"], name="fk_recheck_results_bom_id_boms"),
    )
    op.create_index(
        "ix_recheck_results_recheck_id_server_id", "recheck_results", ["recheck_id", "server_id"]
    )
    op.create_index("ix_recheck_results_server_id", "recheck_results", ["server_id"])


def downgrade() -> None:
    for table in ("recheck_results", "rechecks", "components", "boms", "servers"):
        op.drop_table(table)

"""Where-used at fleet scale: the countries side table and prefix indexes.

* ``component_countries``: the countries tied to a component *besides* the one it is judged by
  (``components.country``, already indexed), one row each, so that ``country=XX`` is two index
  look-ups instead of a scan of every component's ``countries`` text. Most parts name one
  country (origin = maker = supplier), so the table stays small. Filled here from the rows
  ingested before this revision.
* On PostgreSQL the text indexes that wildcard queries narrow by (``name_fold``, ``purl``,
  ``part_number``, ``serial``, ``ref`` within a BOM) are rebuilt with ``text_pattern_ops``, so that
  ``LIKE 'abc%'`` uses them whatever the database's collation (they still answer equality).
  SQLite's ``GLOB`` uses its ordinary (binary) indexes for a literal prefix.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PATTERN_COLUMNS = ("part_number", "serial", "purl", "name_fold")


def upgrade() -> None:
    op.create_table(
        "component_countries",
        sa.Column("bom_id", sa.Integer, nullable=False),
        sa.Column("ref", sa.Text, nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.ForeignKeyConstraint(["bom_id"], ["boms.id"], name="fk_component_countries_bom_id_boms"),
    )
    op.create_index(
        "ix_component_countries_country_bom_id", "component_countries", ["country", "bom_id"]
    )
    op.create_index("ix_component_countries_bom_id", "component_countries", ["bom_id"])
    _backfill()
    if op.get_bind().dialect.name == "postgresql":
        for col in PATTERN_COLUMNS:
            op.drop_index(f"ix_components_{col}", "components")
            op.create_index(
                f"ix_components_{col}", "components", [col],
                postgresql_ops={col: "text_pattern_ops"},
            )  # fmt: skip


def _backfill() -> None:
    """The extra countries of components ingested under revision 0001."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT bom_id, ref, country, countries FROM components"
            " WHERE countries IS NOT NULL AND countries <> ',' || coalesce(country, '') || ','"
        )
    )
    table = sa.table(
        "component_countries", sa.column("bom_id"), sa.column("ref"), sa.column("country")
    )
    batch: list[dict[str, object]] = []
    for bom_id, ref, judged, countries in rows:
        batch.extend(
            {"bom_id": bom_id, "ref": ref, "country": c}
            for c in countries.split(",")
            if c and c != judged
        )
        if len(batch) >= 10_000:
            conn.execute(table.insert(), batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for col in PATTERN_COLUMNS:
            op.drop_index(f"ix_components_{col}", "components")
            op.create_index(f"ix_components_{col}", "components", [col])
    op.drop_table("component_countries")

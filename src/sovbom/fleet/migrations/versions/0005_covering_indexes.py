"""Where-used without reading the components table: each searched column indexed with its BOM.

The indexes that where-used searches by (``part_number``, ``serial``, ``purl``, ``name_fold``,
``country``) each hold the BOM id after the value. A query's candidates are then tested against
the servers' newest BOMs inside the index: counting the matches of a broad query (a part on every
server) reads index entries only, not one table row per match. On PostgreSQL the text columns keep
``text_pattern_ops`` (revision 0002).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = ("part_number", "serial", "purl", "name_fold", "country")
#: The text columns whose PostgreSQL index answers ``LIKE 'prefix%'`` (revision 0002).
PATTERN_COLUMNS = ("part_number", "serial", "purl", "name_fold")


def _create(col: str, columns: list[str]) -> None:
    ops = {col: "text_pattern_ops"} if col in PATTERN_COLUMNS else {}
    name = "_".join(["ix_components", *columns])
    op.create_index(name, "components", columns, postgresql_ops=ops)


def upgrade() -> None:
    for col in COLUMNS:
        op.drop_index(f"ix_components_{col}", "components")
        _create(col, [col, "bom_id"])


def downgrade() -> None:
    for col in COLUMNS:
        op.drop_index(f"ix_components_{col}_bom_id", "components")
        _create(col, [col])

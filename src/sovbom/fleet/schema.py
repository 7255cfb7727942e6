"""The fleet database's tables (SQLAlchemy 2 Core), the same on SQLite and PostgreSQL.

* ``servers``: one row per server, keyed by the root component's serial number (else its name);
* ``boms``: every version of every server's BOM, keyed by the BOM's SHA-256, with when it was
  produced, who signed it (what was verified at ingest) and the document itself (compressed), so
  a later ``recheck`` evaluates exactly what was ingested;
* ``components``: one row per component of each BOM, with its provenance flattened for where-used
  queries and summaries, and the parent on its shortest path from the server root;
* ``component_countries``: the countries tied to a component besides its judged one (revision
  0002), for indexed ``country=`` queries;
* ``rechecks`` and ``recheck_results``: each policy re-evaluation of the fleet and each server's
  verdict in it;
* ``bom_shares``: each BOM's components counted by what a fleet summary groups them by (revision
  0003, kept by ingest), so that a summary adds up a few rows per server;
* ``check_views``: what the dashboard shows of a server's check under a policy (revision 0004,
  kept by ``fleet recheck``).

The columns where-used searches by are indexed together with their BOM (revision 0005).

The Alembic migrations in :mod:`sovbom.fleet.migrations` create exactly these tables; a test
compares the migrated database with this metadata on both engines.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

#: A 64-bit key that is SQLite's rowid alias there (autoincrement works on both engines).
BigId = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

servers = Table(
    "servers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(512), nullable=False),
    Column("name", Text, nullable=True),
    Column("site", Text, nullable=True),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    UniqueConstraint("key"),
)

boms = Table(
    "boms",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False),
    Column("server_id", Integer, ForeignKey("servers.id"), nullable=False),
    Column("serial", Text, nullable=True),
    Column("source", Text, nullable=False),
    Column("spec_version", String(8), nullable=False),
    Column("produced_at", DateTime(timezone=True), nullable=False),
    Column("ingested_at", DateTime(timezone=True), nullable=False),
    Column("components", Integer, nullable=False),
    #: unsigned | verified (a bundle was verified against the signer policy at ingest)
    Column("signature", String(16), nullable=False),
    Column("signer_identity", Text, nullable=True),
    Column("signer_issuer", Text, nullable=True),
    Column("signer_roles", Text, nullable=True),
    Column("delivery_verdict", String(8), nullable=True),
    Column("document", LargeBinary, nullable=False),
    UniqueConstraint("sha256"),
    Index(None, "server_id", "produced_at"),
)

components = Table(
    "components",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("bom_id", Integer, ForeignKey("boms.id"), nullable=False),
    Column("ref", Text, nullable=False),
    Column("parent_ref", Text, nullable=True),
    Column("name", Text, nullable=False),
    Column("name_fold", Text, nullable=False),
    Column("version", Text, nullable=True),
    Column("type", String(32), nullable=False),
    Column("cls", Text, nullable=True),
    Column("purl", Text, nullable=True),
    Column("part_number", Text, nullable=True),
    Column("serial", Text, nullable=True),
    Column("manufacturer", Text, nullable=True),
    Column("supplier", Text, nullable=True),
    #: the country the component is judged by: origin, else maker, else supplier
    Column("country", String(2), nullable=True),
    #: every country tied to the component, as ",JP,US," (origin, maker, supplier, production)
    Column("countries", Text, nullable=True),
    #: why the component is independently verified (delivery, evidence), or NULL
    Column("verified", Text, nullable=True),
    Index(None, "bom_id", "ref"),
    # what where-used searches by, each with its BOM (revision 0005): the newest BOMs are told
    # apart inside the index. text_pattern_ops on PostgreSQL: LIKE 'prefix%' uses these whatever
    # the collation
    Index(None, "part_number", "bom_id", postgresql_ops={"part_number": "text_pattern_ops"}),
    Index(None, "serial", "bom_id", postgresql_ops={"serial": "text_pattern_ops"}),
    Index(None, "purl", "bom_id", postgresql_ops={"purl": "text_pattern_ops"}),
    Index(None, "name_fold", "bom_id", postgresql_ops={"name_fold": "text_pattern_ops"}),
    Index(None, "country", "bom_id"),
)

#: The countries tied to a component besides the one it is judged by (``components.country``),
#: one row each: ``country=XX`` is then two index look-ups (most parts have no row here).
component_countries = Table(
    "component_countries",
    metadata,
    Column("bom_id", Integer, ForeignKey("boms.id"), nullable=False),
    Column("ref", Text, nullable=False),
    Column("country", String(2), nullable=False),
    Index(None, "country", "bom_id"),
    Index(None, "bom_id"),
)

rechecks = Table(
    "rechecks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("policy_source", Text, nullable=False),
    Column("policy_sha256", String(64), nullable=True),
    Column("as_of", Date, nullable=False),
    Column("fail_on", String(16), nullable=False),
    Column("ran_at", DateTime(timezone=True), nullable=False),
)

recheck_results = Table(
    "recheck_results",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("recheck_id", Integer, ForeignKey("rechecks.id"), nullable=False),
    Column("server_id", Integer, ForeignKey("servers.id"), nullable=False),
    Column("bom_id", Integer, ForeignKey("boms.id"), nullable=False),
    Column("verdict", String(8), nullable=False),
    Column("worst", String(16), nullable=True),
    #: counted findings by severity, as JSON
    Column("findings", Text, nullable=False),
    Column("domestic_share", Float, nullable=True),
    Index(None, "recheck_id", "server_id"),
    Index(None, "server_id"),
)

#: Each BOM's components counted by type, class, judged country, supplier (else maker) and
#: whether a delivery verified them: a fleet summary sums these rows over each server's newest BOM
#: instead of grouping every component (:mod:`sovbom.fleet.shares` keeps them).
bom_shares = Table(
    "bom_shares",
    metadata,
    Column("bom_id", Integer, ForeignKey("boms.id"), nullable=False),
    Column("type", String(32), nullable=False),
    Column("cls", Text, nullable=True),
    Column("country", String(2), nullable=True),
    Column("supplier", Text, nullable=True),
    Column("verified", Integer, nullable=False),
    Column("n", Integer, nullable=False),
    Index(None, "bom_id"),
)

#: What the dashboard's server page shows of a BOM's check under one policy, as-of date and
#: fail-on level (compressed JSON, the picture included), kept by ``fleet recheck`` (revision
#: 0004, :mod:`sovbom.fleet.checkviews`).
check_views = Table(
    "check_views",
    metadata,
    Column("bom_id", Integer, ForeignKey("boms.id"), nullable=False),
    Column("policy_sha256", String(64), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("fail_on", String(16), nullable=False),
    Column("view", LargeBinary, nullable=False),
    UniqueConstraint("bom_id", "policy_sha256", "as_of", "fail_on"),
)

__all__ = [
    "bom_shares",
    "boms",
    "check_views",
    "component_countries",
    "components",
    "metadata",
    "recheck_results",
    "rechecks",
    "servers",
]

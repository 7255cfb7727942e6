"""Alembic migrations of the fleet database, run programmatically by :func:`sovbom.fleet.store.migrate`."""

"""Running the dashboard: the policy it judges by, the address it binds, the ASGI server."""

from __future__ import annotations

import hashlib
import ipaddress
from pathlib import Path
from typing import TYPE_CHECKING

from sovbom.errors import InputError

if TYPE_CHECKING:
    from sovbom.fleet.store import FleetStore
    from sovbom.policy import Policy
    from sovbom.web.views import Dashboard

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def is_loopback(host: str) -> bool:
    """Whether ``host`` binds only this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def newest_recheck_policy(store: FleetStore) -> Policy:
    """The policy of the newest stored recheck, when its file is still there unchanged."""
    from sqlalchemy import select

    from sovbom.fleet.schema import rechecks
    from sovbom.policy import load_policy

    with store.engine.connect() as conn:
        row = conn.execute(
            select(rechecks.c.policy_source, rechecks.c.policy_sha256)
            .order_by(rechecks.c.id.desc())
            .limit(1)
        ).first()
    hint = "give the policy the fleet is judged by with --policy"
    if row is None:
        raise InputError("no stored recheck to take a policy from", source=store.display, hint=hint)
    path = Path(row.policy_source)
    if not path.is_file():
        raise InputError("the newest recheck's policy is not here", source=row.policy_source,
                         hint=hint)  # fmt: skip
    if row.policy_sha256 and hashlib.sha256(path.read_bytes()).hexdigest() != row.policy_sha256:
        raise InputError("the newest recheck's policy changed since the recheck",
                         source=row.policy_source, hint=hint)  # fmt: skip
    return load_policy(path)


def serve(dashboard: Dashboard, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Serve the dashboard until interrupted (uvicorn, one process)."""
    import uvicorn

    from sovbom.web.app import create_app

    dashboard.warm()  # before the first connection: every first view is served warm
    uvicorn.run(create_app(dashboard), host=host, port=port, log_level="warning",
                server_header=False, proxy_headers=False)  # fmt: skip


__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "is_loopback", "newest_recheck_policy", "serve"]

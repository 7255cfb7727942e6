"""``sovbom serve``: the fleet dashboard, a read-only web interface (the ``web`` extra)."""

from __future__ import annotations

import gc

import click

from sovbom.cli._common import cli
from sovbom.cli._options import configured, fail_on_option, parse_as_of


@cli.command("serve")
@click.option(
    "--db",
    envvar="SOVBOM_DB",
    default=configured("database-url"),
    metavar="URL",
    help="The fleet database: a file (default sovbom-fleet.db here), sqlite:///PATH or"
    " postgresql://USER@HOST:PORT/DB. Also SOVBOM_DB, else the configured database-url.",
)
@click.option(
    "-p",
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False),
    help="The policy the fleet is judged by (default: the newest stored recheck's policy file).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind. Anything but loopback exposes the fleet: there is no authentication.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="Port to listen on.")  # fmt: skip
@click.option("--as-of", help="Judge exemption expiry on this date (YYYY-MM-DD; default today).")
@fail_on_option("A server's page says FAIL when a finding reaches this severity.")
def serve_cmd(db: str | None, policy_path: str | None, host: str, port: int, as_of: str | None,
              fail_on: str) -> None:  # fmt: skip
    """Serve the fleet dashboard: overview, where-used search, servers, rechecks, JSON.

    Read-only. Binds to 127.0.0.1 unless --host says otherwise; the dashboard has no
    authentication of its own, so put it behind one (a reverse proxy) before exposing it.

    \b
      sovbom serve --db sovbom-fleet.db --policy samples/policy.yaml
      then open http://127.0.0.1:8000/
    """
    from sovbom.fleet.store import open_store
    from sovbom.policy import load_policy
    from sovbom.web.server import is_loopback, newest_recheck_policy, serve
    from sovbom.web.views import Dashboard

    # A server runs for long: the cyclic collector stays on (the command group pauses it for
    # short commands), with a high first threshold so that checking a large BOM is not rescanned
    # again and again, and what startup loaded frozen out of its scans.
    gc.enable()
    gc.set_threshold(50_000, 20, 20)
    store = open_store(db)
    try:
        policy = load_policy(policy_path) if policy_path else newest_recheck_policy(store)
        dashboard = Dashboard(store, policy, fail_on=fail_on, as_of=parse_as_of(as_of))
        if not is_loopback(host):
            click.echo(
                f"sovbom: warning: serving on {host}, not loopback: the dashboard has no"
                " authentication of its own; anyone who can reach this address can read the"
                " whole fleet",
                err=True,
            )
        shown = f"[{host}]" if ":" in host else host
        click.echo(f"sovbom: serving {store.display} on http://{shown}:{port}/ (Ctrl-C stops)",
                   err=True)  # fmt: skip
        serve(dashboard, host, port)
    finally:
        store.close()

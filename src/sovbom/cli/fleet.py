"""``sovbom fleet``: every server's BOMs and verdicts in one database (SQLite or PostgreSQL).

SQLAlchemy, Alembic and the database drivers are imported inside the commands, so ``sovbom
--help`` stays fast.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from sovbom._io import write_bytes
from sovbom.cli._common import cli, enum_choice, output_option, progress_bar
from sovbom.cli._options import configured, default_format, fail_on_option, parse_as_of
from sovbom.cli._trust import TrustArgs, trust_options
from sovbom.errors import ExitCode, InputError
from sovbom.report.interface import ReportFormat, renderer_for

if TYPE_CHECKING:
    from sovbom.fleet.store import FleetStore
    from sovbom.report.interface import Renderer

F = TypeVar("F", bound=Callable[..., Any])


def _format_options(func: F) -> F:
    func = output_option()(func)
    return click.option(
        "-f",
        "--format",
        "fmt",
        type=enum_choice(ReportFormat),
        help="Report format (default: table on a terminal, else json).",
    )(func)


def _renderer(fmt: str | None, output: str) -> Renderer:
    chosen = ReportFormat(fmt or default_format(output))
    color = chosen is ReportFormat.TABLE and output == "-" and sys.stdout.isatty()
    return renderer_for(chosen, color=color)


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as e:
        raise click.BadParameter(f"not a date (YYYY-MM-DD): {value!r}", param_hint=option) from e


def _store(ctx: click.Context, *, create: bool = False) -> FleetStore:
    from sovbom.fleet.store import open_store

    store = open_store(ctx.obj, create=create)
    ctx.call_on_close(store.close)
    return store


@cli.group()
@click.option(
    "--db",
    envvar="SOVBOM_DB",
    default=configured("database-url"),
    metavar="URL",
    help="The fleet database: a file (default sovbom-fleet.db here), sqlite:///PATH or"
    " postgresql://USER@HOST:PORT/DB. Also SOVBOM_DB, else the configured database-url"
    " ('sovbom config').",
)
@click.pass_context
def fleet(ctx: click.Context, db: str | None) -> None:
    """Every server's BOMs and verdicts in one database: where-used, summaries, rechecks.

    \b
    Quickstart (SQLite, no server needed):
      sovbom fleet ingest samples/*.hbom.cdx.json
      sovbom fleet where-used -c part=AST2600A3-GP
      sovbom fleet recheck --policy samples/policy.yaml
    """
    ctx.obj = db


@fleet.command("ingest")
@click.argument("boms", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--bundle",
    type=click.Path(dir_okay=False),
    help="The Sigstore bundle of the one BOM given (default: BOM.sigstore.json).",
)
@click.option(
    "--shipment",
    "shipments",
    multiple=True,
    type=click.Path(file_okay=False),
    help="A shipment directory: each server's expected.cdx.json (and its bundle); repeatable.",
)
@click.option(
    "--delivery-report",
    "delivery_reports",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A verify-delivery JSON report: the parts it verified become verified; repeatable.",
)
@click.option(
    "--on-error",
    type=click.Choice(["skip", "fail"]),
    default="fail",
    show_default=True,
    help="A bad file: skip it (and report it), or fail the whole batch (nothing stored).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 64),
    help="Worker processes reading the BOMs (default: one per CPU, at most 8).",
)
@trust_options
@_format_options
@click.pass_context
def ingest_cmd(ctx: click.Context, boms: tuple[str, ...], bundle: str | None,
               shipments: tuple[str, ...], delivery_reports: tuple[str, ...], on_error: str, jobs: int | None,
               trust_args: TrustArgs, fmt: str | None, output: str) -> None:  # fmt: skip
    """Store BOMs in the fleet: idempotent (a BOM's SHA-256 is its identity), every version kept.

    With --signers each BOM's Sigstore bundle is verified first (fail closed) and its signer is
    recorded. Exit 0 when every file was stored (or skipped with --on-error skip); 3 a signature
    did not verify; 4 a bad file (nothing stored with --on-error fail).
    """
    from sovbom.fleet.ingest import IngestInput, OnError, ingest, load_delivery_reports

    items = [IngestInput(b, bundle) for b in boms]
    if bundle is not None and len(boms) != 1:
        raise click.UsageError("--bundle needs exactly one BOM")
    for directory in shipments:
        items += _shipment(directory)
    if not items:
        raise click.UsageError("give BOM files or --shipment DIR")
    trust = trust_args.load()
    deliveries = load_delivery_reports(delivery_reports)
    store = _store(ctx, create=True)
    with progress_bar("ingesting BOMs", len(items)) as advance:
        report = ingest(store, items, trust=trust, deliveries=deliveries,
                        on_error=OnError(on_error), progress=advance, jobs=jobs)  # fmt: skip
    for skipped in report.skipped:
        click.echo(f"sovbom: skipped {skipped.source}: {skipped.reason}", err=True)
    write_bytes(output, _renderer(fmt, output).fleet_ingest(report))


def _shipment(directory: str) -> list[Any]:
    from sovbom.delivery import EXPECTED_NAME
    from sovbom.fleet.ingest import IngestInput

    root = Path(directory)
    found = sorted(p for p in root.glob(f"*/{EXPECTED_NAME}") if p.is_file())
    if not found:
        raise InputError(f"no server directory with {EXPECTED_NAME}", source=directory)
    return [IngestInput(str(p), str(p) + ".sigstore.json") for p in found]


@fleet.command("where-used")
@click.option(
    "-c",
    "--component",
    "query",
    required=True,
    help="What to look for, as in 'sovbom trace': a purl, a country, a name, part number"
    " or serial, or KEY=VALUE (purl, name, part, serial, country, ref; * wildcards).",
)
@click.option("--as-of", help="The fleet as it was at the end of this date (YYYY-MM-DD).")
@click.option(
    "--limit",
    type=click.IntRange(1),
    default=10_000,
    show_default=True,
    help="Matches listed at most (one page; the report counts them all).",
)
@click.option(
    "--offset",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Matches skipped before the page (ordered by server, then document order).",
)
@_format_options
@click.pass_context
def where_used_cmd(ctx: click.Context, query: str, as_of: str | None, limit: int, offset: int,
                   fmt: str | None, output: str) -> None:  # fmt: skip
    """Every server carrying a component, with its path from the server root.

    \b
    Examples:
      sovbom fleet where-used -c part=699-2G525-0200-000
      sovbom fleet where-used -c country=CN --as-of 2026-01-31
    """
    from sovbom.fleet.query import where_used
    from sovbom.trace import parse_query

    q = parse_query(query)
    report = where_used(_store(ctx), q, as_of=_date(as_of, "--as-of"), limit=limit,
                        offset=offset)  # fmt: skip
    write_bytes(output, _renderer(fmt, output).where_used(report))
    if not report.matches:
        click.echo("sovbom: no component matches", err=True)


@fleet.command("summary")
@click.option(
    "-p",
    "--policy",
    "policy_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="The policy whose country lists say what is domestic and approved.",
)
@click.option("--as-of", help="The fleet as it was at the end of this date (default: now).")
@click.option("--since", help="Also the figures on this date, and the change since (trend).")
@_format_options
@click.pass_context
def summary_cmd(ctx: click.Context, policy_path: str, as_of: str | None, since: str | None,
                fmt: str | None, output: str) -> None:  # fmt: skip
    """Domestic share by class, site, supplier and country; unverified counts; the trend."""
    from sovbom.fleet.summary import summarize
    from sovbom.policy import load_policy

    policy = load_policy(policy_path)
    report = summarize(_store(ctx), policy, as_of=_date(as_of, "--as-of"),
                       since=_date(since, "--since"))  # fmt: skip
    write_bytes(output, _renderer(fmt, output).fleet_summary(report))


@fleet.command("recheck")
@click.option(
    "-p",
    "--policy",
    "policy_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Policy file (YAML/JSON).",
)
@click.option("--as-of", help="Judge exemption expiry on this date (YYYY-MM-DD; default today).")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 64),
    help="Worker processes (default: one per CPU, at most 8).",
)
@click.option(
    "--views/--no-views",
    default=True,
    help="Also store each server's check as the dashboard shows it (default: store).",
)
@fail_on_option("A server fails when a finding reaches this severity; exit 1 when one does.")
@_format_options
@click.pass_context
def recheck_cmd(ctx: click.Context, policy_path: str, as_of: str | None, jobs: int | None,
                views: bool, fail_on: str, fmt: str | None, output: str) -> None:  # fmt: skip
    """Re-evaluate every server's newest BOM under a policy; show which servers changed verdict.

    The verdicts are stored; the next recheck compares with them. Exit 1 when a server fails.
    """
    from sovbom.fleet.recheck import recheck
    from sovbom.policy import load_policy

    policy = load_policy(policy_path)
    store = _store(ctx)
    with progress_bar("rechecking servers", _count_servers(store)) as advance:
        report = recheck(store, policy, as_of=parse_as_of(as_of), fail_on=fail_on, jobs=jobs,
                         progress=advance, views=views)  # fmt: skip
    write_bytes(output, _renderer(fmt, output).recheck(report))
    if report.fails:
        ctx.exit(int(ExitCode.FINDINGS))


def _count_servers(store: FleetStore) -> int:
    from sqlalchemy import func, select

    from sovbom.fleet.schema import servers

    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(servers)).scalar() or 0)


@fleet.command("history")
@click.argument("server")
@_format_options
@click.pass_context
def history_cmd(ctx: click.Context, server: str, fmt: str | None, output: str) -> None:
    """A server's BOM versions (by its serial number): what changed, signer by signer."""
    from sovbom.fleet.history import history

    write_bytes(output, _renderer(fmt, output).history(history(_store(ctx), server)))


__all__ = ["fleet"]

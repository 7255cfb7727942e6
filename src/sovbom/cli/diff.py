"""``sovbom diff``: what differs between two CycloneDX BOMs."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from sovbom._io import display_name, read_bytes, write_bytes
from sovbom.cli._common import cli, format_option, output_option
from sovbom.cli._options import default_format
from sovbom.cli._trust import TrustArgs, trust_options
from sovbom.errors import ExitCode, InputError, VerificationFailed
from sovbom.report.interface import ReportFormat, renderer_for

if TYPE_CHECKING:
    from sovbom.cyclonedx.reader import LoadedBom
    from sovbom.signing import TrustOptions, Verdict


def _verify(label: str, loaded: LoadedBom, path: str, bundle: str | None,
            trust: TrustOptions) -> Verdict:  # fmt: skip
    """Verify one side's own bundle (fail closed: a side without one is not verified)."""
    from sovbom.checking import verify_signature
    from sovbom.evidence import bundle_path_for

    if path == "-" and bundle is None:
        raise InputError(f"reading {label} from stdin: give --bundle-{label.lower()}")
    found = bundle_path_for(path, bundle)
    if not found.exists():
        raise VerificationFailed(
            f"{loaded.source}: not signed: no Sigstore bundle at {found}"
            f" (give --bundle-{label.lower()}, or verify only the other side with --signed)"
        )
    return verify_signature(loaded, read_bytes(found), display_name(found), trust)


@cli.command()
@click.argument("bom_a", metavar="A", type=click.Path(dir_okay=False, allow_dash=True))
@click.argument("bom_b", metavar="B", type=click.Path(dir_okay=False, allow_dash=True))
@format_option(ReportFormat)
@output_option()
@click.option(
    "--fail-on-change",
    is_flag=True,
    help="Exit 1 when anything was added, removed, changed or moved (for CI).",
)
@click.option(
    "--ignore",
    "ignore",
    multiple=True,
    metavar="FIELD",
    help="Leave a field out of the comparison; shell-style patterns allowed"
    " ('property:sovbom:evidence:*', 'hash:*'). Repeatable.",
)
@click.option(
    "--bundle-a",
    type=click.Path(dir_okay=False),
    help="A's Sigstore bundle (default: A.sigstore.json). Verified with --signers.",
)
@click.option(
    "--bundle-b",
    type=click.Path(dir_okay=False),
    help="B's Sigstore bundle (default: B.sigstore.json). Verified with --signers.",
)
@click.option(
    "--signed",
    type=click.Choice(["both", "a", "b"]),
    default="both",
    show_default=True,
    help="With --signers: which sides must carry a valid signature (e.g. 'a' for a signed"
    " factory HBOM against an unsigned inventory).",
)
@trust_options
def diff(
    bom_a: str,
    bom_b: str,
    fmt: str | None,
    output: str,
    fail_on_change: bool,
    ignore: tuple[str, ...],
    bundle_a: str | None,
    bundle_b: str | None,
    signed: str,
    trust_args: TrustArgs,
) -> None:
    """Show what differs between two CycloneDX BOMs A (before) and B (after).

    Any two BOMs: signed or not, factory or observed, two versions of one server, two tools'
    SBOMs of one project. Hardware is matched by identity as verify-delivery matches it (serial,
    slot, bus address, single-instance class, part number) and its firmware under it; software by
    package URL, then name and version. Each component is removed, added, changed (field by
    field: version, hashes, supplier, manufacturer, country, licences, properties...), moved
    (under another parent) or unchanged.

    With --signers each side's Sigstore bundle is verified first (fail closed: exit 3, nothing
    written, when one does not hold).

    \b
    Exit codes: 0 compared (no difference, or differences without --fail-on-change);
    1 with --fail-on-change, something differs; 3 a signature did not verify;
    4 unreadable input (nothing is written).
    """
    from sovbom.cyclonedx.reader import load_bom
    from sovbom.diff import diff_boms

    trust = trust_args.load()
    if trust is None and (bundle_a or bundle_b):
        raise InputError("--bundle-a/--bundle-b need --signers (who may sign)")
    if bom_a == "-" and bom_b == "-":
        raise InputError("A and B cannot both be read from stdin")
    a, b = load_bom(bom_a), load_bom(bom_b)
    verdicts: list[dict[str, object] | None] = [None, None]
    if trust is not None:
        if signed in ("both", "a"):
            verdicts[0] = _verify("A", a, bom_a, bundle_a, trust).to_dict()
        if signed in ("both", "b"):
            verdicts[1] = _verify("B", b, bom_b, bundle_b, trust).to_dict()
    report = diff_boms(a, b, ignore=ignore, signatures=(verdicts[0], verdicts[1]))
    chosen = ReportFormat(fmt or default_format(output))
    color = chosen is ReportFormat.TABLE and output == "-" and sys.stdout.isatty()
    write_bytes(output, renderer_for(chosen, color=color).diff(report))
    if fail_on_change and report.changed:
        click.get_current_context().exit(int(ExitCode.FINDINGS))

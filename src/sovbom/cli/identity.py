"""``sovbom verify-hardware``: do the parts prove, with their own keys, that they are genuine?"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from sovbom._io import STDIO, write_bytes
from sovbom.cli._common import cli, format_option, output_option
from sovbom.cli._options import default_format
from sovbom.cyclonedx.reader import load_bom
from sovbom.errors import VerificationFailed
from sovbom.identity import load_roots, verify_hardware
from sovbom.identity.render import IdentityFormat, render


def _as_of(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as e:
        raise click.BadParameter(
            f"not a date or time (ISO 8601): {value!r}", param_hint="--as-of"
        ) from e
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


@cli.command("verify-hardware")
@click.argument("observed", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--roots",
    required=True,
    type=click.Path(exists=True),
    help="Hardware trust anchors: a PEM file or a directory of them ('# vendor: NAME' lines).",
)
@click.option(
    "--expected",
    type=click.Path(dir_okay=False),
    help="The factory HBOM recording each part's device identity and expected measurements.",
)
@click.option(
    "--as-of",
    help="Check certificates at this time (ISO 8601; default: each evidence's collection time).",
)
@click.option(
    "--evidence-dir",
    type=click.Path(file_okay=False),
    help="Where relative evidence files are (default: the observed HBOM's directory).",
)
@format_option(IdentityFormat, "Output")
@output_option()
def verify_hardware_cmd(
    observed: str,
    roots: str,
    expected: str | None,
    as_of: str | None,
    evidence_dir: str | None,
    fmt: str | None,
    output: str,
) -> None:
    """Verify the hardware identity evidence in an OBSERVED HBOM, offline.

    Each part's device certificate chain must lead to a configured root (--roots; sovbom has
    none built in), its SPDM measurement transcript must be signed by the device key (with the
    nonce that was sent), and, with --expected, its device identity and measurements must be
    the ones the factory recorded for that part. Revocation is checked only against OCSP/CRL
    responses captured with the evidence; without them it is reported as not checked.

    \b
    Exit codes: 0 identity holds; 3 some part failed or gave no evidence the factory expects;
    4 bad input.
    """
    store = load_roots(roots)
    bom = load_bom(observed)
    factory = load_bom(expected).doc if expected else None
    base = (
        Path(evidence_dir)
        if evidence_dir
        else (Path(observed).parent if observed != STDIO else Path.cwd())
    )
    report = verify_hardware(bom.doc, store, as_of=_as_of(as_of), expected=factory, base_dir=base)
    chosen = IdentityFormat(fmt or default_format(output))
    write_bytes(output, render(report, chosen))
    if not report.holds:
        raise VerificationFailed("hardware identity does not hold (see the report)")

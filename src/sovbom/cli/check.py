"""``sovbom check`` and ``sovbom trace``: provenance findings and where a part is used."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sovbom._io import write_bytes
from sovbom.cli._common import cli, format_option, output_option, warn
from sovbom.cli._options import (
    as_of_option,
    configured,
    default_format,
    fail_on_option,
    parse_as_of,
    required_value,
)
from sovbom.cli._trust import TrustArgs, trust_options
from sovbom.errors import ExitCode, InputError
from sovbom.report.interface import ReportFormat, TraceReport, renderer_for

if TYPE_CHECKING:
    from sovbom.claims import Claim
    from sovbom.cyclonedx.reader import LoadedBom
    from sovbom.evidence import EvidenceFile
    from sovbom.identity import HardwareReport
    from sovbom.signing import TrustOptions, Verdict

# The policy, the graph (networkx), the trace query and the BOM reader are imported inside the
# commands: `sovbom --help` and every other command start without them.


@cli.command()
@click.argument("bom", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "-p",
    "--policy",
    "policy_path",
    default=configured("policy"),
    callback=required_value,
    type=click.Path(dir_okay=False),
    help="Policy file (YAML/JSON). Required; default: the configured one ('sovbom config').",
)
@format_option(ReportFormat)
@output_option()
@fail_on_option()
@click.option(
    "--bundle",
    type=click.Path(dir_okay=False),
    help="The BOM's Sigstore bundle (default: BOM.sigstore.json).",
)
@click.option(
    "--evidence",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A signed evidence document (sub-BOM or reference, with FILE.sigstore.json); repeatable.",
)
@click.option(
    "--hardware-roots",
    type=click.Path(exists=True),
    help="Hardware trust anchors (PEM file or directory): parts whose identity evidence verifies"
    " against them become hardware-verified.",
)
@click.option(
    "--observed",
    "observed_hbom",
    type=click.Path(dir_okay=False),
    help="The observed HBOM carrying the identity evidence (default: the BOM itself).",
)
@click.option(
    "--claim",
    "claim_path",
    type=click.Path(dir_okay=False),
    help="An origin claim (schemas/claim.schema.json) evaluated with the policy: the report"
    " carries its result, and a claim that does not hold exits 1 (unless --fail-on never).",
)
@trust_options
@as_of_option
@click.option(
    "--max-paths",
    type=click.IntRange(1, 1000),
    default=5,
    show_default=True,
    help="Paths shown per finding.",
)
def check(
    bom: str,
    policy_path: str,
    fmt: str | None,
    output: str,
    fail_on: str,
    bundle: str | None,
    evidence: tuple[str, ...],
    hardware_roots: str | None,
    observed_hbom: str | None,
    claim_path: str | None,
    trust_args: TrustArgs,
    as_of: str | None,
    max_paths: int,
) -> None:
    """Check a server BOM against a provenance policy.

    Flags non-domestic, denied-country and unknown-origin components, components whose
    verification level is below what the policy requires, expired exemptions and integrity
    problems, each with its provenance path from the server root. With --signers (or one
    --certificate-identity signer, who then holds the policy's attestation roles) the BOM's
    Sigstore bundle is verified first (fail closed: exit 3 when it does not hold) and its
    components become attested; signed --evidence files make components verified. With
    --hardware-roots, parts whose device identity evidence (in the BOM, or in the --observed
    HBOM) verifies and matches the identity the BOM records become hardware-verified.
    With --claim an origin claim is evaluated on the same check, condition by condition.

    \b
    Exit codes: 0 no finding at or above --fail-on (and the --claim holds); 1 findings at or
    above it, or the claim does not hold; 3 a signature did not verify; 4 unreadable input.
    """
    from sovbom.checking import check_bom
    from sovbom.cyclonedx.reader import load_bom
    from sovbom.policy import load_policy

    today = parse_as_of(as_of)
    policy = load_policy(policy_path)
    definition = _load_claim(claim_path)
    loaded = load_bom(bom)
    trust = trust_args.load(policy.attestation_roles)
    signature, files = _signature_and_evidence(loaded, bom, bundle, evidence, trust)
    hardware = _hardware_identity(loaded.doc, bom, hardware_roots, observed_hbom)
    report = check_bom(
        loaded,
        policy,
        as_of=today,
        fail_on=fail_on,
        signature=signature,
        evidence=files,
        hardware=hardware,
        max_paths=max_paths,
        claim=definition,
    )
    chosen = ReportFormat(fmt or default_format(output))
    if chosen is not ReportFormat.SARIF:  # only SARIF reads the BOM's bytes (line numbers):
        report.bom_raw = b""  # let them go before the report is built (peak memory)
    del loaded
    color = chosen is ReportFormat.TABLE and output == "-" and sys.stdout.isatty()
    write_bytes(output, renderer_for(chosen, color=color).check(report))
    claim_fails = False
    if definition is not None and report.claim is not None and not report.claim["holds"]:
        failed = ", ".join(c["id"] for c in report.claim["conditions"] if not c["holds"])
        warn(f"claim {definition.name!r} does not hold: {failed}")
        claim_fails = fail_on != "never"
    if report.fails or claim_fails:
        click.get_current_context().exit(int(ExitCode.FINDINGS))


def _signature_and_evidence(
    loaded: LoadedBom,
    bom: str,
    bundle: str | None,
    evidence: tuple[str, ...],
    trust: TrustOptions | None,
) -> tuple[Verdict | None, list[EvidenceFile]]:
    """With a signer policy: the BOM's verified signature and its verified --evidence files."""
    from sovbom.evidence import bundle_path_for, load_evidence, verify_bom_signature

    if trust is None:
        if evidence:
            raise InputError(
                "--evidence needs --signers: evidence only counts when its signature verifies"
            )
        return None, []
    if bom == "-" and bundle is None:
        raise InputError("reading the BOM from stdin: give its --bundle")
    signature = verify_bom_signature(loaded.raw, loaded.source, bundle_path_for(bom, bundle), trust)
    return signature, [load_evidence(e, trust) for e in evidence]


def _load_claim(path: str | None) -> Claim | None:
    if path is None:
        return None
    from sovbom.claims import load_claim

    return load_claim(path)


def _hardware_identity(
    doc: Mapping[str, Any], bom: str, roots: str | None, observed: str | None
) -> HardwareReport | None:
    """The hardware identity step of --hardware-roots [--observed], or None."""
    if roots is None:
        if observed is not None:
            raise click.UsageError("--observed needs --hardware-roots")
        return None
    from sovbom.cyclonedx.reader import load_bom
    from sovbom.identity import load_roots
    from sovbom.identity.levels import identity_of_bom

    store = load_roots(roots)
    if observed is not None:
        return identity_of_bom(
            doc, store, observed=load_bom(observed).doc, base_dir=Path(observed).parent
        )
    return identity_of_bom(doc, store, base_dir=Path(bom).parent if bom != "-" else Path.cwd())


@cli.command()
@click.argument("boms", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "-c",
    "--component",
    "query",
    required=True,
    help="What to look for: a purl (pkg:...), a country (JP), a name, part number or serial;"
    " or explicit KEY=VALUE with KEY one of purl, name, part, serial, country, ref (* wildcards).",
)
@format_option(ReportFormat)
@output_option()
@click.option(
    "--max-paths",
    type=click.IntRange(1, 10000),
    default=100,
    show_default=True,
    help="Paths shown per match.",
)
def trace(boms: tuple[str, ...], query: str, fmt: str | None, output: str, max_paths: int) -> None:
    """Show every path from each server root to the components matching a query.

    Across many server BOMs it answers where a part is used.

    \b
    Examples:
      sovbom trace server.cdx.json -c 'pkg:deb/debian/openssl*'
      sovbom trace shipment/*.cdx.json -c part=699-2G525-0200-000
      sovbom trace server.cdx.json -c country=CN
    """
    from sovbom.trace import parse_query, trace_boms

    q = parse_query(query)
    results = trace_boms(boms, q, max_paths=max_paths)
    chosen = ReportFormat(fmt or default_format(output))
    write_bytes(output, renderer_for(chosen).trace(TraceReport(results, q)))
    if not any(r.matches for r in results):
        warn("no component matches")

"""``sovbom pack`` and ``sovbom inspect``: evidence packs for an inspection, re-verified offline."""

from __future__ import annotations

import sys

import click

from sovbom._io import display_name, read_bytes, write_bytes
from sovbom.cli._common import cli, enum_choice
from sovbom.cli._options import parse_as_of
from sovbom.errors import ExitCode, InputError, VerificationFailed
from sovbom.policy import Severity
from sovbom.report.interface import ReportFormat, renderer_for


def _bundle_pairs(values: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values:
        bom, sep, bundle = v.partition("=")
        if not sep or not bom or not bundle:
            raise click.BadParameter(f"expected BOM=BUNDLE, got {v!r}", param_hint="--bundle")
        out[bom] = bundle
    return out


@cli.command()
@click.argument("boms", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="The evidence pack to write (a .zip).",
)
@click.option(
    "--bundle",
    "bundles",
    multiple=True,
    help="BOM=BUNDLE: a BOM's Sigstore bundle (default: BOM.sigstore.json when it exists).",
)
@click.option("--signers", type=click.Path(dir_okay=False), help="The signer policy used.")
@click.option("--trusted-root", type=click.Path(dir_okay=False), help="The trusted_root.json used.")
@click.option(
    "--trust-config", type=click.Path(dir_okay=False), help="The Sigstore trust config used."
)
@click.option(
    "-p",
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False),
    help="The provenance policy: packed, and every BOM is checked against it (report packed too).",
)
@click.option(
    "--report",
    "reports",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A JSON check or delivery report to pack as it is; repeatable.",
)
@click.option(
    "--evidence",
    "evidence_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A signed evidence document (a supplier's sub-BOM or signed reference) with its"
    " FILE.sigstore.json, as for 'sovbom check --evidence'; repeatable.",
)
@click.option("--as-of", help="The date the evidence is judged on (YYYY-MM-DD; default today).")
@click.option(
    "--fail-on",
    type=click.Choice([s.label for s in Severity]),
    default="high",
    show_default=True,
    help="The threshold recorded in the packed check reports.",
)
def pack(
    boms: tuple[str, ...],
    output: str,
    bundles: tuple[str, ...],
    signers: str | None,
    trusted_root: str | None,
    trust_config: str | None,
    policy_path: str | None,
    reports: tuple[str, ...],
    evidence_files: tuple[str, ...],
    as_of: str | None,
    fail_on: str,
) -> None:
    """Write one evidence pack for an inspection: BOMs, bundles, trust material, policy, reports.

    The archive holds an index.json with the SHA-256 of every member; the same inputs give the
    same bytes (SOURCE_DATE_EPOCH, when set, gives the member timestamps). With --policy every
    BOM is checked (its signature first, when --signers is given: fail closed) and the JSON
    report is packed with it.

    \b
    Exit codes: 0 written; 3 a BOM's signature does not verify; 4 unreadable input.
    """
    from sovbom import signing
    from sovbom.evidence import TrustOptions, evidence_from_bytes
    from sovbom.evidence_pack import PackBuilder, check_report_json
    from sovbom.policy import load_policy
    from sovbom.signers import load_signer_policy

    day = parse_as_of(as_of)
    builder = PackBuilder(as_of=day.isoformat())
    pairs = _bundle_pairs(bundles)
    unknown = set(pairs) - set(boms)
    if unknown:
        raise click.BadParameter(f"not a BOM given: {sorted(unknown)[0]}", param_hint="--bundle")
    trust = None
    if trusted_root and trust_config:
        raise click.UsageError("give only one of --trusted-root and --trust-config")
    if trusted_root:
        builder.trust["trusted_root"] = builder.add(
            "trusted-root", trusted_root, read_bytes(trusted_root)
        )
    if trust_config:
        builder.trust["trust_config"] = builder.add(
            "trust-config", trust_config, read_bytes(trust_config)
        )
    if signers:
        if not (trusted_root or trust_config):
            raise click.UsageError(
                "--signers needs --trusted-root or --trust-config: pack the trust material used"
            )
        builder.trust["signers"] = builder.add("signers", signers, read_bytes(signers))
        material = signing.load_trust(trusted_root=trusted_root, trust_config=trust_config)
        trust = TrustOptions(load_signer_policy(signers), material)
    evidence = []
    for path in evidence_files:
        evidence_bundle = signing.default_bundle_path(path)
        if not evidence_bundle.exists():
            raise VerificationFailed(
                f"{display_name(path)}: not signed: no Sigstore bundle at {evidence_bundle}"
                " (evidence only counts when its signature verifies)"
            )
        data, bundle_data = read_bytes(path), read_bytes(evidence_bundle)
        name = builder.add_evidence(path, data, bundle_data)
        if trust is not None:
            evidence.append(evidence_from_bytes(data, name, bundle_data, trust))
    policy = None
    if policy_path:
        policy = load_policy(policy_path)
        builder.policy = builder.add("policy", policy_path, read_bytes(policy_path))
    for bom in boms:
        data = read_bytes(bom)
        bundle_path = pairs.get(bom) or str(signing.default_bundle_path(bom))
        bundle: bytes | None = None
        try:
            bundle = read_bytes(bundle_path)
        except InputError:
            if bom in pairs:
                raise
            click.echo(
                f"sovbom: warning: {display_name(bom)}: no bundle, packed unsigned", err=True
            )
        name = builder.add_bom(bom, data, bundle)
        if policy is not None:
            report = check_report_json(
                data,
                name,
                policy,
                bundle=bundle,
                trust=trust,
                as_of=day,
                fail_on=fail_on,
                evidence=evidence,
            )
            stem = name.split("/", 1)[1]
            builder.reports.append(
                builder.add("report", stem, report, name=f"reports/check-{stem}")
            )
    for path in reports:
        builder.reports.append(builder.add("report", path, read_bytes(path)))
    write_bytes(output, builder.build())


@cli.command()
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option(
    "--trusted-root",
    type=click.Path(dir_okay=False),
    help="YOUR Sigstore trusted_root.json to verify the signatures against.",
)
@click.option("--trust-config", type=click.Path(dir_okay=False), help="YOUR Sigstore trust config.")
@click.option(
    "--signers", type=click.Path(dir_okay=False), help="YOUR signer policy: who may sign what."
)
@click.option(
    "--use-packed-trust",
    is_flag=True,
    help="Fall back to the pack's own trust material and signer policy where you give none"
    " (the operator's: the report says so).",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=enum_choice(ReportFormat),
    help="Report format (default: table on a terminal, else json).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    default="-",
    show_default=True,
    help="Output file ('-' for stdout).",
)
@click.option(
    "--extract",
    type=click.Path(file_okay=False),
    help="Also write the members under this directory (never overwriting a file).",
)
def inspect(
    archive: str,
    trusted_root: str | None,
    trust_config: str | None,
    signers: str | None,
    use_packed_trust: bool,
    fmt: str | None,
    output: str,
    extract: str | None,
) -> None:
    """Re-verify an evidence pack offline, with your own trust material.

    Checks every member's SHA-256 against the index (nothing missing, nothing added), every
    signature against --trusted-root/--trust-config and --signers, every BOM's schema and
    integrity, and re-runs the policy check, comparing its verdict with the packed report.
    The archive is read with limits (member count, sizes, compression ratio) and refused when a
    name is absolute, has '..', a backslash or a drive letter, or a member is a link.

    \b
    Exit codes: 0 everything holds; 3 a digest, signature or verdict does not hold;
    4 unreadable or hostile archive, or bad options.
    """
    from sovbom.evidence_pack import (
        InspectOptions,
        as_failure,
        extract_members,
        inspect_pack,
    )

    if trusted_root and trust_config:
        raise click.UsageError("give only one of --trusted-root and --trust-config")
    opts = InspectOptions(
        trusted_root=trusted_root,
        trust_config=trust_config,
        signers=signers,
        use_packed_trust=use_packed_trust,
    )
    report, members = inspect_pack(archive, opts)
    for warning in report.warnings:
        click.echo(f"sovbom: warning: {warning}", err=True)
    chosen = ReportFormat(fmt or ("table" if output == "-" and sys.stdout.isatty() else "json"))
    rendered = renderer_for(chosen).inspect(report)
    if extract:
        extract_members(members, extract)
    write_bytes(output, rendered)
    failure = as_failure(report)
    if failure is not None:
        click.echo(f"sovbom: error: {failure.diagnostics()}", err=True)
        click.get_current_context().exit(int(ExitCode.VERIFICATION_FAILED))

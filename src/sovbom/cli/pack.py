"""``sovbom pack`` and ``sovbom inspect``: evidence packs for an inspection, re-verified offline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from sovbom._io import write_bytes
from sovbom.cli._common import cli, format_option, warn
from sovbom.cli._options import configured, default_format, fail_on_option, parse_as_of
from sovbom.cli._trust import DEFAULT_ATTESTATION_ROLES, PACK_ROLE, TrustArgs, trust_options
from sovbom.errors import ExitCode, InputError
from sovbom.report.interface import ReportFormat, renderer_for

if TYPE_CHECKING:
    from sovbom.pack.build import IndexSigning, PackRequest
    from sovbom.pack.inspect import InspectReport


def _pack_roles(trust_args: TrustArgs, policy_path: str | None) -> list[str]:
    """The roles a --certificate-identity signer holds in a pack: the policy's attestation roles
    (its signatures make BOMs attested) and the pack role (it may sign the index)."""
    roles = list(DEFAULT_ATTESTATION_ROLES)
    if trust_args.ad_hoc and policy_path is not None:
        from sovbom.policy import load_policy

        roles = list(load_policy(policy_path).attestation_roles)
    return [*roles, PACK_ROLE]


def _packed_attestation_roles(archive: str) -> tuple[str, ...]:
    """The attestation roles of the pack's policy, for a --certificate-identity signer in
    'inspect' (a hint only: which role names it holds; the inspection checks every member)."""
    from sovbom._io import parse_yaml, read_bytes
    from sovbom.errors import SovbomError
    from sovbom.pack.index import INDEX, parse_index
    from sovbom.pack.safezip import SafeArchive

    try:
        with SafeArchive(read_bytes(archive), archive) as zf:
            name = parse_index(zf.read(INDEX), archive).get("policy")
            raw = parse_yaml(zf.read(name), name) if isinstance(name, str) and name in zf else {}
    except SovbomError:
        return DEFAULT_ATTESTATION_ROLES  # the inspection reports what is wrong with the pack
    verification = raw.get("verification") if isinstance(raw, dict) else None
    roles = verification.get("attestation_roles") if isinstance(verification, dict) else None
    if isinstance(roles, list) and roles and all(isinstance(r, str) for r in roles):
        return tuple(roles)
    return DEFAULT_ATTESTATION_ROLES


def _bundle_pairs(values: tuple[str, ...], option: str = "--bundle") -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values:
        bom, sep, bundle = v.partition("=")
        if not sep or not bom or not bundle:
            what = "BUNDLE" if option == "--bundle" else "HBOM"
            raise click.BadParameter(f"expected BOM={what}, got {v!r}", param_hint=option)
        out[bom] = bundle
    return out


def _bom_pairs(values: tuple[str, ...], boms: tuple[str, ...], option: str) -> dict[str, str]:
    """``BOM=FILE`` values, each naming a BOM given on the command line."""
    pairs = _bundle_pairs(values, option)
    unknown = set(pairs) - set(boms)
    if unknown:
        raise click.BadParameter(f"not a BOM given: {sorted(unknown)[0]}", param_hint=option)
    return pairs


def _check_trust_usage(
    trust_args: TrustArgs, *, unsigned: bool, identity_token: str | None
) -> None:
    """The trust and signing options that cannot go together for a pack."""
    if trust_args.trusted_root and trust_args.trust_config:
        raise click.UsageError("give only one of --trusted-root and --trust-config")
    if trust_args.checks_signatures and not (trust_args.trusted_root or trust_args.trust_config):
        raise click.UsageError(
            "--signers needs --trusted-root or --trust-config: pack the trust material used"
        )
    if unsigned and (identity_token or trust_args.staging):
        raise click.UsageError("--unsigned takes no --identity-token or --staging")
    if trust_args.offline and not unsigned:
        raise click.UsageError(
            "--offline: signing the index needs the network (the CA and the log);"
            " add --unsigned, or drop --offline"
        )


@cli.command()
@click.argument("boms", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="The evidence pack to write (a .zip); an existing file is replaced only with --force.",
)
@click.option("--force", is_flag=True, help="Replace an existing file at --output.")
@click.option(
    "--bundle",
    "bundles",
    multiple=True,
    help="BOM=BUNDLE: a BOM's Sigstore bundle (default: BOM.sigstore.json when it exists).",
)
@trust_options
@click.option(
    "-p",
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False),
    default=configured("policy"),
    help="The provenance policy: packed, and every BOM is checked against it (report packed too)."
    " Default: the configured one ('sovbom config').",
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
@click.option(
    "--claim",
    "claim_path",
    type=click.Path(dir_okay=False),
    help="An origin claim (schemas/claim.schema.json): packed, and evaluated with every BOM's"
    " check (needs --policy); 'sovbom inspect' re-evaluates it offline.",
)
@click.option(
    "--claim-result",
    "claim_results",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A claim result signed with 'sovbom sign --attest' (with its FILE.sigstore.json):"
    " verified, compared with the --claim re-evaluated on its packed BOM, and packed; repeatable.",
)
@click.option(
    "--hardware-roots",
    type=click.Path(exists=True),
    help="Hardware trust anchors (PEM file or directory): packed, and each BOM's hardware"
    " identity evidence (certificate chains, SPDM transcripts, captured OCSP/CRL responses) is"
    " packed and verified; proved parts are hardware-verified in the packed check reports.",
)
@click.option(
    "--observed",
    "observed_pairs",
    multiple=True,
    help="BOM=HBOM: the observed HBOM carrying a BOM's identity evidence (default: the BOM"
    " itself); needs --hardware-roots.",
)
@click.option("--as-of", help="The date the evidence is judged on (YYYY-MM-DD; default today).")
@fail_on_option("The threshold recorded in the packed check reports.")
@click.option(
    "--identity-token",
    envvar="SOVBOM_IDENTITY_TOKEN",
    show_envvar=True,
    metavar="TOKEN",
    help="OIDC identity token to sign the pack's index with (as for 'sovbom sign'; the identity"
    " needs the 'pack' role of the signer policy). Default: ambient CI credentials, else the"
    " browser flow at a terminal. Never printed.",
)
@click.option("--no-ambient", is_flag=True, help="Do not look for ambient CI credentials.")
@click.option(
    "--unsigned",
    is_flag=True,
    help="Do not sign the index: 'sovbom inspect' then refuses the pack unless the inspector"
    " gives --allow-unsigned-index.",
)
def pack(
    boms: tuple[str, ...],
    output: str,
    bundles: tuple[str, ...],
    trust_args: TrustArgs,
    policy_path: str | None,
    reports: tuple[str, ...],
    evidence_files: tuple[str, ...],
    claim_path: str | None,
    claim_results: tuple[str, ...],
    hardware_roots: str | None,
    observed_pairs: tuple[str, ...],
    as_of: str | None,
    fail_on: str,
    identity_token: str | None,
    no_ambient: bool,
    unsigned: bool,
    force: bool,
) -> None:
    """Write one evidence pack for an inspection: BOMs, bundles, trust material, policy, reports.

    The archive holds an index.json with the SHA-256 of every member, the servers it claims and
    the BOM each report judged, and index.json.sigstore.json, the operator's Sigstore signature
    over the index (the identity options are those of 'sovbom sign'; --unsigned leaves it out).
    With --policy every BOM is checked as 'sovbom check' does (its signature first, when
    --signers is given: fail closed) and the JSON report is packed with it. With
    --claim the origin claim is packed and evaluated with each check (the report carries its
    result); --claim-result packs a claim result signed on its own. With --hardware-roots the
    hardware identity evidence is packed and verified (see --observed). One
    --certificate-identity signer instead of --signers holds the policy's attestation roles and
    the 'pack' role; it is packed as a signer policy file. --staging signs the index with the
    public-good staging instance; --offline (no network) needs --unsigned. The same inputs give
    the same members (SOURCE_DATE_EPOCH, when set, gives the member timestamps); only the index's
    signature differs.

    \b
    Exit codes: 0 written; 3 a BOM's signature does not verify; 4 unreadable input, an existing
    --output without --force, no identity, or the CA / log failed.
    """
    from sovbom.pack.build import IndexSigning, PackRequest

    if Path(output).is_file() and not force:
        # before any work: signing the index spends an identity token and a log entry
        raise InputError("exists (use --force to replace it)", source=output)
    pairs = _bom_pairs(bundles, boms, "--bundle")
    observed = _bom_pairs(observed_pairs, boms, "--observed")
    if observed and not hardware_roots:
        raise click.UsageError("--observed needs --hardware-roots")
    _check_trust_usage(trust_args, unsigned=unsigned, identity_token=identity_token)
    with trust_args.signers_file(_pack_roles(trust_args, policy_path)) as signers:
        request = PackRequest(
            boms=boms,
            as_of=parse_as_of(as_of),
            fail_on=fail_on,
            bundles=pairs,
            trusted_root=trust_args.trusted_root,
            trust_config=trust_args.trust_config,
            signers=signers,
            policy=policy_path,
            reports=reports,
            evidence=evidence_files,
            claim=claim_path,
            claim_results=claim_results,
            hardware_roots=hardware_roots,
            observed=observed,
        )
        signing = None
        if not unsigned:
            signing = IndexSigning(
                identity_token=identity_token,
                ambient=not no_ambient,
                trust_config=trust_args.trust_config,
                staging=trust_args.staging,
                signers=signers,
            )
        data = _build_pack(request, signing)
    write_bytes(output, data)


def _build_pack(request: PackRequest, signing: IndexSigning | None) -> bytes:
    """Read, verify and check every input, then build the archive (its index signed unless
    ``signing`` is None); the builder's warnings go to stderr."""
    from sovbom.pack.build import build_signed, prepare_pack
    from sovbom.report.json_format import check_report_dict

    builder = prepare_pack(request, check_report_dict)
    for warning in builder.warnings:
        warn(f"warning: {warning}")
    if signing is None:
        return builder.build(None)
    return build_signed(builder, signing)


@cli.command()
@click.argument("archive", type=click.Path(dir_okay=False))
@trust_options
@click.option(
    "--use-packed-trust",
    is_flag=True,
    help="Fall back to the pack's own trust material and signer policy where you give none"
    " (the operator's: the report says so).",
)
@format_option(ReportFormat)
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
    help="Also write the members under this directory when everything holds (never"
    " overwriting a file).",
)
@fail_on_option(
    "YOUR threshold: it decides your verdict on the re-checked BOMs (exit 1 when one has a"
    " finding at or above it). The packed reports are compared at the threshold the signed"
    " index records; it never decides your verdict."
)
@click.option(
    "--hardware-roots",
    type=click.Path(exists=True),
    help="YOUR hardware trust anchors (PEM file or directory) to re-verify the packed hardware"
    " identity evidence with (default with --use-packed-trust: the pack's roots).",
)
@click.option(
    "--allow-unsigned-index",
    is_flag=True,
    help="Read a pack whose index is not signed (packed with --unsigned): the report says so,"
    " and only what can be re-derived from signed BOMs is confirmed.",
)
def inspect(
    archive: str,
    trust_args: TrustArgs,
    use_packed_trust: bool,
    fmt: str | None,
    output: str,
    extract: str | None,
    fail_on: str,
    hardware_roots: str | None,
    allow_unsigned_index: bool,
) -> None:
    """Re-verify an evidence pack offline, with your own trust material.

    First the index's signature (index.json.sigstore.json, by a signer of the 'pack' role of
    --signers), then every member's SHA-256 against the index (nothing missing, nothing added),
    every signature against --trusted-root/--trust-config and --signers, every BOM's schema and
    integrity; every packed check report is re-derived with 'sovbom check' at the threshold the
    signed index records and compared whole (any difference is tampering); a packed origin
    claim is re-evaluated with it (each condition, and why it fails). Your own verdict on
    each re-checked BOM is then given at YOUR --fail-on, as 'sovbom check' gives it.
    Packed hardware identity evidence is re-verified with YOUR --hardware-roots (or the pack's,
    with --use-packed-trust) and each part compared with the packed report: a transcript, chain
    or response altered in the pack fails, with the reason.
    The archive is read with limits (member count, sizes, compression ratio, total size) and
    refused when a name is absolute, has '..', a backslash or a drive letter, or a member is a
    link. Nothing is extracted from a pack that does not hold. The trust options are those of
    'sovbom verify' (YOURS: your signer policy, or one --certificate-identity signer holding the
    packed policy's attestation roles and the 'pack' role); it never touches the network
    (--offline is implied).

    \b
    Exit codes: 0 everything holds and no re-checked BOM has a finding at or above --fail-on;
    1 the pack holds, but a re-checked BOM has findings at or above YOUR --fail-on, or the
    packed origin claim, re-evaluated, does not hold on it;
    3 the index signature, a digest, a signature, a report or a signed claim result does not
    hold (tampering);
    4 unreadable or hostile archive, or bad options.
    """
    from sovbom.pack.inspect import InspectOptions, inspect_pack
    from sovbom.report.json_format import check_report_dict

    if trust_args.trusted_root and trust_args.trust_config:
        raise click.UsageError("give only one of --trusted-root and --trust-config")
    if trust_args.staging:
        raise click.UsageError(
            "inspect verifies offline with YOUR --trusted-root/--trust-config (or the pack's):"
            " --staging does not apply"
        )
    roles = _packed_attestation_roles(archive) if trust_args.ad_hoc else ()
    with trust_args.signers_file([*roles, PACK_ROLE]) as signers:
        opts = InspectOptions(
            serialize=check_report_dict,
            trusted_root=trust_args.trusted_root,
            trust_config=trust_args.trust_config,
            signers=signers,
            use_packed_trust=use_packed_trust,
            fail_on=fail_on,
            allow_unsigned_index=allow_unsigned_index,
            hardware_roots=hardware_roots,
        )
        report, members = inspect_pack(archive, opts)
    for warning in report.warnings:
        warn(f"warning: {warning}")
    chosen = ReportFormat(fmt or default_format(output))
    _write_inspection(report, members, renderer_for(chosen).inspect(report), output, extract)
    _exit_on_verdict(report, fail_on, extracting=bool(extract))


def _write_inspection(
    report: InspectReport,
    members: dict[str, bytes],
    rendered: bytes,
    output: str,
    extract: str | None,
) -> None:
    """Extract the members when the pack holds (and --extract is given), then write the report."""
    from sovbom.pack.inspect import as_failure
    from sovbom.pack.safezip import extract_members

    if extract and as_failure(report) is None:
        extract_members(members, extract)
    write_bytes(output, rendered)


def _exit_on_verdict(report: InspectReport, fail_on: str, *, extracting: bool) -> None:
    """Exit 3 when the pack does not hold, 1 when it holds but a re-checked BOM fails."""
    from sovbom.pack.inspect import as_failure

    failure = as_failure(report)
    if failure is not None:
        if extracting:
            click.echo("sovbom: nothing extracted: the pack does not hold", err=True)
        click.echo(f"sovbom: error: {failure.diagnostics()}", err=True)
        click.get_current_context().exit(int(ExitCode.VERIFICATION_FAILED))
    if report.check_verdict == "fail":
        failing = ", ".join(report.failing_boms)
        claim = any(b.claim_holds is False for b in report.boms)
        click.echo(
            f"sovbom: the pack holds, but at your --fail-on {fail_on} the re-checked BOMs"
            f" {failing} have findings at or above it"
            f"{' or the packed origin claim does not hold on them' if claim else ''} (exit 1)",
            err=True,
        )
        click.get_current_context().exit(int(ExitCode.FINDINGS))

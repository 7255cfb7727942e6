"""``sovbom verify-delivery``: the server on the dock against the manufacturer's signed HBOM."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import click

from sovbom._io import display_name, read_bytes, write_bytes, write_chunks
from sovbom.cli._common import cli, format_option, output_option, progress_bar
from sovbom.cli._options import (
    as_of_option,
    configured,
    default_format,
    fail_on_option,
    hardware_source_options,
    parse_as_of,
)
from sovbom.cli._trust import DEFAULT_ATTESTATION_ROLES, TrustArgs, trust_options
from sovbom.collect.hardware import HardwareSources
from sovbom.collect.sources import source_options
from sovbom.errors import InputError, VerificationFailed
from sovbom.report.interface import ReportFormat, renderer_for

if TYPE_CHECKING:
    from sovbom.delivery import DeliveryResult, ServerInputs
    from sovbom.delivery.shipment import ReportSink
    from sovbom.delivery.spool import ResultSpool
    from sovbom.identity import ChainValidator
    from sovbom.policy import Policy
    from sovbom.signing import BundleVerifier


@cli.command("verify-delivery")
@click.option(
    "--expected",
    type=click.Path(dir_okay=False),
    help="The manufacturer's signed factory HBOM (CycloneDX).",
)
@click.option(
    "--bundle",
    type=click.Path(dir_okay=False),
    help="The expected HBOM's Sigstore bundle (default: EXPECTED.sigstore.json).",
)
@trust_options
@click.option(
    "--observed",
    type=click.Path(dir_okay=False),
    help="An observed HBOM (from 'sovbom collect hardware') instead of collecting now.",
)
@click.option(
    "--hardware-roots",
    type=click.Path(exists=True),
    help="Hardware trust anchors (PEM file or directory): verify the observed parts' identity"
    " evidence (with --shipment: each server's); a part the factory bound an identity to that"
    " does not prove it fails (exit 3).",
)
@hardware_source_options
@click.option(
    "--shipment",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Verify every server of a shipment directory (DIR/<server>/expected.cdx.json, its"
    " .sigstore.json bundle, and observed.cdx.json or dmidecode.txt / lshw.json /"
    " nvidia-smi.xml / redfish/).",
)
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False),
    metavar="OUT",
    help="With --shipment: write OUT/<server>.delivery.json and OUT/shipment.json.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help="With --shipment: worker processes (default: one per CPU from 40 servers on).",
)
@click.option("-p", "--policy", "policy_path", type=click.Path(dir_okay=False),
              default=configured("policy"),
              help="Policy (YAML/JSON): provenance rules and delivery tolerances. Default: the"
              " configured one ('sovbom config').")  # fmt: skip
@fail_on_option(
    "With --policy: exit 1 when a finding reaches this severity (and the delivery matched)."
)
@format_option(ReportFormat)
@output_option()
@as_of_option
def verify_delivery(
    expected: str | None,
    bundle: str | None,
    trust_args: TrustArgs,
    observed: str | None,
    hardware_roots: str | None,
    sources: HardwareSources,
    shipment: str | None,
    report_dir: str | None,
    jobs: int | None,
    policy_path: str | None,
    fail_on: str,
    fmt: str | None,
    output: str,
    as_of: str | None,
) -> None:
    """Verify a delivered server against the manufacturer's signed factory HBOM.

    1. The expected HBOM's Sigstore signature is verified against --signers, or one
    --certificate-identity signer holding the policy's attestation roles (fail closed:
    unsigned, altered or signed by an untrusted identity is exit 3, before any comparison).
    2. The observed inventory is loaded (--observed) or collected (--redfish, --redfish-mockup,
    --dmidecode, --lshw, --nvidia-smi, --local).
    3. Parts are matched (serial, then slot / bus address, then the only part of its class) and
    each is reported matched, missing, unexpected, substituted or drifted, with expected and
    found values field by field. 4. With --policy, the expected HBOM (parts observed as declared
    count as verified) and the unexpected parts are checked; the policy's delivery section sets
    the tolerances.

    \b
    Exit codes: 0 the server (every server) matches and the policy passes; 3 a signature failed
    or the delivery does not match; 1 only policy findings at or above --fail-on; 4 unreadable
    input.
    """
    _check_usage(expected, shipment, bundle, observed, sources, report_dir)
    today = parse_as_of(as_of)
    policy, verifier = _policy_and_verifier(policy_path, trust_args)
    chosen = ReportFormat(fmt or default_format(output))
    color = chosen is ReportFormat.TABLE and output == "-" and sys.stdout.isatty()
    if shipment is not None:
        code = _shipment(
            shipment, report_dir, verifier, policy, fail_on, today, chosen, output, color, jobs,
            hardware_roots,
        )  # fmt: skip
    else:
        assert expected is not None
        code = _single(expected, bundle, observed, sources, verifier, policy, fail_on, today,
                       chosen, output, color, hardware_roots)  # fmt: skip
    if code:
        click.get_current_context().exit(code)


def _check_usage(
    expected: str | None,
    shipment: str | None,
    bundle: str | None,
    observed: str | None,
    sources: HardwareSources,
    report_dir: str | None,
) -> None:
    """One server (--expected, with --observed or collection options) or a --shipment."""
    if (expected is None) == (shipment is None):
        raise click.UsageError("give either --expected FILE (one server) or --shipment DIR")
    if shipment is not None:
        if observed or sources.any() or bundle:
            raise click.UsageError(
                "--shipment takes each server's files from its directory:"
                " no --observed, --bundle or collection options"
            )
    else:
        if report_dir is not None:
            raise click.UsageError("--report-dir goes with --shipment (one server: use -o)")
        if observed is not None and sources.any():
            raise click.UsageError(
                f"--observed and collection options ({_given_sources(sources)}) conflict: use"
                " --observed for an HBOM already collected, or collection options to collect"
                " now, not both"
            )
        if observed is None and not sources.any():
            raise click.UsageError(
                "give the observed inventory: either --observed FILE or collection options"
                f" ({source_options()})"
            )


def _policy_and_verifier(
    policy_path: str | None, trust_args: TrustArgs
) -> tuple[Policy | None, BundleVerifier]:
    """The --policy (if any) and the verifier of factory HBOMs (its attestation roles sign)."""
    policy = None
    if policy_path is not None:
        from sovbom.policy import load_policy

        policy = load_policy(policy_path)
    roles = policy.attestation_roles if policy is not None else DEFAULT_ATTESTATION_ROLES
    trust = trust_args.load(roles)
    if trust is None:
        raise click.UsageError(
            "verify-delivery needs --signers or --certificate-identity (who may sign factory"
            " HBOMs): the expected HBOM's signature is always verified"
        )
    from sovbom import signing

    return policy, signing.BundleVerifier(trust.trust, trust.signers)


def _single(
    expected: str,
    bundle: str | None,
    observed: str | None,
    sources: HardwareSources,
    verifier: BundleVerifier,
    policy: Policy | None,
    fail_on: str,
    today: dt.date,
    fmt: ReportFormat,
    output: str,
    color: bool,
    hardware_roots: str | None = None,
) -> int:
    from sovbom.checking import ensure_valid
    from sovbom.cyclonedx.reader import load_bom, parse_bom
    from sovbom.delivery import SourceInfo, assess, check_signature, observed_complete, sha256_hex
    from sovbom.evidence import bundle_path_for
    from sovbom.report.interface import DeliveryReport

    if observed is not None and output != "-" and Path(output) == Path(observed):
        raise click.UsageError(f"the output {output!r} is also an input")
    data = read_bytes(expected)
    loaded = parse_bom(data, display_name(expected))
    ensure_valid(loaded)
    signature = check_signature(verifier, data, loaded.source, bundle_path_for(expected, bundle))
    if not signature.ok:
        if signature.reason.startswith("not signed"):
            raise VerificationFailed(
                f"{loaded.source}: {signature.reason} (sign it with 'sovbom sign', or give --bundle)"
            )
        signature.raise_for_failure()
        raise VerificationFailed(f"{loaded.source}: verification failed")  # pragma: no cover
    from sovbom.collect.suppliers import registry_for

    companies = registry_for(sources.suppliers)
    if observed is not None:
        obs = load_bom(observed)
        ensure_valid(obs)
        doc = obs.doc
        info = SourceInfo(obs.source, sha256_hex(obs.raw))
        complete, notes = observed_complete(doc)
    else:
        from sovbom.collect.hardware import collect_hardware

        collected = collect_hardware(sources)
        doc, complete, notes = collected.doc, collected.complete, collected.notes
        info = SourceInfo(sources.describe())
    server = _server_name(loaded.doc, loaded.source)
    hardware = None
    if hardware_roots is not None:
        from sovbom.identity import load_roots
        from sovbom.identity.levels import identity_of_bom

        base = Path(observed).parent if observed is not None else Path.cwd()
        hardware = identity_of_bom(loaded.doc, load_roots(hardware_roots), observed=doc,
                                   base_dir=base)  # fmt: skip
    result = assess(server, loaded, signature, doc, info, observed_complete=complete,
                    observed_notes=notes, policy=policy, fail_on=fail_on, today=today,
                    companies=companies, hardware=hardware)  # fmt: skip
    report = DeliveryReport(result=result, as_of=today.isoformat())
    write_bytes(output, renderer_for(fmt, color=color).delivery(report))
    for reason in result.identity_failures[:5]:
        click.echo(f"sovbom: error: {reason}", err=True)
    return result.exit_code


def _given_sources(sources: HardwareSources) -> str:
    """``--dmidecode, --lshw``: the collection options given."""
    return ", ".join(s.option for s, _ in sources.selected())


def _server_name(doc: dict[str, Any], fallback: str) -> str:
    from sovbom.delivery import extract

    root, _, _ = extract(doc)
    if root is not None and root.serial:
        return root.serial
    return fallback


def _shipment(
    directory: str,
    report_dir: str | None,
    verifier: BundleVerifier,
    policy: Policy | None,
    fail_on: str,
    today: dt.date,
    fmt: ReportFormat,
    output: str,
    color: bool,
    jobs: int | None,
    hardware_roots: str | None = None,
) -> int:
    from sovbom.delivery import ShipmentResult, scan_shipment
    from sovbom.delivery.report_dir import StagedReportDir
    from sovbom.report.interface import DeliveryReport, ShipmentReport, shipment_chunks

    layout = scan_shipment(directory)
    if report_dir is not None:
        out_dir = Path(report_dir).resolve()
        shipment_dir = Path(directory).resolve()
        if out_dir == shipment_dir or shipment_dir in out_dir.parents:
            raise click.UsageError(
                "--report-dir must be outside the shipment (inputs are never modified)"
            )
    as_of = today.isoformat()

    json_renderer = renderer_for(ReportFormat.JSON)  # imported once, before workers fork

    def render(result: DeliveryResult) -> bytes:
        return json_renderer.delivery(DeliveryReport(result, as_of))

    with contextlib.ExitStack() as stack:
        # reports are written as servers finish, into a staging directory put in place at the end
        staged = stack.enter_context(StagedReportDir(report_dir)) if report_dir else None
        results = _with_progress(
            layout.servers, verifier, policy, fail_on, today,
            render if staged is not None else None, jobs, staged, _validator(hardware_roots),
        )  # fmt: skip
        stack.enter_context(results)  # the results' temporary file, closed on the way out
        shipment = ShipmentResult(
            directory=display_name(directory), servers=results, other_entries=layout.other_entries
        )
        report = ShipmentReport(shipment=shipment, as_of=as_of, report_dir=report_dir)
        # the summary is rendered whole before the reports are put in place (an error leaves
        # neither), into a temporary file: the results are read back one at a time
        summary = stack.enter_context(
            _spilled(shipment_chunks(renderer_for(fmt, color=color), report))
        )
        if staged is not None:
            if fmt is ReportFormat.JSON:  # the same bytes as the summary: copied, not rendered
                staged.write_stream("shipment.json", _read_back(summary))
            else:
                staged.write_stream("shipment.json", shipment_chunks(json_renderer, report))
            staged.commit()
        write_chunks(output, _read_back(summary))
    return shipment.exit_code


#: Bytes copied at a time from the rendered summary to the output.
_COPY_CHUNK = 1 << 20


def _read_back(fh: BinaryIO) -> Iterator[bytes]:
    """Everything ``fh`` holds, from its start, a piece at a time."""
    fh.seek(0)
    while chunk := fh.read(_COPY_CHUNK):
        yield chunk


def _spilled(chunks: Iterable[bytes]) -> BinaryIO:
    """A temporary file holding ``chunks``; it goes when closed."""
    try:
        fh = tempfile.TemporaryFile(prefix="sovbom-summary-")  # noqa: SIM115 - returned open
    except OSError as e:
        raise InputError(f"cannot create a temporary file: {e.strerror or e}",
                         source=tempfile.gettempdir()) from e  # fmt: skip
    try:
        for chunk in chunks:
            fh.write(chunk)
    except BaseException as e:
        fh.close()
        if isinstance(e, OSError):
            raise InputError(f"cannot write a temporary file: {e.strerror or e}",
                             source=tempfile.gettempdir()) from e  # fmt: skip
        raise
    return fh


def _with_progress(
    servers: Sequence[ServerInputs],
    verifier: BundleVerifier,
    policy: Policy | None,
    fail_on: str,
    today: dt.date,
    render: Callable[[DeliveryResult], bytes] | None,
    jobs: int | None,
    reports: ReportSink | None = None,
    hardware: ChainValidator | None = None,
) -> ResultSpool:
    """Verify every server (reports to ``reports``); a progress bar on stderr on a terminal."""
    from sovbom.delivery import verify_shipment

    with progress_bar("verifying deliveries", len(servers)) as advance:
        return verify_shipment(
            servers,
            verifier,
            policy=policy,
            fail_on=fail_on,
            today=today,
            render=render,
            reports=reports,
            jobs=jobs,
            on_result=advance,
            hardware=hardware,
        )


def _validator(roots: str | None) -> ChainValidator | None:
    """One chain validator over the hardware roots for the whole shipment (its cache shared)."""
    if roots is None:
        return None
    from sovbom.identity import ChainValidator, load_roots

    return ChainValidator(load_roots(roots))


__all__ = ["verify_delivery"]

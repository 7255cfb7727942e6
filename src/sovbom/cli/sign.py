"""``sovbom sign`` and ``sovbom verify``: Sigstore signatures over BOMs (:mod:`sovbom.signing`)."""

from __future__ import annotations

import logging
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import click
import orjson

from sovbom._io import read_bytes, write_bytes
from sovbom.cli._common import cli, format_option, output_option, progress_bar
from sovbom.cli._trust import TrustArgs, trust_options
from sovbom.errors import InputError, VerificationFailed
from sovbom.signers import IdentityRule, SignerPolicy, load_signer_policy

if TYPE_CHECKING:
    from sovbom import signing

# sovbom.signing imports sigstore (~0.3 s): it is imported inside the commands only, so that
# the other commands do not pay for it. These mirror signing.CYCLONEDX_PREDICATE_TYPE and
# signing.BUNDLE_SUFFIX (a test checks that they agree).
CYCLONEDX_PREDICATE_TYPE = "https://cyclonedx.org/bom"
#: The predicate type of the verified file's kind (signing.DOCUMENT_PREDICATE_TYPE).
DOCUMENT_PREDICATE_TYPE = "document"
BUNDLE_SUFFIX = ".sigstore.json"

_logger = logging.getLogger("sovbom.cli.sign")


class VerifyFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def _bundle_summary(bundle: bytes) -> str:
    try:
        doc = orjson.loads(bundle)
        entry = doc["verificationMaterial"]["tlogEntries"][0]
        return f"log index {entry['logIndex']}"
    except (orjson.JSONDecodeError, KeyError, IndexError, TypeError):  # pragma: no cover
        return "log index unknown"


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--bundle",
    "bundle_out",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Where to write the bundle (one FILE only; '-' for stdout). Default: FILE.sigstore.json.",
)
@click.option(
    "--attest",
    is_flag=True,
    help="Sign a DSSE in-toto Statement v1 (the document as predicate, the file as subject), like"
    " `cosign attest`: predicate type https://cyclonedx.org/bom for a CycloneDX BOM,"
    " https://spdx.dev/Document/v2.3 for an SPDX 2.3 JSON document, https://spdx.dev/Document/v3"
    " for an SPDX 3 JSON-LD document.",
)
@click.option(
    "--identity-token",
    envvar="SOVBOM_IDENTITY_TOKEN",
    show_envvar=True,
    metavar="TOKEN",
    help="OIDC identity token. Default: ambient CI credentials (GitHub Actions, GitLab, Buildkite,"
    " Google Cloud), else the browser flow when a person is at a terminal. Never printed.",
)
@click.option("--no-ambient", is_flag=True, help="Do not look for ambient CI credentials.")
@click.option("--staging", is_flag=True, help="Use the public-good staging instance.")
@click.option(
    "--trust-config",
    type=click.Path(dir_okay=False),
    help="ClientTrustConfig JSON (trusted root + signing config) of a private Sigstore instance."
    " Default: the configured one ('sovbom config'), unless --staging.",
)
@click.option(
    "--force",
    "--overwrite",
    "force",
    is_flag=True,
    help="Replace an existing bundle file (refused otherwise). --overwrite is the former name.",
)
def sign(
    files: tuple[str, ...],
    bundle_out: str | None,
    attest: bool,
    identity_token: str | None,
    no_ambient: bool,
    staging: bool,
    trust_config: str | None,
    force: bool,
) -> None:
    """Sign FILES with Sigstore: one bundle (v0.3 JSON) per file, over its exact bytes.

    The public-good production instance is used unless --staging or --trust-config is given.
    Prints the path of each bundle written.

    \b
    Exit codes: 0 signed; 4 unreadable input, no identity, or the CA / log failed.
    """
    from sovbom import signing

    if bundle_out is not None and len(files) != 1:
        raise click.UsageError("--bundle needs exactly one FILE")
    targets = [
        Path(bundle_out)
        if bundle_out is not None
        else Path(f).with_name(Path(f).name + BUNDLE_SUFFIX)
        for f in files
    ]
    for f, target in zip(files, targets, strict=True):
        data = read_bytes(f)  # fail early on an unreadable input, before any network use
        if attest:
            signing.attestable_bom(
                data, f
            )  # a schema-valid BOM of a known kind, before any network use
        if str(target) != "-" and target.exists() and not force:
            raise InputError("bundle exists (use --force to replace it)", source=str(target))
    if trust_config is None and not staging:
        from sovbom.config import default_for

        trust_config = default_for("trust-config")
    trust = signing.load_signing_trust(trust_config=trust_config, staging=staging)
    identity = signing.identity_token(identity_token, trust=trust, ambient=not no_ambient)
    _logger.info(
        "signing as %s (%s), token from %s", identity.identity, identity.issuer, identity.source
    )
    with signing.open_signer(trust, identity) as signer:
        for f, target in zip(files, targets, strict=True):
            data = read_bytes(f)
            bundle = signer.attest_bytes(data, f) if attest else signer.sign_bytes(data)
            write_bytes(target, bundle)
            _logger.info("%s: signed (%s)", f, _bundle_summary(bundle))
            if str(target) != "-":
                click.echo(str(target))


def _signer_spec(
    trust_args: TrustArgs, roles: tuple[str, ...]
) -> tuple[IdentityRule | SignerPolicy, list[str] | None]:
    if trust_args.ad_hoc:
        if roles:
            raise click.UsageError("--role needs --signers")
        return trust_args.rule(), None
    if trust_args.signers is None:
        raise click.UsageError(
            "give --signers FILE, or --certificate-identity[-regexp] with"
            " --certificate-oidc-issuer[-regexp]"
        )
    policy = load_signer_policy(trust_args.signers)
    chosen = list(roles) or None
    policy.rules(chosen)  # unknown roles are an input error now, not later
    return policy, chosen


def _table_line(v: signing.Verdict) -> str:
    from sovbom.signing import Status

    if v.ok:
        roles = f" roles={','.join(v.roles)}" if v.roles else ""
        extra = f" predicate={v.predicate_type}" if v.predicate_type else ""
        return (
            f"VERIFIED {v.file}: {v.identity} ({v.issuer}){roles} {v.bundle_kind}"
            f" log index {v.log_index}{extra}"
        )
    return f"{'ERROR' if v.status is Status.ERROR else 'FAILED'} {v.file}: {v.reason}"


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--bundle",
    type=click.Path(dir_okay=False),
    help="The bundle to verify against (one FILE only). Default: FILE.sigstore.json.",
)
@trust_options
@click.option(
    "--role",
    "roles",
    multiple=True,
    help="With --signers: accept only signers of this role (repeatable). Default: any role.",
)
@click.option(
    "--predicate-type",
    "predicate_types",
    multiple=True,
    default=(DOCUMENT_PREDICATE_TYPE,),
    show_default=True,
    help="For DSSE bundles: the accepted in-toto predicate type (repeatable; '*' accepts any;"
    " 'document': the type of the file's kind, CycloneDX, SPDX 2.3 or SPDX 3).",
)
@format_option(VerifyFormat, "Output")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help="Worker processes for many files (default: one per CPU from 200 files on).",
)
@output_option()
def verify(
    files: tuple[str, ...],
    bundle: str | None,
    trust_args: TrustArgs,
    roles: tuple[str, ...],
    predicate_types: tuple[str, ...],
    fmt: str | None,
    jobs: int | None,
    output: str,
) -> None:
    """Verify FILES against their Sigstore bundles: signature, transparency log, signer identity.

    For DSSE attestations the envelope is verified, the statement's subject digest must be the
    file's SHA-256 and the predicate type one of --predicate-type. One verdict per file; the
    trusted root used (digest, source, validity, freshness) is reported.

    \b
    Exit codes: 0 every file verified; 3 a verification failed (the report lists every verdict);
    4 unreadable input (file, bundle, trusted root or signer policy), which takes precedence
    over 3; no -o report file is written then.
    """
    from sovbom import signing
    from sovbom.signing import Status

    if bundle is not None and len(files) != 1:
        raise click.UsageError("--bundle needs exactly one FILE")
    spec, chosen_roles = _signer_spec(trust_args, roles)
    trust = signing.load_trust(
        trusted_root=trust_args.trusted_root,
        trust_config=trust_args.trust_config,
        staging=trust_args.staging,
        offline=trust_args.offline,
    )
    verifier = signing.BundleVerifier(
        trust, spec, roles=chosen_roles, predicate_types=predicate_types
    )
    verdicts = _verify_all(verifier, files, bundle, jobs)
    if output != "-":
        _refuse_unreadable(verdicts, written=False)  # bad input: exit 4 and no report file

    if fmt is None:  # as sovbom.cli._options.default_format, without importing its collectors
        fmt = "table" if output == "-" and sys.stdout.isatty() else "json"
    fmt_enum = VerifyFormat(fmt.lower())
    if fmt_enum is VerifyFormat.JSON:
        doc = {
            "trust_root": trust.info.to_dict(),
            "summary": {
                "files": len(verdicts),
                "verified": sum(v.status is Status.VERIFIED for v in verdicts),
                "failed": sum(v.status is Status.FAILED for v in verdicts),
                "errors": sum(v.status is Status.ERROR for v in verdicts),
            },
            "verdicts": [
                {k: x for k, x in v.to_dict().items() if k != "trust_root"} for v in verdicts
            ],
        }
        out = orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"
    else:
        lines = [f"trusted root: {trust.info.describe()}", *(_table_line(v) for v in verdicts)]
        out = ("\n".join(lines) + "\n").encode()
    # Every input was readable (or the report goes to standard output, where the unreadable
    # ones show as ERROR): the report with each verdict is written, then exit 4 or 3.
    write_bytes(output, out)
    _refuse_unreadable(verdicts, written=True)

    failed = [v for v in verdicts if v.status is Status.FAILED]
    if len(verdicts) == 1 and failed:
        verdicts[0].raise_for_failure()
    if failed:
        raise VerificationFailed(f"{len(failed)} of {len(verdicts)} files failed verification")


def _refuse_unreadable(verdicts: list[signing.Verdict], *, written: bool) -> None:
    """Exit 4 when a file or its bundle could not be read or parsed.

    Unless the verdicts were ``written`` (to standard output), each unreadable file is named on
    standard error (the first in the error line).
    """
    from sovbom.signing import Status

    errors = [v for v in verdicts if v.status is Status.ERROR]
    if not errors:
        return
    if len(verdicts) == 1:
        verdicts[0].raise_for_failure()
    count = f"{len(errors)} of {len(verdicts)} files could not be read or parsed"
    if written:
        raise InputError(count)
    for v in errors[1:]:
        _logger.warning("%s: %s", v.file, v.reason)
    first = errors[0]
    more = f" (and {len(errors) - 1} more, listed above)" if len(errors) > 1 else ""
    raise InputError(f"{count}: no report written; {first.file}: {first.reason}{more}")


def _verify_all(
    verifier: signing.BundleVerifier, files: tuple[str, ...], bundle: str | None, jobs: int | None
) -> list[signing.Verdict]:
    """Verify every file; a progress bar on stderr when it is a terminal."""
    with progress_bar("verifying", len(files), refresh_every=20) as advance:
        return verifier.verify_files(files, bundle, jobs=jobs, on_verdict=advance)


__all__ = ["sign", "verify"]

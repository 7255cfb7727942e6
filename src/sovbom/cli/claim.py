"""``sovbom claim``: evaluate an origin claim on a server BOM and write its result."""

from __future__ import annotations

import click
import orjson

from sovbom._io import display_name, read_bytes, write_bytes
from sovbom.cli._common import cli, output_option
from sovbom.cli._options import FAIL_NEVER, as_of_option, parse_as_of
from sovbom.cli._trust import TrustArgs, trust_options
from sovbom.errors import ExitCode, VerificationFailed


@cli.command()
@click.argument("bom", type=click.Path(dir_okay=False))
@click.option(
    "--claim",
    "claim_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="The claim definition (schemas/claim.schema.json), YAML or JSON.",
)
@output_option(help_text="Where to write the claim result ('-' for stdout).")
@click.option(
    "--bundle",
    type=click.Path(dir_okay=False),
    help="The BOM's Sigstore bundle (default: BOM.sigstore.json).",
)
@click.option(
    "--fail-on",
    type=click.Choice(("fail", FAIL_NEVER)),
    default="fail",
    show_default=True,
    help="Exit 1 when the claim does not hold. 'never': report only (exit 0; the result and"
    " the message on stderr still say it does not hold).",
)
@trust_options
@as_of_option
def claim(
    bom: str,
    claim_path: str,
    output: str,
    bundle: str | None,
    fail_on: str,
    trust_args: TrustArgs,
    as_of: str | None,
) -> None:
    """Evaluate an origin claim on a server BOM, condition by condition.

    Each condition of the claim (stages performed where required, a complete traceability
    chain, a minimum domestic value share, no denied tie, critical parts at least at a
    verification level) holds or fails with its reasons. With --signers the BOM's bundle is
    verified first (exit 3 when it does not hold) and its parts become attested. The result
    (schemas/claim-result.schema.json) can be signed with 'sovbom sign --attest' and verified
    with 'sovbom verify'.

    \b
    Exit codes: 0 the claim holds (or --fail-on never); 1 a condition fails; 3 a signature
    did not verify; 4 unreadable input.
    """
    from sovbom.checking import check_bom, verify_signature
    from sovbom.claims import claim_result, evaluate_claim, load_claim
    from sovbom.cyclonedx.reader import load_bom
    from sovbom.evidence import bundle_path_for

    today = parse_as_of(as_of)
    definition = load_claim(claim_path)
    loaded = load_bom(bom)
    trust = trust_args.load()
    signature = None
    if trust is not None:
        path = bundle_path_for(bom, bundle)
        if not path.exists():
            raise VerificationFailed(f"{loaded.source}: not signed: no Sigstore bundle at {path}")
        signature = verify_signature(loaded, read_bytes(path), display_name(path), trust)
    report = check_bom(
        loaded, definition.policy(), as_of=today, fail_on="critical", signature=signature
    )
    conditions = evaluate_claim(definition, report)
    result = claim_result(definition, report, conditions)
    write_bytes(output, orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n")
    if not result["holds"]:
        failed = ", ".join(c.id for c in conditions if not c.holds)
        click.echo(f"claim {definition.name!r} does not hold: {failed}", err=True)
        if fail_on != FAIL_NEVER:
            click.get_current_context().exit(int(ExitCode.FINDINGS))

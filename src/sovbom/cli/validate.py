"""``sovbom validate``: schema validity and referential integrity of CycloneDX documents."""

from __future__ import annotations

import click

from sovbom.cli._common import cli
from sovbom.errors import ExitCode, InputError


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-q", "--quiet", is_flag=True, help="Print problems only, no per-file OK lines.")
def validate(files: tuple[str, ...], quiet: bool) -> None:
    """Check CycloneDX documents (JSON or XML, spec 1.2 to 1.7).

    Each file is checked against the official CycloneDX schema of its specVersion and for
    referential integrity: unique bom-refs, dependencies naming existing refs, no
    self-dependency, no serial number shared by two parts of the server.

    \b
    Exit codes: 0 all valid; 1 some are invalid (or not CycloneDX at all); 4 a file cannot
    be read or parsed.
    """
    from sovbom.cyclonedx.integrity import integrity_problems
    from sovbom.cyclonedx.reader import NotCycloneDXError, load_bom
    from sovbom.cyclonedx.schema import schema_problems

    invalid = unreadable = 0
    for path in files:
        try:
            bom = load_bom(path)
        except NotCycloneDXError as e:
            invalid += 1
            click.echo(f"{e.message} [format]")
            if e.hint:
                click.echo(f"{e.source}: hint: {e.hint}")
            click.echo(f"{e.source}: INVALID (not a CycloneDX document)")
            continue
        except InputError as e:
            click.echo(f"sovbom: error: {e.diagnostics()}", err=True)
            unreadable += 1
            continue
        problems = schema_problems(bom.doc, bom.spec_version) + integrity_problems(bom.doc)
        if problems:
            invalid += 1
            for p in problems:
                click.echo(f"{bom.source}: {p.path}: {p.message} [{p.kind}]")
            click.echo(
                f"{bom.source}: INVALID ({len(problems)} problems, CycloneDX {bom.spec_version})"
            )
        elif not quiet:
            click.echo(f"{bom.source}: OK (CycloneDX {bom.spec_version} {bom.format.upper()})")
    ctx = click.get_current_context()
    if unreadable:
        ctx.exit(int(ExitCode.BAD_INPUT))
    if invalid:
        ctx.exit(int(ExitCode.FINDINGS))

"""``sovbom trust show`` and ``sovbom trust save``: the Sigstore trusted root in use, and a
private instance's trust material saved for offline use."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import click
import orjson

from sovbom._io import write_bytes
from sovbom.cli._common import cli, format_option, output_option
from sovbom.cli._options import default_format
from sovbom.errors import InputError

TRUSTED_ROOT_FILE = "trusted_root.json"
TRUST_CONFIG_FILE = "trust_config.json"


class TrustFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


@cli.group()
def trust() -> None:
    """Show the Sigstore trusted root in use; save a private instance's for offline use."""


@trust.command("show")
@click.option(
    "--trusted-root",
    type=click.Path(dir_okay=False),
    help="A Sigstore trusted_root.json (e.g. a private instance's).",
)
@click.option(
    "--trust-config",
    type=click.Path(dir_okay=False),
    help="A Sigstore ClientTrustConfig (trusted root + signing config).",
)
@click.option("--staging", is_flag=True, help="The public-good staging instance's root.")
@click.option(
    "--offline",
    is_flag=True,
    help="Touch no network: the given file, or the cached / embedded public-good root.",
)
@format_option(TrustFormat, "Output")
@output_option()
def show(
    trusted_root: str | None,
    trust_config: str | None,
    staging: bool,
    offline: bool,
    fmt: str | None,
    output: str,
) -> None:
    """Show the trusted root a verification would use.

    Its SHA-256 digest, where it came from and how fresh it is; every key it holds
    (certificate authorities, transparency log keys, CT log keys, timestamp authorities) with
    its validity window and whether it is valid now; the URLs of the instance's services.
    Without --trusted-root / --trust-config it is the public-good production root (refreshed
    through TUF unless --offline).

    \b
    Exit codes: 0 shown; 4 unreadable or malformed trust material, or no network.
    """
    from sovbom import signing
    from sovbom.signing import instance

    material = signing.load_trust(
        trusted_root=trusted_root, trust_config=trust_config, staging=staging, offline=offline
    )
    if trust_config is not None:
        services = instance.signing_config_of(trust_config)
    elif trusted_root is None:
        services = instance.public_good_signing_config(staging=staging)
    else:
        services = None
    summary = instance.describe_trust(material, signing_config=services)
    if TrustFormat(fmt or default_format(output)) is TrustFormat.JSON:
        data = orjson.dumps(summary, option=orjson.OPT_INDENT_2) + b"\n"
    else:
        data = _table(summary).encode("utf-8")
    write_bytes(output, data)


def _table(summary: dict[str, Any]) -> str:
    root = summary["trust_root"]
    span = f"from {root['valid_from']}" + (
        f" until {root['valid_until']}" if root["valid_until"] else " (no end)"
    )
    lines = [
        f"trusted root  sha256:{root['sha256']}",
        f"source        {root['source']}",
        f"freshness     {root['freshness']}" + (f" ({root['note']})" if root["note"] else ""),
        f"validity      {span}; "
        + ("current" if root["current"] else "NO CURRENTLY VALID KEYS for one kind"),
        "",
        "keys",
    ]
    for key in summary["keys"]:
        until = key["valid_until"] or "(no end)"
        lines.append(
            f"  {key['name']:<22} {key['state']:<13} {key['valid_from']} .. {until}  {key['label']}"
        )
    if summary["services"]:
        lines += ["", "services (signing config)"]
        for svc in summary["services"]:
            until = f" until {svc['valid_until']}" if svc["valid_until"] else ""
            lines.append(
                f"  {svc['role']:<22} {svc['url']}  v{svc['api_version']}"
                f"  from {svc['valid_from']}{until}"
            )
    return "\n".join(lines) + "\n"


@trust.command("save")
@click.argument("url")
@click.option(
    "-o",
    "--output",
    "directory",
    required=True,
    type=click.Path(file_okay=False),
    help=f"Directory to write {TRUSTED_ROOT_FILE} and {TRUST_CONFIG_FILE} to (created if needed).",
)
@click.option(
    "--tuf-root",
    type=click.Path(dir_okay=False),
    help="The instance's initial TUF root.json, obtained out of band: the trust anchor every"
    " fetched file is verified against (not needed for the public-good instances).",
)
@click.option("--force", is_flag=True, help="Replace existing files (refused otherwise).")
def save(url: str, directory: str, tuf_root: str | None, force: bool) -> None:
    """Save a Sigstore instance's trusted root and trust config from its TUF repository URL.

    The files are fetched and verified through TUF (as `sigstore trust-instance` does), then
    written atomically to DIRECTORY as trusted_root.json (for --trusted-root, to verify) and
    trust_config.json (for --trust-config, to sign and verify): every later use is offline.
    Prints the path and SHA-256 digest of each file.

    \b
    Exit codes: 0 saved; 4 an existing file (without --force), unreadable TUF root, or the
    repository could not be reached or verified.
    """
    import hashlib

    from sovbom.signing import instance

    target = Path(directory)
    files = [target / TRUSTED_ROOT_FILE, target / TRUST_CONFIG_FILE]
    for path in files:
        if path.exists() and not force:
            raise InputError("file exists (use --force to replace it)", source=str(path))
    fetched = instance.fetch_instance_trust(url, tuf_root=tuf_root)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"cannot create the directory: {e.strerror or e}", source=directory) from e
    for path, data in zip(files, (fetched.trusted_root, fetched.trust_config), strict=True):
        write_bytes(path, data)
        click.echo(f"{path}  sha256:{hashlib.sha256(data).hexdigest()}")

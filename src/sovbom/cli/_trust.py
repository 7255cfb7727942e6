"""Signature-checking options shared by check, verify-delivery and inspect."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from sovbom.errors import InputError

if TYPE_CHECKING:
    from sovbom.signing import TrustOptions

F = TypeVar("F", bound=Callable[..., Any])


def trust_options(func: F) -> F:
    """--signers, --trusted-root, --trust-config, --staging, --offline."""
    options = [
        click.option(
            "--signers",
            type=click.Path(dir_okay=False),
            help="Signer policy (YAML/JSON): who may sign which role. Turns signature checking on.",
        ),
        click.option(
            "--trusted-root",
            type=click.Path(dir_okay=False),
            help="A Sigstore trusted_root.json to verify against (e.g. a private instance's).",
        ),
        click.option(
            "--trust-config",
            type=click.Path(dir_okay=False),
            help="A Sigstore ClientTrustConfig (trusted root + signing config).",
        ),
        click.option(
            "--staging", is_flag=True, help="Verify against the public-good staging instance."
        ),
        click.option(
            "--offline",
            is_flag=True,
            help="Touch no network: use the given trusted root, or the embedded one without refresh.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def load_trust_options(
    signers: str | None,
    trusted_root: str | None,
    trust_config: str | None,
    staging: bool,
    offline: bool,
) -> TrustOptions | None:
    """The signer policy and trust material to check signatures with, or None when no signer
    policy was given (the trust material is then never loaded: nothing touches the network)."""
    if signers is None:
        if trusted_root or trust_config or staging:
            raise InputError(
                "--trusted-root/--trust-config/--staging need --signers (who may sign)"
            )
        return None
    from sovbom import signing
    from sovbom.signers import load_signer_policy
    from sovbom.signing import TrustOptions

    policy = load_signer_policy(signers)
    trust = signing.load_trust(
        trusted_root=trusted_root, trust_config=trust_config, staging=staging, offline=offline
    )
    return TrustOptions(policy, trust)

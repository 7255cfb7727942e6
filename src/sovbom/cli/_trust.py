"""Signature-checking options shared by every command that verifies: who may sign, and the trust
material their signatures are verified with.

One decorator, :func:`trust_options`, spells them once; ``verify``, ``check``,
``verify-delivery``, ``pack`` and ``inspect`` all use it (a test checks each has every option).
Who may sign is either a signer policy file (``--signers``) or, as cosign and the sigstore CLI
take it, one ad-hoc signer: ``--certificate-identity`` or ``--certificate-identity-regexp`` with
``--certificate-oidc-issuer`` or ``--certificate-oidc-issuer-regexp`` (``--cert-*`` are the
short spellings). An ad-hoc signer holds every role the command needs (:func:`ad_hoc_policy`).

Defaults not given on the command line come from :func:`sovbom.config.default_for`: the signer
policy (when no ad-hoc signer is given), and the trusted root or trust config, which apply only
when signatures are checked at all (a signer policy or an ad-hoc signer is given).
"""

from __future__ import annotations

import functools
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from sovbom.errors import InputError

if TYPE_CHECKING:
    from sovbom.signers import IdentityRule, SignerPolicy
    from sovbom.signing import TrustOptions

F = TypeVar("F", bound=Callable[..., Any])

#: The role a signer of a BOM needs when no policy says otherwise (``Policy.attestation_roles``).
DEFAULT_ATTESTATION_ROLES = ("manufacturer",)
#: The role whose signers may sign an evidence pack's index (``sovbom.pack.index.INDEX_ROLE``;
#: a test checks they agree).
PACK_ROLE = "pack"
#: Label of the ad-hoc signer in messages and in a packed signer policy.
AD_HOC_LABEL = "command line"

_IDENTITY_PARAMS = ("cert_identity", "cert_identity_regexp", "cert_oidc_issuer",
                    "cert_oidc_issuer_regexp")  # fmt: skip
_TRUST_PARAMS = ("signers", *_IDENTITY_PARAMS, "trusted_root", "trust_config", "staging", "offline")


@dataclass(frozen=True, slots=True)
class TrustArgs:
    """The trust and identity options as given (command line, then configured defaults)."""

    signers: str | None = None
    cert_identity: str | None = None
    cert_identity_regexp: str | None = None
    cert_oidc_issuer: str | None = None
    cert_oidc_issuer_regexp: str | None = None
    trusted_root: str | None = None
    trust_config: str | None = None
    staging: bool = False
    offline: bool = False

    @property
    def ad_hoc(self) -> bool:
        """One signer given with the ``--certificate-*`` options (no signer policy file)."""
        return any(getattr(self, p) for p in _IDENTITY_PARAMS)

    @property
    def checks_signatures(self) -> bool:
        return self.signers is not None or self.ad_hoc

    def rule(self) -> IdentityRule:
        """The ad-hoc signer (only when :attr:`ad_hoc`)."""
        from sovbom.signers import IdentityRule

        return IdentityRule(
            issuer=self.cert_oidc_issuer or "",
            identity=self.cert_identity,
            identity_regexp=self.cert_identity_regexp,
            issuer_regexp=self.cert_oidc_issuer_regexp,
            label=AD_HOC_LABEL,
        )

    def signer_policy(self, roles: Iterable[str]) -> SignerPolicy | None:
        """The signer policy file, or the ad-hoc signer holding ``roles``; None: neither given."""
        if self.ad_hoc:
            return ad_hoc_policy(self.rule(), roles)
        if self.signers is None:
            return None
        from sovbom.signers import load_signer_policy

        return load_signer_policy(self.signers)

    def load(self, roles: Iterable[str] = DEFAULT_ATTESTATION_ROLES) -> TrustOptions | None:
        """The signer policy and trust material, or None when signatures are not checked (the
        trust material is then never loaded: nothing touches the network)."""
        policy = self.signer_policy(roles)
        if policy is None:
            if self.trusted_root or self.trust_config or self.staging:
                raise InputError(
                    "--trusted-root/--trust-config/--staging need --signers or"
                    " --certificate-identity (who may sign)"
                )
            return None
        from sovbom import signing
        from sovbom.signing import TrustOptions

        trust = signing.load_trust(
            trusted_root=self.trusted_root,
            trust_config=self.trust_config,
            staging=self.staging,
            offline=self.offline,
        )
        return TrustOptions(policy, trust)

    @contextmanager
    def signers_file(self, roles: Iterable[str]) -> Iterator[str | None]:
        """A signer policy file for commands that take (and pack) one: ``--signers``, or the
        ad-hoc signer written as a policy (``signers.json`` in a temporary directory)."""
        if not self.ad_hoc:
            yield self.signers
            return
        policy = ad_hoc_policy(self.rule(), roles)
        doc = {
            "version": 1,
            "description": "One signer given on the command line (--certificate-identity).",
            "roles": {
                name: {"signers": [rule.to_dict() for rule in role.signers]}
                for name, role in policy.roles.items()
            },
        }
        with tempfile.TemporaryDirectory(prefix="sovbom-signers-") as d:
            path = Path(d) / "signers.json"
            path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
            yield str(path)


def ad_hoc_policy(rule: IdentityRule, roles: Iterable[str]) -> SignerPolicy:
    """A signer policy in which ``rule`` holds every role of ``roles`` (at least one)."""
    from sovbom.signers import Role, SignerPolicy

    names = list(dict.fromkeys(roles)) or list(DEFAULT_ATTESTATION_ROLES)
    return SignerPolicy(
        roles={name: Role(name, (rule,), "ad-hoc signer") for name in names},
        source="--certificate-identity",
    )


def _options() -> list[Callable[[F], F]]:
    return [
        click.option(
            "--signers",
            type=click.Path(dir_okay=False),
            help="Signer policy (YAML/JSON, schemas/signers.schema.json): who may sign which role."
            " Turns signature checking on. Default: the configured one ('sovbom config').",
        ),
        click.option(
            "--certificate-identity",
            "--cert-identity",
            "cert_identity",
            metavar="ID",
            help="Instead of --signers: the one allowed signer's exact identity (certificate SAN),"
            " as cosign takes it. Needs --certificate-oidc-issuer[-regexp].",
        ),
        click.option(
            "--certificate-identity-regexp",
            "--cert-identity-regexp",
            "cert_identity_regexp",
            metavar="REGEXP",
            help="Instead of --signers: a regular expression that must match the whole signer"
            " identity.",
        ),
        click.option(
            "--certificate-oidc-issuer",
            "--cert-oidc-issuer",
            "cert_oidc_issuer",
            metavar="ISS",
            help="The exact OIDC issuer of the --certificate-identity[-regexp] signer.",
        ),
        click.option(
            "--certificate-oidc-issuer-regexp",
            "--cert-oidc-issuer-regexp",
            "cert_oidc_issuer_regexp",
            metavar="REGEXP",
            help="A regular expression that must match the whole OIDC issuer of the"
            " --certificate-identity[-regexp] signer.",
        ),
        click.option(
            "--trusted-root",
            type=click.Path(dir_okay=False),
            help="A Sigstore trusted_root.json to verify against (e.g. a private instance's; no"
            " network). Default: the configured one, when signatures are checked.",
        ),
        click.option(
            "--trust-config",
            type=click.Path(dir_okay=False),
            help="A Sigstore ClientTrustConfig (trusted root + signing config) of a private"
            " instance. Default: the configured one, when signatures are checked.",
        ),
        click.option("--staging", is_flag=True, help="Use the public-good staging instance."),
        click.option(
            "--offline",
            is_flag=True,
            help="Touch no network: use the given trusted root, or the public-good one from the"
            " local cache or sigstore-python's snapshot, without refresh.",
        ),
    ]


#: Every option :func:`trust_options` adds (for the test that checks each verifying command).
TRUST_OPTION_NAMES = (
    "--signers",
    "--certificate-identity",
    "--cert-identity",
    "--certificate-identity-regexp",
    "--cert-identity-regexp",
    "--certificate-oidc-issuer",
    "--cert-oidc-issuer",
    "--certificate-oidc-issuer-regexp",
    "--cert-oidc-issuer-regexp",
    "--trusted-root",
    "--trust-config",
    "--staging",
    "--offline",
)


def resolve_trust_args(given: dict[str, Any]) -> TrustArgs:
    """Check the options' combinations and fill in configured defaults."""
    args = TrustArgs(**given)
    if args.ad_hoc:
        if args.signers is not None:
            raise click.UsageError(
                "give either --signers FILE or --certificate-identity[-regexp] with"
                " --certificate-oidc-issuer[-regexp], not both"
            )
        if (args.cert_identity is None) == (args.cert_identity_regexp is None):
            raise click.UsageError(
                "give one of --certificate-identity and --certificate-identity-regexp"
                " (or --signers FILE)"
            )
        if (args.cert_oidc_issuer is None) == (args.cert_oidc_issuer_regexp is None):
            raise click.UsageError(
                "--certificate-identity[-regexp] needs one of --certificate-oidc-issuer and"
                " --certificate-oidc-issuer-regexp"
            )
    from sovbom.config import default_for

    signers = args.signers
    if signers is None and not args.ad_hoc:
        signers = default_for("signers")
    if signers is None and not args.ad_hoc:
        return args
    trusted_root, trust_config = args.trusted_root, args.trust_config
    if not (trusted_root or trust_config or args.staging):
        trusted_root = default_for("trusted-root")
        trust_config = None if trusted_root else default_for("trust-config")
    return TrustArgs(**{**given, "signers": signers, "trusted_root": trusted_root,
                        "trust_config": trust_config})  # fmt: skip


def trust_options(func: F) -> F:
    """The trust and identity options, handed to the command as one ``trust_args`` argument
    (a :class:`TrustArgs`, configured defaults filled in)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = {name: kwargs.pop(name) for name in _TRUST_PARAMS}
        kwargs["trust_args"] = resolve_trust_args(given)
        return func(*args, **kwargs)

    decorated: Any = wrapper
    for option in reversed(_options()):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


def load_trust_options(
    signers: str | None,
    trusted_root: str | None,
    trust_config: str | None,
    staging: bool,
    offline: bool,
) -> TrustOptions | None:
    """The signer policy and trust material to check signatures with, or None when no signer
    policy was given (the trust material is then never loaded: nothing touches the network)."""
    return TrustArgs(
        signers=signers,
        trusted_root=trusted_root,
        trust_config=trust_config,
        staging=staging,
        offline=offline,
    ).load()

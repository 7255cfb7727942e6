"""Who signed: the identities and OIDC issuer a Sigstore signing certificate records, and the
verification policy built from the allowed signers (:mod:`sovbom.signers`)."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from sigstore.errors import VerificationError

from sovbom.errors import InputError
from sovbom.signers import IdentityRule, SignerPolicy, identity_for_display, match_rules
from sovbom.signing.lean.identity import (
    certificate_identities as certificate_identities,
)
from sovbom.signing.lean.identity import (
    certificate_issuer as certificate_issuer,
)

#: Who may have signed: one rule, a sequence of rules (any of them), or a signer policy.
SignerSpec = IdentityRule | Sequence[IdentityRule] | SignerPolicy


#: Allowed signers named in a "signer not allowed" message; the rest are counted.
SIGNERS_SHOWN = 10


class SignerNotAllowed(VerificationError):
    """The certificate names no allowed signer. Its message is sovbom's own and is shown whole
    (the allowed signers are listed, up to :data:`SIGNERS_SHOWN`, then counted)."""


def describe_signers(rules: Sequence[IdentityRule]) -> str:
    """The allowed signers, for a message: every one up to :data:`SIGNERS_SHOWN`, then a count."""
    shown = "; ".join(r.describe() for r in rules[:SIGNERS_SHOWN])
    more = len(rules) - SIGNERS_SHOWN
    return shown + (f"; and {more} more allowed signers" if more > 0 else "")


class RulesPolicy:
    """A sigstore ``VerificationPolicy``: the certificate must satisfy at least one rule.

    An empty rule list is an error, never a pass.
    """

    def __init__(self, rules: Sequence[IdentityRule]) -> None:
        if not rules:
            raise InputError("no allowed signer given (an empty signer list allows nobody)")
        self.rules = tuple(rules)
        self.matched: IdentityRule | None = None
        #: SHA-256 fingerprints of certificates found to satisfy a rule (the answer depends on
        #: the certificate alone: a batch signed in one session shares one certificate).
        self._allowed: set[bytes] = set()

    def verify(self, cert: x509.Certificate) -> None:
        fingerprint = cert.fingerprint(hashes.SHA256())
        if fingerprint in self._allowed:
            return
        self._check(cert)
        self._allowed.add(fingerprint)

    def _check(self, cert: x509.Certificate) -> None:
        identities = certificate_identities(cert)
        issuer = certificate_issuer(cert)
        if issuer is None:
            raise VerificationError("certificate carries no (or inconsistent) OIDC issuer")
        for identity in identities:
            rule = match_rules(self.rules, identity, issuer)
            if rule is not None:
                self.matched = rule
                return
        wanted = describe_signers(self.rules)
        who = ", ".join(identity_for_display(i) for i in identities) or "no identity"
        if any(r.matches_issuer(issuer) for r in self.rules):
            what = "identity"
        elif any(r.identity_matches(i) for r in self.rules for i in identities):
            what = "issuer"
        else:
            what = "identity and issuer"
        raise SignerNotAllowed(
            f"signer not allowed (wrong {what}): certificate is for {who} from {issuer};"
            f" expected {wanted}"
        )


def rules_of(signers: SignerSpec, roles: Sequence[str] | None = None) -> list[IdentityRule]:
    """The identity rules of ``signers`` (with a policy: of ``roles``, all roles when ``None``)."""
    if isinstance(signers, IdentityRule):
        return [signers]
    if isinstance(signers, SignerPolicy):
        return signers.rules(roles)
    return list(signers)

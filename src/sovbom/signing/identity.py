"""Who signed: the identities and OIDC issuer a Sigstore signing certificate records, and the
verification policy built from the allowed signers (:mod:`sovbom.signers`)."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ObjectIdentifier
from sigstore.errors import VerificationError

from sovbom.errors import InputError
from sovbom.signers import IdentityRule, SignerPolicy, identity_for_display, match_rules

_OID_ISSUER_V1 = ObjectIdentifier("1.3.6.1.4.1.57264.1.1")
_OID_ISSUER_V2 = ObjectIdentifier("1.3.6.1.4.1.57264.1.8")
_OID_OTHERNAME_IDENTITY = ObjectIdentifier("1.3.6.1.4.1.57264.1.7")

#: Who may have signed: one rule, a sequence of rules (any of them), or a signer policy.
SignerSpec = IdentityRule | Sequence[IdentityRule] | SignerPolicy


def _der_utf8(raw: bytes) -> str | None:
    """Decode a DER UTF8String (tag 0x0C), or ``None`` when it is not one."""
    if len(raw) < 2 or raw[0] != 0x0C:
        return None
    length, offset = raw[1], 2
    if length & 0x80:
        n = length & 0x7F
        length, offset = int.from_bytes(raw[2 : 2 + n], "big"), 2 + n
    try:
        return raw[offset : offset + length].decode("utf-8")
    except UnicodeDecodeError:
        return None


def certificate_identities(cert: x509.Certificate) -> list[str]:
    """The identities (SANs: e-mail, URI, Sigstore other-name) of a signing certificate."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    out: list[str] = [*san.get_values_for_type(x509.RFC822Name)]
    out.extend(san.get_values_for_type(x509.UniformResourceIdentifier))
    for other in san.get_values_for_type(x509.OtherName):
        if other.type_id == _OID_OTHERNAME_IDENTITY:
            decoded = _der_utf8(other.value)
            out.append(decoded if decoded is not None else other.value.decode("utf-8", "replace"))
    return out


def certificate_issuer(cert: x509.Certificate) -> str | None:
    """The OIDC issuer recorded by the CA (extension 1.3.6.1.4.1.57264.1.8, else legacy .1.1).

    When both are present they must agree; otherwise ``None`` is returned and no policy matches.
    """
    v2 = v1 = None
    try:
        ext = cert.extensions.get_extension_for_oid(_OID_ISSUER_V2).value
        if isinstance(ext, x509.UnrecognizedExtension):
            v2 = _der_utf8(ext.value)
    except x509.ExtensionNotFound:
        pass
    try:
        ext = cert.extensions.get_extension_for_oid(_OID_ISSUER_V1).value
        if isinstance(ext, x509.UnrecognizedExtension):
            v1 = ext.value.decode("utf-8", "replace")
    except x509.ExtensionNotFound:
        pass
    if v1 is not None and v2 is not None and v1 != v2:
        return None
    return v2 if v2 is not None else v1


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

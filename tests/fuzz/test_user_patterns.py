"""Patterns written by users (supplier registry ``match``, signer ``identity_regexp``) run on
text from hostile inputs only within a bound: a long field cannot make them run for minutes."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ObjectIdentifier
from sigstore.errors import VerificationError

from sovbom.collect.suppliers import MAX_NAME_CHARS, SupplierRegistry, parse_registry
from sovbom.signers import MAX_IDENTITY_CHARS, IdentityRule, identity_for_display
from sovbom.signing.identity import RulesPolicy

#: Cubic backtracking when the text holds no ``=``: instant on 256 characters, hours on 100,000.
SLOW_PATTERN = ".*.*.*="
LONG = "a" * 100_000
ISSUER = "https://issuer.example"


def _registry(*patterns: str) -> SupplierRegistry:
    return parse_registry(
        {
            "version": 1,
            "suppliers": [
                {"name": "Slow", "country": "FI", "match": [SLOW_PATTERN], "sources": "test"},
                {"name": "Example", "country": "SE", "match": list(patterns), "sources": "test"},
            ],
        },
        "registry",
    )


@pytest.mark.timeout(10)
def test_supplier_patterns_see_a_bounded_name() -> None:
    registry = _registry("example bios", f"x{{{MAX_NAME_CHARS + 1}}}")
    assert registry.lookup(LONG) is None
    # the first MAX_NAME_CHARS characters, blanks collapsed, are what a pattern sees
    hit = registry.lookup("Example   BIOS" + " " * 10_000 + "Company" + LONG)
    assert hit is not None and hit.name == "Example"
    assert registry.lookup("x" * (MAX_NAME_CHARS + 1)) is None


@pytest.mark.timeout(10)
def test_identity_regexp_never_runs_on_a_huge_identity() -> None:
    rule = IdentityRule(issuer=ISSUER, identity_regexp=SLOW_PATTERN)
    assert not rule.matches(LONG, ISSUER)
    bounded = IdentityRule(issuer=ISSUER, identity_regexp="a+")
    assert bounded.matches("a" * MAX_IDENTITY_CHARS, ISSUER)
    assert not bounded.matches("a" * (MAX_IDENTITY_CHARS + 1), ISSUER)
    exact = IdentityRule(issuer=ISSUER, identity="a" * (MAX_IDENTITY_CHARS + 1))
    assert not exact.matches("a" * (MAX_IDENTITY_CHARS + 1), ISSUER)


def _certificate(identity: str) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test")])
    issuer_der = b"\x0c" + bytes([len(ISSUER)]) + ISSUER.encode()
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(minutes=10))
        .add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(identity)]), False
        )
        .add_extension(
            x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.57264.1.8"), issuer_der),
            False,
        )
        .sign(key, hashes.SHA256())
    )


@pytest.mark.timeout(10)
def test_huge_certificate_identity_is_refused_with_a_reason() -> None:
    identity = "https://ci.example/" + LONG
    policy = RulesPolicy([IdentityRule(issuer=ISSUER, identity_regexp=SLOW_PATTERN)])
    with pytest.raises(VerificationError) as info:
        policy.verify(_certificate(identity))
    message = str(info.value)
    assert f"longer than {MAX_IDENTITY_CHARS}, matches no signer" in message
    assert len(message) < 1000  # the identity is not printed whole
    assert identity_for_display("https://ci.example/x") == "https://ci.example/x"

"""The batch verifier's memory of certificate chains: one validation per signing certificate.

A chain validated for one bundle is reused for another bundle of the same certificate signed at
another time, but only when that time lies within the validity period of every certificate of
the chain; anything else (another certificate, another CA, a time outside a period) is
validated again, and fails as it would without the memory.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sigstore._internal.timestamp import TimestampSource, TimestampVerificationResult
from sigstore.errors import CertValidationError
from sigstore.models import ClientTrustConfig
from sigstore.verify import Verifier

from sigstore_local import DEFAULT_ISSUER, InstanceKeys
from sovbom.signing._batch import BatchVerifier

IDENTITY = "factory-signer@acme-servers.example"


def _verifier(keys: InstanceKeys) -> BatchVerifier:
    config = ClientTrustConfig.from_json(json.dumps(keys.trust_config("http://127.0.0.1:1")))
    return BatchVerifier(trusted_root=config.trusted_root)


def _leaf(keys: InstanceKeys) -> x509.Certificate:
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    return keys.issue_leaf(public, IDENTITY, DEFAULT_ISSUER)


def _at(t: dt.datetime) -> TimestampVerificationResult:
    return TimestampVerificationResult(source=TimestampSource.TRANSPARENCY_SERVICE, time=t)


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[dt.datetime]:
    """Record the times at which sigstore-python itself validates a chain."""
    calls: list[dt.datetime] = []
    original = Verifier._verify_chain_at_time

    def counting(self: Any, cert: x509.Certificate, ts: TimestampVerificationResult) -> Any:
        calls.append(ts.time)
        return original(self, cert, ts)

    monkeypatch.setattr(Verifier, "_verify_chain_at_time", counting)
    return calls


def _short_intermediate(keys: InstanceKeys, not_after: dt.datetime) -> None:
    """Re-issue the instance's intermediate (same name and key) to expire at ``not_after``."""
    old = keys.intermediate_cert
    builder = (
        x509.CertificateBuilder()
        .subject_name(old.subject)
        .issuer_name(old.issuer)
        .public_key(keys.intermediate_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(old.not_valid_before_utc)
        .not_valid_after(not_after)
    )
    for ext in old.extensions:
        builder = builder.add_extension(ext.value, ext.critical)
    keys.intermediate_cert = builder.sign(keys.root_key, hashes.SHA384())


def test_one_validation_per_certificate_whatever_the_signed_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys = InstanceKeys()
    verifier, leaf = _verifier(keys), _leaf(keys)
    calls = _counting(monkeypatch)
    start = leaf.not_valid_before_utc
    chains = [verifier._verify_chain_at_time(leaf, _at(start + dt.timedelta(seconds=s)))
              for s in (0, 1, 59, 600)]  # fmt: skip
    assert len(calls) == 1
    assert all(c == chains[0] for c in chains)
    assert chains[0][0] == keys.intermediate_cert  # the issuer, first


@pytest.mark.parametrize("offset", [dt.timedelta(seconds=-1), dt.timedelta(seconds=2)])
def test_a_remembered_chain_does_not_extend_the_leaf_validity(
    monkeypatch: pytest.MonkeyPatch, offset: dt.timedelta
) -> None:
    keys = InstanceKeys()
    verifier, leaf = _verifier(keys), _leaf(keys)
    verifier._verify_chain_at_time(leaf, _at(leaf.not_valid_before_utc))
    calls = _counting(monkeypatch)
    edge = leaf.not_valid_before_utc if offset < dt.timedelta(0) else leaf.not_valid_after_utc
    for _ in range(2):  # a failure is never remembered
        with pytest.raises(CertValidationError):
            verifier._verify_chain_at_time(leaf, _at(edge + offset))
    assert len(calls) == 2


def test_a_remembered_chain_does_not_extend_the_intermediate_validity() -> None:
    """The leaf is still valid, its intermediate has expired: the chain does not validate."""
    keys = InstanceKeys()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    _short_intermediate(keys, now + dt.timedelta(minutes=3))
    verifier, leaf = _verifier(keys), _leaf(keys)
    assert leaf.not_valid_after_utc > now + dt.timedelta(minutes=5)
    assert verifier._verify_chain_at_time(leaf, _at(now))
    late = _at(now + dt.timedelta(minutes=5))  # within the leaf's period, past the intermediate's
    with pytest.raises(CertValidationError):
        verifier._verify_chain_at_time(leaf, late)
    with pytest.raises(CertValidationError):  # what a fresh verifier says too
        _verifier(keys)._verify_chain_at_time(leaf, late)


def test_a_remembered_chain_never_vouches_for_another_certificate() -> None:
    """A certificate of another CA, with the same names and identity, is not the one remembered."""
    ours, theirs = InstanceKeys(), InstanceKeys()  # same CA names: only the keys differ
    verifier = _verifier(ours)
    leaf, foreign = _leaf(ours), _leaf(theirs)
    assert foreign.issuer == leaf.issuer and foreign.extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    ) == leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    t = _at(leaf.not_valid_before_utc + dt.timedelta(seconds=1))
    verifier._verify_chain_at_time(leaf, t)
    for _ in range(2):
        with pytest.raises(CertValidationError):
            verifier._verify_chain_at_time(foreign, t)


def test_each_verifier_remembers_for_its_own_trusted_root() -> None:
    """A chain validated under one root (one set of CA keys) is not reused under another."""
    ours, theirs = InstanceKeys(), InstanceKeys()
    leaf = _leaf(ours)
    t = _at(leaf.not_valid_before_utc + dt.timedelta(seconds=1))
    _verifier(ours)._verify_chain_at_time(leaf, t)
    with pytest.raises(CertValidationError):
        _verifier(theirs)._verify_chain_at_time(leaf, t)

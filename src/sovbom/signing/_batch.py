"""A sigstore ``Verifier`` for many bundles: what is the same for them is computed once.

sigstore-python verifies every bundle from scratch: it rebuilds the transparency log and CT log
keyrings from the trusted root, validates the signing certificate's chain at the signed time and
checks the certificate's SCT, although a batch signed in one session shares one certificate and
its bundles are integrated within the same few seconds. :class:`BatchVerifier` remembers the
results of these steps for identical inputs only, so every check still runs on every bundle:

* keyrings are built once per verifier (they depend on the trusted root alone);
* a signing certificate's chain is validated once per certificate: the validation is a function
  of the certificate, the trusted CA certificates (fixed per verifier) and the time, and it
  depends on the time only through the validity periods of the certificates of the chain. The
  chain found is reused for a later time only when that time lies within the validity period of
  every certificate of it (leaf, intermediates and root: inclusive bounds, as X.509 has them);
  any other time validates again. The trust root's own windows (``validFor``) are applied before
  this verifier is chosen (:meth:`sovbom.signing.TrustMaterial.verifier_at`: one verifier, and
  one memory, per set of CA keys valid at the bundle's times);
* a CT log signature is checked once per (key id, signature, signed data) triple.

Only successes are remembered; a failure is recomputed (and raised) each time. The memories are
bounded (:data:`MEMO_LIMIT` entries each, then emptied).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import hashes
from cryptography.x509 import Certificate
from sigstore._internal.trust import Keyring, KeyringPurpose
from sigstore.models import TrustedRoot
from sigstore.verify import Verifier

if TYPE_CHECKING:
    from sigstore._internal.timestamp import TimestampVerificationResult
    from sigstore._internal.trust import CTKeyring, RekorKeyring
    from sigstore._utils import KeyID

#: Entries each memory holds before it is emptied (a chain is a few certificates).
MEMO_LIMIT = 4096


class _MemoKeyring(Keyring):
    """A keyring that remembers the (key id, signature, data) triples it verified."""

    def __init__(self, inner: Keyring) -> None:  # no super().__init__(): ``inner`` holds the keys
        self._inner = inner
        self._verified: set[tuple[bytes, bytes, bytes]] = set()

    def verify(self, *, key_id: KeyID, signature: bytes, data: bytes) -> None:
        key = (bytes(key_id), signature, data)
        if key in self._verified:
            return
        self._inner.verify(key_id=key_id, signature=signature, data=data)
        if len(self._verified) >= MEMO_LIMIT:
            self._verified.clear()
        self._verified.add(key)


class _BatchRoot(TrustedRoot):
    """A trusted root whose keyrings are built once (the CT keyring remembers what it verified)."""

    def __init__(self, root: TrustedRoot) -> None:
        super().__init__(root._inner)
        self._rekor: dict[KeyringPurpose, RekorKeyring] = {}
        self._ct: dict[KeyringPurpose, CTKeyring] = {}

    def rekor_keyring(self, purpose: KeyringPurpose) -> RekorKeyring:
        if purpose not in self._rekor:
            self._rekor[purpose] = super().rekor_keyring(purpose)
        return self._rekor[purpose]

    def ct_keyring(self, purpose: KeyringPurpose) -> CTKeyring:
        if purpose not in self._ct:
            ring = super().ct_keyring(purpose)
            # SCTs repeat (one per certificate); checkpoints and SETs do not: only CT remembers.
            self._ct[purpose] = ring if purpose is not KeyringPurpose.VERIFY else _ct(ring)
        return self._ct[purpose]


def _ct(ring: Keyring) -> CTKeyring:
    return _MemoKeyring(ring)  # type: ignore[return-value]  # CTKeyring is NewType(Keyring)


@dataclass(frozen=True, slots=True)
class _Chain:
    """A validated chain (without the leaf) and the period in which all of it is valid."""

    certificates: tuple[Certificate, ...]
    valid_from: dt.datetime
    valid_until: dt.datetime

    def covers(self, t: dt.datetime) -> bool:
        return self.valid_from <= t <= self.valid_until


def _valid_period(certificates: list[Certificate]) -> tuple[dt.datetime, dt.datetime]:
    """The period in which every one of ``certificates`` is valid (may be empty: start > end)."""
    start = max(c.not_valid_before_utc for c in certificates)
    end = min(c.not_valid_after_utc for c in certificates)
    return start, end


class BatchVerifier(Verifier):
    """sigstore-python's ``Verifier``, remembering results that many bundles share."""

    def __init__(self, *, trusted_root: TrustedRoot) -> None:
        super().__init__(trusted_root=_BatchRoot(trusted_root))
        #: SHA-256 of the leaf certificate (DER) -> its validated chain and the chain's period
        self._chains: dict[bytes, _Chain] = {}

    def _verify_chain_at_time(
        self, certificate: Certificate, timestamp_result: TimestampVerificationResult
    ) -> list[Certificate]:
        key = certificate.fingerprint(hashes.SHA256())
        t = timestamp_result.time
        known = self._chains.get(key)
        if known is not None and known.covers(t):
            return list(known.certificates)
        chain = super()._verify_chain_at_time(certificate, timestamp_result)
        start, end = _valid_period([certificate, *chain])
        if start <= t <= end:  # else: not reused (a validator that ignored a period)
            if len(self._chains) >= MEMO_LIMIT:
                self._chains.clear()
            self._chains[key] = _Chain(tuple(chain), start, end)
        return list(chain)

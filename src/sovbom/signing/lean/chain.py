"""The signing certificate's chain to a certificate authority of the trusted root, at a time.

Validation is cryptography's X.509 path validation with the Web PKI defaults, extended key usage
allowed on the CA and leaf (as sigstore-python validates Fulcio chains), with every certificate
of the authorities valid at that time as a trust anchor. A chain is validated once per
(certificate, time, authorities) and only successes are remembered.
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from sovbom.signing.lean._base import MEMO_LIMIT, Rejected
from sovbom.signing.lean.root import LeanRoot


class Chains:
    def __init__(self, root: LeanRoot) -> None:
        self._root = root
        self._ok: dict[tuple[bytes, dt.datetime, tuple[int, ...]], x509.Certificate] = {}
        self._ca_policy = ExtensionPolicy.webpki_defaults_ca().may_be_present(
            x509.ExtendedKeyUsage, Criticality.NON_CRITICAL, None
        )
        self._ee_policy = ExtensionPolicy.webpki_defaults_ee().may_be_present(
            x509.ExtendedKeyUsage, Criticality.NON_CRITICAL, None
        )

    def issuer(
        self, leaf: x509.Certificate, leaf_der: bytes, t: dt.datetime, now: dt.datetime
    ) -> x509.Certificate:
        """The certificate that issued ``leaf``, once the chain validates at ``t``."""
        anchors = self._root.anchors(t, now)
        if not anchors:
            raise Rejected("no certificate authority valid at the signing time")
        key = (leaf_der, t, anchors)
        issuer = self._ok.get(key)
        if issuer is not None:
            return issuer
        store = Store([c for i in anchors for c in self._root.authorities[i].certificates])
        verifier = (
            PolicyBuilder()
            .store(store)
            .time(t)
            .extension_policies(ca_policy=self._ca_policy, ee_policy=self._ee_policy)
            .build_client_verifier()
        )
        try:
            chain = verifier.verify(leaf, []).chain
        except (VerificationError, x509.UnsupportedGeneralNameType, ValueError) as e:
            raise Rejected(f"certificate chain: {e}") from e
        if len(chain) < 2:
            raise Rejected("certificate chain: no issuer")
        if len(self._ok) >= MEMO_LIMIT:
            self._ok.clear()
        self._ok[key] = chain[1]
        return chain[1]

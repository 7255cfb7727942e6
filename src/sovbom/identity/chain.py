"""Certificate chains to a configured hardware anchor, validated once per intermediate path.

A shipment holds thousands of device leaves under a handful of vendor intermediates. The CA part
of a chain (intermediates up to the anchor) is validated once and cached, keyed by the anchors it
was validated against and the DER of its certificates: signatures, issuer names, CA constraints
and path lengths. What depends on the time of checking (each certificate's validity window) is
kept with the cached path and checked again at every use, so one cached path serves any time.
CA certificates are parsed once (by DER) and their public keys loaded once. Each leaf then costs
one parse and one signature check. The checks are RFC 5280 path checks without name constraints
or policies (device PKIs use neither); an unknown critical extension anywhere fails the chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from sovbom.identity.anchors import Anchor, TrustStore
from sovbom.identity.reasons import Finding, Reason


@dataclass(frozen=True, slots=True)
class ChainOk:
    """A chain that holds: the anchor it leads to and the CA certificates between."""

    anchor: Anchor
    leaf: x509.Certificate
    cas: tuple[x509.Certificate, ...]  # intermediates, leaf side first, anchor excluded


_INFINITE = 1 << 30


@dataclass(frozen=True, slots=True)
class _CaPath:
    anchor: Anchor
    windows: tuple[tuple[x509.Certificate, datetime, datetime], ...]  # (cert, not before, after)
    #: how many more CA certificates may sit below this path's lowest CA (pathLenConstraint)
    slack: int


def _name(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string() or "(empty subject)"


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> str | None:
    """None when ``issuer`` signed ``cert``, else what is wrong."""
    try:
        cert.verify_directly_issued_by(issuer)
    except ValueError:
        return f"{_name(cert)} is not issued by {_name(issuer)}"
    except InvalidSignature:
        return f"the signature on {_name(cert)} does not verify with {_name(issuer)}'s key"
    except (TypeError, UnsupportedAlgorithm) as e:
        return f"{_name(cert)}: unsupported signature: {e}"
    return None


def _leaf_issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> str | None:
    """:func:`_issued_by` for a leaf under an EC issuer: its signature verified with the
    issuer's key directly (the key loaded once per issuer certificate)."""
    key = issuer.public_key()
    params = cert.signature_algorithm_parameters
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(params, ec.ECDSA):
        return _issued_by(cert, issuer)
    if cert.issuer != issuer.subject:
        return f"{_name(cert)} is not issued by {_name(issuer)}"
    try:
        key.verify(cert.signature, cert.tbs_certificate_bytes, params)
    except InvalidSignature:
        return f"the signature on {_name(cert)} does not verify with {_name(issuer)}'s key"
    return None


def _unknown_critical(cert: x509.Certificate) -> str | None:
    for ext in cert.extensions:
        if ext.critical and isinstance(ext.value, x509.UnrecognizedExtension):
            return f"{_name(cert)} has an unknown critical extension {ext.oid.dotted_string}"
    return None


def _ca_problem(cert: x509.Certificate) -> str | None:
    """What keeps ``cert`` from acting as a CA (path lengths are checked by the caller)."""
    try:
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return f"{_name(cert)} is used as a CA but has no basicConstraints"
    if not bc.ca:
        return f"{_name(cert)} is used as a CA but is not one (basicConstraints cA false)"
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None
    if not ku.key_cert_sign:
        return f"{_name(cert)} is used as a CA but its keyUsage lacks keyCertSign"
    return _unknown_critical(cert)


def _window(cert: x509.Certificate) -> tuple[x509.Certificate, datetime, datetime]:
    return (cert, cert.not_valid_before_utc, cert.not_valid_after_utc)


def _time_finding(
    windows: Sequence[tuple[x509.Certificate, datetime, datetime]], at: datetime
) -> Finding | None:
    """The first certificate not valid at ``at`` (checked at every use: never cached)."""
    for cert, start, end in windows:
        if at < start:
            return Finding(
                Reason.CERTIFICATE_NOT_YET_VALID, f"{_name(cert)} is valid from {start.isoformat()}"
            )
        if at > end:
            return Finding(Reason.CERTIFICATE_EXPIRED, f"{_name(cert)} expired {end.isoformat()}")
    return None


def order_leaf_first(chain: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """SPDM stores chains root first, PEM bundles usually leaf first: return leaf first."""
    certs = list(chain)
    if (
        len(certs) > 1
        and certs[0].subject == certs[0].issuer
        and certs[-1].subject != certs[-1].issuer
    ):
        certs.reverse()
    return certs


class ChainValidator:
    """Validates device chains against a :class:`TrustStore`; caches each intermediate's path.

    The cache is keyed by the store's anchors and the DER of an intermediate and of every
    certificate above it, so a per-device CA certificate (NVIDIA's GSP BROM "DeviceID"
    certificate, for one) costs one check while the vendor intermediates above it are checked
    once for the whole shipment. Validity windows are checked at each use, never cached.
    """

    def __init__(self, store: TrustStore) -> None:
        self.store = store
        self._paths: dict[tuple[tuple[bytes, ...], tuple[bytes, ...]], _CaPath | Finding] = {}
        #: CA certificates parsed once, by DER (parsing does not depend on roots or time)
        self._certs: dict[bytes, x509.Certificate] = {}
        self._subjects: dict[bytes, str] = {}
        self.cache_hits = 0
        self.cache_misses = 0

    def using(self, store: TrustStore) -> ChainValidator:
        """This validator, validating against ``store`` from now on (its cache is keyed by the
        anchors, so what was validated against other anchors is never reused)."""
        self.store = store
        return self

    def load(self, ders: Sequence[bytes]) -> tuple[list[x509.Certificate], list[bytes]] | Finding:
        """The chain parsed, leaf first (SPDM stores chains root first), with its DER.

        Every certificate but the leaf is parsed once per validator."""
        if not ders:
            return Finding(Reason.EVIDENCE_UNREADABLE, "no device certificate")
        order = list(ders)
        try:
            if len(order) > 1 and not self._self_signed(order[-1]) and self._self_signed(order[0]):
                order.reverse()
            certs = [x509.load_der_x509_certificate(order[0])]
            certs += [self._cert(d) for d in order[1:]]
        except ValueError as e:
            return Finding(Reason.EVIDENCE_UNREADABLE, f"certificate: {e}")
        return certs, order

    def anchor_subject(self, anchor: Anchor) -> str:
        """The anchor's subject (RFC 4514), worked out once."""
        name = self._subjects.get(anchor.der)
        if name is None:
            name = self._subjects[anchor.der] = _name(anchor.cert)
        return name

    def _cert(self, der: bytes) -> x509.Certificate:
        cert = self._certs.get(der)
        if cert is None:
            cert = self._certs[der] = x509.load_der_x509_certificate(der)
        return cert

    def _self_signed(self, der: bytes) -> bool:
        cert = self._cert(der)
        return cert.subject == cert.issuer

    def validate(self, chain: Sequence[x509.Certificate], at: datetime) -> ChainOk | Finding:
        """The chain (either order) validated at ``at``, or the first reason it does not hold."""
        certs = order_leaf_first(chain)
        if not certs:
            return Finding(Reason.EVIDENCE_UNREADABLE, "no certificate in the chain")
        return self.validate_loaded(certs, [c.public_bytes(Encoding.DER) for c in certs], at)

    def validate_loaded(
        self, certs: Sequence[x509.Certificate], ders: Sequence[bytes], at: datetime
    ) -> ChainOk | Finding:
        """A chain from :meth:`load` (leaf first, with the DER of each) validated at ``at``."""
        leaf = certs[0]
        cas: list[x509.Certificate] = []
        ca_ders: list[bytes] = []
        for cert, der in zip(certs[1:], ders[1:], strict=True):
            if self.store.exact(der) is not None:
                break  # the anchor itself, included in the chain
            cas.append(cert)
            ca_ders.append(der)
        path = self._path(cas, tuple(ca_ders), leaf)
        if isinstance(path, Finding):
            return path
        issuer = cas[0] if cas else path.anchor.cert
        problem = _leaf_issued_by(leaf, issuer) or _unknown_critical(leaf)
        if problem:
            return Finding(Reason.CHAIN_INVALID, problem)
        late = _time_finding((_window(leaf), *path.windows), at)
        if late:
            return late
        return ChainOk(path.anchor, leaf, tuple(cas))

    def _path(
        self, cas: list[x509.Certificate], ders: tuple[bytes, ...], below: x509.Certificate
    ) -> _CaPath | Finding:
        """The validated path from ``cas[0]`` (or, with no CA, ``below``'s issuer) to an anchor."""
        key = (self.store.key, ders or (b"issuer:" + below.issuer.public_bytes(),))
        cached = self._paths.get(key)
        if cached is not None:
            self.cache_hits += 1
            return cached
        self.cache_misses += 1
        result: _CaPath | Finding
        if not cas:
            anchor = self._anchor_for(below)
            named = self.store.issuers_of(below)
            if anchor is None and named:
                problem = _issued_by(below, named[0].cert) or "no configured root signed it"
                result = Finding(Reason.CHAIN_INVALID, problem)
            elif anchor is None:
                result = Finding(
                    Reason.CHAIN_UNTRUSTED,
                    f"{_name(below)} (issuer {below.issuer.rfc4514_string()}) leads to no"
                    " configured root",
                )
            else:
                result = _CaPath(anchor, (_window(anchor.cert),), _INFINITE)
        else:
            upper = self._path(cas[1:], ders[1:], cas[0])
            result = upper if isinstance(upper, Finding) else self._extend(cas, upper)
        self._paths[key] = result
        return result

    @staticmethod
    def _extend(cas: list[x509.Certificate], upper: _CaPath) -> _CaPath | Finding:
        cert = cas[0]
        issuer = cas[1] if len(cas) > 1 else upper.anchor.cert
        problem = _issued_by(cert, issuer) or _ca_problem(cert)
        if problem:
            return Finding(Reason.CHAIN_INVALID, problem)
        limit = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length
        slack = min(upper.slack - 1, _INFINITE if limit is None else limit)
        if slack < 0:
            return Finding(Reason.CHAIN_INVALID, f"the path below {_name(issuer)} is too long")
        return _CaPath(upper.anchor, (_window(cert), *upper.windows), slack)

    def _anchor_for(self, top: x509.Certificate) -> Anchor | None:
        for anchor in self.store.issuers_of(top):
            if _issued_by(top, anchor.cert) is None:
                return anchor
        return None

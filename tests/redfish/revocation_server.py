"""A loopback OCSP responder and CRL server for a synthetic device PKI whose certificates name
them (Authority Information Access, CRL distribution points).

:class:`RevocablePKI` wraps the tests' :class:`VendorPKI`: the intermediate is re-issued with a
CRL distribution point (the root's CRL), each device leaf with an OCSP responder. The server
answers OCSP requests for the leaves (signed by the intermediate) and serves the root's CRL;
``revoked`` holds the serial numbers it reports as revoked. Test-only.
"""

from __future__ import annotations

import socket
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID
from spdm_bmc import Device, VendorPKI


def closed_port_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _reissue(cert: x509.Certificate, key: Any, extra: list[x509.ExtensionType]) -> x509.Certificate:
    b = (
        x509.CertificateBuilder()
        .subject_name(cert.subject)
        .issuer_name(cert.issuer)
        .public_key(cert.public_key())
        .serial_number(cert.serial_number)
        .not_valid_before(cert.not_valid_before_utc)
        .not_valid_after(cert.not_valid_after_utc)
    )
    for ext in cert.extensions:
        b = b.add_extension(ext.value, ext.critical)
    for value in extra:
        b = b.add_extension(value, critical=False)
    return b.sign(key, hashes.SHA384())


class RevocablePKI:
    """A vendor PKI whose intermediate names a CRL and whose leaves name an OCSP responder."""

    def __init__(self, vendor: str, base_url: str, *, with_urls: bool = True) -> None:
        self.pki = VendorPKI(vendor, curve="P-384")
        self.base_url = base_url
        self.with_urls = with_urls
        self.revoked: set[int] = set()
        self.leaves: dict[int, x509.Certificate] = {}
        if with_urls:
            cdp = x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(f"{base_url}/crl/root.crl")],
                        None,
                        None,
                        None,
                    )
                ]
            )
            self.pki.ica = _reissue(self.pki.ica, self.pki.root_key, [cdp])

    @property
    def vendor(self) -> str:
        return self.pki.vendor

    @property
    def root(self) -> x509.Certificate:
        return self.pki.root

    def device(self) -> Device:
        d = self.pki.device()
        if self.with_urls:
            aia = x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier(f"{self.base_url}/ocsp"),
                    )
                ]
            )
            d.leaf = _reissue(d.leaf, self.pki.ica_key, [aia])
        d.chain = [d.leaf, self.pki.ica, self.pki.root]
        self.leaves[d.leaf.serial_number] = d.leaf
        return d

    def ocsp_answer(self, request: bytes) -> bytes:
        req = ocsp.load_der_ocsp_request(request)
        leaf = self.leaves.get(req.serial_number)
        if leaf is None:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.UNAUTHORIZED
            ).public_bytes(serialization.Encoding.DER)
        now = datetime.now(UTC)
        revoked = leaf.serial_number in self.revoked
        builder = ocsp.OCSPResponseBuilder().add_response(
            cert=leaf,
            issuer=self.pki.ica,
            algorithm=req.hash_algorithm,
            cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
            this_update=now - timedelta(hours=1),
            next_update=now + timedelta(days=7),
            revocation_time=now - timedelta(days=1) if revoked else None,
            revocation_reason=x509.ReasonFlags.key_compromise if revoked else None,
        )
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, self.pki.ica)
        return builder.sign(self.pki.ica_key, hashes.SHA384()).public_bytes(
            serialization.Encoding.DER
        )

    def crl(self) -> bytes:
        now = datetime.now(UTC)
        b = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.pki.root.subject)
            .last_update(now - timedelta(days=1))
            .next_update(now + timedelta(days=30))
        )
        if self.pki.ica.serial_number in self.revoked:
            b = b.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(self.pki.ica.serial_number)
                .revocation_date(now - timedelta(days=2))
                .build()
            )
        return b.sign(self.pki.root_key, hashes.SHA384()).public_bytes(serialization.Encoding.DER)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802
        rs = self.server.rs
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        rs.hits[("POST", self.path)] += 1
        if self.path != "/ocsp" or rs.pki is None:
            self._send(404, b"", "text/plain")
        elif rs.fail:
            self._send(rs.fail, b"", "text/plain")
        else:
            self._send(200, rs.pki.ocsp_answer(body), "application/ocsp-response")

    def do_GET(self) -> None:  # noqa: N802
        rs = self.server.rs
        rs.hits[("GET", self.path)] += 1
        if self.path != "/crl/root.crl" or rs.pki is None:
            self._send(404, b"", "text/plain")
        elif rs.fail:
            self._send(rs.fail, b"", "text/plain")
        else:
            self._send(200, rs.pki.crl(), "application/pkix-crl")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    rs: RevocationServer


class RevocationServer:
    """OCSP (``POST /ocsp``) and CRL (``GET /crl/root.crl``) on 127.0.0.1; a context manager.

    ``fail``: answer every request with this HTTP status instead.
    """

    def __init__(self) -> None:
        self.pki: RevocablePKI | None = None
        self.fail = 0
        self.hits: Counter[tuple[str, str]] = Counter()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.rs = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> RevocationServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

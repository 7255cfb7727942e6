"""``--capture-revocation``: fetch the revocation status of collected device certificates.

Online, at collection time, so that verification can be offline later. For each certificate of
each chain a part carries (below a self-signed root):

* an OCSP response from each responder its Authority Information Access names (the request
  built with :mod:`cryptography.x509.ocsp`: the certificate's serial number and its issuer's name
  and key hashes, SHA-1 as RFC 5019 asks; no nonce extension), POSTed as
  ``application/ocsp-request``;
* else the CRL of each of its CRL distribution points (``http``/``https`` URIs).

What comes back is kept on the part as it came (DER), in a ``data:`` URI referenced with its
SHA-256 (:func:`sovbom.identity.cdx.revocation_reference`, ``sovbom:identity:revocation``): that
is what ``verify-hardware`` reads, checking each signature itself. A certificate whose status
could not be fetched (no URL, unreachable, an error answer) is recorded as not captured
(``sovbom:identity:revocation-not-captured``, with the reason); verification then says
"revocation not checked", never "good".

Every fetch is bounded: ``timeout`` seconds from connecting to the last byte, at most
:data:`MAX_OCSP_BYTES` / :data:`MAX_CRL_BYTES`, no redirects, no proxy from the environment, and
the whole capture within :data:`DEADLINE_TIMEOUTS` times ``timeout``. The same URL (a CRL
shared by many devices) is fetched once.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
import urllib3
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID
from urllib3.util.retry import Retry

from sovbom import taxonomy as tx
from sovbom.collect.redfish.deadline import GuardedAdapter, OutOfTime, Watchdog
from sovbom.identity import cdx
from sovbom.model import Component

log = logging.getLogger("sovbom")

NOT_CAPTURED = tx.IDENTITY_REVOCATION_NOT_CAPTURED
MAX_OCSP_BYTES = 1024 * 1024
MAX_CRL_BYTES = 16 * 1024 * 1024
#: The budget of a whole capture, in multiples of the per-request timeout.
DEADLINE_TIMEOUTS = 60
_SCHEMES = ("http", "https")


class _Client:
    """Bounded GETs and POSTs to OCSP responders and CRL servers; answers cached by request."""

    def __init__(self, timeout: float, retries: int) -> None:
        self.timeout = timeout
        self.budget_end = time.monotonic() + DEADLINE_TIMEOUTS * timeout
        self.session = requests.Session()
        self.session.trust_env = False
        retry = Retry(total=retries, connect=retries, read=0, status=0, redirect=0, other=0)
        adapter = GuardedAdapter(max_retries=retry, pool_connections=4, pool_maxsize=4)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update({"Accept-Encoding": "identity"})
        self._watchdog = Watchdog()
        self._cache: dict[tuple[str, bytes], bytes | str] = {}

    def close(self) -> None:
        self.session.close()
        self._watchdog.close()

    def fetch(self, url: str, request: bytes | None, cap: int) -> bytes | str:
        """The body of a 200 answer, or why there is none (POST when ``request`` is given)."""
        key = (url, request or b"")
        if key not in self._cache:
            self._cache[key] = self._fetch(url, request, cap)
        return self._cache[key]

    def _fetch(self, url: str, request: bytes | None, cap: int) -> bytes | str:
        if urlsplit(url).scheme.lower() not in _SCHEMES:
            return "not an http(s) URL; not fetched"
        with self._watchdog.guard(self.timeout, self.budget_end) as guard:
            try:
                resp = self.session.request(
                    "POST" if request is not None else "GET",
                    url,
                    data=request,
                    headers={"Content-Type": "application/ocsp-request"} if request else None,
                    timeout=(self.timeout, self.timeout),
                    allow_redirects=False,
                    stream=True,
                )
            except OutOfTime:
                return "the capture's deadline was spent"
            except requests.RequestException as e:
                if guard.expired:
                    return f"timed out after {self.timeout:g} s"
                return "unreachable (" + _reason(e) + ")"
            try:
                if resp.status_code != 200:
                    return f"HTTP {resp.status_code}"
                body = resp.raw.read(cap + 1, decode_content=False)
            except (urllib3.exceptions.HTTPError, OSError):
                return "reading the answer failed"
            finally:
                resp.close()
            if guard.expired:
                return f"timed out after {self.timeout:g} s"
            if len(body) > cap:
                return f"larger than {cap} bytes; not kept"
            return bytes(body)


def _reason(e: Exception) -> str:
    if isinstance(e, requests.exceptions.ConnectTimeout | requests.exceptions.ReadTimeout):
        return "timed out"
    text = str(e)
    for marker in ("Connection refused", "Name or service not known", "No route to host"):
        if marker in text:
            return marker
    return type(e).__name__


@dataclass(slots=True)
class _Status:
    """What was captured for one certificate, or why nothing was."""

    blobs: list[bytes] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def _urls(cert: x509.Certificate) -> tuple[list[str], list[str]]:
    """The certificate's OCSP responder URLs and CRL distribution point URLs."""
    ocsp_urls: list[str] = []
    crl_urls: list[str] = []
    with contextlib.suppress(x509.ExtensionNotFound, ValueError):
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
        ocsp_urls = [
            d.access_location.value
            for d in aia
            if d.access_method == AuthorityInformationAccessOID.OCSP
            and isinstance(d.access_location, x509.UniformResourceIdentifier)
        ]
    with contextlib.suppress(x509.ExtensionNotFound, ValueError):
        cdp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
        crl_urls = [
            name.value
            for point in cdp
            for name in point.full_name or ()
            if isinstance(name, x509.UniformResourceIdentifier)
        ]
    return ocsp_urls, crl_urls


def _ocsp(
    client: _Client, url: str, cert: x509.Certificate, issuer: x509.Certificate
) -> bytes | str:
    builder = ocsp.OCSPRequestBuilder().add_certificate(
        cert,
        issuer,
        hashes.SHA1(),  # noqa: S303 - the CertID hash OCSP responders support
    )
    got = client.fetch(url, builder.build().public_bytes(Encoding.DER), MAX_OCSP_BYTES)
    if isinstance(got, str):
        return got
    try:
        status = ocsp.load_der_ocsp_response(got).response_status
    except ValueError:
        return "not an OCSP response"
    if status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        return f"the responder answered {status.name}"
    return got


def _crl(client: _Client, url: str) -> bytes | str:
    got = client.fetch(url, None, MAX_CRL_BYTES)
    if isinstance(got, str):
        return got
    try:
        if got.lstrip().startswith(b"-----BEGIN X509 CRL"):
            x509.load_pem_x509_crl(got)
        else:
            x509.load_der_x509_crl(got)
    except ValueError:
        return "not a CRL"
    return got


def _capture_one(
    client: _Client, cert: x509.Certificate, issuer: x509.Certificate | None
) -> _Status:
    out = _Status()
    ocsp_urls, crl_urls = _urls(cert)
    if issuer is not None:
        for url in ocsp_urls:
            got = _ocsp(client, url, cert, issuer)
            if isinstance(got, bytes):
                out.blobs.append(got)
                return out
            out.reasons.append(f"OCSP {url}: {got}")
    elif ocsp_urls:
        out.reasons.append("OCSP: the issuer is not in the chain")
    for url in crl_urls:
        got = _crl(client, url)
        if isinstance(got, bytes):
            out.blobs.append(got)
            return out
        out.reasons.append(f"CRL {url}: {got}")
    if not ocsp_urls and not crl_urls:
        out.reasons.append("the certificate names no OCSP responder and no CRL")
    return out


def chain_of(part: Component) -> list[x509.Certificate]:
    """The certificate chain a part carries (its cryptographic-asset children), leaf first."""
    found: list[tuple[int, x509.Certificate]] = []
    for child in part.children:
        if child.type != cdx.CRYPTO_ASSET:
            continue
        props = dict(child.properties)
        encoded = props.get(cdx.CERTIFICATE)
        if not encoded:
            continue
        try:
            cert = x509.load_der_x509_certificate(base64.b64decode(encoded, validate=True))
        except (binascii.Error, ValueError):
            continue
        index = props.get(cdx.CHAIN_INDEX, "")
        found.append((int(index) if index.isdigit() else len(found), cert))
    return [c for _, c in sorted(found, key=lambda x: x[0])]


def _self_signed(cert: x509.Certificate) -> bool:
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def _walk(parts: Iterable[Component]) -> Iterator[Component]:
    for part in parts:
        yield from part.walk()


def capture_revocation(
    parts: Iterable[Component], *, timeout: float = 10.0, retries: int = 1
) -> list[str]:
    """Capture the revocation status of every chain the parts (and their children) carry.

    Adds the answers to each part (see the module's description) and returns notes for a person
    about the certificates whose status could not be captured.
    """
    client = _Client(timeout, retries)
    notes: list[str] = []
    try:
        for part in _walk(parts):
            chain = chain_of(part)
            for i, cert in enumerate(chain):
                issuer = chain[i + 1] if i + 1 < len(chain) else None
                if issuer is None and _self_signed(cert):
                    continue  # a root: a trust anchor is not revoked by its own CRL
                status = _capture_one(client, cert, issuer)
                for blob in status.blobs:
                    url = cdx.data_uri(blob)
                    part.evidence.append(cdx.revocation_reference(url, blob))
                    part.properties.append((cdx.REVOCATION, url))
                if not status.blobs:
                    what = f"{cert.subject.rfc4514_string()}: " + "; ".join(status.reasons)
                    part.properties.append((NOT_CAPTURED, what))
                    notes.append(f"{part.ref}: revocation not captured for {what}")
    finally:
        client.close()
    for note in notes:
        log.debug("%s", note)
    return notes

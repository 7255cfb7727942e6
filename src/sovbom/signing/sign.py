"""Sign files with Sigstore: identity tokens, one signing certificate for many files.

Signing produces a Sigstore bundle (v0.3 JSON): either a message signature over the exact bytes of
a file, or (``attest=True``) a DSSE envelope holding an in-toto Statement v1 whose predicate is the
CycloneDX BOM (predicate type ``https://cyclonedx.org/bom``, as ``cosign attest --type cyclonedx``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sigstore.errors import Error as SigstoreError
from sigstore.oidc import ExpiredIdentity, IdentityError, IdentityToken, Issuer, detect_credential
from sigstore.sign import Signer, SigningContext

from sovbom._io import display_name, read_bytes
from sovbom.errors import InputError, OperationalError
from sovbom.signing._common import one_line
from sovbom.signing.statement import build_bom_statement
from sovbom.signing.trust import TrustMaterial


@dataclass(frozen=True)
class SignerIdentity:
    """An OIDC identity token for signing. Never printed: ``repr`` shows only who it is for."""

    _token: IdentityToken = field(repr=False)
    source: str

    @property
    def identity(self) -> str:
        return self._token.identity

    @property
    def issuer(self) -> str:
        return self._token.federated_issuer


def identity_token(
    token: str | None = None,
    *,
    trust: TrustMaterial | None = None,
    ambient: bool = True,
    interactive: bool | None = None,
) -> SignerIdentity:
    """Find an identity token: an explicit one, else ambient CI credentials, else the browser flow.

    Ambient credentials are those sigstore-python detects (GitHub Actions, GitLab, Buildkite,
    Google Cloud). The interactive flow runs only when a person is at a terminal (``interactive``
    ``None`` means: standard input and standard error are TTYs).
    """
    source = "explicit token"
    raw: str | None = token.strip() if token else None
    if not raw and ambient:
        try:
            raw = detect_credential()
        except SigstoreError as e:
            raise OperationalError(f"ambient credential detection failed: {one_line(e)}") from e
        source = "ambient CI credential"
    if raw:
        try:
            return SignerIdentity(IdentityToken(raw), source)
        except IdentityError as e:
            raise InputError(f"identity token rejected: {one_line(e)}") from e
    if interactive is None:
        interactive = sys.stdin.isatty() and sys.stderr.isatty()
    if not interactive:
        raise InputError(
            "no identity token: none given, no ambient CI credential found and no terminal"
            " for the browser flow",
            hint="pass --identity-token or set SOVBOM_IDENTITY_TOKEN",
        )
    config = trust.trust_config if trust is not None else None
    if config is None:
        raise InputError("the interactive flow needs a signing config (trust config)")
    try:
        issuer = Issuer(config.signing_config.get_oidc_url())
        return SignerIdentity(issuer.identity_token(), "interactive browser flow")
    except IdentityError as e:
        raise InputError(f"identity token rejected: {one_line(e)}") from e
    except (SigstoreError, OSError, ValueError) as e:
        raise OperationalError(f"interactive sign-in failed: {one_line(e)}") from e


#: What a signer can do when the public-good instance cannot be reached: signing always needs
#: the instance's CA and transparency log, so there is no offline way (hence no --offline).
SIGNING_NETWORK_HINT = (
    "signing needs the network: it reaches the Sigstore instance's CA and transparency log."
    " Check the connection (or HTTPS_PROXY), or give --trust-config FILE for a Sigstore instance"
    " you can reach (e.g. a private one)"
)


def load_signing_trust(
    *,
    trust_config: str | os.PathLike[str] | None = None,
    staging: bool = False,
    hint: str = SIGNING_NETWORK_HINT,
) -> TrustMaterial:
    """Trust material with a signing config: a trust config file, or public-good (online).

    ``hint`` is what the error suggests when the public-good instance cannot be reached (it
    names only options of the command that signs)."""
    if trust_config is not None and staging:
        raise InputError("give only one of --trust-config and --staging")
    if trust_config is not None:
        return TrustMaterial.from_trust_config_file(trust_config)
    try:
        return TrustMaterial.public_good(staging=staging, offline=False)
    except OperationalError as e:
        raise OperationalError(e.message, hint=hint) from e


class BomSigner:
    """Signs many files with one certificate (key and certificate are cached by sigstore)."""

    def __init__(self, signer: Signer) -> None:
        self._signer = signer

    def sign_bytes(self, data: bytes) -> bytes:
        """A bundle (v0.3 JSON) with a message signature over exactly ``data``."""
        try:
            bundle = self._signer.sign_artifact(data)
        except _SIGNING_FAILURES as e:
            raise OperationalError(f"signing failed: {one_line(e)}") from e
        return bundle.to_json().encode()

    def attest_bytes(self, data: bytes, name: str) -> bytes:
        """A bundle with a DSSE in-toto Statement v1: predicate = the BOM, subject = the file."""
        statement = build_bom_statement(data, name)
        try:
            bundle = self._signer.sign_dsse(statement)
        except _SIGNING_FAILURES as e:
            raise OperationalError(f"signing failed: {one_line(e)}") from e
        return bundle.to_json().encode()


def _client_failures() -> tuple[type[BaseException], ...]:
    """The exceptions the CA and log clients raise. sigstore-python defines some of them in private
    modules; they are imported only to map them to sovbom errors (never to call anything)."""
    found: list[type[BaseException]] = [
        SigstoreError,
        ExpiredIdentity,
        OSError,
        ValueError,
        KeyError,
    ]
    try:
        from sigstore._internal.fulcio.client import ExpiredCertificate, FulcioClientError
        from sigstore._internal.rekor import RekorClientError

        found += [ExpiredCertificate, FulcioClientError, RekorClientError]
    except ImportError:  # pragma: no cover - a later sigstore-python moved them
        pass
    return tuple(found)


_SIGNING_FAILURES = _client_failures()


@contextmanager
def open_signer(trust: TrustMaterial, identity: SignerIdentity) -> Iterator[BomSigner]:
    """A signer for ``trust``'s instance: one certificate for ``identity``, many files."""
    if trust.trust_config is None:
        raise InputError("signing needs a trust config (trusted root + signing config)")
    try:
        context = SigningContext.from_trust_config(trust.trust_config)
    except _SIGNING_FAILURES as e:
        raise InputError(f"unusable signing config: {one_line(e)}", source=trust.info.source) from e
    try:
        with context.signer(identity._token, cache=True) as signer:
            yield BomSigner(signer)
    except _SIGNING_FAILURES as e:
        # requests' exceptions derive from OSError; the CA's and the log's errors from sigstore's.
        raise OperationalError(
            f"cannot get a signing certificate for {identity.identity}: {one_line(e)}"
        ) from e


def sign_file(
    path: str | os.PathLike[str],
    trust: TrustMaterial,
    identity: SignerIdentity,
    *,
    attest: bool = False,
) -> bytes:
    """Sign one file; return the bundle JSON (the caller writes it, atomically)."""
    data = read_bytes(path)
    with open_signer(trust, identity) as signer:
        if attest:
            return signer.attest_bytes(data, display_name(path))
        return signer.sign_bytes(data)

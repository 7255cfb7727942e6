"""Sign and verify files with Sigstore. The only module of sovbom that imports ``sigstore``.

Signing produces a Sigstore bundle (v0.3 JSON): either a message signature over the exact bytes of
a file, or (``attest=True``) a DSSE envelope holding an in-toto Statement v1 whose predicate is the
CycloneDX BOM (predicate type ``https://cyclonedx.org/bom``, as ``cosign attest --type cyclonedx``).

Verification fails closed. The entry points, from the most convenient to the most reusable:

* :func:`verify_bundle_for_bytes` returns a :class:`Verdict` only when everything holds and raises
  :class:`~sovbom.errors.VerificationFailed` otherwise (a caller cannot ignore a failure);
* :class:`BundleVerifier` parses the trust material once and checks many files, returning one
  :class:`Verdict` per file (``ok`` is ``False`` with a one-line ``reason`` on failure);
* malformed inputs (a bundle or trusted root that cannot be parsed) raise
  :class:`~sovbom.errors.InputError`.

Trust material (:class:`TrustMaterial`) is a trusted root file, a client trust config (trusted root
+ signing config of a private, sovereign Sigstore deployment), or the public-good production or
staging root. Its SHA-256 digest, its validity and where it came from are reported with every
verdict (:class:`TrustRootInfo`), and a stale cached production root is never used without a
warning.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import importlib.metadata
import logging
import multiprocessing
import os
import sys
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
import platformdirs
from cryptography import x509
from cryptography.x509.oid import ObjectIdentifier
from sigstore import dsse
from sigstore.errors import Error as SigstoreError
from sigstore.errors import VerificationError
from sigstore.models import Bundle, ClientTrustConfig, TrustedRoot
from sigstore.oidc import ExpiredIdentity, IdentityError, IdentityToken, Issuer, detect_credential
from sigstore.sign import Signer, SigningContext
from sigstore.verify import Verifier

from sovbom._io import display_name, parse_json, read_bytes
from sovbom.errors import InputError, OperationalError, VerificationFailed
from sovbom.signers import IdentityRule, SignerPolicy, match_rules

_logger = logging.getLogger(__name__)

#: Predicate type of a CycloneDX BOM attestation (the one ``cosign attest --type cyclonedx`` uses).
CYCLONEDX_PREDICATE_TYPE = "https://cyclonedx.org/bom"
#: Accept any predicate type (for DSSE bundles that are not sovbom attestations).
ANY_PREDICATE_TYPE = "*"
IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
IN_TOTO_STATEMENT_TYPES = ("https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1")
BUNDLE_SUFFIX = ".sigstore.json"

PRODUCTION_TUF_URL = "https://tuf-repo-cdn.sigstore.dev"
STAGING_TUF_URL = "https://tuf-repo-cdn.sigstage.dev"

_OID_ISSUER_V1 = ObjectIdentifier("1.3.6.1.4.1.57264.1.1")
_OID_ISSUER_V2 = ObjectIdentifier("1.3.6.1.4.1.57264.1.8")
_OID_OTHERNAME_IDENTITY = ObjectIdentifier("1.3.6.1.4.1.57264.1.7")

#: Exceptions sigstore-python (and the libraries under it) raise on a bundle it cannot accept.
#: ValueError covers pydantic's ValidationError, binascii.Error and malformed DER.
_REJECTIONS: tuple[type[BaseException], ...] = (
    SigstoreError,
    ValueError,
    x509.UnsupportedGeneralNameType,
    x509.ExtensionNotFound,
)
_REJECTIONS_OR_DECODE: tuple[type[BaseException], ...] = (*_REJECTIONS, UnicodeDecodeError)


# ----------------------------------------------------------------------------------------------
# Trust material
# ----------------------------------------------------------------------------------------------


class Freshness(StrEnum):
    """How current a trusted root is known to be."""

    PINNED = "pinned"  # a file the user gave: the user vouches for it
    REFRESHED = "refreshed"  # fetched and verified through TUF in this run
    CACHED = "cached"  # from the TUF cache; its TUF metadata has not expired
    EMBEDDED = "embedded"  # the snapshot shipped inside sigstore-python, never refreshed here
    STALE = "stale"  # a cached root whose TUF metadata has expired (or cannot be vouched for)


@dataclass(frozen=True)
class TrustRootInfo:
    """Which trusted root was used, so that a regulator can tell (reported with every verdict)."""

    source: str
    sha256: str
    freshness: Freshness
    #: Earliest ``validFor.start`` of any CA or log key in the root (RFC 3339).
    valid_from: str | None
    #: Latest ``validFor.end`` when every CA and log key has an end, else ``None`` (open-ended).
    valid_until: str | None
    #: At least one CA, one transparency log key and one CT log key are valid now.
    current: bool
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["freshness"] = str(self.freshness)
        return d

    def describe(self) -> str:
        state = "current" if self.current else "no currently valid keys"
        span = f"valid from {self.valid_from}" + (
            f" until {self.valid_until}" if self.valid_until else ""
        )
        note = f"; {self.note}" if self.note else ""
        return f"sha256:{self.sha256} ({self.source}; {self.freshness}; {span}; {state}{note})"


def _parse_time(value: Any, where: str, source: str) -> dt.datetime:
    if not isinstance(value, str):
        raise InputError(
            "malformed trusted root: expected an RFC 3339 time", source=source, location=where
        )
    try:
        t = dt.datetime.fromisoformat(value)
    except ValueError as e:
        raise InputError(
            f"malformed trusted root: invalid time {value!r}", source=source, location=where
        ) from e
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _root_validity(doc: Any, source: str) -> tuple[str | None, str | None, bool]:
    """Check every ``validFor`` of a trusted root document and summarise them.

    A missing ``validFor.start`` is an error: it must not be read as "valid since forever".
    """
    if not isinstance(doc, dict):
        raise InputError("malformed trusted root: expected a JSON object", source=source)
    now = dt.datetime.now(dt.UTC)
    starts: list[dt.datetime] = []
    ends: list[dt.datetime | None] = []
    current: dict[str, bool] = {"certificateAuthorities": False, "tlogs": False, "ctlogs": False}
    for kind in ("certificateAuthorities", "tlogs", "ctlogs", "timestampAuthorities"):
        items = doc.get(kind) or []
        if not isinstance(items, list):
            raise InputError(
                "malformed trusted root: expected a list", source=source, location=f"$.{kind}"
            )
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise InputError(
                    "malformed trusted root: expected an object",
                    source=source,
                    location=f"$.{kind}[{i}]",
                )
            holder = item if kind.endswith("Authorities") else item.get("publicKey")
            prefix = f"$.{kind}[{i}]" + ("" if kind.endswith("Authorities") else ".publicKey")
            valid_for = (holder or {}).get("validFor") if isinstance(holder, dict) else None
            if not isinstance(valid_for, dict) or "start" not in valid_for:
                raise InputError(
                    "malformed trusted root: validFor.start is missing",
                    source=source,
                    location=f"{prefix}.validFor.start",
                )
            start = _parse_time(valid_for["start"], f"{prefix}.validFor.start", source)
            end = (
                _parse_time(valid_for["end"], f"{prefix}.validFor.end", source)
                if valid_for.get("end") is not None
                else None
            )
            if kind == "timestampAuthorities":
                continue
            starts.append(start)
            ends.append(end)
            if start <= now and (end is None or now <= end):
                current[kind] = True
    valid_from = min(starts).isoformat() if starts else None
    valid_until = (
        max(e for e in ends if e is not None).isoformat()
        if ends and all(e is not None for e in ends)
        else None
    )
    return valid_from, valid_until, all(current.values())


@dataclass
class TrustMaterial:
    """A trusted root (and, for signing, a signing config), parsed once and reusable.

    Build it with :meth:`from_trusted_root_file`, :meth:`from_trust_config_file`,
    :meth:`public_good` or :func:`load_trust`.
    """

    info: TrustRootInfo
    trusted_root: TrustedRoot
    trust_config: ClientTrustConfig | None = None
    _verifier: Verifier | None = field(default=None, repr=False)

    @classmethod
    def from_trusted_root_file(
        cls,
        path: str | os.PathLike[str],
        *,
        source: str | None = None,
        freshness: Freshness = Freshness.PINNED,
        note: str = "",
    ) -> TrustMaterial:
        """A ``trusted_root.json`` (no network)."""
        name = display_name(path)
        data = read_bytes(path)
        doc = parse_json(data, name)
        valid_from, valid_until, current = _root_validity(doc, name)
        try:
            root = TrustedRoot.from_file(str(path))
        except _REJECTIONS as e:
            raise InputError(f"malformed trusted root: {_one_line(e)}", source=name) from e
        if hashlib.sha256(read_bytes(path)).digest() != hashlib.sha256(data).digest():
            raise InputError("trusted root changed while it was being read", source=name)
        info = TrustRootInfo(
            source=source or f"trusted root file {name}",
            sha256=hashlib.sha256(data).hexdigest(),
            freshness=freshness,
            valid_from=valid_from,
            valid_until=valid_until,
            current=current,
            note=note,
        )
        return cls(info=info, trusted_root=root)

    @classmethod
    def from_trust_config_file(cls, path: str | os.PathLike[str]) -> TrustMaterial:
        """A client trust config (trusted root + signing config) of a private instance."""
        name = display_name(path)
        data = read_bytes(path)
        doc = parse_json(data, name)
        if not isinstance(doc, dict) or not isinstance(doc.get("trustedRoot"), dict):
            raise InputError("malformed trust config: no trustedRoot object", source=name)
        valid_from, valid_until, current = _root_validity(doc["trustedRoot"], name)
        try:
            config = ClientTrustConfig.from_json(data.decode("utf-8"))
            root = config.trusted_root
        except _REJECTIONS_OR_DECODE as e:
            raise InputError(f"malformed trust config: {_one_line(e)}", source=name) from e
        info = TrustRootInfo(
            source=f"trust config file {name}",
            sha256=hashlib.sha256(data).hexdigest(),
            freshness=Freshness.PINNED,
            valid_from=valid_from,
            valid_until=valid_until,
            current=current,
        )
        return cls(info=info, trusted_root=root, trust_config=config)

    @classmethod
    def public_good(cls, *, staging: bool = False, offline: bool = False) -> TrustMaterial:
        """The public-good production (or staging) root via sigstore-python's TUF client.

        With ``offline`` no network is used: the root comes from the local TUF cache, or from the
        snapshot embedded in sigstore-python when there is none. Its freshness is reported, and a
        stale or never-refreshed root is logged as a warning.
        """
        url = STAGING_TUF_URL if staging else PRODUCTION_TUF_URL
        instance = "staging" if staging else "production"
        try:
            config = (
                ClientTrustConfig.staging(offline=offline)
                if staging
                else ClientTrustConfig.production(offline=offline)
            )
        except (SigstoreError, OSError) as e:
            raise OperationalError(
                f"cannot obtain the public-good {instance} trusted root: {_one_line(e)}",
                hint="use --offline to verify with the cached or embedded root,"
                " or --trusted-root / --trust-config",
            ) from e
        quoted = urllib.parse.quote(url.rstrip("/"), safe="")
        cache_file = (
            Path(platformdirs.user_cache_dir("sigstore-python", "sigstore"))
            / "tuf"
            / quoted
            / "trusted_root.json"
        )
        if offline:
            freshness, note = _cached_freshness(url, cache_file)
        else:
            freshness, note = Freshness.REFRESHED, "refreshed through TUF"
        if not cache_file.is_file():  # pragma: no cover - sigstore-python always writes it
            return cls(
                info=TrustRootInfo(
                    source=f"public-good {instance} (sigstore-python TUF client)",
                    sha256="unknown",
                    freshness=freshness,
                    valid_from=None,
                    valid_until=None,
                    current=True,
                    note=note,
                ),
                trusted_root=config.trusted_root,
                trust_config=config,
            )
        material = cls.from_trusted_root_file(
            cache_file,
            source=f"public-good {instance} root from {cache_file}",
            freshness=freshness,
            note=note,
        )
        material.trust_config = config
        if freshness in (Freshness.STALE, Freshness.EMBEDDED) and offline:
            _logger.warning(
                "using the %s trusted root sha256:%s offline: %s",
                instance,
                material.info.sha256[:16],
                note,
            )
        return material

    @property
    def verifier(self) -> Verifier:
        """A sigstore ``Verifier`` for this root, built once."""
        if self._verifier is None:
            try:
                self._verifier = Verifier(trusted_root=self.trusted_root)
            except _REJECTIONS as e:
                raise InputError(
                    f"unusable trusted root: {_one_line(e)}", source=self.info.source
                ) from e
        return self._verifier


def _cached_freshness(url: str, cache_file: Path) -> tuple[Freshness, str]:
    """Tell how current the TUF-cached root is, without any network access."""
    quoted = urllib.parse.quote(url.rstrip("/"), safe="")
    timestamp = (
        Path(platformdirs.user_data_dir("sigstore-python", "sigstore"))
        / "tuf"
        / quoted
        / "timestamp.json"
    )
    if timestamp.is_file():
        try:
            expires_raw = orjson.loads(timestamp.read_bytes())["signed"]["expires"]
            expires = dt.datetime.fromisoformat(expires_raw)
        except (OSError, ValueError, KeyError, TypeError):
            return (
                Freshness.STALE,
                f"unreadable TUF metadata {timestamp}: cannot vouch for the cache",
            )
        if expires < dt.datetime.now(dt.UTC):
            return (
                Freshness.STALE,
                f"TUF metadata expired at {expires_raw}; not refreshed (offline)",
            )
        return Freshness.CACHED, f"TUF metadata valid until {expires_raw}"
    version = importlib.metadata.version("sigstore")
    try:
        embedded = (
            resources.files("sigstore._store").joinpath(quoted, "trusted_root.json").read_bytes()
        )
    except (OSError, ModuleNotFoundError):  # pragma: no cover
        embedded = b""
    if cache_file.is_file() and cache_file.read_bytes() == embedded:
        return (
            Freshness.EMBEDDED,
            f"snapshot embedded in sigstore-python {version}, never refreshed on this machine",
        )
    return (
        Freshness.STALE,
        f"cached root differs from the one embedded in sigstore-python {version}"
        " and has no TUF metadata to vouch for it",
    )


def load_trust(
    *,
    trusted_root: str | os.PathLike[str] | None = None,
    trust_config: str | os.PathLike[str] | None = None,
    staging: bool = False,
    offline: bool = False,
) -> TrustMaterial:
    """Choose the trust material from command-line style options (at most one source)."""
    chosen = [x for x in (trusted_root, trust_config) if x is not None]
    if len(chosen) > 1 or (chosen and staging):
        raise InputError("give only one of --trusted-root, --trust-config and --staging")
    if trusted_root is not None:
        return TrustMaterial.from_trusted_root_file(trusted_root)
    if trust_config is not None:
        return TrustMaterial.from_trust_config_file(trust_config)
    return TrustMaterial.public_good(staging=staging, offline=offline)


# ----------------------------------------------------------------------------------------------
# Certificates and policies
# ----------------------------------------------------------------------------------------------


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


class _RulesPolicy:
    """A sigstore ``VerificationPolicy``: the certificate must satisfy at least one rule.

    An empty rule list is an error, never a pass.
    """

    def __init__(self, rules: Sequence[IdentityRule]) -> None:
        if not rules:
            raise InputError("no allowed signer given (an empty signer list allows nobody)")
        self.rules = tuple(rules)
        self.matched: IdentityRule | None = None

    def verify(self, cert: x509.Certificate) -> None:
        identities = certificate_identities(cert)
        issuer = certificate_issuer(cert)
        if issuer is None:
            raise VerificationError("certificate carries no (or inconsistent) OIDC issuer")
        for identity in identities:
            rule = match_rules(self.rules, identity, issuer)
            if rule is not None:
                self.matched = rule
                return
        wanted = "; ".join(r.describe() for r in self.rules[:3])
        if len(self.rules) > 3:
            wanted += f"; ... ({len(self.rules)} allowed signers)"
        who = ", ".join(identities) or "no identity"
        if any(r.issuer == issuer for r in self.rules):
            what = "identity"
        elif any(r.matches(i, r.issuer) for r in self.rules for i in identities):
            what = "issuer"
        else:
            what = "identity and issuer"
        raise VerificationError(
            f"signer not allowed (wrong {what}): certificate is for {who} from {issuer};"
            f" expected {wanted}"
        )


SignerSpec = IdentityRule | Sequence[IdentityRule] | SignerPolicy


def _rules_of(signers: SignerSpec, roles: Sequence[str] | None = None) -> list[IdentityRule]:
    if isinstance(signers, IdentityRule):
        return [signers]
    if isinstance(signers, SignerPolicy):
        return signers.rules(roles)
    return list(signers)


# ----------------------------------------------------------------------------------------------
# Verification
# ----------------------------------------------------------------------------------------------


class BundleKind(StrEnum):
    MESSAGE_SIGNATURE = "message-signature"
    DSSE = "dsse"


class Status(StrEnum):
    VERIFIED = "verified"
    FAILED = "failed"  # the signature, the identity or the content did not verify (exit 3)
    ERROR = "error"  # the input could not be read or parsed (exit 4)


@dataclass
class Verdict:
    """The outcome of verifying one file against one bundle."""

    file: str
    bundle: str
    ok: bool
    status: Status
    reason: str = ""
    sha256: str | None = None
    identity: str | None = None
    issuer: str | None = None
    roles: list[str] = field(default_factory=list)
    log_index: int | None = None
    integrated_time: str | None = None
    bundle_kind: BundleKind | None = None
    media_type: str | None = None
    predicate_type: str | None = None
    trust_root: TrustRootInfo | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["status"] = str(self.status)
        d["bundle_kind"] = str(self.bundle_kind) if self.bundle_kind else None
        d["trust_root"] = self.trust_root.to_dict() if self.trust_root else None
        return d

    def raise_for_failure(self) -> Verdict:
        """Return ``self`` when verified, else raise VerificationFailed (or InputError)."""
        if self.ok:
            return self
        if self.status is Status.ERROR:
            raise InputError(self.reason)
        err = VerificationFailed(f"{self.file}: verification failed: {self.reason}")
        err.verdict = self  # type: ignore[attr-defined]
        raise err


def _one_line(e: BaseException) -> str:
    """A single line for a message (some exceptions carry several message parts)."""
    parts = e.args if len(e.args) > 1 and all(isinstance(a, str) for a in e.args) else (str(e),)
    text = " ".join(" ".join(str(p) for p in parts).split()) or type(e).__name__
    return text[:400]


def _bundle_metadata(doc: Any, verdict: Verdict) -> None:
    """Fill log index, integrated time and kind from the (already parsed) bundle JSON."""
    if not isinstance(doc, dict):
        return
    verdict.media_type = doc.get("mediaType") if isinstance(doc.get("mediaType"), str) else None
    verdict.bundle_kind = (
        BundleKind.DSSE
        if isinstance(doc.get("dsseEnvelope"), dict)
        else BundleKind.MESSAGE_SIGNATURE
    )
    material = doc.get("verificationMaterial")
    entries = material.get("tlogEntries") if isinstance(material, dict) else None
    if isinstance(entries, list) and entries and isinstance(entries[0], dict):
        entry = entries[0]
        try:
            verdict.log_index = int(entry["logIndex"])
        except (KeyError, TypeError, ValueError):
            verdict.log_index = None
        try:
            t = int(entry["integratedTime"])
            verdict.integrated_time = dt.datetime.fromtimestamp(t, dt.UTC).isoformat()
        except (KeyError, TypeError, ValueError, OverflowError, OSError):
            verdict.integrated_time = None


def default_bundle_path(path: str | os.PathLike[str]) -> Path:
    """``FILE.sigstore.json`` (or an existing legacy ``FILE.sigstore``)."""
    p = Path(path)
    modern = p.with_name(p.name + BUNDLE_SUFFIX)
    legacy = p.with_name(p.name + ".sigstore")
    if not modern.exists() and legacy.exists():
        return legacy
    return modern


class BundleVerifier:
    """Verify many files against their bundles with one trust root and one signer policy.

    The trusted root is parsed and the sigstore ``Verifier`` built once.

    ``predicate_types``: for DSSE bundles, the in-toto predicate types accepted
    (:data:`ANY_PREDICATE_TYPE` accepts any). ``roles``: with a :class:`SignerPolicy`, the roles
    whose signers are accepted (all roles when ``None``).
    """

    def __init__(
        self,
        trust: TrustMaterial,
        signers: SignerSpec,
        *,
        roles: Sequence[str] | None = None,
        predicate_types: Sequence[str] = (CYCLONEDX_PREDICATE_TYPE,),
    ) -> None:
        self.trust = trust
        self.policy = signers if isinstance(signers, SignerPolicy) else None
        self.rules = _rules_of(signers, roles)
        if not self.rules:
            raise InputError("no allowed signer given (an empty signer list allows nobody)")
        self.predicate_types = tuple(predicate_types)
        self._verifier = trust.verifier

    def verify_bytes(
        self,
        data: bytes,
        bundle_bytes: bytes,
        *,
        name: str = "<data>",
        bundle_name: str = "<bundle>",
    ) -> Verdict:
        """Verify ``data`` against a bundle. A malformed bundle raises :class:`InputError`."""
        digest = hashlib.sha256(data).hexdigest()
        verdict = Verdict(
            file=name,
            bundle=bundle_name,
            ok=False,
            status=Status.FAILED,
            sha256=digest,
            trust_root=self.trust.info,
        )
        try:
            doc = orjson.loads(bundle_bytes)
        except orjson.JSONDecodeError:
            parse_json(bundle_bytes, bundle_name)  # raises InputError with line and column
            raise  # pragma: no cover
        _bundle_metadata(doc, verdict)
        try:
            bundle = Bundle.from_json(bundle_bytes)
        except _REJECTIONS as e:
            raise InputError(f"malformed bundle: {_one_line(e)}", source=bundle_name) from e

        cert = bundle.signing_certificate
        identities = certificate_identities(cert)
        issuer = certificate_issuer(cert)
        policy = _RulesPolicy(self.rules)
        try:
            if verdict.bundle_kind is BundleKind.DSSE:
                payload_type, payload = self._verifier.verify_dsse(bundle, policy)
                self._check_statement(payload_type, payload, digest, verdict)
            else:
                _check_message_digest(doc, digest)
                self._verifier.verify_artifact(data, bundle, policy)
        except _REJECTIONS as e:
            verdict.reason = _one_line(e)
            return verdict
        except _StatementMismatch as e:
            verdict.reason = str(e)
            return verdict
        # Only a verified signer is reported: on failure the reason says who the certificate names.
        verdict.ok = True
        verdict.status = Status.VERIFIED
        verdict.identity = identities[0] if identities else None
        verdict.issuer = issuer
        if self.policy is not None and issuer is not None:
            verdict.roles = sorted({r for i in identities for r in self.policy.roles_of(i, issuer)})
        return verdict

    def _check_statement(
        self, payload_type: str, payload: bytes, digest: str, verdict: Verdict
    ) -> None:
        if payload_type != IN_TOTO_PAYLOAD_TYPE:
            raise _StatementMismatch(
                f"DSSE payload type is {payload_type!r}, expected an in-toto statement"
            )
        try:
            stmt = orjson.loads(payload)
        except orjson.JSONDecodeError as e:
            raise _StatementMismatch(f"DSSE payload is not JSON: {e}") from e
        if not isinstance(stmt, dict) or stmt.get("_type") not in IN_TOTO_STATEMENT_TYPES:
            raise _StatementMismatch("DSSE payload is not an in-toto statement")
        verdict.predicate_type = (
            stmt.get("predicateType") if isinstance(stmt.get("predicateType"), str) else None
        )
        subjects = stmt.get("subject")
        if not isinstance(subjects, list) or not subjects:
            raise _StatementMismatch("in-toto statement has no subject")
        found = [
            s.get("digest", {}).get("sha256")
            for s in subjects
            if isinstance(s, dict) and isinstance(s.get("digest"), dict)
        ]
        if digest not in found:
            shown = ", ".join(str(f) for f in found[:3]) or "none"
            raise _StatementMismatch(
                f"statement subject digest does not match the file: file sha256 {digest},"
                f" subject sha256 {shown}"
            )
        if (
            ANY_PREDICATE_TYPE not in self.predicate_types
            and verdict.predicate_type not in self.predicate_types
        ):
            raise _StatementMismatch(
                f"predicate type {verdict.predicate_type!r} is not the expected"
                f" {' or '.join(self.predicate_types)}"
            )

    def verify_file(
        self, path: str | os.PathLike[str], bundle: str | os.PathLike[str] | None = None
    ) -> Verdict:
        """Verify a file against its bundle (``FILE.sigstore.json`` by default).

        Unreadable inputs do not raise here: they give a verdict with status ``error``.
        """
        bundle_path = Path(bundle) if bundle is not None else default_bundle_path(path)
        name, bname = display_name(path), display_name(bundle_path)
        try:
            data = read_bytes(path)
            bundle_bytes = read_bytes(bundle_path)
            return self.verify_bytes(data, bundle_bytes, name=name, bundle_name=bname)
        except InputError as e:
            return Verdict(
                file=name,
                bundle=bname,
                ok=False,
                status=Status.ERROR,
                reason=e.message,
                trust_root=self.trust.info,
            )

    def verify_files(
        self,
        paths: Sequence[str | os.PathLike[str]],
        bundle: str | os.PathLike[str] | None = None,
        *,
        jobs: int | None = None,
        on_verdict: Callable[[Verdict], None] | None = None,
    ) -> list[Verdict]:
        """Verify many files (each against ``FILE.sigstore.json``, or all against ``bundle``).

        Verdicts come back in the order of ``paths``. With ``jobs`` > 1 (default: one per CPU,
        at most 8, for at least :data:`PARALLEL_THRESHOLD` files) the work is shared by forked
        worker processes that inherit this verifier; where ``fork`` is unavailable it runs serially.
        ``on_verdict`` is called once per file as verdicts arrive (e.g. to advance a progress bar).
        """
        jobs = _default_jobs(len(paths)) if jobs is None else max(1, jobs)
        if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
            global _WORKER_VERIFIER
            _WORKER_VERIFIER = self
            try:
                ctx = multiprocessing.get_context("fork")
                chunk = max(1, min(32, len(paths) // (jobs * 4)))
                with ctx.Pool(jobs) as pool:
                    verdicts = []
                    args = [(p, bundle) for p in paths]
                    for verdict in pool.imap(_worker_verify, args, chunksize=chunk):
                        verdicts.append(verdict)
                        if on_verdict is not None:
                            on_verdict(verdict)
                    return verdicts
            finally:
                _WORKER_VERIFIER = None
        out = []
        for p in paths:
            verdict = self.verify_file(p, bundle)
            if on_verdict is not None:
                on_verdict(verdict)
            out.append(verdict)
        return out


#: Below this many files, verification stays in one process (forking costs more than it saves).
PARALLEL_THRESHOLD = 200
_WORKER_VERIFIER: BundleVerifier | None = None


def _default_jobs(n: int) -> int:
    if n < PARALLEL_THRESHOLD:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))


def _worker_verify(args: tuple[str | os.PathLike[str], str | os.PathLike[str] | None]) -> Verdict:
    """Runs in a forked worker: the verifier was inherited from the parent."""
    assert _WORKER_VERIFIER is not None
    return _WORKER_VERIFIER.verify_file(*args)


class _StatementMismatch(Exception):
    """The DSSE statement does not describe this file (internal; becomes a failed verdict)."""


def _check_message_digest(doc: Any, digest: str) -> None:
    """A clear reason when the bundle was made for other bytes (sigstore checks this too)."""
    try:
        signed = doc["messageSignature"]["messageDigest"]
        algorithm, value = signed["algorithm"], base64.b64decode(signed["digest"]).hex()
    except (KeyError, TypeError, ValueError):
        return  # no or unusual digest: sigstore's own checks decide
    if algorithm == "SHA2_256" and value != digest:
        raise _StatementMismatch(
            f"the file is not what was signed: file sha256 {digest}, signed sha256 {value}"
        )


def verify_bundle_for_bytes(
    data: bytes,
    bundle_bytes: bytes,
    signers: SignerSpec,
    trust: TrustMaterial,
    *,
    roles: Sequence[str] | None = None,
    predicate_types: Sequence[str] = (CYCLONEDX_PREDICATE_TYPE,),
    name: str = "<data>",
) -> Verdict:
    """Verify ``data`` against a Sigstore bundle; fail closed.

    ``signers`` is one :class:`~sovbom.signers.IdentityRule`, a sequence of them (any may have
    signed) or a :class:`~sovbom.signers.SignerPolicy` (restricted to ``roles`` when given).
    Returns the :class:`Verdict` only when everything holds; raises
    :class:`~sovbom.errors.VerificationFailed` (exit 3) when verification fails and
    :class:`~sovbom.errors.InputError` (exit 4) when the bundle or trust material is malformed.
    Reuse ``trust`` across calls: its verifier is built once.
    """
    verifier = BundleVerifier(trust, signers, roles=roles, predicate_types=predicate_types)
    return verifier.verify_bytes(data, bundle_bytes, name=name).raise_for_failure()


def verify_file(
    path: str | os.PathLike[str],
    signers: SignerSpec,
    trust: TrustMaterial,
    *,
    bundle: str | os.PathLike[str] | None = None,
    roles: Sequence[str] | None = None,
    predicate_types: Sequence[str] = (CYCLONEDX_PREDICATE_TYPE,),
) -> Verdict:
    """Verify one file (see :func:`verify_bundle_for_bytes`); raises unless verified."""
    verifier = BundleVerifier(trust, signers, roles=roles, predicate_types=predicate_types)
    return verifier.verify_file(path, bundle).raise_for_failure()


# ----------------------------------------------------------------------------------------------
# Signing
# ----------------------------------------------------------------------------------------------


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
            raise OperationalError(f"ambient credential detection failed: {_one_line(e)}") from e
        source = "ambient CI credential"
    if raw:
        try:
            return SignerIdentity(IdentityToken(raw), source)
        except IdentityError as e:
            raise InputError(f"identity token rejected: {_one_line(e)}") from e
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
        raise InputError(f"identity token rejected: {_one_line(e)}") from e
    except (SigstoreError, OSError, ValueError) as e:
        raise OperationalError(f"interactive sign-in failed: {_one_line(e)}") from e


def load_signing_trust(
    *, trust_config: str | os.PathLike[str] | None = None, staging: bool = False
) -> TrustMaterial:
    """Trust material with a signing config: a trust config file, or public-good (online)."""
    if trust_config is not None and staging:
        raise InputError("give only one of --trust-config and --staging")
    if trust_config is not None:
        return TrustMaterial.from_trust_config_file(trust_config)
    return TrustMaterial.public_good(staging=staging, offline=False)


class BomSigner:
    """Signs many files with one certificate (key and certificate are cached by sigstore)."""

    def __init__(self, signer: Signer) -> None:
        self._signer = signer

    def sign_bytes(self, data: bytes) -> bytes:
        """A bundle (v0.3 JSON) with a message signature over exactly ``data``."""
        try:
            bundle = self._signer.sign_artifact(data)
        except _SIGNING_FAILURES as e:
            raise OperationalError(f"signing failed: {_one_line(e)}") from e
        return bundle.to_json().encode()

    def attest_bytes(self, data: bytes, name: str) -> bytes:
        """A bundle with a DSSE in-toto Statement v1: predicate = the BOM, subject = the file."""
        statement = build_bom_statement(data, name)
        try:
            bundle = self._signer.sign_dsse(statement)
        except _SIGNING_FAILURES as e:
            raise OperationalError(f"signing failed: {_one_line(e)}") from e
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


def build_bom_statement(data: bytes, name: str) -> dsse.Statement:
    """The in-toto Statement v1 of a CycloneDX JSON BOM (``cosign attest --type cyclonedx``)."""
    try:
        bom = parse_json(data, name)
    except InputError as e:
        raise InputError(f"--attest needs a CycloneDX BOM in JSON: {e.message}") from e
    if not isinstance(bom, dict) or bom.get("bomFormat") != "CycloneDX":
        raise InputError(
            "--attest needs a CycloneDX BOM in JSON (bomFormat 'CycloneDX')", source=name
        )
    try:
        return (
            dsse.StatementBuilder()
            .subjects(
                [
                    dsse.Subject(
                        name=Path(name).name,
                        digest=dsse.DigestSet(root={"sha256": hashlib.sha256(data).hexdigest()}),
                    )
                ]
            )
            .predicate_type(CYCLONEDX_PREDICATE_TYPE)
            .predicate(bom)
            .build()
        )
    except SigstoreError as e:  # pragma: no cover - the inputs above are always well-formed
        raise InputError(f"cannot build the in-toto statement: {_one_line(e)}", source=name) from e


@contextmanager
def open_signer(trust: TrustMaterial, identity: SignerIdentity) -> Iterator[BomSigner]:
    """A signer for ``trust``'s instance: one certificate for ``identity``, many files."""
    if trust.trust_config is None:
        raise InputError("signing needs a trust config (trusted root + signing config)")
    try:
        context = SigningContext.from_trust_config(trust.trust_config)
    except _SIGNING_FAILURES as e:
        raise InputError(
            f"unusable signing config: {_one_line(e)}", source=trust.info.source
        ) from e
    try:
        with context.signer(identity._token, cache=True) as signer:
            yield BomSigner(signer)
    except _SIGNING_FAILURES as e:
        # requests' exceptions derive from OSError; the CA's and the log's errors from sigstore's.
        raise OperationalError(
            f"cannot get a signing certificate for {identity.identity}: {_one_line(e)}"
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


def sign_attestation(
    path: str | os.PathLike[str], trust: TrustMaterial, identity: SignerIdentity
) -> bytes:
    """Sign a CycloneDX JSON BOM as a DSSE in-toto attestation; return the bundle JSON."""
    return sign_file(path, trust, identity, attest=True)

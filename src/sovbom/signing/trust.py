"""Trust material: which Sigstore trusted root vouches for signatures, and how current it is.

Trust material (:class:`TrustMaterial`) is a trusted root file, a client trust config (trusted root
+ signing config of a private, sovereign Sigstore deployment), or the public-good production or
staging root. Its SHA-256 digest, its validity and where it came from are reported with every
verdict (:class:`TrustRootInfo`), and a stale cached production root is never used without a
warning. The validity window of each of its keys is kept (:mod:`sovbom.signing.windows`) so that
a signature is only verified with the keys that were valid when it was made
(:meth:`TrustMaterial.verifier_at`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sigstore.errors import Error as SigstoreError

from sovbom._io import MAX_SMALL_INPUT_BYTES, display_name, parse_json, read_bytes
from sovbom.errors import InputError, OperationalError
from sovbom.signing._common import REJECTIONS, REJECTIONS_OR_DECODE, one_line
from sovbom.signing.lean.trustroot import check_trust_config, check_trusted_root
from sovbom.signing.windows import REQUIRED_KINDS, KeyWindow, excluded_at, parse_windows, restrict

if TYPE_CHECKING:
    from sigstore.models import ClientTrustConfig, TrustedRoot
    from sigstore.verify import Verifier
    from sigstore_models.trustroot import v1 as trustroot_v1

    from sovbom.signing.lean import LeanRoot

_logger = logging.getLogger(__name__)

PRODUCTION_TUF_URL = "https://tuf-repo-cdn.sigstore.dev"
STAGING_TUF_URL = "https://tuf-repo-cdn.sigstage.dev"

_TRUST_CONFIG_MEDIA_TYPE = "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"
_SIGNING_CONFIG_MEDIA_TYPE = "application/vnd.dev.sigstore.signingconfig.v0.2+json"


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


def _summary(windows: Sequence[KeyWindow]) -> tuple[str | None, str | None, bool]:
    """Earliest start, latest end (``None`` when a key is open-ended), and whether at least one CA,
    one transparency log key and one CT log key are valid now (timestamp authorities aside)."""
    now = dt.datetime.now(dt.UTC)
    keys = [w for w in windows if w.kind in REQUIRED_KINDS]
    valid_from = min(w.start for w in keys).isoformat() if keys else None
    ends = [w.end for w in keys]
    valid_until = (
        max(e for e in ends if e is not None).isoformat()
        if ends and all(e is not None for e in ends)
        else None
    )
    current = all(any(w.kind is kind and w.covers(now) for w in keys) for kind in REQUIRED_KINDS)
    return valid_from, valid_until, current


def _info(
    windows: Sequence[KeyWindow],
    *,
    source: str,
    data: bytes,
    freshness: Freshness = Freshness.PINNED,
    note: str = "",
) -> TrustRootInfo:
    valid_from, valid_until, current = _summary(windows)
    return TrustRootInfo(
        source=source,
        sha256=hashlib.sha256(data).hexdigest(),
        freshness=freshness,
        valid_from=valid_from,
        valid_until=valid_until,
        current=current,
        note=note,
    )


@dataclass
class TrustMaterial:
    """A trusted root (and, for signing, a signing config), parsed once and reusable.

    Build it with :meth:`from_trusted_root_file`, :meth:`from_trust_config_file`,
    :meth:`public_good` or :func:`load_trust`.
    """

    info: TrustRootInfo
    #: The validity window of every key of the root.
    windows: tuple[KeyWindow, ...]
    #: The trusted root document (JSON), from which roots restricted to some keys are built.
    root_doc: dict[str, Any] = field(repr=False)
    #: The file's bytes, and whether it is a client trust config (else a trusted root).
    data: bytes = field(default=b"", repr=False)
    #: How messages name the file.
    name: str = ""
    is_config: bool = False
    #: The document passed the lean reader (:mod:`sovbom.signing.lean.trustroot`): it is read by
    #: sigstore-python's models only when a bundle needs sigstore-python.
    lean_checked: bool = False
    _root_model: trustroot_v1.TrustedRoot | None = field(default=None, repr=False)
    _config_model: trustroot_v1.ClientTrustConfig | None = field(default=None, repr=False)
    _trusted_root: TrustedRoot | None = field(default=None, repr=False)
    _trust_config: ClientTrustConfig | None = field(default=None, repr=False)
    _lean: LeanRoot | None = field(default=None, repr=False)
    _lean_read: bool = field(default=False, repr=False)
    _verifier: Verifier | None = field(default=None, repr=False)
    _restricted: dict[frozenset[KeyWindow], Verifier | None] = field(
        default_factory=dict, repr=False
    )

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
        data = read_bytes(path, limit=MAX_SMALL_INPUT_BYTES)  # read once: what is parsed is hashed
        doc = parse_json(data, name)
        windows = parse_windows(doc, name)
        info = _info(
            windows,
            source=source or f"trusted root file {name}",
            data=data,
            freshness=freshness,
            note=note,
        )
        material = cls(info=info, windows=windows, root_doc=doc, data=data, name=name)
        material.lean_checked = _lean_checked(check_trusted_root, doc)
        if not material.lean_checked:
            material.root_model  # noqa: B018 - a malformed root is reported now
        return material

    @classmethod
    def from_trust_config_file(cls, path: str | os.PathLike[str]) -> TrustMaterial:
        """A client trust config (trusted root + signing config) of a private instance."""
        name = display_name(path)
        data = read_bytes(path, limit=MAX_SMALL_INPUT_BYTES)
        doc = parse_json(data, name)
        if not isinstance(doc, dict) or not isinstance(doc.get("trustedRoot"), dict):
            raise InputError("malformed trust config: no trustedRoot object", source=name)
        windows = parse_windows(doc["trustedRoot"], name)
        material = cls(
            info=_info(windows, source=f"trust config file {name}", data=data),
            windows=windows,
            root_doc=doc["trustedRoot"],
            data=data,
            name=name,
            is_config=True,
        )
        material.lean_checked = _lean_checked(check_trust_config, doc)
        if not material.lean_checked:
            material.root_model  # noqa: B018 - a malformed trust config is reported now
        return material

    @property
    def root_model(self) -> trustroot_v1.TrustedRoot:
        """The trusted root as sigstore-python's models read it (read when first used)."""
        if self._root_model is None:
            from sigstore_models.trustroot import v1 as trustroot_v1

            name = self.name
            if self.is_config:
                try:
                    self._config_model = trustroot_v1.ClientTrustConfig.from_json(
                        self.data.decode("utf-8")
                    )
                    self._root_model = _checked(self._config_model.trusted_root)
                except REJECTIONS_OR_DECODE as e:
                    raise InputError(f"malformed trust config: {one_line(e)}", source=name) from e
            else:
                try:
                    # TrustedRoot.from_file, from the bytes already read (and bounded).
                    self._root_model = _checked(trustroot_v1.TrustedRoot.from_json(self.data))
                except REJECTIONS as e:
                    raise InputError(f"malformed trusted root: {one_line(e)}", source=name) from e
        return self._root_model

    @classmethod
    def public_good(cls, *, staging: bool = False, offline: bool = False) -> TrustMaterial:
        """The public-good production (or staging) root via sigstore-python's TUF client.

        With ``offline`` no network is used: the root comes from the local TUF cache, or from the
        snapshot embedded in sigstore-python when there is none. Its freshness is reported, and a
        stale or never-refreshed root is logged as a warning.
        """
        url = STAGING_TUF_URL if staging else PRODUCTION_TUF_URL
        instance = "staging" if staging else "production"
        from sigstore.models import ClientTrustConfig

        try:
            config = (
                ClientTrustConfig.staging(offline=offline)
                if staging
                else ClientTrustConfig.production(offline=offline)
            )
        except (SigstoreError, OSError) as e:
            raise OperationalError(
                f"cannot obtain the public-good {instance} trusted root: {one_line(e)}",
                hint="use --offline to verify with the cached or embedded root,"
                " or --trusted-root / --trust-config",
            ) from e
        import platformdirs

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
            # Without the root's document neither its digest nor its key windows are known.
            raise OperationalError(
                f"the public-good {instance} trusted root was not found at {cache_file}",
                hint="give --trusted-root / --trust-config",
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
    def trusted_root(self) -> TrustedRoot:
        """sigstore-python's ``TrustedRoot`` (imports sigstore-python when first used)."""
        if self._trusted_root is None:
            from sigstore.models import TrustedRoot

            self._trusted_root = TrustedRoot(self.root_model)
        return self._trusted_root

    @property
    def trust_config(self) -> ClientTrustConfig | None:
        """sigstore-python's ``ClientTrustConfig``, for a trust config (or the public-good root)."""
        if self._trust_config is None and self.is_config:
            from sigstore.models import ClientTrustConfig

            self.root_model  # noqa: B018 - reads the config model
            assert self._config_model is not None
            self._trust_config = ClientTrustConfig(self._config_model)
        return self._trust_config

    @trust_config.setter
    def trust_config(self, config: ClientTrustConfig | None) -> None:
        self._trust_config = config

    @property
    def lean(self) -> LeanRoot | None:
        """The root's keys for the lean verifier; ``None`` when it does not handle this root."""
        if not self._lean_read:
            from sovbom.signing.lean import LeanRoot, Unsupported

            self._lean_read = True
            try:
                self._lean = LeanRoot(self.root_doc, self.windows) if self.lean_checked else None
            except Unsupported:
                self._lean = None
        return self._lean

    @property
    def verifier(self) -> Verifier:
        """A sigstore ``Verifier`` for this root (every key, whatever its window), built once."""
        if self._verifier is None:
            self._verifier = self._build_verifier(self.trusted_root)
        return self._verifier

    def verifier_at(
        self, times: Sequence[dt.datetime]
    ) -> tuple[Verifier | None, frozenset[KeyWindow]]:
        """A ``Verifier`` that knows only the keys valid at every one of ``times``.

        Returns it with the keys left out. The verifier is ``None`` when no CA, no transparency
        log key or no CT log key is left (no signature made at those times can verify). Built
        once per set of keys left out.
        """
        excluded = excluded_at(self.windows, times) if times else frozenset()
        if not excluded:
            return self.verifier, excluded
        if excluded not in self._restricted:
            doc = restrict(self.root_doc, excluded)
            self._restricted[excluded] = None if doc is None else self._build_verifier(doc)
        return self._restricted[excluded], excluded

    def _build_verifier(self, root: TrustedRoot | dict[str, Any]) -> Verifier:
        from sigstore.models import TrustedRoot

        from sovbom.signing._batch import BatchVerifier

        try:
            return BatchVerifier(
                trusted_root=root if isinstance(root, TrustedRoot) else _root_of(root)
            )
        except REJECTIONS as e:
            raise InputError(
                f"unusable trusted root: {one_line(e)}", source=self.info.source
            ) from e


def _lean_checked(check: Callable[[Any], object], doc: Any) -> bool:
    from sovbom.signing.lean._base import Unsupported

    try:
        check(doc)
    except Unsupported:
        return False
    return True


#: The trusted root media type sigstore-python accepts.
_TRUSTED_ROOT_MEDIA_TYPE = "application/vnd.dev.sigstore.trustedroot+json;version=0.1"


def _checked(model: trustroot_v1.TrustedRoot) -> trustroot_v1.TrustedRoot:
    """The model, once its media type is one sigstore-python's ``TrustedRoot`` accepts (for any
    other, sigstore-python raises its own error, as when it reads the root)."""
    if str(model.media_type) != _TRUSTED_ROOT_MEDIA_TYPE:
        from sigstore.models import TrustedRoot

        TrustedRoot(model)  # raises sigstore's error for an unsupported format
    return model


def _root_of(doc: dict[str, Any]) -> TrustedRoot:
    """A ``TrustedRoot`` from a trusted root document (through sigstore-python's public API)."""
    from sigstore.models import ClientTrustConfig

    config = {
        "mediaType": _TRUST_CONFIG_MEDIA_TYPE,
        "trustedRoot": doc,
        "signingConfig": {"mediaType": _SIGNING_CONFIG_MEDIA_TYPE},
    }
    return ClientTrustConfig.from_json(orjson.dumps(config).decode()).trusted_root


def _cached_freshness(url: str, cache_file: Path) -> tuple[Freshness, str]:
    """Tell how current the TUF-cached root is, without any network access."""
    import importlib.metadata
    from importlib import resources

    import platformdirs

    quoted = urllib.parse.quote(url.rstrip("/"), safe="")
    timestamp = (
        Path(platformdirs.user_data_dir("sigstore-python", "sigstore"))
        / "tuf"
        / quoted
        / "timestamp.json"
    )
    if timestamp.is_file():
        try:
            metadata = parse_json(
                read_bytes(timestamp, limit=MAX_SMALL_INPUT_BYTES), str(timestamp)
            )
            expires_raw = metadata["signed"]["expires"]
            expires = dt.datetime.fromisoformat(expires_raw)
        except (InputError, ValueError, KeyError, TypeError):
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

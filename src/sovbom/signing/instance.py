"""A Sigstore instance's trust: what a trusted root holds, and saving a private instance's.

:func:`describe_trust` lists every key of the trust material in use with its validity window
and where it is served, and the services of its signing config. :func:`fetch_instance_trust`
obtains the trusted root and signing config of an instance through its TUF repository (the way
``sigstore trust-instance`` does, with sigstore-python's :meth:`ClientTrustConfig.from_tuf`), so
that they can be saved and used later with no network at all.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import platformdirs
from sigstore.errors import Error as SigstoreError
from sigstore.models import ClientTrustConfig

from sovbom._io import MAX_SMALL_INPUT_BYTES, display_name, parse_json, read_bytes
from sovbom.errors import InputError, OperationalError
from sovbom.signing._common import REJECTIONS_OR_DECODE, one_line
from sovbom.signing.trust import (
    _SIGNING_CONFIG_MEDIA_TYPE,
    _TRUST_CONFIG_MEDIA_TYPE,
    PRODUCTION_TUF_URL,
    STAGING_TUF_URL,
    TrustMaterial,
)
from sovbom.signing.windows import ROOT_LISTS, KeyKind, KeyWindow

#: The signing config target every Sigstore TUF repository publishes (signing config v0.2).
SIGNING_CONFIG_TARGET = "signing_config.v0.2.json"
TRUSTED_ROOT_TARGET = "trusted_root.json"

#: Signing config service lists and the role each plays.
_SERVICE_LISTS = {
    "caUrls": "certificate authority",
    "oidcUrls": "OIDC issuer",
    "rekorTlogUrls": "transparency log",
    "tsaUrls": "timestamp authority",
}


def key_state(window: KeyWindow, now: dt.datetime) -> str:
    """``valid``, ``not yet valid`` or ``expired`` at ``now``."""
    if window.covers(now):
        return "valid"
    return "not yet valid" if now < window.start else "expired"


def _key_row(window: KeyWindow, doc: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    items = doc.get(ROOT_LISTS[window.kind]) or []
    item = items[window.index] if window.index < len(items) else {}
    url = item.get("baseUrl") if window.kind in (KeyKind.TLOG, KeyKind.CTLOG) else item.get("uri")
    return {
        "kind": window.kind.name.lower(),
        "name": str(window.kind),
        "index": window.index,
        "label": window.label,
        "url": url if isinstance(url, str) else None,
        "key_ids": sorted(k.hex() for k in window.key_ids),
        "valid_from": window.start.isoformat(),
        "valid_until": window.end.isoformat() if window.end else None,
        "state": key_state(window, now),
    }


def _services(signing_config: Any) -> list[dict[str, Any]]:
    if not isinstance(signing_config, dict):
        return []
    out = []
    for name, role in _SERVICE_LISTS.items():
        for item in signing_config.get(name) or []:
            if not isinstance(item, dict):
                continue
            raw = item.get("validFor")
            valid: dict[str, Any] = raw if isinstance(raw, dict) else {}
            out.append(
                {
                    "role": role,
                    "url": item.get("url"),
                    "api_version": item.get("majorApiVersion"),
                    "operator": item.get("operator"),
                    "valid_from": valid.get("start"),
                    "valid_until": valid.get("end"),
                }
            )
    return out


def describe_trust(
    material: TrustMaterial,
    *,
    signing_config: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """What the trust material holds: its digest, freshness, keys with windows, and services.

    ``signing_config`` is the signing config document, when one goes with the root (a trust
    config file, or the public-good instance's from the TUF cache).
    """
    now = now or dt.datetime.now(dt.UTC)
    return {
        "trust_root": material.info.to_dict(),
        "checked_at": now.isoformat(),
        "keys": [_key_row(w, material.root_doc, now) for w in material.windows],
        "services": _services(signing_config),
    }


def signing_config_of(path: str | Path) -> dict[str, Any] | None:
    """The ``signingConfig`` object of a trust config file, if any (the file is already known
    to parse: it was loaded as trust material)."""
    doc = parse_json(read_bytes(path, limit=MAX_SMALL_INPUT_BYTES), display_name(path))
    config = doc.get("signingConfig") if isinstance(doc, dict) else None
    return config if isinstance(config, dict) else None


def public_good_signing_config(*, staging: bool) -> dict[str, Any] | None:
    """The public-good instance's signing config from sigstore-python's TUF cache, if there."""
    path = _targets_dir(STAGING_TUF_URL if staging else PRODUCTION_TUF_URL) / SIGNING_CONFIG_TARGET
    if not path.is_file():
        return None
    try:
        doc = parse_json(read_bytes(path, limit=MAX_SMALL_INPUT_BYTES), str(path))
    except InputError:
        return None
    return doc if isinstance(doc, dict) else None


@dataclass(frozen=True)
class InstanceTrust:
    """A Sigstore instance's trust files, as its TUF repository serves them."""

    url: str
    #: The ``trusted_root.json`` target, byte for byte.
    trusted_root: bytes
    #: A client trust config: that trusted root with the instance's signing config.
    trust_config: bytes


def _targets_dir(url: str) -> Path:
    """Where sigstore-python's TUF client keeps the verified targets of the repository at url."""
    quoted = urllib.parse.quote(url.rstrip("/"), safe="")
    return Path(platformdirs.user_cache_dir("sigstore-python", "sigstore")) / "tuf" / quoted


def _check_url(url: str) -> str:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("https", "http") or not parsed.netloc:
        raise InputError(f"not an http(s) URL of a TUF repository: {url!r}")
    return url.rstrip("/")


def fetch_instance_trust(url: str, *, tuf_root: str | Path | None = None) -> InstanceTrust:
    """Fetch an instance's trusted root and signing config through its TUF repository.

    ``tuf_root`` is the instance's initial TUF ``root.json``, obtained out of band (the trust
    anchor: every later file is verified against it). The public-good production and staging
    repositories need none (sigstore-python embeds theirs), nor does an instance trusted before
    on this machine. The network is used; the result is checked to be a usable trust config.
    """
    url = _check_url(url)
    bootstrap: Path | None = None
    if tuf_root is not None:
        read_bytes(tuf_root, limit=MAX_SMALL_INPUT_BYTES)  # a clear error for a missing file
        bootstrap = Path(tuf_root)
    try:
        ClientTrustConfig.from_tuf(url, offline=False, bootstrap_root=bootstrap)
    except (SigstoreError, OSError, ValueError) as e:
        known = url in (PRODUCTION_TUF_URL, STAGING_TUF_URL)
        cause = e.__cause__ if e.__cause__ is not None else e
        raise OperationalError(
            f"cannot obtain the trust material of {url} through TUF: {one_line(e)}"
            + (f" ({one_line(cause)})" if cause is not e else ""),
            hint=None
            if known or tuf_root is not None
            else "give --tuf-root ROOT.json: the instance's initial TUF root, obtained out of band",
        ) from e
    targets = _targets_dir(url)
    try:
        root_bytes = read_bytes(targets / TRUSTED_ROOT_TARGET, limit=MAX_SMALL_INPUT_BYTES)
        config_bytes = read_bytes(targets / SIGNING_CONFIG_TARGET, limit=MAX_SMALL_INPUT_BYTES)
    except InputError as e:  # pragma: no cover - from_tuf has just written them
        raise OperationalError(f"TUF targets of {url} not found in {targets}: {e}") from e
    return InstanceTrust(url, root_bytes, assemble_trust_config(root_bytes, config_bytes, url))


def assemble_trust_config(root: bytes, signing_config: bytes, source: str) -> bytes:
    """A client trust config from a trusted root and a signing config, checked to load."""
    try:
        root_doc = parse_json(root, source)
        config_doc = parse_json(signing_config, source)
    except InputError as e:
        raise InputError(f"malformed TUF target: {e.message}", source=source) from e
    if (
        not isinstance(config_doc, dict)
        or config_doc.get("mediaType") != _SIGNING_CONFIG_MEDIA_TYPE
    ):
        raise InputError(
            f"unsupported signing config (expected media type {_SIGNING_CONFIG_MEDIA_TYPE})",
            source=source,
        )
    doc = {
        "mediaType": _TRUST_CONFIG_MEDIA_TYPE,
        "trustedRoot": root_doc,
        "signingConfig": config_doc,
    }
    data = orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"
    try:
        ClientTrustConfig.from_json(data.decode("utf-8"))
    except REJECTIONS_OR_DECODE as e:
        raise InputError(f"unusable trust config: {one_line(e)}", source=source) from e
    return data

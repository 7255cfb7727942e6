"""Read a trusted root (or client trust config) document strictly, without sigstore-python.

Every field must be one the Sigstore protobuf-specs JSON form names (camelCase), with the type it
has there: :func:`check_trusted_root` and :func:`check_trust_config` raise
:class:`~sovbom.signing.lean._base.Unsupported` for anything else, and the caller then reads the
document with sigstore-python's models, which accept it or say what is wrong. Whatever these
functions accept, those models accept too (a test reads every root with both).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sovbom.signing.lean._base import Unsupported, b64, obj, text

TRUSTED_ROOT_MEDIA_TYPE = "application/vnd.dev.sigstore.trustedroot+json;version=0.1"
TRUST_CONFIG_MEDIA_TYPE = "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"
SIGNING_CONFIG_MEDIA_TYPES = frozenset(
    {
        "application/vnd.dev.sigstore.signingconfig.v0.1+json",
        "application/vnd.dev.sigstore.signingconfig.v0.2+json",
    }
)
#: Key types a trusted root may name (protobuf-specs ``PublicKeyDetails``); the lean verifier
#: uses only some of them (:mod:`~sovbom.signing.lean.root`) and ignores keys of the others.
KEY_DETAILS = frozenset(
    {
        "PKCS1_RSA_PKCS1V5",
        "PKCS1_RSA_PSS",
        "PKIX_RSA_PKCS1V5",
        "PKIX_RSA_PSS",
        "PKIX_RSA_PKCS1V15_2048_SHA256",
        "PKIX_RSA_PKCS1V15_3072_SHA256",
        "PKIX_RSA_PKCS1V15_4096_SHA256",
        "PKIX_RSA_PSS_2048_SHA256",
        "PKIX_RSA_PSS_3072_SHA256",
        "PKIX_RSA_PSS_4096_SHA256",
        "PKIX_ECDSA_P256_SHA_256",
        "PKIX_ECDSA_P384_SHA_384",
        "PKIX_ECDSA_P521_SHA_512",
        "PKIX_ED25519",
        "PKIX_ED25519_PH",
        "PKIX_ECDSA_P384_SHA_256",
        "PKIX_ECDSA_P521_SHA_256",
        "LMS_SHA256",
        "LMOTS_SHA256",
        "ML_DSA_65",
        "ML_DSA_87",
    }
)
_HASH_ALGORITHMS = frozenset({"SHA2_256", "SHA2_384", "SHA2_512", "SHA3_256", "SHA3_384"})
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")


def _k(*names: str) -> frozenset[str]:
    return frozenset(names)


def read_time(value: Any, where: str) -> dt.datetime:
    """An RFC 3339 time with a zone."""
    s = text(value, where)
    if not _TIME.fullmatch(s):
        raise Unsupported(f"{where}: not an RFC 3339 time")
    try:
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError as e:
        raise Unsupported(f"{where}: invalid time") from e


def _time_range(value: Any, where: str) -> None:
    period = obj(value, where, _k("start", "end"), _k("start"))
    read_time(period["start"], f"{where}.start")
    if "end" in period:
        read_time(period["end"], f"{where}.end")


def _log(value: Any, where: str) -> None:
    log = obj(
        value,
        where,
        _k("baseUrl", "hashAlgorithm", "publicKey", "logId", "checkpointKeyId", "operator"),
        _k("baseUrl", "hashAlgorithm", "publicKey", "logId"),
    )
    text(log["baseUrl"], f"{where}.baseUrl")
    if log["hashAlgorithm"] not in _HASH_ALGORITHMS:
        raise Unsupported(f"{where}.hashAlgorithm")
    key = obj(
        log["publicKey"],
        f"{where}.publicKey",
        _k("rawBytes", "keyDetails", "validFor"),
        _k("rawBytes", "keyDetails", "validFor"),
    )
    if not b64(key["rawBytes"], f"{where}.rawBytes") or key["keyDetails"] not in KEY_DETAILS:
        raise Unsupported(f"{where}: key")
    _time_range(key["validFor"], f"{where}.validFor")
    for name in ("logId", "checkpointKeyId"):
        if name in log:
            b64(obj(log[name], name, _k("keyId"), _k("keyId"))["keyId"], f"{where}.{name}")
    if "operator" in log:
        text(log["operator"], f"{where}.operator")


def _authority(value: Any, where: str) -> None:
    ca = obj(
        value,
        where,
        _k("subject", "uri", "certChain", "validFor", "operator"),
        _k("subject", "certChain", "validFor"),
    )
    subject = obj(
        ca["subject"],
        f"{where}.subject",
        _k("organization", "commonName"),
        _k("organization", "commonName"),
    )
    text(subject["organization"], where)
    text(subject["commonName"], where)
    for name in ("uri", "operator"):
        if name in ca:
            text(ca[name], f"{where}.{name}")
    chain = obj(ca["certChain"], f"{where}.certChain", _k("certificates"), _k("certificates"))
    certs = chain["certificates"]
    if not isinstance(certs, list) or not certs:
        raise Unsupported(f"{where}: no certificates")
    for c in certs:
        b64(obj(c, where, _k("rawBytes"), _k("rawBytes"))["rawBytes"], f"{where}.rawBytes")
    _time_range(ca["validFor"], f"{where}.validFor")


def _list(doc: dict[str, Any], name: str) -> list[Any]:
    items = doc.get(name, [])
    if not isinstance(items, list):
        raise Unsupported(f"{name}: not a list")
    return items


def check_trusted_root(doc: Any) -> dict[str, Any]:
    """The trusted root document, when the lean reader handles every field of it."""
    root = obj(
        doc,
        "trusted root",
        _k("mediaType", "tlogs", "certificateAuthorities", "ctlogs", "timestampAuthorities"),
        _k("mediaType", "tlogs", "certificateAuthorities", "ctlogs"),
    )
    if root["mediaType"] != TRUSTED_ROOT_MEDIA_TYPE:
        raise Unsupported("trusted root media type")
    for name in ("tlogs", "ctlogs"):
        for i, item in enumerate(_list(root, name)):
            _log(item, f"{name}[{i}]")
    for name in ("certificateAuthorities", "timestampAuthorities"):
        for i, item in enumerate(_list(root, name)):
            _authority(item, f"{name}[{i}]")
    return root


def _service(value: Any, where: str) -> None:
    service = obj(
        value,
        where,
        _k("url", "majorApiVersion", "validFor", "operator"),
        _k("url", "majorApiVersion", "operator"),
    )
    text(service["url"], where)
    text(service["operator"], where)
    version = service["majorApiVersion"]
    if not isinstance(version, int) or isinstance(version, bool) or not 0 <= version < 2**31:
        raise Unsupported(f"{where}.majorApiVersion")
    if "validFor" in service:
        _time_range(service["validFor"], f"{where}.validFor")


def _service_config(value: Any, where: str) -> None:
    config = obj(value, where, _k("selector", "count"), _k("selector"))
    if config["selector"] not in ("ALL", "ANY", "EXACT"):
        raise Unsupported(f"{where}.selector")
    count = config.get("count", 0)
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count < 2**31:
        raise Unsupported(f"{where}.count")


def check_trust_config(doc: Any) -> dict[str, Any]:
    """The trusted root of a client trust config, when the lean reader handles every field."""
    config = obj(
        doc,
        "trust config",
        _k("mediaType", "trustedRoot", "signingConfig"),
        _k("mediaType", "trustedRoot", "signingConfig"),
    )
    if config["mediaType"] != TRUST_CONFIG_MEDIA_TYPE:
        raise Unsupported("trust config media type")
    signing = obj(
        config["signingConfig"],
        "signingConfig",
        _k(
            "mediaType",
            "caUrls",
            "oidcUrls",
            "rekorTlogUrls",
            "rekorTlogConfig",
            "tsaUrls",
            "tsaConfig",
        ),
        _k("mediaType"),
    )
    if signing["mediaType"] not in SIGNING_CONFIG_MEDIA_TYPES:
        raise Unsupported("signing config media type")
    for name in ("caUrls", "oidcUrls", "rekorTlogUrls", "tsaUrls"):
        for i, item in enumerate(_list(signing, name)):
            _service(item, f"{name}[{i}]")
    for name in ("rekorTlogConfig", "tsaConfig"):
        if name in signing:
            _service_config(signing[name], name)
    return check_trusted_root(config["trustedRoot"])

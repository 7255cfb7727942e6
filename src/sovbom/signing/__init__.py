"""Sign and verify files with Sigstore. The only package of sovbom that imports ``sigstore``.

* :mod:`~sovbom.signing.trust`: the trust material (trusted root, signing config), its digest,
  validity and freshness;
* :mod:`~sovbom.signing.windows`: the validity window of each key of a trusted root;
* :mod:`~sovbom.signing.identity`: who a signing certificate names, and the signer policy check;
* :mod:`~sovbom.signing.options`: what a signature is checked against (:class:`TrustOptions`);
* :mod:`~sovbom.signing.statement`: in-toto statements of BOM attestations;
* :mod:`~sovbom.signing.verdict` and :mod:`~sovbom.signing.verify`: verification, failing closed;
* :mod:`~sovbom.signing.sign`: identity tokens and signing.

Everything other modules use is importable from here.

The names below are imported on first use (PEP 562): importing this package costs nothing, and a
command that verifies with the lean verifier (:mod:`~sovbom.signing.lean`) never imports
sigstore-python unless a bundle needs it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sovbom.signing._common import BUNDLE_SUFFIX, default_bundle_path
    from sovbom.signing.identity import SignerSpec, certificate_identities, certificate_issuer
    from sovbom.signing.options import TrustOptions
    from sovbom.signing.sign import (
        SIGNING_NETWORK_HINT,
        BomSigner,
        SignerIdentity,
        identity_token,
        load_signing_trust,
        open_signer,
        sign_file,
    )
    from sovbom.signing.statement import (
        ANY_PREDICATE_TYPE,
        CYCLONEDX_PREDICATE_TYPE,
        DOCUMENT_PREDICATE_TYPE,
        IN_TOTO_PAYLOAD_TYPE,
        IN_TOTO_STATEMENT_TYPES,
        SPDX_2_3_PREDICATE_TYPE,
        SPDX_3_PREDICATE_TYPE,
        attestable_bom,
        build_bom_statement,
        document_predicate_type,
    )
    from sovbom.signing.trust import (
        PRODUCTION_TUF_URL,
        STAGING_TUF_URL,
        Freshness,
        TrustMaterial,
        TrustRootInfo,
        load_trust,
    )
    from sovbom.signing.verdict import BundleKind, Status, Verdict
    from sovbom.signing.verify import (
        PARALLEL_THRESHOLD,
        BundleVerifier,
        verify_bundle_for_bytes,
        verify_file,
    )
    from sovbom.signing.windows import KeyKind, KeyWindow

#: Where each public name lives.
_MODULES: dict[str, str] = {
    "BUNDLE_SUFFIX": "sovbom.signing._common",
    "default_bundle_path": "sovbom.signing._common",
    "SignerSpec": "sovbom.signing.identity",
    "certificate_identities": "sovbom.signing.identity",
    "certificate_issuer": "sovbom.signing.identity",
    "TrustOptions": "sovbom.signing.options",
    "SIGNING_NETWORK_HINT": "sovbom.signing.sign",
    "BomSigner": "sovbom.signing.sign",
    "SignerIdentity": "sovbom.signing.sign",
    "identity_token": "sovbom.signing.sign",
    "load_signing_trust": "sovbom.signing.sign",
    "open_signer": "sovbom.signing.sign",
    "sign_file": "sovbom.signing.sign",
    "ANY_PREDICATE_TYPE": "sovbom.signing.statement",
    "CYCLONEDX_PREDICATE_TYPE": "sovbom.signing.statement",
    "DOCUMENT_PREDICATE_TYPE": "sovbom.signing.statement",
    "IN_TOTO_PAYLOAD_TYPE": "sovbom.signing.statement",
    "IN_TOTO_STATEMENT_TYPES": "sovbom.signing.statement",
    "SPDX_2_3_PREDICATE_TYPE": "sovbom.signing.statement",
    "SPDX_3_PREDICATE_TYPE": "sovbom.signing.statement",
    "attestable_bom": "sovbom.signing.statement",
    "build_bom_statement": "sovbom.signing.statement",
    "document_predicate_type": "sovbom.signing.statement",
    "PRODUCTION_TUF_URL": "sovbom.signing.trust",
    "STAGING_TUF_URL": "sovbom.signing.trust",
    "Freshness": "sovbom.signing.trust",
    "TrustMaterial": "sovbom.signing.trust",
    "TrustRootInfo": "sovbom.signing.trust",
    "load_trust": "sovbom.signing.trust",
    "BundleKind": "sovbom.signing.verdict",
    "Status": "sovbom.signing.verdict",
    "Verdict": "sovbom.signing.verdict",
    "PARALLEL_THRESHOLD": "sovbom.signing.verify",
    "BundleVerifier": "sovbom.signing.verify",
    "verify_bundle_for_bytes": "sovbom.signing.verify",
    "verify_file": "sovbom.signing.verify",
    "KeyKind": "sovbom.signing.windows",
    "KeyWindow": "sovbom.signing.windows",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ANY_PREDICATE_TYPE",
    "BUNDLE_SUFFIX",
    "CYCLONEDX_PREDICATE_TYPE",
    "DOCUMENT_PREDICATE_TYPE",
    "IN_TOTO_PAYLOAD_TYPE",
    "IN_TOTO_STATEMENT_TYPES",
    "PARALLEL_THRESHOLD",
    "PRODUCTION_TUF_URL",
    "SPDX_2_3_PREDICATE_TYPE",
    "SPDX_3_PREDICATE_TYPE",
    "SIGNING_NETWORK_HINT",
    "STAGING_TUF_URL",
    "BomSigner",
    "BundleKind",
    "BundleVerifier",
    "Freshness",
    "KeyKind",
    "KeyWindow",
    "SignerIdentity",
    "SignerSpec",
    "Status",
    "TrustMaterial",
    "TrustOptions",
    "TrustRootInfo",
    "Verdict",
    "attestable_bom",
    "build_bom_statement",
    "certificate_identities",
    "certificate_issuer",
    "default_bundle_path",
    "document_predicate_type",
    "identity_token",
    "load_signing_trust",
    "load_trust",
    "open_signer",
    "sign_file",
    "verify_bundle_for_bytes",
    "verify_file",
]

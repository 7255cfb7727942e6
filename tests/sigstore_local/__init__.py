"""A local, test-only Sigstore-compatible instance (CA, transparency log, OIDC tokens).

It listens on 127.0.0.1 only and generates all of its keys in memory: it is never a trust root
outside the test suite. It speaks the protocols sigstore-python's client uses (Fulcio v2
``signingCert``, Rekor v1 ``log/entries`` with inclusion proofs, signed checkpoints and SETs,
embedded SCTs).
"""

from .pki import DEFAULT_ISSUER, InstanceKeys
from .server import LocalSigstore

__all__ = ["DEFAULT_ISSUER", "InstanceKeys", "LocalSigstore"]

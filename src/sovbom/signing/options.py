"""What a signature is checked against: a signer policy and trust material (:class:`TrustOptions`)."""

from __future__ import annotations

from dataclasses import dataclass

from sovbom.signers import SignerPolicy
from sovbom.signing.trust import TrustMaterial


@dataclass(slots=True)
class TrustOptions:
    """Signature-checking options as a command line gives them: who may sign (``signers``) and
    the trust material their signatures are verified with (``trust``)."""

    signers: SignerPolicy
    trust: TrustMaterial


__all__ = ["TrustOptions"]

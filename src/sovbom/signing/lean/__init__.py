"""A lean Sigstore bundle verifier on ``cryptography`` alone, for the common bundle shapes.

It vouches for a bundle only when every check holds (:mod:`.verify` lists them) and otherwise
declines (:class:`Decline`): the caller then runs sigstore-python's full verification, which
decides. It never rejects on its own, so it can only be faster, never more lenient, as long as
whatever it accepts sigstore-python accepts too (a differential test runs both).

Modules by responsibility: :mod:`.bundle` (reading bundles), :mod:`.root` (trusted root keys and
their windows), :mod:`.chain` (certificate chains), :mod:`.sct` (embedded SCTs), :mod:`.merkle`
(inclusion proofs and checkpoints), :mod:`.identity` (who a certificate names), :mod:`.verify`.
"""

from __future__ import annotations

from sovbom.signing.lean._base import Decline, Rejected, Unsupported
from sovbom.signing.lean.root import LeanRoot
from sovbom.signing.lean.verify import Accepted, LeanVerifier

__all__ = ["Accepted", "Decline", "LeanRoot", "LeanVerifier", "Rejected", "Unsupported"]

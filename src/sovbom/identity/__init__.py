"""Hardware-rooted identity: prove that a part is the unit the factory recorded.

Offline, from evidence captured at collection time (device certificate chains, signed SPDM
measurement transcripts, captured OCSP/CRL responses), against hardware trust anchors the user
configured. The one entry point is :func:`verify_hardware`::

    roots = load_roots("roots/")                       # PEM roots, each with its vendor
    report = verify_hardware(observed_doc, roots, expected=factory_doc, base_dir="evidence/")
    report.results["hw:gpu0"].status, report.results["hw:gpu0"].reasons

Modules: :mod:`.anchors` (trust anchors), :mod:`.chain` (chain validation, cached per
intermediate), :mod:`.spdm` (SPDM 1.1/1.2 GET_MEASUREMENTS transcripts), :mod:`.certs` (device
identity in a certificate), :mod:`.revocation` (captured OCSP/CRL), :mod:`.evidence` and
:mod:`.expected` (reading observed and factory HBOMs), :mod:`.cdx` (the CycloneDX
representation), :mod:`.check` (one part's evidence), :mod:`.workers` (many parts, over forked
worker processes), :mod:`.verify` (the step: binding, replays, the report), :mod:`.levels` (the
hardware-verified level and what reports show per part), :mod:`.render` (table and JSON output).
"""

from sovbom.identity.anchors import Anchor, TrustStore, load_roots, store_of
from sovbom.identity.chain import ChainValidator
from sovbom.identity.evidence import DeviceEvidence
from sovbom.identity.expected import ExpectedSet
from sovbom.identity.reasons import (
    EXPLANATIONS,
    ComponentResult,
    Finding,
    Reason,
    Revocation,
    Status,
)
from sovbom.identity.verify import HardwareReport, verify_evidence, verify_hardware

__all__ = [
    "EXPLANATIONS",
    "Anchor",
    "ChainValidator",
    "ComponentResult",
    "DeviceEvidence",
    "ExpectedSet",
    "Finding",
    "HardwareReport",
    "Reason",
    "Revocation",
    "Status",
    "TrustStore",
    "load_roots",
    "store_of",
    "verify_evidence",
    "verify_hardware",
]

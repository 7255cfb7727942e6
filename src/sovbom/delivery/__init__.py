"""Delivery verification: the server on the dock against the manufacturer's signed HBOM.

* :mod:`~sovbom.delivery.model`: results, statuses, verdicts (what the reports render);
* :mod:`~sovbom.delivery.extract`: the parts of an HBOM (read with the walk the graph uses);
  :mod:`~sovbom.delivery.doc_templates` reads the documents a shipment repeats but for their
  serials once, and :mod:`~sovbom.delivery.byte_templates` the files it repeats so without
  parsing them again;
* :mod:`~sovbom.delivery.match`: which observed part is which expected part;
* :mod:`~sovbom.delivery.compare`: field by field, under the policy's tolerances
  (:mod:`~sovbom.delivery.tolerances`);
* :mod:`~sovbom.delivery.assess`: one server: signature verdict, comparison, policy check
  (:func:`sovbom.checking.check_bom`);
* :mod:`~sovbom.delivery.shipment`: shipment directories, worker processes;
  :mod:`~sovbom.delivery.duplicates`: servers that are not unique within a shipment;
  :mod:`~sovbom.delivery.spool`: a shipment's results, kept in a temporary file;
  :mod:`~sovbom.delivery.report_dir`: a directory of reports written all at once.

Tolerances come from the policy's ``delivery`` section (``schemas/policy.schema.json``):
``ignore_fields``, ``accept_newer_firmware``, ``accept_revision_drift`` and
``ignore_unexpected_classes``. Matching and comparison are pure (documents in, results out);
:func:`verify_server` and :func:`discover_shipment` read files.
"""

from sovbom.delivery.assess import assess, check_signature, sha256_hex, unexpected_findings
from sovbom.delivery.compare import compare, compare_parts, same_manufacturer
from sovbom.delivery.extract import extract, observed_complete
from sovbom.delivery.match import SINGLETON_CLASSES
from sovbom.delivery.model import (
    FIELDS,
    IDENTITY_FIELDS,
    Comparison,
    DeliveryResult,
    FieldCheck,
    FieldStatus,
    Fingerprint,
    PartResult,
    PartStatus,
    ShipmentResult,
    SourceInfo,
    Verdict,
)
from sovbom.delivery.shipment import (
    EXPECTED_NAME,
    OBSERVED_NAME,
    PARALLEL_THRESHOLD,
    ServerInputs,
    ShipmentLayout,
    discover_shipment,
    scan_shipment,
    verify_server,
    verify_shipment,
)
from sovbom.delivery.tolerances import DeliveryTolerances, tolerances_of, version_key

__all__ = [
    "EXPECTED_NAME",
    "FIELDS",
    "IDENTITY_FIELDS",
    "OBSERVED_NAME",
    "PARALLEL_THRESHOLD",
    "SINGLETON_CLASSES",
    "Comparison",
    "DeliveryResult",
    "DeliveryTolerances",
    "FieldCheck",
    "FieldStatus",
    "Fingerprint",
    "PartResult",
    "PartStatus",
    "ServerInputs",
    "ShipmentLayout",
    "ShipmentResult",
    "SourceInfo",
    "Verdict",
    "assess",
    "check_signature",
    "compare",
    "compare_parts",
    "discover_shipment",
    "extract",
    "observed_complete",
    "same_manufacturer",
    "scan_shipment",
    "sha256_hex",
    "tolerances_of",
    "unexpected_findings",
    "verify_server",
    "verify_shipment",
    "version_key",
]

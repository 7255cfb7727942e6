"""Comparing two CycloneDX BOMs (``sovbom diff``): added, removed, changed and moved components.

* :mod:`~sovbom.diff.model`: the report (entries, statuses, the two sides);
* :mod:`~sovbom.diff.compute`: matching (hardware as ``verify-delivery`` matches it, software by
  purl) and comparing;
* :mod:`~sovbom.diff.fields`: the fields compared; :mod:`~sovbom.diff.software`: software
  matching.
"""

from sovbom.diff.compute import diff_boms, side_of
from sovbom.diff.fields import PROPERTY_FIELDS, compare_fields, fields_of
from sovbom.diff.model import (
    STATUS_ORDER,
    DiffReport,
    Entry,
    FieldChange,
    Kind,
    Parent,
    Side,
    Status,
)
from sovbom.diff.software import Software, match_software, purl_key

__all__ = [
    "PROPERTY_FIELDS",
    "STATUS_ORDER",
    "DiffReport",
    "Entry",
    "FieldChange",
    "Kind",
    "Parent",
    "Side",
    "Software",
    "Status",
    "compare_fields",
    "diff_boms",
    "fields_of",
    "match_software",
    "purl_key",
    "side_of",
]

"""Minimum-elements conformance: NTIA 2021, CISA 2026, BSI TR-03183-2, as data.

Each profile (``profiles/<id>.yaml``) lists its elements, where each applies (document or
component), the probe that finds it in a CycloneDX document, and the section of its published
source. :func:`check_conformance` reports each element as present, missing, explicitly unknown,
or not applicable (a hash of a physical device).
"""

from sovbom.conformance.evaluate import check_conformance
from sovbom.conformance.model import (
    ComponentVerdicts,
    ConformanceReport,
    Element,
    FailOn,
    Profile,
    Scope,
    Status,
    Verdict,
)
from sovbom.conformance.profiles import ProfileId, load_profile

__all__ = [
    "ComponentVerdicts",
    "ConformanceReport",
    "Element",
    "FailOn",
    "Profile",
    "ProfileId",
    "Scope",
    "Status",
    "Verdict",
    "check_conformance",
    "load_profile",
]

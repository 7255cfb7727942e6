"""Writing CycloneDX documents: finalise, validate, serialise, write atomically."""

from __future__ import annotations

import os

from sovbom._io import write_bytes
from sovbom.cyclonedx.document import BomDocument, finalize, serialize
from sovbom.cyclonedx.integrity import integrity_problems
from sovbom.cyclonedx.schema import schema_problems
from sovbom.errors import SovbomError


class InvalidOutput(SovbomError):
    """sovbom was about to write a document that is not valid: nothing is written."""


def render_bom(doc: BomDocument, *, reproducible: bool) -> bytes:
    """Finalise and serialise ``doc``; refuse (raise) when it is not schema-valid and consistent."""
    finalize(doc, reproducible=reproducible)
    problems = schema_problems(doc, str(doc["specVersion"])) + integrity_problems(doc)
    if problems:
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise InvalidOutput(f"refusing to write an invalid CycloneDX document: {shown}{more}")
    return serialize(doc)


def write_bom(path: str | os.PathLike[str], doc: BomDocument, *, reproducible: bool) -> bytes:
    """Validate and write ``doc`` to ``path`` (``-`` for stdout); returns the bytes written."""
    data = render_bom(doc, reproducible=reproducible)
    write_bytes(path, data)
    return data

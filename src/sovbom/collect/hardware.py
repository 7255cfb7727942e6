"""Collect a server's observed hardware from its sources into one CycloneDX HBOM.

The orchestration behind ``sovbom collect hardware`` and ``sovbom verify-delivery``: read each
source given in :class:`~sovbom.collect.sources.HardwareSources` (the registered sources of
:mod:`sovbom.collect.sources`: a Redfish service or mockup, dmidecode, nvidia-smi, lshw, or this
host), merge their inventories (:func:`sovbom.collect.merge.merge_inventories`), fill
manufacturer countries from the supplier registry, and build the observed HBOM
(:func:`sovbom.hbom.tree_document` with ``kind="observed"``).

Sources are read in the order of their precedence (redfish, redfish mockup, dmidecode,
nvidia-smi, lshw, local): the first source to name a field gives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sovbom import taxonomy as tx
from sovbom.collect.sources import HardwareSources, source_options
from sovbom.errors import InputError

if TYPE_CHECKING:
    from sovbom.cyclonedx.document import BomDocument

#: ``metadata.properties`` of an observed HBOM: a note for a person, and each source read.
NOTE = tx.COLLECTION_NOTE
SOURCE = tx.COLLECTION_SOURCE


@dataclass(slots=True)
class HardwareCollection:
    """An observed HBOM (not finalised: see :func:`sovbom.cyclonedx.writer.write_bom`)."""

    doc: BomDocument
    #: what a person should know: sources that could not be read completely, conflicts
    notes: list[str]
    #: False when a source could not be read entirely (the HBOM is then marked incomplete)
    complete: bool


def collect_hardware(
    sources: HardwareSources, *, spec_version: str | None = None
) -> HardwareCollection:
    """Read, merge and build the observed HBOM of one server.

    Raises :class:`~sovbom.errors.InputError` when no source is given or a source cannot be read
    (a malformed file), :class:`~sovbom.errors.OperationalError` when a BMC cannot be reached.
    A source read only in part gives ``complete=False`` and notes saying what was missed.
    With ``capture_revocation`` in the connection settings, the OCSP responses and CRLs of every
    certificate chain collected are fetched and kept (:mod:`sovbom.collect.revocation`).
    """
    from sovbom.collect.merge import merge_inventories
    from sovbom.collect.suppliers import apply_registry, registry_for
    from sovbom.cyclonedx.document import DEFAULT_WRITE_VERSION
    from sovbom.hbom import tree_document

    if not sources.any():
        raise InputError(f"give at least one hardware source: {source_options()}")
    if sources.connection.challenge and "redfish" not in sources.given:
        raise InputError("--challenge needs a live BMC (--redfish URL)")
    # Load the registry first: a broken --suppliers file fails before any BMC is contacted.
    registry = registry_for(sources.suppliers)
    reading = sources.read()
    if sources.connection.capture_revocation:
        from sovbom.collect.revocation import capture_revocation

        reading.notes.extend(
            capture_revocation(
                [p for inv in reading.inventories for p in (inv.system, *inv.parts) if p],
                timeout=sources.connection.timeout,
                retries=sources.connection.retries,
            )
        )
    merged = merge_inventories(
        reading.inventories, slot_names=reading.slot_names, companies=registry
    )
    apply_registry(merged.root.walk(), registry)
    notes = [*merged.notes, *reading.notes]
    properties: list[tuple[str, str]] = [(SOURCE, s) for s in merged.sources]
    if not merged.complete:
        properties.append((tx.INCOMPLETE, "true"))
    properties.extend((NOTE, n) for n in notes)
    doc = tree_document(
        merged.root,
        spec_version=spec_version or DEFAULT_WRITE_VERSION,
        kind="observed",
        properties=properties,
    )
    return HardwareCollection(doc=doc, notes=notes, complete=merged.complete)


__all__ = ["NOTE", "SOURCE", "HardwareCollection", "HardwareSources", "collect_hardware"]

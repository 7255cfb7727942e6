"""Collect a server's observed hardware from its sources into one CycloneDX HBOM.

The orchestration behind ``sovbom collect hardware`` and ``sovbom verify-delivery``: read each
source given in :class:`HardwareSources` (a Redfish service or mockup, dmidecode, nvidia-smi,
lshw, or this host), merge their inventories (:func:`sovbom.collect.merge.merge_inventories`), fill
manufacturer countries from the supplier registry, and build the observed HBOM
(:func:`sovbom.hbom.tree_document` with ``kind="observed"``).

Sources are read in a fixed order (redfish, redfish mockup, dmidecode, nvidia-smi, lshw, local):
the first source to name a field gives it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sovbom import taxonomy as tx
from sovbom.collect.interface import Inventory
from sovbom.cyclonedx.document import DEFAULT_WRITE_VERSION, BomDocument
from sovbom.errors import InputError, OperationalError

log = logging.getLogger("sovbom")

#: ``metadata.properties`` of an observed HBOM: a note for a person, and each source read.
NOTE = "sovbom:collection:note"
SOURCE = "sovbom:collection:source"


@dataclass(slots=True)
class HardwareSources:
    """Where to read a server's hardware from (any combination; at least one)."""

    dmidecode: str | None = None
    lshw: str | None = None
    nvidia_smi: str | None = None
    redfish_url: str | None = None
    redfish_mockup: str | None = None
    redfish_username: str | None = None
    ca_bundle: str | None = None
    insecure: bool = False
    timeout: float = 10.0
    retries: int = 2
    concurrency: int = 4
    local: bool = False
    #: supplier registry files tried before the default one
    suppliers: tuple[str, ...] = field(default_factory=tuple)

    def files(self) -> dict[str, str | None]:
        """The file sources by their command-line option."""
        return {"--dmidecode": self.dmidecode, "--lshw": self.lshw, "--nvidia-smi": self.nvidia_smi}

    def any(self) -> bool:
        return any([*self.files().values(), self.redfish_url, self.redfish_mockup, self.local])


@dataclass(slots=True)
class HardwareCollection:
    """An observed HBOM (not finalised: see :func:`sovbom.cyclonedx.writer.write_bom`)."""

    doc: BomDocument
    #: what a person should know: sources that could not be read completely, conflicts
    notes: list[str]
    #: False when a source could not be read entirely (the HBOM is then marked incomplete)
    complete: bool


def _drop_summary(inventory: Inventory, summary: str) -> None:
    """The Redfish walk's cost summary (timings) goes to the log, not into the HBOM."""
    notes = inventory.notes
    if notes and notes[-1] == summary:
        notes.pop()
    log.info("redfish: %s", summary)


def read_inventories(sources: HardwareSources) -> tuple[list[Inventory], dict[str, str], list[str]]:
    """Read every source: the inventories, PCI slot names (bus address -> name) and extra notes."""
    inventories: list[Inventory] = []
    slot_names: dict[str, str] = {}
    extra_notes: list[str] = []
    if sources.redfish_url:
        from sovbom.collect import redfish

        inv, stats = redfish.collect_redfish_with_stats(
            sources.redfish_url,
            username=sources.redfish_username,
            ca_bundle=sources.ca_bundle,
            insecure=sources.insecure,
            timeout=sources.timeout,
            retries=sources.retries,
            concurrency=sources.concurrency,
        )
        _drop_summary(inv, stats.summary())
        inventories.append(inv)
    if sources.redfish_mockup:
        from sovbom.collect import redfish

        inv, stats = redfish.collect_mockup_with_stats(sources.redfish_mockup)
        _drop_summary(inv, stats.summary())
        inventories.append(inv)
    if sources.dmidecode:
        from sovbom.collect.dmidecode import collect_dmidecode

        inv, slots = collect_dmidecode(sources.dmidecode)
        inventories.append(inv)
        slot_names.update(slots)
    if sources.nvidia_smi:
        from sovbom.collect.nvidia_smi import collect_nvidia_smi

        inventories.append(collect_nvidia_smi(sources.nvidia_smi))
    if sources.lshw:
        from sovbom.collect.lshw import collect_lshw

        inventories.append(collect_lshw(sources.lshw))
    if sources.local:
        from sovbom.collect.local import collect_local

        result = collect_local()
        inventories.extend(result.inventories)
        for bus, name in result.slot_names.items():
            slot_names.setdefault(bus, name)
        extra_notes.extend(f"local: {n}" for n in result.notes)
        if not result.inventories:
            raise OperationalError(
                "--local could not read any hardware source on this host: "
                + "; ".join(result.notes)
            )
    return inventories, slot_names, extra_notes


def collect_hardware(
    sources: HardwareSources, *, spec_version: str = DEFAULT_WRITE_VERSION
) -> HardwareCollection:
    """Read, merge and build the observed HBOM of one server.

    Raises :class:`~sovbom.errors.InputError` when no source is given or a source cannot be read
    (a malformed file), :class:`~sovbom.errors.OperationalError` when a BMC cannot be reached.
    A source read only in part gives ``complete=False`` and notes saying what was missed.
    """
    from sovbom.collect.merge import merge_inventories
    from sovbom.collect.suppliers import apply_registry, registry_for
    from sovbom.hbom import tree_document

    if not sources.any():
        raise InputError(
            "give at least one hardware source: dmidecode, lshw, nvidia-smi, redfish,"
            " redfish mockup or local"
        )
    # Load the registry first: a broken --suppliers file fails before any BMC is contacted.
    registry = registry_for(sources.suppliers)
    inventories, slot_names, extra_notes = read_inventories(sources)
    merged = merge_inventories(inventories, slot_names=slot_names)
    apply_registry(merged.root.walk(), registry)
    notes = [*merged.notes, *extra_notes]
    properties: list[tuple[str, str]] = [(SOURCE, s) for s in merged.sources]
    if not merged.complete:
        properties.append((tx.INCOMPLETE, "true"))
    properties.extend((NOTE, n) for n in notes)
    doc = tree_document(
        merged.root, spec_version=spec_version, kind="observed", properties=properties
    )
    return HardwareCollection(doc=doc, notes=notes, complete=merged.complete)


__all__ = ["NOTE", "SOURCE", "HardwareCollection", "HardwareSources", "collect_hardware"]

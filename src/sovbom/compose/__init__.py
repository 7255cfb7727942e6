"""Composing one BOM per server: hardware, firmware, the operating system and its software.

The server is ``metadata.component``; it comes from the factory declaration (``base``, built from a
manifest) or, without one, from the first hardware BOM among the additions. Then each addition:

* **hardware BOM** (``metadata.component`` of type ``device``) of this server (same serial, a root
  classed ``server``, or unclassed with the server's name): its server is the server (fields
  merged, differences reported); its parts are merged into the tree under the same parent.
* **hardware BOM of a part** (any other device root, e.g. a supplier's board): its root is the part
  the manifest declares for it (same serial, or an external reference of type ``bom`` naming the
  file or its BOM-Link), else a new part beneath the server; its tree stays beneath it.
* **software BOM** (anything else, CycloneDX or converted SPDX): its anchor - ``metadata.component``
  (an operating system, a container, an application, a firmware image), else its only
  ``operating-system`` component, else a component named after the file - goes beneath the server
  (or beneath the part named by its ``sovbom:runs-on`` property, by bom-ref or serial number).
  An ``operating-system`` component found beside the anchor goes beneath it with the OS packages
  (``pkg:deb``, ``rpm``, ``apk``, ... or what the OS depends on); everything else goes beneath the
  anchor. The document's own dependencies are kept, their refs remapped.

Every placement adds the edge parent -> child to the dependencies, so the graph is connected from
the server root (the house convention: dependencies repeat the nesting).

**Same component, merged:** same purl; same serial number (``cdx:device:serialNumber``); for an
operating system without purl the same name and version beneath the same parent; for firmware
without purl the same name on the same part; for a part without serial on one side the same
``sovbom:slot`` under the same parent. The first occurrence stays where it is and keeps its
bom-ref; fields it lacks are filled in, list fields (hashes, external references, properties,
tags) are united, and a field with two different values
keeps the first and is reported in :attr:`ComposeResult.conflicts`, naming both sources. Within one
input, two entries with different bom-refs stay two (a producer's own duplicates are its choice:
the same Go module found in two binaries). Colliding bom-refs of different components are prefixed
with the name of the input they come from.

**Sub-BOMs:** an input signed separately by its supplier (a ``FILE.sigstore.json`` bundle beside
it, or named in ``sub_boms``) is linked: the component it describes gets an external reference
``{type: bom, url: urn:cdx:<serial>/<version>, hashes: [SHA-256 of the file]}``. Its components
are merged too, so the server BOM stays complete for analysis, and each of them carries a
``sovbom:vouched-by`` property holding that BOM-Link: verification can tell which parts of the
graph the supplier's signature covers.

The inputs' documents are consumed (their component dicts are moved into the result).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from sovbom import taxonomy as tx
from sovbom.collect.sbom_import import normalize_bom
from sovbom.compose.composer import (
    OS_PURL_TYPES,
    Composer,
    ComposeResult,
    bom_link,
    synthetic_anchor,
)
from sovbom.cyclonedx.document import DEFAULT_WRITE_VERSION, BomDocument
from sovbom.cyclonedx.reader import LoadedBom
from sovbom.errors import InputError

#: Each component that came from a separately signed sub-BOM names it (its BOM-Link).
VOUCHED_BY = tx.VOUCHED_BY
#: One per input of the composition: ``<file name> sha256:<hex>``.
COMPOSED_FROM = tx.COMPOSED_FROM
SIGNATURE_SUFFIX = ".sigstore.json"

__all__ = [
    "COMPOSED_FROM",
    "OS_PURL_TYPES",
    "SIGNATURE_SUFFIX",
    "VOUCHED_BY",
    "ComposeResult",
    "compose_server_bom",
    "compose_software",
    "is_hardware_bom",
    "is_signed_separately",
]


def is_hardware_bom(doc: BomDocument) -> bool:
    metadata = doc.get("metadata")
    return (
        isinstance(metadata, dict)
        and isinstance(metadata.get("component"), dict)
        and metadata["component"].get("type") == "device"
    )


def is_signed_separately(bom: LoadedBom, sub_boms: Collection[str] = ()) -> bool:
    """Whether ``bom`` is a sub-BOM: named in ``sub_boms`` or with a Sigstore bundle beside it."""
    if bom.source in sub_boms:
        return True
    return bom.source != "<stdin>" and Path(bom.source + SIGNATURE_SUFFIX).is_file()


def compose_server_bom(
    base: dict[str, Any] | None,
    additions: Sequence[LoadedBom],
    *,
    spec_version: str = DEFAULT_WRITE_VERSION,
    sub_boms: Collection[str] = (),
    base_source: str = "manifest",
) -> ComposeResult:
    """One server BOM from a factory HBOM (``base``, or None) and hardware/software BOMs."""
    notes: list[str] = []
    for bom in additions:
        notes.extend(normalize_bom(bom, spec_version=spec_version))
    pending = list(additions)
    composer = Composer(spec_version)
    if base is not None:
        if not is_hardware_bom(base):
            raise InputError(
                "the base document has no server (metadata.component of type device)",
                source=base_source,
                location="$.metadata.component",
            )
        composer.start(base, base_source)
    else:
        first = next((b for b in pending if is_hardware_bom(b.doc)), None)
        if first is None:
            raise InputError(
                "no server root: none of the inputs is a hardware BOM",
                source=", ".join(b.source for b in additions) or None,
                hint="give --manifest, or --add a hardware BOM (metadata.component of type device)",
            )
        pending.remove(first)
        composer.start(first.doc, first.source, raw=first.raw)
        if is_signed_separately(first, sub_boms):
            composer.link_sub_bom(first, composer.root_ref)
    for bom in pending:
        linked = is_signed_separately(bom, sub_boms)
        tag = bom_link(bom) if linked else None
        if is_hardware_bom(bom.doc):
            anchor = composer.add_hardware(bom, tag)
        else:
            anchor = composer.add_software(bom, tag)
        if linked:
            composer.link_sub_bom(bom, anchor)
    result = composer.finish()
    result.notes[:0] = notes
    return result


def compose_software(
    boms: Sequence[LoadedBom], *, spec_version: str = DEFAULT_WRITE_VERSION
) -> ComposeResult:
    """One software BOM from several (``collect software`` with several sources): the first one's
    anchor (e.g. the operating system) is the root; the others go beneath it."""
    if not boms:
        raise InputError("no software source given")
    notes: list[str] = []
    for bom in boms:
        notes.extend(normalize_bom(bom, spec_version=spec_version))
    composer = Composer(spec_version)
    first, *rest = boms
    composer.start(_rooted(first, notes), first.source, raw=first.raw)
    for bom in rest:
        composer.add_software(bom, None)
    result = composer.finish()
    result.notes[:0] = notes
    return result


def _rooted(bom: LoadedBom, notes: list[str]) -> BomDocument:
    """``bom``'s document with an anchor as ``metadata.component``."""
    doc = bom.doc
    metadata = doc.setdefault("metadata", {})
    if not isinstance(metadata.get("component"), dict):
        tops = doc.get("components") or []
        os_comps = [c for c in tops if isinstance(c, dict) and c.get("type") == "operating-system"]
        if len(os_comps) == 1:
            metadata["component"] = os_comps[0]
            doc["components"] = [c for c in tops if c is not os_comps[0]]
        else:
            metadata["component"] = synthetic_anchor(bom)
            notes.append(
                f"{bom.source}: no metadata.component: a component named after the file "
                "stands for what it describes"
            )
    return doc

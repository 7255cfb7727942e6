"""Turn a tree of :class:`~sovbom.model.Component` (the server and its parts) into a CycloneDX HBOM.

The server is ``metadata.component`` (type device); its parts are nested ``components``; firmware
is nested under the part it runs on. The dependency graph repeats the assembly (a parent depends on
each part it contains) and links each part to its firmware (the part depends on the firmware it
runs, and the firmware carries ``sovbom:runs-on`` naming the part), so tools that only read
``dependencies`` still see one graph connected from the server root.
"""

from __future__ import annotations

from typing import Any

from sovbom import taxonomy as tx
from sovbom.cyclonedx.document import DEFAULT_WRITE_VERSION, BomDocument, new_document
from sovbom.model import Component

RUNS_ON = tx.RUNS_ON  # kept here for importers


def link_firmware(part: Component, firmware: Component) -> None:
    """Nest ``firmware`` under ``part`` and record which part it runs on."""
    if firmware.type != "firmware":
        firmware.type = "firmware"
    if (RUNS_ON, part.ref) not in firmware.properties:
        firmware.properties.append((RUNS_ON, part.ref))
    part.children.append(firmware)


def dependencies_of(root: Component) -> dict[str, list[str]]:
    """Assembly and firmware edges of a component tree: ``ref -> [refs it depends on]``."""
    deps: dict[str, list[str]] = {}
    for comp in root.walk():
        targets = [c.ref for c in comp.children]
        targets.extend(comp.depends_on)
        deps[comp.ref] = targets
    return deps


def tree_document(
    root: Component,
    *,
    spec_version: str = DEFAULT_WRITE_VERSION,
    kind: str | None = None,
    properties: list[tuple[str, str]] | None = None,
) -> BomDocument:
    """A CycloneDX document for a server tree (not finalised; see :mod:`.cyclonedx.writer`)."""
    root_cdx: dict[str, Any] = root.to_cdx()
    components = root_cdx.pop("components", [])
    props = list(properties or [])
    if kind:
        props.insert(0, (tx.BOM_KIND, kind))
    return new_document(
        root_cdx,
        components,
        dependencies_of(root),
        spec_version=spec_version,
        properties=props,
    )

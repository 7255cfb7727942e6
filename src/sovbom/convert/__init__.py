"""Converting a CycloneDX BOM to other formats: CycloneDX XML, SPDX 2.3 JSON, SPDX 3.0 JSON-LD.

:func:`convert` returns the bytes and the list of what the target format could not carry; the
command line prints that list on stderr. Nothing is dropped without being listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, assert_never

import orjson

from sovbom.convert._walk import LossLog

if TYPE_CHECKING:
    from sovbom.cyclonedx.reader import LoadedBom


class Target(StrEnum):
    CYCLONEDX_XML_16 = "cyclonedx-xml-1.6"
    CYCLONEDX_XML_17 = "cyclonedx-xml-1.7"
    SPDX_23 = "spdx-2.3"
    SPDX_30 = "spdx-3.0"

    @property
    def label(self) -> str:
        return {
            Target.CYCLONEDX_XML_16: "CycloneDX XML 1.6",
            Target.CYCLONEDX_XML_17: "CycloneDX XML 1.7",
            Target.SPDX_23: "SPDX 2.3",
            Target.SPDX_30: "SPDX 3.0.1",
        }[self]

    @property
    def suffix(self) -> str:
        """The usual file name ending."""
        if self in (Target.CYCLONEDX_XML_16, Target.CYCLONEDX_XML_17):
            return ".cdx.xml"
        if self is Target.SPDX_23:
            return ".spdx.json"
        return ".spdx3.jsonld"


@dataclass(slots=True)
class Conversion:
    data: bytes
    #: what the target could not carry (or carried in another spelling), one line per field
    lost: list[str] = field(default_factory=list)
    #: mappings the reader should know about (e.g. hardware written as another element type)
    notes: list[str] = field(default_factory=list)


def _json(value: object) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2) + b"\n"


def convert(bom: LoadedBom, target: Target) -> Conversion:
    """Convert a loaded CycloneDX BOM (JSON or XML) to ``target``."""
    log = LossLog(target.label)
    if target is Target.CYCLONEDX_XML_16 or target is Target.CYCLONEDX_XML_17:
        from sovbom.convert.cdx_xml import to_cdx_xml

        version = "1.6" if target is Target.CYCLONEDX_XML_16 else "1.7"
        if bom.spec_version > version:
            log.note(f"the BOM is CycloneDX {bom.spec_version}; written as {version}")
        data = to_cdx_xml(bom.doc, version, bom.source, log)
    elif target is Target.SPDX_23:
        from sovbom.convert.spdx2 import to_spdx2

        data = _json(to_spdx2(bom.doc, bom.raw, log))
    elif target is Target.SPDX_30:
        from sovbom.convert.spdx3 import to_spdx3

        data = _json(to_spdx3(bom.doc, bom.raw, log))
    else:
        assert_never(target)
    return Conversion(data, log.messages(), log.notes())


__all__ = ["Conversion", "Target", "convert"]

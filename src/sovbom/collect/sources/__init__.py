"""The registry of hardware sources, and what is generated from it.

:data:`HARDWARE_SOURCES` lists every :class:`~sovbom.collect.sources.base.HardwareSource`, in
the order the command line and the README show them. From it come the source options of
``sovbom collect hardware`` and ``sovbom verify-delivery`` (:mod:`sovbom.cli._options`), the
value object :class:`HardwareSources` with its :meth:`~HardwareSources.describe`, the shipment
layout (:func:`shipment_files`) and the README's source table (:func:`source_table`).

Adding a source is one module in this package (a class satisfying ``HardwareSource``, its
``read`` calling the parser) and one line in :data:`HARDWARE_SOURCES`; a test checks each
registered source appears everywhere it should.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from sovbom.collect.sources import (
    dmidecode,
    local,
    lshw,
    nvidia_attestation,
    nvidia_smi,
    redfish,
    redfish_mockup,
)
from sovbom.collect.sources.base import (
    ConnectionSettings,
    HardwareSource,
    Setting,
    SettingKind,
    SourceReading,
    ValueKind,
)

#: Every hardware source, in the order options and documentation show them.
HARDWARE_SOURCES: tuple[HardwareSource, ...] = (
    dmidecode.SOURCE,
    lshw.SOURCE,
    nvidia_smi.SOURCE,
    nvidia_attestation.SOURCE,
    redfish.SOURCE,
    redfish_mockup.SOURCE,
    local.SOURCE,
)


def source_named(name: str) -> HardwareSource:
    """The registered source called ``name`` (a ``KeyError`` for an unknown name)."""
    for source in HARDWARE_SOURCES:
        if source.name == name:
            return source
    raise KeyError(f"no hardware source named {name!r}")


def read_order() -> tuple[HardwareSource, ...]:
    """The sources in the order they are read (the first to name a field gives it)."""
    return tuple(sorted(HARDWARE_SOURCES, key=lambda s: s.precedence))


def shipment_files() -> dict[str, str]:
    """Source name -> its file (or directory) name in a shipment's server directory."""
    return {s.name: s.shipment_file for s in HARDWARE_SOURCES if s.shipment_file is not None}


def source_options() -> str:
    """``--dmidecode, --lshw, ... or --local``: for messages."""
    options = [s.option for s in HARDWARE_SOURCES]
    return ", ".join(options[:-1]) + " or " + options[-1]


_METAVARS = {ValueKind.FILE: "FILE", ValueKind.DIRECTORY: "DIR", ValueKind.URL: "URL"}


def source_table() -> str:
    """The README's table of sources (Markdown), one row per source."""
    rows = ["| option | input | what becomes a component |", "|---|---|---|"]
    for s in HARDWARE_SOURCES:
        option = s.option
        if s.value is not ValueKind.FLAG:
            option += " " + (s.metavar or _METAVARS[s.value])
        if s.reads_stdin:
            option += "\\|-"
        rows.append(f"| `{option}` | {s.doc_input} | {s.doc_components} |")
    return "\n".join(rows) + "\n"


@dataclass(frozen=True, slots=True)
class HardwareSources:
    """Where to read a server's hardware from (any combination; at least one).

    ``given`` maps the name of each source to read to its argument (a path, a URL; None for a
    flag such as ``local``); ``connection`` holds the settings of the Redfish source group.
    """

    given: Mapping[str, str | None] = field(default_factory=dict)
    connection: ConnectionSettings = field(default_factory=ConnectionSettings)
    #: supplier registry files tried before the default one
    suppliers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in self.given:
            source_named(name)  # an unknown name is a programming error
        object.__setattr__(self, "given", MappingProxyType(dict(self.given)))

    @classmethod
    def of(
        cls,
        *,
        connection: ConnectionSettings | None = None,
        suppliers: tuple[str, ...] = (),
        **arguments: str | bool | None,
    ) -> HardwareSources:
        """``HardwareSources.of(dmidecode="dmi.txt", redfish_mockup="dir", local=True)``:
        sources by name (``_`` for ``-``); None or False leave a source out."""
        given: dict[str, str | None] = {}
        for key, value in arguments.items():
            name = key.replace("_", "-")
            if value is None or value is False:
                continue
            given[name] = None if value is True else str(value)
        return cls(given, connection or ConnectionSettings(), suppliers)

    def any(self) -> bool:
        return bool(self.given)

    def selected(self) -> list[tuple[HardwareSource, str | None]]:
        """The sources to read with their arguments, in read order."""
        return [(s, self.given[s.name]) for s in read_order() if s.name in self.given]

    def stdin_readers(self) -> list[str]:
        """The options of the sources given ``-`` (standard input)."""
        return [s.option for s, arg in self.selected() if s.reads_stdin and arg == "-"]

    def files(self) -> list[str]:
        """The files and directories read (not URLs, not ``-``)."""
        return [
            arg
            for s, arg in self.selected()
            if arg is not None and arg != "-" and s.value in (ValueKind.FILE, ValueKind.DIRECTORY)
        ]

    def describe(self) -> str:
        """``redfish:https://bmc, dmidecode:dmi.txt, local``: the sources read, in read order."""
        return ", ".join(s.name if arg is None else f"{s.name}:{arg}" for s, arg in self.selected())

    def read(self) -> SourceReading:
        """Read every source given, in read order: their inventories, slot names and notes."""
        out = SourceReading([])
        for source, argument in self.selected():
            reading = source.read(argument, self.connection)
            out.inventories.extend(reading.inventories)
            for bus, slot in reading.slot_names.items():
                out.slot_names.setdefault(bus, slot)
            out.notes.extend(reading.notes)
        return out


__all__ = [
    "HARDWARE_SOURCES",
    "ConnectionSettings",
    "HardwareSource",
    "HardwareSources",
    "Setting",
    "SettingKind",
    "SourceReading",
    "ValueKind",
    "read_order",
    "shipment_files",
    "source_named",
    "source_options",
    "source_table",
]

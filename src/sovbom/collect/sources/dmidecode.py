"""``--dmidecode FILE``: the text output of ``dmidecode`` (:mod:`sovbom.collect.dmidecode`)."""

from __future__ import annotations

from sovbom.collect.sources.base import ConnectionSettings, Setting, SourceReading, ValueKind


class DmidecodeSource:
    name = "dmidecode"
    option = "--dmidecode"
    param = "dmidecode_file"
    help = "Text output of `dmidecode` ('-' for stdin)."
    value = ValueKind.FILE
    metavar: str | None = None
    reads_stdin = True
    shipment_file: str | None = "dmidecode.txt"
    precedence = 20
    settings: tuple[Setting, ...] = ()
    doc_input = "text output of `dmidecode`"
    doc_components = (
        "the server (type 1), baseboard (2), chassis (3), populated processors (4), populated"
        " memory modules (17), present power supplies (39), the BMC (38), the TPM (43) with its"
        " firmware; the BIOS (0) as firmware of the baseboard. Types 9 and 41 name the slot of"
        " each PCI bus address."
    )

    def read(self, argument: str | None, connection: ConnectionSettings) -> SourceReading:
        from sovbom.collect.dmidecode import collect_dmidecode

        assert argument is not None
        inventory, slots = collect_dmidecode(argument)
        return SourceReading([inventory], slot_names=slots)


SOURCE = DmidecodeSource()

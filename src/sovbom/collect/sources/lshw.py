"""``--lshw FILE``: ``lshw -json`` or ``lshw -xml`` output (:mod:`sovbom.collect.lshw`)."""

from __future__ import annotations

from sovbom.collect.sources.base import ConnectionSettings, Setting, SourceReading, ValueKind


class LshwSource:
    name = "lshw"
    option = "--lshw"
    param = "lshw_file"
    help = "Output of `lshw -json` or `lshw -xml`."
    value = ValueKind.FILE
    metavar: str | None = None
    reads_stdin = True
    shipment_file: str | None = "lshw.json"
    precedence = 40
    settings: tuple[Setting, ...] = ()
    doc_input = "`lshw -json` (one object or an array) or `lshw -xml`"
    doc_components = (
        "the server, the motherboard and its BIOS, processors and memory banks that are not"
        " `[empty]`/disabled, network cards (one per PCI device: the functions of a multi-port"
        " card are folded into it, their MAC addresses kept as `cdx:device:macAddress`), GPUs and"
        " other display controllers, PCI storage controllers and NVMe drives, disks (not"
        " partitions, namespaces or BMC virtual media), power supplies. NIC firmware"
        " (`configuration.firmware`) and drive firmware (`version`) are nested firmware."
    )

    def read(self, argument: str | None, connection: ConnectionSettings) -> SourceReading:
        from sovbom.collect.lshw import collect_lshw

        assert argument is not None
        return SourceReading([collect_lshw(argument)])


SOURCE = LshwSource()

"""``--nvidia-smi FILE``: ``nvidia-smi -q -x`` or ``nvidia-smi -q`` output
(:mod:`sovbom.collect.nvidia_smi`)."""

from __future__ import annotations

from sovbom.collect.sources.base import ConnectionSettings, Setting, SourceReading, ValueKind


class NvidiaSmiSource:
    name = "nvidia-smi"
    option = "--nvidia-smi"
    param = "nvidia_smi_file"
    help = "Output of `nvidia-smi -q -x` (XML) or `nvidia-smi -q` (text)."
    value = ValueKind.FILE
    metavar: str | None = None
    reads_stdin = True
    shipment_file: str | None = "nvidia-smi.xml"
    precedence = 30
    settings: tuple[Setting, ...] = ()
    doc_input = "`nvidia-smi -q -x` (DTD v9 to v12 and newer) or `nvidia-smi -q`"
    doc_components = (
        "one GPU per `<gpu>`/`GPU …` block with serial, UUID, board and chip part numbers,"
        " module id, and its VBIOS as firmware."
    )

    def read(self, argument: str | None, connection: ConnectionSettings) -> SourceReading:
        from sovbom.collect.nvidia_smi import collect_nvidia_smi

        assert argument is not None
        return SourceReading([collect_nvidia_smi(argument)])


SOURCE = NvidiaSmiSource()

"""``--local``: this host's own tools (:mod:`sovbom.collect.local`)."""

from __future__ import annotations

from sovbom.collect.sources.base import ConnectionSettings, Setting, SourceReading, ValueKind
from sovbom.errors import OperationalError


class LocalSource:
    name = "local"
    option = "--local"
    param = "local"
    help = "Run this host's dmidecode, lshw and nvidia-smi (/sys/class/dmi/id without root)."
    value = ValueKind.FLAG
    metavar: str | None = None
    reads_stdin = False
    shipment_file: str | None = None
    precedence = 50
    settings: tuple[Setting, ...] = ()
    doc_input = "this host"
    doc_components = (
        "runs `dmidecode`, `lshw -json` and `nvidia-smi -q -x` when installed; without root, reads"
        " `/sys/class/dmi/id` instead of dmidecode (no serial numbers there). Every tool that is"
        " missing or fails is named in the notes."
    )

    def read(self, argument: str | None, connection: ConnectionSettings) -> SourceReading:
        from sovbom.collect.local import collect_local

        result = collect_local()
        if not result.inventories:
            raise OperationalError(
                "--local could not read any hardware source on this host: "
                + "; ".join(result.notes)
            )
        return SourceReading(
            result.inventories,
            slot_names=result.slot_names,
            notes=[f"local: {n}" for n in result.notes],
        )


SOURCE = LocalSource()

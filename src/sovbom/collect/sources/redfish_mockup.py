"""``--redfish-mockup DIR``: a Redfish mockup directory, walked as a BMC would be
(:mod:`sovbom.collect.redfish`)."""

from __future__ import annotations

from sovbom.collect.sources.base import ConnectionSettings, Setting, SourceReading, ValueKind
from sovbom.collect.sources.redfish import keep_summary_out


class RedfishMockupSource:
    name = "redfish-mockup"
    option = "--redfish-mockup"
    param = "redfish_mockup"
    help = "A Redfish mockup directory (DMTF Mockup Creator layout)."
    value = ValueKind.DIRECTORY
    metavar: str | None = "DIR"
    reads_stdin = False
    shipment_file: str | None = "redfish"
    precedence = 10
    settings: tuple[Setting, ...] = ()
    doc_input = "a Redfish mockup directory"
    doc_components = "as `--redfish`, from files."

    def read(self, argument: str | None, connection: ConnectionSettings) -> SourceReading:
        from sovbom.collect import redfish

        assert argument is not None
        inventory, stats = redfish.collect_mockup_with_stats(argument)
        keep_summary_out(inventory, stats.summary())
        return SourceReading([inventory])


SOURCE = RedfishMockupSource()

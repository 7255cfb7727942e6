"""``--redfish URL``: a live BMC over Redfish, with its connection settings
(:mod:`sovbom.collect.redfish`)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sovbom.collect.sources.base import (
    ConnectionSettings,
    Setting,
    SettingKind,
    SourceReading,
    ValueKind,
)

if TYPE_CHECKING:
    from sovbom.collect.interface import Inventory

log = logging.getLogger("sovbom")

#: The connection settings of the Redfish source group, as options after ``--redfish-mockup``.
SETTINGS: tuple[Setting, ...] = (
    Setting(
        "--redfish-username",
        "redfish_username",
        "username",
        "Redfish user (password from the environment or netrc).",
        SettingKind.TEXT,
        metavar="USER",
    ),
    Setting(
        "--ca-bundle",
        "ca_bundle",
        "ca_bundle",
        "CA certificates to verify the BMC with.",
        SettingKind.FILE,
    ),
    Setting(
        "--insecure",
        "insecure",
        "insecure",
        "Do not verify the BMC's TLS certificate (warns).",
        SettingKind.FLAG,
    ),
    Setting(
        "--timeout",
        "timeout",
        "timeout",
        "Per-request timeout for the BMC, in seconds.",
        SettingKind.FLOAT,
        default=10.0,
        minimum=0,
        minimum_open=True,
    ),
    Setting(
        "--retries",
        "retries",
        "retries",
        "Retries per BMC request.",
        SettingKind.INT,
        default=2,
        minimum=0,
        maximum=10,
    ),
    Setting(
        "--concurrency",
        "concurrency",
        "concurrency",
        "Parallel requests to the BMC.",
        SettingKind.INT,
        default=4,
        minimum=1,
        maximum=32,
    ),
    Setting(
        "--challenge",
        "challenge",
        "challenge",
        "Ask each SPDM responder of the BMC (ComponentIntegrity) for measurements signed over"
        " a fresh random nonce (SPDMGetSignedMeasurements); kept for verify-hardware.",
        SettingKind.FLAG,
    ),
    Setting(
        "--capture-revocation",
        "capture_revocation",
        "capture_revocation",
        "Online: fetch the OCSP response (AIA) or CRL (distribution points) of every collected"
        " device certificate and keep it for offline verification.",
        SettingKind.FLAG,
    ),
)


def keep_summary_out(inventory: Inventory, summary: str) -> None:
    """The Redfish walk's cost summary (timings) goes to the log, not into the HBOM."""
    notes = inventory.notes
    if notes and notes[-1] == summary:
        notes.pop()
    log.info("redfish: %s", summary)


class RedfishSource:
    name = "redfish"
    option = "--redfish"
    param = "redfish_url"
    help = (
        "A BMC's Redfish service (https://bmc.example). Credentials:"
        " SOVBOM_REDFISH_USERNAME / SOVBOM_REDFISH_PASSWORD or ~/.netrc."
    )
    value = ValueKind.URL
    metavar: str | None = "URL"
    reads_stdin = False
    shipment_file: str | None = None
    precedence = 0
    settings: tuple[Setting, ...] = SETTINGS
    doc_input = "a live BMC over Redfish"
    doc_components = (
        "see the Redfish section. Options: `--ca-bundle`, `--insecure`, `--timeout`, `--retries`,"
        " `--concurrency`, `--redfish-username` (password from `SOVBOM_REDFISH_PASSWORD` or"
        " `~/.netrc`), `--challenge` (signed SPDM measurements), `--capture-revocation`."
    )

    def read(self, argument: str | None, connection: ConnectionSettings) -> SourceReading:
        from sovbom.collect import redfish

        assert argument is not None
        inventory, stats = redfish.collect_redfish_with_stats(
            argument,
            username=connection.username,
            ca_bundle=connection.ca_bundle,
            insecure=connection.insecure,
            timeout=connection.timeout,
            retries=connection.retries,
            concurrency=connection.concurrency,
            challenge=connection.challenge,
        )
        keep_summary_out(inventory, stats.summary())
        return SourceReading([inventory])


SOURCE = RedfishSource()

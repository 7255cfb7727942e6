"""A shipment's report in pieces (JSON, Markdown) is byte for byte the report rendered whole, and
reads its servers from a spool one at a time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from report_support import delivery_result, shipment_report

from sovbom.delivery import DeliveryResult, ShipmentResult
from sovbom.delivery.spool import ResultSpool
from sovbom.report import ReportFormat, ShipmentReport, renderer_for
from sovbom.report.interface import shipment_chunks
from sovbom.report.json_format import shipment_dict


def _whole_json(report: ShipmentReport) -> bytes:
    return orjson.dumps(
        shipment_dict(report), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE
    )


def _reports() -> Iterator[tuple[str, ShipmentReport]]:
    yield "two servers, one report file", shipment_report()
    empty = ShipmentReport(ShipmentResult('none "servers": []\n', []), as_of="2026-11-22")
    yield "no servers", empty
    many = [delivery_result(f"srv-{i}", signed=i % 3 != 1) for i in range(7)]
    yield (
        "seven, a report directory, other entries",
        ShipmentReport(
            ShipmentResult('ship\n  "servers": []', many, ["README", '"servers": [],']),
            as_of="2026-11-22",
            report_dir="out/reports",
        ),
    )


@pytest.mark.parametrize(("name", "report"), list(_reports()), ids=[n for n, _ in _reports()])
def test_json_in_pieces_is_the_document_rendered_whole(name: str, report: ShipmentReport) -> None:
    renderer = renderer_for(ReportFormat.JSON)
    pieces = list(shipment_chunks(renderer, report))
    assert b"".join(pieces) == _whole_json(report) == renderer.shipment(report)
    n = len(report.shipment.servers)
    assert len(pieces) == (n + 2 if n else 1)  # a piece per server between head and tail
    doc = orjson.loads(b"".join(pieces))
    assert [s["server"] for s in doc["servers"]] == [r.server for r in report.shipment.servers]


def test_report_files_are_named_from_the_report_directory() -> None:
    report = next(r for n, r in _reports() if n.startswith("seven"))
    doc = orjson.loads(renderer_for(ReportFormat.JSON).shipment(report))
    assert doc["servers"][3]["report"] == "out/reports/srv-3.delivery.json"
    report.report_files["srv-3"] = "elsewhere.json"  # given paths come first
    assert report.report_file("srv-3") == "elsewhere.json"
    assert ShipmentReport(report.shipment, "2026-11-22").report_file("srv-3") is None


class _Counting(ResultSpool):
    """A spool that counts the results being read at once."""

    def __init__(self, results: list[DeliveryResult]) -> None:
        super().__init__(results)
        self.live = self.most = 0

    def __iter__(self) -> Iterator[DeliveryResult]:
        for r in super().__iter__():
            self.live += 1
            self.most = max(self.most, self.live)
            yield r
            self.live -= 1


@pytest.mark.parametrize("fmt", [ReportFormat.JSON, ReportFormat.MARKDOWN])
def test_a_streamed_report_holds_one_server_at_a_time(fmt: ReportFormat) -> None:
    results = [delivery_result(f"srv-{i}", signed=i % 4 != 1) for i in range(12)]
    whole = renderer_for(fmt).shipment(ShipmentReport(ShipmentResult("d", results), "2026-11-22"))
    with _Counting(results) as spool:
        report = ShipmentReport(ShipmentResult("d", spool), "2026-11-22")
        pieces: list[Any] = []
        for piece in shipment_chunks(renderer_for(fmt), report):
            assert spool.live <= 1
            pieces.append(piece)
        assert b"".join(pieces) == whole
        assert spool.most == 1 and len(pieces) > len(results)


@pytest.mark.parametrize("fmt", [ReportFormat.TABLE, ReportFormat.HTML, ReportFormat.SARIF])
def test_other_formats_come_whole(fmt: ReportFormat) -> None:
    report = shipment_report()
    assert list(shipment_chunks(renderer_for(fmt), report)) == [renderer_for(fmt).shipment(report)]

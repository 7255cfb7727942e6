"""Bounded reading of Redfish resources: a BMC that announces or streams gigabytes, JSON nested
too deep, and mockup files that are FIFOs or too large."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from redfish_server import RedfishServer
from rf_support import PASSWORD, USER, class_counts

from sovbom.collect.redfish import collect_mockup, collect_redfish
from sovbom.collect.redfish.base import MAX_RESOURCE_BYTES
from sovbom.errors import InputError

Start = Callable[..., RedfishServer]
MEM1 = "/redfish/v1/Systems/SRV1/Memory/DIMM1"
CREDS = {"username": USER, "password": PASSWORD}


def _mem1_note(notes: list[str]) -> str:
    (note,) = [n for n in notes if MEM1 in n]
    return note


@pytest.mark.timeout(30)
def test_announced_10_gb_is_refused_before_reading(redfish_server: Start) -> None:
    server = redfish_server(faults={MEM1: "huge-announced"}, drip_limit=20)
    start = time.monotonic()
    inv = collect_redfish(server.url, timeout=5, retries=0, **CREDS)
    assert time.monotonic() - start < 4  # not the 5 s timeout waiting for a body
    assert not inv.complete
    note = _mem1_note(inv.notes)
    assert "announces 10000000000 bytes" in note, note
    assert class_counts(inv)["memory"] == 1  # the rest was collected


@pytest.mark.timeout(60)
def test_streamed_body_is_cut_after_the_cap(redfish_server: Start) -> None:
    server = redfish_server(faults={MEM1: "huge-body"}, drip_limit=40)
    inv = collect_redfish(server.url, timeout=20, retries=0, **CREDS)
    assert not inv.complete
    assert "larger than" in _mem1_note(inv.notes)
    # the client hung up soon after the cap (the socket buffers hold a few more megabytes)
    assert server.body_bytes_sent < 4 * MAX_RESOURCE_BYTES


def test_json_nested_too_deep_is_refused(redfish_server: Start) -> None:
    server = redfish_server(faults={MEM1: "deep"})
    inv = collect_redfish(server.url, timeout=2, retries=0, **CREDS)
    assert not inv.complete
    note = _mem1_note(inv.notes)
    assert "nested deeper than 128 levels" in note, note
    assert f"{server.url}{MEM1}" in note  # the URL is the source of the error


@pytest.mark.timeout(20)
def test_mockup_fifo_is_refused(mini_copy: Path) -> None:
    resource = mini_copy / "redfish/v1/Systems/SRV1/Memory/DIMM1/index.json"
    resource.unlink()
    os.mkfifo(resource)
    with pytest.raises(InputError, match="not a regular file \\(a FIFO\\)") as info:
        collect_mockup(mini_copy)
    assert str(resource) in str(info.value)


def test_mockup_oversized_file_is_refused_unread(mini_copy: Path) -> None:
    resource = mini_copy / "redfish/v1/Systems/SRV1/Memory/DIMM1/index.json"
    with resource.open("r+b") as fh:
        fh.truncate(MAX_RESOURCE_BYTES + 1)  # sparse: nothing to read but zeros
    with pytest.raises(InputError, match="too large") as info:
        collect_mockup(mini_copy)
    assert str(resource) in str(info.value)

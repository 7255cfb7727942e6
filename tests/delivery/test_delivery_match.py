"""Matching and tolerances of sovbom.delivery.compare (pure functions, no signatures)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from delivery_support import REPO
from mockup import Part, inventory_from_hbom, write_mockup

from sovbom.collect.hardware import HardwareSources, collect_hardware
from sovbom.delivery import (
    DeliveryTolerances,
    FieldStatus,
    PartStatus,
    compare,
    same_manufacturer,
    version_key,
)

HGX = REPO / "samples" / "hgx-b200-jp.hbom.cdx.json"
MONAKA = REPO / "samples" / "monaka-2u-jp.hbom.cdx.json"


def load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc


def find(doc: dict[str, Any], ref: str) -> dict[str, Any]:
    stack = [*doc["components"]]
    while stack:
        c = stack.pop()
        if c["bom-ref"] == ref:
            return c
        stack.extend(c.get("components", []))
    raise KeyError(ref)


def set_prop(comp: dict[str, Any], name: str, value: str) -> None:
    for p in comp["properties"]:
        if p["name"] == name:
            p["value"] = value
            return
    comp["properties"].append({"name": name, "value": value})


def statuses(result: Any) -> dict[str, str]:
    return {
        p.expected_ref or p.found_ref: str(p.status)
        for p in result.parts
        if p.status is not PartStatus.MATCHED
    }


def test_identical_hbom_matches_everything_and_verifies_hashes() -> None:
    doc = load(HGX)
    r = compare(doc, copy.deepcopy(doc))
    assert r.matched and r.counts()["matched"] == r.expected_parts == 43
    # a factory HBOM compared with itself observes the hashes too
    assert all(f.status is not FieldStatus.NOT_OBSERVED for p in r.parts for f in p.fields)
    assert "hash" in r.verified["fw:chassis/hgx/gpu0/vbios"]


def test_firmware_hash_mismatch_is_drift() -> None:
    doc = load(HGX)
    observed = copy.deepcopy(doc)
    find(observed, "fw:chassis/nic1/nic-fw")["hashes"][0]["content"] = "0" * 63 + "1"
    r = compare(doc, observed)
    assert statuses(r) == {"hw:chassis/nic1": "drifted"}
    (part,) = [p for p in r.parts if p.status is PartStatus.DRIFTED]
    (f,) = part.mismatches
    assert f.field == "firmware_hash" and f.found == "SHA-256:" + "0" * 63 + "1"
    assert "fw:chassis/nic1/nic-fw" not in r.verified


def test_revision_drift_and_its_tolerance() -> None:
    doc = load(HGX)
    observed = copy.deepcopy(doc)
    find(observed, "hw:chassis/psu2")["version"] = "S2"
    assert statuses(compare(doc, observed)) == {"hw:chassis/psu2": "drifted"}
    t = DeliveryTolerances.from_policy_section({"accept_revision_drift": ["psu"]})
    r = compare(doc, observed, t)
    assert r.matched
    psu = next(p for p in r.parts if p.expected_ref == "hw:chassis/psu2")
    rev = next(f for f in psu.fields if f.field == "revision")
    assert rev.status is FieldStatus.ACCEPTED and (rev.expected, rev.found) == ("S1", "S2")


def test_newer_firmware_only_when_listed_and_newer() -> None:
    doc = load(HGX)
    t = DeliveryTolerances.from_policy_section(
        {"accept_newer_firmware": [{"class": "bmc", "versions": ["2.16.1-ycs1", "2.15.0"]}]}
    )
    for version, ok in (("2.16.1-ycs1", True), ("2.15.0", False), ("2.17.0", False)):
        observed = copy.deepcopy(doc)
        find(observed, "fw:chassis/baseboard/bmc/bmc-fw")["version"] = version
        find(observed, "fw:chassis/baseboard/bmc/bmc-fw").pop("hashes")
        assert compare(doc, observed, t).matched is ok, version


def test_ignore_fields_and_unexpected_classes() -> None:
    doc = load(MONAKA)
    observed = copy.deepcopy(doc)
    set_prop(find(observed, "hw:chassis/nvme2"), "cdx:device:serialNumber", "OTHER-SERIAL")
    fan = {"type": "device", "bom-ref": "hw:fan0", "name": "Fan",
           "properties": [{"name": "sovbom:class", "value": "fan"}]}  # fmt: skip
    observed["components"].append(fan)
    assert statuses(compare(doc, observed)) == {
        "hw:chassis/nvme2": "substituted",
        "hw:fan0": "unexpected",
    }
    t = DeliveryTolerances.from_policy_section(
        {"ignore_fields": ["serial"], "ignore_unexpected_classes": ["fan"]}
    )
    r = compare(doc, observed, t)
    assert r.matched and r.ignored_unexpected == 1
    assert "hw:chassis/nvme2" not in r.verified  # an ignored serial verifies nothing


def test_placeholder_serial_is_not_observed_and_slot_matches() -> None:
    doc = load(MONAKA)
    observed = copy.deepcopy(doc)
    set_prop(
        find(observed, "hw:chassis/baseboard/dimm5"), "cdx:device:serialNumber", "Not Specified"
    )
    r = compare(doc, observed)
    assert r.matched
    dimm = next(p for p in r.parts if p.expected_ref == "hw:chassis/baseboard/dimm5")
    assert dimm.matched_by == "slot" and "serial" in dimm.unverified
    assert "hw:chassis/baseboard/dimm5" not in r.verified


def test_the_only_tpm_with_another_serial_is_substituted() -> None:
    doc = load(MONAKA)
    observed = copy.deepcopy(doc)
    set_prop(find(observed, "hw:chassis/baseboard/tpm"), "cdx:device:serialNumber", "TPM-OTHER")
    r = compare(doc, observed)
    (tpm,) = [p for p in r.parts if p.status is not PartStatus.MATCHED]
    assert tpm.status is PartStatus.SUBSTITUTED and tpm.matched_by == "single-of-class"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Samsung", "Samsung Electronics Co., Ltd.", True),
        ("Micron Technology, Inc.", "Micron", True),
        ("Intel(R) Corporation", "Intel Corporation", True),
        ("NVIDIA", "Advanced Micro Devices, Inc.", False),
        ("SK hynix", "Samsung", False),
    ],
)
def test_manufacturer_spellings(a: str, b: str, same: bool) -> None:
    assert same_manufacturer(a, b) is same


def test_version_order() -> None:
    assert version_key("2.16.1-ycs1") > version_key("2.16.0-ycs3") > version_key("2.9")
    assert version_key("1.10") > version_key("1.9")


def test_mockup_without_the_corpus_still_works(tmp_path: Path) -> None:
    """The scenario never skips: minimal resource shapes stand in for the DMTF mockup."""
    doc = load(HGX)
    inv = inventory_from_hbom(doc)
    inv.parts.append(Part("fan", "Fan", None, None, "FAN-1", "FAN1", None))
    mock = write_mockup(inv, tmp_path / "m", corpus=None)
    collected = collect_hardware(HardwareSources.of(redfish_mockup=str(mock)))
    assert collected.complete, collected.notes
    t = DeliveryTolerances.from_policy_section({"ignore_unexpected_classes": ["other"]})
    r = compare(doc, collected.doc, t)
    assert r.matched, statuses(r)

"""Company identity (sovbom.companies): one answer for delivery, the merge of sources and policy.

The supplier registry's aliases decide first, then normalisation; checked on hand-written
spellings, on a delivery whose BMC spells the maker differently, on a merge of two sources, and on
every manufacturer spelling the parsers produce from the corpus captures.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from delivery_support import REPO

from sovbom.collect.interface import Inventory
from sovbom.collect.merge import merge_inventories
from sovbom.collect.suppliers import default_registry
from sovbom.companies import company_key, same_company
from sovbom.delivery import PartStatus, compare
from sovbom.model import Component, Organization

HGX = REPO / "samples" / "hgx-b200-jp.hbom.cdx.json"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Supermicro", "Super Micro Computer, Inc."),
        ("SUPERMICRO", "Super Micro Computer, Inc."),
        ("HPE", "Hewlett Packard Enterprise"),
        ("SK hynix", "Hynix Semiconductor (Hyundai Electronics)"),
        ("Samsung", "Samsung Electronics Co., Ltd."),
        ("Micron Technology, Inc.", "Micron"),
        ("Intel(R) Corporation", "Intel Corporation"),
        ("Nvidia(R) Corporation", "NVIDIA"),
        ("Advanced Micro Devices [AMD]", "AMD"),
        # unknown to the registry: normalisation (case, punctuation, legal suffixes)
        ("Acme Power Systems, Inc.", "ACME POWER SYSTEMS"),
        ("Yamato Compute Systems K.K.", "Yamato Compute Systems KK"),
    ],
)
def test_one_company(a: str, b: str) -> None:
    assert same_company(a, b) and same_company(b, a)
    assert company_key(a) == company_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("NVIDIA", "Advanced Micro Devices, Inc."),
        ("SK hynix", "Samsung"),
        ("HP", "HPE"),  # two registry entries: Hewlett-Packard and Hewlett Packard Enterprise
        ("Acme", "Acme Power"),  # unknown names: word for word, no prefix games
    ],
)
def test_different_companies(a: str, b: str) -> None:
    assert not same_company(a, b)


def test_a_registry_name_and_an_unknown_one_are_never_one_company() -> None:
    # "Intel" is the registry's Intel; "Intel Power Labs" is not one of its spellings only if no
    # entry matches it: an unknown name never joins a registry company by sharing a first word
    assert not same_company("Intel", "Intellicorp Power")
    assert not same_company("Nvidia", "Nvidian Systems")


def test_a_user_registry_joins_spellings() -> None:
    from sovbom.collect.suppliers import parse_registry

    user = parse_registry(
        {"version": 1, "suppliers": [
            {"name": "Acme", "country": "JP", "match": ["acme\\b"], "sources": "test"}]},
        "user.yaml",
    )  # fmt: skip
    assert not same_company("Acme", "Acme Power")
    assert same_company("Acme", "Acme Power", default_registry().extended(user))


# -- delivery ---------------------------------------------------------------------------------


def _find(doc: dict[str, Any], ref: str) -> dict[str, Any]:
    stack = [*doc["components"]]
    while stack:
        c = stack.pop()
        if c["bom-ref"] == ref:
            return c
        stack.extend(c.get("components", []))
    raise KeyError(ref)


def test_delivery_bmc_reporting_supermicro_for_super_micro_computer_is_matched() -> None:
    expected = json.loads(HGX.read_text())
    bmc = "hw:chassis/baseboard/bmc"
    _find(expected, bmc)["manufacturer"] = {"name": "Super Micro Computer, Inc."}
    observed = copy.deepcopy(expected)
    _find(observed, bmc)["manufacturer"] = {"name": "Supermicro"}
    r = compare(expected, observed)
    part = next(p for p in r.parts if p.expected_ref == bmc)
    assert part.status is PartStatus.MATCHED, [f.to_dict() for f in part.fields]
    assert r.matched and bmc in r.verified


def test_delivery_another_company_is_still_substituted() -> None:
    expected = json.loads(HGX.read_text())
    bmc = "hw:chassis/baseboard/bmc"
    observed = copy.deepcopy(expected)
    _find(observed, bmc)["manufacturer"] = {"name": "Nuvoton Technology Corporation"}
    r = compare(expected, observed)
    part = next(p for p in r.parts if p.expected_ref == bmc)
    assert part.status is PartStatus.SUBSTITUTED
    assert [f.field for f in part.mismatches] == ["manufacturer"]


# -- merge ------------------------------------------------------------------------------------


def _dimm(source: str, maker: str) -> Component:
    return Component(
        ref="hw:memory:A1", name="DIMM", cls="memory", slot="A1", seen_by=[source],
        manufacturer=Organization(maker),
    )  # fmt: skip


def test_merge_notes_two_companies_for_one_part_but_not_two_spellings() -> None:
    spelled = merge_inventories(
        [Inventory("redfish", parts=[_dimm("redfish", "SK hynix")]),
         Inventory("dmidecode", parts=[_dimm("dmidecode", "Hynix Semiconductor")])]
    )  # fmt: skip
    assert len(spelled.root.children) == 1
    assert not [n for n in spelled.notes if n.startswith("hw:memory:A1: manufacturer")]
    conflict = merge_inventories(
        [Inventory("redfish", parts=[_dimm("redfish", "SK hynix")]),
         Inventory("dmidecode", parts=[_dimm("dmidecode", "Samsung")])]
    )  # fmt: skip
    (dimm,) = conflict.root.children
    assert dimm.manufacturer is not None and dimm.manufacturer.name == "SK hynix"
    (note,) = [n for n in conflict.notes if n.startswith("hw:memory:A1: manufacturer")]
    assert "'SK hynix'" in note and "'Samsung'" in note


# -- every spelling of the corpus ---------------------------------------------------------------

#: The companies the corpus captures name, by their registry entry, with every spelling the
#: parsers produce for them (read from the capture files: dmidecode "Manufacturer:" / "Vendor:",
#: lshw "vendor", nvidia-smi, Redfish "Manufacturer"). Each must map to one key.
KNOWN = {
    "Advanced Micro Devices": {"AMD", "Advanced Micro Devices [AMD]", "Advanced Micro Devices, Inc.",
                               "Advanced Micro Devices, Inc. [AMD/ATI]"},
    "American Megatrends (AMI)": {"American Megatrends Inc.",
                                  "American Megatrends International, LLC."},
    "Broadcom": {"Broadcom Inc. and subsidiaries", "Broadcom Limited", "LSI Logic / Symbios Logic"},
    "Dell Technologies": {"DELL", "Dell", "Dell Inc."},
    "Fujitsu": {"FUJITSU"},
    "Hewlett Packard Enterprise": {"HPE"},
    "HP (Hewlett-Packard)": {"HP", "Hewlett-Packard Company"},
    "Huawei Technologies": {"HUAWEI", "Huawei"},
    "SK hynix": {"Hynix", "Hynix Semiconductor (Hyundai Electronics)", "SK Hynix", "SK hynix"},
    "Intel": {"Intel", "Intel Corp.", "Intel Corporation", "Intel(R) Corporation"},
    "Micron Technology": {"Micron", "Micron Technology"},
    "NVIDIA": {"NVIDIA", "Nvidia(R) Corporation"},
    "Oracle": {"Oracle Corporation", "Sun Microsystems"},
    "Super Micro Computer": {"SUPERMICRO", "Supermicro"},
}  # fmt: skip


def _walk(c: Component) -> Iterator[Component]:
    yield c
    for child in c.children:
        yield from _walk(child)


def _names(inv: Inventory) -> Iterator[str]:
    for top in ([inv.system] if inv.system else []) + inv.parts:
        for c in _walk(top):
            for org in (c.manufacturer, c.supplier):
                if org is not None and org.name:
                    yield org.name


def _corpus_names(hw: Path) -> set[str]:
    from sovbom.collect.dmidecode import collect_dmidecode
    from sovbom.collect.lshw import collect_lshw
    from sovbom.collect.nvidia_smi import collect_nvidia_smi
    from sovbom.collect.redfish import collect_mockup

    names: set[str] = set()
    for f in sorted((hw / "dmidecode").glob("*.txt")):
        names.update(_names(collect_dmidecode(f)[0]))
    for f in sorted(p for p in (hw / "lshw").iterdir() if p.is_file()):
        names.update(_names(collect_lshw(f)))
    for f in sorted(p for p in (hw / "nvidia-smi").rglob("*") if p.is_file()):
        names.update(_names(collect_nvidia_smi(f)))
    redfish = hw / "redfish"
    trees = [p.parent for p in redfish.glob("*/index.json")]
    trees += [d for group in ("bmc-toolbox-real", "dellfish-idrac-real")
              for d in sorted((redfish / group).iterdir()) if d.is_dir()]  # fmt: skip
    for tree in trees:
        names.update(_names(collect_mockup(tree)))
    return names


@pytest.mark.corpus
def test_every_corpus_spelling_of_a_known_company_maps_to_one_key(corpus: Path) -> None:
    names = _corpus_names(corpus / "hardware")
    registry = default_registry()
    by_company: dict[str, set[str]] = defaultdict(set)
    for name in names:
        entry = registry.lookup(name)
        if entry is not None:
            by_company[entry.name].add(name)
    for company, spellings in KNOWN.items():
        # the parsers still produce every spelling listed (the list is not stale) ...
        assert spellings <= names, (company, spellings - names)
        # ... each is that company, and all of them share one key
        assert spellings <= by_company[company], (company, spellings - by_company[company])
        keys = {company_key(s) for s in by_company[company]}
        assert len(keys) == 1, (company, keys)
        assert all(same_company(a, b) for a in spellings for b in spellings)
    # two different companies never share a key
    keys = {company: company_key(next(iter(s))) for company, s in by_company.items()}
    assert len(set(keys.values())) == len(keys), keys

"""dmidecode: every corpus file, hand-checked values, placeholders, JEDEC codes, bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hw_helpers import by_ref, dmi_blocks, firmware, of_class, prop, props, seen_by, walk

from sovbom.placeholders import is_placeholder

DMI_FILES = [
    "fusioninventory_dell-poweredge-r640.txt",
    "fusioninventory_hp-proliant-dl360p-gen8.txt",
    "fusioninventory_oracle-server-x5-2.txt",
    "fusioninventory_psu-excerpt_hpe-proliant-dl380-gen10.txt",
    "fusioninventory_psu-excerpt_supermicro-x11dpu.txt",
    "linuxhw_dell-poweredge-r750.txt",
    "linuxhw_dell-poweredge-r7625.txt",
    "linuxhw_fujitsu-primergy-rx2540-m4.txt",
    "linuxhw_gigabyte-g482-z54.txt",
    "linuxhw_hpe-cray-xd665.txt",
    "linuxhw_hpe-proliant-dl380-gen11.txt",
    "linuxhw_huawei-1288h-v5.txt",
    "linuxhw_inspur-nf5280m6.txt",
    "linuxhw_lenovo-thinksystem-sr650-v2.txt",
    "linuxhw_supermicro-as-4124gs-tnr.txt",
]

#: Hand-checked from each file: (populated CPUs, populated DIMMs, present PSUs).
HAND_COUNTS = {
    "fusioninventory_dell-poweredge-r640.txt": (2, 8, 2),
    "fusioninventory_hp-proliant-dl360p-gen8.txt": (2, 8, 2),
    "fusioninventory_oracle-server-x5-2.txt": (2, 16, 0),
    "fusioninventory_psu-excerpt_hpe-proliant-dl380-gen10.txt": (0, 0, 2),
    "fusioninventory_psu-excerpt_supermicro-x11dpu.txt": (0, 0, 2),
    "linuxhw_dell-poweredge-r750.txt": (2, 16, 2),
    "linuxhw_dell-poweredge-r7625.txt": (2, 8, 2),
    "linuxhw_fujitsu-primergy-rx2540-m4.txt": (2, 12, 0),
    "linuxhw_gigabyte-g482-z54.txt": (2, 16, 1),
    "linuxhw_hpe-cray-xd665.txt": (2, 24, 0),
    "linuxhw_hpe-proliant-dl380-gen11.txt": (2, 8, 2),
    "linuxhw_huawei-1288h-v5.txt": (2, 12, 2),
    "linuxhw_inspur-nf5280m6.txt": (2, 16, 2),
    "linuxhw_lenovo-thinksystem-sr650-v2.txt": (2, 12, 0),
    "linuxhw_supermicro-as-4124gs-tnr.txt": (2, 16, 4),
}


def _expected(text: str) -> dict[str, int]:
    """Counts read from the file with a grep-like reading independent of sovbom's parser."""
    blocks = dmi_blocks(text)
    cpus = sum(1 for t, f in blocks if t == 4 and f.get("Status", "").startswith("Populated"))
    dimms = sum(
        1 for t, f in blocks if t == 17 and f.get("Size") not in ("No Module Installed", None)
    )
    psus = sum(1 for t, f in blocks if t == 39 and "Not Present" not in f.get("Status", ""))
    bios = sum(1 for t, f in blocks if t == 0 and not is_placeholder(f.get("Version")))
    tpm_fw = sum(1 for t, f in blocks if t == 43 and f.get("Firmware Revision"))
    return {"cpu": cpus, "memory": dimms, "psu": psus, "firmware": bios + tpm_fw}


@pytest.mark.corpus
@pytest.mark.parametrize("name", DMI_FILES)
def test_corpus_file(name: str, hw_corpus: Path, collect_hw: Any) -> None:
    path = hw_corpus / "dmidecode" / name
    result, doc, _ = collect_hw("--dmidecode", str(path))
    assert result.exit_code == 0, result.output
    assert doc is not None  # schema-valid and consistent (checked by the fixture)
    expected = _expected(path.read_text(encoding="utf-8", errors="replace"))
    assert (expected["cpu"], expected["memory"], expected["psu"]) == HAND_COUNTS[name]
    assert len(of_class(doc, "cpu")) == expected["cpu"]
    assert len(of_class(doc, "memory")) == expected["memory"]
    assert len(of_class(doc, "psu")) == expected["psu"]
    assert len(firmware(doc)) == expected["firmware"]
    for comp in walk(doc):
        assert seen_by(comp) in ([], ["dmidecode"]), comp["bom-ref"]
        for key in ("cdx:device:serialNumber", "sovbom:part-number"):
            value = prop(comp, key)
            assert value is None or (not is_placeholder(value) and value == value.strip())
        assert not comp["name"].endswith(" "), comp["name"]
    refs = [c["bom-ref"] for c in walk(doc)]
    assert len(refs) == len(set(refs))
    assert prop(doc["metadata"], "sovbom:bom:kind") == "observed"


@pytest.mark.corpus
def test_dell_r640_identity(hw_corpus: Path, collect_hw: Any) -> None:
    _, doc, _ = collect_hw("--dmidecode", str(hw_corpus / "dmidecode" / DMI_FILES[0]))
    assert doc is not None
    server = doc["metadata"]["component"]
    assert server["name"] == "PowerEdge R640"
    assert server["manufacturer"] == {"name": "Dell Inc.", "address": {"country": "US"}}
    assert prop(server, "cdx:device:serialNumber") == "2RJF153"
    # The chassis repeats the service tag: one serial per server, the chassis keeps it aside.
    chassis = by_ref(doc, "hw:chassis")
    assert prop(chassis, "cdx:device:serialNumber") is None
    assert prop(chassis, "sovbom:serial:shared") == "2RJF153"
    bios = by_ref(doc, "fw:bios")
    assert bios["version"] == "2.6.4"
    assert prop(bios, "sovbom:runs-on") == "hw:baseboard"
    dimm = by_ref(doc, "hw:memory:A1")
    # Manufacturer printed as the JEDEC code 00CE00B300CE: Samsung.
    assert dimm["manufacturer"]["name"] == "Samsung"
    assert prop(dimm, "sovbom:memory:jedec-code") == "00CE00B300CE"
    assert prop(dimm, "sovbom:part-number") == "M393A4K40CB2-CVF"
    assert prop(dimm, "cdx:device:serialNumber") == "3780385B"
    psus = of_class(doc, "psu")
    assert sorted(prop(p, "cdx:device:serialNumber") or "" for p in psus) == [
        "CNDED0003G0NQA",
        "CNDED0003G0O0P",
    ]
    assert {prop(p, "sovbom:part-number") for p in psus} == {"05RHVVA03"}


@pytest.mark.corpus
def test_jedec_hex_manufacturers(hw_corpus: Path, collect_hw: Any) -> None:
    for name, vendor in (
        ("linuxhw_dell-poweredge-r750.txt", "SK hynix"),  # 00AD00B300AD
        ("linuxhw_dell-poweredge-r7625.txt", "SK hynix"),  # 80AD000080AD
    ):
        _, doc, _ = collect_hw("--dmidecode", str(hw_corpus / "dmidecode" / name))
        assert doc is not None
        dimms = of_class(doc, "memory")
        assert dimms and all(d["manufacturer"]["name"] == vendor for d in dimms)
        assert all(d["manufacturer"]["address"]["country"] == "KR" for d in dimms)


@pytest.mark.corpus
def test_hp_padding_stripped(hw_corpus: Path, collect_hw: Any) -> None:
    _, doc, _ = collect_hw("--dmidecode", str(hw_corpus / "dmidecode" / DMI_FILES[1]))
    assert doc is not None
    psu = by_ref(doc, "hw:psu:Power_Supply_1")
    assert (
        prop(psu, "cdx:device:serialNumber") == "5ANLF0CHL2J3Q4"
    )  # "5ANLF0CHL2J3Q4  " in the file
    assert prop(psu, "sovbom:part-number") == "503296-B21"
    # No type 2 record: the BIOS runs on the server itself.
    assert prop(by_ref(doc, "fw:bios"), "sovbom:runs-on") == "hw:server"


@pytest.mark.corpus
def test_masked_serials_are_unknown(hw_corpus: Path, collect_hw: Any) -> None:
    """hw-probe replaced every serial by '--': no serial number at all may come out."""
    for name in DMI_FILES:
        if not name.startswith("linuxhw_"):
            continue
        _, doc, _ = collect_hw("--dmidecode", str(hw_corpus / "dmidecode" / name))
        assert doc is not None
        assert all(prop(c, "cdx:device:serialNumber") is None for c in walk(doc)), name


@pytest.mark.corpus
def test_oracle_no_dimm_and_excerpt_stub(hw_corpus: Path, collect_hw: Any) -> None:
    _, doc, _ = collect_hw("--dmidecode", str(hw_corpus / "dmidecode" / DMI_FILES[2]))
    assert doc is not None
    assert all("NO DIMM" not in str(c) for c in of_class(doc, "memory"))
    # The excerpt has a 4-space-indented type 0 stub ("Vendor: unknown"): no BIOS, 2 PSUs.
    _, doc, _ = collect_hw("--dmidecode", str(hw_corpus / "dmidecode" / DMI_FILES[3]))
    assert doc is not None
    assert firmware(doc) == []
    assert doc["metadata"]["component"]["name"] == "unidentified server"


@pytest.mark.corpus
def test_foreign_oem_countries(hw_corpus: Path, collect_hw: Any) -> None:
    _, doc, _ = collect_hw(
        "--dmidecode", str(hw_corpus / "dmidecode" / "linuxhw_inspur-nf5280m6.txt")
    )
    assert doc is not None
    server = doc["metadata"]["component"]
    assert server["manufacturer"]["address"]["country"] == "CN"
    assert prop(server, "sovbom:manufacturer:country-source") == "supplier-registry"
    psus = of_class(doc, "psu")
    assert {p["manufacturer"]["name"] for p in psus} == {"Liteon Power"}
    assert {p["manufacturer"]["address"]["country"] for p in psus} == {"TW"}
    # The registry gives the supplier's home country only, never a country of origin.
    assert all("sovbom:origin:country" not in props(c) for c in walk(doc))


def test_fixture_values(hw_data: Path, collect_hw: Any) -> None:
    _, doc, _ = collect_hw("--dmidecode", str(hw_data / "merge-example.dmidecode.txt"))
    assert doc is not None
    assert [prop(c, "sovbom:slot") for c in of_class(doc, "cpu")] == ["CPU1"]  # CPU2 unpopulated
    assert [prop(c, "sovbom:slot") for c in of_class(doc, "memory")] == ["P1-DIMMA1", "P1-DIMMB1"]
    assert [prop(c, "sovbom:slot") for c in of_class(doc, "psu")] == ["PSU1"]  # PSU2 not present
    dimm = by_ref(doc, "hw:memory:P1-DIMMA1")
    assert dimm["manufacturer"]["name"] == "SK hynix"
    assert prop(dimm, "sovbom:part-number") == "HMA84GR7CJR4N-XN"
    server = doc["metadata"]["component"]
    assert "version" not in server  # 0123456789 is a placeholder
    assert prop(server, "cdx:device:sku") is None
    assert by_ref(doc, "hw:bmc")


def test_duplicate_locators_use_bank(tmp_path: Path, collect_hw: Any) -> None:
    """Lenovo-style boards repeat the locator per CPU: the bank locator disambiguates."""
    records = []
    for i, (bank, loc) in enumerate([("CPU 1", "DIMM 1"), ("CPU 2", "DIMM 1")]):
        records.append(
            f"Handle 0x00{i}0, DMI type 17, 92 bytes\nMemory Device\n\tSize: 32 GB\n"
            f"\tLocator: {loc}\n\tBank Locator: {bank}\n\tManufacturer: Samsung\n"
            f"\tSerial Number: --\n\tPart Number: M393A4K40DB3-CWE    \n"
        )
    path = tmp_path / "dmi.txt"
    path.write_text("# dmidecode 3.3\n\n" + "\n".join(records), encoding="utf-8")
    _, doc, _ = collect_hw("--dmidecode", str(path))
    assert doc is not None
    assert sorted(prop(c, "sovbom:slot") or "" for c in of_class(doc, "memory")) == [
        "CPU 1/DIMM 1",
        "CPU 2/DIMM 1",
    ]


def test_stdin(hw_data: Path, collect_hw: Any) -> None:
    data = (hw_data / "merge-example.dmidecode.txt").read_bytes()
    result, doc, _ = collect_hw("--dmidecode", "-", input=data)
    assert result.exit_code == 0
    assert doc is not None and len(of_class(doc, "memory")) == 2


# -- failure modes: clear error, exit 4, no output ---------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty input"),
        (b"   \n\n", "empty input"),
        (b'{"id": "computer", "class": "system"}\n', "not dmidecode output"),
        (b"hello\nworld\n", "not dmidecode output"),
        (b"\x00\x01\x02SM\x00", "binary data"),
    ],
)
def test_bad_input(content: bytes, message: str, tmp_path: Path, collect_hw: Any) -> None:
    path = tmp_path / "in.txt"
    path.write_bytes(content)
    result, doc, out = collect_hw("--dmidecode", str(path))
    assert result.exit_code == 4
    assert message in result.stderr
    assert str(path) in result.stderr
    assert "Traceback" not in result.stderr
    assert doc is None and not out.exists()
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind either


def test_missing_file(tmp_path: Path, collect_hw: Any) -> None:
    result, doc, out = collect_hw("--dmidecode", str(tmp_path / "nope.txt"))
    assert result.exit_code == 4
    assert "nope.txt" in result.stderr and "no such file" in result.stderr
    assert doc is None and not out.exists()


def test_broken_table_is_incomplete(hw_data: Path, tmp_path: Path, collect_hw: Any) -> None:
    text = (hw_data / "merge-example.dmidecode.txt").read_text(encoding="utf-8")
    path = tmp_path / "broken.txt"
    path.write_text(
        text + "\nInvalid entry length (0). DMI table is broken! Stop.\n", encoding="utf-8"
    )
    result, doc, _ = collect_hw("--dmidecode", str(path))
    assert result.exit_code == 0
    assert doc is not None
    assert prop(doc["metadata"], "sovbom:collection:incomplete") == "true"
    assert any("broken" in n for n in props(doc["metadata"])["sovbom:collection:note"])
    result, doc, out = collect_hw("--dmidecode", str(path), "--on-incomplete", "fail")
    assert result.exit_code == 4
    assert "incomplete" in result.stderr
    assert doc is None and not out.exists()

"""Build a Redfish mockup directory of a server from its HBOM (test fixture generator).

The resource shapes are derived from the DMTF public-rackmount1 mockup when the corpus is present
beside the repository (``../shared/corpus/hardware/redfish/dmtf-public-rackmount1``: its service
root and each resource's ``@odata.type``); minimal shapes of our own stand in when it is absent,
so that the scenario never skips. The values (serials, part numbers, slots, firmware versions)
come from the HBOM, through an editable :class:`Inventory` so that a test can swap a DIMM, change
a GPU, downgrade a firmware, add a NIC or remove a drive before writing the mockup.

Layout written (DMTF Mockup Creator style, ``redfish/v1/.../index.json``): Systems/1 with
Processors (CPUs and GPUs) and Memory; Chassis/1 with NetworkAdapters, Drives,
PowerSubsystem/PowerSupplies, TrustedComponents and an Assembly (the baseboard and other
sub-assemblies); one more Chassis per GPU baseboard; Managers/BMC; and
UpdateService/FirmwareInventory with each firmware's RelatedItem naming its part. Redfish carries
no firmware hashes: the comparison reports them as not observed.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sovbom.delivery import extract

REPO = Path(__file__).resolve().parents[2]
RACKMOUNT = (
    REPO / ".." / "shared" / "corpus" / "hardware" / "redfish" / "dmtf-public-rackmount1"
).resolve()
ROOT = "/redfish/v1"

# resource kind -> (path of a corpus example, fallback @odata.type)
_TEMPLATES = {
    "ServiceRoot": ("index.json", "#ServiceRoot.v1_20_0.ServiceRoot"),
    "ComputerSystem": ("Systems/437XR1138R2/index.json", "#ComputerSystem.v1_27_0.ComputerSystem"),
    "Processor": ("Systems/437XR1138R2/Processors/CPU1/index.json", "#Processor.v1_22_0.Processor"),
    "Memory": ("Systems/437XR1138R2/Memory/DIMM1/index.json", "#Memory.v1_23_0.Memory"),
    "Chassis": ("Chassis/1U/index.json", "#Chassis.v1_28_0.Chassis"),
    "PowerSupply": ("Chassis/1U/PowerSubsystem/PowerSupplies/Bay1/index.json", "#PowerSupply.v1_6_0.PowerSupply"),
    "PowerSubsystem": ("Chassis/1U/PowerSubsystem/index.json", "#PowerSubsystem.v1_1_3.PowerSubsystem"),
    "TrustedComponent": ("Chassis/1U/TrustedComponents/TPM/index.json", "#TrustedComponent.v1_4_0.TrustedComponent"),
    "Manager": ("Managers/BMC/index.json", "#Manager.v1_24_0.Manager"),
    "UpdateService": ("UpdateService/index.json", "#UpdateService.v1_17_0.UpdateService"),
    "SoftwareInventory": ("UpdateService/FirmwareInventory/BMC/index.json", "#SoftwareInventory.v1_13_0.SoftwareInventory"),
    "Assembly": ("Chassis/1U/PowerSubsystem/PowerSupplies/Bay1/Assembly/index.json", "#Assembly.v1_5_1.Assembly"),
    "Drive": ("", "#Drive.v1_20_0.Drive"),
    "NetworkAdapter": ("", "#NetworkAdapter.v1_11_0.NetworkAdapter"),
}  # fmt: skip


def _odata_type(kind: str, corpus: Path | None) -> str:
    rel, fallback = _TEMPLATES[kind]
    if corpus is not None and rel and (corpus / rel).is_file():
        value = json.loads((corpus / rel).read_text()).get("@odata.type")
        if isinstance(value, str):
            return value
    return fallback


def _service_root(corpus: Path | None) -> dict[str, Any]:
    if corpus is not None and (corpus / "index.json").is_file():
        root: dict[str, Any] = json.loads((corpus / "index.json").read_text())
        # only what this mockup serves is linked (plus the session service the test server runs)
        keep = {"@odata.type", "@odata.id", "Id", "Name", "RedfishVersion", "UUID", "Product",
                "Vendor", "ProtocolFeaturesSupported", "Links", "@Redfish.Copyright"}  # fmt: skip
        root = {k: v for k, v in root.items() if k in keep}
    else:
        root = {"@odata.type": _TEMPLATES["ServiceRoot"][1], "Id": "RootService", "Name": "Root Service",
                "RedfishVersion": "1.15.0"}  # fmt: skip
    root["@odata.id"] = ROOT
    for name in ("Systems", "Chassis", "Managers", "UpdateService"):
        root[name] = {"@odata.id": f"{ROOT}/{name}"}
    return root


@dataclass
class Firmware:
    name: str
    version: str | None


@dataclass
class Part:
    cls: str
    name: str
    manufacturer: str | None
    part_number: str | None
    serial: str | None
    slot: str | None
    revision: str | None
    firmware: list[Firmware] = field(default_factory=list)


@dataclass
class Inventory:
    """What the mockup will serve: the server and its parts (edit before writing)."""

    manufacturer: str | None
    model: str | None
    serial: str | None
    part_number: str | None
    parts: list[Part]

    def find(
        self, *, serial: str | None = None, cls: str | None = None, slot: str | None = None
    ) -> Part:
        for p in self.parts:
            if (
                (serial is None or p.serial == serial)
                and (cls is None or p.cls == cls)
                and (slot is None or p.slot == slot)
            ):
                return p
        raise KeyError((serial, cls, slot))


def inventory_from_hbom(doc: dict[str, Any]) -> Inventory:
    root, parts, _ = extract(doc)
    assert root is not None
    return Inventory(
        manufacturer=root.manufacturer,
        model=root.model or root.name,
        serial=root.serial,
        part_number=root.part_number,
        parts=[
            Part(
                cls=p.cls or "other",
                name=p.name,
                manufacturer=p.manufacturer,
                part_number=p.part_number,
                serial=p.serial,
                slot=p.slot,
                revision=p.revision,
                firmware=[Firmware(f.name, f.version) for f in p.firmware],
            )
            for p in parts
        ],
    )


def _ident(text: str, used: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_") or "x"
    ident, n = base, 1
    while ident in used:
        n += 1
        ident = f"{base}_{n}"
    used.add(ident)
    return ident


class _Writer:
    def __init__(self, target: Path, corpus: Path | None) -> None:
        self.target = target
        self.corpus = corpus
        self.resources: dict[str, dict[str, Any]] = {}

    def put(self, uri: str, kind: str | None, body: dict[str, Any]) -> dict[str, Any]:
        doc: dict[str, Any] = {}
        if kind is not None:
            doc["@odata.type"] = _odata_type(kind, self.corpus)
        doc["@odata.id"] = uri
        doc.update(body)
        self.resources[uri] = doc
        return doc

    def collection(self, uri: str, kind: str, members: list[str]) -> None:
        self.put(uri, None, {
            "@odata.type": f"#{kind}Collection.{kind}Collection",
            "Name": f"{kind} Collection",
            "Members": [{"@odata.id": m} for m in members],
            "Members@odata.count": len(members),
        })  # fmt: skip

    def write(self) -> Path:
        for uri, doc in self.resources.items():
            d = self.target / uri.lstrip("/")
            d.mkdir(parents=True, exist_ok=True)
            (d / "index.json").write_text(json.dumps(doc, indent=2) + "\n")
        return self.target


def _common(p: Part) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Name": p.name,
        "Model": p.name,
        "Status": {"State": "Enabled", "Health": "OK"},
    }
    if p.manufacturer:
        out["Manufacturer"] = p.manufacturer
    if p.part_number:
        out["PartNumber"] = p.part_number
    if p.serial:
        out["SerialNumber"] = p.serial
    return out


def _location(slot: str | None) -> dict[str, Any]:
    return {"Location": {"PartLocation": {"ServiceLabel": slot}}} if slot else {}


def write_mockup(inv: Inventory, target: Path, *, corpus: Path | None = RACKMOUNT) -> Path:
    """Write the mockup of ``inv`` under ``target`` (``target/redfish/v1/...``); returns target."""
    if corpus is not None and not corpus.is_dir():
        corpus = None
    w = _Writer(target, corpus)
    root = _service_root(corpus)
    w.resources[ROOT] = root
    system = f"{ROOT}/Systems/1"
    chassis = f"{ROOT}/Chassis/1"
    manager = f"{ROOT}/Managers/BMC"
    used: set[str] = set()
    procs: list[str] = []
    memory: list[str] = []
    nics: list[str] = []
    drives: list[str] = []
    psus: list[str] = []
    tpms: list[str] = []
    chassis_members = [chassis]
    assemblies: list[dict[str, Any]] = []
    firmware: list[tuple[Firmware, str]] = []
    chassis_doc: dict[str, Any] = {"Id": "1", "Name": "Chassis", "ChassisType": "RackMount",
                                   "Status": {"State": "Enabled", "Health": "OK"}}  # fmt: skip
    bmc_doc: dict[str, Any] | None = None

    for p in inv.parts:
        ident = _ident(p.slot or p.serial or p.cls, used)
        if p.cls in ("cpu", "gpu", "accelerator"):
            uri = f"{system}/Processors/{ident}"
            body = {**_common(p), "Id": ident, "ProcessorType": "GPU" if p.cls == "gpu" else "CPU"}
            if p.cls == "cpu" and p.slot:
                body["Socket"] = p.slot
            else:
                body.update(_location(p.slot))
            w.put(uri, "Processor", body)
            procs.append(uri)
        elif p.cls == "memory":
            uri = f"{system}/Memory/{ident}"
            body = {**_common(p), "Id": ident, "CapacityMiB": 65536, "MemoryDeviceType": "DDR5"}
            if p.slot:
                body["DeviceLocator"] = p.slot
            w.put(uri, "Memory", body)
            memory.append(uri)
        elif p.cls == "chassis":
            chassis_doc.update(_common(p))
            chassis_doc["Name"] = "Chassis"
            uri = chassis
        elif p.cls == "gpu-baseboard":
            uri = f"{ROOT}/Chassis/{ident}"
            w.put(uri, "Chassis", {**_common(p), "Id": ident, "ChassisType": "Module"})
            chassis_members.append(uri)
        elif p.cls == "nic":
            uri = f"{chassis}/NetworkAdapters/{ident}"
            w.put(uri, "NetworkAdapter", {**_common(p), "Id": ident, **_location(p.slot)})
            nics.append(uri)
        elif p.cls == "storage":
            uri = f"{chassis}/Drives/{ident}"
            w.put(uri, "Drive", {**_common(p), "Id": ident, **_location(p.slot)})
            drives.append(uri)
        elif p.cls == "psu":
            uri = f"{chassis}/PowerSubsystem/PowerSupplies/{ident}"
            w.put(uri, "PowerSupply", {**_common(p), "Id": ident, **_location(p.slot)})
            psus.append(uri)
        elif p.cls == "tpm":
            uri = f"{chassis}/TrustedComponents/{ident}"
            w.put(
                uri,
                "TrustedComponent",
                {**_common(p), "Id": ident, "TrustedComponentType": "Discrete"},
            )
            tpms.append(uri)
        elif p.cls == "bmc":
            uri = manager
            bmc_doc = {**_common(p), "Id": "BMC", "ManagerType": "BMC"}
        else:  # baseboard and anything else: an entry of the chassis' Assembly
            index = len(assemblies)
            uri = f"{chassis}/Assembly#/Assemblies/{index}"
            entry: dict[str, Any] = {
                "@odata.id": uri,
                "MemberId": str(index),
                "Name": p.name,
                "Model": p.name,
            }
            if p.manufacturer:
                entry["Producer"] = p.manufacturer
            if p.part_number:
                entry["PartNumber"] = p.part_number
            if p.serial:
                entry["SerialNumber"] = p.serial
            if p.revision:
                entry["Version"] = p.revision
            assemblies.append(entry)
        firmware.extend((fw, uri) for fw in p.firmware)

    w.put(system, "ComputerSystem", {
        "Id": "1", "Name": "System", "SystemType": "Physical",
        "Manufacturer": inv.manufacturer, "Model": inv.model, "SerialNumber": inv.serial,
        "PartNumber": inv.part_number, "Status": {"State": "Enabled", "Health": "OK"},
        "Processors": {"@odata.id": f"{system}/Processors"},
        "Memory": {"@odata.id": f"{system}/Memory"},
        "Links": {"Chassis": [{"@odata.id": chassis}], "ManagedBy": [{"@odata.id": manager}]},
    })  # fmt: skip
    w.collection(f"{ROOT}/Systems", "ComputerSystem", [system])
    w.collection(f"{system}/Processors", "Processor", procs)
    w.collection(f"{system}/Memory", "Memory", memory)
    chassis_doc.update({
        "NetworkAdapters": {"@odata.id": f"{chassis}/NetworkAdapters"},
        "Drives": {"@odata.id": f"{chassis}/Drives"},
        "PowerSubsystem": {"@odata.id": f"{chassis}/PowerSubsystem"},
        "TrustedComponents": {"@odata.id": f"{chassis}/TrustedComponents"},
        "Assembly": {"@odata.id": f"{chassis}/Assembly"},
    })  # fmt: skip
    w.put(chassis, "Chassis", chassis_doc)
    w.collection(f"{ROOT}/Chassis", "Chassis", chassis_members)
    w.collection(f"{chassis}/NetworkAdapters", "NetworkAdapter", nics)
    w.collection(f"{chassis}/Drives", "Drive", drives)
    w.put(f"{chassis}/PowerSubsystem", "PowerSubsystem", {
        "Id": "PowerSubsystem", "Name": "Power Subsystem",
        "PowerSupplies": {"@odata.id": f"{chassis}/PowerSubsystem/PowerSupplies"},
    })  # fmt: skip
    w.collection(f"{chassis}/PowerSubsystem/PowerSupplies", "PowerSupply", psus)
    w.collection(f"{chassis}/TrustedComponents", "TrustedComponent", tpms)
    w.put(f"{chassis}/Assembly", "Assembly", {"Id": "Assembly", "Name": "Assemblies",
                                              "Assemblies": assemblies})  # fmt: skip
    managers: list[str] = []
    if bmc_doc is not None:
        w.put(manager, "Manager", bmc_doc)
        managers.append(manager)
    w.collection(f"{ROOT}/Managers", "Manager", managers)
    w.put(f"{ROOT}/UpdateService", "UpdateService", {
        "Id": "UpdateService", "Name": "Update Service", "ServiceEnabled": True,
        "FirmwareInventory": {"@odata.id": f"{ROOT}/UpdateService/FirmwareInventory"},
    })  # fmt: skip
    fw_members: list[str] = []
    for fw, target in firmware:
        ident = _ident(f"{target.rsplit('/', 1)[-1]}_{fw.name}", used)
        uri = f"{ROOT}/UpdateService/FirmwareInventory/{ident}"
        body: dict[str, Any] = {"Id": ident, "Name": fw.name, "SoftwareId": fw.name, "Updateable": True,
                                "RelatedItem": [{"@odata.id": target}],
                                "Status": {"State": "Enabled", "Health": "OK"}}  # fmt: skip
        if fw.version:
            body["Version"] = fw.version
        w.put(uri, "SoftwareInventory", body)
        fw_members.append(uri)
    w.collection(f"{ROOT}/UpdateService/FirmwareInventory", "SoftwareInventory", fw_members)
    return w.write()


def clone(inv: Inventory) -> Inventory:
    return copy.deepcopy(inv)


def main(argv: list[str] | None = None) -> int:
    """``python tests/delivery/mockup.py HBOM OUT_DIR``: the Redfish mockup of a server's HBOM."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("hbom", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    inv = inventory_from_hbom(json.loads(args.hbom.read_text()))
    print(write_mockup(inv, args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

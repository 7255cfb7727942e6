"""The ``sovbom:`` property namespace and the standard CycloneDX fields sovbom uses.

The documented form (with mappings to CISA HBOM, Redfish, TCG and CycloneDX proposals) is
``schemas/sovbom-taxonomy.md``. Standard CycloneDX fields always come first: a property here is
only used where CycloneDX 1.6 has no field.
"""

from __future__ import annotations

NS = "sovbom:"

#: Country of origin of manufacture (ISO 3166-1 alpha-2): where the part was substantially made.
ORIGIN_COUNTRY = "sovbom:origin:country"
#: Manufacturer part number (MPN).
PART_NUMBER = "sovbom:part-number"
#: The class of a component in sovbom's hardware taxonomy (cpu, gpu, memory, bmc, tpm, ...).
CLASS = "sovbom:class"
#: Slot, socket or bay of a part in the server (``cdx:device:location`` is read as a fallback).
SLOT = "sovbom:slot"
#: PCI bus address (``0000:19:00.0``).
BUS_ADDRESS = "sovbom:bus-address"
#: Hardware revision when ``version`` is taken by something else (kept for readers that need it).
REVISION = "sovbom:revision"
#: A production step: ``sovbom:production:<step>:<field>`` with field site / country / date.
PRODUCTION_PREFIX = "sovbom:production:"
PRODUCTION_FIELDS = ("site", "country", "date")
#: Which collection sources saw a component (one property per source).
SEEN_BY = "sovbom:evidence:source"
#: Set on ``metadata`` when a collection did not complete.
INCOMPLETE = "sovbom:collection:incomplete"
#: What kind of BOM this is: factory (declared by the manufacturer) or observed.
BOM_KIND = "sovbom:bom:kind"

# Official CycloneDX device taxonomy (cdx:device:*), used where it fits.
CDX_SERIAL = "cdx:device:serialNumber"
CDX_SKU = "cdx:device:sku"
CDX_LOCATION = "cdx:device:location"
CDX_PROD_TIMESTAMP = "cdx:device:prodTimestamp"
CDX_QUANTITY = "cdx:device:quantity"
#: The proposed (not yet official) CycloneDX country-of-origin property; read, never written.
CDX_PROPOSED_ORIGIN = "cdx:device:countryOfOrigin"

#: Hardware classes sovbom knows. Manifests may use others; these drive reports and policy.
HARDWARE_CLASSES = (
    "server",
    "chassis",
    "baseboard",
    "cpu",
    "memory",
    "gpu-baseboard",
    "gpu",
    "accelerator",
    "nic",
    "storage",
    "storage-controller",
    "psu",
    "bmc",
    "tpm",
    "fan",
    "riser",
    "backplane",
    "cable",
    "other",
)

#: Production steps with a documented meaning (others are allowed).
PRODUCTION_STEPS = (
    "wafer-fabrication",
    "chip-packaging",
    "pcb-fabrication",
    "pcb-assembly",
    "module-assembly",
    "final-assembly",
    "test",
    "firmware-provisioning",
)

#: Model name of a part when ``name`` holds something else (the server's marketing model).
MODEL = "sovbom:model"
#: The bom-ref of the hardware part a firmware component runs on.
RUNS_ON = "sovbom:runs-on"
#: Asset tag of a part (SMBIOS ``Asset Tag``).
ASSET_TAG = "sovbom:asset-tag"
#: A note on ``metadata`` about how a collection went (one property per note).
COLLECTION_NOTE = "sovbom:collection:note"
#: The Redfish ``SoftwareId`` of a firmware inventory item.
REDFISH_SOFTWARE_ID = "sovbom:redfish:software-id"

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
PRODUCTION_FIELDS = (
    "site",
    "country",
    "subdivision",
    "date",
    "performed-by",
    "lot",
    "value",
    "basis",
)
#: Which collection sources saw a component (one property per source).
SEEN_BY = "sovbom:evidence:source"
#: Set on ``metadata`` when a collection did not complete.
INCOMPLETE = "sovbom:collection:incomplete"
#: What kind of BOM this is: factory (declared by the manufacturer) or observed.
BOM_KIND = "sovbom:bom:kind"
#: Why a collection is incomplete, or what it could not read (``metadata``, one per note).
COLLECTION_NOTE = "sovbom:collection:note"
#: Which collection sources produced an observed HBOM (``metadata``, one per source).
COLLECTION_SOURCE = "sovbom:collection:source"
#: The server's model (on ``metadata.component``).
MODEL = "sovbom:model"
#: The bom-ref (or serial number) of the part a piece of firmware or software runs on.
RUNS_ON = "sovbom:runs-on"
#: Each component that came from a separately signed sub-BOM names it (its BOM-Link).
VOUCHED_BY = "sovbom:vouched-by"
#: One per input of a composed BOM (``metadata``): ``<file name> sha256:<hex>``.
COMPOSED_FROM = "sovbom:composed-from"
#: An asset tag given in the firmware tables (SMBIOS).
ASSET_TAG = "sovbom:asset-tag"
#: Where a manufacturer's country was learnt (the supplier registry, a source ...).
MANUFACTURER_COUNTRY_SOURCE = "sovbom:manufacturer:country-source"
#: Set on parts that share one serial number with another part (kept apart, not merged).
SERIAL_SHARED = "sovbom:serial:shared"

# bom-ref prefixes sovbom generates (refs, not property names)
#: A component named after an SBOM file without ``metadata.component``: ``sovbom:sbom:<file>``.
SBOM_REF_PREFIX = "sovbom:sbom:"
#: A bom-ref given to an imported component that had none: ``sovbom:generated:<JSON path>``.
GENERATED_REF_PREFIX = "sovbom:generated:"
#: CycloneDX BOM-Link (``urn:cdx:<serial>/<version>``): a reference to another BOM.
BOM_LINK_PREFIX = "urn:cdx:"

# Software packages (dpkg, rpm, Python environments)
PACKAGE_MANAGER = "sovbom:package:manager"
PACKAGE_SOURCE = "sovbom:package:source"
PACKAGE_SOURCE_VERSION = "sovbom:package:source-version"
PACKAGE_ARCH = "sovbom:package:architecture"
PACKAGE_MULTI_ARCH = "sovbom:package:multi-arch"
PACKAGE_LOCATION = "sovbom:package:location"

# Details of hardware sources, kept as they were read (one name per fact)
SYSTEM_UUID = "sovbom:system:uuid"
SYSTEM_FAMILY = "sovbom:system:family"
FIRMWARE_RELEASE_DATE = "sovbom:firmware:release-date"
BIOS_REVISION = "sovbom:bios:revision"
BIOS_FIRMWARE_REVISION = "sovbom:bios:firmware-revision"
CHASSIS_TYPE = "sovbom:chassis:type"
CPU_ID = "sovbom:cpu:id"
CPU_SIGNATURE = "sovbom:cpu:signature"
CPU_CORES = "sovbom:cpu:cores"
MEMORY_SIZE = "sovbom:memory:size"
MEMORY_TYPE = "sovbom:memory:type"
MEMORY_SPEED = "sovbom:memory:speed"
MEMORY_BANK_LOCATOR = "sovbom:memory:bank-locator"
MEMORY_JEDEC_CODE = "sovbom:memory:jedec-code"
MEMORY_MODULE_MANUFACTURER_ID = "sovbom:memory:module-manufacturer-id"
PSU_MAX_POWER = "sovbom:psu:max-power"
PSU_STATUS = "sovbom:psu:status"
IPMI_INTERFACE = "sovbom:ipmi:interface"
IPMI_SPECIFICATION = "sovbom:ipmi:specification"
TPM_SPECIFICATION = "sovbom:tpm:specification"
TPM_VENDOR_ID = "sovbom:tpm:vendor-id"
PCI_ID = "sovbom:pci:id"
PCI_DEVICE_ID = "sovbom:pci:device-id"
PCI_SUBSYSTEM_ID = "sovbom:pci:subsystem-id"
NIC_INTERFACE = "sovbom:nic:interface"
STORAGE_SIZE = "sovbom:storage:size"
LSHW_BUSINFO = "sovbom:lshw:businfo"
GPU_UUID = "sovbom:gpu:uuid"
GPU_CHIP_PART_NUMBER = "sovbom:gpu:chip-part-number"
GPU_BRAND = "sovbom:gpu:brand"
GPU_ARCHITECTURE = "sovbom:gpu:architecture"
GPU_MODULE_ID = "sovbom:gpu:module-id"
GPU_MINOR_NUMBER = "sovbom:gpu:minor-number"
GPU_BOARD_ID = "sovbom:gpu:board-id"
GPU_INFOROM_IMAGE = "sovbom:gpu:inforom-image"
GPU_DRIVER_VERSION = "sovbom:gpu:driver-version"
REDFISH_RESOURCE = "sovbom:redfish:resource"
REDFISH_SOFTWARE_ID = "sovbom:redfish:software-id"
REDFISH_CAPACITY_MIB = "sovbom:redfish:capacity-mib"
REDFISH_BIOS_VERSION = "sovbom:redfish:bios-version"
REDFISH_UUID = "sovbom:redfish:uuid"
REDFISH_PROCESSOR_TYPE = "sovbom:redfish:processor-type"
REDFISH_RELEASE_DATE = "sovbom:redfish:release-date"
REDFISH_ENGINEERING_CHANGE_LEVEL = "sovbom:redfish:engineering-change-level"

# Official CycloneDX device taxonomy (cdx:device:*), used where it fits.
CDX_SERIAL = "cdx:device:serialNumber"
CDX_SKU = "cdx:device:sku"
CDX_LOCATION = "cdx:device:location"
CDX_PROD_TIMESTAMP = "cdx:device:prodTimestamp"
CDX_QUANTITY = "cdx:device:quantity"
#: The proposed (not yet official) CycloneDX country-of-origin property; read, never written.
CDX_PROPOSED_ORIGIN = "cdx:device:countryOfOrigin"
CDX_MAC_ADDRESS = "cdx:device:macAddress"

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
    "designed",
    "wafer-fabrication",
    "chip-packaging",
    "pcb-fabrication",
    "pcb-assembly",
    "module-assembly",
    "final-assembly",
    "test",
    "firmware-build",
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

#: Hardware identity evidence and results (see the taxonomy's hardware-identity section).
IDENTITY_PREFIX = "sovbom:identity:"
IDENTITY_CERTIFICATE = "sovbom:identity:certificate"
IDENTITY_CHAIN_INDEX = "sovbom:identity:chain-index"
IDENTITY_TRANSCRIPT = "sovbom:identity:transcript"
IDENTITY_MEASUREMENT = "sovbom:identity:measurement"
IDENTITY_NONCE = "sovbom:identity:nonce"
IDENTITY_COLLECTED = "sovbom:identity:collected"
IDENTITY_SOURCE = "sovbom:identity:source"
IDENTITY_REVOCATION = "sovbom:identity:revocation"
IDENTITY_DEVICE_ID = "sovbom:identity:device-id"
IDENTITY_FINGERPRINT = "sovbom:identity:fingerprint"
IDENTITY_EXPECTED_MEASUREMENT = "sovbom:identity:expected-measurement"
IDENTITY_STATUS = "sovbom:identity:status"
IDENTITY_REASON = "sovbom:identity:reason"
REDFISH_COMPONENT_INTEGRITY = "sovbom:redfish:component-integrity"
IDENTITY_INTEGRITY_TYPE = "sovbom:identity:integrity-type"
IDENTITY_BMC_VERIFICATION_STATUS = "sovbom:identity:bmc-verification-status"
#: ``--challenge``: what the BMC said of the signed measurements it returned, or why none came.
IDENTITY_SPDM_VERSION = "sovbom:identity:spdm-version"
IDENTITY_HASHING_ALGORITHM = "sovbom:identity:hashing-algorithm"
IDENTITY_SIGNING_ALGORITHM = "sovbom:identity:signing-algorithm"
IDENTITY_CHALLENGE_FAILED = "sovbom:identity:challenge-failed"
#: ``--capture-revocation``: a certificate whose OCSP response or CRL could not be captured.
IDENTITY_REVOCATION_NOT_CAPTURED = "sovbom:identity:revocation-not-captured"

# Origins by stage (the CycloneDX 2.0 ``origins`` draft, written as production-step properties)
#: Stage names the draft and other tools use for sovbom's documented steps.
STAGE_ALIASES = {"packaging": "chip-packaging", "design": "designed", "assembly": "final-assembly"}
#: What a stage's ``value`` means (``sovbom:production:<step>:basis``).
VALUE_BASES = ("cost", "share")

# In-toto predicate types of the statements sovbom signs and verifies (each spelled once here)
#: A CycloneDX BOM attestation (the one ``cosign attest --type cyclonedx`` uses).
CYCLONEDX_PREDICATE_TYPE = "https://cyclonedx.org/bom"
#: SPDX documents (in-toto attestation framework, predicates ``spdx.md`` and ``spdx3.md``): the
#: SPDX 2.3 JSON document, and an SPDX 3 JSON-LD document.
SPDX_2_3_PREDICATE_TYPE = "https://spdx.dev/Document/v2.3"
SPDX_3_PREDICATE_TYPE = "https://spdx.dev/Document/v3"
#: A ``sovbom claim`` result (``schemas/claim-result.schema.json``): an origin claim evaluated on
#: a server BOM.
CLAIM_RESULT_PREDICATE_TYPE = "https://sovbom.dev/origin-claim-result/v1"

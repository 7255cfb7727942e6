"""The walk: which Redfish resources to fetch, and what each one adds to the inventory.

The walk is directed, not a crawl: from ``Systems``, ``Chassis``, ``Managers`` and
``UpdateService/FirmwareInventory`` it fetches only the inventory resources (processors, memory,
storage and drives, PCIe devices, network adapters, graphics controllers, power supplies, trusted
components, assemblies, firmware). With ``concurrency > 1`` the fetches run in a bounded thread
pool while the calling thread handles what has arrived and schedules the next links, so all the
bookkeeping happens in one thread.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from sovbom.collect.redfish.base import (
    ROOT,
    Fetcher,
    Resource,
    Unavailable,
    link,
    links,
    norm,
    present,
)
from sovbom.errors import OperationalError

#: An upper bound on resources fetched in one walk (a guard against a BMC that links in circles).
MAX_RESOURCES = 20000
#: Resource kinds that need nothing but recording, when present (not "Absent").
_RECORDED_WHEN_PRESENT = frozenset({"graphics", "pcie", "nic", "drive", "trusted", "psu"})
_PREVIOUS = re.compile(r"^previous[-_.]", re.IGNORECASE)

#: (kind, uri, owner): a resource to fetch, what it is, and the resource it belongs to
_Item = tuple[str, str, str | None]
_Result = dict[str, Any] | Unavailable


@dataclass(slots=True)
class Record:
    """A part as Redfish shows it, before deduplication."""

    uri: str
    #: processor, memory, drive, storage-controller, pcie, nic, graphics, psu, trusted,
    #: trusted-module, bmc, chassis or assembly
    kind: str
    doc: Resource
    owner: str | None = None  # the resource an Assembly belongs to


@dataclass(slots=True)
class Walk:
    """What a walk found: the systems, the part records, the firmware inventory, what failed."""

    root: Resource | None = None
    systems: dict[str, Resource] = field(default_factory=dict)
    records: dict[str, Record] = field(default_factory=dict)
    firmware: dict[str, Resource] = field(default_factory=dict)
    unavailable: list[tuple[str, str]] = field(default_factory=list)
    skipped_previous: int = 0
    #: firmware URI -> the part that names it as its software image
    runs_on: dict[str, str] = field(default_factory=dict)
    #: ComponentIntegrity resources (SPDM, TPM) and the certificates they and their issuers link
    integrity: dict[str, Resource] = field(default_factory=dict)
    certificates: dict[str, Resource] = field(default_factory=dict)


_Handler = Callable[["Walker", str, Resource, "str | None"], None]


class Walker:
    """Follows links from the service root; fetches in a bounded pool, handles in this thread."""

    def __init__(
        self,
        fetcher: Fetcher,
        *,
        concurrency: int,
        progress: Callable[[int], None] | None,
        strict: bool,
    ) -> None:
        self.fetcher = fetcher
        self.concurrency = max(1, concurrency)
        self.progress = progress
        self.strict = strict
        self.walk = Walk()
        self._scheduled: set[str] = set()
        self._queue: list[_Item] = []
        self._done = 0

    # -- scheduling ----------------------------------------------------------------------------

    def _want(self, kind: str, uri: str | None, owner: str | None = None) -> None:
        if not uri or "#" in uri or uri in self._scheduled:
            return
        if len(self._scheduled) >= MAX_RESOURCES:
            raise OperationalError(
                f"more than {MAX_RESOURCES} Redfish resources linked; giving up",
                hint="the BMC may link resources in circles",
            )
        self._scheduled.add(uri)
        self._queue.append((kind, uri, owner))

    def start(self, root: Resource) -> None:
        """The service root has been read (it counts as the first resource)."""
        self.walk.root = root
        self.tick()

    def crawl(self) -> Walk:
        """Walk everything reachable from the service root given to :meth:`start`."""
        root = self.walk.root or {}
        self._scheduled.add(ROOT)
        self._want("coll:system", link(root.get("Systems")))
        self._want("coll:chassis", link(root.get("Chassis")))
        self._want("coll:manager", link(root.get("Managers")))
        self._want("updateservice", link(root.get("UpdateService")))
        self._want("coll:integrity", link(root.get("ComponentIntegrity")))
        if self.concurrency == 1:
            while self._queue:
                kind, uri, owner = self._queue.pop(0)
                self._handle(kind, uri, owner, self._fetch_one(uri))
        else:
            self._crawl_in_pool()
        return self.walk

    def _crawl_in_pool(self) -> None:
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="redfish") as pool:
            running: dict[Future[_Result], _Item] = {}
            try:
                while self._queue or running:
                    while self._queue and len(running) < self.concurrency * 2:
                        item = self._queue.pop(0)
                        running[pool.submit(self._fetch_one, item[1])] = item
                    done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                    for fut in sorted(done, key=lambda f: running[f][1]):
                        kind, uri, owner = running.pop(fut)
                        self._handle(kind, uri, owner, fut.result())
            except BaseException:
                for fut in running:
                    fut.cancel()
                raise

    def _fetch_one(self, uri: str) -> _Result:
        try:
            return self.fetcher.get(uri)
        except Unavailable as e:
            return e

    def tick(self) -> None:
        """One more resource handled: count it and report progress."""
        self._done += 1
        self.fetcher.stats.resources = self._done
        if self.progress is not None:
            self.progress(self._done)

    # -- handling ------------------------------------------------------------------------------

    def _handle(self, kind: str, uri: str, owner: str | None, result: _Result) -> None:
        self.tick()
        if isinstance(result, Unavailable):
            if self.strict:
                raise OperationalError(
                    f"cannot read Redfish resource {self.fetcher.describe(uri)}: {result.reason}",
                    hint="without --strict the HBOM is written and marked incomplete",
                )
            self.walk.unavailable.append((uri, result.reason))
            self.fetcher.stats.unavailable += 1
            return
        if kind.startswith("coll:"):
            self._on_collection(kind, result, owner)
        elif kind in _RECORDED_WHEN_PRESENT:
            if present(result):
                self._record(kind, uri, result)
        else:
            _HANDLERS[kind](self, uri, result, owner)

    def _on_collection(self, kind: str, doc: Resource, owner: str | None) -> None:
        member_kind = kind[len("coll:") :]
        for member in doc.get("Members") or ():
            target = link(member)
            if member_kind == "firmware" and target and _PREVIOUS.match(target.rsplit("/", 1)[-1]):
                self.walk.skipped_previous += 1  # Dell: the firmware before the last update
                continue
            self._want(member_kind, target, owner)
        next_link = doc.get("Members@odata.nextLink")
        if isinstance(next_link, str) and next_link.startswith(ROOT):
            self._want(kind, next_link, owner)  # keeps its query string: a new key

    def _record(self, kind: str, uri: str, doc: Resource, owner: str | None = None) -> None:
        if uri not in self.walk.records:
            self.walk.records[uri] = Record(uri, kind, doc, owner)
        assembly = link(doc.get("Assembly"))
        if assembly:
            self._want("assembly", assembly, uri)
        doc_links = doc.get("Links")
        if isinstance(doc_links, Mapping):
            # TrustedComponent / Manager: the firmware image it runs (maybe in no collection).
            for key in ("ActiveSoftwareImage", "SoftwareImages"):
                for image in links(doc_links.get(key)):
                    self.walk.runs_on.setdefault(image, uri)
                    self._want("firmware", image)

    def _inline(self, frag: str, kind: str, doc: Resource, owner: str) -> None:
        """A part described inside another resource (a fragment URI, not fetched)."""
        self.walk.records.setdefault(frag, Record(frag, kind, doc, owner))

    def _follow_pcie(self, value: object) -> None:
        if isinstance(value, list):
            for target in links(value):
                self._want("pcie", target)
        else:
            self._want("coll:pcie", link(value))

    def _on_system(self, uri: str, doc: Resource, owner: str | None) -> None:
        self.walk.systems[uri] = doc
        self._want("coll:processor", link(doc.get("Processors")))
        self._want("coll:memory", link(doc.get("Memory")))
        self._want("coll:graphics", link(doc.get("GraphicsControllers")))
        storage = link(doc.get("Storage"))
        if storage:
            self._want("coll:storage", storage)
        else:
            self._want("coll:simplestorage", link(doc.get("SimpleStorage")), uri)
        self._follow_pcie(doc.get("PCIeDevices"))
        for module_index, module in enumerate(doc.get("TrustedModules") or ()):
            if isinstance(module, Mapping) and module and present(module):
                self._inline(f"{uri}#/TrustedModules/{module_index}", "trusted-module", module, uri)
        assembly = link(doc.get("Assembly"))
        if assembly:
            self._want("assembly", assembly, uri)

    def _on_chassis(self, uri: str, doc: Resource, owner: str | None) -> None:
        self._record("chassis", uri, doc)
        self._follow_pcie(doc.get("PCIeDevices"))
        self._want("coll:nic", link(doc.get("NetworkAdapters")))
        self._want("coll:drive", link(doc.get("Drives")))
        self._want("coll:trusted", link(doc.get("TrustedComponents")))
        subsystem = link(doc.get("PowerSubsystem"))
        if subsystem:
            self._want("powersubsystem", subsystem)
        else:
            self._want("power", link(doc.get("Power")))
        doc_links = doc.get("Links") or {}
        if isinstance(doc_links, Mapping):
            for target in links(doc_links.get("Drives")):
                self._want("drive", target)
            for target in links(doc_links.get("PCIeDevices")):
                self._want("pcie", target)

    def _on_manager(self, uri: str, doc: Resource, owner: str | None) -> None:
        if doc.get("ManagerType") in (None, "BMC", "ManagementController", "Service"):
            self._record("bmc", uri, doc)

    def _on_updateservice(self, uri: str, doc: Resource, owner: str | None) -> None:
        inventory = link(doc.get("FirmwareInventory"))
        oem = doc.get("Oem")
        if inventory is None and isinstance(oem, Mapping):  # Supermicro X10: under Oem
            for vendor in oem.values():
                if isinstance(vendor, Mapping) and link(vendor.get("FirmwareInventory")):
                    inventory = link(vendor.get("FirmwareInventory"))
                    break
        self._want("coll:firmware", inventory)

    def _on_firmware(self, uri: str, doc: Resource, owner: str | None) -> None:
        if _PREVIOUS.match(str(doc.get("Id") or "")):
            self.walk.skipped_previous += 1
            return
        self.walk.firmware[uri] = doc

    def _on_processor(self, uri: str, doc: Resource, owner: str | None) -> None:
        if present(doc):
            self._record("processor", uri, doc)

    def _on_memory(self, uri: str, doc: Resource, owner: str | None) -> None:
        capacity = doc.get("CapacityMiB")
        if not present(doc) or (isinstance(capacity, int | float) and capacity <= 0):
            return
        self._record("memory", uri, doc)

    def _on_powersubsystem(self, uri: str, doc: Resource, owner: str | None) -> None:
        self._want("coll:psu", link(doc.get("PowerSupplies")))

    def _on_power(self, uri: str, doc: Resource, owner: str | None) -> None:
        for index, psu in enumerate(doc.get("PowerSupplies") or ()):
            if not isinstance(psu, Mapping) or not present(psu):
                continue
            frag = norm(str(psu.get("@odata.id") or f"{uri}#/PowerSupplies/{index}"))
            if "#" not in frag:
                frag = f"{uri}#/PowerSupplies/{index}"
            self._inline(frag, "psu", psu, uri)

    def _on_storage(self, uri: str, doc: Resource, owner: str | None) -> None:
        inline = doc.get("StorageControllers")
        if isinstance(inline, list) and inline:
            for index, ctrl in enumerate(inline):
                if not isinstance(ctrl, Mapping) or not present(ctrl):
                    continue
                frag = norm(str(ctrl.get("@odata.id") or ""))
                if not frag.startswith(ROOT):
                    frag = f"{uri}#/StorageControllers/{index}"
                self._inline(frag, "storage-controller", ctrl, uri)
        else:
            self._want("coll:storagecontroller", link(doc.get("Controllers")), uri)
        drives = doc.get("Drives")
        if isinstance(drives, list):
            for target in links(drives):
                self._want("drive", target)
        else:
            self._want("coll:drive", link(drives))

    def _on_storagecontroller(self, uri: str, doc: Resource, owner: str | None) -> None:
        if present(doc):
            self._record("storage-controller", uri, doc, owner)

    def _on_simplestorage(self, uri: str, doc: Resource, owner: str | None) -> None:
        if not present(doc):
            return
        self._record("storage-controller", uri, doc, owner)
        for index, device in enumerate(doc.get("Devices") or ()):
            if isinstance(device, Mapping) and present(device):
                self._inline(f"{uri}#/Devices/{index}", "drive", device, uri)

    def _on_assembly(self, uri: str, doc: Resource, owner: str | None) -> None:
        for index, entry in enumerate(doc.get("Assemblies") or ()):
            if not isinstance(entry, Mapping):
                continue
            frag = norm(str(entry.get("@odata.id") or ""))
            if not frag.startswith(ROOT) or frag in self.walk.records:
                frag = f"{uri}#/Assemblies/{index}"
            self.walk.records.setdefault(frag, Record(frag, "assembly", entry, owner))

    def _on_integrity(self, uri: str, doc: Resource, owner: str | None) -> None:
        self.walk.integrity[uri] = doc
        for kind in ("SPDM", "TPM"):
            section = doc.get(kind)
            auth = section.get("IdentityAuthentication") if isinstance(section, Mapping) else None
            if not isinstance(auth, Mapping):
                continue
            responder = auth.get("ResponderAuthentication")
            holder = responder if isinstance(responder, Mapping) else auth
            self._want("certificate", link(holder.get("ComponentCertificate")))

    def _on_certificate(self, uri: str, doc: Resource, owner: str | None) -> None:
        self.walk.certificates[uri] = doc
        doc_links = doc.get("Links")
        if isinstance(doc_links, Mapping):  # the issuer, to rebuild the chain
            self._want("certificate", link(doc_links.get("Issuer")))


#: The handler of each kind of resource that is neither a collection nor simply recorded.
_HANDLERS: dict[str, _Handler] = {
    "system": Walker._on_system,
    "chassis": Walker._on_chassis,
    "manager": Walker._on_manager,
    "updateservice": Walker._on_updateservice,
    "firmware": Walker._on_firmware,
    "processor": Walker._on_processor,
    "memory": Walker._on_memory,
    "powersubsystem": Walker._on_powersubsystem,
    "power": Walker._on_power,
    "storage": Walker._on_storage,
    "storagecontroller": Walker._on_storagecontroller,
    "simplestorage": Walker._on_simplestorage,
    "assembly": Walker._on_assembly,
    "integrity": Walker._on_integrity,
    "certificate": Walker._on_certificate,
}

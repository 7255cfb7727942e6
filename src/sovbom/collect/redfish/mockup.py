"""Resources from a Redfish mockup directory (DMTF Mockup Creator layout, or a flat capture)."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sovbom._io import parse_json, read_bytes
from sovbom.collect.redfish.base import MAX_RESOURCE_BYTES, ROOT, RedfishStats, Unavailable
from sovbom.errors import InputError

#: eb4x/dellfish style flat captures name collections by their type.
_FLAT_COLLECTIONS = {
    "Systems": "ComputerSystemCollection.json",
    "Chassis": "ChassisCollection.json",
    "Managers": "ManagerCollection.json",
    "Storage": "StorageCollection.json",
    "Volumes": "VolumeCollection.json",
}


class MockupFetcher:
    """Reads ``<dir>/[redfish/v1/]<path>/index.json`` (or a flat ``<path>.json``) per URI."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        base = Path(directory)
        if not base.is_dir():
            raise InputError("not a directory", source=str(directory))
        for candidate in (base / "redfish" / "v1", base / "v1", base):
            if (candidate / "index.json").is_file() or (candidate / "ServiceRoot.json").is_file():
                self.base = candidate.resolve()
                break
        else:
            raise InputError(
                "not a Redfish mockup: no index.json (or ServiceRoot.json) at the top or under "
                "redfish/v1/",
                source=str(directory),
            )
        self.stats = RedfishStats(auth="mockup")
        self._lock = threading.Lock()

    def describe(self, uri: str) -> str:
        return f"{uri} (in {self.base})"

    def _candidates(self, uri: str) -> list[Path]:
        path = uri.partition("#")[0]
        rel = path[len(ROOT) :].strip("/") if path.startswith(ROOT) else path.strip("/")
        parts = [unquote(p) for p in rel.split("/") if p]
        if any(p in ("..", ".") or "\x00" in p for p in parts):
            return []
        here = self.base.joinpath(*parts)
        if not parts:
            return [here / "index.json", here / "ServiceRoot.json"]
        out = [here / "index.json", here.with_name(parts[-1] + ".json")]
        flat = _FLAT_COLLECTIONS.get(parts[-1])
        if flat:
            out.append(here.parent / flat)
        return out

    def get(self, uri: str) -> dict[str, Any]:
        with self._lock:
            self.stats.requests += 1
        for candidate in self._candidates(uri):
            try:
                resolved = candidate.resolve()
            except OSError:
                continue
            if not resolved.is_relative_to(self.base) or not resolved.exists():
                continue
            if resolved.is_dir():
                continue
            # Regular files only (a FIFO or a device is refused, never opened for a blocking
            # read), at most MAX_RESOURCE_BYTES: InputError otherwise.
            data = read_bytes(resolved, limit=MAX_RESOURCE_BYTES)
            doc = parse_json(data, str(resolved))  # InputError with line and column
            if not isinstance(doc, dict):
                raise Unavailable(
                    uri, f"{resolved.name} holds JSON {type(doc).__name__}, not an object"
                )
            return doc
        raise Unavailable(uri, "not found in the mockup (no index.json)")

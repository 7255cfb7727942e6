"""Hardware inventory from a Redfish service: a live BMC (``--redfish``) or a mockup tree.

One walker follows ``@odata.id`` links from the service root over an abstract fetch function, so
a live BMC (:class:`_HttpFetcher`: requests + urllib3 retries, TLS verified by default, session or
basic authentication) and a DMTF mockup directory (:class:`_MockupFetcher`: ``index.json`` per URI)
share all the parsing. The walk is directed, not a crawl: from ``Systems``, ``Chassis``,
``Managers`` and ``UpdateService/FirmwareInventory`` it fetches only the inventory resources
(processors, memory, storage and drives, PCIe devices, network adapters, graphics controllers, power
supplies, trusted components, assemblies, firmware). With ``concurrency > 1`` the fetches run in a
bounded thread pool while the main thread parses what has arrived and schedules the next links.

A resource that cannot be had (404, 5xx after retries, a timeout, broken JSON, a redirect loop) is
recorded in ``Inventory.notes`` and the inventory is marked incomplete (``complete=False``), unless
``strict=True``, where it raises. The service root failing, authentication failing (401/403) or TLS
verification failing always raise :class:`~sovbom.errors.OperationalError`.
"""

from __future__ import annotations

import logging
import netrc
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urljoin, urlsplit

import orjson
import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from sovbom._io import parse_json
from sovbom.collect.interface import Inventory
from sovbom.countries import normalize_country
from sovbom.errors import InputError, OperationalError
from sovbom.hbom import link_firmware
from sovbom.model import Component, Organization
from sovbom.placeholders import clean

__all__ = [
    "ENV_PASSWORD",
    "ENV_USERNAME",
    "RedfishStats",
    "collect_mockup",
    "collect_mockup_with_stats",
    "collect_redfish",
    "collect_redfish_with_stats",
]

log = logging.getLogger("sovbom")

SOURCE = "redfish"
ENV_USERNAME = "SOVBOM_REDFISH_USERNAME"
ENV_PASSWORD = "SOVBOM_REDFISH_PASSWORD"  # noqa: S105 - the name of a variable, not a secret
ROOT = "/redfish/v1"
#: Resource kinds that need nothing but recording, when present (not "Absent").
_RECORDED_WHEN_PRESENT = frozenset({"graphics", "pcie", "nic", "drive", "trusted", "psu"})

#: Properties sovbom writes for Redfish-specific facts.
PROP_RESOURCE = "sovbom:redfish:resource"
PROP_SOFTWARE_ID = "sovbom:redfish:software-id"
PROP_CAPACITY_MIB = "sovbom:redfish:capacity-mib"
PROP_BIOS_VERSION = "sovbom:redfish:bios-version"
PROP_UUID = "sovbom:redfish:uuid"
PROP_PROCESSOR_TYPE = "sovbom:redfish:processor-type"
PROP_RELEASE_DATE = "sovbom:redfish:release-date"

MAX_RESPONSE_BYTES = 16 * 1024 * 1024
MAX_REDIRECTS = 5
#: An upper bound on resources fetched in one walk (a guard against a BMC that links in circles).
MAX_RESOURCES = 20000


# --------------------------------------------------------------------------------------------
# Public results
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class RedfishStats:
    """What a walk cost: HTTP requests (or files read), retries, wall time."""

    requests: int = 0
    resources: int = 0
    retries: int = 0
    unavailable: int = 0
    concurrency: int = 1
    seconds: float = 0.0
    auth: str = "none"  # none, session, basic, or mockup

    def summary(self) -> str:
        return (
            f"redfish: {self.resources} resources, {self.requests} requests "
            f"({self.retries} retries, {self.unavailable} unavailable), auth {self.auth}, "
            f"concurrency {self.concurrency}, {self.seconds:.2f} s"
        )


class _Unavailable(Exception):
    """One resource could not be had; the walk goes on and the inventory is incomplete."""

    def __init__(self, uri: str, reason: str) -> None:
        super().__init__(f"{uri}: {reason}")
        self.uri = uri
        self.reason = reason


class _Fetcher(Protocol):
    stats: RedfishStats

    def get(self, uri: str) -> dict[str, Any]: ...

    def describe(self, uri: str) -> str: ...


# --------------------------------------------------------------------------------------------
# URIs
# --------------------------------------------------------------------------------------------


def _norm(uri: str) -> str:
    """``/redfish/v1/Systems/1/`` -> ``/redfish/v1/Systems/1``; the fragment is kept."""
    path, sep, frag = uri.partition("#")
    path = path.rstrip("/") or "/"
    if path.lower() == ROOT:
        path = ROOT
    return path + (sep + frag if sep else "")


def _short(uri: str) -> str:
    """The part of a URI used in bom-refs: no ``/redfish/v1/`` prefix, fragments flattened."""
    path, _, frag = uri.partition("#")
    if path.startswith(ROOT + "/"):
        path = path[len(ROOT) + 1 :]
    elif path == ROOT:
        path = "ServiceRoot"
    if frag:
        path = path + "/" + frag.strip("/")
    return path


def _link(value: Any) -> str | None:
    """The ``@odata.id`` of a link object, normalised, or None."""
    if isinstance(value, Mapping):
        target = value.get("@odata.id")
        if isinstance(target, str) and target.startswith(ROOT):
            return _norm(target)
    return None


def _links(value: Any) -> list[str]:
    """All ``@odata.id`` targets of a link object or an array of them."""
    if isinstance(value, list):
        return [u for u in (_link(v) for v in value) if u]
    one = _link(value)
    return [one] if one else []


def _fetchable(uri: str) -> bool:
    return "#" not in uri


# --------------------------------------------------------------------------------------------
# Fetching from a mockup directory
# --------------------------------------------------------------------------------------------

#: eb4x/dellfish style flat captures name collections by their type.
_FLAT_COLLECTIONS = {
    "Systems": "ComputerSystemCollection.json",
    "Chassis": "ChassisCollection.json",
    "Managers": "ManagerCollection.json",
    "Storage": "StorageCollection.json",
    "Volumes": "VolumeCollection.json",
}


class _MockupFetcher:
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
            if not resolved.is_relative_to(self.base) or not resolved.is_file():
                continue
            try:
                data = resolved.read_bytes()
            except OSError as e:
                raise InputError(f"cannot read: {e.strerror or e}", source=str(resolved)) from e
            doc = parse_json(data, str(resolved))  # InputError with line and column
            if not isinstance(doc, dict):
                raise _Unavailable(
                    uri, f"{resolved.name} holds JSON {type(doc).__name__}, not an object"
                )
            return doc
        raise _Unavailable(uri, "not found in the mockup (no index.json)")


# --------------------------------------------------------------------------------------------
# Fetching from a live BMC
# --------------------------------------------------------------------------------------------


def _netrc_entry(host: str) -> tuple[str, str] | None:
    netrc_path = os.environ.get("NETRC") or str(Path("~/.netrc").expanduser())
    if not Path(netrc_path).is_file():
        return None
    if os.name == "posix" and Path(netrc_path).stat().st_mode & 0o077:
        log.warning(
            "%s is readable by other users; it holds BMC passwords (chmod 600 it)", netrc_path
        )
    try:
        entry = netrc.netrc(netrc_path).authenticators(host)
    except (netrc.NetrcParseError, OSError) as e:
        # The message of NetrcParseError quotes no secret; it names the file and the line.
        raise InputError(f"cannot read netrc: {e}", source=netrc_path) from e
    if not entry:
        return None
    login, _account, secret = entry
    return login or "", secret or ""


def _credentials(
    host: str, username: str | None, password: str | None
) -> tuple[str | None, str | None, str]:
    """Each of user and password: the argument, else the environment, else the netrc entry for
    the host (its password only when its login is the user). Returns (user, password, source)."""
    sources: list[str] = []
    user = username
    if user is not None:
        sources.append("arguments")
    elif os.environ.get(ENV_USERNAME):
        user = os.environ[ENV_USERNAME]
        sources.append("environment")
    secret = password
    if secret is None and os.environ.get(ENV_PASSWORD) is not None:
        secret = os.environ[ENV_PASSWORD]
        sources.append("environment")
    if user is None or secret is None:
        entry = _netrc_entry(host)
        if entry is not None and (user is None or user == entry[0]):
            if user is None:
                user = entry[0] or None
            if secret is None:
                secret = entry[1]
            sources.append("netrc")
    if user is None:
        return None, None, "none"
    return user, secret, "+".join(dict.fromkeys(sources)) or "none"


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


class _HttpFetcher:
    """GET Redfish resources from a BMC: bounded retries, per-request timeout, manual redirects."""

    def __init__(
        self,
        url: str,
        *,
        username: str | None,
        password: str | None,
        ca_bundle: str | None,
        insecure: bool,
        timeout: float,
        retries: int,
        pool: int,
    ) -> None:
        parts = urlsplit(url if "://" in url else f"https://{url}")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError(f"not a Redfish URL: {url!r} (expected https://HOST[:PORT])")
        self.base = f"{parts.scheme}://{parts.netloc}"
        self.host = parts.hostname
        self.timeout = timeout
        self.retries = retries
        self.stats = RedfishStats()
        self._lock = threading.Lock()
        self._user, self._password, self._cred_source = _credentials(
            parts.hostname, username, password
        )
        self._session_uri: str | None = None
        session = requests.Session()
        retry = Retry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            other=0,
            redirect=0,
            backoff_factor=0.1,
            backoff_max=2.0,
            status_forcelist=(500, 502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            raise_on_status=False,
            raise_on_redirect=False,
            respect_retry_after_header=False,
        )
        adapter = HTTPAdapter(max_retries=retry, pool_connections=1, pool_maxsize=max(1, pool))
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers.update({"Accept": "application/json", "OData-Version": "4.0"})
        session.trust_env = False  # no proxies from the environment for a BMC on the local network
        if insecure:
            log.warning(
                "TLS certificate verification is disabled for %s (--insecure): the BMC's identity "
                "is not checked",
                self.base,
            )
            session.verify = False
        elif ca_bundle:
            if not Path(ca_bundle).is_file():
                raise InputError("CA bundle not found", source=ca_bundle)
            session.verify = ca_bundle
        else:
            session.verify = True
        self.session = session

    # -- authentication ------------------------------------------------------------------------

    def login(self, root: Mapping[str, Any]) -> None:
        """Session authentication when the BMC offers it, otherwise basic authentication."""
        if not self._user:
            log.debug("redfish: no credentials found (arguments, %s, netrc)", ENV_USERNAME)
            return
        sessions = _link((root.get("Links") or {}).get("Sessions")) or (
            ROOT + "/SessionService/Sessions"
        )
        try:
            resp = self.session.post(
                self.base + sessions,
                json={"UserName": self._user, "Password": self._password or ""},
                timeout=self.timeout,
                allow_redirects=False,
            )
            with self._lock:
                self.stats.requests += 1
        except requests.exceptions.SSLError as e:
            raise self._tls_error(e) from e
        except requests.RequestException as e:
            log.debug(
                "redfish: session login failed (%s); using basic authentication", type(e).__name__
            )
            resp = None
        token = resp.headers.get("X-Auth-Token") if resp is not None else None
        if resp is not None and resp.status_code in (200, 201, 204) and token:
            self.session.headers["X-Auth-Token"] = token
            location = resp.headers.get("Location")
            if location:
                absolute = urljoin(self.base + sessions + "/", location)
                if _origin(absolute) == _origin(self.base):
                    self._session_uri = absolute
            self.stats.auth = "session"
            log.debug("redfish: logged in with a session (credentials from %s)", self._cred_source)
            return
        status = resp.status_code if resp is not None else "no answer"
        log.debug("redfish: no session (%s); using basic authentication", status)
        self.session.auth = (self._user, self._password or "")
        self.stats.auth = "basic"

    def logout(self) -> None:
        if not self._session_uri:
            return
        uri, self._session_uri = self._session_uri, None
        try:
            resp = self.session.delete(uri, timeout=self.timeout, allow_redirects=False)
            with self._lock:
                self.stats.requests += 1
            if resp.status_code >= 400:
                log.warning("redfish: could not close the session (HTTP %s)", resp.status_code)
        except requests.RequestException as e:
            log.warning("redfish: could not close the session (%s)", type(e).__name__)
        finally:
            self.session.headers.pop("X-Auth-Token", None)

    def close(self) -> None:
        try:
            self.logout()
        finally:
            self.session.close()

    # -- fetching -------------------------------------------------------------------------------

    def describe(self, uri: str) -> str:
        return self.base + uri

    def _tls_error(self, e: Exception) -> OperationalError:
        text = str(e)
        match = re.search(r"\[SSL: [A-Z_]+\] ([^(]+?)(?: \(_ssl|'|\)|$)", text)
        reason = match.group(1).strip() if match else _reason(e)
        return OperationalError(
            f"TLS verification failed for {self.base}: {reason}",
            hint="pass the BMC's CA certificate with --ca-bundle FILE (or, only if you accept an "
            "unauthenticated BMC, --insecure)",
        )

    def get(self, uri: str) -> dict[str, Any]:
        url = self.base + uri
        seen: set[str] = set()
        for _ in range(MAX_REDIRECTS + 1):
            seen.add(url)
            try:
                resp = self.session.get(
                    url, timeout=(self.timeout, self.timeout), allow_redirects=False, stream=True
                )
            except requests.exceptions.SSLError as e:
                raise self._tls_error(e) from e
            except requests.exceptions.ConnectTimeout as e:
                raise _Unavailable(uri, f"connection timed out after {self.timeout:g} s") from e
            except (requests.exceptions.ReadTimeout, requests.exceptions.Timeout) as e:
                raise _Unavailable(uri, f"timed out after {self.timeout:g} s") from e
            except requests.exceptions.RetryError as e:
                raise _Unavailable(uri, f"gave up after retries: {e}") from e
            except requests.exceptions.ConnectionError as e:
                if "timed out" in str(e).lower():
                    raise _Unavailable(
                        uri, f"timed out after {self.timeout:g} s ({self.retries} retries)"
                    ) from e
                raise _Unavailable(uri, f"connection failed: {_reason(e)}") from e
            except requests.RequestException as e:
                raise _Unavailable(uri, f"request failed: {_reason(e)}") from e
            try:
                with self._lock:
                    self.stats.requests += 1
                    history = getattr(getattr(resp.raw, "retries", None), "history", ()) or ()
                    self.stats.retries += len(history)
                if resp.is_redirect:
                    location = resp.headers.get("Location", "")
                    target = urljoin(url, location)
                    if _origin(target) != _origin(self.base):
                        raise _Unavailable(uri, f"redirected off the BMC to {target}; not followed")
                    if target in seen:
                        raise _Unavailable(uri, f"redirect loop ({location})")
                    url = target
                    continue
                return self._decode(uri, resp)
            finally:
                resp.close()
        raise _Unavailable(uri, f"more than {MAX_REDIRECTS} redirects")

    def _decode(self, uri: str, resp: requests.Response) -> dict[str, Any]:
        status = resp.status_code
        if status in (401, 403):
            where = (
                "no credentials given"
                if not self._user
                else f"credentials from {self._cred_source}"
            )
            raise _AuthError(
                f"authentication failed at {self.base}{uri} (HTTP {status}, {where})",
                hint=f"set {ENV_USERNAME} and {ENV_PASSWORD}, or add the BMC to your netrc file",
            )
        if status == 404:
            raise _Unavailable(uri, "not found (HTTP 404)")
        if status >= 400:
            raise _Unavailable(uri, f"HTTP {status} {resp.reason or ''}".rstrip())
        try:
            body = resp.raw.read(MAX_RESPONSE_BYTES + 1, decode_content=True)
        except (urllib3.exceptions.HTTPError, OSError) as e:
            raise _Unavailable(uri, f"reading the response failed: {_reason(e)}") from e
        if len(body) > MAX_RESPONSE_BYTES:
            raise _Unavailable(uri, f"response larger than {MAX_RESPONSE_BYTES} bytes")
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError as e:
            raise _Unavailable(uri, f"malformed JSON: {e}") from e
        if not isinstance(doc, dict):
            raise _Unavailable(uri, "expected a JSON object")
        return doc


class _AuthError(OperationalError):
    """The BMC refused the credentials (401/403)."""


def _reason(e: Exception) -> str:
    text = str(e)
    match = re.search(
        r"\[Errno -?\d+\] [^'\")]+|Connection refused|Name or service not known", text
    )
    if match:
        return match.group(0)
    return text if len(text) < 200 else text[:197] + "..."


# --------------------------------------------------------------------------------------------
# The walk
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Record:
    """A part as Redfish shows it, before deduplication."""

    uri: str
    #: processor, memory, drive, storage-controller, pcie, nic, graphics, psu, trusted,
    #: trusted-module, bmc, chassis or assembly
    kind: str
    doc: Mapping[str, Any]
    owner: str | None = None  # the resource an Assembly belongs to


@dataclass(slots=True)
class _Walk:
    root: dict[str, Any] | None = None
    systems: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    records: dict[str, _Record] = field(default_factory=dict)
    firmware: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    unavailable: list[tuple[str, str]] = field(default_factory=list)
    skipped_previous: int = 0
    #: firmware URI -> the part that names it as its software image
    runs_on: dict[str, str] = field(default_factory=dict)


_PREVIOUS = re.compile(r"^previous[-_.]", re.IGNORECASE)


class _Walker:
    """Follows links from the service root; fetches in a bounded pool, parses in this thread."""

    def __init__(
        self,
        fetcher: _Fetcher,
        *,
        concurrency: int,
        progress: Callable[[int], None] | None,
        strict: bool,
    ) -> None:
        self.fetcher = fetcher
        self.concurrency = max(1, concurrency)
        self.progress = progress
        self.strict = strict
        self.walk = _Walk()
        self._scheduled: set[str] = set()
        self._queue: list[tuple[str, str, str | None]] = []
        self._done = 0

    # -- scheduling ----------------------------------------------------------------------------

    def _want(self, kind: str, uri: str | None, owner: str | None = None) -> None:
        if not uri or not _fetchable(uri):
            return
        if uri in self._scheduled:
            return
        if len(self._scheduled) >= MAX_RESOURCES:
            raise OperationalError(
                f"more than {MAX_RESOURCES} Redfish resources linked; giving up",
                hint="the BMC may link resources in circles",
            )
        self._scheduled.add(uri)
        self._queue.append((kind, uri, owner))

    def run(self) -> _Walk:
        root = self.fetcher.get(ROOT)  # failures of the root are fatal (raised as they come)
        self.walk.root = root
        self._tick()
        return self.walk

    def crawl(self) -> _Walk:
        root = self.walk.root or {}
        self._scheduled.add(ROOT)
        self._want("coll:system", _link(root.get("Systems")))
        self._want("coll:chassis", _link(root.get("Chassis")))
        self._want("coll:manager", _link(root.get("Managers")))
        self._want("updateservice", _link(root.get("UpdateService")))
        if self.concurrency == 1:
            while self._queue:
                kind, uri, owner = self._queue.pop(0)
                self._handle(kind, uri, owner, self._fetch_one(uri))
            return self.walk
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="redfish") as pool:
            running: dict[Future[dict[str, Any] | _Unavailable], tuple[str, str, str | None]] = {}
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
        return self.walk

    def _fetch_one(self, uri: str) -> dict[str, Any] | _Unavailable:
        try:
            return self.fetcher.get(uri)
        except _Unavailable as e:
            return e

    def _tick(self) -> None:
        self._done += 1
        self.fetcher.stats.resources = self._done
        if self.progress is not None:
            self.progress(self._done)

    # -- parsing -------------------------------------------------------------------------------

    def _handle(
        self, kind: str, uri: str, owner: str | None, result: dict[str, Any] | _Unavailable
    ) -> None:
        self._tick()
        if isinstance(result, _Unavailable):
            if self.strict:
                raise OperationalError(
                    f"cannot read Redfish resource {self.fetcher.describe(uri)}: {result.reason}",
                    hint="without --strict the HBOM is written and marked incomplete",
                )
            self.walk.unavailable.append((uri, result.reason))
            self.fetcher.stats.unavailable += 1
            return
        doc = result
        if kind.startswith("coll:"):
            member_kind = kind[5:]
            for member in doc.get("Members") or ():
                target = _link(member)
                if (
                    member_kind == "firmware"
                    and target
                    and _PREVIOUS.match(target.rsplit("/", 1)[-1])
                ):
                    self.walk.skipped_previous += 1  # Dell: the firmware before the last update
                    continue
                self._want(member_kind, target, owner)
            next_link = doc.get("Members@odata.nextLink")
            if isinstance(next_link, str) and next_link.startswith(ROOT):
                self._want(kind, next_link, owner)  # keeps its query string: a new key
            return
        if kind in _RECORDED_WHEN_PRESENT:
            if _present(doc):
                self._record(kind, uri, doc)
            return
        handler = getattr(self, f"_on_{kind.replace('-', '_')}")
        handler(uri, doc, owner)

    def _record(
        self, kind: str, uri: str, doc: Mapping[str, Any], owner: str | None = None
    ) -> None:
        if uri not in self.walk.records:
            self.walk.records[uri] = _Record(uri, kind, doc, owner)
        assembly = _link(doc.get("Assembly"))
        if assembly:
            self._want("assembly", assembly, uri)
        links = doc.get("Links")
        if isinstance(links, Mapping):
            # TrustedComponent / Manager: the firmware image it runs (maybe in no collection).
            for key in ("ActiveSoftwareImage", "SoftwareImages"):
                for image in _links(links.get(key)):
                    self.walk.runs_on.setdefault(image, uri)
                    self._want("firmware", image)

    def _on_system(self, uri: str, doc: Mapping[str, Any], owner: str | None) -> None:
        self.walk.systems[uri] = doc
        self._want("coll:processor", _link(doc.get("Processors")))
        self._want("coll:memory", _link(doc.get("Memory")))
        self._want("coll:graphics", _link(doc.get("GraphicsControllers")))
        storage = _link(doc.get("Storage"))
        if storage:
            self._want("coll:storage", storage)
        else:
            self._want("coll:simplestorage", _link(doc.get("SimpleStorage")), uri)
        self._follow_pcie(doc.get("PCIeDevices"))
        for module_index, module in enumerate(doc.get("TrustedModules") or ()):
            if isinstance(module, Mapping) and module and _present(module):
                frag = f"{uri}#/TrustedModules/{module_index}"
                self.walk.records.setdefault(frag, _Record(frag, "trusted-module", module, uri))
        assembly = _link(doc.get("Assembly"))
        if assembly:
            self._want("assembly", assembly, uri)

    def _follow_pcie(self, value: Any) -> None:
        if isinstance(value, list):
            for target in _links(value):
                self._want("pcie", target)
        else:
            self._want("coll:pcie", _link(value))

    def _on_chassis(self, uri: str, doc: Mapping[str, Any], owner: str | None) -> None:
        self._record("chassis", uri, doc)
        self._follow_pcie(doc.get("PCIeDevices"))
        self._want("coll:nic", _link(doc.get("NetworkAdapters")))
        self._want("coll:drive", _link(doc.get("Drives")))
        self._want("coll:trusted", _link(doc.get("TrustedComponents")))
        subsystem = _link(doc.get("PowerSubsystem"))
        if subsystem:
            self._want("powersubsystem", subsystem)
        else:
            self._want("power", _link(doc.get("Power")))
        links = doc.get("Links") or {}
        if isinstance(links, Mapping):
            for target in _links(links.get("Drives")):
                self._want("drive", target)
            for target in _links(links.get("PCIeDevices")):
                self._want("pcie", target)

    def _on_manager(self, uri: str, doc: Mapping[str, Any], owner: str | None) -> None:
        manager_type = doc.get("ManagerType")
        if manager_type in (None, "BMC", "ManagementController", "Service"):
            self._record("bmc", uri, doc)

    def _on_updateservice(self, uri: str, doc: Mapping[str, Any], owner: str | None) -> None:
        inventory = _link(doc.get("FirmwareInventory"))
        oem = doc.get("Oem")
        if inventory is None and isinstance(oem, Mapping):  # Supermicro X10: under Oem
            for vendor in oem.values():
                if isinstance(vendor, Mapping) and _link(vendor.get("FirmwareInventory")):
                    inventory = _link(vendor.get("FirmwareInventory"))
                    break
        self._want("coll:firmware", inventory)

    def _on_firmware(self, uri: str, doc: Mapping[str, Any], owner: str | None) -> None:
        ident = str(doc.get("Id") or "")
        if _PREVIOUS.match(ident):
            self.walk.skipped_previous += 1
            return
        self.walk.firmware[uri] = doc

    def _on_processor(self, uri: str, doc: Mapping[str, Any], owner: str | None) -> None:
        if _present(doc):
            self._record("processor", uri, doc)

    def _on_memory(self, uri: str, doc: Mapping[str, Any], owner: str | None) -> None:
        capacity = doc.get("CapacityMiB")
        if not _present(doc) or (isinstance(capacity, int | float) and capacity <= 0):
            return
        self._record("memory", uri, doc)

    def _on_powersubsystem(self, uri: str, doc: Mapping[str, Any], owner: str | None) -> None:
        self._want("coll:psu", _link(doc.get("PowerSupplies")))

    def _on_power(self, uri: str, doc: Mapping[str, Any], owner: str | None) -> None:
        for index, psu in enumerate(doc.get("PowerSupplies") or ()):
            if not isinstance(psu, Mapping) or not _present(psu):
                continue
            frag = _norm(str(psu.get("@odata.id") or f"{uri}#/PowerSupplies/{index}"))
            if "#" not in frag:
                frag = f"{uri}#/PowerSupplies/{index}"
            self.walk.records.setdefault(frag, _Record(frag, "psu", psu, uri))

    def _on_storage(self, uri: str, doc: Mapping[str, Any], owner: str | None) -> None:
        inline = doc.get("StorageControllers")
        if isinstance(inline, list) and inline:
            for index, ctrl in enumerate(inline):
                if not isinstance(ctrl, Mapping) or not _present(ctrl):
                    continue
                frag = _norm(str(ctrl.get("@odata.id") or ""))
                if not frag.startswith(ROOT):
                    frag = f"{uri}#/StorageControllers/{index}"
                self.walk.records.setdefault(frag, _Record(frag, "storage-controller", ctrl, uri))
        else:
            self._want("coll:storagecontroller", _link(doc.get("Controllers")), uri)
        drives = doc.get("Drives")
        if isinstance(drives, list):
            for target in _links(drives):
                self._want("drive", target)
        else:
            self._want("coll:drive", _link(drives))

    def _on_storagecontroller(self, uri: str, doc: Mapping[str, Any], owner: str | None) -> None:
        if _present(doc):
            self._record("storage-controller", uri, doc, owner)

    def _on_simplestorage(self, uri: str, doc: Mapping[str, Any], owner: str | None) -> None:
        if not _present(doc):
            return
        self._record("storage-controller", uri, doc, owner)
        for index, device in enumerate(doc.get("Devices") or ()):
            if isinstance(device, Mapping) and _present(device):
                frag = f"{uri}#/Devices/{index}"
                self.walk.records.setdefault(frag, _Record(frag, "drive", device, uri))

    def _on_assembly(self, uri: str, doc: Mapping[str, Any], owner: str | None) -> None:
        for index, entry in enumerate(doc.get("Assemblies") or ()):
            if not isinstance(entry, Mapping):
                continue
            frag = _norm(str(entry.get("@odata.id") or ""))
            if not frag.startswith(ROOT) or frag in self.walk.records:
                frag = f"{uri}#/Assemblies/{index}"
            self.walk.records.setdefault(frag, _Record(frag, "assembly", entry, owner))


def _present(doc: Mapping[str, Any]) -> bool:
    status = doc.get("Status")
    if isinstance(status, Mapping):
        return status.get("State") not in ("Absent",)
    return True


# --------------------------------------------------------------------------------------------
# Mapping records to components
# --------------------------------------------------------------------------------------------

_KIND_CLASS = {
    "memory": "memory",
    "drive": "storage",
    "storage-controller": "storage-controller",
    "nic": "nic",
    "graphics": "gpu",
    "psu": "psu",
    "trusted": "tpm",
    "trusted-module": "tpm",
    "bmc": "bmc",
    "chassis": "chassis",
}
#: When parts are merged, the kind earlier in this list names the class and gives its fields first.
_KIND_PRIORITY = (
    "processor",
    "graphics",
    "nic",
    "storage-controller",
    "drive",
    "psu",
    "memory",
    "trusted",
    "trusted-module",
    "bmc",
    "chassis",
    "pcie",
    "assembly",
)
_TEXT_CLASSES = (
    (re.compile(r"\b(gpu|graphics|tesla|nvidia|radeon|instinct|geforce|quadro)\b", re.I), "gpu"),
    (
        re.compile(
            r"(\bnic\b|ndc\b|ethernet|network|connectx|infiniband|flexfabric|\blom\b|\d+gb?e?\b.*port)",
            re.I,
        ),
        "nic",
    ),
    (
        re.compile(
            r"(raid|\bhba\b|\bsas\b|storage c(ontro|ntl)r|perc|smart array|fibre|\bfc\b)", re.I
        ),
        "storage-controller",
    ),
    (re.compile(r"(planar|motherboard|mainboard|baseboard|system board)", re.I), "baseboard"),
    (re.compile(r"(power supply|\bpsu\b)", re.I), "psu"),
    (re.compile(r"\b(tpm|trusted platform)\b", re.I), "tpm"),
)


def _text_class(*texts: str | None) -> str:
    joined = " ".join(t for t in texts if t)
    for pattern, cls in _TEXT_CLASSES:
        if pattern.search(joined):
            return cls
    return "other"


def _s(doc: Mapping[str, Any], key: str) -> str | None:
    value = doc.get(key)
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _slot(doc: Mapping[str, Any]) -> str | None:
    location = doc.get("Location")
    if isinstance(location, Mapping):
        part = location.get("PartLocation")
        if isinstance(part, Mapping):
            label = part.get("ServiceLabel")
            if isinstance(label, str) and clean(label):
                return label.strip()
    for key in ("DeviceLocator", "Socket"):
        value = _s(doc, key)
        if value:
            return value
    memory = doc.get("MemoryLocation")
    if isinstance(memory, Mapping) and memory:
        bits = [
            f"{name} {memory[key]}"
            for key, name in (
                ("Socket", "socket"),
                ("MemoryController", "controller"),
                ("Channel", "channel"),
                ("Slot", "slot"),
            )
            if isinstance(memory.get(key), int)
        ]
        if bits:
            return ", ".join(bits)
    physical = doc.get("PhysicalLocation")
    if isinstance(physical, Mapping):
        part = physical.get("PartLocation")
        if isinstance(part, Mapping) and isinstance(part.get("ServiceLabel"), str):
            return clean(part["ServiceLabel"])
    return None


def _firmware_version(kind: str, doc: Mapping[str, Any]) -> str | None:
    if kind == "drive":
        return _s(doc, "Revision") or _s(doc, "FirmwareVersion")
    if kind == "graphics":
        return _s(doc, "BiosVersion")
    if kind == "nic":
        for ctrl in doc.get("Controllers") or ():
            if isinstance(ctrl, Mapping):
                version = _s(ctrl, "FirmwarePackageVersion")
                if version:
                    return version
        return None
    if kind in ("chassis", "assembly", "memory", "processor"):
        return _s(doc, "FirmwareVersion") if kind == "memory" else None
    return _s(doc, "FirmwareVersion")


class _Union:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _pcie_device_of(uri: str) -> str:
    """``.../PCIeDevices/X/PCIeFunctions/1`` -> ``.../PCIeDevices/X``."""
    head, sep, _ = uri.partition("/PCIeFunctions/")
    return head if sep else uri


def _explicit_aliases(rec: _Record) -> list[str]:
    """Other URIs that the resource itself says are the same physical part."""
    out: list[str] = []
    links = rec.doc.get("Links")
    if isinstance(links, Mapping):
        for key in ("PCIeDevice", "PCIeDevices", "PCIeFunctions", "PCIeFunction"):
            out.extend(_pcie_device_of(u) for u in _links(links.get(key)))
        if rec.kind == "graphics":
            out.extend(_links(links.get("Processors")))
    if rec.kind == "nic":
        for ctrl in rec.doc.get("Controllers") or ():
            if isinstance(ctrl, Mapping) and isinstance(ctrl.get("Links"), Mapping):
                out.extend(_pcie_device_of(u) for u in _links(ctrl["Links"].get("PCIeDevices")))
    return out


def _identity(rec: _Record) -> tuple[str, str, str, str] | None:
    serial = _s(rec.doc, "SerialNumber")
    if not serial:
        return None
    return (
        (_s(rec.doc, "Manufacturer") or "").lower(),
        serial.lower(),
        (_s(rec.doc, "Model") or "").lower(),
        (_s(rec.doc, "PartNumber") or "").lower(),
    )


def _same_part(a: _Record, b: _Record) -> bool:
    """Two resources of different kinds with the same serial, no conflicting manufacturer, model
    or part number, and at least one of model / part number equal."""
    ia, ib = _identity(a), _identity(b)
    if ia is None or ib is None or a.kind == b.kind or ia[1] != ib[1]:
        return False
    for x, y in ((ia[0], ib[0]), (ia[2], ib[2]), (ia[3], ib[3])):
        if x and y and x != y:
            return False
    return bool((ia[2] and ia[2] == ib[2]) or (ia[3] and ia[3] == ib[3]))


_DEDUP_KINDS = frozenset({"pcie", "nic", "graphics", "processor", "storage-controller", "drive"})


class _Builder:
    def __init__(self, walk: _Walk) -> None:
        self.walk = walk
        self.refs: set[str] = set()
        self.by_uri: dict[str, Component] = {}
        self.by_key: dict[str, Component] = {}  # Dell FQDD-like ids -> component

    def ref(self, prefix: str, uri: str) -> str:
        base = f"{prefix}:redfish:{_short(uri)}"
        ref, n = base, 1
        while ref in self.refs:
            n += 1
            ref = f"{base}~{n}"
        self.refs.add(ref)
        return ref

    # -- system ---------------------------------------------------------------------------------

    def system(self) -> Component | None:
        if not self.walk.systems:
            return None
        uri = sorted(self.walk.systems)[0]
        doc = self.walk.systems[uri]
        name = _s(doc, "Model") or _s(doc, "Name") or _s(doc, "Id") or "server"
        manufacturer = _s(doc, "Manufacturer")
        comp = Component(
            ref=self.ref("hw", uri),
            name=name,
            cls="server",
            manufacturer=Organization(manufacturer) if manufacturer else None,
            part_number=_s(doc, "PartNumber"),
            serial=_s(doc, "SerialNumber"),
            sku=_s(doc, "SKU"),
            description=_s(doc, "Description"),
            seen_by=[SOURCE],
        )
        for prop, key in ((PROP_UUID, "UUID"), (PROP_BIOS_VERSION, "BiosVersion")):
            value = _s(doc, key)
            if value:
                comp.properties.append((prop, value))
        comp.properties.append((PROP_RESOURCE, uri))
        for system_uri in self.walk.systems:
            self.by_uri[system_uri] = comp
            ident = _s(self.walk.systems[system_uri], "Id")
            if ident:
                self.by_key[ident] = comp
        return comp

    # -- parts ----------------------------------------------------------------------------------

    def groups(self) -> list[list[_Record]]:
        """Records grouped by physical part: explicit links first, then serial numbers.

        Two groups are merged only when they hold no record of the same kind: two members of one
        collection are two parts, whatever their serial numbers say (mockups reuse serials).
        """
        records = self.walk.records
        uf = _Union()
        kinds: dict[str, set[str]] = {uri: {rec.kind} for uri, rec in records.items()}

        def union(a: str, b: str) -> None:
            ra, rb = uf.find(a), uf.find(b)
            if ra == rb or kinds[ra] & kinds[rb]:
                return
            uf.union(ra, rb)
            root = uf.find(ra)
            kinds[root] = kinds[ra] | kinds[rb]

        for uri in sorted(records):
            rec = records[uri]
            uf.find(uri)
            for alias in _explicit_aliases(rec):
                if alias in records and records[alias].kind in _DEDUP_KINDS:
                    union(uri, alias)
        # The TPM of ComputerSystem.TrustedModules is the TPM among the TrustedComponents.
        tpms = sorted(u for u, r in records.items() if r.kind == "trusted" and "TPM" in r.doc)
        modules = sorted(u for u, r in records.items() if r.kind == "trusted-module")
        if len(tpms) == 1 and len(modules) == 1:
            union(tpms[0], modules[0])
        by_serial: dict[str, list[_Record]] = {}
        for uri in sorted(records):
            rec = records[uri]
            ident = _identity(rec) if rec.kind in _DEDUP_KINDS else None
            if ident:
                by_serial.setdefault(ident[1], []).append(rec)
        for same in by_serial.values():
            for i, a in enumerate(same):
                for b in same[i + 1 :]:
                    if _same_part(a, b):
                        union(a.uri, b.uri)
        grouped: dict[str, list[_Record]] = {}
        for uri in sorted(records):
            grouped.setdefault(uf.find(uri), []).append(records[uri])
        out = []
        for members in grouped.values():
            members.sort(key=lambda r: (_KIND_PRIORITY.index(r.kind), r.uri))
            out.append(members)
        out.sort(key=lambda g: g[0].uri)
        return out

    def part(self, members: list[_Record], *, sub_assembly: bool = False) -> Component:
        head = members[0]

        def first(key: str) -> str | None:
            for rec in members:
                value = _s(rec.doc, key)
                if value:
                    return value
            return None

        cls = "other" if sub_assembly else self._class(members)
        name = first("Model") or (first("PartNumber") if head.kind == "memory" else None)
        if name is None and head.kind in ("trusted", "trusted-module"):
            interface = first("InterfaceType")
            name = first("Description") or (f"TPM ({interface})" if interface else "TPM")
        name = name or first("Name") or first("Id") or head.kind
        manufacturer = first("Manufacturer") or first("Producer") or first("Vendor")
        comp = Component(
            ref=self.ref("hw", head.uri),
            name=name,
            cls=cls,
            manufacturer=Organization(manufacturer) if manufacturer else None,
            part_number=first("PartNumber"),
            serial=first("SerialNumber"),
            sku=first("SKU"),
            description=None,
            seen_by=[SOURCE],
        )
        for rec in members:
            slot = _slot(rec.doc)
            if slot:
                comp.slot = slot
                break
        if comp.slot is None and head.kind in ("psu", "drive") and _s(head.doc, "Name"):
            comp.slot = _s(head.doc, "Name")
        if head.kind == "assembly":
            comp.version = _s(head.doc, "Version")
            self._assembly_fields(comp, head.doc)
        if head.kind == "processor":
            ptype = _s(head.doc, "ProcessorType")
            if ptype:
                comp.properties.append((PROP_PROCESSOR_TYPE, ptype))
        capacity = head.doc.get("CapacityMiB") if head.kind == "memory" else None
        if isinstance(capacity, int) and capacity > 0:
            comp.properties.append((PROP_CAPACITY_MIB, str(capacity)))
        comp.properties.extend((PROP_RESOURCE, rec.uri) for rec in members)
        for rec in members:
            self.by_uri.setdefault(rec.uri, comp)
            ident = _s(rec.doc, "MemberId") if rec.kind == "assembly" else _s(rec.doc, "Id")
            if ident and not ident.isdigit():
                self.by_key.setdefault(ident, comp)
        return comp

    def _class(self, members: list[_Record]) -> str:
        kinds = [r.kind for r in members]
        for rec in members:
            if rec.kind == "processor":
                ptype = str(rec.doc.get("ProcessorType") or "CPU")
                if ptype == "GPU":
                    return "gpu"
                return "cpu" if ptype == "CPU" else "accelerator"
        for kind in kinds:
            if kind in _KIND_CLASS:
                return _KIND_CLASS[kind]
        head = members[0]
        texts = [_s(r.doc, k) for r in members for k in ("Name", "Model", "Description")]
        if head.kind == "pcie":
            cls = _text_class(*texts)
            return cls if cls in ("gpu", "nic", "storage-controller") else "other"
        return _text_class(*texts)

    @staticmethod
    def _assembly_fields(comp: Component, doc: Mapping[str, Any]) -> None:
        origin = normalize_country(_s(doc, "ISOCountryCodeOfOrigin"))
        if origin:
            comp.origin_country = origin
        date = _s(doc, "ProductionDate")
        if date:
            comp.production_date = date
        producer, vendor = _s(doc, "Producer"), _s(doc, "Vendor")
        if producer and (comp.manufacturer is None):
            comp.manufacturer = Organization(producer)
        if vendor and producer and vendor.lower() != producer.lower():
            comp.supplier = Organization(vendor)
        change = _s(doc, "EngineeringChangeLevel")
        if change:
            comp.properties.append(("sovbom:redfish:engineering-change-level", change))

    def enrich(self, part: Component, assembly: _Record) -> bool:
        """Fold a single Assembly entry into the part it describes; False if it is another unit."""
        doc = assembly.doc
        serial, number = _s(doc, "SerialNumber"), _s(doc, "PartNumber")
        if serial and part.serial and serial != part.serial:
            return False
        if not serial and number and part.part_number and number != part.part_number:
            return False
        if serial and not part.serial:
            part.serial = serial
        if number and not part.part_number:
            part.part_number = number
        self._assembly_fields(part, doc)
        part.properties.append((PROP_RESOURCE, assembly.uri))
        return True

    # -- firmware ---------------------------------------------------------------------------------

    def firmware(self, uri: str, doc: Mapping[str, Any]) -> Component:
        name = _s(doc, "Name") or _s(doc, "Id") or "firmware"
        manufacturer = _s(doc, "Manufacturer")
        comp = Component(
            ref=self.ref("fw", uri),
            name=name,
            type="firmware",
            version=_s(doc, "Version"),
            manufacturer=Organization(manufacturer) if manufacturer else None,
            seen_by=[SOURCE],
        )
        software_id = _s(doc, "SoftwareId")
        if software_id:
            comp.properties.append((PROP_SOFTWARE_ID, software_id))
        release = _s(doc, "ReleaseDate")
        if release and not release.startswith("00"):
            comp.properties.append((PROP_RELEASE_DATE, release))
        comp.properties.append((PROP_RESOURCE, uri))
        return comp

    def target_of(self, uri: str, doc: Mapping[str, Any]) -> Component | None:
        for related in _links(doc.get("RelatedItem")):
            base = related.partition("#")[0]
            hit = self.by_uri.get(related) or self.by_uri.get(base)
            if hit is None and "/PCIeFunctions/" in base:
                hit = self.by_uri.get(_pcie_device_of(base))
            if hit is not None:
                return hit
        part = self.walk.runs_on.get(uri)
        if part is not None and part in self.by_uri:
            return self.by_uri[part]
        fqdd = _dell_fqdd(doc)
        if fqdd:
            if fqdd.startswith("BIOS."):
                systems = sorted(self.walk.systems)
                return self.by_uri.get(systems[0]) if systems else None
            best: tuple[int, Component] | None = None
            for key, comp in self.by_key.items():
                matches = fqdd == key or re.match(re.escape(key) + r"[-:.#]", fqdd)
                if matches and (best is None or len(key) > best[0]):
                    best = (len(key), comp)
            if best:
                return best[1]
        if fqdd:
            return None
        # No link at all (HPE, Supermicro): the BMC's and the BIOS's own firmware by name.
        text = f"{_s(doc, 'Id') or ''} {_s(doc, 'Name') or ''}"
        if _BMC_FIRMWARE.search(text):
            bmcs = {id(c): c for c in self.by_uri.values() if c.cls == "bmc"}
            if len(bmcs) == 1:
                return next(iter(bmcs.values()))
        if _BIOS_FIRMWARE.search(text) and not re.search(r"redundant|backup|previous", text, re.I):
            systems = sorted(self.walk.systems)
            if systems:
                return self.by_uri.get(systems[0])
        return None


_BMC_FIRMWARE = re.compile(r"\b(BMC|iLO|iDRAC|XClarity|XCC|IMM2?)\b", re.I)
_BIOS_FIRMWARE = re.compile(r"\b(BIOS|System ROM)\b", re.I)


_DELL_FQDD = re.compile(r"#(?:\d+_[A-Z]?_)?([^#]+)")


def _dell_fqdd(doc: Mapping[str, Any]) -> str | None:
    """Dell names the device a firmware runs on (its FQDD) in the Oem software inventory id."""
    oem = doc.get("Oem")
    if not isinstance(oem, Mapping):
        return None
    dell = oem.get("Dell")
    if not isinstance(dell, Mapping):
        return None
    inventory = dell.get("DellSoftwareInventory")
    ident = inventory.get("@odata.id") if isinstance(inventory, Mapping) else None
    if not isinstance(ident, str):
        return None
    match = _DELL_FQDD.search(unquote(ident))
    return match.group(1) if match else None


def _build(walk: _Walk, source: str) -> Inventory:
    builder = _Builder(walk)
    inventory = Inventory(source=source)
    inventory.system = builder.system()
    parts: dict[str, Component] = {}  # head uri -> component
    heads: dict[str, _Record] = {}
    groups: dict[str, list[_Record]] = {}
    assemblies: list[_Record] = []
    for members in builder.groups():
        head = members[0]
        if head.kind == "assembly":
            assemblies.append(head)
            continue
        parts[head.uri] = builder.part(members)
        heads[head.uri] = head
        groups[head.uri] = members
    # Assemblies: one entry describing its owner enriches it; the others are sub-assemblies.
    by_owner: dict[str, list[_Record]] = {}
    for rec in assemblies:
        by_owner.setdefault(rec.owner or "", []).append(rec)
    nested: dict[str, list[Component]] = {}
    top_assemblies: list[Component] = []
    for owner, entries in sorted(by_owner.items()):
        owner_comp = builder.by_uri.get(owner)
        owner_is_part = (
            owner_comp is not None
            and heads.get(owner) is not None
            and (heads[owner].kind not in ("chassis",))
        )
        if (
            owner_is_part
            and len(entries) == 1
            and owner_comp is not None
            and builder.enrich(owner_comp, entries[0])
        ):
            builder.by_uri[entries[0].uri] = owner_comp
            continue
        for rec in entries:
            comp = builder.part([rec], sub_assembly=owner_is_part)
            if owner_comp is not None:
                nested.setdefault(owner_comp.ref, []).append(comp)
            else:
                top_assemblies.append(comp)
    all_parts = list(parts.values())
    for comp in all_parts:
        comp.children.extend(nested.get(comp.ref, []))
    if inventory.system is not None:
        inventory.system.children.extend(nested.get(inventory.system.ref, []))
    # Firmware from the FirmwareInventory, nested under the part it runs on.
    with_firmware: set[str] = set()
    loose: list[Component] = []
    for uri in sorted(walk.firmware):
        doc = walk.firmware[uri]
        fw = builder.firmware(uri, doc)
        target = builder.target_of(uri, doc)
        if target is None:
            loose.append(fw)
        else:
            link_firmware(target, fw)
            with_firmware.add(target.ref)
    # Firmware versions the parts state themselves, where the inventory had none for them.
    for head_uri, comp in parts.items():
        version = next(
            (v for r in groups[head_uri] if (v := _firmware_version(r.kind, r.doc))), None
        )
        if version and comp.ref not in with_firmware:
            fw = Component(
                ref=builder.ref("fw", head_uri + "/firmware"),
                name=f"{comp.name} firmware",
                type="firmware",
                version=version,
                seen_by=[SOURCE],
                properties=[(PROP_RESOURCE, head_uri)],
            )
            link_firmware(comp, fw)
    inventory.parts = [*all_parts, *top_assemblies, *loose]
    if walk.unavailable:
        inventory.complete = False
        inventory.notes.extend(
            f"Redfish resource {uri} was not collected: {reason}"
            for uri, reason in sorted(walk.unavailable)
        )
    if walk.skipped_previous:
        inventory.notes.append(
            f"skipped {walk.skipped_previous} firmware inventory entries for previous "
            "(not running) firmware versions"
        )
    if not walk.systems:
        inventory.notes.append("the Redfish service lists no computer system")
    elif len(walk.systems) > 1:
        inventory.notes.append(
            f"the Redfish service lists {len(walk.systems)} computer systems "
            f"({', '.join(sorted(walk.systems))}); their parts are all in this inventory, "
            f"under {sorted(walk.systems)[0]}"
        )
    return inventory


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def _finish(inventory: Inventory, stats: RedfishStats, started: float) -> None:
    stats.seconds = time.perf_counter() - started
    log.info("%s", stats.summary())


def collect_mockup_with_stats(
    directory: str | os.PathLike[str], *, strict: bool = False
) -> tuple[Inventory, RedfishStats]:
    """:func:`collect_mockup` and what the walk cost."""
    started = time.perf_counter()
    fetcher = _MockupFetcher(directory)
    walker = _Walker(fetcher, concurrency=1, progress=None, strict=strict)
    try:
        walker.run()
    except _Unavailable as e:
        # Mockup Creator sometimes saves the root as ``null``: walk the standard collections.
        if strict:
            raise InputError(
                f"the service root cannot be read ({e.reason})", source=str(directory)
            ) from e
        walker.walk.unavailable.append((ROOT, e.reason + "; walked the standard collections"))
        fetcher.stats.unavailable += 1
        walker.walk.root = {
            name: {"@odata.id": f"{ROOT}/{name}"}
            for name in ("Systems", "Chassis", "Managers", "UpdateService")
        }
    walk = walker.crawl()
    inventory = _build(walk, f"redfish-mockup:{directory}")
    _finish(inventory, fetcher.stats, started)
    return inventory, fetcher.stats


def collect_mockup(directory: str | Path, *, strict: bool = False) -> Inventory:
    """Walk a Redfish mockup tree (``index.json`` per URI, as DMTF's Mockup Creator writes).

    Works with or without the leading ``redfish/v1`` directories, ignores ``#`` fragment
    paths, and reads eb4x/dellfish-style flat captures (``<Id>.json``) as far as they go.
    A missing resource makes the inventory incomplete; a malformed file raises
    :class:`~sovbom.errors.InputError` naming the file, line and column.
    """
    return collect_mockup_with_stats(directory, strict=strict)[0]


def collect_redfish_with_stats(
    url: str,
    *,
    username: str | None = None,
    password: str | None = None,
    ca_bundle: str | None = None,
    insecure: bool = False,
    timeout: float = 10.0,
    retries: int = 2,
    concurrency: int = 4,
    progress: Callable[[int], None] | None = None,
    strict: bool = False,
) -> tuple[Inventory, RedfishStats]:
    """:func:`collect_redfish` and what the walk cost (requests, retries, wall time)."""
    if timeout <= 0:
        raise InputError(f"timeout must be positive, got {timeout}")
    if retries < 0 or retries > 10:
        raise InputError(f"retries must be between 0 and 10, got {retries}")
    if concurrency < 1 or concurrency > 32:
        raise InputError(f"concurrency must be between 1 and 32, got {concurrency}")
    started = time.perf_counter()
    fetcher = _HttpFetcher(
        url,
        username=username,
        password=password,
        ca_bundle=ca_bundle,
        insecure=insecure,
        timeout=timeout,
        retries=retries,
        pool=concurrency,
    )
    fetcher.stats.concurrency = concurrency
    try:
        walker = _Walker(fetcher, concurrency=concurrency, progress=progress, strict=strict)
        try:
            root = fetcher.get(ROOT)
        except _AuthError:
            if not fetcher._user:  # noqa: SLF001 - same module
                raise
            fetcher.session.auth = (fetcher._user, fetcher._password or "")  # noqa: SLF001
            fetcher.stats.auth = "basic"
            root = fetcher.get(ROOT)
        except _Unavailable as e:
            raise OperationalError(
                f"cannot read the Redfish service root {fetcher.describe(ROOT)}: {e.reason}",
                hint="check the URL, that the BMC is reachable, and --timeout",
            ) from e
        walker.walk.root = root
        walker._tick()  # noqa: SLF001 - same module
        if fetcher.stats.auth == "none":
            fetcher.login(root)
        walk = walker.crawl()
    finally:
        fetcher.close()
    inventory = _build(walk, f"redfish:{fetcher.base}")
    _finish(inventory, fetcher.stats, started)
    return inventory, fetcher.stats


def collect_redfish(
    url: str,
    *,
    username: str | None = None,
    password: str | None = None,
    ca_bundle: str | None = None,
    insecure: bool = False,
    timeout: float = 10.0,
    retries: int = 2,
    concurrency: int = 4,
    progress: Callable[[int], None] | None = None,
    strict: bool = False,
) -> Inventory:
    """Collect the hardware inventory of a live BMC over Redfish.

    Credentials: ``username``/``password`` if given, else the environment variables
    ``SOVBOM_REDFISH_USERNAME``/``SOVBOM_REDFISH_PASSWORD``, else the netrc entry for the host
    (``$NETRC`` or ``~/.netrc``). A Redfish session is opened (and closed at the end) when the BMC
    offers one; basic authentication otherwise. TLS is verified against the system trust store or
    ``ca_bundle``; ``insecure=True`` turns verification off, with a warning.

    ``progress`` is called (in the calling thread) after each resource with the number of
    resources handled so far; the total is not known in advance. What the walk cost (requests,
    retries, seconds) is logged at INFO level; :func:`collect_redfish_with_stats` returns it as a
    :class:`RedfishStats`. ``strict=True`` turns a resource that cannot be read into an error
    instead of an incomplete inventory.
    """
    return collect_redfish_with_stats(
        url,
        username=username,
        password=password,
        ca_bundle=ca_bundle,
        insecure=insecure,
        timeout=timeout,
        retries=retries,
        concurrency=concurrency,
        progress=progress,
        strict=strict,
    )[0]


def _iter_components(inventory: Inventory) -> Iterable[Component]:
    """Every component of an inventory (system first), for tests and callers that count."""
    if inventory.system is not None:
        yield from inventory.system.walk()
    for part in inventory.parts:
        yield from part.walk()

"""Shipments: a directory holding one sub-directory per server, verified together.

Layout: ``DIR/<server>/expected.cdx.json`` (the signed factory HBOM) with its Sigstore bundle
``expected.cdx.json.sigstore.json``, and the observed inventory: ``observed.cdx.json`` or the
collector inputs named by :func:`sovbom.collect.sources.shipment_files`.

Every entry of the shipment directory is accounted for: each directory is a server (hidden ones
too: nothing is skipped), files at the top level are listed in the report, and a symbolic link
is refused (it would verify a server twice, or one from outside the shipment). Servers that are
not unique within the shipment (:mod:`sovbom.delivery.duplicates`) fail it.

A shipment is verified as a stream (:func:`verify_shipment`): each server's report is written
as it finishes, its result goes to a temporary file (:mod:`sovbom.delivery.spool`), and so do
the duplicate index's serial keys (:class:`~sovbom.delivery.duplicates.DuplicateIndex`): the
parent process keeps counts and a few hundred bytes a server (its name, its digests), so that
its memory depends on the number of workers, not on the number of servers.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast, overload, runtime_checkable

from sovbom._io import display_name, read_bytes
from sovbom._parallel import worker_count
from sovbom.cyclonedx.reader import LoadedBom, parse_bom
from sovbom.delivery.assess import assess, check_signature, sha256_hex
from sovbom.delivery.byte_templates import known as known_bytes
from sovbom.delivery.doc_templates import Extracted, extract_shared
from sovbom.delivery.duplicates import (
    DuplicateIndex,
    ServerKeys,
    duplicate_reasons,
    keys_of,
    restrict,
)
from sovbom.delivery.extract import extract, observed_complete
from sovbom.delivery.model import DeliveryResult, ResultFacts, SourceInfo
from sovbom.delivery.report_dir import write_staged
from sovbom.delivery.spool import PackedResult, ResultSpool
from sovbom.errors import InputError, SovbomError

if TYPE_CHECKING:
    from sovbom.identity import ChainValidator, HardwareReport
    from sovbom.policy import Policy
    from sovbom.signing import BundleVerifier

#: File names of a shipment directory (one sub-directory per server).
EXPECTED_NAME = "expected.cdx.json"
OBSERVED_NAME = "observed.cdx.json"


@dataclass(slots=True)
class ServerInputs:
    """One server of a shipment: its directory and what it holds."""

    server: str
    directory: Path
    expected: Path
    bundle: Path
    observed: Path | None
    #: collector sources (source name -> path, see ``shipment_files``) when there is no observed HBOM
    sources: dict[str, str] = field(default_factory=dict)


class ServerList(Sequence[ServerInputs]):
    """The servers of a shipment directory, in order, kept as their names: each
    :class:`ServerInputs` is made again when asked for (its paths follow from the name), so that
    a shipment's listing costs a name a server, not a set of paths. A server whose observed
    inventory is collector inputs (not ``observed.cdx.json``) is kept whole."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._names: list[str] = []
        self._whole: dict[int, ServerInputs] = {}

    def add(self, inputs: ServerInputs) -> None:
        """Add the next server: one :func:`scan_shipment` found in :attr:`root` (its paths are
        the usual ones when it has an ``observed.cdx.json``)."""
        if inputs.observed is None or inputs.sources:
            self._whole[len(self._names)] = inputs
        self._names.append(inputs.server)

    def _get(self, i: int) -> ServerInputs:
        whole = self._whole.get(i)
        return whole if whole is not None else _standard(self.root, self._names[i])

    @overload
    def __getitem__(self, i: int) -> ServerInputs: ...

    @overload
    def __getitem__(self, i: slice) -> list[ServerInputs]: ...

    def __getitem__(self, i: int | slice) -> ServerInputs | list[ServerInputs]:
        if isinstance(i, slice):
            return [self._get(k) for k in range(len(self._names))[i]]
        return self._get(range(len(self._names))[i])

    def __len__(self) -> int:
        return len(self._names)

    def __iter__(self) -> Iterator[ServerInputs]:
        for i in range(len(self._names)):
            yield self._get(i)


def _standard(root: Path, name: str) -> ServerInputs:
    """Server ``name`` of ``root`` with its files under their usual names."""
    sub = root / name
    return ServerInputs(name, sub, sub / EXPECTED_NAME, sub / (EXPECTED_NAME + ".sigstore.json"),
                        sub / OBSERVED_NAME)  # fmt: skip


@dataclass(slots=True)
class ShipmentLayout:
    """What a shipment directory holds: its servers, and the other entries at its top level."""

    servers: Sequence[ServerInputs]
    #: files (and other non-directories) beside the server directories: listed, not verified
    other_entries: list[str] = field(default_factory=list)


def _server(sub: Path) -> ServerInputs:
    expected = sub / EXPECTED_NAME
    if not expected.is_file():
        raise InputError(f"no {EXPECTED_NAME} (the signed factory HBOM)", source=str(sub))
    bundle = sub / (EXPECTED_NAME + ".sigstore.json")
    observed = sub / OBSERVED_NAME
    if observed.is_file():  # the collector inputs beside it are not read (nor looked for)
        return ServerInputs(sub.name, sub, expected, bundle, observed)
    from sovbom.collect.sources import shipment_files

    layout = shipment_files()
    sources = {key: str(sub / name) for key, name in layout.items() if (sub / name).exists()}
    if not sources:
        raise InputError(
            f"no observed inventory: give {OBSERVED_NAME} or one of " + ", ".join(layout.values()),
            source=str(sub),
        )
    return ServerInputs(sub.name, sub, expected, bundle, None, sources)


def scan_shipment(directory: str | os.PathLike[str]) -> ShipmentLayout:
    """Every entry of a shipment directory, sorted by name; a bad layout is an InputError."""
    root = Path(directory)
    if not root.is_dir():
        raise InputError("not a directory (expected a shipment directory)", source=str(root))
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError as e:
        raise InputError(f"cannot list the shipment: {e.strerror or e}", source=str(root)) from e
    servers = ServerList(root)
    layout = ShipmentLayout(servers)
    for entry in entries:
        path = root / entry.name
        if entry.is_symlink():
            target = os.readlink(path)
            raise InputError(
                f"a symbolic link (to {target}) is not a server directory: a shipment holds each"
                " server's files in a real directory (copy the files, or verify the target"
                " shipment itself)",
                source=str(path),
            )
        if entry.is_dir(follow_symlinks=False):
            servers.add(_server(path))
        else:
            layout.other_entries.append(entry.name)
    if not layout.servers:
        raise InputError("no server directories in the shipment", source=str(root))
    return layout


def discover_shipment(directory: str | os.PathLike[str]) -> Sequence[ServerInputs]:
    """The servers of a shipment directory (sorted by name); bad layout is an InputError."""
    return scan_shipment(directory).servers


def verify_server(
    inputs: ServerInputs,
    verifier: BundleVerifier,
    *,
    policy: Policy | None = None,
    fail_on: str = "high",
    today: dt.date | None = None,
    hardware: ChainValidator | None = None,
) -> DeliveryResult:
    """One server of a shipment: signature first; compared only when it verifies.

    With ``hardware`` (a chain validator over the hardware trust anchors, shared by every
    server) the server's identity evidence is verified too (:func:`server_identity`)."""
    # Without policy or identity checks nothing reads the documents once their parts are read:
    # each is let go then (its memory reused by what follows, still in the processor's caches),
    # and a file the shipment repeats but for its serials is not parsed (byte_templates).
    lean = policy is None and hardware is None
    data = read_bytes(inputs.expected)
    # extracted first: the document's nesting is checked there (only where it differs from the
    # documents the shipment repeats, see doc_templates)
    expected, (eroot, eparts, _), _ = _read_bom(data, display_name(inputs.expected), lean)
    digest = sha256_hex(data)  # once: the signature's, the report's and the fingerprint's
    signature = check_signature(verifier, data, expected.source, inputs.bundle, sha256=digest)
    if not signature.ok:
        return assess(inputs.server, expected, signature, None, None, policy=policy,
                      fail_on=fail_on, today=today, expected_sha256=digest)  # fmt: skip
    if lean:
        expected, data = _parts_only(expected), b""
    if inputs.observed is not None:
        raw = read_bytes(inputs.observed)
        loaded, found, said = _read_bom(raw, display_name(inputs.observed), lean)
        doc: Mapping[str, Any] = loaded.doc
        info = SourceInfo(loaded.source, sha256_hex(raw))
        complete, notes = said if said is not None else observed_complete(doc)
        if lean:
            doc, loaded, raw = {}, _parts_only(loaded), b""
    else:
        from sovbom.collect.hardware import HardwareSources, collect_hardware

        collected = collect_hardware(HardwareSources(inputs.sources))
        doc, complete, notes = collected.doc, collected.complete, collected.notes
        found = extract(doc)
        info = SourceInfo(", ".join(sorted(inputs.sources.values())))
    identity = server_identity(inputs, expected.doc, doc, hardware)
    return assess(
        inputs.server, expected, signature, doc, info, observed_complete=complete,
        observed_notes=notes, policy=policy, fail_on=fail_on, today=today, hardware=identity,
        expected_sha256=digest, extracted=((eroot, eparts), found),
    )  # fmt: skip


def _read_bom(
    data: bytes, name: str, lean: bool
) -> tuple[LoadedBom, Extracted, tuple[bool, list[str]] | None]:
    """A server's HBOM file: as :func:`_parse` reads it, its parts, and (when known without
    parsing it) what its collection says (:func:`observed_complete`'s result).

    ``lean`` (a delivery without policy or identity checks): a file a byte template knows
    (:mod:`~sovbom.delivery.byte_templates`) is not parsed, its document holds only its serial
    number (as :func:`_parts_only` leaves it); a file that is parsed may become a template."""
    known = known_bytes(data) if lean else None
    if known is not None:
        serial = known.serial_number
        doc = {} if serial is None else {"serialNumber": serial}
        loaded = LoadedBom(doc=doc, spec_version=known.spec_version, source=name, format="json",
                           raw=b"")  # fmt: skip
        return loaded, known.extracted, (known.complete, known.notes)
    loaded = _parse(data, name)
    raw = data if lean and loaded.format == "json" else None
    return loaded, extract_shared(loaded.doc, loaded.source, raw), None


def _parts_only(loaded: LoadedBom) -> LoadedBom:
    """``loaded`` with only what a delivery without policy reads of it besides its parts (its
    serial number)."""
    serial = loaded.doc.get("serialNumber")
    return replace(loaded, doc={} if serial is None else {"serialNumber": serial}, raw=b"")


def _parse(data: bytes, name: str) -> LoadedBom:
    """:func:`parse_bom` but for the nesting check, left to :func:`extract_shared`; an error is
    the one parse_bom gives (the nesting is checked first there)."""
    try:
        return parse_bom(data, name, check_depth=False)
    except SovbomError:
        parse_bom(data, name)
        raise


def server_identity(
    inputs: ServerInputs,
    expected: Mapping[str, Any],
    observed: Mapping[str, Any],
    validator: ChainValidator | None,
) -> HardwareReport | None:
    """The hardware identity step for one server of a shipment: the evidence its observed
    inventory carries (files named relative to the server's directory) against the identities
    its factory HBOM records; None without anchors."""
    if validator is None:
        return None
    from sovbom.identity.levels import identity_of_bom

    base = inputs.observed.parent if inputs.observed is not None else inputs.directory
    return identity_of_bom(
        expected, validator.store, observed=observed, base_dir=base, validator=validator
    )


ProgressCallback = Callable[[DeliveryResult], None]
Renderer = Callable[[DeliveryResult], bytes]


class ReportSink(Protocol):
    """Where per-server reports go as they are rendered (e.g. a StagedReportDir)."""

    def write(self, name: str, data: bytes) -> None: ...


@runtime_checkable
class StagingSink(ReportSink, Protocol):
    """A sink whose files may be written straight into its ``staging`` directory (by the
    worker that renders them: no report travels between processes), then recorded by
    the parent (e.g. a StagedReportDir: the files are put in place all at once or not at all)."""

    staging: Path

    def record(self, name: str) -> None: ...


#: From this many servers on, a shipment is verified by one worker process per CPU.
PARALLEL_THRESHOLD = 40
#: Servers handed to the workers and not yet consumed, per worker and chunk (bounds memory).
WINDOW_CHUNKS = 4


def report_name(server: str) -> str:
    """The file name of a server's report in a report directory."""
    return f"{server}.delivery.json"


@dataclass(frozen=True, slots=True)
class _State:
    """What every worker needs (inherited by forked workers: one trust root, parsed once)."""

    verifier: BundleVerifier
    policy: Policy | None
    fail_on: str
    today: dt.date
    render: Renderer | None
    #: server -> why it is a duplicate (set for the last pass, see :func:`verify_shipment`)
    duplicates: Mapping[str, list[str]] = field(default_factory=dict)
    #: set for the later passes: keep the fingerprint, with only the serials of these keys
    shared: frozenset[int] | None = None
    #: hardware identity: a chain validator over the anchors (``--hardware-roots``), or None
    hardware: ChainValidator | None = None
    #: the staging directory the workers write each rendered report into, or None (the
    #: report then goes back to the parent)
    staging: Path | None = None


_WORKER_STATE: _State | None = None
#: The servers :func:`_run` verifies (inherited by forked workers, which are handed only their
#: positions: a server's inputs are not pickled to each worker)
_WORKER_SERVERS: Sequence[ServerInputs] = ()
_Item = tuple[PackedResult, bytes | None, ServerKeys | None]
#: An :data:`_Item` as it travels from a worker: builtins only (bytes, tuples, booleans), so
#: that neither side of the pipe looks up a class by its module for each server (pickle does,
#: at a cost several times that of the bytes)
_Wire = tuple[
    bytes, tuple[Any, ...], bytes | None, tuple[bytes, bytes | None, tuple[bytes, ...]] | None
]


def _default_jobs(n: int) -> int:
    return worker_count(n, PARALLEL_THRESHOLD)


def _work(i: int) -> _Item:
    """Server ``i`` of :data:`_WORKER_SERVERS` (in this process or a forked worker): slim
    result, report, duplicate keys."""
    state = _WORKER_STATE
    assert state is not None
    inputs = _WORKER_SERVERS[i]
    result = verify_server(
        inputs, state.verifier, policy=state.policy, fail_on=state.fail_on, today=state.today,
        hardware=state.hardware,
    )  # fmt: skip
    result.duplicates = list(state.duplicates.get(inputs.server, ()))
    data = state.render(result) if state.render is not None else None
    if data is not None and state.staging is not None:
        write_staged(state.staging, report_name(inputs.server), data)
        data = None
    if result.comparison is not None:
        result.comparison = result.comparison.slim()
    fp, keys = result.fingerprint, None
    if fp is not None:
        if state.shared is None:
            keys, result.fingerprint = keys_of(fp), None
        else:
            result.fingerprint = restrict(fp, state.shared)
    return PackedResult.of(result), data, keys  # pickled here: the parent spools the bytes


def _work_wired(i: int) -> _Wire:
    """:func:`_work` in a forked worker: its item as it travels (see :data:`_Wire`)."""
    return _wired(_work(i))


def _wired(item: _Item) -> _Wire:
    """``item`` as it travels: builtins only (:func:`_unwired` reads it back)."""
    packed, data, keys = item
    wired = None if keys is None else (keys.expected, keys.observed, keys.serials)
    return packed.data, tuple(packed.facts), data, wired


def _unwired(item: _Wire) -> _Item:
    """The item :func:`_work_wired` sent."""
    packed, facts, data, wired = item
    keys = None if wired is None else ServerKeys(*wired)
    return PackedResult(packed, ResultFacts(*facts)), data, keys


def _run(servers: Sequence[ServerInputs], state: _State, jobs: int) -> Iterator[_Item]:
    """:func:`_work` on every server, in order; forked workers share them when ``jobs`` > 1.

    At most :data:`WINDOW_CHUNKS` chunks per worker are handed out ahead of the results
    consumed, so that results waiting for a slow consumer do not pile up.
    """
    global _WORKER_STATE, _WORKER_SERVERS
    _WORKER_STATE, _WORKER_SERVERS = state, servers
    try:
        if jobs > 1 and len(servers) > 1 and "fork" in multiprocessing.get_all_start_methods():
            yield from _parallel(len(servers), jobs)
        else:
            for i in range(len(servers)):
                yield _work(i)
    finally:
        _WORKER_STATE, _WORKER_SERVERS = None, ()


def _parallel(count: int, jobs: int) -> Iterator[_Item]:
    """:func:`_work` on servers ``0 .. count - 1`` of :data:`_WORKER_SERVERS` by forked
    workers, in order."""
    chunk = max(1, min(16, count // (jobs * 8)))
    window = threading.Semaphore(chunk * jobs * WINDOW_CHUNKS)
    stop = threading.Event()

    def feed() -> Iterator[int]:  # runs in the pool's task thread
        for i in range(count):
            while not window.acquire(timeout=0.1):
                if stop.is_set():
                    return
            yield i

    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        try:
            for item in pool.imap(_work_wired, feed(), chunksize=chunk):
                window.release()
                yield _unwired(item)
        finally:
            stop.set()


def verify_shipment(
    servers: Sequence[ServerInputs],
    verifier: BundleVerifier,
    *,
    policy: Policy | None = None,
    fail_on: str = "high",
    today: dt.date | None = None,
    render: Renderer | None = None,
    reports: ReportSink | None = None,
    jobs: int | None = None,
    on_result: ProgressCallback | None = None,
    hardware: ChainValidator | None = None,
) -> ResultSpool:
    """Every server's result, in order; with ``render`` and ``reports``, its report written.

    Servers are verified as they are read; each report is handed to ``reports`` (as
    :func:`report_name`) as soon as it is rendered, and each result to the
    :class:`~sovbom.delivery.spool.ResultSpool` returned (a temporary file, read back one result
    at a time; the caller closes it, an error closes it here): memory depends on the number of
    workers, not on the shipment (but for a few hundred bytes a server: its name, its digests
    in the duplicate index; and the names of the servers that fail). A :class:`StagingSink` (a StagedReportDir) gets its files
    written by the process that renders them, into its staging directory, and only records
    them: no report travels between processes. Results come back *slim*
    (:meth:`~sovbom.delivery.model.Comparison.slim`: only the parts that are not matched, and
    totals) and without their fingerprint. With ``jobs`` > 1 (default: one per CPU, at most 8,
    from :data:`PARALLEL_THRESHOLD` servers on) forked worker processes share the work; they
    inherit the verifier (one trust root, parsed once). ``on_result`` is called after each
    server (e.g. a progress bar). An unreadable input raises, whichever process reads it.

    Servers that are not unique within the shipment get their ``duplicates`` reasons once every
    server is verified (:class:`~sovbom.delivery.duplicates.DuplicateIndex` keeps only digests
    and serial keys): the servers that may be duplicates are verified again, to name what they
    share, and those that are get their reports rendered again, so that no report says pass for
    a server the shipment fails.

    ``hardware`` (a chain validator over the hardware trust anchors) verifies each server's
    identity evidence as ``verify-delivery --hardware-roots`` does for one server.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    jobs = _default_jobs(len(servers)) if jobs is None else max(1, jobs)
    if reports is None:
        render = None
    staging = reports.staging if isinstance(reports, StagingSink) and render else None
    state = _State(verifier, policy, fail_on, today, render, hardware=hardware, staging=staging)
    results = ResultSpool()
    index = DuplicateIndex()
    try:
        for i, (packed, data, keys) in enumerate(_run(servers, state, jobs)):
            index.add(i, keys)
            _deliver(reports, state, packed.facts.server, data)
            results.append(packed)
            if on_result is not None:
                on_result(packed.unpack())
        _duplicates(servers, results, index, state, jobs, reports)
    except BaseException:
        results.close()
        raise
    finally:
        index.close()
    return results


def _deliver(reports: ReportSink | None, state: _State, server: str, data: bytes | None) -> None:
    """Hand a server's report to ``reports``: record the file its worker wrote, or write it."""
    if reports is None or state.render is None:
        return
    if state.staging is not None:
        # a StagingSink: verify_shipment checked it once (a runtime Protocol check per server
        # costs more than the recording)
        cast("StagingSink", reports).record(report_name(server))
    else:
        reports.write(report_name(server), data or b"")


def _same_files(inputs: ServerInputs, index: DuplicateIndex, i: int, r: DeliveryResult) -> None:
    fp = r.fingerprint
    now = None if fp is None else keys_of(replace(fp, serials={}))
    if now is None or index.digests(i) != (now.expected, now.observed):
        raise InputError("changed while the shipment was verified", source=str(inputs.directory))


def _duplicates(
    servers: Sequence[ServerInputs],
    results: ResultSpool,
    index: DuplicateIndex,
    state: _State,
    jobs: int,
    reports: ReportSink | None,
) -> None:
    """Name the duplicates: verify again the servers that may be, then re-render those that are."""
    found, shared = index.candidates()
    if not found:
        return
    probe = replace(state, render=None, shared=shared)
    prints = []
    first = _run([servers[i] for i in found], probe, min(jobs, _default_jobs(len(found))))
    for i, (packed, _, _) in zip(found, first, strict=True):
        r = packed.unpack()
        _same_files(servers[i], index, i, r)
        prints.append(
            DeliveryResult(r.server, r.expected, None, None, True, fingerprint=r.fingerprint)
        )
    reasons = duplicate_reasons(prints)
    del prints
    again = [i for i in found if servers[i].server in reasons]
    if state.render is None or reports is None:
        for i in again:
            r = results[i]  # a copy read from the spool: put back once changed
            r.duplicates = list(reasons[r.server])
            results[i] = r
        return
    last = replace(state, duplicates=reasons, shared=frozenset())
    second = _run([servers[i] for i in again], last, min(jobs, _default_jobs(len(again))))
    for i, (packed, data, _) in zip(again, second, strict=True):
        r = packed.unpack()
        _same_files(servers[i], index, i, r)
        r.fingerprint = None
        results[i] = r
        _deliver(reports, last, r.server, data)


__all__ = [
    "EXPECTED_NAME",
    "OBSERVED_NAME",
    "PARALLEL_THRESHOLD",
    "ReportSink",
    "ServerInputs",
    "ServerList",
    "ShipmentLayout",
    "StagingSink",
    "discover_shipment",
    "report_name",
    "scan_shipment",
    "verify_server",
    "verify_shipment",
]

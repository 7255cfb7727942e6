"""Shipments: a directory holding one sub-directory per server, verified together.

Layout: ``DIR/<server>/expected.cdx.json`` (the signed factory HBOM) with its Sigstore bundle
``expected.cdx.json.sigstore.json``, and the observed inventory: ``observed.cdx.json`` or the
collector inputs named by :func:`sovbom.collect.sources.shipment_files`.

Every entry of the shipment directory is accounted for: each directory is a server (hidden ones
too: nothing is skipped), files at the top level are listed in the report, and a symbolic link
is refused (it would verify a server twice, or one from outside the shipment). Servers that are
not unique within the shipment (:mod:`sovbom.delivery.duplicates`) fail it.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sovbom._io import display_name, read_bytes
from sovbom.cyclonedx.reader import parse_bom
from sovbom.delivery.assess import assess, check_signature, sha256_hex
from sovbom.delivery.duplicates import duplicate_reasons
from sovbom.delivery.extract import observed_complete
from sovbom.delivery.model import DeliveryResult, SourceInfo
from sovbom.errors import InputError

if TYPE_CHECKING:
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


@dataclass(slots=True)
class ShipmentLayout:
    """What a shipment directory holds: its servers, and the other entries at its top level."""

    servers: list[ServerInputs]
    #: files (and other non-directories) beside the server directories: listed, not verified
    other_entries: list[str] = field(default_factory=list)


def _server(sub: Path) -> ServerInputs:
    expected = sub / EXPECTED_NAME
    if not expected.is_file():
        raise InputError(f"no {EXPECTED_NAME} (the signed factory HBOM)", source=str(sub))
    from sovbom.collect.sources import shipment_files

    observed = sub / OBSERVED_NAME
    layout = shipment_files()
    sources = {key: str(sub / name) for key, name in layout.items() if (sub / name).exists()}
    if not observed.is_file() and not sources:
        raise InputError(
            f"no observed inventory: give {OBSERVED_NAME} or one of "
            + ", ".join(layout.values()),
            source=str(sub),
        )
    return ServerInputs(
        server=sub.name,
        directory=sub,
        expected=expected,
        bundle=sub / (EXPECTED_NAME + ".sigstore.json"),
        observed=observed if observed.is_file() else None,
        sources={} if observed.is_file() else sources,
    )


def scan_shipment(directory: str | os.PathLike[str]) -> ShipmentLayout:
    """Every entry of a shipment directory, sorted by name; a bad layout is an InputError."""
    root = Path(directory)
    if not root.is_dir():
        raise InputError("not a directory (expected a shipment directory)", source=str(root))
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError as e:
        raise InputError(f"cannot list the shipment: {e.strerror or e}", source=str(root)) from e
    layout = ShipmentLayout([])
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
            layout.servers.append(_server(path))
        else:
            layout.other_entries.append(entry.name)
    if not layout.servers:
        raise InputError("no server directories in the shipment", source=str(root))
    return layout


def discover_shipment(directory: str | os.PathLike[str]) -> list[ServerInputs]:
    """The servers of a shipment directory (sorted by name); bad layout is an InputError."""
    return scan_shipment(directory).servers


def verify_server(
    inputs: ServerInputs,
    verifier: BundleVerifier,
    *,
    policy: Policy | None = None,
    fail_on: str = "high",
    today: dt.date | None = None,
) -> DeliveryResult:
    """One server of a shipment: signature first; compared only when it verifies."""
    data = read_bytes(inputs.expected)
    expected = parse_bom(data, display_name(inputs.expected))
    signature = check_signature(verifier, data, expected.source, inputs.bundle)
    if not signature.ok:
        return assess(inputs.server, expected, signature, None, None, policy=policy,
                      fail_on=fail_on, today=today)  # fmt: skip
    if inputs.observed is not None:
        raw = read_bytes(inputs.observed)
        loaded = parse_bom(raw, display_name(inputs.observed))
        doc: Mapping[str, Any] = loaded.doc
        info = SourceInfo(loaded.source, sha256_hex(raw))
        complete, notes = observed_complete(doc)
    else:
        from sovbom.collect.hardware import HardwareSources, collect_hardware

        collected = collect_hardware(HardwareSources(inputs.sources))
        doc, complete, notes = collected.doc, collected.complete, collected.notes
        info = SourceInfo(", ".join(sorted(inputs.sources.values())))
    return assess(
        inputs.server, expected, signature, doc, info, observed_complete=complete,
        observed_notes=notes, policy=policy, fail_on=fail_on, today=today,
    )  # fmt: skip


ProgressCallback = Callable[[DeliveryResult], None]
Renderer = Callable[[DeliveryResult], bytes]

#: From this many servers on, a shipment is verified by one worker process per CPU.
PARALLEL_THRESHOLD = 40


@dataclass(frozen=True, slots=True)
class _State:
    """What every worker needs (inherited by forked workers: one trust root, parsed once)."""

    verifier: BundleVerifier
    policy: Policy | None
    fail_on: str
    today: dt.date
    render: Renderer | None
    #: server -> why it is a duplicate (set for the second pass, see :func:`verify_shipment`)
    duplicates: Mapping[str, list[str]] = field(default_factory=dict)


_WORKER_STATE: _State | None = None


def _default_jobs(n: int) -> int:
    if n < PARALLEL_THRESHOLD:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))


def _work(inputs: ServerInputs) -> tuple[DeliveryResult, bytes | None]:
    """One server (in this process or a forked worker): result (slim) and rendered report."""
    state = _WORKER_STATE
    assert state is not None
    result = verify_server(
        inputs, state.verifier, policy=state.policy, fail_on=state.fail_on, today=state.today
    )
    result.duplicates = list(state.duplicates.get(inputs.server, ()))
    data = state.render(result) if state.render is not None else None
    if result.comparison is not None:
        result.comparison = result.comparison.slim()
    return result, data


def _run(
    servers: Sequence[ServerInputs], state: _State, jobs: int
) -> Iterator[tuple[DeliveryResult, bytes | None]]:
    """:func:`_work` on every server, in order; forked workers share them when ``jobs`` > 1."""
    global _WORKER_STATE
    _WORKER_STATE = state
    try:
        if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")
            chunk = max(1, min(16, len(servers) // (jobs * 8)))
            with ctx.Pool(jobs) as pool:
                yield from pool.imap(_work, servers, chunksize=chunk)
        else:
            for inputs in servers:
                yield _work(inputs)
    finally:
        _WORKER_STATE = None


def verify_shipment(
    servers: Sequence[ServerInputs],
    verifier: BundleVerifier,
    *,
    policy: Policy | None = None,
    fail_on: str = "high",
    today: dt.date | None = None,
    render: Renderer | None = None,
    jobs: int | None = None,
    on_result: ProgressCallback | None = None,
) -> list[tuple[DeliveryResult, bytes | None]]:
    """Every server, in order: its result and, with ``render``, its rendered report.

    Results come back *slim* (:meth:`~sovbom.delivery.model.Comparison.slim`: only the parts that
    are not matched, and totals): render each server's full report with ``render``. With
    ``jobs`` > 1 (default: one per CPU, at most 8, from :data:`PARALLEL_THRESHOLD` servers on)
    forked worker processes share the work; they inherit the verifier (one trust root, parsed
    once). ``on_result`` is called after each server (e.g. a progress bar). An unreadable input
    raises, whichever process reads it.

    Servers that are not unique within the shipment get their ``duplicates`` reasons once every
    server is verified; with ``render``, their reports are rendered again (a second pass over
    those servers only), so that no report says pass for a server the shipment fails.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    jobs = _default_jobs(len(servers)) if jobs is None else max(1, jobs)
    state = _State(verifier, policy, fail_on, today, render)
    out: list[tuple[DeliveryResult, bytes | None]] = []
    for item in _run(servers, state, jobs):
        out.append(item)
        if on_result is not None:
            on_result(item[0])
    reasons = duplicate_reasons([r for r, _ in out])
    if not reasons:
        return out
    if render is None:
        for r, _ in out:
            r.duplicates = list(reasons.get(r.server, ()))
        return out
    again = [i for i, (r, _) in enumerate(out) if r.server in reasons]
    second = replace(state, duplicates=reasons)
    redo = _run([servers[i] for i in again], second, min(jobs, _default_jobs(len(again))))
    for i, item in zip(again, redo, strict=True):
        if item[0].fingerprint != out[i][0].fingerprint:
            raise InputError(
                "changed while the shipment was verified", source=str(servers[i].directory)
            )
        out[i] = item
    return out


__all__ = [
    "EXPECTED_NAME",
    "OBSERVED_NAME",
    "PARALLEL_THRESHOLD",
    "ServerInputs",
    "ShipmentLayout",
    "discover_shipment",
    "scan_shipment",
    "verify_server",
    "verify_shipment",
]

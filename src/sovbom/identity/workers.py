"""Checking many parts' evidence, spread over forked worker processes for large shipments.

A job is a part of an observed HBOM (its evidence is read in the worker: decoding certificates
and reading transcript files is part of the work) or evidence already in memory. Workers inherit
the chain validator (its cache filled as they go) and return *slim* results: the part's result,
its device identity and its transcript without the signed bytes; what binding needs, no more.
"""

from __future__ import annotations

import dataclasses
import gc
import multiprocessing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sovbom._parallel import worker_count
from sovbom.identity.chain import ChainValidator
from sovbom.identity.check import Checked, check_evidence
from sovbom.identity.evidence import DeviceEvidence, Part, evidence_of

#: from this many jobs on, checking is spread over worker processes
PARALLEL_THRESHOLD = 2000

Job = DeviceEvidence | Part


@dataclass(frozen=True, slots=True)
class Settings:
    """What every job is checked with (inherited by forked workers)."""

    validator: ChainValidator
    as_of: datetime | None
    now: datetime
    base: Path | None = None
    #: evidence files by the URL the HBOM names them with (an evidence pack's members)
    files: Mapping[str, bytes] | None = None


Outcome = tuple[DeviceEvidence, Checked | None]
#: what forked workers inherit: the settings and the jobs (only index ranges are sent to them:
#: pickling parts, with their certificates, would cost as much as checking them)
_SETTINGS: Settings | None = None
_JOBS: Sequence[Job] = ()


def _slim(ev: DeviceEvidence) -> DeviceEvidence:
    return DeviceEvidence(ev.ref, ev.name, serial=ev.serial, slot=ev.slot, cls=ev.cls)


def check_job(job: Job, settings: Settings) -> Outcome:
    """One job: its evidence read (for a part) and checked; None when it carries none."""
    ev = job if isinstance(job, DeviceEvidence) else evidence_of(job, settings.base, settings.files)
    slim = _slim(ev)
    if not ev.present:
        return slim, None
    checked = check_evidence(ev, settings.validator, settings.as_of or ev.collected or settings.now)
    checked.evidence = slim
    if checked.transcript is not None:
        checked.transcript = dataclasses.replace(checked.transcript, signed=b"", signature=b"")
    return slim, checked


def _work(bounds: tuple[int, int]) -> tuple[list[Outcome], int, int]:
    settings = _SETTINGS
    assert settings is not None  # set before the pool forks
    v = settings.validator
    hits, misses = v.cache_hits, v.cache_misses
    out = [check_job(job, settings) for job in _JOBS[bounds[0] : bounds[1]]]
    return out, v.cache_hits - hits, v.cache_misses - misses


def default_jobs(n: int) -> int:
    return worker_count(n, PARALLEL_THRESHOLD)


def check_all(jobs: Sequence[Job], settings: Settings, workers: int | None) -> list[Outcome]:
    """Every job's outcome, in order."""
    workers = default_jobs(len(jobs)) if workers is None else workers
    if workers <= 1 or len(jobs) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [check_job(job, settings) for job in jobs]
    global _SETTINGS, _JOBS
    _SETTINGS, _JOBS = settings, jobs
    n = len(jobs)
    size = max(1, min(200, n // (workers * 4)))
    chunks = [(i, min(n, i + size)) for i in range(0, n, size)]
    out: list[Outcome] = []
    validator = settings.validator
    gc.freeze()  # the workers inherit the parent's objects: no collection copies their pages
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for outcomes, hits, misses in pool.imap(_work, chunks):
                out.extend(outcomes)
                validator.cache_hits += hits
                validator.cache_misses += misses
    finally:
        _SETTINGS, _JOBS = None, ()
        gc.unfreeze()
    return out

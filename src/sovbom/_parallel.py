"""How many worker processes a batch gets: one below a batch size worth forking for, else one per
CPU this process may run on, at most 8."""

from __future__ import annotations

import os

#: never more workers than this, whatever the machine
MAX_WORKERS = 8


def worker_count(items: int, threshold: int) -> int:
    """The default number of worker processes for ``items`` units of work: 1 below
    ``threshold`` (forking costs more than it saves), else the usable CPUs, at most 8."""
    if items < threshold:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS))


__all__ = ["MAX_WORKERS", "worker_count"]

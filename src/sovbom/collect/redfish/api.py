"""The entry points: collect a hardware inventory from a live BMC or from a mockup directory."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from sovbom.collect.interface import Inventory
from sovbom.collect.redfish.base import ROOT, RedfishStats, Unavailable
from sovbom.collect.redfish.build import build_inventory
from sovbom.collect.redfish.challenge import challenge_all
from sovbom.collect.redfish.http import DEADLINE_TIMEOUTS, HttpFetcher
from sovbom.collect.redfish.mockup import MockupFetcher
from sovbom.collect.redfish.walk import Walker
from sovbom.errors import InputError

log = logging.getLogger("sovbom")

#: The standard collections walked when a mockup's service root cannot be read.
_STANDARD_COLLECTIONS = ("Systems", "Chassis", "Managers", "UpdateService")


def _finish(stats: RedfishStats, started: float) -> None:
    stats.seconds = time.perf_counter() - started
    log.info("%s", stats.summary())


def collect_mockup_with_stats(
    directory: str | os.PathLike[str], *, strict: bool = False
) -> tuple[Inventory, RedfishStats]:
    """:func:`collect_mockup` and what the walk cost."""
    started = time.perf_counter()
    fetcher = MockupFetcher(directory)
    walker = Walker(fetcher, concurrency=1, progress=None, strict=strict)
    try:
        walker.start(fetcher.get(ROOT))
    except Unavailable as e:
        # Mockup Creator sometimes saves the root as ``null``: walk the standard collections.
        if strict:
            raise InputError(
                f"the service root cannot be read ({e.reason})", source=str(directory)
            ) from e
        walker.walk.unavailable.append((ROOT, e.reason + "; walked the standard collections"))
        fetcher.stats.unavailable += 1
        walker.walk.root = {name: {"@odata.id": f"{ROOT}/{name}"} for name in _STANDARD_COLLECTIONS}
    inventory = build_inventory(walker.crawl(), f"redfish-mockup:{directory}")
    _finish(fetcher.stats, started)
    return inventory, fetcher.stats


def collect_mockup(directory: str | Path, *, strict: bool = False) -> Inventory:
    """Walk a Redfish mockup tree (``index.json`` per URI, as DMTF's Mockup Creator writes).

    Works with or without the leading ``redfish/v1`` directories, ignores ``#`` fragment
    paths, and reads eb4x/dellfish-style flat captures (``<Id>.json``) as far as they go.
    A missing resource makes the inventory incomplete; a malformed file raises
    :class:`~sovbom.errors.InputError` naming the file, line and column.
    """
    return collect_mockup_with_stats(directory, strict=strict)[0]


def _check_limits(timeout: float, retries: int, concurrency: int, deadline: float | None) -> None:
    if timeout <= 0:
        raise InputError(f"timeout must be positive, got {timeout}")
    if retries < 0 or retries > 10:
        raise InputError(f"retries must be between 0 and 10, got {retries}")
    if concurrency < 1 or concurrency > 32:
        raise InputError(f"concurrency must be between 1 and 32, got {concurrency}")
    if deadline is not None and deadline <= 0:
        raise InputError(f"deadline must be positive, got {deadline}")


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
    deadline: float | None = None,
    challenge: bool = False,
) -> tuple[Inventory, RedfishStats]:
    """:func:`collect_redfish` and what the walk cost (requests, retries, wall time)."""
    _check_limits(timeout, retries, concurrency, deadline)
    started = time.perf_counter()
    fetcher = HttpFetcher(
        url,
        username=username,
        password=password,
        ca_bundle=ca_bundle,
        insecure=insecure,
        timeout=timeout,
        retries=retries,
        pool=concurrency,
        deadline=deadline if deadline is not None else DEADLINE_TIMEOUTS * timeout,
    )
    fetcher.stats.concurrency = concurrency
    try:
        walker = Walker(fetcher, concurrency=concurrency, progress=progress, strict=strict)
        walker.start(fetcher.open())
        walk = walker.crawl()
        challenges = challenge_all(fetcher, walk, strict=strict) if challenge else None
    finally:
        fetcher.close()
    inventory = build_inventory(walk, f"redfish:{fetcher.base}", challenges)
    _finish(fetcher.stats, started)
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
    deadline: float | None = None,
    challenge: bool = False,
) -> Inventory:
    """Collect the hardware inventory of a live BMC over Redfish.

    ``url`` is ``https://HOST[:PORT]``; a URL holding credentials (``https://user:pw@HOST``) is
    refused with :class:`~sovbom.errors.InputError`. Credentials: ``username``/``password`` if
    given, else the environment variables ``SOVBOM_REDFISH_USERNAME``/``SOVBOM_REDFISH_PASSWORD``,
    else the netrc entry for the host (``$NETRC`` or ``~/.netrc``). A Redfish session is opened
    (and closed at the end) when the BMC offers one; basic authentication otherwise. TLS is
    verified against the system trust store or ``ca_bundle``; ``insecure=True`` turns
    verification off, with a warning.

    Time: each attempt of a request must be complete (connected, answered, body read) within
    ``timeout`` seconds, however slowly the BMC sends; a request is tried ``retries + 1`` times
    at most. The whole collection must be over within ``deadline`` seconds (by default 60 times
    ``timeout``: 10 minutes for the default 10 s), else it fails with
    :class:`~sovbom.errors.OperationalError`.

    ``progress`` is called (in the calling thread) after each resource with the number of
    resources handled so far; the total is not known in advance. What the walk cost (requests,
    retries, seconds) is logged at INFO level; :func:`collect_redfish_with_stats` returns it as a
    :class:`RedfishStats`. ``strict=True`` turns a resource that cannot be read into an error
    instead of an incomplete inventory.

    ``challenge=True`` also asks every SPDM responder the BMC lists in ``ComponentIntegrity``
    for measurements signed over a fresh random nonce (``SPDMGetSignedMeasurements``, waiting
    for the BMC's task when it starts one; :mod:`.challenge`); the signed transcript and the
    nonce are kept on the part for ``verify-hardware``. A responder that gives no answer is
    noted on its part (``sovbom:identity:challenge-failed``) and makes the inventory incomplete.
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
        deadline=deadline,
        challenge=challenge,
    )[0]

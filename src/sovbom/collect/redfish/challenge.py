"""``--challenge``: ask each SPDM responder for measurements signed over a fresh nonce.

For every enabled SPDM ``ComponentIntegrity`` resource that offers the
``#ComponentIntegrity.SPDMGetSignedMeasurements`` action, the action's target is POSTed
``{"Nonce": <32 random bytes, hex>, "SlotId": 0, "MeasurementIndices": [255]}`` (255: all
measurement blocks, as DMTF's schema defines). Nothing else goes to the BMC.

The BMC answers at once (200 and an ``SPDMGetSignedMeasurementsResponse``) or starts a task
(202 and a task monitor in ``Location``, or a ``Task`` in the body). A task monitor is polled
(it answers 202 while the task runs; then the action's response, or the completed ``Task`` whose
``Payload`` names where the response is) until it completes, within the collection's deadline
and at most :data:`TASK_TIMEOUTS` times the request timeout, honouring ``Retry-After`` up to a
cap. Nothing the BMC says is believed here: the signed transcript is kept with the nonce that was
sent, and ``verify-hardware`` checks the signature with the device key and the nonce.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sovbom.collect.redfish.base import Resource, Unavailable, link, text
from sovbom.collect.redfish.http import AuthError, HttpFetcher, Reply
from sovbom.collect.redfish.walk import Walk
from sovbom.errors import OperationalError
from sovbom.identity.spdm import NONCE_SIZE, TranscriptError, parse_transcript

log = logging.getLogger("sovbom")

ACTION = "#ComponentIntegrity.SPDMGetSignedMeasurements"
#: ``MeasurementIndices`` value asking for every measurement block (DSP0274 operation 0xFF).
ALL_MEASUREMENTS = 255
#: The certificate slot asked for (slot 0 holds the device identity chain).
SLOT = 0
#: The longest wait for a task, in multiples of the per-request timeout (and never past the
#: collection's deadline).
TASK_TIMEOUTS = 12
#: At most this many polls of one task monitor.
MAX_POLLS = 200
_MAX_CHAIN = 8
_FIRST_WAIT, _MAX_WAIT = 0.05, 2.0
_RUNNING = frozenset(
    {"New", "Starting", "Running", "Pending", "Stopping", "Suspended", "Service", ""}
)


class ChallengeFailed(Exception):
    """This responder gave no signed measurements (the reason is for a person)."""


@dataclass(frozen=True, slots=True)
class Challenge:
    """What one responder answered to a fresh nonce (``signed`` is None when it failed)."""

    uri: str  # the ComponentIntegrity resource
    nonce: bytes
    at: str  # when the nonce was sent (ISO 8601, UTC)
    signed: bytes | None = None  # SignedMeasurements: the L1/L2 transcript with its signature
    certificate: str | None = None  # the Certificate resource the answer names
    version: str | None = None
    hashing: str | None = None
    signing: str | None = None
    error: str | None = None


def action_target(doc: Resource) -> str | None:
    """The SPDMGetSignedMeasurements target of a ComponentIntegrity resource (None: none)."""
    actions = doc.get("Actions")
    action = actions.get(ACTION) if isinstance(actions, Mapping) else None
    target = action.get("target") if isinstance(action, Mapping) else None
    return link({"@odata.id": target}) if isinstance(target, str) else None


def challenge_all(
    fetcher: HttpFetcher, walk: Walk, *, strict: bool = False
) -> dict[str, Challenge]:
    """Challenge every SPDM responder of the walk, one after the other; results by resource.

    A responder that gives no answer is a :class:`Challenge` with ``error`` (with ``strict``,
    an :class:`~sovbom.errors.OperationalError`). A resource without the action is left out.
    """
    out: dict[str, Challenge] = {}
    for uri in sorted(walk.integrity):
        doc = walk.integrity[uri]
        if doc.get("ComponentIntegrityEnabled") is False:
            continue
        if (text(doc, "ComponentIntegrityType") or "").upper() != "SPDM":
            continue
        target = action_target(doc)
        if target is None:
            log.info("redfish: %s offers no SPDMGetSignedMeasurements action", uri)
            continue
        result = challenge_one(fetcher, uri, target)
        if result.error is not None and strict:
            raise OperationalError(
                f"the SPDM challenge of {fetcher.describe(uri)} failed: {result.error}"
            )
        if result.certificate and result.signed is not None:
            _fetch_chain(fetcher, walk, result.certificate)
        out[uri] = result
    return out


def challenge_one(fetcher: HttpFetcher, uri: str, target: str) -> Challenge:
    """POST a fresh nonce to ``target`` and wait for the signed measurements."""
    nonce = secrets.token_bytes(NONCE_SIZE)
    at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {"Nonce": nonce.hex(), "SlotId": SLOT, "MeasurementIndices": [ALL_MEASUREMENTS]}
    end = min(
        time.monotonic() + TASK_TIMEOUTS * fetcher.timeout,
        fetcher.budget_end - fetcher.timeout,  # leave one request's time to the collection
    )
    try:
        reply = fetcher.exchange("POST", target, body)
        answer = _await(fetcher, reply, end)
        return _read_answer(uri, nonce, at, answer)
    except AuthError:
        # The walk was allowed with the same credentials: this action needs more privilege.
        reason = "refused (HTTP 401/403): the Redfish user may not run this action"
        log.warning("redfish: SPDM challenge of %s failed: %s", uri, reason)
        return Challenge(uri, nonce, at, error=reason)
    except (ChallengeFailed, Unavailable) as e:
        reason = e.reason if isinstance(e, Unavailable) else str(e)
        log.warning("redfish: SPDM challenge of %s failed: %s", uri, reason)
        return Challenge(uri, nonce, at, error=reason)


def _await(fetcher: HttpFetcher, reply: Reply, end: float) -> Resource:
    """The action's response, from the answer itself or from its task."""
    if _is_answer(reply.body):
        assert reply.body is not None
        return reply.body
    if reply.status != 202 and not _is_task(reply.body):
        raise ChallengeFailed(f"HTTP {reply.status} without signed measurements")
    monitor = reply.location or _monitor_of(reply.body)
    if monitor is None:
        raise ChallengeFailed(f"HTTP {reply.status} names no task monitor")
    wait = reply.retry_after or _FIRST_WAIT
    for _ in range(MAX_POLLS):
        if time.monotonic() + wait > end:
            break
        time.sleep(wait)
        polled = fetcher.exchange("GET", monitor)
        if _is_answer(polled.body):
            assert polled.body is not None
            return polled.body
        if _is_task(polled.body):
            assert polled.body is not None
            done = _task_done(fetcher, polled.body)
            if done is not None:
                return done
        elif polled.status != 202:
            raise ChallengeFailed(f"the task monitor {monitor} answered HTTP {polled.status}")
        wait = polled.retry_after or min(_MAX_WAIT, wait * 2)
    raise ChallengeFailed(f"the task ({monitor}) did not complete in time")


def _is_answer(body: Mapping[str, Any] | None) -> bool:
    return isinstance(body, Mapping) and "SignedMeasurements" in body


def _is_task(body: Mapping[str, Any] | None) -> bool:
    return isinstance(body, Mapping) and "TaskState" in body


def _monitor_of(body: Mapping[str, Any] | None) -> str | None:
    if not isinstance(body, Mapping):
        return None
    return link({"@odata.id": body.get("TaskMonitor")}) or link(body)


def _task_done(fetcher: HttpFetcher, task: Resource) -> Resource | None:
    """The response of a finished task; None while it runs; raises when it ended badly."""
    state = text(task, "TaskState") or ""
    if state in _RUNNING:
        return None
    if state != "Completed":
        status = text(task, "TaskStatus") or "no status"
        raise ChallengeFailed(f"the task ended in state {state} ({status})")
    payload = task.get("Payload")
    headers = payload.get("HttpHeaders") if isinstance(payload, Mapping) else None
    for header in headers if isinstance(headers, list) else ():
        name, _, value = str(header).partition(":")
        if name.strip().lower() == "location" and value.strip():
            result = link({"@odata.id": value.strip()})
            if result is None:
                raise ChallengeFailed("the task's result is not on the BMC's Redfish service")
            doc = fetcher.get(result)
            if _is_answer(doc):
                return doc
            raise ChallengeFailed(f"the task's result {result} holds no signed measurements")
    raise ChallengeFailed("the task completed without naming its result")


def _read_answer(uri: str, nonce: bytes, at: str, answer: Resource) -> Challenge:
    encoded = answer.get("SignedMeasurements")
    if not isinstance(encoded, str) or not encoded.strip():
        raise ChallengeFailed("SignedMeasurements is empty")
    try:
        signed = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError) as e:
        raise ChallengeFailed("SignedMeasurements is not base64") from e
    try:
        sent_back = parse_transcript(signed).request_nonce
    except TranscriptError as e:
        log.warning("redfish: %s: the signed measurements cannot be read: %s", uri, e)
    else:
        if sent_back != nonce:
            log.warning(
                "redfish: %s: the signed measurements do not carry the nonce sent"
                " (verification will report it)",
                uri,
            )
    return Challenge(
        uri,
        nonce,
        at,
        signed=signed,
        certificate=link(answer.get("Certificate")),
        version=text(answer, "Version"),
        hashing=text(answer, "HashingAlgorithm"),
        signing=text(answer, "SigningAlgorithm"),
    )


def _fetch_chain(fetcher: HttpFetcher, walk: Walk, cert_uri: str) -> None:
    """Read the certificate an answer names, and its issuers, when the walk has not."""
    uri: str | None = cert_uri
    for _ in range(_MAX_CHAIN):
        if uri is None:
            return
        doc = walk.certificates.get(uri)
        if doc is None:
            try:
                doc = fetcher.get(uri)
            except Unavailable as e:
                walk.unavailable.append((uri, e.reason))
                return
            walk.certificates[uri] = doc
        issuer = doc.get("Links")
        uri = link(issuer.get("Issuer")) if isinstance(issuer, Mapping) else None

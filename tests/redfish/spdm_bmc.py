"""A test BMC whose GPU is an SPDM responder: ComponentIntegrity over the small fixture mockup,
and ``SPDMGetSignedMeasurements`` answered with transcripts signed by a synthetic device key.

The device comes from the tests' synthetic PKI (``tests/identity/device_pki.py``). The responder
answers in one of these ways (``mode``):

* ``sync``: 200 and the response at once;
* ``async``: 202 and a task monitor in ``Location``; the monitor answers 202 ``polls`` times,
  then 200 and the response;
* ``task``: 202 and a ``Task`` in the body (no ``Location``); the task is ``Running`` ``polls``
  times, then ``Completed`` with ``Payload.HttpHeaders`` naming where the response is;
* lies and failures: ``wrong-nonce`` (a genuine signature over another nonce), ``never`` (a task
  that never completes), ``task-exception``, ``500``, ``403``, ``malformed`` (truncated JSON),
  ``offsite`` (a task monitor on another host), ``garbage`` (SignedMeasurements not base64),
  ``slow`` (answers after 1.5 s).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from redfish_server import ROOT, Answer, RedfishServer

IDENTITY_TESTS = Path(__file__).resolve().parent.parent / "identity"
if str(IDENTITY_TESTS) not in sys.path:
    sys.path.insert(0, str(IDENTITY_TESTS))

from device_pki import Device, VendorPKI  # noqa: E402

__all__ = ["Device", "Responder", "VendorPKI", "spdm_mockup"]

INTEGRITY = ROOT + "/ComponentIntegrity/GPU0-SPDM"
ACTION = INTEGRITY + "/Actions/ComponentIntegrity.SPDMGetSignedMeasurements"
GPU = ROOT + "/Systems/SRV1/Processors/GPU0"
CERTS = GPU + "/Certificates"
MONITOR = ROOT + "/TaskService/TaskMonitors/7"
TASK = ROOT + "/TaskService/Tasks/7"
RESULT = ACTION + "/data"


def _write(base: Path, uri: str, doc: dict[str, Any]) -> None:
    path = base.joinpath(*uri[len(ROOT) :].strip("/").split("/"), "index.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1))


def spdm_mockup(mini: Path, target: Path, device: Device, *, action: bool = True) -> Path:
    """A copy of the mini mockup whose GPU0 has a ComponentIntegrity entry and its chain."""
    shutil.copytree(mini, target)
    base = target / "redfish" / "v1"
    root = json.loads((base / "index.json").read_text())
    root["ComponentIntegrity"] = {"@odata.id": ROOT + "/ComponentIntegrity"}
    (base / "index.json").write_text(json.dumps(root))
    _write(base, ROOT + "/ComponentIntegrity", {"Members": [{"@odata.id": INTEGRITY}]})
    doc: dict[str, Any] = {
        "@odata.id": INTEGRITY,
        "@odata.type": "#ComponentIntegrity.v1_2_0.ComponentIntegrity",
        "Id": "GPU0-SPDM",
        "ComponentIntegrityType": "SPDM",
        "ComponentIntegrityTypeVersion": "1.1.0",
        "ComponentIntegrityEnabled": True,
        "TargetComponentURI": GPU,
        "SPDM": {
            "IdentityAuthentication": {
                "ResponderAuthentication": {
                    "ComponentCertificate": {"@odata.id": CERTS + "/0"},
                    "VerificationStatus": "Success",
                }
            }
        },
    }
    if action:
        doc["Actions"] = {
            "#ComponentIntegrity.SPDMGetSignedMeasurements": {"target": ACTION},
        }
    _write(base, INTEGRITY, doc)
    for i, cert in enumerate(device.chain):
        cert_doc: dict[str, Any] = {
            "@odata.id": f"{CERTS}/{i}",
            "CertificateString": cert.public_bytes(serialization.Encoding.PEM).decode(),
            "CertificateType": "PEM",
        }
        if i + 1 < len(device.chain):
            cert_doc["Links"] = {"Issuer": {"@odata.id": f"{CERTS}/{i + 1}"}}
        _write(base, f"{CERTS}/{i}", cert_doc)
    return target


class Responder:
    """Answers SPDMGetSignedMeasurements on a :class:`RedfishServer` as ``mode`` says."""

    def __init__(self, device: Device, mode: str = "sync", *, polls: int = 2) -> None:
        self.device = device
        self.mode = mode
        self.polls = polls
        self.nonces: list[bytes] = []
        self.server: RedfishServer | None = None

    def install(self, server: RedfishServer) -> RedfishServer:
        self.server = server
        server.actions[ACTION] = self.post
        return server

    def response(self, nonce: bytes) -> dict[str, Any]:
        signed_over = os.urandom(32) if self.mode == "wrong-nonce" else nonce
        transcript = self.device.transcript(signed_over)
        encoded = "not base64 at all!" if self.mode == "garbage" else None
        return {
            "@odata.type": "#ComponentIntegrity.v1_2_0.SPDMGetSignedMeasurementsResponse",
            "SignedMeasurements": encoded or base64.b64encode(transcript).decode(),
            "Certificate": {"@odata.id": CERTS + "/0"},
            "HashingAlgorithm": "TPM_ALG_SHA_384",
            "SigningAlgorithm": "TPM_ALG_ECDSA_ECC_NIST_P384",
            "Version": "1.1",
        }

    def post(self, params: Any) -> Answer:
        nonce = bytes.fromhex(params["Nonce"])
        self.nonces.append(nonce)
        mode = self.mode
        if mode == "500":
            return 500, {"error": {"code": "Base.1.0.InternalError"}}, {}
        if mode == "403":
            return 403, {"error": {"code": "Base.1.0.InsufficientPrivilege"}}, {}
        if mode == "malformed":
            return 200, b'{"SignedMeasurements": "AAAA', {}
        answer = self.response(nonce)
        if mode == "slow":
            time.sleep(1.5)
            return 200, answer, {}
        if mode in ("sync", "wrong-nonce", "garbage"):
            return 200, answer, {}
        assert self.server is not None
        if mode == "task" or mode == "task-exception":
            self._task(answer)
            return 202, {"@odata.id": TASK, "TaskState": "New"}, {}
        if mode == "offsite":
            return 202, b"", {"Location": "http://redfish.invalid" + MONITOR}
        left = [self.polls]

        def monitor() -> Answer:
            if mode == "never" or left[0] > 0:
                left[0] -= 1
                return 202, b"", {"Retry-After": "0"}
            return 200, answer, {}

        self.server.routes[MONITOR] = monitor
        return 202, b"", {"Location": MONITOR}

    def _task(self, answer: dict[str, Any]) -> None:
        assert self.server is not None
        left = [self.polls]

        def task() -> Answer:
            doc: dict[str, Any] = {"@odata.id": TASK, "Id": "7", "TaskState": "Running"}
            if left[0] > 0:
                left[0] -= 1
                return 200, doc, {}
            if self.mode == "task-exception":
                return 200, {**doc, "TaskState": "Exception", "TaskStatus": "Critical"}, {}
            doc.update(
                TaskState="Completed",
                TaskStatus="OK",
                Payload={"HttpHeaders": [f"Location: {RESULT}"], "TargetUri": ACTION},
            )
            return 200, doc, {}

        self.server.routes[TASK] = task
        self.server.routes[RESULT] = lambda: (200, answer, {})

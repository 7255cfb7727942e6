"""In-toto statements: what a DSSE attestation of a BOM says, built when signing and checked when
verifying (the statement must describe the very file being verified)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
from sigstore import dsse
from sigstore.errors import Error as SigstoreError

from sovbom._io import parse_json
from sovbom.errors import InputError
from sovbom.signing._common import one_line

#: Predicate type of a CycloneDX BOM attestation (the one ``cosign attest --type cyclonedx`` uses).
CYCLONEDX_PREDICATE_TYPE = "https://cyclonedx.org/bom"
#: Accept any predicate type (for DSSE bundles that are not sovbom attestations).
ANY_PREDICATE_TYPE = "*"
IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
IN_TOTO_STATEMENT_TYPES = ("https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1")


class StatementMismatch(Exception):
    """The signed content does not describe this file (becomes a failed verdict)."""


def build_bom_statement(data: bytes, name: str) -> dsse.Statement:
    """The in-toto Statement v1 of a CycloneDX JSON BOM (``cosign attest --type cyclonedx``)."""
    claim = build_claim_statement(data, name)
    if claim is not None:
        return claim
    try:
        bom = parse_json(data, name)
    except InputError as e:
        raise InputError(f"--attest needs a CycloneDX BOM in JSON: {e.message}") from e
    if not isinstance(bom, dict) or bom.get("bomFormat") != "CycloneDX":
        raise InputError(
            "--attest needs a CycloneDX BOM in JSON (bomFormat 'CycloneDX')", source=name
        )
    try:
        return (
            dsse.StatementBuilder()
            .subjects(
                [
                    dsse.Subject(
                        name=Path(name).name,
                        digest=dsse.DigestSet(root={"sha256": hashlib.sha256(data).hexdigest()}),
                    )
                ]
            )
            .predicate_type(CYCLONEDX_PREDICATE_TYPE)
            .predicate(bom)
            .build()
        )
    except SigstoreError as e:  # pragma: no cover - the inputs above are always well-formed
        raise InputError(f"cannot build the in-toto statement: {one_line(e)}", source=name) from e


def read_statement(payload_type: str, payload: bytes) -> dict[str, Any]:
    """The in-toto statement of a (verified) DSSE payload."""
    if payload_type != IN_TOTO_PAYLOAD_TYPE:
        raise StatementMismatch(
            f"DSSE payload type is {payload_type!r}, expected an in-toto statement"
        )
    try:
        stmt = orjson.loads(payload)
    except orjson.JSONDecodeError as e:
        raise StatementMismatch(f"DSSE payload is not JSON: {e}") from e
    if not isinstance(stmt, dict) or stmt.get("_type") not in IN_TOTO_STATEMENT_TYPES:
        raise StatementMismatch("DSSE payload is not an in-toto statement")
    return stmt


def predicate_type(stmt: dict[str, Any]) -> str | None:
    value = stmt.get("predicateType")
    return value if isinstance(value, str) else None


def check_statement(stmt: dict[str, Any], digest: str, predicate_types: Sequence[str]) -> None:
    """The statement's subject must be the file (SHA-256 ``digest``), its predicate type one of
    ``predicate_types`` (:data:`ANY_PREDICATE_TYPE` accepts any)."""
    subjects = stmt.get("subject")
    if not isinstance(subjects, list) or not subjects:
        raise StatementMismatch("in-toto statement has no subject")
    found = [
        s.get("digest", {}).get("sha256")
        for s in subjects
        if isinstance(s, dict) and isinstance(s.get("digest"), dict)
    ]
    if digest not in found:
        shown = ", ".join(str(f) for f in found[:3]) or "none"
        raise StatementMismatch(
            f"statement subject digest does not match the file: file sha256 {digest},"
            f" subject sha256 {shown}"
        )
    kind = predicate_type(stmt)
    if ANY_PREDICATE_TYPE not in predicate_types and kind not in predicate_types:
        raise StatementMismatch(
            f"predicate type {kind!r} is not the expected {' or '.join(predicate_types)}"
        )


def check_message_digest(doc: Any, digest: str) -> None:
    """A clear reason when the bundle was made for other bytes (sigstore checks this too)."""
    try:
        signed = doc["messageSignature"]["messageDigest"]
        algorithm, value = signed["algorithm"], base64.b64decode(signed["digest"]).hex()
    except (KeyError, TypeError, ValueError):
        return  # no or unusual digest: sigstore's own checks decide
    if algorithm == "SHA2_256" and value != digest:
        raise StatementMismatch(
            f"the file is not what was signed: file sha256 {digest}, signed sha256 {value}"
        )


# ------------------------------------------------------------------ origin claim results

#: Predicate type of a signed origin claim result (``schemas/claim-result.schema.json``).
CLAIM_RESULT_PREDICATE_TYPE = "https://sovbom.dev/origin-claim-result/v1"


def build_claim_statement(data: bytes, name: str) -> dsse.Statement | None:
    """The in-toto statement of a ``sovbom claim`` result (None: the file is not one)."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(doc, dict) or "sovbom_claim_result" not in doc:
        return None
    from sovbom.project_schemas import check_against

    check_against(doc, "claim-result.schema.json", name, what="not a valid sovbom claim result")
    digest = dsse.DigestSet(root={"sha256": hashlib.sha256(data).hexdigest()})
    return (
        dsse.StatementBuilder()
        .subjects([dsse.Subject(name=Path(name).name, digest=digest)])
        .predicate_type(CLAIM_RESULT_PREDICATE_TYPE)
        .predicate(doc)
        .build()
    )

"""In-toto statements: what a DSSE attestation of a BOM says, built when signing and checked when
verifying (the statement must describe the very file being verified)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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


def attestable_bom(data: bytes, name: str) -> dict[str, Any]:
    """The BOM an attestation carries: CycloneDX JSON, valid against the official schema.

    Anything else is an :class:`InputError` (exit 4): an attestation declares its predicate to be
    a CycloneDX BOM, so it is never made over a document that is not one.
    """
    from sovbom.checking import ensure_valid
    from sovbom.cyclonedx.reader import parse_bom

    try:
        bom = parse_json(data, name)
    except InputError as e:
        raise InputError(f"--attest needs a CycloneDX BOM in JSON: {e.message}") from e
    if not isinstance(bom, dict) or bom.get("bomFormat") != "CycloneDX":
        raise InputError(
            "--attest needs a CycloneDX BOM in JSON (bomFormat 'CycloneDX')", source=name
        )
    ensure_valid(parse_bom(data, name))
    return bom


def build_bom_statement(data: bytes, name: str) -> dsse.Statement:
    """The in-toto Statement v1 of a CycloneDX JSON BOM (``cosign attest --type cyclonedx``)."""
    bom = attestable_bom(data, name)
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
        stmt = parse_json(payload, "DSSE payload")
    except InputError as e:
        raise StatementMismatch(f"DSSE payload is not JSON: {e.message}") from e
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

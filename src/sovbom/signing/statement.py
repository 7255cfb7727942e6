"""In-toto statements: what a DSSE attestation of a BOM says, built when signing and checked when
verifying (the statement must describe the very file being verified)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sigstore.errors import Error as SigstoreError

from sovbom._io import parse_json
from sovbom.errors import InputError
from sovbom.signing._common import one_line
from sovbom.taxonomy import CLAIM_RESULT_PREDICATE_TYPE as CLAIM_RESULT_PREDICATE_TYPE
from sovbom.taxonomy import CYCLONEDX_PREDICATE_TYPE as CYCLONEDX_PREDICATE_TYPE
from sovbom.taxonomy import SPDX_2_3_PREDICATE_TYPE as SPDX_2_3_PREDICATE_TYPE
from sovbom.taxonomy import SPDX_3_PREDICATE_TYPE as SPDX_3_PREDICATE_TYPE

if TYPE_CHECKING:  # sigstore.dsse (pydantic models) is imported only to build a statement
    from sigstore import dsse

#: Accept any predicate type (for DSSE bundles that are not sovbom attestations).
ANY_PREDICATE_TYPE = "*"
#: Accept the predicate type of the verified file's kind (:func:`document_predicate_type`).
DOCUMENT_PREDICATE_TYPE = "document"
_ATTESTABLE = "a CycloneDX BOM, an SPDX 2.3 JSON document or an SPDX 3 JSON-LD document"
IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
IN_TOTO_STATEMENT_TYPES = ("https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1")


class StatementMismatch(Exception):
    """The signed content does not describe this file (becomes a failed verdict)."""


def document_predicate_type(doc: Any) -> str | None:
    """The in-toto predicate type of a parsed document's kind; None: not a kind sovbom attests
    (CycloneDX: ``bomFormat``; SPDX 2.3: ``spdxVersion``; SPDX 3: an ``@context`` of
    ``spdx.org/rdf/3.*``)."""
    if not isinstance(doc, dict):
        return None
    if "sovbom_claim_result" in doc:
        return CLAIM_RESULT_PREDICATE_TYPE
    if doc.get("bomFormat") == "CycloneDX":
        return CYCLONEDX_PREDICATE_TYPE
    if doc.get("spdxVersion") == "SPDX-2.3":
        return SPDX_2_3_PREDICATE_TYPE
    context = doc.get("@context")
    contexts = context if isinstance(context, list) else [context]
    if any(isinstance(c, str) and "spdx.org/rdf/3." in c for c in contexts):
        return SPDX_3_PREDICATE_TYPE
    return None


def attestable_bom(data: bytes, name: str) -> tuple[dict[str, Any], str]:
    """The document an attestation carries, with its predicate type: CycloneDX JSON (valid
    against the official schema) or SPDX 2.3 / SPDX 3 JSON.

    Anything else is an :class:`InputError` (exit 4): an attestation declares its predicate's
    kind, so it is never made over a document that is not one.
    """
    from sovbom.checking import ensure_valid
    from sovbom.cyclonedx.reader import parse_bom

    try:
        bom = parse_json(data, name)
    except InputError as e:
        raise InputError(f"--attest needs {_ATTESTABLE}: {e.message}") from e
    kind = document_predicate_type(bom)
    if kind is None:
        raise InputError(
            f"--attest needs {_ATTESTABLE} (bomFormat 'CycloneDX', spdxVersion 'SPDX-2.3', or an"
            " SPDX 3 @context)",
            source=name,
        )
    if kind == CYCLONEDX_PREDICATE_TYPE:
        ensure_valid(parse_bom(data, name))
    return bom, kind


def build_bom_statement(data: bytes, name: str) -> dsse.Statement:
    """The in-toto Statement v1 of a CycloneDX JSON BOM (``cosign attest --type cyclonedx``) or
    an SPDX document (predicate type of its version), the document as predicate; a ``sovbom
    claim`` result gets its own predicate type."""
    claim = build_claim_statement(data, name)
    if claim is not None:
        return claim
    bom, kind = attestable_bom(data, name)
    from sigstore import dsse

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
            .predicate_type(kind)
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


def check_statement(
    stmt: dict[str, Any], digest: str, predicate_types: Sequence[str], data: bytes = b""
) -> None:
    """The statement's subject must be the file (SHA-256 ``digest``), its predicate type one of
    ``predicate_types`` (:data:`ANY_PREDICATE_TYPE` accepts any; :data:`DOCUMENT_PREDICATE_TYPE`
    the type of the file's kind, the file being ``data``)."""
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
    if ANY_PREDICATE_TYPE in predicate_types:
        return
    accepted = [t for t in predicate_types if t != DOCUMENT_PREDICATE_TYPE]
    if DOCUMENT_PREDICATE_TYPE in predicate_types:
        accepted += _document_kind(data)
        if not accepted:
            raise StatementMismatch(
                f"predicate type {kind!r}: the file is not {_ATTESTABLE}, so no predicate type"
                " is expected of it (name the accepted type)"
            )
    if kind not in accepted:
        raise StatementMismatch(
            f"predicate type {kind!r} is not the expected {' or '.join(accepted)}"
        )


def _document_kind(data: bytes) -> list[str]:
    """The predicate type of the file's kind (none when it is not JSON or not a known kind)."""
    try:
        found = document_predicate_type(parse_json(data, "document"))
    except InputError:
        found = None
    if found is None:
        return []
    return [found]


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


def build_claim_statement(data: bytes, name: str) -> dsse.Statement | None:
    """The in-toto statement of a ``sovbom claim`` result (None: the file is not one)."""
    try:
        doc = parse_json(data, name)
    except InputError:
        return None
    if not isinstance(doc, dict) or "sovbom_claim_result" not in doc:
        return None
    from sovbom.project_schemas import check_against

    check_against(doc, "claim-result.schema.json", name, what="not a valid sovbom claim result")
    from sigstore import dsse

    digest = dsse.DigestSet(root={"sha256": hashlib.sha256(data).hexdigest()})
    return (
        dsse.StatementBuilder()
        .subjects([dsse.Subject(name=Path(name).name, digest=digest)])
        .predicate_type(CLAIM_RESULT_PREDICATE_TYPE)
        .predicate(doc)
        .build()
    )

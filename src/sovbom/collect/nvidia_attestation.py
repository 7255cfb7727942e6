"""NVIDIA GPU attestation evidence (the nvtrust sample format): one GPU per report + chain pair.

Input: a directory, or one report file. Each GPU is a pair of files with a common prefix, as
NVIDIA's local verifier writes its samples:

* ``<prefix>AttestationReport.txt``: hex of the SPDM GET_MEASUREMENTS request followed by the
  signed MEASUREMENTS response;
* ``<prefix>CertChain.txt`` (or ``.pem``): the device certificate chain, PEM, leaf first;
* optionally ``<prefix>Nonce.txt`` (hex of the nonce the requester sent) and any
  ``<prefix>*.ocsp`` / ``<prefix>*.crl`` (captured revocation responses, DER or PEM).

Each pair becomes one ``gpu`` component carrying the evidence (see :mod:`sovbom.identity.cdx`):
the chain as nested cryptographic-asset components, the report file referenced with its SHA-256,
the signed measurements as properties. Nothing is verified here; ``verify-hardware`` does that.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography import x509

from sovbom._io import display_name, read_bytes
from sovbom.collect.interface import Inventory
from sovbom.collect.merge import part_ref
from sovbom.errors import InputError
from sovbom.identity import cdx
from sovbom.identity.certs import device_identity
from sovbom.identity.spdm import TranscriptError, parse_transcript
from sovbom.model import Component, Organization

SOURCE = "nvidia-attestation"
REPORT_SUFFIX = "AttestationReport.txt"
CHAIN_SUFFIXES = ("CertChain.txt", "CertChain.pem")
NONCE_SUFFIX = "Nonce.txt"
REVOCATION_SUFFIXES = (".ocsp", ".crl")


def _reports(path: Path) -> list[Path]:
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.name.endswith(REPORT_SUFFIX))
        if not found:
            raise InputError(f"no *{REPORT_SUFFIX} file in the directory", source=str(path))
        return found
    if not path.name.endswith(REPORT_SUFFIX):
        raise InputError(f"expected a directory or a *{REPORT_SUFFIX} file", source=str(path))
    return [path]


def _chain(report: Path, prefix: str) -> tuple[Path, list[x509.Certificate]]:
    for suffix in CHAIN_SUFFIXES:
        candidate = report.with_name(prefix + suffix)
        if candidate.is_file():
            try:
                certs = x509.load_pem_x509_certificates(read_bytes(candidate))
            except ValueError as e:
                raise InputError(f"not a PEM certificate chain: {e}", source=str(candidate)) from e
            return candidate, certs
    raise InputError(
        f"no certificate chain beside the report ({prefix}{CHAIN_SUFFIXES[0]})",
        source=display_name(report),
    )


def _transcript(report: Path) -> bytes:
    text = read_bytes(report)
    try:
        blob = bytes.fromhex(text.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError) as e:
        raise InputError("the attestation report is not hex text", source=str(report)) from e
    try:
        parse_transcript(blob)
    except TranscriptError as e:
        raise InputError(
            f"not an SPDM measurement transcript: {e.finding.detail}", source=str(report)
        ) from e
    return text


def _gpu(report: Path, prefix: str) -> Component:
    _, chain = _chain(report, prefix)
    identity = device_identity(chain[0])
    model = (
        identity.device_id.split(":")[1]
        if identity.device_id and identity.device_id.count(":") >= 2
        else None
    )
    comp = Component(
        ref=part_ref("gpu", prefix or report.stem),
        name=f"NVIDIA {model}" if model else "NVIDIA GPU",
        cls="gpu",
        manufacturer=Organization("NVIDIA"),
        seen_by=[SOURCE],
    )
    nonce_file = report.with_name(prefix + NONCE_SUFFIX)
    nonce = None
    if nonce_file.is_file():
        try:
            nonce = bytes.fromhex(read_bytes(nonce_file).decode("ascii").strip())
        except (UnicodeDecodeError, ValueError) as e:
            raise InputError("the nonce is not hex text", source=str(nonce_file)) from e
    revocation = [
        (str(p), read_bytes(p))
        for p in sorted(report.parent.glob(prefix + "*"))
        if p.suffix in REVOCATION_SUFFIXES
    ]
    cdx.attach_evidence(
        comp,
        chain,
        source=SOURCE,
        transcript=(str(report), _transcript(report)),
        nonce=nonce,
        revocation=revocation,
    )
    return comp


def read(path: str | os.PathLike[str]) -> Inventory:
    """The GPUs whose attestation evidence lies at ``path`` (a directory or one report)."""
    p = Path(path)
    if not p.exists():
        raise InputError("no such file or directory", source=str(path))
    parts = [_gpu(r, r.name[: -len(REPORT_SUFFIX)]) for r in _reports(p)]
    return Inventory(source=SOURCE, parts=parts)


collect_nvidia_attestation = read

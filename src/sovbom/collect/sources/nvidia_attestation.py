"""``--nvidia-attestation DIR``: NVIDIA GPU attestation evidence, one report and certificate
chain per GPU (:mod:`sovbom.collect.nvidia_attestation`)."""

from __future__ import annotations

from sovbom.collect.sources.base import ConnectionSettings, Setting, SourceReading, ValueKind


class NvidiaAttestationSource:
    name = "nvidia-attestation"
    option = "--nvidia-attestation"
    param = "nvidia_attestation"
    help = (
        "NVIDIA GPU attestation evidence: a directory of <prefix>AttestationReport.txt"
        " and <prefix>CertChain.txt pairs (one per GPU), or one report file."
    )
    value = ValueKind.DIRECTORY
    metavar: str | None = "DIR"
    reads_stdin = False
    shipment_file: str | None = "nvidia-attestation"
    precedence = 35
    settings: tuple[Setting, ...] = ()
    doc_input = (
        "a directory of NVIDIA attestation evidence: `<prefix>AttestationReport.txt` (hex SPDM"
        " GET_MEASUREMENTS transcript) and `<prefix>CertChain.txt` (PEM, leaf first) per GPU,"
        " optionally `<prefix>Nonce.txt` and captured `*.ocsp`/`*.crl`"
    )
    doc_components = (
        "one GPU per report carrying its identity evidence: the certificate chain as"
        " cryptographic-asset components, the transcript referenced with its SHA-256, the signed"
        " measurements as properties (checked by `verify-hardware` and `--hardware-roots`)."
    )

    def read(self, argument: str | None, connection: ConnectionSettings) -> SourceReading:
        from sovbom.collect.nvidia_attestation import read

        assert argument is not None
        return SourceReading([read(argument)])


SOURCE = NvidiaAttestationSource()

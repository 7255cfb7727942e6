"""Whose trust material verifies an evidence pack: the inspector's own, or (if asked) the pack's."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sovbom.pack.inspect import InspectOptions, InspectReport
    from sovbom.signers import SignerPolicy
    from sovbom.signing import TrustMaterial, TrustOptions

#: Reads a packed member named in the index once its digest holds (None: absent or altered).
PackedReader = Callable[[str], "bytes | None"]


def material_from_bytes(data: bytes, name: str, kind: str) -> TrustMaterial:
    from sovbom import signing

    with tempfile.TemporaryDirectory(prefix="sovbom-inspect-") as tmp:
        path = Path(tmp) / ("trust_config.json" if kind == "trust-config" else "trusted_root.json")
        path.write_bytes(data)
        if kind == "trust-config":
            material = signing.TrustMaterial.from_trust_config_file(path)
            return dataclasses.replace(
                material, info=dataclasses.replace(material.info, source=f"packed {name}")
            )
        return signing.TrustMaterial.from_trusted_root_file(path, source=f"packed {name}")


def needs_packed(opts: InspectOptions) -> bool:
    """Whether the pack's own trust material is needed (the inspector gave only part of theirs)."""
    own = bool(opts.trusted_root or opts.trust_config) and bool(opts.signers)
    return opts.use_packed_trust and not own


def choose_trust(
    report: InspectReport, opts: InspectOptions, packed: PackedReader | None
) -> TrustOptions | None:
    """The trust to verify signatures with (None: no signature can be checked, which never holds).

    ``packed`` reads the pack's own trust members; it is None when the index cannot be used yet.
    """
    from sovbom.signing import TrustOptions

    material = _material(report, opts, packed)
    if material is not None:
        report.trust_root = material.info.to_dict()
    policy = _signer_policy(report, opts, packed)
    if material is None or policy is None:
        missing = "trusted root" if material is None else "signer policy"
        report.add(
            "trust",
            "signatures",
            False,
            f"not checked: no {missing} (give --trusted-root/--trust-config and --signers,"
            " or --use-packed-trust)",
        )
        return None
    return TrustOptions(policy, material)


def _material(
    report: InspectReport, opts: InspectOptions, packed: PackedReader | None
) -> TrustMaterial | None:
    from sovbom import signing

    if opts.trusted_root or opts.trust_config:
        report.trust_source = "inspector"
        return signing.load_trust(
            trusted_root=opts.trusted_root, trust_config=opts.trust_config, offline=True
        )
    if not opts.use_packed_trust or packed is None:
        return None
    names = report.index["trust"]
    name = names.get("trust_config") or names.get("trusted_root")
    data = packed(name) if name else None
    if name is None or data is None:
        report.add("trust", name or "trust material", False, "no intact packed trust material")
        return None
    kind = "trust-config" if names.get("trust_config") else "trusted-root"
    material = material_from_bytes(data, name, kind)
    report.trust_source = "packed"
    report.warnings.append(
        f"signatures verified against the PACKED trust material {name}"
        f" (sha256 {material.info.sha256}), supplied by the operator, not by the inspector"
    )
    return material


def _signer_policy(
    report: InspectReport, opts: InspectOptions, packed: PackedReader | None
) -> SignerPolicy | None:
    from sovbom._io import parse_yaml
    from sovbom.signers import load_signer_policy, parse_signer_policy

    if opts.signers:
        report.signers_source = opts.signers
        return load_signer_policy(opts.signers)
    if not opts.use_packed_trust or packed is None:
        return None
    name = report.index["trust"].get("signers")
    data = packed(name) if name else None
    if name is None or data is None:
        report.add("trust", name or "signer policy", False, "no intact packed signer policy")
        return None
    policy = parse_signer_policy(parse_yaml(data, name), f"packed {name}")
    report.signers_source = f"packed {name}"
    report.warnings.append(
        f"signers judged by the PACKED signer policy {name}, supplied by the operator"
    )
    return policy

"""Benchmark: ``sovbom verify-delivery --shipment`` over 1,000 servers of ~150 parts each.

Generates a shipment directory (``DIR/<server>/expected.cdx.json`` + its Sigstore bundle +
``observed.cdx.json``): each server's factory HBOM has its own serials (~150 hardware parts and
~60 firmware components), signed with the local, test-only Sigstore instance of the test suite on
127.0.0.1 (one ``sovbom sign`` run for all files); its observed HBOM is what a Redfish collection
gives (other bom-refs, no firmware hashes, no revisions). One server in 50 has a swapped DIMM, so
the run exits 3 and names them.

Then it times one in-process ``sovbom verify-delivery --shipment DIR --report-dir OUT`` (signature
verification offline with the instance's trust config, matching, a JSON report per server and for
the shipment) and prints the time and servers/s. Target: under 10 s for 1,000 servers on 2 cores.

    .venv/bin/python benchmarks/bench_delivery.py [-n 1000] [--max-seconds 10] [--policy]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "src"))

from sigstore_local import DEFAULT_ISSUER, LocalSigstore  # noqa: E402
from sovbom.cyclonedx.writer import write_bom  # noqa: E402
from sovbom.hbom import link_firmware, tree_document  # noqa: E402
from sovbom.model import Component, Organization  # noqa: E402

IDENTITY = "bench-factory@acme-servers.example"
JP = Organization("Yamato Compute Systems K.K.", "JP")


def _part(ref: str, cls: str, name: str, maker: str, pn: str, serial: str, slot: str | None,
          rev: str | None = None) -> Component:  # fmt: skip
    return Component(ref=ref, name=name, cls=cls, manufacturer=Organization(maker),
                     part_number=pn, serial=serial, slot=slot, version=rev, origin_country="JP")  # fmt: skip


def _fw(part: Component, name: str, version: str, i: int) -> None:
    fw = Component(ref=f"fw:{part.ref[3:]}/fw", name=name, type="firmware", version=version,
                   hashes={"SHA-256": f"{i:064x}"})  # fmt: skip
    link_firmware(part, fw)


def server_tree(i: int) -> Component:
    """A server of ~150 parts with serials unique to server ``i``."""
    s = f"B{i:04d}"
    root = Component(ref="hw:server", name="YCS AIX-8B", cls="server", manufacturer=JP,
                     serial=f"{s}-SRV", part_number="AIX-8B-JP-001", version="A",
                     properties=[("sovbom:model", "AIX-8B-JP")])  # fmt: skip
    chassis = _part("hw:chassis", "chassis", "8U chassis", JP.name, "YCS-CH-8U-02", f"{s}-CH", None)
    board = _part("hw:chassis/baseboard", "baseboard", "X13 baseboard", JP.name, "YCS-MB-X13-01",
                  f"{s}-MB", None, "1.02")  # fmt: skip
    _fw(board, "UEFI BIOS", "X13.2.1.7", 1)
    root.children.append(chassis)
    chassis.children.append(board)
    n = 0
    for c in range(2):
        cpu = _part(f"hw:chassis/baseboard/cpu{c}", "cpu", "Xeon 6960P", "Intel Corporation",
                    "PK8072205512900", f"{s}-CPU{c}", f"CPU{c}")  # fmt: skip
        _fw(cpu, "Intel microcode", "0x10002b0", 2)
        board.children.append(cpu)
    for d in range(64):
        board.children.append(_part(f"hw:chassis/baseboard/dimm{d}", "memory", "64GB RDIMM",
                                    "Samsung Electronics Co., Ltd.", "M321R8GA0PB2-CCP",
                                    f"{s}-DIMM{d:02d}", f"DIMM_{d:02d}", "B2"))  # fmt: skip
    bmc = _part("hw:chassis/baseboard/bmc", "bmc", "AST2600", "ASPEED Technology Inc.", "AST2600A3-GP",
                f"{s}-BMC", None)  # fmt: skip
    _fw(bmc, "OpenBMC firmware", "2.16.0-ycs3", 3)
    tpm = _part("hw:chassis/baseboard/tpm", "tpm", "TPM 2.0", "Infineon Technologies AG",
                "SLB9672AU20FW1613XTMA1", f"{s}-TPM", None)  # fmt: skip
    _fw(tpm, "TPM firmware", "16.13.0", 4)
    board.children.extend([bmc, tpm])
    hgx = _part("hw:chassis/hgx", "gpu-baseboard", "HGX B200", "NVIDIA Corporation",
                "935-24287-0000-000", f"{s}-HGX", None)  # fmt: skip
    _fw(hgx, "HGX firmware", "1.3.2", 5)
    chassis.children.append(hgx)
    for g in range(8):
        gpu = _part(f"hw:chassis/hgx/gpu{g}", "gpu", "B200", "NVIDIA Corporation", "699-2G525-0200-000",
                    f"{s}-GPU{g}", f"SXM{g + 1}", "A1")  # fmt: skip
        _fw(gpu, "GPU VBIOS", "97.00.8A.00.1F", 6)
        hgx.children.append(gpu)
    groups = (("nic", 10, "ConnectX-7", "NVIDIA Corporation", "MCX75310AAS-NEAT", "NIC fw", "28.43.1014"),
              ("storage", 24, "CM7-R NVMe", "KIOXIA Corporation", "KCMYXRUG7T68", "SSD fw", "0104"),
              ("psu", 6, "3200W PSU", "Delta Electronics, Inc.", "DPS-3200AB-1", "PSU fw", "1.2.4"),
              ("fan", 16, "Fan", "Nidec Corporation", "FAN-80", None, None),
              ("riser", 10, "Riser", JP.name, "RSR-2", None, None),
              ("cable", 6, "Cable", JP.name, "CBL-1", None, None))  # fmt: skip
    for cls, count, name, maker, pn, fw_name, fw_version in groups:
        for k in range(count):
            n += 1
            part = _part(f"hw:chassis/{cls}{k}", cls, name, maker, pn, f"{s}-{cls.upper()}{k:02d}",
                         f"{cls.upper()}{k}")  # fmt: skip
            if fw_name and fw_version:
                _fw(part, fw_name, fw_version, 7 + n)
            chassis.children.append(part)
    return root


def observed_of(expected: dict[str, Any], swap_dimm: bool) -> dict[str, Any]:
    """What a Redfish collection of the server gives: other refs, no hashes, no revisions."""
    text = json.dumps(expected).replace('"hw:', '"hw:redfish:').replace('"fw:', '"fw:redfish:')
    doc: dict[str, Any] = json.loads(text)
    stack = [doc["metadata"]["component"], *doc["components"]]
    while stack:
        c = stack.pop()
        c.pop("hashes", None)
        if c.get("type") == "device" and c.get("bom-ref") != "hw:redfish:server":
            c.pop("version", None)
        if swap_dimm and c.get("bom-ref") == "hw:redfish:chassis/baseboard/dimm7":
            for p in c["properties"]:
                if p["name"] == "cdx:device:serialNumber":
                    p["value"] += "-SWAPPED"
        stack.extend(c.get("components", []))
    doc["metadata"]["properties"] = [{"name": "sovbom:bom:kind", "value": "observed"}]
    return doc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="servers (default 1000)")
    parser.add_argument("--max-seconds", type=float, default=10.0)
    parser.add_argument("--policy", action="store_true", help="also run samples/policy.yaml")
    parser.add_argument("-j", "--jobs", type=int, help="worker processes (default: sovbom's)")
    parser.add_argument("--no-reports", action="store_true", help="no --report-dir")
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="sovbom-bench-delivery-") as tmp,
        LocalSigstore() as inst,
    ):
        work = Path(tmp)
        os.environ.update(HOME=str(work / "home"), XDG_CACHE_HOME=str(work / "home" / ".cache"),
                          XDG_DATA_HOME=str(work / "home" / ".local" / "share"))  # fmt: skip
        trust_config = inst.write_trust_config(work / "trust_config.json")
        signers = work / "signers.yaml"
        signers.write_text(
            "version: 1\nroles:\n  manufacturer:\n    signers:\n"
            f"      - {{identity: {IDENTITY}, issuer: '{DEFAULT_ISSUER}'}}\n"
        )
        ship = work / "shipment"
        t0 = time.perf_counter()
        files = []
        for i in range(args.n):
            d = ship / f"server-{i:04d}"
            d.mkdir(parents=True)
            doc = tree_document(server_tree(i), kind="factory")
            expected = d / "expected.cdx.json"
            write_bom(expected, doc, reproducible=True)
            observed = observed_of(json.loads(expected.read_bytes()), swap_dimm=i % 50 == 7)
            (d / "observed.cdx.json").write_text(json.dumps(observed, indent=2))
            files.append(expected)
        parts = sum(1 for c in json.dumps(doc).split('"type": "device"')) - 1
        gen_s = time.perf_counter() - t0

        from click.testing import CliRunner

        from sovbom.cli import cli

        runner = CliRunner()
        t0 = time.perf_counter()
        signed = runner.invoke(cli, ["sign", *map(str, files), "--trust-config", str(trust_config),
                                     "--identity-token", inst.mint_token(IDENTITY, DEFAULT_ISSUER, lifetime=3600)])  # fmt: skip
        sign_s = time.perf_counter() - t0
        if signed.exit_code != 0:
            print(signed.stderr, file=sys.stderr)
            return 1
        size = sum(f.stat().st_size for f in files) / len(files)
        print(f"generated {args.n} servers ({parts} hardware parts each, expected HBOM"
              f" ~{size / 1024:.0f} KiB) in {gen_s:.1f} s; signed them in one `sovbom sign`: {sign_s:.1f} s")  # fmt: skip

        out = work / "reports"
        argv = ["verify-delivery", "--shipment", str(ship), "--signers", str(signers),
                "--trust-config", str(trust_config), "--offline", "--report-dir", str(out),
                "-f", "json", "-o", str(work / "summary.json")]  # fmt: skip
        if args.jobs:
            argv += ["--jobs", str(args.jobs)]
        if args.no_reports:
            argv = argv[: argv.index("--report-dir")] + argv[argv.index("--report-dir") + 2 :]
        if args.policy:
            argv += ["--policy", str(REPO / "samples" / "policy.yaml"), "--as-of", "2026-11-22"]
        t0 = time.perf_counter()
        if os.environ.get("BENCH_PROFILE"):
            import cProfile

            cProfile.runctx(
                "runner.invoke(cli, argv)", globals(), locals(), os.environ["BENCH_PROFILE"]
            )
        result = runner.invoke(cli, argv)
        verify_s = time.perf_counter() - t0
        summary = json.loads((work / "summary.json").read_text())
        bad = summary["failed_servers"]
        expected_bad = [f"server-{i:04d}" for i in range(args.n) if i % 50 == 7]
        mismatched = [
            s["server"] for s in summary["servers"] if s["counts"] and s["counts"]["substituted"]
        ]
        if (
            result.exit_code != 3
            or mismatched != expected_bad
            or (bad != expected_bad and not args.policy)
        ):
            print(f"unexpected outcome: exit {result.exit_code}, failed {bad[:5]}", file=sys.stderr)
            print(result.stderr, file=sys.stderr)
            return 1
        rate = args.n / verify_s
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        print(f"verify-delivery --shipment{' --policy' if args.policy else ''}: {args.n} servers in"
              f" {verify_s:.2f} s ({rate:.0f} servers/s, {cpus} CPUs); {len(mismatched)} mismatched servers named;"
              f" target under {args.max_seconds:.0f} s: {'met' if verify_s < args.max_seconds else 'MISSED'}")  # fmt: skip
        return 0 if verify_s < args.max_seconds else 1


if __name__ == "__main__":
    sys.exit(main())

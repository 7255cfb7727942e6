"""The delivery scenario of the README, offline, step by step (``python tests/delivery/walkthrough.py``).

It starts the local, test-only Sigstore instance on 127.0.0.1 (never a trust root outside the
tests), then runs the same ``sovbom`` commands a factory and a receiving dock would run:

1. factory: ``sovbom build`` the 8-GPU sample server's HBOM, ``sovbom sign`` it;
2. dock: serve the server's Redfish inventory from a mockup on 127.0.0.1, ``sovbom verify-delivery
   --redfish URL`` (passes), then the same with a swapped DIMM (fails, exit 3);
3. a shipment of three servers, one of them with a swapped DIMM: exit 3, and the summary names it.

Each command is printed before it runs; the work directory is kept (``--workdir``, default a new
temporary directory) so that the reports can be read afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
REPO = TESTS.parent
for _p in (HERE, TESTS, TESTS / "redfish"):
    sys.path.insert(0, str(_p))

from mockup import inventory_from_hbom, write_mockup  # noqa: E402
from redfish_server import RedfishServer  # noqa: E402

from sigstore_local import DEFAULT_ISSUER, LocalSigstore  # noqa: E402

IDENTITY = "hbom-signer@factory.example"


def run(*args: str | Path, env: dict[str, str] | None = None) -> int:
    from click.testing import CliRunner

    from sovbom.cli import cli

    argv = [str(a) for a in args]
    shown = [
        "<token>" if i and argv[i - 1] == "--identity-token" else a for i, a in enumerate(argv)
    ]
    print("$ sovbom " + " ".join(shlex.quote(a) for a in shown), flush=True)
    result = CliRunner().invoke(cli, argv, env=env, prog_name="sovbom", auto_envvar_prefix="SOVBOM")
    sys.stdout.write(result.stdout)
    sys.stdout.write(result.stderr)
    print(f"(exit {result.exit_code})\n", flush=True)
    return int(result.exit_code)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="sovbom-delivery-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SOVBOM_REDFISH_USERNAME", "root")
    os.environ.setdefault("SOVBOM_REDFISH_PASSWORD", "dock-walkthrough")
    codes: list[int] = []
    with LocalSigstore() as sigstore:
        trust_config = sigstore.write_trust_config(work / "trust_config.json")
        signers = work / "signers.yaml"
        signers.write_text(
            "version: 1\nroles:\n  manufacturer:\n    signers:\n"
            f"      - {{identity: {IDENTITY}, issuer: '{DEFAULT_ISSUER}'}}\n"
        )
        token = sigstore.mint_token(IDENTITY, DEFAULT_ISSUER, lifetime=3600)
        hbom = work / "hgx.cdx.json"
        print("# factory: build and sign the HBOM")
        run(
            "build",
            "--manifest",
            REPO / "samples" / "hgx-b200-jp.manifest.yaml",
            "-o",
            hbom,
            "--reproducible",
        )
        run("sign", hbom, "--trust-config", trust_config, "--identity-token", token, "--overwrite")
        trust = ["--signers", signers, "--trust-config", trust_config, "--offline"]

        inv = inventory_from_hbom(json.loads(hbom.read_text()))
        good = write_mockup(inv, work / "dock-good")
        inv.find(slot="DIMM_A3").serial = "SAMPLE-DIMM-9999"
        bad = write_mockup(inv, work / "dock-swapped-dimm")
        user, password = (
            os.environ["SOVBOM_REDFISH_USERNAME"],
            os.environ["SOVBOM_REDFISH_PASSWORD"],
        )
        for name, mock, want in (("as declared", good, 0), ("with a swapped DIMM", bad, 3)):
            with RedfishServer(mock, username=user, password=password) as bmc:
                print(f"# dock: the delivered server, {name}, served by a BMC at {bmc.url}")
                code = run("verify-delivery", "--expected", hbom, *trust, "--redfish", bmc.url,
                           "--policy", REPO / "samples" / "policy.yaml", "-f", "table")  # fmt: skip
                codes.append(int(code == want))

        print("# a shipment of three servers (server-01 has a swapped DIMM)")
        ship = work / "shipment"
        for i in range(3):
            d = ship / f"server-{i:02d}"
            d.mkdir(parents=True, exist_ok=True)
            expected = d / "expected.cdx.json"
            expected.write_text(hbom.read_text().replace("SAMPLE-", f"S{i:02d}-"))
            run(
                "sign",
                expected,
                "--trust-config",
                trust_config,
                "--identity-token",
                token,
                "--overwrite",
            )
            server = inventory_from_hbom(json.loads(expected.read_text()))
            if i == 1:
                server.find(slot="DIMM_B1").serial = "S01-DIMM-SWAPPED"
            write_mockup(server, d / "redfish")
        code = run(
            "verify-delivery",
            "--shipment",
            ship,
            *trust,
            "--report-dir",
            work / "reports",
            "-f",
            "table",
        )
        codes.append(int(code == 3))
    print(f"work directory: {work}")
    return 0 if all(codes) else 1


if __name__ == "__main__":
    raise SystemExit(main())

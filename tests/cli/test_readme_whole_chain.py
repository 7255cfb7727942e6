"""The README's "The whole chain" runs as written: its commands are read from the README and run
in order, offline, against the test-only Sigstore instance, its TUF repository and a Redfish
service on 127.0.0.1 (only those host names are replaced), so that the README stays true."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"
for _p in (TESTS / "trust_cli", TESTS / "delivery", TESTS / "redfish"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from mockup import inventory_from_hbom, write_mockup  # noqa: E402
from redfish_server import RedfishServer  # noqa: E402
from tuf_repo import TufRepository  # noqa: E402

from sigstore_local import LocalSigstore  # noqa: E402

TUF_URL = "https://tuf.sigstore.acme-servers.example"
BMC_URL = "https://bmc.example"
#: Who signs what in the chain (identities of samples/signers.yaml): the factory the HBOM, the
#: integrator the server BOM, the compliance office the evidence pack's index.
FACTORY = (
    "hbom-signer@factory.acme-servers.example",
    "https://sso.acme-servers.example/realms/factory",
)
INTEGRATOR = ("bom-release@integrator.example.eu", "https://accounts.google.com")
COMPLIANCE = (
    "evidence-packs@acme-servers.example",
    "https://sso.acme-servers.example/realms/factory",
)
BMC_USER, BMC_PASSWORD = "inventory", "readme-chain"


def chain_commands() -> list[str]:
    """The command lines of the README's whole-chain block, in order."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## The whole chain\n") :]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


@pytest.fixture
def sigstore() -> Iterator[LocalSigstore]:
    instance = LocalSigstore(name="readme-chain").start()
    yield instance
    instance.stop()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh working directory beside the samples, with its own HOME (sigstore's cache)."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "samples").symlink_to(REPO / "samples")
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    for var in ("SOVBOM_IDENTITY_TOKEN", "SOVBOM_POLICY", "SOVBOM_SIGNERS", "SOVBOM_TRUSTED_ROOT",
                "SOVBOM_TRUST_CONFIG", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(work)
    return work


def _signer(argv: list[str]) -> tuple[str, str] | None:
    if argv[0] == "pack":
        return COMPLIANCE
    if argv[0] == "sign":
        return FACTORY if argv[1] == "hgx.cdx.json" else INTEGRATOR
    return None


def _local(argv: list[str]) -> list[str]:
    """This machine's software is not the test's business: the suite's dpkg status stands in."""
    if argv[:2] == ["collect", "software"] and "--local" in argv:
        i = argv.index("--local")
        data = TESTS / "data" / "software"
        return [*argv[:i], "--dpkg-status", str(data / "status"), *argv[i + 1 :]]
    return argv


def test_the_readme_whole_chain_runs(
    sigstore: LocalSigstore, workdir: Path, tmp_path: Path
) -> None:
    from sovbom.cli import cli

    config = sigstore.trust_config()
    tuf = TufRepository(tmp_path / "tuf", {"trusted_root.json": config["trustedRoot"],
                                           "signing_config.v0.2.json": config["signingConfig"]})  # fmt: skip
    tuf.start()
    (workdir / "acme-tuf-root.json").write_bytes(tuf.root_file.read_bytes())
    bmc: RedfishServer | None = None
    ran: dict[str, Any] = {}
    codes: list[tuple[str, int]] = []
    try:
        for line in chain_commands():
            argv = shlex.split(line, comments=True)
            if argv[0] != "sovbom":  # writing sovbom.toml
                subprocess.run(["bash", "-c", line], cwd=workdir, check=True)
                continue
            argv = [a.replace(TUF_URL, tuf.url) for a in _local(argv[1:])]
            env = {"SOVBOM_REDFISH_USERNAME": BMC_USER, "SOVBOM_REDFISH_PASSWORD": BMC_PASSWORD}
            if BMC_URL in argv:
                inventory = inventory_from_hbom(json.loads((workdir / "hgx.cdx.json").read_text()))
                mock = write_mockup(inventory, tmp_path / "bmc")
                bmc = RedfishServer(mock, username=BMC_USER, password=BMC_PASSWORD).start()
                argv = [bmc.url if a == BMC_URL else a for a in argv]
            signer = _signer(argv)
            if signer is not None:
                env["SOVBOM_IDENTITY_TOKEN"] = sigstore.mint_token(*signer)
            result = CliRunner().invoke(cli, argv, env=env, catch_exceptions=False,
                                        prog_name="sovbom", auto_envvar_prefix="SOVBOM")  # fmt: skip
            # a check and an inspection report findings of the sample server (exit 1); every
            # other step succeeds
            allowed = (0, 1) if argv[0] in ("check", "inspect") else (0,)
            assert result.exit_code in allowed, f"{line}\n{result.stdout}\n{result.stderr}"
            ran[" ".join(argv[:2])] = result
            codes.append((argv[0], result.exit_code))
    finally:
        if bmc is not None:
            bmc.stop()
        tuf.stop()

    assert [c for c, _ in codes] == ["trust", "trust", "config", "build", "sign",
                                     "verify-delivery", "collect", "build", "sign", "check",
                                     "pack", "inspect"]  # fmt: skip
    # every file the chain names is there, and each step said what the README says it does
    for name in ("acme/trusted_root.json", "acme/trust_config.json", "sovbom.toml",
                 "hgx.cdx.json", "hgx.cdx.json.sigstore.json", "delivery.json", "os.cdx.json",
                 "server.cdx.json", "server.cdx.json.sigstore.json", "server.html",
                 "evidence.zip", "inspection.html"):  # fmt: skip
        assert (workdir / name).is_file(), name
    shown = ran["trust show"].stdout
    assert "valid" in shown and sigstore.base_url in shown
    configured = ran["config"].stdout
    assert "samples/policy.yaml" in configured and "sovbom.toml" in configured
    assert json.loads((workdir / "delivery.json").read_text())["verdict"] == "pass"
    page = (workdir / "inspection.html").read_text()
    assert "re-evaluated offline" in page and "Made in Japan" in page

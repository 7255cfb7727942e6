from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from sovbom.report.json_format import spell_out_paths

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
SCHEMAS = REPO / "schemas"
POLICY = SAMPLES / "policy.yaml"
HGX = SAMPLES / "hgx-b200-jp.hbom.cdx.json"


def _validator(name: str) -> Any:
    return jsonschema_rs.validator_for(json.loads((SCHEMAS / name).read_text()))


CHECK_SCHEMA = _validator("check-report.schema.json")


def sarif_validator() -> Any:
    path = SCHEMAS / "third_party" / "sarif-schema-2.1.0.json"
    if not path.exists():
        pytest.fail("the vendored SARIF schema is missing")
    return jsonschema_rs.validator_for(json.loads(path.read_text()))


def assert_valid(validator: Any, doc: Any) -> None:
    errors = [f"{list(e.instance_path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert not errors, errors[:5]


def json_check(bom: Path, out: Path, *extra: str) -> list[str]:
    """``sovbom check BOM --policy POLICY -f json -o OUT EXTRA...`` (the sample policy)."""
    return ["check", str(bom), "--policy", str(POLICY), "-f", "json", "-o", str(out), *extra]


def test_check_json_report_is_schema_valid_and_fails_on_high(run_cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = run_cli(*json_check(HGX, out, "--as-of", "2026-11-22"))
    assert result.exit_code == 1, result.output
    report = json.loads(out.read_bytes())
    assert_valid(CHECK_SCHEMA, report)
    assert report["verdict"] == "fail"
    assert report["summary"]["findings"]["high"] > 0
    # the BMC SoC is exempted until 2027-03-31 in the sample policy
    exempted = [f for f in report["findings"] if "exempted_by" in f]
    assert [f["component"]["bom-ref"] for f in exempted] == ["hw:chassis/baseboard/bmc"]
    every = {f["component"]["bom-ref"] for f in report["findings"] if "component" in f}
    assert "hw:chassis/hgx/gpu3" in every
    gpu_paths = next(
        paths
        for f, paths in zip(report["findings"], spell_out_paths(report), strict=True)
        if f.get("component", {}).get("bom-ref") == "hw:chassis/hgx/gpu3"
    )
    assert gpu_paths[0] == ["hw:server", "hw:chassis", "hw:chassis/hgx", "hw:chassis/hgx/gpu3"]
    assert [report["names"][r] for r in gpu_paths[0][:2]] == [
        "YCS AIX-8B A",
        "YCS 8U AI chassis",
    ]
    assert report["names"]["hw:chassis/hgx"] == "NVIDIA HGX B200 8-GPU baseboard"
    assert report["summary"]["by_class"]["gpu"]["domestic"] == 0
    assert report["summary"]["by_class"]["storage"]["domestic_share"] == 1.0


def test_exemption_expiry_changes_with_as_of(run_cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    run_cli(*json_check(HGX, out, "--as-of", "2027-04-01"))
    report = json.loads(out.read_bytes())
    assert any(f["rule"] == "expired-exemption" for f in report["findings"])
    assert not any("exempted_by" in f for f in report["findings"])


def test_fail_on_threshold(run_cli: Any, tmp_path: Path) -> None:
    args = json_check(HGX, tmp_path / "r.json")
    assert run_cli(*args, "--fail-on", "critical").exit_code == 0
    assert run_cli(*args, "--fail-on", "high").exit_code == 1


def test_sarif_report_is_valid_sarif(run_cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "r.sarif"
    run_cli("check", str(HGX), "--policy", str(POLICY), "-f", "sarif", "-o", str(out))
    sarif = json.loads(out.read_bytes())
    assert_valid(sarif_validator(), sarif)
    run = sarif["runs"][0]
    assert run["tool"]["driver"]["name"] == "sovbom"
    assert len(run["results"]) > 0
    assert {r["ruleId"] for r in run["results"]} <= {
        r["id"] for r in run["tool"]["driver"]["rules"]
    }
    suppressed = [r for r in run["results"] if r.get("suppressions")]
    assert len(suppressed) == 1
    # each result points at the line of the component's bom-ref in the BOM file
    lines = HGX.read_text().splitlines()
    for r in run["results"][:20]:
        line = r["locations"][0]["physicalLocation"]["region"]["startLine"]
        ref = r["properties"]["bom-ref"]
        assert f'"bom-ref": "{ref}"' in lines[line - 1], (ref, line)


def test_markdown_and_table_reports(run_cli: Any) -> None:
    md = run_cli("check", str(HGX), "--policy", str(POLICY), "-f", "markdown")
    assert md.stdout.startswith("# sovbom check: FAIL")
    assert "| gpu | 8 | 0 | 8 | 0 | 0 | 0% |" in md.stdout
    table = run_cli("check", str(HGX), "--policy", str(POLICY), "-f", "table")
    assert "Domestic share by class" in table.stdout and "FAIL" in table.stdout


def test_every_report_format_renders(run_cli: Any) -> None:
    from sovbom.report.interface import ReportFormat

    for fmt in ReportFormat:
        result = run_cli("check", str(HGX), "--policy", str(POLICY), "-f", fmt.value)
        assert result.exit_code == 1 and result.stdout, fmt


def test_default_format_off_a_terminal_is_json(run_cli: Any) -> None:
    result = run_cli("check", str(HGX), "--policy", str(POLICY))
    assert json.loads(result.stdout)["sovbom_report"] == "check"


def test_clean_bom_passes(run_cli: Any, tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "domestic_countries: [JP]\napproved_countries: [US, TW, DE, KR, MY, TH, IL]\n"
        "verification: {critical: declared, default: declared}\n"
    )
    out = tmp_path / "r.json"
    result = run_cli("check", str(HGX), "--policy", str(policy), "-f", "json", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_bytes())["verdict"] == "pass"


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        (
            "domestic_countries: [Japan]\n",
            r"line 1 \(\$\.domestic_countries\[0\]\): not a valid sovbom policy",
        ),
        ("domestic_countries: [JP\n", "malformed YAML"),
        ("approved_countries: [US]\n", "not a valid sovbom policy"),
        (
            "domestic_countries: [JP]\nexemptions:\n  - match: {}\n    reason: r\n    approved_by: b\n",
            r"line 3",
        ),
    ],
)
def test_bad_policy_exit_4(run_cli: Any, tmp_path: Path, text: str, pattern: str) -> None:
    import re

    policy = tmp_path / "p.yaml"
    policy.write_text(text)
    out = tmp_path / "r.json"
    result = run_cli("check", str(HGX), "--policy", str(policy), "-o", str(out))
    assert result.exit_code == 4
    assert re.search(pattern, result.stderr), result.stderr
    assert not out.exists()


def test_evidence_without_signers_is_refused(run_cli: Any) -> None:
    result = run_cli("check", str(HGX), "--policy", str(POLICY), "--evidence", str(HGX))
    assert result.exit_code == 4 and "--evidence needs --signers" in result.stderr


@pytest.mark.corpus
def test_check_on_corpus_boms(run_cli: Any, corpus: Path, tmp_path: Path) -> None:
    files = sorted((corpus / "sbom" / "cyclonedx").glob("*.json"))
    policy = tmp_path / "p.yaml"
    policy.write_text("domestic_countries: [JP]\napproved_countries: [US]\n")
    for f in files:
        for fmt in ("json", "sarif"):
            out = tmp_path / f"{f.stem}.{fmt}"
            result = run_cli("check", str(f), "--policy", str(policy), "-f", fmt, "-o", str(out))
            assert result.exit_code in (0, 1), (f.name, result.output)
            doc = json.loads(out.read_bytes())
            assert_valid(CHECK_SCHEMA if fmt == "json" else sarif_validator(), doc)
        report = json.loads((tmp_path / f"{f.stem}.json").read_bytes())
        assert report["bom"]["components"] == _count_components(json.loads(f.read_bytes()))


def _count_components(doc: dict[str, Any]) -> int:
    """Components, counted independently of the code under test."""

    def walk(items: list[dict[str, Any]]) -> int:
        return sum(1 + walk(c.get("components", [])) for c in items)

    root = doc.get("metadata", {}).get("component")
    return walk(doc.get("components", [])) + (1 if root else 0)


# ------------------------------------------------------------------------------------- trace


def test_trace_by_part_number_across_boms(run_cli: Any) -> None:
    monaka = SAMPLES / "monaka-2u-jp.hbom.cdx.json"
    result = run_cli("trace", str(HGX), str(monaka), "-c", "part=AST2600A3-GP", "-f", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    used = {b["source"]: [m["bom-ref"] for m in b["matches"]] for b in doc["boms"]}
    assert used == {
        str(HGX): ["hw:chassis/baseboard/bmc"],
        str(monaka): ["hw:chassis/baseboard/bmc"],
    }
    path = doc["boms"][0]["matches"][0]["paths"][0]
    assert [n["bom-ref"] for n in path] == [
        "hw:server",
        "hw:chassis",
        "hw:chassis/baseboard",
        "hw:chassis/baseboard/bmc",
    ]


def test_trace_by_country_serial_and_name(run_cli: Any) -> None:
    kr = json.loads(run_cli("trace", str(HGX), "-c", "KR", "-f", "json").stdout)
    assert len(kr["boms"][0]["matches"]) == 16  # the Samsung DIMMs
    serial = json.loads(run_cli("trace", str(HGX), "-c", "SAMPLE-GPU-0003", "-f", "json").stdout)
    assert [m["bom-ref"] for m in serial["boms"][0]["matches"]] == ["hw:chassis/hgx/gpu3"]
    name = run_cli("trace", str(HGX), "-c", "name=gpu vbios", "-f", "table")
    assert name.stdout.startswith("8 match(es)")


def test_trace_default_format_off_a_terminal_is_json(run_cli: Any, tmp_path: Path) -> None:
    """As for check, verify-delivery, inspect and verify: a table on a terminal, else JSON."""
    piped = run_cli("trace", str(HGX), "-c", "part=AST2600A3-GP")
    assert json.loads(piped.stdout)["sovbom_report"] == "trace"
    out = tmp_path / "trace.out"
    run_cli("trace", str(HGX), "-c", "part=AST2600A3-GP", "-o", str(out))
    assert json.loads(out.read_bytes())["sovbom_report"] == "trace"


def test_trace_no_match_and_bad_query(run_cli: Any) -> None:
    none = run_cli("trace", str(HGX), "-c", "pkg:npm/left-pad@1.0.0")
    assert none.exit_code == 0 and "no component matches" in none.stderr
    bad = run_cli("trace", str(HGX), "-c", "country=Atlantis")
    assert bad.exit_code == 4 and "not an ISO 3166-1 country" in bad.stderr


def test_check_on_a_composed_server_bom(run_cli: Any, tmp_path: Path) -> None:
    """Hardware from the manifest, an OS with its packages from a dpkg status: one graph."""
    data = REPO / "tests" / "data" / "software"
    sbom = tmp_path / "os.cdx.json"
    result = run_cli(
        "collect", "software", "--dpkg-status", str(data / "status"), "--os-release",
        str(data / "os-release"), "-o", str(sbom),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    server = tmp_path / "server.cdx.json"
    manifest = SAMPLES / "monaka-2u-jp.manifest.yaml"
    result = run_cli("build", "--manifest", str(manifest), "--add", str(sbom), "-o", str(server))
    assert result.exit_code == 0, result.output
    out = tmp_path / "r.json"
    result = run_cli(*json_check(server, out, "--max-paths", "3"))
    report = json.loads(out.read_bytes())
    assert_valid(CHECK_SCHEMA, report)
    integrity = [f for f in report["findings"] if f["rule"] == "integrity"]
    # Debian's libc6 and libgcc-s1 depend on each other: reported as a low-severity cycle
    assert [(f["severity"], f["message"].split(":")[0]) for f in integrity] == [("low", "cycle")]
    packages = [
        paths
        for f, paths in zip(report["findings"], spell_out_paths(report), strict=True)
        if f.get("component", {}).get("type") == "library"
    ]
    assert packages, "the packages are checked too"
    # a package's path runs from the server root through the operating system
    first = packages[0][0]
    assert first[0] == "hw:server"
    assert any(report["names"][r].startswith("debian") or "os" in r for r in first[1:-1]), first


def test_json_report_is_reproducible(run_cli: Any, tmp_path: Path) -> None:
    outs = []
    for i in range(2):
        out = tmp_path / f"{i}.json"
        run_cli(*json_check(HGX, out, "--as-of", "2026-11-22"))
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


# ------------------------------------------------------------------------- where reports go


def test_report_to_a_character_device_keeps_the_device(run_cli: Any, tmp_path: Path) -> None:
    """``-o /dev/null`` must write to the device, never rename a regular file over its node."""
    import os
    import stat

    from unit.test_io_write import char_device

    device = char_device(tmp_path)
    before = os.stat(device)
    result = run_cli("check", str(HGX), "--policy", str(POLICY), "-f", "json", "-o", str(device))
    assert result.exit_code == 1, result.output  # the sample has high findings
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_report_to_a_socket_is_exit_4(run_cli: Any, tmp_path: Path) -> None:
    """Special files other than devices and FIFOs are refused, and left as they are.

    (A directory is refused by the ``-o`` option itself, a usage error.)"""
    import socket
    import stat

    target = tmp_path / "s"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.bind(str(target))
        result = run_cli(
            "check", str(HGX), "--policy", str(POLICY), "-f", "json", "-o", str(target)
        )
    assert result.exit_code == 4
    assert f"{target}: not a regular file (a socket)" in result.stderr
    assert stat.S_ISSOCK(target.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["s"]


# ----------------------------------------------------------------------------------- startup


def test_help_imports_neither_the_policy_nor_the_graph() -> None:
    """``sovbom --help`` (and every command's start) must not pay for networkx, the policy, the
    trace query, sigstore or rich: the commands import them when they run."""
    import re
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from sovbom.cli import cli\n"
        "try:\n"
        "    cli.main(['--help'], prog_name='sovbom')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('\\n'.join(sys.modules), file=sys.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"},
    )
    assert "Usage:" in out.stdout
    heavy = re.compile(
        r"^(networkx|sigstore|rich|sovbom\.policy|sovbom\.graph|sovbom\.trace|sovbom\.checking)"
        r"(\.|$)"
    )
    assert [m for m in out.stderr.split() if heavy.match(m)] == []


# ---------------------------------------------------------------------------- the quickstart


def _quickstart() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Quickstart")
    return readme[start : readme.index("\n## ", start + 1)]


def test_quickstart_outputs_are_git_ignored() -> None:
    import re
    import shutil
    import subprocess

    outputs = re.findall(r"\s-o\s+(\S+)", _quickstart())
    assert outputs, "the quickstart writes a file"
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    for name in outputs:
        ignored = subprocess.run(
            ["git", "-C", str(REPO), "check-ignore", "-q", "--no-index", name], check=False
        )
        assert ignored.returncode == 0, f"{name} (written by the quickstart) is not in .gitignore"


def test_quickstart_says_where_the_corpus_tests_look() -> None:
    block = _quickstart().split("```")[1]
    test_line = next(i for i, x in enumerate(block.splitlines()) if "pytest" in x)
    comment = block.splitlines()[test_line - 1]
    assert comment.startswith("#") and "../shared/corpus" in comment

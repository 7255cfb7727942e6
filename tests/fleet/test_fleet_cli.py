"""The fleet command line: every report kind in every format, exit codes, concurrent ingests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from fleet_support import SAMPLES, part, policy, server_bom, write

from sovbom.project_schemas import validator
from sovbom.report.interface import ReportFormat

SAMPLE_BOMS = sorted(str(p) for p in SAMPLES.glob("*.hbom.cdx.json"))
SRC = Path(__file__).resolve().parents[2] / "src"


def test_quickstart_every_kind_in_every_format(run_cli, db_url: str, tmp_path: Path) -> None:
    pol = str(SAMPLES / "policy.yaml")
    result = run_cli("fleet", "--db", db_url, "ingest", *SAMPLE_BOMS, "-f", "json")
    assert result.exit_code == 0, result.output
    commands = {
        "where-used": ["where-used", "-c", "part=AST2600A3-GP"],
        "summary": ["summary", "-p", pol, "--since", "2020-01-01"],
        "recheck": ["recheck", "-p", pol, "-j", "1"],
        "history": ["history", "SAMPLE-SRV-HGX-0001"],
        "ingest": ["ingest", SAMPLE_BOMS[0]],
    }
    for name, args in commands.items():
        for fmt in ReportFormat:
            out = run_cli("fleet", "--db", db_url, *args, "-f", fmt.value)
            assert out.exit_code == (1 if name == "recheck" else 0), (name, fmt, out.stderr)
            assert out.stdout.strip(), (name, fmt)
            if fmt is ReportFormat.JSON:
                doc = orjson.loads(out.stdout)
                validator("fleet-report.schema.json").validate(doc)
                assert doc["sovbom_report"] == f"fleet-{name}"
            if fmt is ReportFormat.SARIF:
                doc = orjson.loads(out.stdout)
                assert doc["version"] == "2.1.0"
                if name == "recheck":
                    assert {r["ruleId"] for r in doc["runs"][0]["results"]} == {"fleet-fail"}
            if fmt is ReportFormat.HTML:
                assert out.stdout.startswith("<!DOCTYPE html>") or "<html" in out.stdout


def test_json_schema_rejects_a_wrong_report() -> None:
    doc = {"sovbom_report": "fleet-recheck", "format_version": 1,
           "tool": {"name": "sovbom", "version": "0"}}  # fmt: skip
    assert not validator("fleet-report.schema.json").is_valid(doc)


def test_default_database_is_a_file_here_and_sovbom_db_overrides(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOVBOM_DB", raising=False)
    missing = run_cli("fleet", "where-used", "-c", "x")
    assert missing.exit_code == 4 and "ingest BOMs first" in missing.stderr
    assert run_cli("fleet", "ingest", SAMPLE_BOMS[0], "-f", "json").exit_code == 0
    assert (tmp_path / "sovbom-fleet.db").is_file()
    monkeypatch.setenv("SOVBOM_DB", str(tmp_path / "other.db"))
    assert run_cli("fleet", "ingest", SAMPLE_BOMS[1], "-f", "json").exit_code == 0
    out = run_cli("fleet", "where-used", "-c", "part=AST2600A3-GP", "-f", "json")
    assert orjson.loads(out.stdout)["servers"] == ["SAMPLE-SRV-MNK-0001"]


def test_on_error_exit_codes(run_cli, tmp_path: Path) -> None:
    db = str(tmp_path / "f.db")
    bad = tmp_path / "bad.cdx.json"
    bad.write_text("not json")
    failed = run_cli("fleet", "--db", db, "ingest", SAMPLE_BOMS[0], str(bad))
    assert failed.exit_code == 4 and "bad.cdx.json" in failed.stderr
    assert "Traceback" not in failed.stderr
    skipped = run_cli("fleet", "--db", db, "ingest", SAMPLE_BOMS[0], str(bad),
                      "--on-error", "skip", "-f", "json")  # fmt: skip
    assert skipped.exit_code == 0
    doc = orjson.loads(skipped.stdout)
    assert doc["added"] == 1 and doc["skipped"][0]["source"].endswith("bad.cdx.json")


def test_bad_database_url_is_a_usage_message(run_cli) -> None:
    out = run_cli("fleet", "--db", "mysql://x@y/z", "where-used", "-c", "x")
    assert out.exit_code == 4 and "unsupported database URL" in out.stderr


def test_concurrent_ingests_neither_duplicate_nor_lose_rows(db_url: str, tmp_path: Path) -> None:
    """Four processes ingest overlapping batches at once; every BOM is stored exactly once."""
    docs = [
        write(tmp_path / f"s{i}.json", server_bom(
            f"S{i % 5}", parts=[part("hw:gpu", "GPU", "gpu", "US", serial=f"G{i}")],
            n_fillers=40, timestamp=f"2026-01-{i + 1:02d}T00:00:00Z"))
        for i in range(12)
    ]  # fmt: skip
    from sovbom.fleet.store import open_store

    open_store(db_url, create=True).close()  # the schema exists before the race
    batches = [docs[0:8], docs[4:12], docs[::2], docs[1::2] + docs[:3]]
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", "from sovbom.cli import main; main()", "fleet", "--db", db_url,
             "ingest", "-f", "json", *map(str, batch)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        for batch in batches
    ]  # fmt: skip
    outs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [e.decode() for _, e in outs]
    added = sum(orjson.loads(o)["added"] for o, _ in outs)
    assert added == len(docs)
    store = open_store(db_url)
    from sqlalchemy import text

    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM boms")).scalar() == 12
        assert conn.execute(text("SELECT count(*) FROM servers")).scalar() == 5
        assert (
            conn.execute(text("SELECT count(*) FROM components")).scalar() == 12 * 43
        )  # server, chassis, GPU, 40 modules
        dup = "SELECT count(*) FROM (SELECT bom_id, ref FROM components GROUP BY bom_id, ref HAVING count(*) > 1) d"
        assert conn.execute(text(dup)).scalar() == 0
    store.close()


def test_fleet_help_does_not_import_sqlalchemy() -> None:
    code = ("import sys; from sovbom.cli import cli; "
            "import click.testing as t; t.CliRunner().invoke(cli, ['fleet', '--help']); "
            "print('sqlalchemy' in sys.modules)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(SRC)},
                         capture_output=True, text=True, check=True)  # fmt: skip
    assert out.stdout.strip() == "False"


def test_recheck_policy_change_through_the_cli(run_cli, tmp_path: Path) -> None:
    db = str(tmp_path / "f.db")
    a = write(tmp_path / "a.json", server_bom("A", parts=[part("hw:psu", "PSU", "psu", "CN")]))
    b = write(tmp_path / "b.json", server_bom("B", parts=[part("hw:psu", "PSU", "psu", "JP")]))
    assert run_cli("fleet", "--db", db, "ingest", str(a), str(b), "-f", "json").exit_code == 0
    ok = policy(tmp_path / "ok.yaml", approved=["CN"])
    denied = policy(tmp_path / "denied.yaml", approved=[], denied=["CN"])
    assert run_cli("fleet", "--db", db, "recheck", "-p", str(ok), "-f", "json").exit_code == 0
    out = run_cli("fleet", "--db", db, "recheck", "-p", str(denied), "-f", "json")
    assert out.exit_code == 1
    assert orjson.loads(out.stdout)["changed"] == ["A"]


def test_recheck_stores_the_dashboard_checks_unless_told_not_to(run_cli, tmp_path: Path) -> None:
    from sqlalchemy import create_engine, text

    db = str(tmp_path / "f.db")
    a = write(tmp_path / "a.json", server_bom("A", parts=[part("hw:psu", "PSU", "psu", "CN")]))
    assert run_cli("fleet", "--db", db, "ingest", str(a), "-f", "json").exit_code == 0
    ok = policy(tmp_path / "ok.yaml", approved=["CN"])
    engine = create_engine(f"sqlite:///{db}")

    def stored() -> int:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM check_views")).scalar_one())

    args = ("fleet", "--db", db, "recheck", "-p", str(ok), "-f", "json", "--as-of", "2026-06-01")
    assert run_cli(*args, "--no-views").exit_code == 0 and stored() == 0
    assert run_cli(*args).exit_code == 0 and stored() == 1
    engine.dispose()

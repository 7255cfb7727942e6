"""A shipment is verified as a stream: reports are written as servers finish, memory does not
grow with the number of servers, and duplicates are found from compact keys alone."""

from __future__ import annotations

import hashlib
import random
import tracemalloc
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from sovbom import signing
from sovbom.delivery import DeliveryResult, Fingerprint, SourceInfo, discover_shipment
from sovbom.delivery.duplicates import DuplicateIndex, duplicate_reasons, keys_of, restrict
from sovbom.delivery.report_dir import StagedReportDir
from sovbom.delivery.shipment import report_name, verify_shipment
from sovbom.report.interface import DeliveryReport, ReportFormat, renderer_for

#: Parts per server: a report grows with them, what is kept of a passing server does not.
PARTS = 150


class AcceptAll:
    """A verifier that accepts every bundle (signatures are tested elsewhere)."""

    trust = SimpleNamespace(info=None)

    def verify_bytes(
        self, data: bytes, bundle: bytes, *, name: str, bundle_name: str, sha256: str | None = None
    ) -> Any:
        return signing.Verdict(
            file=name, bundle=bundle_name, ok=True, status=signing.Status.VERIFIED,
            sha256=hashlib.sha256(data).hexdigest(), identity="factory@example.com",
        )  # fmt: skip


def _prop(name: str, value: str) -> dict[str, str]:
    return {"name": name, "value": value}


def _server_doc(i: int) -> dict[str, Any]:
    parts = [
        {
            "type": "device",
            "bom-ref": f"hw:dimm{k}",
            "name": "64GB RDIMM",
            "manufacturer": {"name": "Samsung Electronics Co., Ltd."},
            "properties": [
                _prop("sovbom:class", "memory"),
                _prop("sovbom:part-number", "M321R8GA0PB2-CCP"),
                _prop("cdx:device:serialNumber", f"S{i:05d}-DIMM{k:02d}"),
                _prop("sovbom:slot", f"DIMM_{k:02d}"),
            ],
        }  # fmt: skip
        for k in range(PARTS)
    ]
    root = {"type": "device", "bom-ref": "hw:server", "name": "server",
            "properties": [_prop("sovbom:class", "server"),
                           _prop("cdx:device:serialNumber", f"S{i:05d}-SRV")]}  # fmt: skip
    return {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
            "metadata": {"component": root}, "components": parts}  # fmt: skip


def _shipment(root: Path, n: int, copy_of: dict[int, int] | None = None) -> Path:
    ship = root / f"ship-{n}"
    for i in range(n):
        d = ship / f"server-{i:05d}"
        d.mkdir(parents=True)
        data = orjson.dumps(_server_doc((copy_of or {}).get(i, i)))
        (d / "expected.cdx.json").write_bytes(data)
        (d / "expected.cdx.json.sigstore.json").write_bytes(b"{}")
        (d / "observed.cdx.json").write_bytes(data)
    return ship


def _render(result: DeliveryResult) -> bytes:
    return renderer_for(ReportFormat.JSON).delivery(DeliveryReport(result, "2026-11-22"))


def _peak(ship: Path, out: Path) -> int:
    servers = discover_shipment(ship)
    verifier: Any = AcceptAll()
    tracemalloc.start()
    try:
        with StagedReportDir(out) as staged:
            results = verify_shipment(servers, verifier, render=_render, reports=staged, jobs=1)
            staged.commit()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [r.verdict for r in results] == ["pass"] * len(servers)
    assert len(list(out.iterdir())) == len(servers)
    return peak


@pytest.mark.slow
def test_memory_does_not_grow_with_the_shipment(tmp_path: Path) -> None:
    small = _peak(_shipment(tmp_path, 20), tmp_path / "out-20")
    large = _peak(_shipment(tmp_path, 80), tmp_path / "out-80")
    report = len(_render(_result_of(tmp_path / "ship-20")))
    # kept in memory, 60 reports more would take 60 reports (~200 KB each): allow a quarter of it
    # (allocator noise on a shared machine is about a tenth)
    assert large - small < 15 * report, (small, large, report)


def _result_of(ship: Path) -> DeliveryResult:
    from sovbom.delivery.shipment import verify_server

    verifier: Any = AcceptAll()
    return verify_server(discover_shipment(ship)[0], verifier)


def test_reports_are_written_as_servers_finish(tmp_path: Path) -> None:
    ship = _shipment(tmp_path, 5)
    seen: list[str] = []
    written: list[tuple[str, int]] = []

    class Sink:
        def write(self, name: str, data: bytes) -> None:
            written.append((name, len(seen)))

    verifier: Any = AcceptAll()
    verify_shipment(discover_shipment(ship), verifier, render=_render, reports=Sink(), jobs=1,
                    on_result=lambda r: seen.append(r.server))  # fmt: skip
    assert written == [(report_name(f"server-{i:05d}"), i) for i in range(5)]


@pytest.mark.parametrize("jobs", [1, 2])
def test_copies_are_found_and_their_reports_say_so(tmp_path: Path, jobs: int) -> None:
    ship = _shipment(tmp_path, 6, copy_of={4: 1})  # server 4: a copy of server 1
    verifier: Any = AcceptAll()
    out = tmp_path / "out"
    with StagedReportDir(out) as staged:
        results = verify_shipment(discover_shipment(ship), verifier, render=_render,
                                  reports=staged, jobs=jobs)  # fmt: skip
        staged.commit()
    failed = {r.server: r.duplicates for r in results if r.duplicates}
    assert sorted(failed) == ["server-00001", "server-00004"]
    assert failed["server-00001"][0] == "duplicate: the same signed HBOM as server-00004"
    report = orjson.loads((out / report_name("server-00004")).read_bytes())
    assert report["verdict"] == "fail"
    assert orjson.loads((out / report_name("server-00000")).read_bytes())["verdict"] == "pass"
    assert all(r.fingerprint is None for r in results)  # nothing but keys was kept


def _fingerprints(rng: random.Random, n: int) -> list[DeliveryResult]:
    out = []
    for i in range(n):
        digest = f"{rng.randrange(n + n // 4):064x}"  # some signed HBOMs repeat
        observed = f"{rng.randrange(2 * n):064x}" if rng.random() < 0.8 else None
        serials = {f"sn-{rng.randrange(40 * n)}": f"serial {k} of part {k}" for k in range(20)}
        fp = Fingerprint(digest, observed, serials)
        out.append(DeliveryResult(f"s{i:04d}", SourceInfo("x"), None, None, True, fingerprint=fp))
    return out


@pytest.mark.parametrize("seed", range(5))
def test_compact_keys_name_the_same_duplicates_as_full_fingerprints(seed: int) -> None:
    results = _fingerprints(random.Random(seed), 300)
    expected = duplicate_reasons(results)
    assert expected  # the case is not trivial
    index = DuplicateIndex()
    for i, r in enumerate(results):
        assert r.fingerprint is not None
        index.add(i, keys_of(r.fingerprint))
    found, shared = index.candidates()
    assert set(expected) <= {results[i].server for i in found}
    restricted = []
    for i in found:
        fp = results[i].fingerprint
        assert fp is not None
        restricted.append(DeliveryResult(results[i].server, SourceInfo("x"), None, None, True,
                                          fingerprint=restrict(fp, shared)))  # fmt: skip
    assert duplicate_reasons(restricted) == expected


class _NoBytesToParent(StagedReportDir):
    """A staging directory that refuses reports handed to it: the workers must write them."""

    recorded: list[str]

    def write(self, name: str, data: bytes) -> None:
        raise AssertionError(f"the report {name} travelled to the parent process")

    def record(self, name: str) -> None:
        self.recorded.append(name)
        super().record(name)


@pytest.mark.parametrize("jobs", [1, 2])
def test_workers_write_their_reports_into_the_staging_directory(tmp_path: Path, jobs: int) -> None:
    ship = _shipment(tmp_path, 6, copy_of={5: 2})
    servers = discover_shipment(ship)
    verifier: Any = AcceptAll()
    out = tmp_path / "out"
    with _NoBytesToParent(out) as staged:
        staged.recorded = []
        results = verify_shipment(servers, verifier, render=_render, reports=staged, jobs=jobs)
        assert not out.exists()  # nothing in place before the commit
        staged.commit()
    names = [report_name(s.server) for s in servers]
    # every report recorded as its server finished; the duplicates' again once re-rendered
    assert staged.recorded == [*names, names[2], names[5]]
    assert sorted(p.name for p in out.iterdir()) == names
    for r in results:
        doc = orjson.loads((out / report_name(r.server)).read_bytes())
        assert (doc["server"], doc["verdict"]) == (r.server, str(r.verdict))
        assert bool(doc["reasons"]) == bool(r.duplicates)
    assert [r.server for r in results if r.duplicates] == ["server-00002", "server-00005"]


def test_a_report_recorded_but_not_written_fails_the_commit(tmp_path: Path) -> None:
    from sovbom.errors import InputError

    out = tmp_path / "out"
    staged = StagedReportDir(out)
    with staged, pytest.raises(InputError, match="cannot write the reports"):
        staged.record("server-1.delivery.json")  # the error surfaces here or at the commit
        staged.commit()
    assert not out.exists()
    assert not list(tmp_path.iterdir())  # the staging directory is gone too


def test_every_report_recorded_is_flushed_to_disk_before_the_commit(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """Recorded files are flushed in batches: the last, partial batch too, before they are put
    in place."""
    from sovbom.delivery import report_dir

    synced: list[str] = []
    monkeypatch.setattr(report_dir, "_sync", lambda path: synced.append(path.name))
    out = tmp_path / "out"
    names = [f"server-{i}.delivery.json" for i in range(report_dir.SYNC_BATCH * 2 + 3)]
    with StagedReportDir(out) as staged:
        for name in names:
            (staged.staging / name).write_bytes(b"{}")
            staged.record(name)
        assert not out.exists()
        staged.commit()
    assert sorted(synced) == sorted(names)
    assert sorted(p.name for p in out.iterdir()) == sorted(names)


def test_the_expected_hbom_is_hashed_once_per_server(tmp_path: Path, monkeypatch: Any) -> None:
    """The digest the signature is checked with is the one the report and fingerprint carry."""
    import importlib

    from sovbom.delivery.shipment import verify_server

    assess_module = importlib.import_module("sovbom.delivery.assess")
    shipment_module = importlib.import_module("sovbom.delivery.shipment")
    inputs = discover_shipment(_shipment(tmp_path, 1))[0]
    data = inputs.expected.read_bytes()
    assert inputs.observed is not None
    inputs.observed.write_bytes(data + b"\n")  # another size: its own digest is not counted
    given: list[str | None] = []

    class Recording(AcceptAll):
        def verify_bytes(self, data: bytes, bundle: bytes, *, name: str, bundle_name: str,
                         sha256: str | None = None) -> Any:  # fmt: skip
            given.append(sha256)
            return super().verify_bytes(data, bundle, name=name, bundle_name=bundle_name)

    hashed: list[int] = []

    def counting(b: bytes) -> str:
        hashed.append(len(b))
        return hashlib.sha256(b).hexdigest()

    monkeypatch.setattr(assess_module, "sha256_hex", counting)
    monkeypatch.setattr(shipment_module, "sha256_hex", counting)
    verifier: Any = Recording()
    result = verify_server(inputs, verifier)
    digest = hashlib.sha256(data).hexdigest()
    assert given == [digest]
    assert result.expected.sha256 == digest
    assert hashed.count(len(data)) == 1  # the expected HBOM, once (the observed one apart)


def test_a_workers_item_travels_as_builtins_and_arrives_whole() -> None:
    from sovbom.delivery import shipment
    from sovbom.delivery.duplicates import ServerKeys
    from sovbom.delivery.model import ResultFacts
    from sovbom.delivery.spool import PackedResult

    facts = ResultFacts("server-1", True, False, False, True)
    keys = ServerKeys(b"e" * 32, None, tuple(bytes([i]) * 8 for i in range(16)))
    for item in ((PackedResult(b"pickled", facts), b"report", keys),
                 (PackedResult(b"pickled", facts), None, None)):  # fmt: skip
        wire = shipment._wired(item)
        assert all(type(v) in (bytes, tuple, type(None)) for v in wire)
        assert shipment._unwired(wire) == item

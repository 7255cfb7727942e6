"""The dashboard's stored checks: kept by recheck, keyed by BOM, policy, date and level."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fleet_support import SAMPLES, part, policy, server_bom, write

from sovbom.fleet.checkviews import build_view, load_view
from sovbom.fleet.ingest import IngestInput, ingest
from sovbom.fleet.recheck import recheck
from sovbom.fleet.store import FleetStore, open_store
from sovbom.policy import load_policy
from sovbom.web import queries
from sovbom.web.views import Dashboard

DAY = dt.date(2026, 6, 1)


def _fleet(tmp_path: Path, db_url: str) -> FleetStore:
    paths = sorted(str(p) for p in SAMPLES.glob("*.hbom.cdx.json"))
    for i in range(3):
        parts = [part("hw:gpu", "GPU", "gpu", "CN" if i else "US", part_number=f"GPU-{i}")]
        paths.append(str(write(tmp_path / f"s{i}.json", server_bom(f"S{i}", parts=parts))))
    store = open_store(db_url, create=True)
    ingest(store, [IngestInput(p) for p in paths])
    return store


def _sha(store: FleetStore, key: str) -> str:
    return str(queries.server_detail(store, key).versions[0]["sha256"])


def test_recheck_stores_the_check_the_dashboard_would_make(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _fleet(tmp_path, db_url)
    try:
        pol = load_policy(policy(tmp_path / "p.yaml", denied=["CN"]))
        recheck(store, pol, as_of=DAY, jobs=1)
        keys = [r["key"] for r in queries.list_servers(store, limit=50).rows]
        for key in keys:
            stored = load_view(store, _sha(store, key), pol.sha256, DAY, "high")
            assert stored is not None, key
            fresh = build_view(queries.check_newest(store, key, pol, as_of=DAY, fail_on="high"))
            assert stored == fresh, key
        assert load_view(store, _sha(store, "S1"), pol.sha256, DAY, "high").verdict == "fail"  # type: ignore[union-attr]

        # the page comes from the stored view: the dashboard does not check the BOM again
        def no_check(*args: object, **kwargs: object) -> None:
            raise AssertionError("checked again")

        monkeypatch.setattr(queries, "check_newest", no_check)
        page = Dashboard(store, pol, as_of=DAY).server("S1", limit=1)
        assert page["check"]["verdict"] == "fail" and page["check"]["findings"]["total"] >= 1
        assert page["check"]["findings"]["items"][0]["path_labels"]
    finally:
        store.close()


def test_a_view_is_never_shown_for_another_policy_date_or_level(
    db_url: str, tmp_path: Path
) -> None:
    store = _fleet(tmp_path, db_url)
    try:
        lenient = load_policy(policy(tmp_path / "lenient.yaml"))
        strict = load_policy(policy(tmp_path / "strict.yaml", denied=["CN"]))
        recheck(store, lenient, as_of=DAY, jobs=1)
        sha = _sha(store, "S1")
        assert load_view(store, sha, lenient.sha256, DAY, "high") is not None
        assert load_view(store, sha, strict.sha256, DAY, "high") is None
        assert load_view(store, sha, lenient.sha256, DAY + dt.timedelta(days=1), "high") is None
        assert load_view(store, sha, lenient.sha256, DAY, "low") is None
        # the dashboard under the strict policy checks the BOM itself: S1 carries a CN part
        assert Dashboard(store, strict, as_of=DAY).server("S1")["check"]["verdict"] == "fail"
        assert Dashboard(store, lenient, as_of=DAY).server("S1")["check"]["verdict"] == "pass"
        # a second recheck under the same key replaces the stored views
        recheck(store, lenient, as_of=DAY, jobs=1)
        assert load_view(store, sha, lenient.sha256, DAY, "high") is not None
    finally:
        store.close()


def test_a_view_made_by_another_sovbom_version_is_not_shown(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stored check carries the version that made it: after an upgrade (rules or drawing may
    differ) the page checks the BOM itself until the next recheck stores new views."""
    from sovbom.fleet import checkviews

    store = _fleet(tmp_path, db_url)
    try:
        pol = load_policy(policy(tmp_path / "p.yaml"))
        recheck(store, pol, as_of=DAY, jobs=1)
        sha = _sha(store, "S1")
        assert load_view(store, sha, pol.sha256, DAY, "high") is not None
        monkeypatch.setattr(checkviews, "__version__", "99.0.0")
        assert load_view(store, sha, pol.sha256, DAY, "high") is None
        recheck(store, pol, as_of=DAY, jobs=1)
        assert load_view(store, sha, pol.sha256, DAY, "high").made_by == "99.0.0"  # type: ignore[union-attr]
    finally:
        store.close()

"""Every check report format says which parts proved their hardware identity, on what basis,
and why the others did not (named reasons); the HTML graph marks them, with a legend."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from device_pki import VendorPKI
from test_identity_levels import DAY, LOOSE, _check

from sovbom.project_schemas import validator
from sovbom.report.interface import ReportFormat, renderer_for


@pytest.fixture
def report(tmp_path: Path, pki: VendorPKI) -> Any:
    return _check(tmp_path, pki, LOOSE, tamper=True)  # gpu0 tampered, gpu1 genuine


def test_json_report_has_the_basis_and_the_reasons(report: Any, pki: VendorPKI) -> None:
    doc = json.loads(renderer_for(ReportFormat.JSON).check(report))
    assert not list(validator("check-report.schema.json").iter_errors(doc))
    parts = {p["bom-ref"]: p for p in doc["hardware_identity"]}
    good, bad = parts["f:gpu1"], parts["f:gpu0"]
    assert good["proved"] is True and good["root"] == pki.vendor
    assert good["root_sha256"] == pki.root_der_sha256()
    assert good["measurements_verified"] == ["1", "2"]
    assert good["nonce"] == "not-sent" and good["revocation"] == "not-checked"
    assert "revocation not checked" in good["basis"]
    assert bad["proved"] is False
    assert [r["reason"] for r in bad["reasons"]] == ["signature-invalid"]
    assert bad["why_not"].startswith("signature-invalid")


def test_json_report_leaves_the_section_out_when_not_checked(
    tmp_path: Path, pki: VendorPKI
) -> None:
    from test_identity_levels import _files

    from sovbom.checking import check_bom
    from sovbom.cyclonedx.reader import load_bom
    from sovbom.policy import policy_from_dict

    _, fac, _ = _files(tmp_path, pki, tamper=False)
    plain = check_bom(load_bom(fac), policy_from_dict(LOOSE), as_of=DAY, fail_on="medium")
    assert "hardware_identity" not in json.loads(renderer_for(ReportFormat.JSON).check(plain))


@pytest.mark.parametrize("fmt", [ReportFormat.TABLE, ReportFormat.MARKDOWN])
def test_text_formats_say_proved_and_why_not(report: Any, fmt: ReportFormat) -> None:
    text = " ".join(renderer_for(fmt).check(report).decode().split())  # wrapped lines joined
    assert "Hardware identity" in text
    assert "1 of 2 part(s) with identity evidence proved their identity" in text
    if fmt is ReportFormat.TABLE:
        assert re.search(r"NOT proved f:gpu0: signature-invalid", text)
        assert re.search(r"proved f:gpu1: chain to Acme GPU root [^|]*revocation not checked", text)
    else:
        assert re.search(r"\| `f:gpu0` \| no \| signature-invalid", text)
        assert re.search(
            r"\| `f:gpu1` \| \*\*yes\*\* \| chain to [^|]*revocation not checked", text
        )


def test_sarif_carries_the_identity_in_the_run_properties(report: Any) -> None:
    doc = json.loads(renderer_for(ReportFormat.SARIF).check(report))
    parts = {p["bom-ref"]: p for p in doc["runs"][0]["properties"]["hardwareIdentity"]}
    assert parts["f:gpu1"]["proved"] and not parts["f:gpu0"]["proved"]
    assert parts["f:gpu0"]["reasons"][0]["reason"] == "signature-invalid"


def test_html_graph_marks_proved_parts_with_a_legend(report: Any) -> None:
    html = renderer_for(ReportFormat.HTML).check(report).decode()
    assert 'class="l-hw-proved"' in html and 'class="l-hw-failed"' in html  # the legend
    assert "Hardware identity (1 of 2 proved)" in html
    nodes = dict(
        re.findall(r'<g class="node" data-ref="([^"]+)">(<circle class="hw-[a-z-]+")?', html)
    )
    # the two GPUs are drawn once (x2): one did not prove its identity, so the ring says so
    assert nodes["f:gpu0"] == '<circle class="hw-failed"'
    assert nodes["server"] == ""  # no identity evidence: no ring
    assert "hardware identity proved by 1 of 2" in html
    assert "NOT proved: f:gpu0: signature-invalid" in html


def test_html_graph_ring_for_a_proved_part(tmp_path: Path, pki: VendorPKI) -> None:
    html = renderer_for(ReportFormat.HTML).check(_check(tmp_path, pki, LOOSE, tamper=False))
    nodes = dict(
        re.findall(
            r'<g class="node" data-ref="([^"]+)">(<circle class="hw-[a-z-]+")?', html.decode()
        )
    )
    assert nodes["f:gpu0"] == '<circle class="hw-proved"'
    assert "hardware identity proved by 2 of 2" in html.decode()

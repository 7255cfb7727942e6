"""The profiles are data: every element names a probe that exists; verdicts per element."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from sovbom.conformance import (
    FailOn,
    ProfileId,
    Scope,
    Status,
    check_conformance,
    load_profile,
)
from sovbom.cyclonedx.reader import load_bom, parse_bom

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "conformance"


def _doc(**over: object) -> dict:
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "version": 1,
        "metadata": {
            "timestamp": "2026-03-01T10:00:00Z",
            "authors": [{"name": "Build Team", "email": "build@example.com"}],
            "tools": {"components": [{"type": "application", "name": "gen", "version": "1.0"}]},
            "lifecycles": [{"phase": "build"}],
            "component": {
                "type": "application",
                "bom-ref": "app",
                "name": "app",
                "version": "2",
                "supplier": {"name": "Example Ltd"},
                "purl": "pkg:generic/app@2",
                "hashes": [{"alg": "SHA-256", "content": "11" * 32}],
                "licenses": [{"license": {"id": "Apache-2.0"}}],
            },
        },
        "components": [
            {
                "type": "library",
                "bom-ref": "lib",
                "name": "lib",
                "version": "1.2.3",
                "supplier": {"name": "Example Ltd"},
                "purl": "pkg:pypi/lib@1.2.3",
                "hashes": [{"alg": "SHA-256", "content": "00" * 32}],
                "licenses": [{"license": {"id": "MIT"}}],
            }
        ],
        "dependencies": [{"ref": "app", "dependsOn": ["lib"]}, {"ref": "lib", "dependsOn": []}],
    }
    doc.update(over)
    return doc


def _report(doc: dict, profile: ProfileId, **kw: object):
    bom = parse_bom(json.dumps(doc, indent=1).encode(), "t.cdx.json")
    return check_conformance(bom, load_profile(profile), **kw)


def _status(report, ref: str, element: str) -> Status:
    row = next(c for c in report.components if c.ref == ref)
    return next(v.status for v in row.verdicts if v.element.id == element)


@pytest.mark.parametrize("profile", list(ProfileId), ids=str)
def test_every_profile_loads_and_cites_its_source(profile: ProfileId) -> None:
    p = load_profile(profile)
    assert p.id == profile.value and p.source.publisher and p.source.date
    assert p.of_scope(Scope.DOCUMENT) and p.of_scope(Scope.COMPONENT)
    assert len({e.id for e in p.elements}) == len(p.elements)
    assert all(e.section and e.definition for e in p.elements)


def test_ntia_lists_the_seven_data_fields() -> None:
    names = [e.name for e in load_profile(ProfileId.NTIA_2021).elements]
    assert sorted(names) == sorted(
        [
            "Supplier Name",
            "Component Name",
            "Version of the Component",
            "Other Unique Identifiers",
            "Dependency Relationship",
            "Author of SBOM Data",
            "Timestamp",
        ]
    )


def test_cisa_2026_has_nine_metadata_and_eight_component_elements() -> None:
    p = load_profile(ProfileId.CISA_2026)
    assert len(p.of_scope(Scope.DOCUMENT)) == 9 and len(p.of_scope(Scope.COMPONENT)) == 8


def test_a_complete_bom_conforms_to_ntia() -> None:
    report = _report(_doc(), ProfileId.NTIA_2021)
    assert report.conforms and not report.fails
    assert report.counts()["missing"] == 0


def test_missing_supplier_and_version_are_reported_per_component() -> None:
    doc = _doc()
    del doc["components"][0]["supplier"]
    doc["components"][0]["version"] = "NOASSERTION"
    report = _report(doc, ProfileId.NTIA_2021)
    assert _status(report, "lib", "supplier") is Status.MISSING
    assert _status(report, "lib", "version") is Status.UNKNOWN  # an explicit unknown
    assert not report.conforms and report.fails


def test_explicit_unknown_passes_unless_fail_on_unknown() -> None:
    doc = _doc()
    doc["components"][0]["version"] = "unknown"
    assert not _report(doc, ProfileId.NTIA_2021).fails
    assert _report(doc, ProfileId.NTIA_2021, fail_on=FailOn.UNKNOWN).fails
    doc["components"][0].pop("version")
    assert not _report(doc, ProfileId.NTIA_2021, fail_on=FailOn.NEVER).fails


def test_dependency_relationship_missing_and_known_unknown() -> None:
    doc = _doc(dependencies=[])
    assert _status(_report(doc, ProfileId.NTIA_2021), "lib", "dependency-relationship") is (
        Status.MISSING
    )
    doc["compositions"] = [{"aggregate": "unknown", "assemblies": ["lib"]}]
    assert _status(_report(doc, ProfileId.NTIA_2021), "lib", "dependency-relationship") is (
        Status.UNKNOWN
    )


def test_cisa_does_not_accept_a_tool_as_author_but_ntia_does() -> None:
    doc = _doc()
    del doc["metadata"]["authors"]
    ntia = _report(doc, ProfileId.NTIA_2021)
    cisa = _report(doc, ProfileId.CISA_2026)
    assert next(v for v in ntia.document if v.element.id == "sbom-author").status is Status.PRESENT
    assert next(v for v in cisa.document if v.element.id == "sbom-author").status is Status.MISSING


def test_cisa_signature_counts_a_detached_bundle() -> None:
    doc = _doc()
    without = _report(doc, ProfileId.CISA_2026)
    with_bundle = _report(doc, ProfileId.CISA_2026, bundle="t.cdx.json.sigstore.json")
    sig = "sbom-author-signature"
    assert next(v for v in without.document if v.element.id == sig).status is Status.MISSING
    assert next(v for v in with_bundle.document if v.element.id == sig).status is Status.PRESENT


def test_bsi_wants_sha512_contacts_and_its_properties() -> None:
    report = _report(_doc(), ProfileId.BSI_TR_03183_2)
    assert _status(report, "lib", "hash-deployable") is Status.MISSING  # only SHA-256
    assert _status(report, "lib", "filename") is Status.MISSING
    assert _status(report, "lib", "component-creator") is Status.MISSING  # a name is not enough
    doc = _doc()
    lib = doc["components"][0]
    lib["hashes"].append({"alg": "SHA-512", "content": hashlib.sha512(b"lib").hexdigest()})
    lib["manufacturer"] = {"name": "Example Ltd", "url": ["https://example.com"]}
    lib["properties"] = [
        {"name": "bsi:component:filename", "value": "lib-1.2.3.whl"},
        {"name": "bsi:component:executable", "value": "non-executable"},
        {"name": "bsi:component:archive", "value": "archive"},
        {"name": "bsi:component:structured", "value": "structured"},
    ]
    report = _report(doc, ProfileId.BSI_TR_03183_2)
    for element in ("hash-deployable", "filename", "component-creator", "executable"):
        assert _status(report, "lib", element) is Status.PRESENT
    # completeness of dependencies must be stated in a composition
    assert _status(report, "lib", "dependencies") is Status.MISSING
    doc["compositions"] = [{"aggregate": "complete", "dependencies": ["app", "lib"]}]
    assert _status(_report(doc, ProfileId.BSI_TR_03183_2), "lib", "dependencies") is Status.PRESENT


def test_hardware_is_not_asked_for_a_hash_or_licence() -> None:
    bom = load_bom(REPO / "samples" / "hgx-b200-jp.hbom.cdx.json")
    report = check_conformance(bom, load_profile(ProfileId.CISA_2026))
    server = report.components[0]
    assert server.ref == "hw:server" and server.type == "device"
    statuses = {v.element.id: v.status for v in server.verdicts}
    assert statuses["component-hash-value"] is Status.NOT_APPLICABLE
    assert statuses["component-license"] is Status.NOT_APPLICABLE
    # hardware is identified by its part and serial numbers
    assert statuses["component-identifiers"] is Status.PRESENT
    firmware = next(c for c in report.components if c.type == "firmware")
    fw = {v.element.id: v.status for v in firmware.verdicts}
    assert fw["component-hash-value"] is Status.PRESENT
    assert fw["component-license"] is Status.MISSING

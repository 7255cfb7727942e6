from __future__ import annotations

from typing import Any

from sovbom.cyclonedx.integrity import integrity_problems


def _doc(
    components: list[dict[str, Any]], deps: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {"component": {"type": "device", "name": "srv", "bom-ref": "root"}},
        "components": components,
    }
    if deps is not None:
        doc["dependencies"] = deps
    return doc


def _dev(
    ref: str, serial: str | None = None, children: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    c: dict[str, Any] = {"type": "device", "name": ref, "bom-ref": ref}
    if serial:
        c["properties"] = [{"name": "cdx:device:serialNumber", "value": serial}]
    if children:
        c["components"] = children
    return c


def test_consistent_document_has_no_problems() -> None:
    doc = _doc(
        [_dev("a", "S1", [_dev("b", "S2")])],
        [{"ref": "root", "dependsOn": ["a"]}, {"ref": "a", "dependsOn": ["b"]}],
    )
    assert integrity_problems(doc) == []


def test_duplicate_bom_ref_in_nested_component() -> None:
    doc = _doc([_dev("a", children=[_dev("a")])])
    [p] = integrity_problems(doc)
    assert p.path == "$.components[0].components[0].bom-ref"
    assert "duplicate bom-ref 'a'" in p.message and "$.components[0]" in p.message


def test_dependency_naming_unknown_refs() -> None:
    doc = _doc(
        [_dev("a")], [{"ref": "ghost", "dependsOn": ["a"]}, {"ref": "a", "dependsOn": ["nowhere"]}]
    )
    problems = {p.path: p.message for p in integrity_problems(doc)}
    assert problems == {
        "$.dependencies[0].ref": "dependency names unknown bom-ref 'ghost'",
        "$.dependencies[1].dependsOn[0]": "dependsOn names unknown bom-ref 'nowhere'",
    }


def test_bom_link_targets_are_allowed() -> None:
    doc = _doc(
        [_dev("a")],
        [{"ref": "a", "dependsOn": ["urn:cdx:4f6f0d9a-6a0e-4b43-9c1e-5a7d2b1c0e11/1#x"]}],
    )
    assert integrity_problems(doc) == []


def test_self_dependency() -> None:
    [p] = integrity_problems(_doc([_dev("a")], [{"ref": "a", "dependsOn": ["a"]}]))
    assert p.path == "$.dependencies[0].dependsOn[0]" and "depends on itself" in p.message


def test_dependency_listed_twice() -> None:
    [p] = integrity_problems(_doc([_dev("a")], [{"ref": "a"}, {"ref": "a"}]))
    assert p.path == "$.dependencies[1].ref" and "listed twice" in p.message


def test_duplicate_serial_among_parts() -> None:
    doc = _doc([_dev("a", "SN-1"), _dev("b", children=[_dev("c", "SN-1")])])
    [p] = integrity_problems(doc)
    assert p.path == "$.components[1].components[0]"
    assert "duplicate serial number 'SN-1'" in p.message


def test_placeholder_serials_are_not_duplicates() -> None:
    doc = _doc(
        [_dev("a", "Not Specified"), _dev("b", "Not Specified"), _dev("c", "--"), _dev("d", "--")]
    )
    assert integrity_problems(doc) == []


def test_software_sharing_a_serial_property_is_not_a_hardware_duplicate() -> None:
    fw = {
        "type": "firmware",
        "name": "fw",
        "bom-ref": "fw",
        "properties": [{"name": "cdx:device:serialNumber", "value": "S"}],
    }
    assert integrity_problems(_doc([_dev("a", "S"), fw])) == []


def test_places_of_problems_across_nesting_and_services() -> None:
    doc = _doc(
        [_dev("a", "S1", [_dev("b"), "not a component", _dev("c", "S1")]), _dev("b")],
        [{"ref": "a", "dependsOn": ["b", ["unhashable"], "a", "ghost"]}],
    )
    doc["services"] = [{"bom-ref": "svc"}, {"bom-ref": "a", "services": [{"bom-ref": "svc"}]}]
    assert [str(p) for p in integrity_problems(doc)] == [
        "$.components[1].bom-ref: duplicate bom-ref 'b' (first at $.components[0].components[0])",
        "$.services[1].bom-ref: duplicate bom-ref 'a' (first at $.components[0])",
        "$.services[1].services[0].bom-ref: duplicate bom-ref 'svc' (first at $.services[0])",
        "$.components[0].components[2]: duplicate serial number 'S1' (also at $.components[0])",
        "$.dependencies[0].dependsOn[2]: 'a' depends on itself",
        "$.dependencies[0].dependsOn[3]: dependsOn names unknown bom-ref 'ghost'",
    ]

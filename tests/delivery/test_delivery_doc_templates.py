"""Documents a shipment repeats but for their serials: read once (doc_templates). Whatever
differs, the result is the one extract() gives; a document's nesting is checked wherever it is not
the template's."""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from delivery_support import device

import sovbom.delivery  # noqa: F401 - the package first: its extract function hides the module
from sovbom._io import MAX_JSON_DEPTH
from sovbom.errors import InputError

templates = sys.modules["sovbom.delivery.doc_templates"]
extract = sys.modules["sovbom.delivery.extract"].extract
extract_shared = templates.extract_shared


def _doc(s: str = "A") -> dict[str, Any]:
    fw = {"type": "firmware", "bom-ref": "fw:bmc", "name": "BMC fw", "version": "1.0",
          "hashes": [{"alg": "SHA-256", "content": "ab" * 32}]}  # fmt: skip
    board = device("hw:board", f"{s}-MB", components=[
        device("hw:dimm0", f"{s}-D0"), device("hw:dimm1", f"{s}-D1"),
        device("hw:bmc", f"{s}-BMC", components=[fw]),
    ])  # fmt: skip
    root = device("hw:server", f"{s}-SRV")
    return {
        "bomFormat": "CycloneDX",
        "metadata": {"component": root, "properties": []},
        "components": [board, device("hw:psu0", f"{s}-PSU")],
        "dependencies": [{"ref": "hw:server", "dependsOn": ["hw:board"]}],
    }


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    saved = dict(templates._TEMPLATES)
    templates._TEMPLATES.clear()
    yield
    templates._TEMPLATES.clear()
    templates._TEMPLATES.update(saved)


def _template() -> None:
    extract_shared(_doc("T1"), "doc.cdx.json")
    extract_shared(_doc("T2"), "doc.cdx.json")  # seen twice: a template
    assert any(isinstance(t, templates._Template) for t in templates._TEMPLATES.values())


def _dimm(d: dict[str, Any]) -> dict[str, Any]:
    dimm: dict[str, Any] = d["components"][0]["components"][0]
    return dimm


VARIANTS: dict[str, Callable[[dict[str, Any]], None]] = {
    "only its serials": lambda d: None,
    "a padded serial": lambda d: _dimm(d)["properties"][1].update(value="  S-3 "),
    "a placeholder serial": lambda d: _dimm(d)["properties"][1].update(value="Not Specified"),
    "a serial that is no string": lambda d: _dimm(d)["properties"][1].update(value=12345),
    "a serial entry with more in it": lambda d: _dimm(d)["properties"][1].update(note="x"),
    "two serials": lambda d: _dimm(d)["properties"].append(
        {"name": "cdx:device:serialNumber", "value": "X"}
    ),
    "no serial entry there": lambda d: _dimm(d)["properties"].pop(1),
    "another slot": lambda d: _dimm(d)["properties"][2].update(value="SLOT-9"),
    "another name": lambda d: _dimm(d).update(name="other"),
    "a name that is a number": lambda d: _dimm(d).update(name=1),
    "another manufacturer": lambda d: _dimm(d)["manufacturer"].update(name="SK hynix"),
    "one part less": lambda d: d["components"][0]["components"].pop(1),
    "one part more": lambda d: d["components"][0]["components"].append(device("hw:x", "X-1")),
    "parts in another order": lambda d: d["components"][0]["components"].reverse(),
    "a bom-ref twice": lambda d: d["components"].append(device("hw:dimm0", "DUP")),
    "another server serial": lambda d: d["metadata"]["component"]["properties"][1].update(
        value="ELSEWHERE"
    ),
    "firmware with another hash": lambda d: d["components"][0]["components"][2]["components"][0][
        "hashes"
    ][0].update(content="cd" * 32),
    "another document serial number": lambda d: d.update(serialNumber="urn:uuid:x"),
    "keys in another order": lambda d: d["components"][0]["components"].__setitem__(
        0, dict(reversed(_dimm(d).items()))
    ),
    "a number for a string": lambda d: _dimm(d)["properties"][2].update(value=1.0),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_a_document_reads_as_extract_reads_it(variant: str) -> None:
    _template()
    changed = _doc("N")
    VARIANTS[variant](changed)
    kept = copy.deepcopy(changed)
    assert repr(extract_shared(changed, "doc.cdx.json")) == repr(extract(copy.deepcopy(changed)))
    assert changed == kept  # never changed
    # and the template again, after the change
    assert repr(extract_shared(_doc("M"), "doc.cdx.json")) == repr(extract(_doc("M")))


def test_the_template_reads_a_document_differing_only_in_its_serials() -> None:
    _template()
    calls = []
    real = templates.extract
    templates.extract = lambda doc: calls.append(doc) or real(doc)
    try:
        server, parts, loose = extract_shared(_doc("N"), "doc.cdx.json")
    finally:
        templates.extract = real
    assert calls == []  # not read component by component
    assert server is not None and server.serial == "N-SRV"
    assert [p.serial for p in parts] == ["N-MB", "N-D0", "N-D1", "N-BMC", "N-PSU"]
    assert [f.ref for f in parts[3].firmware] == ["fw:bmc"]
    _, again, _ = extract_shared(_doc("O"), "doc.cdx.json")
    assert again[3].firmware is not parts[3].firmware  # each part its own list
    assert loose == []


def test_a_template_failing_documents_in_a_row_is_made_again() -> None:
    _template()
    other = [_doc("X") for _ in range(templates.MAX_MISSES)]
    for d in other:
        _dimm(d)["name"] = "another kind of part"
        extract_shared(d, "doc.cdx.json")
    assert set(templates._TEMPLATES.values()) == {None}
    extract_shared(other[0], "doc.cdx.json")  # made again from this kind
    _dimm(changed := _doc("Y"))["name"] = "another kind of part"
    assert repr(extract_shared(changed, "doc.cdx.json")) == repr(extract(copy.deepcopy(changed)))


def _deep(levels: int) -> Any:
    v: Any = "x"
    for _ in range(levels):
        v = [v]
    return v


DEEP: dict[str, Callable[[dict[str, Any]], None]] = {
    "in a part": lambda d: _dimm(d).update(deep=_deep(MAX_JSON_DEPTH)),
    "in a serial": lambda d: _dimm(d)["properties"][1].update(value=_deep(MAX_JSON_DEPTH)),
    "beside a serial": lambda d: _dimm(d)["properties"][1].update(more=_deep(MAX_JSON_DEPTH)),
    "in the dependencies": lambda d: d["dependencies"].append(_deep(MAX_JSON_DEPTH)),
    "in the metadata": lambda d: d["metadata"].update(deep=_deep(MAX_JSON_DEPTH)),
}


@pytest.mark.parametrize("where", sorted(DEEP))
@pytest.mark.parametrize("templated", [False, True])
def test_a_document_too_deep_is_refused_wherever(where: str, templated: bool) -> None:
    if templated:
        extract_shared(_doc("T1"), "t1")
        extract_shared(_doc("T2"), "t2")
    deep = _doc("N")
    DEEP[where](deep)
    with pytest.raises(InputError, match="nested deeper"):
        extract_shared(deep, "deep.cdx.json")
    assert repr(extract_shared(_doc("M"), "m")) == repr(extract(_doc("M")))


class _Verifier:
    """A stand-in for a BundleVerifier: every bundle verifies (calls counted)."""

    def __init__(self) -> None:
        self.calls = 0

    def verify_bytes(self, data: bytes, bundle: bytes, **kw: Any) -> Any:
        from sovbom import signing

        self.calls += 1
        return signing.Verdict(file=kw["name"], bundle=kw["bundle_name"], ok=True,
                               status=signing.Status.VERIFIED, sha256=kw["sha256"])  # fmt: skip


def _server(root: Any, name: str, expected: dict[str, Any], observed: dict[str, Any]) -> Any:
    import orjson

    from sovbom.delivery.shipment import EXPECTED_NAME, OBSERVED_NAME, ServerInputs

    d = root / name
    d.mkdir()
    (d / EXPECTED_NAME).write_bytes(orjson.dumps({**expected, "specVersion": "1.6"}))
    (d / f"{EXPECTED_NAME}.sigstore.json").write_bytes(b"{}")
    (d / OBSERVED_NAME).write_bytes(orjson.dumps({**observed, "specVersion": "1.6"}))
    return ServerInputs(name, d, d / EXPECTED_NAME, d / f"{EXPECTED_NAME}.sigstore.json",
                        d / OBSERVED_NAME)  # fmt: skip


@pytest.mark.parametrize("side", ["expected", "observed"])
@pytest.mark.parametrize("where", ["in the dependencies", "in a part"])
def test_a_server_too_deep_is_refused_as_before(tmp_path: Any, side: str, where: str) -> None:
    """Each server of a shipment built from one template, the last one too deep: refused with
    the error parse_bom gives, before its signature is checked when its factory HBOM is."""
    from sovbom.delivery.shipment import verify_server

    verifier = _Verifier()
    for i in range(3):
        inputs = _server(tmp_path, f"s{i}", _doc(f"E{i}"), _doc(f"E{i}"))
        assert verify_server(inputs, verifier).delivery_ok  # type: ignore[arg-type]
    deep = {"expected": _doc("E9"), "observed": _doc("E9")}
    DEEP[where](deep[side])
    inputs = _server(tmp_path, "s9", deep["expected"], deep["observed"])
    with pytest.raises(InputError, match=f"nested deeper than {MAX_JSON_DEPTH} levels"):
        verify_server(inputs, verifier)  # type: ignore[arg-type]
    assert verifier.calls == 3 + (side == "observed")

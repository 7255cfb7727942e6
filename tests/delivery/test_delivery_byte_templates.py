"""Files a shipment repeats byte for byte but for a few strings: read without being parsed
(byte_templates). Whatever a file holds, a server reads as it reads with every file parsed."""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
from delivery_support import device

import sovbom.delivery  # noqa: F401 - the package first: its extract function hides the module
from sovbom.errors import InputError

byte_templates = sys.modules["sovbom.delivery.byte_templates"]
doc_templates = sys.modules["sovbom.delivery.doc_templates"]
shipment = sys.modules["sovbom.delivery.shipment"]
extract = sys.modules["sovbom.delivery.extract"].extract


def _doc(s: str) -> dict[str, Any]:
    fw = {"type": "firmware", "bom-ref": "fw:bmc", "name": "BMC fw", "version": "1.0",
          "hashes": [{"alg": "SHA-256", "content": "ab" * 32}]}  # fmt: skip
    # the serial entry after the children: the file's order is not the order parts are read in
    board = device("hw:board", f"{s}-MB")
    board = {"components": [
        device("hw:dimm0", f"{s}-D0"), device("hw:dimm1", f"{s}-D1"),
        device("hw:bmc", f"{s}-BMC", components=[fw]),
    ], **board}  # fmt: skip
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": f"urn:uuid:{s}",
        "metadata": {
            "timestamp": f"2026-01-01T00:00:{s}",
            "component": device("hw:server", f"{s}-SRV"),
            "properties": [
                {"name": "sovbom:collection:note", "value": "from a test"},
                {"name": "sovbom:collection:incomplete", "value": "true"},
            ],
        },
        "components": [board, device("hw:psu0", f"{s}-PSU")],
    }


def _file(s: str) -> bytes:
    return orjson.dumps(_doc(s), option=orjson.OPT_INDENT_2)


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    saved = dict(doc_templates._TEMPLATES), list(byte_templates._KNOWN)
    doc_templates._TEMPLATES.clear()
    byte_templates.clear()
    yield
    doc_templates._TEMPLATES.clear()
    doc_templates._TEMPLATES.update(saved[0])
    byte_templates.clear()
    byte_templates._KNOWN.extend(saved[1])


def _read(data: bytes) -> tuple[str, Any]:
    """What a lean delivery reads of a file (its parts, document, what its collection says)."""
    loaded, extracted, said = shipment._read_bom(data, "server/observed.cdx.json", True)
    if said is None:
        said = shipment.observed_complete(loaded.doc)
    loaded = shipment._parts_only(loaded)
    return repr(extracted), (loaded.doc, loaded.spec_version, loaded.source, said)


def _parsed(data: bytes) -> tuple[str, Any]:
    """The same, the file parsed and read component by component."""
    loaded = shipment.parse_bom(data, "server/observed.cdx.json")
    said = shipment.observed_complete(loaded.doc)
    extracted = repr(extract(copy.deepcopy(loaded.doc)))
    loaded = shipment._parts_only(loaded)
    return extracted, (loaded.doc, loaded.spec_version, loaded.source, said)


def _template() -> None:
    for s in ("T1", "T2"):
        _read(_file(s))
    assert len(byte_templates._KNOWN) == 1


def test_a_file_differing_only_in_its_strings_is_read_without_parsing() -> None:
    _template()
    parsed: list[bytes] = []
    real = shipment._parse
    shipment._parse = lambda data, name: parsed.append(data) or real(data, name)
    try:
        for s in ("N", "a much longer serial than the template's", ""):
            assert _read(_file(s)) == _parsed(_file(s))
    finally:
        shipment._parse = real
    assert parsed == []
    known = byte_templates.known(_file("N"))
    assert known is not None
    assert known.serial_number == "urn:uuid:N"
    assert [p.serial for p in known.extracted[1]] == ["N-MB", "N-D0", "N-D1", "N-BMC", "N-PSU"]
    assert known.extracted[0].serial == "N-SRV"
    assert (known.complete, known.notes) == (False, ["from a test"])


def _serial(old: str, new: bytes) -> Callable[[bytes], bytes]:
    return lambda f: f.replace(b'"' + old.encode() + b'"', new, 1)


#: Changes to a file's bytes (of server "N"), with whether a byte template still knows it.
VARIANTS: dict[str, tuple[Callable[[bytes], bytes], bool]] = {
    "a padded serial": (_serial("N-D0", b'"  N-D9 "'), True),
    "a placeholder serial": (_serial("N-D0", b'"Not Specified"'), True),
    "an empty serial": (_serial("N-D0", b'""'), True),
    "a serial in another script": (_serial("N-D0", '"Ω-δ0"'.encode()), True),
    "another document serial number": (_serial("urn:uuid:N", b'"urn:uuid:other"'), True),
    "another timestamp": (_serial("2026-01-01T00:00:N", b'"yesterday"'), True),
    "an escaped character in a serial": (_serial("N-D0", b'"N-\\u0044"'), False),
    "an escaped quote in a serial": (_serial("N-D0", b'"N-\\"D0"'), False),
    "a backslash before the closing quote": (_serial("N-D0", b'"N-D0\\"'), False),
    "a serial that is a number": (_serial("N-D0", b"12345"), False),
    "a serial that is null": (_serial("N-D0", b"null"), False),
    "a serial that is an object": (_serial("N-D0", b'{"a": "b"}'), False),
    "a tab in a serial": (_serial("N-D0", b'"N-\tD0"'), False),
    "a line break in a serial": (_serial("N-D0", b'"N-\nD0"'), False),
    "bytes that are not UTF-8 in a serial": (_serial("N-D0", b'"N-\xff\xfeD0"'), False),
    "an encoded surrogate in a serial": (_serial("N-D0", b'"N-\xed\xa0\x80"'), False),
    "a serial swallowing the next member": (_serial("N-D0", b'"N-D0", "more": "x'), False),
    "another slot": (_serial("SLOT-hw:dimm1", b'"SLOT-9"'), False),
    "another name": (lambda f: f.replace(b'"part hw:dimm0"', b'"other"', 1), False),
    "other white space": (lambda f: f.replace(b'"type": "device"', b'"type":"device"', 1), False),
    "more at the end": (lambda f: f + b" ", False),
    "more at the end, not JSON": (lambda f: f + b"}", False),
    "less at the end": (lambda f: f[:-1], False),
    "nothing": (lambda f: b"", False),
    "the key of a serial entry": (
        lambda f: f.replace(b'"value": "N-D1"', b'"valu": "N-D1"'),
        False,
    ),
    "a duplicate key after a serial": (
        lambda f: f.replace(b'"value": "N-D1"', b'"value": "N-D1", "value": "X"'),
        False,
    ),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_a_changed_file_reads_as_when_parsed(variant: str) -> None:
    _template()
    change, still_known = VARIANTS[variant]
    changed = change(_file("N"))
    assert changed != _file("N")
    assert (byte_templates.known(changed) is not None) == still_known
    try:
        expected = _parsed(changed)
    except InputError as e:  # the file is not a BOM: refused as when every file is parsed
        with pytest.raises(InputError) as raised:
            _read(changed)
        assert str(raised.value) == str(e)
    else:
        assert _read(changed) == expected
    assert _read(_file("M")) == _parsed(_file("M"))  # and the template again, after it


def _dimm0(d: dict[str, Any]) -> dict[str, Any]:
    dimm: dict[str, Any] = d["components"][0]["components"][0]
    return dimm


def _odd(change: Callable[[dict[str, Any], str], None]) -> Callable[[str], bytes]:
    def make(s: str) -> bytes:
        d = _doc(s)
        change(d, s)
        return orjson.dumps(d, option=orjson.OPT_INDENT_2)

    return make


#: Files a byte template cannot be made of (server ``s``): its cut strings would not be exactly
#: the strings it reads.
UNFIT: dict[str, Callable[[str], bytes]] = {
    "a serial written with an escape": lambda s: _file(s).replace(
        f'"{s}-D0"'.encode(), f'"{s}-\\u0044"'.encode()
    ),
    "a serial holding a quote": _odd(lambda d, s: _dimm0(d)["properties"][1].update(value='"')),
    "a sentinel character in a name": _odd(lambda d, s: _dimm0(d).update(name="\ue000")),
    "a sentinel in a name": _odd(lambda d, s: _dimm0(d).update(name="\ue0001\ue001")),
    "a serial's value first in another member": _odd(
        lambda d, s: _dimm0(d)["properties"][0].update(value=f"{s}-D0")
    ),
    # the first found is not the one the document keeps (the last)
    "the serial number twice": lambda s: _file(s).replace(
        b'"specVersion"', f'"serialNumber": "urn:uuid:{s}", "specVersion"'.encode()
    ),
}


@pytest.mark.parametrize("case", sorted(UNFIT))
def test_no_byte_template_is_made_of_a_file_it_would_misread(case: str) -> None:
    odd = UNFIT[case]
    _read(_file("T1"))
    assert _read(odd("T2")) == _parsed(odd("T2"))  # a template of its document, not its bytes
    assert isinstance(next(iter(doc_templates._TEMPLATES.values())), doc_templates._Template)
    assert byte_templates._KNOWN == []
    for s in ("N", "M"):
        assert _read(odd(s)) == _parsed(odd(s))
        assert _read(_file(s)) == _parsed(_file(s))


def test_the_document_a_template_is_made_of_is_left_as_it_was() -> None:
    _read(_file("T1"))
    data = _file("T2")
    doc = orjson.loads(data)
    kept = copy.deepcopy(doc)
    doc_templates.extract_shared(doc, "t2", data)
    assert byte_templates._KNOWN
    assert doc == kept


def test_templates_kept_are_bounded() -> None:
    for i in range(byte_templates.BYTE_TEMPLATES + 3):
        for s in ("A", "B"):
            d = _doc(s)
            d["components"][1]["bom-ref"] = f"hw:psu{i}"  # another kind of document each time
            _read(orjson.dumps(d))
    assert len(byte_templates._KNOWN) == byte_templates.BYTE_TEMPLATES


def test_a_policy_check_parses_every_file() -> None:
    _template()
    calls: list[bytes] = []
    real = byte_templates.known
    shipment.known_bytes = lambda data: calls.append(data) or real(data)
    try:
        shipment._read_bom(_file("N"), "n", False)
    finally:
        shipment.known_bytes = real
    assert calls == []

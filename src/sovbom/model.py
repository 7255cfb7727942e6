"""The provenance model: what sovbom knows about a part or a piece of software.

A :class:`Component` is written to CycloneDX with standard fields first (``manufacturer`` and
``supplier`` with ``address.country``, ``hashes``, ``externalReferences``, nested ``components``)
and the ``sovbom:`` properties of :mod:`sovbom.taxonomy` for the rest. :func:`provenance_of` reads
any CycloneDX component back into a :class:`Provenance`, always preferring the standard fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sovbom import taxonomy as tx
from sovbom.countries import normalize_country

#: CycloneDX hash algorithm names, accepted case-insensitively with or without the dash.
HASH_ALGORITHMS = (
    "MD5",
    "SHA-1",
    "SHA-256",
    "SHA-384",
    "SHA-512",
    "SHA3-256",
    "SHA3-384",
    "SHA3-512",
    "BLAKE2b-256",
    "BLAKE2b-384",
    "BLAKE2b-512",
    "BLAKE3",
)
_HASH_NAMES = {a.replace("-", "").lower(): a for a in HASH_ALGORITHMS}


def normalize_hash_alg(name: str) -> str | None:
    return _HASH_NAMES.get(name.replace("-", "").replace("_", "").lower())


@dataclass(frozen=True, slots=True)
class Organization:
    """A manufacturer or supplier: a name and the ISO 3166-1 alpha-2 country of its address."""

    name: str
    country: str | None = None
    url: str | None = None

    def to_cdx(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.country:
            out["address"] = {"country": self.country}
        if self.url:
            out["url"] = [self.url]
        return out


@dataclass(frozen=True, slots=True)
class ProductionStep:
    """One step of making a part: PCB assembly, final assembly, test ... at a site, in a country."""

    step: str
    site: str | None = None
    country: str | None = None
    date: str | None = None
    #: ISO 3166-2 subdivision (``JP-13``), when declared
    subdivision: str | None = None
    performed_by: str | None = None
    lot: str | None = None
    #: the stage's value (a cost, or a share in percent), in the sense ``basis`` states
    value: str | None = None
    basis: str | None = None

    def field(self, name: str) -> str | None:
        """A field by its property name (``performed-by``, ``site`` ...)."""
        value = getattr(self, name.replace("-", "_"))
        return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    """A reference to something that vouches for a component: a signed sub-BOM, an attestation."""

    kind: (
        str  # a CycloneDX externalReference type: bom, attestation, evidence, certification-report
    )
    url: str
    sha256: str | None = None
    comment: str | None = None

    def to_cdx(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.kind, "url": self.url}
        if self.comment:
            out["comment"] = self.comment
        if self.sha256:
            out["hashes"] = [{"alg": "SHA-256", "content": self.sha256.lower()}]
        return out


@dataclass(slots=True)
class Component:
    """A hardware part, a piece of firmware or software, with its provenance."""

    ref: str
    name: str
    type: str = "device"
    cls: str | None = None
    version: str | None = None
    description: str | None = None
    group: str | None = None
    manufacturer: Organization | None = None
    supplier: Organization | None = None
    origin_country: str | None = None
    part_number: str | None = None
    serial: str | None = None
    sku: str | None = None
    slot: str | None = None
    bus_address: str | None = None
    production_date: str | None = None
    production: list[ProductionStep] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)
    purl: str | None = None
    cpe: str | None = None
    evidence: list[EvidenceRef] = field(default_factory=list)
    seen_by: list[str] = field(default_factory=list)
    properties: list[tuple[str, str]] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    #: CycloneDX ``cryptoProperties`` of a ``cryptographic-asset`` component (a certificate)
    crypto_properties: dict[str, Any] | None = None

    def walk(self) -> Iterable[Component]:
        """This component and every nested one, depth first."""
        stack = [self]
        while stack:
            c = stack.pop()
            yield c
            stack.extend(reversed(c.children))

    def to_cdx(self) -> dict[str, Any]:
        """This component (with nested children) as a CycloneDX 1.6 component object."""
        out: dict[str, Any] = {"type": self.type, "bom-ref": self.ref}
        if self.supplier:
            out["supplier"] = self.supplier.to_cdx()
        if self.manufacturer:
            out["manufacturer"] = self.manufacturer.to_cdx()
        if self.group:
            out["group"] = self.group
        out["name"] = self.name
        if self.version:
            out["version"] = self.version
        if self.description:
            out["description"] = self.description
        if self.hashes:
            out["hashes"] = [{"alg": alg, "content": value} for alg, value in self.hashes.items()]
        if self.cpe:
            out["cpe"] = self.cpe
        if self.purl:
            out["purl"] = self.purl
        if self.evidence:
            out["externalReferences"] = [e.to_cdx() for e in self.evidence]
        if self.crypto_properties:
            out["cryptoProperties"] = self.crypto_properties
        if self.children:
            out["components"] = [c.to_cdx() for c in self.children]
        props = self._properties()
        if props:
            out["properties"] = [{"name": n, "value": v} for n, v in props]
        return out

    def _properties(self) -> list[tuple[str, str]]:
        props: list[tuple[str, str]] = []

        def add(name: str, value: str | None) -> None:
            if value:
                props.append((name, value))

        add(tx.CLASS, self.cls)
        add(tx.PART_NUMBER, self.part_number)
        add(tx.CDX_SERIAL, self.serial)
        add(tx.CDX_SKU, self.sku)
        add(tx.ORIGIN_COUNTRY, self.origin_country)
        add(tx.SLOT, self.slot)
        add(tx.BUS_ADDRESS, self.bus_address)
        add(tx.CDX_PROD_TIMESTAMP, self.production_date)
        for step in self.production:
            for fname in tx.PRODUCTION_FIELDS:
                add(f"{tx.PRODUCTION_PREFIX}{step.step}:{fname}", step.field(fname))
        props.extend((tx.SEEN_BY, s) for s in self.seen_by)
        props.extend(self.properties)
        return props


# --------------------------------------------------------------------------------------------
# Reading provenance back from any CycloneDX component (ours or a third party's)
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)  # not frozen: built once per component, and frozen init is 5x slower
class Provenance:
    """What a CycloneDX component says about where it comes from and which unit it is."""

    manufacturer: str | None
    manufacturer_country: str | None
    supplier: str | None
    supplier_country: str | None
    origin_country: str | None
    part_number: str | None
    serial: str | None
    cls: str | None
    slot: str | None
    production: tuple[ProductionStep, ...]
    seen_by: tuple[str, ...]
    _countries: tuple[str, ...] | None = field(default=None, repr=False, compare=False)

    def countries(self) -> tuple[str, ...]:
        """Every country this component is tied to, origin first, without repeats."""
        if self._countries is None:
            self._countries = self._collect_countries()
        return self._countries

    def _collect_countries(self) -> tuple[str, ...]:
        out: list[str] = []
        for c in (self.origin_country, self.manufacturer_country, self.supplier_country):
            if c and c not in out:
                out.append(c)
        for step in self.production:
            if step.country and step.country not in out:
                out.append(step.country)
        return tuple(out)


def properties_of(component: Mapping[str, Any]) -> dict[str, list[str]]:
    """A component's properties grouped by name (names may repeat)."""
    out: dict[str, list[str]] = {}
    for p in component.get("properties") or ():
        if isinstance(p, Mapping) and isinstance(p.get("name"), str):
            value = p.get("value")
            out.setdefault(p["name"], []).append(value if isinstance(value, str) else "")
    return out


#: normalize_country, once per distinct spelling (a 100k-component BOM names a few countries)
_COUNTRIES: dict[str, str | None] = {}


def _country(value: str) -> str | None:
    try:
        return _COUNTRIES[value]
    except KeyError:
        if len(_COUNTRIES) > 4096:  # bounded: values come from untrusted documents
            _COUNTRIES.clear()
        found = _COUNTRIES[value] = normalize_country(value)
        return found


def _entity(entity: Any) -> tuple[str | None, str | None]:
    """The name and country of a ``manufacturer`` or ``supplier`` (None, None when not an
    object)."""
    # ``type(...) is dict`` first: parsed documents hold dicts, and the Mapping check is slow
    if type(entity) is not dict and not isinstance(entity, Mapping):
        return None, None
    name = entity.get("name")
    if not isinstance(name, str):
        name = None
    address = entity.get("address")
    country = None
    if address and (type(address) is dict or isinstance(address, Mapping)):
        value = address.get("country")
        if isinstance(value, str):
            country = _country(value)
    return name, country


def _standard_origin(component: Mapping[str, Any]) -> str | None:
    """The country of origin from CycloneDX's ``origins`` field, when a document carries it.

    ``origins`` (CycloneDX/specification PR 952, not in the 1.6/1.7 schemas) is a list of
    ``{basis, distribution: [{isoCode, percentage}]}``; the largest share of the first basis is
    taken as the country of origin.
    """
    origins = component.get("origins")
    if not isinstance(origins, list) or not origins or not isinstance(origins[0], Mapping):
        return None
    shares = [
        d
        for d in origins[0].get("distribution") or ()
        if isinstance(d, Mapping) and isinstance(d.get("isoCode"), str)
    ]
    if not shares:
        return None

    def share(d: Mapping[str, Any]) -> float:
        value = d.get("percentage")
        return float(value) if isinstance(value, int | float) else 0.0

    return str(max(shares, key=share)["isoCode"])


def _steps(steps: Mapping[str, Mapping[str, str]]) -> tuple[ProductionStep, ...]:
    return tuple(
        ProductionStep(
            step=s,
            site=f.get("site"),
            country=normalize_country(f.get("country")),
            date=f.get("date"),
            subdivision=f.get("subdivision"),
            performed_by=f.get("performed-by"),
            lot=f.get("lot"),
            value=f.get("value"),
            basis=f.get("basis"),
        )
        for s, f in steps.items()
    )


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, Mapping):
        return _text(value.get("name"))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def origin_stage(entry: Any) -> ProductionStep | None:
    """One entry of the CycloneDX 2.0 ``origins`` draft with a ``stage``, as a production step.

    The draft's shape: ``{stage, basis, distribution: [{isoCode, percentage}], performedBy,
    site, date, lot, value}``; the country is the largest share of the distribution, an ISO
    3166-2 code (``JP-13``) giving its country and subdivision.
    """
    if not isinstance(entry, Mapping) or not isinstance(entry.get("stage"), str):
        return None
    codes = [
        d
        for d in entry.get("distribution") or ()
        if isinstance(d, Mapping) and isinstance(d.get("isoCode"), str)
    ]
    code = None
    if codes:
        code = str(max(codes, key=lambda d: _share(d.get("percentage")))["isoCode"])
    country, _, sub = (code or "").partition("-")
    stage = str(entry["stage"])
    return ProductionStep(
        step=tx.STAGE_ALIASES.get(stage, stage),
        site=_text(entry.get("site")),
        country=normalize_country(country) if country else None,
        date=_text(entry.get("date")),
        subdivision=code if sub else None,
        performed_by=_text(entry.get("performedBy")),
        lot=_text(entry.get("lot")),
        value=_text(entry.get("value")),
        basis=_text(entry.get("basis")),
    )


def _share(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _merge_origin_stages(
    production: tuple[ProductionStep, ...], origins: Any
) -> tuple[ProductionStep, ...]:
    """Add the stages of an ``origins`` draft field that the properties do not already give."""
    if not isinstance(origins, list):
        return production
    have = {s.step for s in production}
    extra = []
    for entry in origins:
        step = origin_stage(entry)
        if step is not None and step.step not in have:
            have.add(step.step)
            extra.append(step)
    return production + tuple(extra) if extra else production


#: the properties :func:`provenance_of` reads, by their place in the values it keeps (the
#: first value of each counts): the two origins, part number, serial, class and the two slots
_PROP_INDEX = {
    tx.ORIGIN_COUNTRY: 0,
    tx.CDX_PROPOSED_ORIGIN: 1,
    tx.PART_NUMBER: 2,
    tx.CDX_SERIAL: 3,
    tx.CLASS: 4,
    tx.SLOT: 5,
    tx.CDX_LOCATION: 6,
}
_NO_VALUES = (None,) * len(_PROP_INDEX)


def provenance_of(component: Mapping[str, Any]) -> Provenance:
    """Read the provenance of a CycloneDX component (JSON form). Standard fields win.

    One pass over the properties (this runs once per component of 100k-component BOMs).
    """
    values: list[str | None] | None = None
    steps: dict[str, dict[str, str]] | None = None
    seen_by: list[str] | None = None
    props = component.get("properties")
    if props:
        prefix = tx.PRODUCTION_PREFIX
        seen_by_name = tx.SEEN_BY
        index = _PROP_INDEX
        for p in props:
            if type(p) is not dict and not isinstance(p, Mapping):
                continue
            name = p.get("name")
            value = p.get("value")
            if not value or not isinstance(name, str) or not isinstance(value, str):
                continue
            at = index.get(name)
            if at is not None:
                if values is None:
                    values = [None] * len(index)
                if values[at] is None:
                    values[at] = value
            elif name == seen_by_name:
                if seen_by is None:
                    seen_by = []
                seen_by.append(value)
            elif name.startswith(prefix):
                step, _, fname = name[len(prefix) :].rpartition(":")
                if step and fname in tx.PRODUCTION_FIELDS:
                    if steps is None:
                        steps = {}
                    steps.setdefault(step, {}).setdefault(fname, value)
    origin, origin2, part_number, serial, cls, slot, slot2 = values or _NO_VALUES
    entity = component.get("manufacturer")
    manufacturer, manufacturer_country = (None, None) if entity is None else _entity(entity)
    if manufacturer is None and isinstance(component.get("author"), str):
        manufacturer = component["author"]
    entity = component.get("supplier")
    if type(entity) is dict:  # :func:`_entity` inline: nearly every package names its supplier
        supplier = entity.get("name")
        if not isinstance(supplier, str):
            supplier = None
        supplier_country = None
        address = entity.get("address")
        if address and (type(address) is dict or isinstance(address, Mapping)):
            value = address.get("country")
            if isinstance(value, str):
                supplier_country = _country(value)
    else:
        supplier, supplier_country = (None, None) if entity is None else _entity(entity)
    production: tuple[ProductionStep, ...] = _steps(steps) if steps else ()
    if "origins" in component:
        origin = _standard_origin(component) or origin or origin2
        production = _merge_origin_stages(production, component["origins"])
    else:
        origin = origin or origin2
    return Provenance(
        manufacturer,
        manufacturer_country,
        supplier,
        supplier_country,
        _country(origin) if origin else None,
        part_number,
        serial,
        cls,
        slot or slot2,
        production,
        tuple(seen_by) if seen_by else (),
    )

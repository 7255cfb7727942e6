"""What a minimum-elements profile is, and what checking a BOM against one finds."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    PRESENT = "present"
    #: the BOM says explicitly that the value is not known (e.g. "NOASSERTION", an "unknown"
    #: composition), which the profiles accept as a known unknown
    UNKNOWN = "unknown"
    MISSING = "missing"
    #: the element does not apply to this component (a hash or filename of a physical device)
    NOT_APPLICABLE = "not-applicable"


class Scope(StrEnum):
    DOCUMENT = "document"
    COMPONENT = "component"


class FailOn(StrEnum):
    """Which statuses of a required element make the command exit 1."""

    MISSING = "missing"
    UNKNOWN = "unknown"  # missing or unknown
    NEVER = "never"


@dataclass(frozen=True, slots=True)
class Source:
    publisher: str
    document: str
    date: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Element:
    id: str
    name: str
    scope: Scope
    probe: str
    section: str
    definition: str
    #: False for "additional" elements (required only where the information exists)
    required: bool = True
    #: True when the element has no meaning for hardware (type ``device``)
    software_only: bool = False


@dataclass(frozen=True, slots=True)
class Profile:
    id: str
    title: str
    source: Source
    elements: tuple[Element, ...]

    def of_scope(self, scope: Scope) -> list[Element]:
        return [e for e in self.elements if e.scope is scope]


@dataclass(frozen=True, slots=True)
class Verdict:
    """One element's status, and where it was found (or what was looked for)."""

    element: Element
    status: Status
    detail: str

    @property
    def fails(self) -> bool:
        return self.element.required and self.status is Status.MISSING


@dataclass(slots=True)
class ComponentVerdicts:
    ref: str
    name: str
    type: str
    json_path: str
    verdicts: list[Verdict] = field(default_factory=list)


@dataclass(slots=True)
class ConformanceReport:
    profile: Profile
    bom_source: str
    bom_sha256: str
    bom_raw: bytes
    document: list[Verdict]
    components: list[ComponentVerdicts]
    fail_on: FailOn = FailOn.MISSING

    def all_verdicts(self) -> list[Verdict]:
        return [*self.document, *(v for c in self.components for v in c.verdicts)]

    def counts(self) -> dict[str, int]:
        counted = Counter(v.status.value for v in self.all_verdicts())
        return {s.value: counted.get(s.value, 0) for s in Status}

    def element_counts(self) -> dict[str, dict[str, int]]:
        """Per element id: how many components (or the document) are in each status."""
        out: dict[str, Counter[str]] = {e.id: Counter() for e in self.profile.elements}
        for v in self.all_verdicts():
            out[v.element.id][v.status.value] += 1
        return {k: {s.value: c.get(s.value, 0) for s in Status} for k, c in out.items()}

    @property
    def conforms(self) -> bool:
        """No required element missing anywhere (explicit unknowns are accepted)."""
        return not any(v.fails for v in self.all_verdicts())

    @property
    def fails(self) -> bool:
        if self.fail_on is FailOn.NEVER:
            return False
        if self.fail_on is FailOn.UNKNOWN:
            return any(
                v.element.required and v.status in (Status.MISSING, Status.UNKNOWN)
                for v in self.all_verdicts()
            )
        return not self.conforms

    @property
    def verdict(self) -> str:
        return "conforms" if self.conforms else "does not conform"

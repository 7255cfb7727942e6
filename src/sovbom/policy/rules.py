"""The policy rules as data: one :class:`RuleSpec` per :class:`Rule`, in :data:`RULES`.

Everything else about a rule is derived from its entry: the default severity and whether
critical components raise it (:meth:`sovbom.policy.Policy.severity`), the help text of reports
(:data:`RULE_HELP`, SARIF rule descriptions), which rules an exemption may name, and the rule
enumerations of ``schemas/policy.schema.json`` and ``schemas/check-report.schema.json`` (checked
against this table by a test).

A rule is evaluated one of three ways:

* per component (``component``): a function of the component's :class:`Subject` returning the
  finding's message, or None;
* over the graph (``graph``): a function of the :class:`~sovbom.graph.ProvenanceGraph`
  yielding :class:`GraphHit` (the ``integrity`` rule, from the graph's problems);
* by the exemption check itself (neither function): ``expired-exemption``.

Adding a rule: a :class:`Rule` member, its entry in :data:`RULES`, the schemas' enumerations
(the test names what is missing) and the README's severity table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from sovbom.graph import ProvenanceGraph
    from sovbom.model import Provenance


class Severity(IntEnum):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Severity:
        return cls[value.upper()]

    def raised(self) -> Severity:
        """One step more severe (critical stays critical)."""
        return Severity(min(self + 1, Severity.CRITICAL))


class Level(IntEnum):
    """Verification levels, in order."""

    DECLARED = 0
    ATTESTED = 1
    VERIFIED = 2
    #: verified, and the part proved its identity with a device certificate chain to a
    #: configured hardware trust anchor and a signed measurement transcript (SPDM)
    HARDWARE_VERIFIED = 3

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")

    @classmethod
    def parse(cls, value: str) -> Level:
        return cls[value.upper().replace("-", "_")]


#: ``--fail-on never``: report only, no finding fails the run.
FAIL_NEVER = "never"


def fail_threshold(label: str) -> Severity | None:
    """The severity a ``--fail-on`` label fails at; None for :data:`FAIL_NEVER` (report only)."""
    return None if label == FAIL_NEVER else Severity.parse(label)


def fail_on_text(label: str) -> str:
    """How a report states its ``--fail-on`` threshold."""
    return "report only: --fail-on never" if label == FAIL_NEVER else f"fails on {label} and above"


LEVEL_LABELS = {lvl: lvl.label for lvl in Level}
SEVERITY_LABELS = {sev: sev.name.lower() for sev in Severity}


class Rule(StrEnum):
    """Rule identifiers (stable: reports, SARIF, policies' ``severities`` and exemptions)."""

    NON_DOMESTIC = "non-domestic"
    NON_DOMESTIC_APPROVED = "non-domestic-approved"
    DENIED_COUNTRY = "denied-country"
    UNKNOWN_ORIGIN = "unknown-origin"
    INSUFFICIENT_VERIFICATION = "insufficient-verification"
    EXPIRED_EXEMPTION = "expired-exemption"
    INTEGRITY = "integrity"
    STAGE_ORIGIN = "stage-origin"
    TRACEABILITY_CHAIN = "traceability-chain"


@dataclass(slots=True)
class Subject:
    """One component as the component rules see it (one object, refilled for each component).

    ``country`` is the country the component is judged by (origin, else maker, else supplier)
    and ``basis`` says which; ``level`` is its verification level and ``needed`` the level the
    policy requires of it. ``domestic``, ``approved``, ``denied`` and ``require_origin`` are the
    policy's terms, set once per run.
    """

    domestic: frozenset[str]
    approved: frozenset[str]
    denied: frozenset[str]
    require_origin: bool
    prov: Provenance | None = None
    country: str | None = None
    basis: str = "unknown"
    level: Level = Level.DECLARED
    needed: Level = Level.DECLARED
    #: why the component did not reach a higher level, when known (a failed hardware identity)
    shortfall: str | None = None
    #: the component's bom-ref, the policy's stage table and the graph (for stage rules)
    ref: str = ""
    stages: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    graph: ProvenanceGraph | None = None


class GraphHit(NamedTuple):
    """A graph-level finding before it becomes a :class:`~sovbom.policy.Finding`."""

    severity: Severity
    message: str
    ref: str | None
    json_path: str | None


ComponentCheck = Callable[[Subject], str | None]
GraphCheck = Callable[["ProvenanceGraph"], Iterable[GraphHit]]


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One rule: its identity, default severity, help text and evaluation.

    ``origin_scoped``: applies only to components within the policy's ``origin_scope``.
    ``stage_scoped``: the check reads only the policy's ``stages`` table (skipped without one).
    ``by_value``: the check reads only the subject's country, basis, countries, level, needed
    level and shortfall (and the policy's terms), so it runs once per distinct combination of
    them, not once per component.
    """

    rule: Rule
    default: Severity
    raised_when_critical: bool
    help: str
    component: ComponentCheck | None = None
    graph: GraphCheck | None = None
    origin_scoped: bool = False
    by_value: bool = False
    #: reads the policy's ``stages`` table only: never raised by a policy without one
    stage_scoped: bool = False

    @property
    def id(self) -> str:
        return self.rule.value

    @property
    def exemptable(self) -> bool:
        """Per-component rules can be exempted; graph problems and expired exemptions cannot."""
        return self.component is not None

    def severity(self, critical: bool) -> Severity:
        """The default severity for a component (critical or not)."""
        if critical and self.raised_when_critical:
            return self.default.raised()
        return self.default


# ----------------------------------------------------------------------- component rules


def _non_domestic(s: Subject) -> str | None:
    c = s.country
    if c is None or c in s.domestic or c in s.approved or c in s.denied:
        return None
    return f"non-domestic ({s.basis} {c}, not approved)"


def _non_domestic_approved(s: Subject) -> str | None:
    c = s.country
    if c is None or c not in s.approved or c in s.domestic or c in s.denied:
        return None
    return f"non-domestic ({s.basis} {c}, approved country)"


def _denied_country(s: Subject) -> str | None:
    if not s.denied or s.prov is None:
        return None
    countries = s.prov.countries()
    if s.denied.isdisjoint(countries):
        return None
    return f"tied to denied country {', '.join(sorted(s.denied.intersection(countries)))}"


def _unknown_origin(s: Subject) -> str | None:
    if s.country is None and s.require_origin:
        return "country of origin unknown"
    return None


def _insufficient_verification(s: Subject) -> str | None:
    if s.level >= s.needed:
        return None
    message = (
        f"verification level {LEVEL_LABELS[s.level]}, policy requires {LEVEL_LABELS[s.needed]}"
    )
    if s.shortfall is not None:
        message += f" ({s.shortfall})"
    return message


def _stage_origin(s: Subject) -> str | None:
    if not s.stages or s.prov is None:
        return None
    from sovbom.origins import requirements_for, stage_origin_problems

    required = requirements_for(s.stages, s.ref, s.prov)
    if not required:
        return None
    problems = stage_origin_problems(required, s.prov, s.domestic, s.approved, s.denied)
    return "; ".join(problems) if problems else None


def _traceability_chain(s: Subject) -> str | None:
    if not s.stages or s.prov is None:
        return None
    from sovbom.origins import chain_problems, requirements_for

    required = requirements_for(s.stages, s.ref, s.prov)
    if not required:
        return None
    problems = chain_problems(required, s.ref, s.prov, s.graph)
    return "traceability chain: " + "; ".join(problems) if problems else None


# --------------------------------------------------------------------------- graph rules

#: A broken reference makes the graph wrong; a dependency cycle is common among OS packages
#: (libc6 and libgcc-s1 need each other on Debian) and is reported, not alarmed on.
INTEGRITY_SEVERITY: Mapping[str, Severity] = {
    "dangling-reference": Severity.HIGH,
    "duplicate-bom-ref": Severity.HIGH,
    "unreachable": Severity.MEDIUM,
    "no-root": Severity.MEDIUM,
    "cycle": Severity.LOW,
}


def _integrity(pg: ProvenanceGraph) -> Iterable[GraphHit]:
    for problem in pg.problems:
        yield GraphHit(
            INTEGRITY_SEVERITY.get(problem.kind, Severity.HIGH),
            f"{problem.kind}: {problem.message}",
            problem.ref,
            problem.path,
        )


# --------------------------------------------------------------------------------- table

#: Every rule, in the order reports list them.
RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        Rule.NON_DOMESTIC,
        Severity.MEDIUM,
        True,
        "The component comes from a country that is neither domestic nor approved.",
        component=_non_domestic,
        origin_scoped=True,
        by_value=True,
    ),
    RuleSpec(
        Rule.NON_DOMESTIC_APPROVED,
        Severity.LOW,
        True,
        "The component comes from an approved, but not domestic, country.",
        component=_non_domestic_approved,
        origin_scoped=True,
        by_value=True,
    ),
    RuleSpec(
        Rule.DENIED_COUNTRY,
        Severity.HIGH,
        True,
        "The component is tied to a denied country (origin, maker, supplier or a production step).",
        component=_denied_country,
        origin_scoped=True,
        by_value=True,
    ),
    RuleSpec(
        Rule.UNKNOWN_ORIGIN,
        Severity.MEDIUM,
        True,
        "Nobody states where the component comes from.",
        component=_unknown_origin,
        origin_scoped=True,
        by_value=True,
    ),
    RuleSpec(
        Rule.INSUFFICIENT_VERIFICATION,
        Severity.MEDIUM,
        True,
        "The component's verification level is below what the policy requires.",
        component=_insufficient_verification,
        by_value=True,
    ),
    RuleSpec(
        Rule.EXPIRED_EXEMPTION,
        Severity.MEDIUM,
        True,
        "An exemption that would cover the component has expired.",
    ),
    RuleSpec(
        Rule.INTEGRITY,
        Severity.HIGH,  # per problem kind: INTEGRITY_SEVERITY
        False,  # about the document, not about one component
        "The BOM's graph is inconsistent (dangling reference, cycle, unreachable part, duplicate bom-ref).",
        graph=_integrity,
    ),
    RuleSpec(
        Rule.STAGE_ORIGIN,
        Severity.HIGH,
        True,
        "A production stage the policy names is not performed where it must be (domestic, approved, not denied).",
        component=_stage_origin,
        stage_scoped=True,
    ),
    RuleSpec(
        Rule.TRACEABILITY_CHAIN,
        Severity.MEDIUM,
        True,
        "A part's traceability chain is incomplete: a listed stage missing, a stage without a site, dates out of order, or a gap to its parent's assembly.",
        component=_traceability_chain,
        stage_scoped=True,
    ),
)  # fmt: skip

SPECS: Mapping[Rule, RuleSpec] = {spec.rule: spec for spec in RULES}
if list(SPECS) != list(Rule):  # pragma: no cover - caught by the tests
    raise AssertionError("every Rule needs exactly one entry in RULES, in the same order")

RULE_HELP: Mapping[Rule, str] = {spec.rule: spec.help for spec in RULES}
#: Rules a policy's exemption may name (``exemptions[].rules``).
EXEMPTABLE: tuple[Rule, ...] = tuple(spec.rule for spec in RULES if spec.exemptable)

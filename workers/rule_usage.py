"""A rulebook that cannot hold dead law: every rule and override key must be read.

A key counts as read when the consumers' source (the engine, the phases, the decisions,
the reports, the CLI) names it as a string literal, matches an f-string key pattern there
(`f"{area}.conversations.min_count"`), or matches a declared pattern with its named
consumer. What is held but knowingly unread is listed in `UNREAD` with the reason; every
parameter a trial declares must be used by one of its overrides (`{$param: name}`).
Run by `caseflow rules check` and by tests/rulebook/test_rule_usage.py.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from domain.rulebook.model import LawData

__all__ = ["CONSUMERS", "DECLARED_PATTERNS", "UNREAD", "Usage", "rule_usage"]

ROOT = Path(__file__).resolve().parent.parent
CONSUMERS = (ROOT / "domain", ROOT / "workers")

DECLARED_PATTERNS: Mapping[str, str] = {}
"""Key pattern (`{name}` = one key segment) -> its named consumer."""

UNREAD: Mapping[str, str] = {
    "certificate.lae265.gp_consultation_required": "descriptive: the GP's own process",
    "reval.lae265.gp_only": "descriptive: any LÆ265 on file is taken as the GP's",
    "reval.lae265.due_days_after_consultation": "the consultation day is not an event",
    "reval.lae265.typical_added_months": "planning figure, not a deadline",
    "reval.rehabplan.preparatory_part_required": "enforced as the LÆ265 precondition",
    "jaf.combined_decision.allowed": "FK-2.a.1 combined hearing not modelled",
    "jaf.followup.continuous": "continuous duty without a deadline",
    "jaf.rt.required_for_further_course": "read through the jaf.first_course fact",
    "sdp.followup.compliance_basis": "FK-1.d average: reports/fk1d counts contact courses only",
    "sdp.followup.goal_agreement_required": "content duty without a deadline",
    "sdp.jaf_entry.direct_when_only_genoptjeningsret_missing": "entry path not modelled",
    "sdp.lae285.mandatory": "superseded by sdp.lae285.documentation_options",
    "sdp.reassessment.window_months": "the 22-in-9 trigger is not modelled",
    "sdp.screening.required": "screening is the phase's first event",
    "kontakt.dagpenge.intensive_period_weeks": "the count rule bounds the period",
    "kontakt.group_conversation.size": "FK-1.d group size, descriptive",
    "kontakt.kontanthjaelp.content": "content templates, not deadlines",
    "las.sanctions.temporary_exemption": "KL 2023 what-if only",
    "ly.anden_aktoer.right": "FK-3.b condition: right unaffected",
    "ly.sick_followup.interval_months": "LY sickness follow-up not modelled",
    "mikrolaan.loan.interest_percent": "descriptive: interest-free",
    "mikrolaan.loan.paid_after_course": "descriptive: loan paid after the course",
    "mikrolaan.survey.self_support_years": "trial-end survey not modelled",
    "psyk.regional_subsidy.anxiety_age": "eligibility recorded as an assessment",
    "rf.end_date.required": "enforced by the RF phase's entry",
    "rf.extension.admin_cap_basis": "only cumulative_per_rf is implemented",
    "rt.citizen_attendance.required": "attendance is not an event",
    "rt.health_advisor.free_choice": "refused trial FK-2.a.3, kept false",
    "rt.indstilling.required_for": "each grant's own rt rule is read",
    "rt.klinisk_funktion.answer_days": "LÆ271 requests not modelled",
    "rt.klinisk_funktion.observed_wait_weeks": "planning figure",
    "seniorfoep.rt.required": "seniorførtidspension not modelled",
    "tilskud_selvstaendige.rt.required": "tilskud til selvstændige not modelled",
}
"""Held but knowingly unread (key or pattern -> why). Shrink it; never grow it silently."""


@dataclass(frozen=True)
class Usage:
    unread: list[str]
    """Keys neither read nor listed in UNREAD."""
    stale_exceptions: list[str]
    """UNREAD entries that are read after all, or name no key."""
    unused_parameters: list[str]
    """`<trial>.<parameter>` declared but used by no override."""

    @property
    def ok(self) -> bool:
        return not (self.unread or self.stale_exceptions or self.unused_parameters)


def _pattern(text: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^}]*\}", text)
    return re.compile(_SEGMENT.join(re.escape(p) for p in parts) + "$")


_SEGMENT = r"[A-Za-z0-9_\-]+"


def _fstring_key(node: ast.JoinedStr) -> re.Pattern[str] | None:
    """The key pattern an f-string builds, or None for a message (no dot, or a space)."""
    fixed = [str(v.value) if isinstance(v, ast.Constant) else None for v in node.values]
    text = "".join(f for f in fixed if f is not None)
    if "." not in text or " " in text:
        return None
    return re.compile("".join(_SEGMENT if f is None else re.escape(f) for f in fixed) + "$")


def _references(sources: Iterable[Path]) -> tuple[set[str], list[re.Pattern[str]]]:
    literals: set[str] = set()
    patterns: list[re.Pattern[str]] = []
    for root in sources:
        for path in sorted(root.rglob("*.py")):
            if path.resolve() == Path(__file__).resolve():
                continue  # the exception list names keys; it does not read them
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    literals.add(node.value)
                elif isinstance(node, ast.JoinedStr):
                    pattern = _fstring_key(node)
                    if pattern is not None:
                        patterns.append(pattern)
    return literals, patterns


def rule_usage(
    law: LawData,
    sources: Iterable[Path] = CONSUMERS,
    unread: Mapping[str, str] = UNREAD,
    extra_keys: Iterable[str] = (),
) -> Usage:
    keys = set(law.rules) | set(extra_keys)
    parameters: list[str] = []
    for trial in law.trials.values():
        used: set[str] = set()
        for clause in trial.clauses:
            keys |= set(clause.overrides)
            for override in clause.overrides.values():
                value = override.value
                if isinstance(value, dict) and "$param" in value:
                    used.add(str(value["$param"]))
        parameters += [f"{trial.id}.{name}" for name in trial.parameters if name not in used]
    literals, patterns = _references(sources)
    patterns += [_pattern(p) for p in DECLARED_PATTERNS]

    def read(key: str) -> bool:
        return key in literals or any(p.match(key) for p in patterns)

    excused = {name: _pattern(name) for name in unread}
    unread_keys = sorted(
        k for k in keys if not read(k) and not any(p.match(k) for p in excused.values())
    )
    stale = sorted(
        name
        for name, pattern in excused.items()
        if not any(pattern.match(k) and not read(k) for k in keys)
    )
    return Usage(unread_keys, stale, sorted(parameters))

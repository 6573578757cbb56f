"""What differs between two readings of the law, rule by rule, with citations.

A reading is a rulebook (a directory, or a published version) as known on a day: two
knowledge days of one rulebook show what a decision changed (the 2021 extension), two
versions show what a new rulebook changes. Pure: it compares the validated law data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.rulebook.citation_text import CitationReader
from domain.rulebook.model import DatedValue, LawData, Rule, Trial
from domain.rulebook.resolver import Rulebook, fmt_value
from domain.rulebook.scope import trial_period

__all__ = ["Difference", "diff_law", "diff_rulebooks"]


@dataclass(frozen=True, slots=True)
class Difference:
    """One change: `kind` rule / trial / regime / reform / decision, the entry's id, what
    changed in words, and the citations on each side."""

    kind: str
    id: str
    change: str
    before: tuple[str, ...]
    after: tuple[str, ...]

    def as_json(
        self, before: CitationReader | None = None, after: CitationReader | None = None
    ) -> dict[str, Any]:
        """With readers, `citations_*` read as people cite them and `sources_*` keep the
        rulebook's own citations (act, seed line), as the API's obligations do."""
        if before is None or after is None:
            return {
                "kind": self.kind,
                "id": self.id,
                "change": self.change,
                "citations_before": list(self.before),
                "citations_after": list(self.after),
            }
        found: dict[str, Any] = {"kind": self.kind, "id": self.id, "change": self.change}
        for side, reader, citations in (
            ("before", before, self.before),
            ("after", after, self.after),
        ):
            found[f"citations_{side}"], found[f"sources_{side}"] = reader.with_sources(
                citations, self.regime_hint
            )
        return found

    @property
    def regime_hint(self) -> str | None:
        """Whose note a trial's change cites, when two trials share one."""
        return f"TRIAL:{self.id}" if self.kind == "trial" else None

    def readable(self, before: CitationReader, after: CitationReader) -> tuple[str, str]:
        """The citations of each side as one line for people."""
        return (
            before.readable(self.before, self.regime_hint),
            after.readable(self.after, self.regime_hint),
        )


def _window(v: DatedValue) -> str:
    end = v.valid_to.isoformat() if v.valid_to else "open"
    return f"[{v.valid_from.isoformat()}, {end})"


def _value_cites(rule: Rule, v: DatedValue) -> tuple[str, ...]:
    cites = [rule.citation.text]
    if v.citation is not None and v.citation.text not in cites:
        cites.append(v.citation.text)
    return tuple(cites)


def _key(v: DatedValue) -> tuple[Any, ...]:
    return (v.valid_from, v.valid_to, repr(v.value), v.reason)


def _rule_diff(rid: str, a: Rule | None, b: Rule | None) -> list[Difference]:
    if a is None:
        return [] if b is None else [Difference("rule", rid, "added", (), (b.citation.text,))]
    if b is None:
        return [Difference("rule", rid, "removed", (a.citation.text,), ())]
    out: list[Difference] = []
    before = {_key(v): v for v in a.values}
    after = {_key(v): v for v in b.values}
    gone = [v for k, v in before.items() if k not in after]
    new = [v for k, v in after.items() if k not in before]
    for v in gone:
        twin = next((n for n in new if n.valid_from == v.valid_from), None)
        if twin is not None:
            new.remove(twin)
            out.append(
                Difference(
                    "rule",
                    rid,
                    f"from {v.valid_from.isoformat()}: {fmt_value(v.value)} {_window(v)} -> "
                    f"{fmt_value(twin.value)} {_window(twin)}",
                    _value_cites(a, v),
                    _value_cites(b, twin),
                )
            )
        else:
            out.append(
                Difference(
                    "rule",
                    rid,
                    f"value {fmt_value(v.value)} {_window(v)} no longer",
                    _value_cites(a, v),
                    (),
                )
            )
    for v in new:
        decided = f" (decided {v.decided.isoformat()})" if v.decided else ""
        out.append(
            Difference(
                "rule",
                rid,
                f"new value {fmt_value(v.value)} {_window(v)}{decided}",
                (),
                _value_cites(b, v),
            )
        )
    if a.citation != b.citation and not out:
        out.append(
            Difference("rule", rid, "citation changed", (a.citation.text,), (b.citation.text,))
        )
    return out


def _period(law: LawData, trial: Trial) -> str:
    period = trial_period(law, trial, None)
    if period is None:
        return "no period"
    end = period[1].isoformat() if period[1] else "open"
    return f"[{period[0].isoformat()}, {end})"


def _trial_cites(trial: Trial) -> tuple[str, ...]:
    cites = [trial.decision.text]
    cites += [e.citation.text for e in trial.extensions if e.citation.text not in cites]
    return tuple(cites)


def _trial_diff(law_a: LawData, law_b: LawData, tid: str) -> list[Difference]:
    a, b = law_a.trials.get(tid), law_b.trials.get(tid)
    if a is None or b is None:
        present = a or b
        assert present is not None
        change = "added" if a is None else "removed"
        cites = _trial_cites(present)
        return [Difference("trial", tid, change, cites if b is None else (), cites if a else ())]
    out: list[Difference] = []
    if a.status != b.status:
        out.append(
            Difference(
                "trial", tid, f"status {a.status} -> {b.status}", _trial_cites(a), _trial_cites(b)
            )
        )
    pa, pb = _period(law_a, a), _period(law_b, b)
    if pa != pb:
        new_ext = [e for e in b.extensions if e not in a.extensions]
        why = "".join(f"; extended {e.months} months, decided {e.decided}" for e in new_ext)
        out.append(
            Difference("trial", tid, f"period {pa} -> {pb}{why}", _trial_cites(a), _trial_cites(b))
        )
    clauses_a = {c.id: c for c in a.clauses}
    clauses_b = {c.id: c for c in b.clauses}
    for cid in sorted(set(clauses_a) | set(clauses_b)):
        ca, cb = clauses_a.get(cid), clauses_b.get(cid)
        if ca == cb:
            continue
        change = (
            "clause added" if ca is None else "clause removed" if cb is None else "clause changed"
        )
        out.append(
            Difference(
                "trial",
                cid,
                change,
                _trial_cites(a) if ca else (),
                _trial_cites(b) if cb else (),
            )
        )
    return out


def diff_law(a: LawData, b: LawData) -> list[Difference]:
    """Every difference between two law data sets, in a stable order."""
    out: list[Difference] = []
    regimes_a = [(r.id, r.valid_from, r.valid_to) for r in a.regimes]
    regimes_b = [(r.id, r.valid_from, r.valid_to) for r in b.regimes]
    if regimes_a != regimes_b:
        out.append(
            Difference(
                "regime",
                "standard",
                f"{' '.join(r[0] for r in regimes_a)} -> {' '.join(r[0] for r in regimes_b)}",
                tuple(r.citation.text for r in a.regimes),
                tuple(r.citation.text for r in b.regimes),
            )
        )
    for rid in sorted(set(a.rules) | set(b.rules)):
        out += _rule_diff(rid, a.rules.get(rid), b.rules.get(rid))
    for tid in sorted(set(a.trials) | set(b.trials)):
        out += _trial_diff(a, b, tid)
    for rid in sorted(set(a.reforms) ^ set(b.reforms)):
        reform = a.reforms.get(rid) or b.reforms[rid]
        change = "removed" if rid in a.reforms else "added"
        cites = (reform.citation.text,)
        out.append(
            Difference(
                "reform",
                rid,
                change,
                cites if change == "removed" else (),
                cites if change == "added" else (),
            )
        )
    days_a = {d.day for d in a.decisions}
    for d in b.decisions:
        if d.day not in days_a:
            out.append(
                Difference(
                    "decision", d.day.isoformat(), f"decided: {d.title}", (), (d.citation.text,)
                )
            )
    return out


def diff_rulebooks(
    a: Rulebook, b: Rulebook, *, a_known_on: date | None = None, b_known_on: date | None = None
) -> list[Difference]:
    """What differs between rulebook `a` as known on `a_known_on` and `b` as known on
    `b_known_on` (``None``: everything it holds)."""
    return diff_law(a.as_known_on(a_known_on).law, b.as_known_on(b_known_on).law)

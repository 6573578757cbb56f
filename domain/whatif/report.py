"""The what-if report: per regime and the difference from the first regime, as plain data.

Every renderer (terminal table, JSON, CSV, HTML, SVG) draws from this one structure.
Money: a price the rulebook marks unknown is never counted as 0; such certificates are
reported as `unpriced` counts next to the known DKK.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from domain.case.reforms import READ_BY_ENGINE
from domain.whatif.tally import Tally

__all__ = ["build_report"]


def _duties(t: Tally) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(lambda: {"required": 0, "exempted": 0})
    for (label, bucket), n in t.duties.items():
        out[label][bucket] += n
    return dict(sorted(out.items()))


def _breakdown(counter: Any) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for (key, label, bucket), n in counter.items():
        if bucket == "required":
            out[key][label] = out[key].get(label, 0) + n
    return {k: dict(sorted(v.items())) for k, v in sorted(out.items())}


def _costs(t: Tally) -> dict[str, Any]:
    by_cert: dict[str, dict[str, int]] = defaultdict(lambda: {"dkk": 0, "unpriced": 0})
    by_mun: dict[str, dict[str, int]] = defaultdict(lambda: {"dkk": 0, "unpriced": 0})
    for (cert, mun), dkk in t.cost_dkk.items():
        by_cert[cert]["dkk"] += dkk
        by_mun[mun]["dkk"] += dkk
    for (cert, mun), n in t.unpriced.items():
        by_cert[cert]["unpriced"] += n
        by_mun[mun]["unpriced"] += n
    return {
        "gross_dkk": sum(t.cost_dkk.values()),
        "unpriced_certificates": sum(t.unpriced.values()),
        "by_certificate": dict(sorted(by_cert.items())),
        "by_municipality": dict(sorted(by_mun.items())),
    }


def _phases(t: Tally) -> dict[str, dict[str, float]]:
    return {
        phase: {
            "cases": t.phase_cases[phase],
            "days": t.phase_days[phase],
            "mean_days": round(t.phase_days[phase] / t.phase_cases[phase], 1),
        }
        for phase in sorted(t.phase_cases)
        if t.phase_cases[phase]
    }


def _regime(t: Tally) -> dict[str, Any]:
    return {
        "cases": t.cases,
        "closed": t.closed,
        "refused": dict(sorted(t.refused.items())),
        "events_refused": dict(sorted(t.events_refused.items())),
        "duties": _duties(t),
        "duty_families": {
            f"{fam} ({label})": n
            for (fam, label, bucket), n in sorted(t.families.items())
            if bucket == "required"
        },
        "by_municipality": _breakdown(t.by_municipality),
        "by_target_group": _breakdown(t.by_group),
        "by_quarter": _breakdown(t.by_quarter),
        "costs": _costs(t),
        "phases": _phases(t),
    }


def _difference(base: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    labels = sorted(set(base["duties"]) | set(other["duties"]))
    zero = {"required": 0, "exempted": 0}
    duties = {
        label: other["duties"].get(label, zero)["required"]
        - base["duties"].get(label, zero)["required"]
        for label in labels
    }
    certs = sorted(set(base["costs"]["by_certificate"]) | set(other["costs"]["by_certificate"]))
    saved = spent = 0
    unpriced_change = 0
    none = {"dkk": 0, "unpriced": 0}
    for cert in certs:
        b = base["costs"]["by_certificate"].get(cert, none)
        o = other["costs"]["by_certificate"].get(cert, none)
        delta = o["dkk"] - b["dkk"]
        if delta < 0:
            saved -= delta
        else:
            spent += delta
        unpriced_change += o["unpriced"] - b["unpriced"]
    muns = sorted(set(base["costs"]["by_municipality"]) | set(other["costs"]["by_municipality"]))
    by_mun = {
        mun: other["costs"]["by_municipality"].get(mun, none)["dkk"]
        - base["costs"]["by_municipality"].get(mun, none)["dkk"]
        for mun in muns
    }
    phases = sorted(set(base["phases"]) | set(other["phases"]))
    days = {
        p: other["phases"].get(p, {}).get("days", 0) - base["phases"].get(p, {}).get("days", 0)
        for p in phases
    }
    return {
        "duties_required": {k: v for k, v in duties.items() if v},
        "gross_saving_dkk": saved,
        "spent_on_substitutes_dkk": spent,
        "net_saving_dkk": saved - spent,
        "unpriced_certificates_change": unpriced_change,
        "complete": unpriced_change == 0
        and base["costs"]["unpriced_certificates"] == 0
        and other["costs"]["unpriced_certificates"] == 0,
        "cost_change_by_municipality_dkk": by_mun,
        "phase_days": {k: v for k, v in days.items() if v},
    }


def _reform_keys(t: Tally, overrides: list[str]) -> dict[str, str]:
    """Each of a reform's keys: read by the core in this run, or not modelled by it."""
    read = t.rules_asked | READ_BY_ENGINE
    return {
        key: "read by the core" if key in read else "not read by the core in this cohort"
        for key in sorted(overrides)
    }


def build_report(
    cohort_name: str,
    tallies: dict[str, Tally],
    price_date: str | None,
    reform_keys: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """`reform_keys`: regime label -> the keys its reform overrides (reform regimes only)."""
    regimes = {label: _regime(t) for label, t in tallies.items()}
    for label, keys in (reform_keys or {}).items():
        regimes[label]["reform_keys"] = _reform_keys(tallies[label], keys)
    labels = list(regimes)
    base = labels[0]
    prices: dict[str, Any] = {}
    for t in tallies.values():
        for (cert, since), price in sorted(t.prices.items()):
            prices.setdefault(
                f"{cert} from {since}",
                {
                    "certificate": cert,
                    "since": since,
                    "dkk": price.value,
                    "citations": list(price.citations),
                    "sources": list(price.sources),
                    "reason": price.reason,
                },
            )
    return {
        "cohort": cohort_name,
        "price_date": price_date or "each duty's own date",
        "regimes": regimes,
        "baseline": base,
        "differences": {label: _difference(regimes[base], regimes[label]) for label in labels[1:]},
        "prices": prices,
    }

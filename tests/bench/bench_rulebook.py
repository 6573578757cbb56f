"""Benchmark the rulebook (not a test): load time and resolutions per second.

Run: ``.venv/bin/python -m tests.bench.bench_rulebook``. Prints the time to load and
validate the whole law directory, the throughput of ``Rulebook.resolve`` on a realistic mix
(all municipalities and target groups, dates 2015-2025, the rules a case engine asks for,
facts present about half the time), and the same mix through a naive resolver that scans
the validated pydantic data on every call, as a baseline in the same run.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from typing import Any

from domain.rulebook import ResolutionContext, Rulebook
from domain.rulebook.conditions import compile_all
from domain.rulebook.loader import DEFAULT_ROOT, content_hash, read_law, validate_law
from domain.rulebook.model import LawData
from domain.rulebook.scope import clause_period, resolve_value

HOT_RULES = [
    "sdp.followup.interval_weeks", "sdp.followup.first_by_week", "sdp.lae285.documentation_options",
    "sdp.followup.cadence", "sdp.followup.forms", "sdp.reassessment.by_week",
    "jaf.rt.required", "jaf.lae265.required", "jaf.conversations.min_count", "rt.capacity.jaf",
    "rf.extension.rt_required", "rf.extension.admin_max_months", "rf.indsatsplan.horizon_months",
    "reval.lae265.required_for_grant", "ly.revurdering.required", "ly.contact.interval_months",
    "foep.loentilskud.first_followup_months", "kontakt.dagpenge.cadence",
    "kontakt.dagpenge.forms", "forholdstal.praktik.check_required", "certificate.price.LAE265",
]  # fmt: skip
FACT_SETS: list[dict[str, Any]] = [
    {},
    {"assessment.health_information_sufficient": True},
    {"assessment.cadence_deviation_documented": True, "dagpenge.seasonal_unemployed": True},
    {"jaf.first_course": True, "jaf.no_cross_disciplinary_need": True},
    {"consent.rf_extension_without_rt": True, "rf.efforts_interrupted": True,
     "rf.basis_for_fleksjob_or_foep": False},
    {"ly.months_on_ly": 10, "ly.praktik_precedes_concrete_fleksjob": True,
     "journalnotat.fk3k_recorded": True, "reval.tvivlsag": False,
     "reval.medically_documented": True},
]  # fmt: skip


def workload(rb: Rulebook, n: int, seed: int = 7) -> list[tuple[str, ResolutionContext]]:
    rng = random.Random(seed)  # a reproducible workload
    muns = [m.id for m in rb.municipalities()]
    groups = [g.code for g in rb.target_groups()]
    all_rules = list(rb.rule_ids())
    span = (date(2025, 12, 31) - date(2015, 1, 1)).days
    out = []
    for _ in range(n):
        rule = rng.choice(HOT_RULES) if rng.random() < 0.8 else rng.choice(all_rules)
        ctx = ResolutionContext(
            rng.choice(muns),
            rng.choice(groups),
            date(2015, 1, 1) + timedelta(days=rng.randrange(span)),
            rng.choice(FACT_SETS),
        )
        out.append((rule, ctx))
    return out


def naive_resolve(law: LawData, rule_id: str, ctx: ResolutionContext) -> tuple[Any, str]:
    """What one writes without precomputation: scan values, regimes and every trial clause."""
    rule = law.rules[rule_id]
    entry = next(
        v for v in rule.values
        if v.valid_from <= ctx.on and (v.valid_to is None or ctx.on < v.valid_to)
    )  # fmt: skip
    regime = next(
        r.id for r in law.regimes
        if r.valid_from <= ctx.on and (r.valid_to is None or ctx.on < r.valid_to)
    )  # fmt: skip
    active = []
    for trial in law.trials.values():
        for clause in trial.clauses:
            if rule_id not in clause.overrides or ctx.target_group not in clause.target_groups:
                continue
            period = clause_period(law, trial, clause, ctx.municipality)
            if period is None or not (
                period[0] <= ctx.on and (period[1] is None or ctx.on < period[1])
            ):
                continue
            active.append((trial, clause))
    peers = list(active)  # list.sort hides the list from the key function
    active.sort(key=lambda tc: -sum(1 for _t, c in peers if c.id in tc[1].supersedes))
    for trial, clause in active:
        pred = compile_all(clause.conditions)
        if pred is None or pred(ctx.facts):
            value = resolve_value(law, trial, ctx.municipality, clause.overrides[rule_id].value)
            return value, f"TRIAL:{trial.id}"
    return entry.value, regime


def main() -> None:
    started = time.perf_counter()
    law = validate_law(read_law(DEFAULT_ROOT))
    loaded = time.perf_counter()
    rb = Rulebook(law, content_hash(law))
    compiled = time.perf_counter()
    print(f"load + validate: {(loaded - started) * 1000:.0f} ms; compile indexes: "
          f"{(compiled - loaded) * 1000:.0f} ms; total {(compiled - started) * 1000:.0f} ms "
          f"({len(law.rules)} rules, {len(law.trials)} trials)")  # fmt: skip

    work = workload(rb, 200_000)
    resolve = rb.resolve
    for rule, ctx in work[:20_000]:  # warm-up
        resolve(rule, ctx)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for rule, ctx in work:
            resolve(rule, ctx)
        best = min(best, time.perf_counter() - t0)
    fast = len(work) / best
    print(f"Rulebook.resolve: {fast:,.0f} resolutions/s (best of 3 over {len(work):,})")

    sample = work[:5_000]
    for rule, ctx in sample:  # the baseline must agree before it is timed
        res = rb.resolve(rule, ctx)
        value, regime = naive_resolve(law, rule, ctx)
        assert (res.value, res.regime) == (value, regime), (rule, ctx, res, value, regime)
    t0 = time.perf_counter()
    for rule, ctx in sample:
        naive_resolve(law, rule, ctx)
    naive = len(sample) / (time.perf_counter() - t0)
    print(f"naive baseline:   {naive:,.0f} resolutions/s (same mix, {len(sample):,})")
    print(
        f"speed-up: {fast / naive:.0f}x; "
        f"target >= 100,000/s: {'OK' if fast >= 100_000 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()

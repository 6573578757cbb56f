"""Cases learn the law when it is decided, and re-plan on the day they learn it.

The worked example is the government's decision of 2021-08-26 to extend three trials by a
year [003:L19, L29, L30]: a mikrolån case (FK-1.a) planned before it ends the trial on the
old end, and moves onto the new one on the decision day, with a timeline line naming the
decision. The re-planning rules are checked on a law tree with a retroactive decision and
through `replan` (the function a roll-out uses).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from domain.case import engine
from domain.case.engine import CaseStart
from domain.case.model import ObligationStatus, PhaseName, TimelineKind
from domain.case.replan import ReplanCause, replan
from domain.rulebook import DEFAULT_ROOT, Rulebook, load_rulebook
from tests.domain.conftest import CaseDriver

D = date
DECIDED = D(2021, 8, 26)
SCREENING = "mikrolaan.screening"
OPENED = D(2021, 6, 7)


def mikrolaan(rulebook: Rulebook, opened_on: date = OPENED) -> CaseDriver:
    return CaseDriver(
        rulebook,
        CaseStart(
            case_id="M-2101",
            municipality="aalborg",
            opened_on=opened_on,
            phase=PhaseName.MIKROLAAN_SCREENING,
            target_group="2.2",
        ),
    )


def test_a_case_planned_before_the_extension_ends_the_trial_on_the_old_end(
    rulebook: Rulebook,
) -> None:
    case = mikrolaan(rulebook).until(D(2021, 8, 25))

    assert case.obligation(SCREENING).due_on == D(2021, 12, 31)
    assert case.obligation(SCREENING).regime == "TRIAL:FK-1.a"
    # what the case can know on its today: the trial ends on 2022-01-01
    assert case.rules.trial_period("FK-1.a", "aalborg", known_on=D(2021, 8, 25)) == (
        D(2017, 7, 1),
        D(2022, 1, 1),
    )
    assert engine.next_wakeup(case.state, case.rules) == DECIDED
    assert not [e for e in case.state.timeline if "law changed" in e.summary]


def test_on_the_decision_day_the_case_moves_onto_the_new_end_with_a_line_naming_it(
    rulebook: Rulebook,
) -> None:
    case = mikrolaan(rulebook).until(DECIDED)

    record = case.obligation(SCREENING)
    assert record.due_on == D(2022, 12, 31)
    assert record.status is ObligationStatus.OPEN
    [line] = [e for e in case.state.timeline if e.on == DECIDED]
    assert line.kind is TimelineKind.OBLIGATION_RECOMPUTED
    assert line.subject == SCREENING
    assert "due 2021-12-31 -> 2022-12-31" in line.summary
    assert "the law changed on 2021-08-26" in line.summary
    assert case.rules.content_hash[:12] in line.summary
    assert "Regeringens beslutning 26-08-2021, sag 2021-4454 [003:L6-9, L19, L29, L30]" in (
        line.citations
    )
    assert any("FK-1.a" in c for c in line.citations)  # the rule's own citation
    assert line.regime == "TRIAL:FK-1.a"


def test_a_case_opened_after_the_decision_plans_on_the_new_end_from_the_start(
    rulebook: Rulebook,
) -> None:
    case = mikrolaan(rulebook, opened_on=D(2021, 9, 1)).until(D(2021, 10, 1))

    assert case.obligation(SCREENING).due_on == D(2022, 12, 31)
    assert not [e for e in case.state.timeline if "law changed" in e.summary]


def test_a_run_recorded_before_decision_days_keeps_planning_on_all_law(
    rulebook: Rulebook,
) -> None:
    rules = Rulebook.from_slice(rulebook.slice_for("aalborg"))
    start = CaseStart(
        case_id="M-2102",
        municipality="aalborg",
        opened_on=D(2021, 6, 7),
        phase=PhaseName.MIKROLAAN_SCREENING,
        target_group="2.2",
    )
    state = engine.open_case(start, rules, plans_on_all_law=True)

    assert state.obligations[SCREENING].due_on == D(2022, 12, 31)
    assert engine.next_wakeup(state, rules) != DECIDED


# --- the re-planning rules, on a law tree with a retroactive decision -----------------------

RETRO = D(2019, 4, 10)


def law_with(tmp_path: Path, *edits: tuple[str, str, str]) -> Path:
    """A copy of the packaged law with text edits (file, old, new)."""
    root = tmp_path / "law"
    shutil.copytree(DEFAULT_ROOT, root)
    for name, old, new in edits:
        path = root / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


REGISTER_RETRO = (
    "decisions.yaml",
    "  - day: 2019-05-07\n",
    "  - day: 2019-04-10\n"
    "    title: A test decision, retroactive to 2019-01-01\n"
    '    citation: {act: "Test act of 10/4/2019", provenance: "public law, to confirm"}\n'
    "  - day: 2019-05-07\n",
)
FIRST_FOLLOWUP = (
    "    - {valid_from: 2013-01-01, decided: 2013-01-01, value: 8}\n\nsdp.followup.interval"
)


def sickness_case(rules_root: Path) -> CaseDriver:
    case = CaseDriver(
        load_rulebook(rules_root),
        CaseStart(
            case_id="T-1901",
            municipality="thisted",
            opened_on=D(2019, 3, 4),
            phase=PhaseName.SYGEDAGPENGE,
            entry={"first_absence_day": "2019-03-01"},
        ),
    )
    return case.event(D(2019, 3, 5), "screened", category=2)


def test_a_retroactive_decision_makes_a_passed_deadline_due_now_not_missed_back_dated(
    tmp_path: Path,
) -> None:
    root = law_with(
        tmp_path,
        REGISTER_RETRO,
        (
            "standard/sygedagpenge.yaml",
            FIRST_FOLLOWUP,
            "    - {valid_from: 2013-01-01, decided: 2013-01-01, value: 8}\n"
            "    - {valid_from: 2019-01-01, decided: 2019-04-10, value: 4}\n"
            "\nsdp.followup.interval",
        ),
    )
    case = sickness_case(root).until(D(2019, 4, 9))
    assert case.obligation("sdp.followup.1").due_on == D(2019, 4, 25)

    case.until(RETRO)

    record = case.obligation("sdp.followup.1")
    assert record.status is ObligationStatus.OPEN
    assert record.due_on == RETRO  # due now, not back-dated
    assert record.law_changed_on == RETRO
    [line] = [e for e in case.state.timeline if e.on == RETRO and e.subject == "sdp.followup.1"]
    assert "due 2019-04-25 -> 2019-03-28 under the new law, so due now (2019-04-10)" in (
        line.summary
    )
    assert "overdue because the law changed on 2019-04-10" in line.summary
    assert "Test act of 10/4/2019 public law, to confirm" in line.citations

    # later steps keep it due on the day of the change, then it is missed the day after
    case.until(D(2019, 4, 12))
    record = case.obligation("sdp.followup.1")
    assert record.status is ObligationStatus.MISSED
    assert record.missed_on == D(2019, 4, 11)


def test_a_rollout_moves_deadlines_keeps_what_is_met_and_asks_no_action_again(
    rulebook: Rulebook, tmp_path: Path
) -> None:
    case = sickness_case(DEFAULT_ROOT).until(D(2019, 3, 20))
    documentation = case.obligation("sdp.documentation")
    assert documentation.receipt is not None  # the LÆ285 was requested
    screening = case.obligation("sdp.screening")
    assert screening.status is ObligationStatus.MET

    v2 = Rulebook.from_slice(
        load_rulebook(
            law_with(
                tmp_path,
                (
                    "standard/sygedagpenge.yaml",
                    FIRST_FOLLOWUP,
                    FIRST_FOLLOWUP.replace("value: 8", "value: 10"),
                ),
            )
        ).slice_for("thisted")
    )
    assert v2.content_hash != case.rules.content_hash
    cause = ReplanCause.rollout(v2.content_hash, D(2019, 3, 21))
    lines = replan(case.state, v2, D(2019, 3, 21), cause)

    assert lines[0].kind is TimelineKind.RULES_LOADED
    moved = {e.subject: e for e in lines if e.kind is TimelineKind.OBLIGATION_RECOMPUTED}
    assert "due 2019-04-25 -> 2019-05-09" in moved["sdp.followup.1"].summary
    assert "the rules were rolled out on 2019-03-21" in moved["sdp.followup.1"].summary
    assert f"rulebook {v2.content_hash[:12]}" in moved["sdp.followup.1"].citations
    assert case.state.rulebook_hash == v2.content_hash
    assert case.obligation("sdp.screening").status is ObligationStatus.MET
    assert case.state.pending_actions == []  # the LÆ285 is not requested again
    assert case.obligation("sdp.documentation").receipt == documentation.receipt
    # each obligation gets at most one line, and replanning again changes nothing
    assert len(moved) == len({e.subject for e in lines if e.subject in moved})
    assert replan(case.state, v2, D(2019, 3, 21), cause) == []


def test_a_rollout_that_removes_a_duty_cancels_it_and_says_why(tmp_path: Path) -> None:
    rt_rule = '{valid_from: 2014-07-01, decided: 2014-07-01, value: true, reason: "Every JAF'
    v2_law = law_with(
        tmp_path,
        (
            "standard/jobafklaringsforloeb.yaml",
            rt_rule,
            rt_rule.replace("value: true", "value: false"),
        ),
    )
    start = CaseStart(
        case_id="T-1902",
        municipality="thisted",
        opened_on=D(2019, 8, 1),
        phase=PhaseName.JOBAFKLARINGSFORLOEB,
    )
    case = CaseDriver(load_rulebook(), start).until(D(2019, 8, 5))
    presentations = [o for o in case.state.open_obligations() if o.id.endswith(".rt")]
    assert presentations, "a JAF case under standard law is presented to the team"
    rt = presentations[0].id

    v2 = Rulebook.from_slice(load_rulebook(v2_law).slice_for("thisted"))
    lines = replan(
        case.state, v2, D(2019, 8, 6), ReplanCause.rollout(v2.content_hash, D(2019, 8, 6))
    )

    record = case.state.obligations[rt]
    assert record.status in (ObligationStatus.EXEMPTED, ObligationStatus.WITHDRAWN)
    [line] = [e for e in lines if e.subject == rt]
    assert "the rules were rolled out on 2019-08-06" in line.summary
    assert line.kind in (TimelineKind.OBLIGATION_EXEMPTED, TimelineKind.OBLIGATION_WITHDRAWN)
    assert rt not in case.state.pending_actions


def test_a_what_if_reform_applies_on_any_day_whatever_was_published_then(
    rulebook: Rulebook,
) -> None:
    # KL 2023 was published in November 2023 [002:L9]; a what-if asks how 2019 would look
    case = CaseDriver(
        rulebook,
        CaseStart(
            case_id="W-1901",
            municipality="thisted",
            opened_on=D(2019, 3, 4),
            phase=PhaseName.SYGEDAGPENGE,
            entry={"first_absence_day": "2019-03-01"},
            reform="KL2023_HYPOTHETICAL",
        ),
    ).until(D(2019, 6, 1))
    assert case.state.regimes == ("KL2023_HYPOTHETICAL",)

"""The ressourceforløb's end decision ("extension or next step", `rf.end.<n>`) is met by
every decision that answers it -- an extension, or the next step that ends the course --
not withdrawn with the phase as a duty that was "no longer required".

Runs recorded before that (`EngineMemo.end_decisions_withdrawn`) keep the old story.
"""

from __future__ import annotations

from datetime import date as D

import pytest

from domain.case.engine import CaseStart
from domain.case.model import ObligationStatus, PhaseName, TimelineKind
from domain.rulebook import Rulebook
from tests.domain.conftest import CaseDriver

END_ON = D(2020, 3, 1)
"""The course's end: its end decision opens `rf_end_preparation_weeks` before it."""
END = "rf.end.1"


def _rf(rulebook: Rulebook, *, old: bool = False) -> CaseDriver:
    c = CaseDriver(
        rulebook,
        CaseStart(
            case_id="T-0001",
            municipality="aalborg",
            opened_on=D(2019, 3, 1),
            phase=PhaseName.RESSOURCEFORLOEB,
            entry={"end_on": END_ON},
        ),
    )
    # As the workflow marks a run recorded before the patch, before any event.
    c.state.memo.end_decisions_withdrawn = old
    return c


def _through_the_team(c: CaseDriver, recommendation: str) -> CaseDriver:
    c.event(D(2020, 1, 5), "certificate_received", certificate="LAE265")
    return c.event(
        D(2020, 1, 10), "meeting_held", meeting="rt_meeting", recommendation=recommendation
    )


def _lines(c: CaseDriver, subject: str) -> list[tuple[D, str, str]]:
    return [(e.on, e.kind.value, e.summary) for e in c.state.timeline if e.subject == subject]


@pytest.mark.parametrize(
    ("decision", "recommendation", "phase"),
    [
        ("rf_ended", "ressourceforloeb", PhaseName.CLOSED),
        ("fleksjob_granted", "fleksjob", PhaseName.FLEKSJOB),
        ("foep_granted", "foertidspension", PhaseName.FOERTIDSPENSION),
        ("reval_granted", "revalidering", PhaseName.REVALIDERING),
    ],
)
def test_the_next_step_meets_the_end_decision(
    rulebook: Rulebook, decision: str, recommendation: str, phase: PhaseName
) -> None:
    c = _through_the_team(_rf(rulebook), recommendation)
    c.event(D(2020, 1, 25), "decision_made", decision=decision)
    assert c.state.phase is phase
    record = c.obligation(END)
    assert (record.status, record.met_on) == (ObligationStatus.MET, D(2020, 1, 25))
    assert record.id not in c.state.pending_actions
    met = (
        D(2020, 1, 25),
        TimelineKind.OBLIGATION_MET.value,
        "Decision on extension or next step before the ressourceforløb ends met",
    )
    assert _lines(c, END)[-1] == met
    assert TimelineKind.OBLIGATION_WITHDRAWN.value not in c.timeline_kinds(END)


def test_a_run_recorded_before_keeps_the_end_decision_withdrawn(rulebook: Rulebook) -> None:
    c = _through_the_team(_rf(rulebook, old=True), "fleksjob")
    c.event(D(2020, 1, 25), "decision_made", decision="fleksjob_granted")
    record = c.obligation(END)
    assert (record.status, record.met_on) == (ObligationStatus.WITHDRAWN, None)
    on, kind, summary = _lines(c, END)[-1]
    assert (on, kind) == (D(2020, 1, 25), TimelineKind.OBLIGATION_WITHDRAWN.value)
    assert summary.startswith("Decision on extension or next step before the ressourceforløb")
    assert "withdrawn: ressourceforloeb ended by decision_made" in summary


def test_a_next_step_after_the_end_meets_it_late(rulebook: Rulebook) -> None:
    c = _rf(rulebook).until(D(2020, 3, 10))
    assert c.obligation(END).status is ObligationStatus.MISSED
    c.event(D(2020, 3, 10), "decision_made", decision="rf_ended")
    assert c.obligation(END).status is ObligationStatus.MET
    assert _lines(c, END)[-1][1:] == (
        TimelineKind.OBLIGATION_MET.value,
        "Decision on extension or next step before the ressourceforløb ends met late",
    )


def test_a_next_step_before_the_end_decision_opens_meets_nothing(rulebook: Rulebook) -> None:
    """Decided before the end's window opened: there was no duty to meet yet, and none is
    created afterwards -- the case has no `rf.end` record and its timeline no line for one
    (neither met nor withdrawn)."""
    c = _rf(rulebook)
    c.event(D(2019, 10, 1), "decision_made", decision="rf_ended")
    assert c.state.phase is PhaseName.CLOSED
    assert not [i for i in c.state.obligations if i.startswith("rf.end")]
    assert not [e for e in c.state.timeline if e.subject.startswith("rf.end")]


def test_after_an_extension_the_next_step_meets_the_next_end(rulebook: Rulebook) -> None:
    c = _through_the_team(_rf(rulebook), "ressourceforloeb")
    c.event(
        D(2020, 1, 25), "decision_made", decision="rf_extended", route="rt", end_on=D(2021, 3, 1)
    )
    c.event(D(2021, 1, 20), "decision_made", decision="rf_ended")
    assert c.obligation(END).met_on == D(2020, 1, 25)  # the extension's
    assert (c.obligation("rf.end.2").status, c.obligation("rf.end.2").met_on) == (
        ObligationStatus.MET,
        D(2021, 1, 20),
    )
    # The team and its LÆ265 are not decisions: the course ended without them.
    assert c.obligation("rf.end.2.rt").status is ObligationStatus.WITHDRAWN

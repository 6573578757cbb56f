"""Mikrolån, FK-1.a (Aalborg), DOMAIN §3.12: four phases, one module each.

    MIKROLAAN_SCREENING -> MIKROLAAN_COURSE -> MIKROLAAN_DECISION -> MIKROLAAN_STARTUP -> CLOSED
           |  rejected / not admitted   |  left         |  not viable: joint conversation
           +------------> CLOSED (back to the standard track, with the reason on the timeline)

Standard law has no microloan (help to start a business is for revalidender only), so a
referral is refused unless FK-1.a is in force for the case's municipality, LAB § 2 group and
date (`Rulebook.trial_status`), and the group is one the grant names
(`mikrolaan.eligible_groups`). Every number -- course length and milestones, loan range,
the start-up period, survey timing -- is read from the rulebook.

Admission and the cap of 80 citizens. The cap holds across cases, so no single case can
decide it: the trial's enrolment registry (an entity workflow,
`workflows/enrolment_workflow.py`) hands out seats, idempotently per case, up to
`mikrolaan.participants.max`. The core only ever sees the registry's answer, as an event:

- `screening_passed` records the screening (the fact the grant's admission rule reads);
- whoever asked the registry (the case's enrolment activity, or the gateway) then reports
  `mikrolaan_admitted` with the `seat` it was given, or `mikrolaan_admission_refused`;
- the core re-checks the seat against the rulebook (the cap, and the grant's own
  `mikrolaan.admission.allowed` rule with `participants_admitted = seat - 1`), so a wrong
  or forged seat is refused with the rule's citation, and the admission is replayable from
  the case's own history without asking the registry again.

A case does not hold a seat before it is admitted, and a seat is never given back: the
grant caps the citizens taken into the trial over its whole period.
"""

from domain.case.phases.mikrolaan.course import MikrolaanCoursePhase
from domain.case.phases.mikrolaan.decision import MikrolaanDecisionPhase
from domain.case.phases.mikrolaan.screening import MikrolaanScreeningPhase
from domain.case.phases.mikrolaan.startup import MikrolaanStartupPhase

__all__ = [
    "MikrolaanCoursePhase",
    "MikrolaanDecisionPhase",
    "MikrolaanScreeningPhase",
    "MikrolaanStartupPhase",
]

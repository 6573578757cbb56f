"""Psykologbehandling in the jobcentre, DOMAIN §3.2 (FK-2.b: Jammerbugt, Thisted, Rebild,
2018-01-01 to 2021-12-31, extended one year by the 2021 decision record).

REFERRED -> ASSESSED -> IN_TREATMENT (at most N sessions) -> COMPLETED -> relapse checks
-> closed. Referred by the jobcentre psychologist, the GP or the caseworker.

The course is its own case (its own workflow), opened at the referral and independent of
the citizen's sygedagpenge case: that case may end, move to jobafklaring or record a
raskmelding while this one goes on, which is what the trial says ("not interrupted by a
benefit change, a rehab case or raskmelding") [001:L2241]. A benefit change can be noted
here for the record; it changes nothing.

Health details are never stored: the jobcentre psychologist's assessment arrives as
coded yes/no facts (`psyk.eligible_condition` covers the four condition groups,
`psyk.regional_subsidy_eligible` and `psyk.severe_comorbidity` the exclusions), the
referral as the system fact `psyk.on_sygedagpenge_at_referral`. Refusal reasons name
those facts and the rules, never a diagnosis of this citizen.

Outside FK-2.b (municipality or date) the referral is refused with the trial's status.
Limits decided when treatment starts (session cap, relapse months) stand to the end of
the course even if the trial ends meanwhile (DOMAIN §8.15).
"""

from __future__ import annotations

from datetime import date

from domain.case.dates import add_months
from domain.case.events import CaseEvent, DecisionMade, MeetingHeld
from domain.case.model import (
    CaseState,
    Obligation,
    ObligationKind,
    ObligationStatus,
    PhaseName,
)
from domain.case.phase import EventRefused, Transition
from domain.case.phases.base import as_date, check_decision, refuse_screening, status_of
from domain.case.rules_view import RuleView, make_obligation
from domain.rulebook import Resolution

__all__ = ["PsykologbehandlingPhase"]

TRIAL = "FK-2.b"
SDP_GROUP = "2.5"
SESSION, RELAPSE_CHECK = "psyk_session", "relapse_check"
ASSESSED, NOT_ELIGIBLE, STARTED, COMPLETED = (
    "psyk_assessed",
    "psyk_not_eligible",
    "treatment_started",
    "treatment_completed",
)
REFERRED_AGAIN, GP_NOTE, CASEWORKER, BENEFIT_CHANGED = (
    "psyk_referred",
    "gp_note_sent",
    "caseworker_involved",
    "benefit_changed",
)
REFERRERS = frozenset({"jobcentre_psychologist", "gp", "caseworker"})
S_REFERRED, S_ASSESSED, S_TREATMENT, S_COMPLETED = (
    "referred",
    "assessed",
    "in_treatment",
    "completed",
)
ON_SDP = "psyk.on_sygedagpenge_at_referral"
ELIGIBLE = "psyk.eligible_condition"
REGIONAL = "psyk.regional_subsidy_eligible"
COMORBIDITY = "psyk.severe_comorbidity"
GP_CONSENT = "consent.psyk_note_to_gp"
CASEWORKER_CONSENT = "consent.psyk_caseworker_involvement"
ALLOWED_RULE = "psyk.municipal_treatment.allowed"
REREFERRAL_RULE = "psyk.re_referral.allowed"
# What `psyk.eligible_condition` = true stands for [001:L4457-4461]; named in refusals so a
# caseworker knows what the psychologist must assess, never what this citizen has.
COVERED_GROUPS = (
    "F43 not covered by life events 1-9; mild-moderate anxiety F40-F42 (aged 18-38 or over "
    "38); mild-moderate depression F32/F33"
)


def _cited(resolution: Resolution) -> str:
    return f"{'; '.join(resolution.citations)}; {resolution.regime}"


class PsykologbehandlingPhase:
    name = PhaseName.PSYKOLOGBEHANDLING
    changes_between_events = False
    target_group = SDP_GROUP
    meeting_kinds = frozenset({SESSION, RELAPSE_CHECK})
    decisions = frozenset(
        {
            ASSESSED,
            NOT_ELIGIBLE,
            STARTED,
            COMPLETED,
            REFERRED_AGAIN,
            GP_NOTE,
            CASEWORKER,
            BENEFIT_CHANGED,
        }
    )

    def enter(self, state: CaseState, view: RuleView, transition: Transition) -> None:
        """The referral: refused outside the trial, off sygedagpenge, or a second time."""
        on = transition.on
        status = view.rulebook.trial_status(TRIAL, state.municipality, state.target_group, on)
        if not status.in_force:
            allowed = view.resolve(ALLOWED_RULE)
            raise EventRefused(
                "municipality",
                f"referral refused: {status.reason} ({'; '.join(status.citations)}); "
                f"under {allowed.regime} {allowed.reason}",
            )
        if state.facts.get(ON_SDP) is not True:
            raise EventRefused(
                "facts",
                f"referral refused: the citizen must be on sygedagpenge at referral ({ON_SDP}) "
                "[001:L2214]",
            )
        if transition.data.get("previously_referred") is True:
            raise EventRefused("referral", self._no_rereferral(view))
        referred_by = transition.data.get("referred_by", "jobcentre_psychologist")
        if referred_by not in REFERRERS:
            raise EventRefused(
                "referred_by", f"expected one of: {', '.join(sorted(REFERRERS))} [001:L2218]"
            )
        state.phase_data = {
            "status": S_REFERRED,
            "referred_on": on,
            "referred_by": referred_by,
            "sessions": 0,
            "max_sessions": None,
            "max_sessions_basis": None,
            "relapse_months": [],
            "completed_on": None,
            "benefit_changes": [],
        }

    def _no_rereferral(self, view: RuleView) -> str:
        rule = view.resolve(REREFERRAL_RULE)
        return (
            f"no re-referral: one course per citizen (rule {REREFERRAL_RULE}: {_cited(rule)}): "
            f"{rule.reason}"
        )

    def validate(self, state: CaseState, event: CaseEvent, view: RuleView) -> None:
        refuse_screening(self.name, event)
        data = state.phase_data
        status = data["status"]
        if isinstance(event, MeetingHeld):
            if event.meeting == SESSION:
                self._check_session(state)
            elif status != S_COMPLETED or not self._relapse_pending(state):
                raise EventRefused("meeting", "no relapse check is due: treatment not completed")
            return
        if not isinstance(event, DecisionMade):
            return
        check_decision(self.name, self.decisions, event)
        match event.decision:
            case "psyk_referred":
                raise EventRefused("decision", self._no_rereferral(view))
            case "psyk_assessed" | "psyk_not_eligible":
                if status != S_REFERRED:
                    raise EventRefused("decision", f"already assessed (status {status})")
                if event.decision == ASSESSED:
                    self._check_eligible(state, view)
            case "treatment_started":
                if status != S_ASSESSED:
                    raise EventRefused(
                        "decision", f"treatment starts after an eligible assessment ({ASSESSED})"
                    )
                if view.resolve("psyk.max_sessions").value is None:
                    allowed = view.resolve(ALLOWED_RULE)
                    raise EventRefused(
                        "decision", f"no course can start under {allowed.regime}: {allowed.reason}"
                    )
            case "treatment_completed":
                if status != S_TREATMENT:
                    raise EventRefused("decision", "no treatment in progress")
            case "gp_note_sent":
                self._check_consent(state, GP_CONSENT, "a note to the GP")
            case "caseworker_involved":
                self._check_consent(state, CASEWORKER_CONSENT, "involving the caseworker")
            case _:  # benefit_changed: recorded; the treatment goes on
                pass

    def _check_session(self, state: CaseState) -> None:
        data = state.phase_data
        if data["status"] != S_TREATMENT:
            raise EventRefused("meeting", f"no treatment in progress (status {data['status']})")
        if data["sessions"] >= data["max_sessions"]:
            raise EventRefused(
                "meeting",
                f"at most {data['max_sessions']} sessions; no extra paid sessions "
                f"(rule psyk.max_sessions: {data['max_sessions_basis']})",
            )

    def _check_eligible(self, state: CaseState, view: RuleView) -> None:
        facts = state.facts
        missing = []
        if facts.get(ELIGIBLE) is not True:
            missing.append(f"{ELIGIBLE} is not assessed true (covered: {COVERED_GROUPS})")
        if facts.get(REGIONAL) is True:
            missing.append(f"{REGIONAL}: eligible for the regional subsidy (excluded)")
        if facts.get(COMORBIDITY) is True:
            missing.append(f"{COMORBIDITY}: severe comorbidity (excluded)")
        allowed = view.resolve(ALLOWED_RULE)
        if missing or allowed.value is not True:
            detail = "; ".join(missing) or allowed.reason
            raise EventRefused(
                "decision",
                f"not eligible for psychologist treatment under {allowed.regime}: {detail} "
                "[001:L2214-2216, L4457-4461]",
            )

    @staticmethod
    def _check_consent(state: CaseState, consent: str, what: str) -> None:
        if state.facts.get(consent) is not True:
            raise EventRefused(
                "decision",
                f"{what} needs the citizen's consent ({consent}) [001:L2237]",
            )

    def apply(self, state: CaseState, event: CaseEvent, view: RuleView) -> Transition | None:
        data = state.phase_data
        on = event.effective_date
        if isinstance(event, MeetingHeld):
            if event.meeting == SESSION:
                data["sessions"] += 1
            elif not self._relapse_pending(state):
                # The last relapse check closes the course.
                return Transition(to=PhaseName.CLOSED, on=on)
            return None
        if not isinstance(event, DecisionMade):
            return None
        match event.decision:
            case "psyk_assessed":
                data["status"] = S_ASSESSED
            case "psyk_not_eligible":
                return Transition(to=PhaseName.CLOSED, on=on)
            case "treatment_started":
                # Decided now, these limits stand for the whole course (DOMAIN §8.15).
                cap = view.resolve("psyk.max_sessions")
                relapse = view.resolve("psyk.relapse_check_months")
                data["status"] = S_TREATMENT
                data["max_sessions"] = int(cap.value)
                data["max_sessions_basis"] = _cited(cap)
                data["relapse_months"] = [int(m) for m in relapse.value or []]
                data["relapse_basis"] = [relapse.regime, *relapse.citations]
            case "treatment_completed":
                data["status"], data["completed_on"] = S_COMPLETED, on
                if not data["relapse_months"]:
                    return Transition(to=PhaseName.CLOSED, on=on)
            case "benefit_changed":
                data["benefit_changes"].append(on)
        return None

    def _relapse_pending(self, state: CaseState) -> bool:
        return any(
            status_of(state, f"psyk.relapse.{m}")
            not in (ObligationStatus.MET, ObligationStatus.EXEMPTED)
            for m in state.phase_data["relapse_months"]
        )

    def obligations(self, state: CaseState, view: RuleView) -> list[Obligation]:
        data = state.phase_data
        if data["status"] != S_COMPLETED:
            return []
        completed = as_date(data["completed_on"], "completed_on")
        regime, *citations = data["relapse_basis"]
        result = []
        previous = 0
        for months in data["relapse_months"]:
            result.append(
                make_obligation(
                    obligation_id=f"psyk.relapse.{months}",
                    kind=ObligationKind.FOLLOW_UP,
                    title=f"Relapse check {months} months after treatment",
                    opens_on=add_months(completed, previous),
                    due_on=add_months(completed, months),
                    basis=[_stored(regime, citations)],
                    reason=f"Relapse is checked {months} months after the course ended",
                    met_by=(f"meeting:{RELAPSE_CHECK}",),
                )
            )
            previous = months
        return result

    def wakeups(self, state: CaseState, view: RuleView) -> list[date]:
        return []


def _stored(regime: str, citations: list[str]) -> Resolution:
    """The relapse rule's answer as decided at treatment start, rebuilt from phase data."""
    return Resolution(
        rule_id="psyk.relapse_check_months",
        value=None,
        applicable=True,
        unit="months_list",
        regime=regime,
        citations=tuple(citations),
        reason="",
        since=None,
        next_change=None,
    )

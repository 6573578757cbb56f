"""Mentor, contact course and psychologist trajectories through the real case workflow
(per-workflow time skipping): each must tell the pure core's story, under standard law
and under the trials that touch it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.case.model import PhaseName
from domain.case.scenario import Scenario, run_scenario
from domain.rulebook import load_rulebook
from tests.domain.conftest import make_event
from tests.helpers import new_worker
from tests.workflows.driver import (
    case_activities,
    case_handle,
    comparable,
    drive,
    move_to,
    report,
    start_case,
)
from workflows.case_workflow import CaseWorkflow


def _case(case_id: str, municipality: str, opened: str, phase: str, **more: Any) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "municipality": municipality,
        "opened_on": opened,
        "phase": phase,
        **more,
    }


SCENARIOS: dict[str, dict[str, Any]] = {
    # Standard law: mentor instead of an offer, weekly -> two-weekly is long past; the
    # mandatory mentor is abolished on 2020-01-01 and its open contact is withdrawn.
    "mentor_standard_across_2020": {
        "case": _case("WF-MENTOR-1", "thisted", "2019-08-05", "mentor", target_group="2.3"),
        "events": [
            {"date": "2019-09-02", "type": "decision_made", "decision": "mentor_assigned"},
            {"date": "2019-09-13", "type": "meeting_held", "meeting": "mentor_contact"},
            {"date": "2019-12-20", "type": "meeting_held", "meeting": "mentor_contact"},
            {"date": "2020-02-03", "type": "decision_made", "decision": "offer_started"},
        ],
        "until": "2020-02-03",
    },
    # FK-3.e: seriously ill, effort under other legislation: no offer deadline, the
    # coordinating caseworker's conversations instead.
    "mentor_fk3e_exemption": {
        "case": _case(
            "WF-MENTOR-2",
            "jammerbugt",
            "2018-09-03",
            "mentor",
            target_group="2.13",
            facts={
                "mentor.other_legislation_effort": True,
                "mentor.citizen_seriously_ill_hospitalised_or_botilbud": True,
            },
        ),
        "events": [
            {"date": "2018-10-25", "type": "meeting_held", "meeting": "coordinating_conversation"},
            {"date": "2019-01-10", "type": "decision_made", "decision": "offer_started"},
        ],
        "until": "2019-01-10",
    },
    # Dagpenge under standard law: fællessamtale first, then every 4 weeks.
    "kontakt_dagpenge_standard": {
        "case": _case("WF-KONTAKT-1", "morsoe", "2019-01-07", "kontaktforloeb", target_group="2.1"),
        "events": [
            {"date": "2019-02-01", "type": "meeting_held", "meeting": "faellessamtale"},
            {"date": "2019-02-28", "type": "meeting_held", "meeting": "jobsamtale"},
            {"date": "2019-04-30", "type": "meeting_held", "meeting": "jobsamtale"},
            {"date": "2019-05-20", "type": "decision_made", "decision": "course_ended"},
        ],
        "until": "2019-05-20",
    },
    # FK-1.d in Aalborg: phone conversations, joint meeting as the 3rd, agreed cadence.
    "kontakt_dagpenge_fk1d": {
        "case": _case(
            "WF-KONTAKT-2",
            "aalborg",
            "2019-01-07",
            "kontaktforloeb",
            target_group="2.1",
            facts={"assessment.cadence_deviation_documented": True},
        ),
        "events": [
            {
                "date": "2019-02-01",
                "type": "meeting_held",
                "meeting": "jobsamtale",
                "form": "phone",
                "next_agreed_on": "2019-03-20",
            },
            {
                "date": "2019-03-18",
                "type": "meeting_held",
                "meeting": "jobsamtale",
                "form": "digital",
            },
            {"date": "2019-03-29", "type": "meeting_held", "meeting": "faellessamtale"},
        ],
        "until": "2019-05-01",
    },
    # FK-3.g: integration course in Vesthimmerland, via-mentor contact with journal note.
    "kontakt_integration_fk3g": {
        "case": _case(
            "WF-KONTAKT-3",
            "vesthimmerland",
            "2018-08-06",
            "kontaktforloeb",
            target_group="2.3",
            facts={"integration.in_programme": True, "journalnotat.fk3g_recorded": True},
        ),
        "events": [
            {"date": "2018-09-03", "type": "meeting_held", "meeting": "jobsamtale"},
            {
                "date": "2018-11-05",
                "type": "meeting_held",
                "meeting": "jobsamtale",
                "form": "via_mentor",
            },
        ],
        "until": "2018-12-01",
    },
    # FK-2.b: referral, assessment, sessions, completion and the three relapse checks.
    "psyk_fk2b_full_course": {
        "case": _case(
            "WF-PSYK-1",
            "thisted",
            "2019-03-01",
            "psykologbehandling",
            facts={"psyk.on_sygedagpenge_at_referral": True, "psyk.eligible_condition": True},
            entry={"referred_by": "gp"},
        ),
        "events": [
            {"date": "2019-03-05", "type": "decision_made", "decision": "psyk_assessed"},
            {"date": "2019-03-11", "type": "decision_made", "decision": "treatment_started"},
            {"date": "2019-03-18", "type": "meeting_held", "meeting": "psyk_session"},
            {"date": "2019-04-01", "type": "decision_made", "decision": "benefit_changed"},
            {"date": "2019-04-08", "type": "meeting_held", "meeting": "psyk_session"},
            {"date": "2019-05-01", "type": "decision_made", "decision": "treatment_completed"},
            {"date": "2019-07-30", "type": "meeting_held", "meeting": "relapse_check"},
            {"date": "2019-10-30", "type": "meeting_held", "meeting": "relapse_check"},
            {"date": "2020-01-30", "type": "meeting_held", "meeting": "relapse_check"},
        ],
        "until": "2020-01-30",
    },
}
CLOSED = {
    "mentor_standard_across_2020",
    "mentor_fk3e_exemption",
    "kontakt_dagpenge_standard",
    "psyk_fk2b_full_course",
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_trajectory_tells_the_pure_cores_story(
    client: Client, env: WorkflowEnvironment, tmp_path: Path, name: str
) -> None:
    scenario = Scenario.model_validate({"name": name, **SCENARIOS[name]})
    expected = run_scenario(scenario, load_rulebook())
    assert not expected.refusals
    async with new_worker(client, CaseWorkflow, activities=case_activities(tmp_path)) as worker:
        handle = case_handle(client, (await start_case(client, scenario, worker.task_queue)).id)
        await drive(env, handle, scenario.events)
        assert scenario.until is not None
        if expected.state.closed:
            # A closed case's workflow has completed: its result carries the story, and
            # no query needs to replay the finished run.
            result = await handle.result()
            timeline = result.timeline
            assert result.closed_on == scenario.until
        else:
            final = await move_to(env, handle, scenario.until)
            timeline = await handle.query(CaseWorkflow.timeline)
            assert final.phase is expected.state.phase
    assert expected.state.closed is (name in CLOSED)
    assert comparable(timeline) == comparable(expected.timeline)


async def test_refusals_reach_the_caseworker_through_the_workflow(
    client: Client, env: WorkflowEnvironment, tmp_path: Path
) -> None:
    scenario = Scenario.model_validate(
        {
            "name": "refusals",
            "case": _case("WF-KONTAKT-4", "thisted", "2019-01-07", "kontaktforloeb"),
        }
    )
    async with new_worker(client, CaseWorkflow, activities=case_activities(tmp_path)) as worker:
        handle = case_handle(client, (await start_case(client, scenario, worker.task_queue)).id)
        await move_to(env, handle, scenario.case.opened_on.replace(month=2))
        phone = make_event(
            scenario.case.opened_on.replace(month=2),
            "meeting_held",
            event_id="x1",
            meeting="jobsamtale",
            form="phone",
        )
        with pytest.raises(WorkflowUpdateFailedError) as failed:
            await report(handle, phone)
        assert "'phone'" in str(failed.value.cause) and "STANDARD_2015" in str(failed.value.cause)
        case = await move_to(env, handle, scenario.case.opened_on.replace(month=2))
    assert case.phase is PhaseName.KONTAKTFORLOEB

"""What a caseflow worker hosts: the single list of workflows and activities.

`caseflow worker`, `caseflow up` and any test that wants "the real worker" read these, so
a workflow or activity added here is served everywhere at once. Case workflows and their
activities are registered here by the case issue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from activities.enrolment_activity import EnrolmentActivities
from activities.factory import build_case_activities
from activities.rulebook_activity import RulebookActivities, load_rule_slice
from activities.rulebook_store import RulebookStore
from domain.rulebook import load_rulebook
from workers.config import CaseflowConfig
from workflows.case_workflow import CaseWorkflow
from workflows.citizen_limits import CitizenLimitWorkflow
from workflows.enrolment_workflow import EnrolmentWorkflow
from workflows.stack_probe import StackProbeWorkflow

WORKFLOWS: list[type] = [
    CaseWorkflow,
    EnrolmentWorkflow,
    CitizenLimitWorkflow,
    StackProbeWorkflow,
]


def build_activities(config: CaseflowConfig) -> list[Callable[..., Any]]:
    """Instantiate activity adapters (they get the config for data dir, endpoints, ...)."""
    case = build_case_activities(
        config.activity_adapter,
        config.data_dir,
        http_base_url=config.activity_http_url,
        http_token=config.activity_http_token,
    )
    # The enrolment activity uses the worker's own client (activity.client()).
    enrolment = EnrolmentActivities(config.task_queue)
    # The rulebook this worker carries is published on start, so a roll-out can name it.
    store = RulebookStore.in_data_dir(config.data_dir)
    store.publish(load_rulebook())
    rulebooks = RulebookActivities(store)
    return [
        case.request_certificate,
        case.book_meeting,
        case.notify_citizen,
        load_rule_slice,
        rulebooks.load_published_slice,
        enrolment.enrol,
    ]

"""What a caseflow worker hosts: the single list of workflows and activities.

`caseflow worker`, `caseflow up` and any test that wants "the real worker" read these, so
a workflow or activity added here is served everywhere at once. Case workflows and their
activities are registered here by the case issue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workers.config import CaseflowConfig
from workflows.stack_probe import StackProbeWorkflow

WORKFLOWS: list[type] = [
    StackProbeWorkflow,
]


def build_activities(config: CaseflowConfig) -> list[Callable[..., Any]]:
    """Instantiate activity adapters (they get the config for data dir, endpoints, ...)."""
    del config  # used once the case activities are registered
    return []

"""Helpers shared by the test suites (import from `tests.helpers`)."""

from tests.helpers.net import free_port
from tests.helpers.temporal import new_worker, new_workflow_id

__all__ = ["free_port", "new_worker", "new_workflow_id"]

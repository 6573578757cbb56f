"""Names shared by the worker, the gateway and the clients."""

TASK_QUEUE = "caseflow-cases"
DEFAULT_NAMESPACE = "default"

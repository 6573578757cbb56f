"""Case activities: adapters to the outside world, each behind a port (DESIGN.md).

Import from the modules, not from this package, so a workflow importing the wire models
does not pull adapters, httpx or sqlite3 into its sandbox:

- `activities.models`: input/result models and the pinned activity names (workflow side).
- `activities.errors`: business-failure types and `NON_RETRYABLE_ERROR_TYPES` (workflow side).
- `activities.factory.build_case_activities`: what the worker registers.
- `activities.embedded` / `activities.http`: the adapters and the outbox read API.
"""

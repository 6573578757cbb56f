"""The exit codes every `caseflow` command uses, so scripts can tell failures apart.

Kept in a module without imports: `caseflow --help` prints this table and must start fast.
"""

from __future__ import annotations

OK = 0
FAILURE = 1
"""Anything else went wrong (the stack failed at run time, a rulebook is invalid)."""
USAGE = 2
"""Bad command line or configuration (click's own code for usage errors)."""
REFUSED = 3
"""The gateway or the case refused the request: invalid input, a conflict, no permission."""
NOT_FOUND = 4
"""No such case (also: a case of a municipality the token does not serve)."""
UNAVAILABLE = 5
"""Temporal or the gateway could not be reached or asked to retry later (503)."""

HELP = (
    "Exit codes: 0 ok, 1 failure, 2 usage or configuration, 3 refused, 4 not found, "
    "5 unavailable (retry later)."
)


def for_http_status(status: int) -> int:
    """The exit code for a gateway answer's HTTP status (an error status)."""
    if status == 404:
        return NOT_FOUND
    if status in (502, 503, 504):
        return UNAVAILABLE
    if 400 <= status < 500:
        return REFUSED
    return FAILURE

"""The gateway's own Prometheus metrics, served on its `/metrics` (workers.gateway.metrics).

One registry per app (not prometheus-client's global one): tests and `caseflow up` may build
several apps in one process, and each must count only its own requests. Label values are
route templates, methods, status codes and error codes: never a path with a case id in it,
never anything a client sent.

The worker's metrics (activities by outcome) are not here: they go through the Temporal
runtime's meter, onto the SDK's own Prometheus port beside `temporal_*`
(workers.activity_metrics).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

UNMATCHED_ROUTE = "<unmatched>"
"""The route label of a request no route matched (a 404 for an unknown path): one label
value for all of them, so a scanner cannot blow up the series count."""


class GatewayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "caseflow_http_requests",
            "HTTP requests answered by the gateway, by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "caseflow_http_request_duration_seconds",
            "Time from request to the end of the response, by route template and method.",
            ["route", "method"],
            registry=self.registry,
        )
        self.events = Counter(
            "caseflow_events",
            "Case events reported through the API: accepted, or refused with the error code "
            "and the field the refusal names.",
            ["outcome", "reason", "field"],
            registry=self.registry,
        )

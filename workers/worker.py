"""`caseflow worker`: the background worker that runs case workflows and their activities.

Connects to any Temporal frontend (`CASEFLOW_TEMPORAL_ADDRESS`), hosts what
`workers.registry` lists on one task queue, and on SIGINT/SIGTERM stops polling and lets
running activities finish (up to `GRACEFUL_SHUTDOWN`) before exiting 0. Scale out by
running more of these on the same task queue.
"""

from __future__ import annotations

import asyncio
import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import PollerBehaviorAutoscaling, Worker

from workers.activity_metrics import ActivityOutcomeMetrics
from workers.config import CaseflowConfig
from workers.logging_setup import configure_logging, get_logger
from workers.registry import WORKFLOWS, build_activities
from workers.telemetry import init_runtime, shutdown_tracing
from workers.temporal_client import connect_with_retry

STICKY_TIMEOUT = timedelta(seconds=10)
"""Temporal's default: a task waits this long for the worker that has its case cached."""
GRACEFUL_SHUTDOWN = timedelta(seconds=10)
"""How long in-flight activities get to finish after a stop signal. Workflow tasks need no
grace period: an interrupted workflow task is simply retried by another worker."""

log = get_logger(__name__)


def stop_event_on_signals() -> asyncio.Event:
    """An event set by the first SIGINT or SIGTERM; a second one kills the process outright."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def _on_signal(signum: int) -> None:
        if stop.is_set():
            # Second Ctrl-C: the user wants out now. Restore defaults and re-deliver.
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            signal.raise_signal(signum)
            return
        log.info("stop requested", signal=signal.Signals(signum).name)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _on_signal, sig)
    return stop


def build_worker(client: Client, config: CaseflowConfig, executor: ThreadPoolExecutor) -> Worker:
    """The worker hosting the registry's workflows and activities on `config.task_queue`."""
    return Worker(
        client,
        task_queue=config.task_queue,
        workflows=WORKFLOWS,
        activities=build_activities(config),
        # Synchronous activities (SQLite outbox, blocking HTTP clients) need a thread pool;
        # async ones ignore it.
        activity_executor=executor,
        graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
        max_cached_workflows=config.worker_cached_workflows,
        # A fixed 5 polls (4 of them sticky) cap a worker at what 5 round trips to a busy
        # server return: during a roll-out the worker sat idle behind its own polls.
        workflow_task_poller_behavior=PollerBehaviorAutoscaling(),
        activity_task_poller_behavior=PollerBehaviorAutoscaling(),
        sticky_queue_schedule_to_start_timeout=(
            timedelta(seconds=config.worker_sticky_timeout)
            if config.worker_sticky_timeout is not None
            else STICKY_TIMEOUT
        ),
        # The client's TracingInterceptor applies to the worker too; this one adds the
        # activity outcome counters (workers.activity_metrics).
        interceptors=[ActivityOutcomeMetrics()],
    )


async def run_worker(client: Client, config: CaseflowConfig, stop: asyncio.Event) -> None:
    """Poll until `stop` is set, then shut down gracefully."""
    with ThreadPoolExecutor(max_workers=16, thread_name_prefix="activity") as executor:
        worker = build_worker(client, config, executor)
        async with worker:
            log.info(
                "worker polling",
                task_queue=config.task_queue,
                namespace=config.namespace,
                workflows=[wf.__name__ for wf in WORKFLOWS],
            )
            await stop.wait()
            log.info("worker draining", grace_seconds=GRACEFUL_SHUTDOWN.total_seconds())
    log.info("worker stopped")


async def serve(config: CaseflowConfig) -> None:
    """Entry point of `caseflow worker`."""
    configure_logging(config.log_format, config.log_level)
    stop = stop_event_on_signals()
    runtime = init_runtime(config, service_name="caseflow-worker")
    try:
        client = await connect_with_retry(config, runtime=runtime)
        await run_worker(client, config, stop)
    finally:
        shutdown_tracing()

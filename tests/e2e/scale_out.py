"""Scale-out on one machine: N `caseflow worker` and M `caseflow gateway` processes on one
Temporal, a load of cases and events sent round-robin through the gateways, and kill -9s.

Used by `tests/e2e/test_scale_out.py` (bounded) and `python -m tests.bench.bench_scale_out`
(bigger, figures). The processes are the real command line, configured as a deployment
configures its replicas: one task queue, one namespace, the same payload key file and the
same gateway token file, one data dir (the embedded outbox all workers write to).

Clients behave as a caseworker system must: a connection error, a 5xx or a 503 is retried
on the next gateway with the same body and the same event id; a case start retried after
an unknown outcome may find the case already started (409 `case_exists`, or the same case
once starts are idempotent), which is an answer, not a failure.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sqlite3
import string
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from activities.embedded.store import OUTBOX_FILENAME
from tests.helpers import free_port
from workers.auth import Scope, write_token_file
from workers.codec import KeyRing, write_key_file

CASEFLOW = str(Path(sys.executable).parent / "caseflow")
OPENED = "2019-03-04"
MUNICIPALITY = "thisted"
RETRY_FOR = 120.0
"""Seconds a client keeps retrying one call across gateways before it counts as lost."""


def events_of(case: str) -> list[dict[str, Any]]:
    """One case's events, all on the opening day of its simulated calendar: a screening
    (which makes the case request a certificate and book a meeting) and assessments."""
    screened = {"type": "screened", "event_id": f"{case}-screened", "category": 2}
    assessments = [
        {
            "type": "assessment_recorded",
            "event_id": f"{case}-a{n}",
            "fact": "assessment.sufficiently_informed",
            "value": n % 2 == 0,
        }
        for n in range(3)
    ]
    return [{**e, "effective_date": OPENED} for e in [screened, *assessments]]


def new_case_id() -> str:
    return "SO-" + "".join(secrets.choice(string.ascii_uppercase) for _ in range(10))


@dataclass
class Fleet:
    """The processes of one scale-out run and the files they share."""

    address: str
    namespace: str
    data_dir: Path
    task_queue: str = field(default_factory=lambda: f"scale-out-{secrets.token_hex(4)}")
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    gateways: list[subprocess.Popen[bytes]] = field(default_factory=list)
    gateway_urls: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.key_file = self.data_dir / "keys.json"
        write_key_file(self.key_file, KeyRing.generate("scale-out"))
        self.tokens_file = self.data_dir / "tokens.yaml"
        write_token_file(
            self.tokens_file, [(self.token, "scale-out", [MUNICIPALITY], [Scope.READ, Scope.WRITE])]
        )

    @property
    def outbox(self) -> Path:
        return self.data_dir / OUTBOX_FILENAME

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CASEFLOW_")}
        env.update(
            CASEFLOW_TEMPORAL_ADDRESS=self.address,
            CASEFLOW_NAMESPACE=self.namespace,
            CASEFLOW_TASK_QUEUE=self.task_queue,
            CASEFLOW_CODEC_KEY_FILE=str(self.key_file),
            CASEFLOW_GATEWAY_TOKENS_FILE=str(self.tokens_file),
            CASEFLOW_DATA_DIR=str(self.data_dir),
            CASEFLOW_DEMO_FEATURES="true",  # simulated calendars (legal_anchor)
            CASEFLOW_METRICS_PORT="0",
            CASEFLOW_LOG_FORMAT="json",
            CASEFLOW_LOG_LEVEL="WARNING",
        )
        return env

    def _spawn(self, args: list[str], name: str) -> subprocess.Popen[bytes]:
        log = (self.data_dir / f"{name}.log").open("ab")
        # Its own process group, so a kill reaches the process and nothing else of ours.
        return subprocess.Popen(
            [CASEFLOW, *args],
            env=self._env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_worker(self) -> None:
        self.workers.append(self._spawn(["worker"], f"worker{len(self.workers)}"))

    def start_gateway(self) -> None:
        port = free_port()
        self.gateways.append(
            self._spawn(["gateway", "--gateway-port", str(port)], f"gateway{len(self.gateways)}")
        )
        self.gateway_urls.append(f"http://127.0.0.1:{port}")

    async def wait_ready(self, within: float = 60) -> None:
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(timeout=2) as http:
            for url, process in zip(self.gateway_urls, self.gateways, strict=True):
                while True:
                    if process.poll() is not None:
                        raise RuntimeError(f"gateway at {url} exited with {process.returncode}")
                    try:
                        if (await http.get(f"{url}/readyz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"gateway at {url} not ready")
                    await asyncio.sleep(0.1)
        for process in self.workers:
            if process.poll() is not None:
                raise RuntimeError(f"a worker exited with {process.returncode}")

    @staticmethod
    def kill9(process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM every process still running (they drain), SIGKILL what does not exit."""
        alive = [p for p in self.workers + self.gateways if p.poll() is None]
        for process in alive:
            process.terminate()
        for process in alive:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@dataclass
class Outcome:
    cases: list[str]
    receipts: dict[tuple[str, str], str] = field(default_factory=dict)
    """(case, event id) -> the receipt's event id, for every event answered."""
    unanswered: list[str] = field(default_factory=list)
    server_errors: Counter[int] = field(default_factory=Counter)
    retries: int = 0
    start_conflicts_on_retry: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    """Set at each answered event (cleared by whoever waits on it)."""

    @classmethod
    def of(cls, cases: int) -> Outcome:
        return cls([new_case_id() for _ in range(cases)])


class Client:
    """A caseworker system's client: round-robin over the gateways, retrying a call on the
    next one when a gateway is unreachable or answers 5xx (the same body, the same id)."""

    def __init__(self, fleet: Fleet, http: httpx.AsyncClient, outcome: Outcome) -> None:
        self.fleet = fleet
        self.http = http
        self.outcome = outcome
        self.turn = secrets.randbelow(len(fleet.gateway_urls))

    async def call(self, path: str, body: dict[str, Any], *, start: bool) -> httpx.Response | None:
        began = time.monotonic()
        attempt = 0
        while time.monotonic() - began < RETRY_FOR:
            url = self.fleet.gateway_urls[self.turn % len(self.fleet.gateway_urls)]
            self.turn += 1
            try:
                answer = await self.http.post(url + path, json=body)
            except httpx.TransportError:
                answer = None
            if answer is not None and answer.status_code < 500:
                if start and attempt and answer.status_code == 409:
                    self.outcome.start_conflicts_on_retry += 1  # our earlier try got through
                self.outcome.latencies_ms.append((time.monotonic() - began) * 1000)
                return answer
            if answer is not None:
                self.outcome.server_errors[answer.status_code] += 1
            attempt += 1
            self.outcome.retries += 1
            await asyncio.sleep(min(0.05 * 2**attempt, 1.0))
        return None


async def drive(fleet: Fleet, outcome: Outcome, concurrency: int = 10) -> Outcome:
    """Open `outcome.cases` and send each its events, `concurrency` cases at a time;
    `outcome` fills as answers arrive (watch it to time a fault)."""
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {fleet.token}"}
    queue: asyncio.Queue[str] = asyncio.Queue()
    for case in outcome.cases:
        queue.put_nowait(case)

    async def one_case(client: Client, case: str) -> None:
        started = await client.call(
            "/v1/cases",
            {
                "case_id": case,
                "municipality": MUNICIPALITY,
                "opened_on": OPENED,
                "entry": {"first_absence_day": "2019-03-01"},
                "legal_anchor": OPENED,
            },
            start=True,
        )
        if started is None or started.status_code not in {200, 201, 202, 409}:
            outcome.unanswered.append(f"{case}: start {started and started.status_code}")
            return
        for event in events_of(case):
            answer = await client.call(
                f"/v1/cases/{MUNICIPALITY}/{case}/events", event, start=False
            )
            if answer is None or answer.status_code != 200:
                text = answer.text[:200] if answer is not None else "no answer"
                outcome.unanswered.append(f"{case} {event['event_id']}: {text}")
                continue
            outcome.receipts[(case, event["event_id"])] = answer.json()["receipt"]["event_id"]
            outcome.answered.set()

    async def lane(http: httpx.AsyncClient) -> None:
        client = Client(fleet, http, outcome)
        while not queue.empty():
            await one_case(client, queue.get_nowait())

    began = time.monotonic()
    try:
        async with httpx.AsyncClient(headers=headers, timeout=60, limits=limits) as http:
            await asyncio.gather(*(lane(http) for _ in range(concurrency)))
    finally:
        outcome.seconds = time.monotonic() - began
        outcome.answered.set()  # a waiter must not outlive the load
    return outcome


async def check(fleet: Fleet, outcome: Outcome) -> list[str]:
    """Everything that went wrong: unanswered calls, receipts that do not match their event,
    timelines with missing or doubled events, outbox rows the timelines do not explain."""
    problems = list(outcome.unanswered)
    for (case, event_id), receipt in outcome.receipts.items():
        if receipt != event_id:
            problems.append(f"{case}: receipt {receipt} answers event {event_id}")
    headers = {"Authorization": f"Bearer {fleet.token}"}
    performed: set[tuple[str, str]] = set()
    async with httpx.AsyncClient(headers=headers, timeout=60) as http:
        url = next(
            u for u, p in zip(fleet.gateway_urls, fleet.gateways, strict=True) if p.poll() is None
        )
        for case in outcome.cases:
            answer = await http.get(f"{url}/v1/cases/{MUNICIPALITY}/{case}/timeline")
            if answer.status_code != 200:
                problems.append(f"{case}: timeline answered {answer.status_code}")
                continue
            timeline = answer.json()
            applied = sum(1 for e in timeline["entries"] if e["kind"] == "event")
            if applied != len(events_of(case)):
                problems.append(f"{case}: {applied} events applied, {len(events_of(case))} sent")
            performed.update(
                (timeline["workflow_id"], e["subject"])
                for e in timeline["entries"]
                if e["kind"] == "action_performed"
            )
    problems += _outbox_problems(fleet.outbox, performed)
    return problems


def _outbox_problems(outbox: Path, performed: set[tuple[str, str]]) -> list[str]:
    """Each certificate request and booking the timelines report performed is in the
    outbox exactly once, and the outbox holds nothing else."""
    problems = []
    written: Counter[tuple[str, str]] = Counter()
    with sqlite3.connect(outbox) as db:
        for table, key in (
            ("certificate_requests", "obligation_id"),
            ("meeting_bookings", "obligation_id"),
            ("notifications", "notice_id"),
        ):
            query = f"SELECT workflow_id, {key} FROM {table}"
            written.update(
                (workflow_id, obligation) for workflow_id, obligation in db.execute(query)
            )
    doubled = [key for key, count in written.items() if count > 1]
    if doubled:
        problems.append(f"{len(doubled)} actions written twice, e.g. {doubled[0]}")
    if set(written) != performed:
        missing = performed - set(written)
        stray = set(written) - performed
        problems.append(f"outbox vs timelines: {len(missing)} missing, {len(stray)} unexplained")
    return problems

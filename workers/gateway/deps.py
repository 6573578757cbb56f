"""FastAPI dependencies shared by every router: the Temporal client and the config.

Routers never build their own client; they declare `client: TemporalClient` and get the
one the app was created with, so tests can hand the app a client of the test environment.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from temporalio.client import Client

from workers.config import CaseflowConfig


def temporal_client(request: Request) -> Client:
    client: Client = request.app.state.temporal_client
    return client


def app_config(request: Request) -> CaseflowConfig:
    config: CaseflowConfig = request.app.state.config
    return config


TemporalClient = Annotated[Client, Depends(temporal_client)]
AppConfig = Annotated[CaseflowConfig, Depends(app_config)]

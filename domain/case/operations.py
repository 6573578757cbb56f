"""Operational settings: the jobcentre's own practice, kept apart from the law.

The rulebook says *by when* something must happen; these settings only say how early the
preparation starts. They travel with the case (in its start input), so a workflow never
reads files and a replay sees the same values.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["OperationalSettings", "load_operational_settings"]

_DEFAULTS = Path(__file__).with_name("operations.yaml")


class OperationalSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rf_end_preparation_weeks: int = Field(ge=0)
    reval_lae265_lead_days: int = Field(ge=0)
    ly_reassessment_preparation_weeks: int = Field(ge=0)


@lru_cache(maxsize=8)
def load_operational_settings(path: Path | None = None) -> OperationalSettings:
    with (path or _DEFAULTS).open(encoding="utf-8") as handle:
        return OperationalSettings.model_validate(yaml.safe_load(handle))

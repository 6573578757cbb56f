"""deploy/ stays consistent with the code: env var names and search attributes.

Docker does not run in CI, so these checks are what keeps the compose files honest.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from workers.config import ENV_PREFIX, CaseflowConfig
from workflows.search_attributes import dev_server_flags

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_every_caseflow_variable_in_compose_is_a_config_field() -> None:
    text = (DEPLOY / "docker-compose.yml").read_text()
    yaml.safe_load(text)
    used = set(re.findall(r"\b(CASEFLOW_[A-Z_]+)\b", text))
    known = {f"{ENV_PREFIX}{name.upper()}" for name in CaseflowConfig.model_fields}
    assert used, "compose should configure caseflow through CASEFLOW_* variables"
    assert used <= known, f"unknown settings in compose: {sorted(used - known)}"


def test_the_cluster_registers_the_same_search_attributes_as_the_dev_server() -> None:
    script = (DEPLOY / "temporal" / "register.sh").read_text()
    registered = set(re.findall(r"\b(Case[A-Za-z]+=[A-Za-z]+)\b", script))
    flags = dev_server_flags()
    expected = {flags[i + 1] for i in range(0, len(flags), 2)}
    assert registered == expected

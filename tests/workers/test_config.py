"""Configuration: defaults, env vars, flags, and errors that say what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.envconfig import ClientConfigProfile

from workers.config import ConfigError, LogFormat, OtelExporter, load_config
from workers.temporal_client import profile_options


def test_defaults_match_the_documented_ports() -> None:
    config = load_config(environ={})
    assert (config.grpc_port, config.ui_port, config.gateway_port, config.metrics_port) == (
        7233,
        8233,
        8080,
        9464,
    )
    assert config.temporal_address == "localhost:7233"
    assert config.data_dir == Path(".caseflow")
    assert config.otel_exporter is OtelExporter.NONE
    assert config.log_format is LogFormat.AUTO


def test_env_vars_are_read_and_flags_win_over_them() -> None:
    environ = {"CASEFLOW_GRPC_PORT": "7300", "CASEFLOW_OTEL_EXPORTER": "otlp"}
    config = load_config({"grpc_port": 7400, "ui_port": None}, environ=environ)
    assert config.grpc_port == 7400
    assert config.ui_port == 8233  # None means "flag not given"
    assert config.otel_exporter is OtelExporter.OTLP


def test_empty_env_var_counts_as_unset() -> None:
    assert load_config(environ={"CASEFLOW_GATEWAY_PORT": ""}).gateway_port == 8080


def test_metrics_port_zero_turns_metrics_off_but_other_ports_must_be_real() -> None:
    assert load_config(environ={"CASEFLOW_METRICS_PORT": "0"}).metrics_port == 0
    with pytest.raises(ConfigError, match="grpc_port"):
        load_config(environ={"CASEFLOW_GRPC_PORT": "0"})


def test_an_invalid_env_var_error_names_field_env_var_flag_and_value() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(environ={"CASEFLOW_GRPC_PORT": "seventy", "CASEFLOW_LOG_FORMAT": "xml"})
    message = str(caught.value)
    assert "grpc_port (CASEFLOW_GRPC_PORT / --grpc-port)" in message
    assert "'seventy'" in message
    assert "log_format (CASEFLOW_LOG_FORMAT / --log-format)" in message


def test_temporal_address_must_be_host_and_port() -> None:
    with pytest.raises(ConfigError, match="host:port"):
        load_config(environ={"CASEFLOW_TEMPORAL_ADDRESS": "temporal"})


def test_log_level_is_normalised_and_checked() -> None:
    assert load_config(environ={"CASEFLOW_LOG_LEVEL": "debug"}).log_level == "DEBUG"
    with pytest.raises(ConfigError, match="log_level"):
        load_config(environ={"CASEFLOW_LOG_LEVEL": "loud"})


def test_envconfig_profiles_in_deploy_load_strictly_and_explicit_settings_win() -> None:
    profiles = Path(__file__).resolve().parents[2] / "deploy" / "temporal" / "profiles.toml"
    base = {"CASEFLOW_TEMPORAL_CONFIG_FILE": str(profiles)}

    compose = profile_options(load_config(environ={**base, "CASEFLOW_TEMPORAL_PROFILE": "compose"}))
    assert compose == {"target_host": "temporal:7233", "namespace": "caseflow"}

    overridden = profile_options(
        load_config(
            environ={**base, "CASEFLOW_TEMPORAL_PROFILE": "compose", "CASEFLOW_NAMESPACE": "x"}
        )
    )
    assert overridden["namespace"] == "x"  # explicitly set: beats the profile

    # prod's certificates exist only in the cluster; the profile itself must still parse.
    prod = ClientConfigProfile.load("prod", config_source=profiles, config_file_strict=True)
    assert prod.tls is not None
    assert prod.tls.server_name == "temporal-frontend.caseflow.svc"


def test_without_a_profile_only_caseflow_settings_apply() -> None:
    options = profile_options(load_config(environ={"CASEFLOW_TEMPORAL_ADDRESS": "t:7000"}))
    assert options == {"target_host": "t:7000", "namespace": "default"}

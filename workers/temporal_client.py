"""The one way caseflow builds a Temporal client: data converter, tracing, runtime.

Everything cross-cutting is configured on the client (samples-python `pydantic_converter`,
`encryption`, `open_telemetry`): workers built from it inherit the converter and the
interceptors, so a worker cannot accidentally speak another wire format.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
)
from temporalio.envconfig import ClientConfigProfile
from temporalio.runtime import Runtime

from workers.codec import EncryptionCodec, load_keyring
from workers.config import CaseflowConfig


def data_converter(codec: PayloadCodec | None = None) -> DataConverter:
    """The data converter of every caseflow client, worker and test environment.

    Pydantic, because our events carry `datetime.date` effective dates, which the default
    JSON converter cannot round-trip.

    Args:
        codec: the payload codec that encrypts case payloads. This is the seam for the
            encryption issue: pass the codec here and every client, worker and the test
            `env` fixture pick it up, because they all call this function.
    """
    if codec is None:
        return pydantic_data_converter
    # With a codec, failure messages and stack traces move into an encoded payload too:
    # a refusal reason or an exception text can quote case data, and the plain failure
    # message is stored in history (and shown in the UI) outside any codec.
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=codec,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def codec_from_config(config: CaseflowConfig) -> EncryptionCodec:
    """The payload codec of `config`'s key ring.

    Raises:
        workers.codec.KeyConfigError: no key configured, or the key configuration is bad;
            a process that would talk to Temporal must not start without encryption.
    """
    return EncryptionCodec(load_keyring(config))


async def connect(
    config: CaseflowConfig,
    *,
    runtime: Runtime | None = None,
    address: str | None = None,
    lazy: bool = False,
    codec: PayloadCodec | None = None,
) -> Client:
    """Connect to Temporal with caseflow's converter, payload encryption and tracing.

    Args:
        config: namespace and (unless `address` is given) `temporal_address`.
        runtime: from `workers.telemetry.init_runtime`; the SDK default runtime if None.
        address: overrides `config.temporal_address` (`caseflow up` uses its own server).
        lazy: do not dial until the first call; the gateway uses it so it can start and
            answer `/healthz` while Temporal is still down.
        codec: the payload codec; default: built from `config`'s key ring, so a client
            without a configured key refuses to connect instead of writing plaintext.

    Raises:
        workers.codec.KeyConfigError: no `codec` given and no key configured.
    """
    # Before dialling: a missing key is a configuration error, reported as such at once
    # (not after retries against a frontend that is up).
    converter = data_converter(codec if codec is not None else codec_from_config(config))
    options = profile_options(config)
    if address is not None:
        options["target_host"] = address
    return await Client.connect(
        **options,
        data_converter=converter,
        interceptors=[TracingInterceptor()],
        runtime=runtime,
        lazy=lazy,
    )


def profile_options(config: CaseflowConfig) -> dict[str, Any]:
    """`Client.connect` keyword arguments: the envconfig profile, then explicit settings.

    Without `temporal_profile` only caseflow's own settings apply. With it, the profile
    supplies address, namespace, TLS and API key, and any `temporal_address` / `namespace`
    set explicitly (env var or flag) overrides the profile's.
    """
    options: dict[str, Any] = {
        "target_host": config.temporal_address,
        "namespace": config.namespace,
    }
    if config.temporal_profile is None:
        return options
    profile = ClientConfigProfile.load(
        config.temporal_profile,
        config_source=config.temporal_config_file,
        config_file_strict=True,
    )
    options.update(profile.to_client_connect_config())
    explicit = config.model_fields_set
    if "temporal_address" in explicit:
        options["target_host"] = config.temporal_address
    if "namespace" in explicit:
        options["namespace"] = config.namespace
    return options


async def connect_with_retry(
    config: CaseflowConfig,
    *,
    runtime: Runtime | None = None,
    address: str | None = None,
    within: float | None = None,
    codec: PayloadCodec | None = None,
) -> Client:
    """`connect`, retried for `within` seconds (default `config.startup_timeout`) runs out.

    Workers in a compose/Kubernetes deployment routinely start before the frontend answers;
    waiting a bounded time beats a crash loop, and the last error is re-raised if it never
    comes up.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + (config.startup_timeout if within is None else within)
    delay = 0.2
    while True:
        try:
            return await connect(config, runtime=runtime, address=address, codec=codec)
        except RuntimeError:
            # The bridge reports "connection refused" and friends as RuntimeError.
            if loop.time() + delay > deadline:
                raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

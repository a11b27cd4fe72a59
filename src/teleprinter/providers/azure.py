"""Azure OpenAI through ``AzureChatOpenAI``, configured from the seed's four ``AZURE_OPENAI_*`` settings.

``AzureChatOpenAI`` reads ``OPENAI_API_VERSION`` by itself, not the seed's
``AZURE_OPENAI_API_VERSION`` / ``AZURE_OPENAI_DEPLOYMENT_NAME``, so every value is passed
explicitly. ``stream_usage`` makes the service send token counts in a last chunk.
Azure's content-filter chunks (``prompt_filter_results`` with empty ``choices``) become
empty chunks in ``langchain-openai`` and are skipped by the event translator.
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_openai import AzureChatOpenAI

from teleprinter.config import AzureConfig, azure_config, settings_for
from teleprinter.providers.reasoning import ReasoningDeltas
from teleprinter.providers.reliability import FailureContext, GuardedStreams
from teleprinter.secrets import mask


class TeleprinterAzureChatOpenAI(ReasoningDeltas, GuardedStreams, AzureChatOpenAI):
    """``AzureChatOpenAI`` whose streams retry only before the first token and fail with a hint,
    and keep the reasoning deltas OpenAI-compatible servers send (:mod:`teleprinter.providers.reasoning`)."""


def failure_context(config: AzureConfig) -> FailureContext:
    deployment, version = config.deployment, config.api_version
    return FailureContext(
        service="Azure OpenAI",
        endpoint=config.endpoint,
        endpoint_setting="AZURE_OPENAI_ENDPOINT",
        key_setting="AZURE_OPENAI_API_KEY",
        masked_key=mask(config.api_key),
        not_found=f"deployment {deployment!r} with API version {version}",
        not_found_hint=(
            "check AZURE_OPENAI_DEPLOYMENT_NAME (the deployment name, not the model name) "
            "and AZURE_OPENAI_API_VERSION, and that AZURE_OPENAI_ENDPOINT is the right resource"
        ),
        timeout=config.network.timeout,
        retries=config.network.retries,
    )


def build(config: AzureConfig, **kwargs: Any) -> TeleprinterAzureChatOpenAI:
    """The chat model for ``config``; ``kwargs`` go to ``AzureChatOpenAI`` (``max_tokens``, ...)."""
    model = TeleprinterAzureChatOpenAI(
        azure_endpoint=config.endpoint,
        azure_deployment=config.deployment,
        api_version=config.api_version,
        api_key=config.api_key,  # type: ignore[arg-type]  # str is accepted and wrapped in SecretStr
        base_url=None,
        streaming=True,
        stream_usage=True,
        timeout=config.network.timeout,
        max_retries=config.network.retries,
        **kwargs,
    )
    model.with_failure_context(failure_context(config))
    return model


def create(options: Any) -> BaseChatModel:
    """Registry entry: validate every Azure setting at once, then build the model."""
    config = azure_config(settings_for(options, "azure"))
    kwargs: dict[str, Any] = {}
    if options.max_tokens is not None:
        kwargs["max_tokens"] = options.max_tokens
    if options.temperature is not None:
        kwargs["temperature"] = options.temperature
    return build(config, **kwargs)

"""OpenAI through ``ChatOpenAI``: ``OPENAI_API_KEY``, model from ``--model`` / ``TELEPRINTER_MODEL``."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_openai import ChatOpenAI

from teleprinter.config import MODEL, OPENAI_BASE_URL, OPENAI_KEY, OpenAIConfig, openai_config, settings_for
from teleprinter.providers.reasoning import ReasoningDeltas
from teleprinter.providers.reliability import FailureContext, GuardedStreams
from teleprinter.secrets import mask


class TeleprinterChatOpenAI(ReasoningDeltas, GuardedStreams, ChatOpenAI):
    """``ChatOpenAI`` whose streams retry only before the first token and fail with a hint,
    and keep the reasoning deltas OpenAI-compatible servers send (:mod:`teleprinter.providers.reasoning`)."""


def failure_context(config: OpenAIConfig, provider: str = "openai") -> FailureContext:
    compatible = provider == "openai-compatible"
    endpoint = config.base_url or "https://api.openai.com/v1"
    return FailureContext(
        service=f"the server at {endpoint}" if compatible else "OpenAI",
        endpoint=endpoint,
        endpoint_setting=f"--base-url / {OPENAI_BASE_URL}",
        key_setting=OPENAI_KEY,
        masked_key=mask(config.api_key) if config.api_key else "(not set)",
        not_found=f"model {config.model!r}",
        not_found_hint=f"check --model / {MODEL}" + (" and that --base-url ends in /v1" if compatible else ""),
        timeout=config.network.timeout,
        retries=config.network.retries,
        # OpenAI itself always ends with a finish reason; other servers behind a base URL may not.
        require_finish=not compatible and config.base_url is None,
    )


def build(config: OpenAIConfig, provider: str = "openai", **kwargs: Any) -> TeleprinterChatOpenAI:
    """The chat model for ``config``; ``kwargs`` go to ``ChatOpenAI`` (``max_tokens``, ...)."""
    model = TeleprinterChatOpenAI(
        model=config.model,
        # A local server needs no key, but the client insists on one.
        api_key=config.api_key or "not-needed",  # type: ignore[arg-type]
        base_url=config.base_url,
        streaming=True,
        stream_usage=True,
        timeout=config.network.timeout,
        max_retries=config.network.retries,
        **kwargs,
    )
    model.with_failure_context(failure_context(config, provider))
    return model


def options_kwargs(options: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if options.max_tokens is not None:
        kwargs["max_tokens"] = options.max_tokens
    if options.temperature is not None:
        kwargs["temperature"] = options.temperature
    return kwargs


def create(options: Any) -> BaseChatModel:
    """Registry entry: OpenAI's own service."""
    return build(openai_config(settings_for(options, "openai")), "openai", **options_kwargs(options))

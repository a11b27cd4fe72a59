"""A plain registry of model providers behind one interface: name -> factory of a chat model.

Factories are imported only when their provider is chosen, so ``teleprinter --help`` and the
replay provider never pay for ``llama_cpp`` or ``langchain_openai``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

from teleprinter.errors import ConfigError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

PROVIDERS: dict[str, str] = {
    "local": "teleprinter.providers.local",
    "replay": "teleprinter.providers.replay",
    "azure": "teleprinter.providers.azure",
    "openai": "teleprinter.providers.openai",
    "openai-compatible": "teleprinter.providers.openai_compatible",
}


@dataclass(slots=True)
class ModelOptions:
    """Everything a provider factory may need; each provider reads only its own part."""

    provider: str = "local"
    model: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    model_path: str | None = None
    replay_path: str | None = None
    chunk_size: int | None = None
    speed: float | None = None
    delay: float | None = None
    settings: Any = None
    """:class:`teleprinter.config.Settings`; ``None`` lets a network provider load them itself."""
    deployment: str | None = None
    base_url: str | None = None
    timeout: float | None = None
    retries: int | None = None


def provider_names() -> list[str]:
    return sorted(PROVIDERS)


def create_model(options: ModelOptions) -> BaseChatModel:
    """Build the chat model of ``options.provider``."""
    module_name = PROVIDERS.get(options.provider)
    if module_name is None:
        raise ConfigError(
            f"unknown provider {options.provider!r}", f"choose one of: {', '.join(provider_names())}"
        )
    factory = import_module(module_name).create
    model: BaseChatModel = factory(options)
    return model

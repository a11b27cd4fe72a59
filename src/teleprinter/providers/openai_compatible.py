"""Any OpenAI-compatible chat server (Ollama, vLLM, llama.cpp server, LM Studio) at ``--base-url``.

Same client as the ``openai`` provider; the key is optional and a stream without a finish
reason is accepted, since not every server sends one.
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel

from teleprinter.config import openai_config, settings_for
from teleprinter.providers.openai import build, options_kwargs


def create(options: Any) -> BaseChatModel:
    """Registry entry: ``--base-url`` (or ``OPENAI_BASE_URL``) and ``--model`` are required."""
    config = openai_config(settings_for(options, "openai-compatible"), "openai-compatible")
    return build(config, "openai-compatible", **options_kwargs(options))

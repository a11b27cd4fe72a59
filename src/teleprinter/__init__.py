"""teleprinter: stream LangChain chat-model output to the terminal, token by token.

The public surface is re-exported here; the seed's handler names live at the top level.
Imports are lazy so ``import teleprinter`` stays cheap for the CLI.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "StreamingStdOutCallbackHandler": "teleprinter.handlers",
    "TokenAccumulator": "teleprinter.handlers",
    "ProgressTracker": "teleprinter.handlers",
    "show_progress": "teleprinter.handlers",
    "EventCallbackHandler": "teleprinter.sources.callbacks",
    "AsyncEventCallbackHandler": "teleprinter.sources.callbacks",
    "LocalChatModel": "teleprinter.providers.local",
    "ReplayChatModel": "teleprinter.providers.replay",
    "Accumulation": "teleprinter.sinks.accumulate",
    "Stats": "teleprinter.sinks.stats",
    "Recorder": "teleprinter.sinks.record",
    "PlainRenderer": "teleprinter.render.plain",
    "make_renderer": "teleprinter.render.factory",
    "stream_answer": "teleprinter.answer",
    "stream": "teleprinter.sources.runnable",
    "astream": "teleprinter.sources.runnable",
    "AsyncIteratorHandler": "teleprinter.sinks.aiter",
    "TeleprinterError": "teleprinter.errors",
    "ConfigError": "teleprinter.errors",
    "ProviderError": "teleprinter.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'teleprinter' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

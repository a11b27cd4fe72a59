"""Scripted replies for demos and tests: ``--replay-script FILE.py:function`` or ``module:function``.

The function gets the conversation (LangChain messages, the new question last) and returns
the answer text, which the replay model streams word by word. Raising an exception makes
that turn fail like a model error would. Example::

    def answer(messages):
        question = messages[-1].text
        if question == "fail":
            raise RuntimeError("injected failure")
        return f"You said {question!r}; we have exchanged {len(messages) // 2} messages."
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Any

from teleprinter.errors import ConfigError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from teleprinter.providers.replay import Responder


def load_responder(spec: str) -> Responder:
    """The callable named by ``spec`` (``path/to/file.py:name`` or ``package.module:name``)."""
    where, _, name = spec.rpartition(":")
    if not where or not name:
        raise ConfigError(f"bad --replay-script {spec!r}", "write FILE.py:function or module:function")
    module = _load_module(where)
    responder = getattr(module, name, None)
    if not callable(responder):
        raise ConfigError(f"{where} has no function {name!r}")
    return responder  # type: ignore[no-any-return]


def _load_module(where: str) -> Any:
    if where.endswith(".py"):
        path = Path(where).expanduser()
        spec = importlib.util.spec_from_file_location(f"teleprinter_script_{path.stem}", path)
        if spec is None or spec.loader is None or not path.is_file():
            raise ConfigError(f"replay script not found: {where}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    try:
        return importlib.import_module(where)
    except ImportError as error:
        raise ConfigError(f"cannot import {where}: {error}") from error


def scripted_model(spec: str, delay: float | None = None) -> BaseChatModel:
    """A replay model whose every answer comes from the function named by ``spec``."""
    from teleprinter.providers.replay import DEFAULT_TEXT_DELAY, ReplayChatModel

    pause = DEFAULT_TEXT_DELAY if delay is None else delay
    return ReplayChatModel(responder=load_responder(spec), delays=[pause], replay_model_name="scripted")

"""Load llama.cpp models once per process and free them before interpreter teardown.

Kept apart from the LangChain model (``local.py``) so ``doctor`` and the benchmarks can load
the same shared instance without building a chat model. (Loading on a thread while LangChain
imports was tried and measured slower: ``Llama.__init__`` is Python-heavy and fights for the GIL.)
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading
from dataclasses import dataclass
from typing import Any

from teleprinter.errors import ProviderError

DEFAULT_N_CTX = 2048
llama_logger = logging.getLogger("teleprinter.llama")


def default_threads() -> int:
    """Generation threads: half the cores, as llama-cpp-python does; more only spin against each other."""
    return max(1, (os.cpu_count() or 2) // 2)


def batch_threads(cpus: int | None = None, load: float | None = None) -> int:
    """Threads for evaluating a prompt now: every core on a quiet machine, fewer on a busy one.

    llama.cpp's threads wait for each other at every step by spinning: when other processes
    already keep the cores busy, a thread that loses its core stalls all the others. Measured
    on 2 shared cores with a load average of ~10, a 30-token prompt took 2-14 s with 2 batch
    threads and 0.3-0.7 s with 1. So: the cores the last minute's load average leaves free
    (``os.getloadavg``), at least the generation threads, at most every core.
    """
    cpus = cpus or os.cpu_count() or 1
    if load is None:
        try:
            load = os.getloadavg()[0]
        except (AttributeError, OSError):  # not on Windows
            return cpus
    free = int(cpus - load + 0.5)
    return max(default_threads(), min(cpus, free))


def tune_threads(llama: Any) -> None:
    """Set the prompt-evaluation threads of ``llama`` for the machine's load right now."""
    wanted = batch_threads()
    if wanted != getattr(llama, "n_threads_batch", wanted):
        import llama_cpp

        llama_cpp.llama_set_n_threads(llama.ctx, llama.n_threads, wanted)
        llama.n_threads_batch = wanted


@dataclass(frozen=True, slots=True)
class LoadedModel:
    """A loaded llama.cpp model and the lock that serialises generations on it (it is not thread-safe)."""

    llama: Any
    lock: threading.Lock


_models: dict[tuple[str, int, int], LoadedModel] = {}
_models_lock = threading.Lock()
_log_callback: Any = None


def resolve_model_path(model_path: str | None) -> str:
    """``model_path`` itself, or the embedded Gemma GGUF (assembled and verified on first use)."""
    if model_path is not None:
        return model_path
    from teleprinter.providers.model_file import embedded_model_path

    return str(embedded_model_path())


def load_llama(path: str, n_ctx: int = DEFAULT_N_CTX, n_threads: int | None = None) -> LoadedModel:
    """Load a GGUF once per process; every model instance with the same settings shares it."""
    threads = n_threads or default_threads()
    key = (path, n_ctx, threads)
    with _models_lock:
        loaded = _models.get(key)
        if loaded is None:
            loaded = _models[key] = LoadedModel(_open(path, n_ctx, threads), threading.Lock())
            from teleprinter import timeline

            timeline.mark("model load")
        return loaded


def is_loaded(path: str, n_ctx: int = DEFAULT_N_CTX, n_threads: int | None = None) -> bool:
    """Whether :func:`load_llama` with these settings would return an already loaded model."""
    with _models_lock:
        return (path, n_ctx, n_threads or default_threads()) in _models


def loaded_models() -> list[tuple[str, int, int]]:
    """(path, n_ctx, n_threads) of every model loaded in this process."""
    with _models_lock:
        return list(_models)


def _open(path: str, n_ctx: int, threads: int) -> Any:
    import llama_cpp

    from teleprinter import timeline

    timeline.mark("imports", "llama_cpp imported")
    _quiet_llama_logs(llama_cpp)
    try:
        return llama_cpp.Llama(
            model_path=path,
            n_ctx=n_ctx,
            n_threads=threads,
            n_threads_batch=max(threads, batch_threads()),
            verbose=False,
        )
    except (ValueError, RuntimeError, OSError) as error:
        raise ProviderError(f"could not load the model {path}: {error}") from error


def _quiet_llama_logs(llama_cpp: Any) -> None:
    """Route llama.cpp's C-level log lines to Python logging instead of the user's stderr.

    llama-cpp-python prints some lines (e.g. the SWA cache notice) even with
    ``verbose=False``; a library must not write to the terminal behind the renderer's back.
    """
    global _log_callback
    if _log_callback is not None:
        return
    import ctypes

    @llama_cpp.llama_log_callback  # type: ignore[untyped-decorator]
    def forward(level: int, text: bytes, user_data: Any) -> None:
        llama_logger.debug(text.decode("utf-8", "replace").rstrip())

    _log_callback = forward
    llama_cpp.llama_log_set(forward, ctypes.c_void_p(0))


@atexit.register
def _close_models() -> None:
    """Free models before interpreter teardown: ``Llama.__del__`` run during teardown finds
    its helpers already gone and prints "Exception ignored ... TypeError" on stderr."""
    if not _models_lock.acquire(timeout=1.0):
        return  # a load is still running on the preload thread: leave it to the OS
    try:
        for loaded in _models.values():
            if not loaded.lock.acquire(timeout=1.0):
                continue  # still generating on a worker thread: closing now would crash it
            with contextlib.suppress(Exception):
                loaded.llama.close()
        _models.clear()
    finally:
        _models_lock.release()

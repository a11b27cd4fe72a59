"""The local model worker from the command line: ``--keep-alive`` for ``ask``, ``teleprinter model``.

``ask`` on the local provider answers through the worker unless ``--keep-alive 0`` (or
``TELEPRINTER_KEEP_ALIVE=0``); ``teleprinter model status`` / ``stop`` look at or stop it.
(``teleprinter worker`` is the Redis batch worker, another thing.)
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from teleprinter.commands.common import command_parser, group, non_negative_float


def add_keep_alive_argument(parser: argparse.ArgumentParser) -> None:
    group(parser, "model").add_argument(
        "--keep-alive",
        type=non_negative_float,
        metavar="SECONDS",
        help="local model: keep it loaded in a worker for this long after the answer "
        "(default: TELEPRINTER_KEEP_ALIVE, else 300; 0: load it in this process, no worker)",
    )


def uses_worker(options: Any, keep_alive: float) -> bool:
    """The local provider with a keep-alive, on a system with Unix sockets."""
    if options.provider != "local" or keep_alive <= 0:
        return False
    from teleprinter.worker.client import available

    return available()


def worker_paths() -> Any:
    from teleprinter.config import worker_directory
    from teleprinter.worker.paths import WorkerPaths

    return WorkerPaths(worker_directory())


def notice(text: str) -> None:
    """One line on stderr, the way the CLI says things that are not errors."""
    sys.stderr.write(f"teleprinter: {text}\n")
    sys.stderr.flush()


def worker_request(options: Any, prompt: str, system: str | None) -> Any:
    """The completion ``LocalChatModel`` would run for this prompt, built without LangChain."""
    from teleprinter.providers import llama_stream
    from teleprinter.worker.source import WorkerRequest

    turns = [("system", system)] if system else []
    turns.append(("human", prompt))
    overrides: dict[str, Any] = {}
    if options.max_tokens is not None:
        overrides["max_tokens"] = options.max_tokens
    if options.temperature is not None:
        overrides["temperature"] = options.temperature
    args = llama_stream.completion_args(llama_stream.conversation_text(turns), **overrides)
    path = options.model_path or None
    if path is not None:
        import os

        path = os.path.abspath(path)  # the worker runs in its own directory: a relative path is the caller's
    return WorkerRequest(args, path)


# ---------------------------------------------------------------------------------- teleprinter model


def add_parser(subparsers: Any) -> None:
    parser = command_parser(
        subparsers,
        "model",
        help="the warm local model (its worker process): status, stop",
        description="A worker process keeps the embedded model loaded between answers (ask --keep-alive). "
        "status shows it, stop ends it; it also stops by itself when idle.",
        examples=(
            "teleprinter model status  # the worker's pid, loaded models, keep-alive",
            "teleprinter model stop  # free the memory now",
        ),
    )
    parser.add_argument("action", choices=("status", "stop"), help="show the running worker, or stop it")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from teleprinter.worker import protocol
    from teleprinter.worker.client import worker_pid

    paths = worker_paths()
    pid = worker_pid(paths)
    if pid is None:
        sys.stdout.write(f"no model worker running (socket directory {paths.directory})\n")
        return 0
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(str(paths.socket))
            protocol.send(sock, {"op": args.action, "v": protocol.VERSION})
            reply = next(protocol.messages(sock), {})
        except OSError as error:
            from teleprinter.errors import ProviderError

            raise ProviderError(f"the worker (pid {pid}) did not answer: {error}") from error
    if "error" in reply:
        from teleprinter.errors import ProviderError

        raise ProviderError(str(reply["error"]))
    if args.action == "stop":
        sys.stdout.write(f"worker {pid} stopping\n")
        return 0
    status = reply.get("status", {})
    models = ", ".join(status.get("models") or []) or "none yet"
    sys.stdout.write(
        f"worker {status.get('pid')}: models loaded: {models}; keep-alive {status.get('keep_alive', 0):.0f} s; "
        f"up {status.get('uptime_s', 0):.0f} s; socket {paths.socket}\n"
    )
    return 0

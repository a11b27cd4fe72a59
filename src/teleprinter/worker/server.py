"""The worker process: keeps models loaded, answers ``complete`` requests one generation at a time.

Life cycle: take the exclusive ``flock`` on the lock file (a second worker for the same
directory exits at once), remove a socket a crashed worker left, listen on a fresh socket
(mode 0600 in the 0700 directory), serve; after ``keep_alive`` seconds without a request
(the latest request's value wins, as ollama's ``keep_alive`` does), or on SIGTERM or a
``stop`` request, remove the socket first (so new clients start a new worker), serve what
was already queued, then exit, freeing the models.

Every connection is checked with ``SO_PEERCRED``: a process of another user is refused
even if it could reach the socket. A client that goes away (Ctrl-C) stops its own generation
at the next piece; other clients are not affected.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import select
import signal
import socket
import struct
import threading
import time
from pathlib import Path
from typing import Any

from teleprinter.errors import TeleprinterError
from teleprinter.providers import llama_loader
from teleprinter.providers.llama_stream import MODEL_NAME, Completion, stream_pieces
from teleprinter.worker import protocol
from teleprinter.worker.paths import WorkerPaths, open_private, private_directory

logger = logging.getLogger("teleprinter.worker")

COMPLETION_KEYS = frozenset(
    ("prompt", "max_tokens", "temperature", "top_p", "top_k", "repeat_penalty", "seed", "stop")
)
"""The ``create_completion`` arguments a client may set (the ones :func:`llama_stream.completion_args` builds)."""
REQUEST_TIMEOUT = 10.0
"""Seconds a client has, once connected, to send its request line."""
MAX_WAIT = 1.0
QUEUED_NOTE = 0.005
"""Seconds of waiting for the model behind another answer worth a ``queued_s`` message."""
FIRST_REQUEST_GRACE = 10.0
"""Seconds a new worker waits for its first connection, however short the keep-alive."""
"""Longest sleep of the accept loop: how late a SIGTERM or ``stop`` is noticed, at most."""


def peer_uid(conn: socket.socket) -> int | None:
    """The user id of the process at the other end (``SO_PEERCRED``; ``None`` where unsupported)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    data = conn.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", data)
    return int(uid)


def client_gone(conn: socket.socket) -> bool:
    """True when the client closed its end (it sends nothing after its request)."""
    try:
        readable, _, _ = select.select([conn], [], [], 0)
        return bool(readable) and conn.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return True


class Worker:
    """One worker process's state: its paths, keep-alive, and the connections it serves."""

    def __init__(self, paths: WorkerPaths, keep_alive: float) -> None:
        self.paths = paths
        self.keep_alive = keep_alive
        self.uid = os.geteuid()
        self.pid = os.getpid()
        self.started = time.monotonic()
        self._state = threading.Lock()
        self._active = 0
        self._connections = 0  # accepted so far: none yet means the client that started us is on its way
        self._last_done = time.monotonic()
        self._threads: set[threading.Thread] = set()
        self._generations: set[threading.Event] = set()
        self.stopping = threading.Event()
        self.served = 0
        self._socket_inode = 0

    # ------------------------------------------------------------------------------ life cycle

    def serve(self) -> int:
        """Run until idle or stopped; 0 also when another worker already holds the directory."""
        private_directory(self.paths.directory)
        lock_fd = open_private(self.paths.lock)
        try:
            if not _take_lock(lock_fd):
                logger.info("another worker still serves %s; exiting", self.paths.directory)
                return 0
            os.ftruncate(lock_fd, 0)
            os.write(lock_fd, f"{self.pid}\n".encode("ascii"))
            listener = self._listen()
            logger.info("worker %d listening on %s (keep-alive %.0f s)", self.pid, self.paths.socket, self.keep_alive)
            try:
                self._accept_loop(listener)
            finally:
                self._shut_down(listener)
        finally:
            os.close(lock_fd)  # releases the flock: from here on the directory is free
        return 0

    def _listen(self) -> socket.socket:
        with contextlib.suppress(FileNotFoundError):
            self.paths.socket.unlink()  # we hold the lock, so whoever bound it is gone
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o177)
        try:
            listener.bind(str(self.paths.socket))
        finally:
            os.umask(old_umask)
        os.chmod(self.paths.socket, 0o600)
        self._socket_inode = os.stat(self.paths.socket).st_ino  # fstat on the socket would give sockfs's
        listener.listen(64)
        return listener

    def _accept_loop(self, listener: socket.socket) -> None:
        while not self.stopping.is_set():
            wait = self._idle_wait()
            if wait <= 0:
                logger.info("idle for %.0f s; stopping", self.keep_alive)
                return
            listener.settimeout(min(wait, MAX_WAIT))
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except InterruptedError:
                continue
            self._start(conn)

    def _idle_wait(self) -> float:
        """Seconds left before the keep-alive runs out (infinite while a request is in progress).

        Until its first request the worker waits at least :data:`FIRST_REQUEST_GRACE`: the client
        that started it is about to connect, whatever tiny ``--keep-alive`` it asked for.
        """
        with self._state:
            if self._active:
                return MAX_WAIT
            keep = self.keep_alive if self._connections else max(self.keep_alive, FIRST_REQUEST_GRACE)
            return self._last_done + keep - time.monotonic()

    def _shut_down(self, listener: socket.socket) -> None:
        """Unlink the socket first (new clients start a new worker), then serve what was queued."""
        with contextlib.suppress(OSError):
            if os.stat(self.paths.socket).st_ino == self._socket_inode:
                self.paths.socket.unlink()
        listener.setblocking(False)
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                break
            conn.setblocking(True)
            self._start(conn)
        listener.close()
        if self.stopping.is_set():
            for cancelled in list(self._generations):
                cancelled.set()
        for thread in list(self._threads):
            thread.join(timeout=30)

    def stop(self, *_: Any) -> None:
        """SIGTERM/SIGINT or a ``stop`` request: stop accepting, cancel generations, exit."""
        self.stopping.set()

    # ------------------------------------------------------------------------------ connections

    def _start(self, conn: socket.socket) -> None:
        with self._state:
            self._active += 1
            self._connections += 1
        thread = threading.Thread(target=self._handle, args=(conn,), daemon=True)
        self._threads.add(thread)
        thread.start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            with conn:
                conn.settimeout(None)
                self._dispatch(conn)
        except (OSError, protocol.ProtocolError) as error:
            logger.info("connection ended: %s", error)
        except Exception:
            logger.exception("request failed")
        finally:
            with self._state:
                self._active -= 1
                self._last_done = time.monotonic()
            self._threads.discard(threading.current_thread())

    def _dispatch(self, conn: socket.socket) -> None:
        uid = peer_uid(conn)
        if uid is not None and uid != self.uid:
            logger.warning("refused a connection from uid %d (this worker serves uid %d only)", uid, self.uid)
            protocol.send(conn, {"error": "refused: this model worker serves only its own user"})
            _close_gently(conn)
            return
        conn.settimeout(REQUEST_TIMEOUT)  # a client that never sends its request must not keep us alive
        request = next(protocol.messages(conn), None)
        conn.settimeout(None)
        if request is None:
            return
        if request.get("v") != protocol.VERSION:
            hint = "stop the running model worker (teleprinter model stop); the next call starts a matching one"
            protocol.send(conn, {"error": f"the model worker speaks protocol v{protocol.VERSION}", "hint": hint})
            return
        op = request.get("op")
        if op == "complete":
            self._complete(conn, request)
        elif op == "status":
            protocol.send(conn, {"status": self.status()})
        elif op == "stop":
            protocol.send(conn, {"stopping": self.pid})
            self.stop()
        else:
            protocol.send(conn, {"error": f"unknown request {op!r}"})

    def status(self) -> dict[str, Any]:
        with self._state:
            active = self._active - 1  # not counting the status request itself
        models = [os.path.basename(path) for path, _, _ in llama_loader.loaded_models()]
        uptime = time.monotonic() - self.started
        return {"pid": self.pid, "keep_alive": self.keep_alive, "models": models, "active": active, "uptime_s": uptime}

    # ------------------------------------------------------------------------------ generation

    def _complete(self, conn: socket.socket, request: dict[str, Any]) -> None:
        keep_alive = request.get("keep_alive")
        if isinstance(keep_alive, int | float) and keep_alive >= 0:
            self.keep_alive = float(keep_alive)
        try:
            args = _completion_args(request.get("args"))
            path = llama_loader.resolve_model_path(_optional_str(request.get("model_path")))
            began = time.perf_counter()
            warm = llama_loader.is_loaded(path)
            loaded = llama_loader.load_llama(path)
        except TeleprinterError as error:
            protocol.send(conn, {"error": error.message, "hint": error.hint})
            return
        name = MODEL_NAME if request.get("model_path") is None else os.path.basename(path)
        loaded_message = {"pid": self.pid, "model": name, "load_s": time.perf_counter() - began, "warm": warm}
        protocol.send(conn, {"loaded": loaded_message})
        cancelled = threading.Event()
        self._generations.add(cancelled)
        try:
            waiting = time.perf_counter()
            with loaded.lock:
                if client_gone(conn):
                    return
                queued = time.perf_counter() - waiting
                if queued >= QUEUED_NOTE:  # another client's answer had the model: ask --debug says so
                    protocol.send(conn, {"queued_s": queued})
                self._generate(conn, loaded.llama, args, cancelled)
                self.served += 1
        finally:
            self._generations.discard(cancelled)

    def _generate(self, conn: socket.socket, llama: Any, args: dict[str, Any], cancelled: threading.Event) -> None:
        llama.reset()  # no prompt cache: the same evaluation, hence the same answer, as a fresh process
        completion = Completion()
        began = time.perf_counter()
        pieces = stream_pieces(llama, args, cancelled, completion)
        try:
            for text in pieces:
                message: dict[str, Any] = {"t": text}
                if began:
                    message["eval_s"] = time.perf_counter() - began
                    began = 0.0
                try:
                    protocol.send(conn, message)
                except OSError:  # the client went away (Ctrl-C): stop this answer only
                    logger.info("client gone; generation stopped")
                    return
        except TeleprinterError as error:
            protocol.send(conn, {"error": error.message, "hint": error.hint})
            return
        finally:
            pieces.close()
        if cancelled.is_set():
            protocol.send(conn, {"error": "the model worker is stopping", "hint": "run the command again"})
            return
        protocol.send(conn, {"end": {"usage": completion.usage(), "finish_reason": completion.finish_reason}})


LOCK_WAIT = 30.0
"""Seconds a new worker waits for the lock of one that is shutting down (it removed its socket
and is finishing queued requests, so a client saw no worker and started this one)."""


def _take_lock(fd: int) -> bool:
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)


def _close_gently(conn: socket.socket) -> None:
    """End our side, then drop what the peer already sent: closing with unread data would reset
    the connection and the peer would never read our reply."""
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_WR)
        conn.settimeout(1.0)
        for _ in range(16):
            if not conn.recv(65536):
                break


def _completion_args(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or not isinstance(raw.get("prompt"), str):
        raise TeleprinterError("bad request: no prompt")
    args = {key: value for key, value in raw.items() if key in COMPLETION_KEYS}
    args["stream"] = True
    return args


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def main(directory: str, keep_alive: float) -> int:
    """The worker process: log to stderr (the spawning client points it at ``worker.log``)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    worker = Worker(WorkerPaths(Path(directory)), keep_alive)
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    return worker.serve()

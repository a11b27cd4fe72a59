"""Shared fixtures: the real embedded model (loaded once per session) and a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ["TELEPRINTER_KEEP_ALIVE"] = "0"
"""No test leaves a model worker running: a CLI started by any test loads the model in-process,
whatever environment it was given; tests/worker gives its workers a private runtime directory."""
TELEPRINTER = [sys.executable, "-m", "teleprinter"]


@pytest.fixture(scope="session")
def local_model() -> Iterator[object]:
    """The embedded Gemma model, deterministic and short so tests stay quick."""
    from teleprinter.providers.local import LocalChatModel

    yield LocalChatModel(max_tokens=24, temperature=0.0)


def cli_env(**extra: str) -> dict[str, str]:
    """A clean environment for the CLI: no provider settings or credentials leaking in from the machine.

    A ``*_TOKEN`` or URL password of the machine's would be registered as a secret, and ``--record``
    holds back a token that could start one: recordings would differ from machine to machine.
    """
    from teleprinter.secrets import is_secret_name, url_password

    provider = ("AZURE_OPENAI", "OPENAI_", "TELEPRINTER_")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(provider) and not is_secret_name(k) and not url_password(v)
    }
    # no model worker left behind by a test: the worker's own tests (tests/worker) turn it on
    env.update({"PYTHONUNBUFFERED": "1", "NO_COLOR": "1", "TELEPRINTER_KEEP_ALIVE": "0"})
    env.update(extra)
    return env


def run_cli(
    args: Sequence[str],
    *,
    input: str | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TELEPRINTER, *args],
        input=input if input is not None else "",
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        timeout=timeout,
        env=env or cli_env(),
    )


@pytest.fixture(scope="session", autouse=True)
def _no_secret_at_rest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """After the whole run: no declared test secret in any file written under pytest's temp directory."""
    from tests.secret_scan import leaks, secret

    yield
    sse = sys.modules.get("tests.servers.sse")  # its key is in play only if a test started the server
    if sse is not None:
        secret(sse.API_KEY)
    found = leaks(tmp_path_factory.getbasetemp())
    assert not found, (
        f"secrets written at rest (issue 17): {found}; a file a test writes with a key on purpose belongs"
        " under an inputs/ directory or in a .env file (tests/secret_scan.py)"
    )


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[object]:
    """A real redis-server on a free loopback port (see tests/redis_server.py), stopped afterwards."""
    from tests.redis_server import RedisServer

    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()

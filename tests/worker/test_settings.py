"""Where the worker's socket goes and how long it stays: read from the environment by ``config`` only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from teleprinter.config import DEFAULT_KEEP_ALIVE, Settings, keep_alive, worker_directory
from teleprinter.errors import ConfigError
from teleprinter.worker.paths import WorkerPaths, private_directory


def test_a_private_xdg_runtime_dir_holds_the_worker(tmp_path: Path) -> None:
    tmp_path.chmod(0o700)
    assert worker_directory({"XDG_RUNTIME_DIR": str(tmp_path)}) == tmp_path / "teleprinter"


@pytest.mark.parametrize("runtime_mode", [0o755, 0o770])
def test_an_xdg_runtime_dir_open_to_others_is_not_used(tmp_path: Path, runtime_mode: int) -> None:
    tmp_path.chmod(runtime_mode)
    chosen = worker_directory({"XDG_RUNTIME_DIR": str(tmp_path)})
    assert not chosen.is_relative_to(tmp_path)
    assert chosen.name == f"worker-{os.geteuid()}"


def test_someone_elses_xdg_runtime_dir_is_not_used(tmp_path: Path) -> None:
    tmp_path.chmod(0o700)
    chosen = worker_directory({"XDG_RUNTIME_DIR": str(tmp_path)}, uid=os.geteuid() + 1)
    assert not chosen.is_relative_to(tmp_path)


def test_without_xdg_runtime_dir_the_worker_lives_under_the_cache_directory() -> None:
    assert worker_directory({}).name == f"worker-{os.geteuid()}"
    assert worker_directory({"XDG_RUNTIME_DIR": "relative/path"}).name == f"worker-{os.geteuid()}"


def test_keep_alive_from_flag_then_environment_then_default() -> None:
    settings = Settings({"TELEPRINTER_KEEP_ALIVE": "12.5"}, {"TELEPRINTER_KEEP_ALIVE": "environment"})
    assert keep_alive(settings, 3.0) == 3.0
    assert keep_alive(settings) == 12.5
    assert keep_alive(Settings()) == DEFAULT_KEEP_ALIVE


@pytest.mark.parametrize("value", ["-1", "soon", "inf", "nan"])
def test_a_bad_keep_alive_setting_is_a_config_error_naming_it(value: str) -> None:
    with pytest.raises(ConfigError, match="TELEPRINTER_KEEP_ALIVE"):
        keep_alive(Settings({"TELEPRINTER_KEEP_ALIVE": value}))


def test_private_directory_is_created_0700_under_any_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        created = private_directory(tmp_path / "a" / "teleprinter")
    finally:
        os.umask(old)
    assert created.stat().st_mode & 0o777 == 0o700


def test_a_socket_path_too_long_for_unix_sockets_is_a_config_error(tmp_path: Path) -> None:
    deep = tmp_path / ("x" * 100)
    with pytest.raises(ConfigError, match="too long"):
        private_directory(deep)
    assert len(os.fsencode(WorkerPaths(tmp_path).socket)) < 107


@pytest.mark.parametrize(
    ("cpus", "load", "expected"),
    [(2, 0.0, 2), (2, 0.4, 2), (2, 1.0, 1), (2, 10.0, 1), (8, 3.0, 5), (8, 0.0, 8), (1, 0.0, 1)],
)
def test_prompt_threads_leave_out_the_cores_other_processes_keep_busy(cpus: int, load: float, expected: int) -> None:
    from teleprinter.providers.llama_loader import batch_threads, default_threads

    assert batch_threads(cpus, load) == max(expected, default_threads())

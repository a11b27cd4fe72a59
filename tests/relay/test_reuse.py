"""A fresh user's path through the relay: reusing a stream key, waiting for a stream, doctor --online, ps warnings.

Against a real redis-server; the waiting statuses are read from a real pseudo-terminal (stderr is a tty).
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time
from pathlib import Path
from uuid import uuid4

import pytest

from teleprinter.config import Settings
from teleprinter.doctor import FAIL, OK, check_redis_online
from teleprinter.events import RunEnded, RunStarted, Token
from teleprinter.relay import RedisPublisher, StreamInUse, claim_stream, parse_target
from tests.conftest import TELEPRINTER, cli_env, run_cli
from tests.redis_server import RedisServer, free_port

FIRST = "The first run's answer.\n"
SECOND = "A new run on the same key.\n"


def ask(tmp_path: Path, url: str, key: str, text: str) -> subprocess.CompletedProcess[str]:
    replay = tmp_path / f"answer-{abs(hash(text))}.txt"
    replay.write_text(text, encoding="utf-8")
    return run_cli(["ask", "q", "--provider", "replay", "--replay", str(replay), "--speed", "max",
                    "--publish", url, "--stream-key", key], timeout=60)


class TtyWatcher:
    """``teleprinter watch`` with stdout on a pipe and stderr on a pseudo-terminal, as a user's shell has it."""

    def __init__(self, *args: str) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [*TELEPRINTER, "watch", *args], stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL,
            text=True, encoding="utf-8", env=cli_env(),
        )
        os.close(slave)
        self.screen = ""

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.screen and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    self.screen += os.read(self.master, 4096).decode("utf-8", "replace")
                except OSError:
                    break
        assert text in self.screen, self.screen
        return self.screen

    def finish(self) -> tuple[int, str]:
        out, _ = self.process.communicate(timeout=60)
        os.close(self.master)
        return self.process.returncode, out


def test_a_new_run_on_a_finished_key_replaces_it_and_says_so(redis_server: RedisServer, tmp_path: Path) -> None:
    assert ask(tmp_path, redis_server.url, "k1", FIRST).returncode == 0
    again = ask(tmp_path, redis_server.url, "k1", SECOND)
    assert again.returncode == 0 and again.stdout == SECOND
    assert again.stderr == "teleprinter: replacing the finished run (done) on stream teleprinter:k1\n"
    watched = run_cli(["watch", redis_server.url, "k1"], timeout=60)
    assert (watched.returncode, watched.stdout) == (0, SECOND)


def test_a_key_a_live_run_publishes_to_is_refused(redis_server: RedisServer, tmp_path: Path) -> None:
    live = RedisPublisher(redis_server.url, "busy")
    try:
        live.handle(RunStarted(uuid4()))  # a run that began and has not ended
        assert live.link.flush(10)
        refused = ask(tmp_path, redis_server.url, "busy", SECOND)
        assert refused.returncode == 2 and refused.stdout == ""
        assert len(refused.stderr.splitlines()) == 1 and "--stream-key" in refused.stderr, refused.stderr
        target = parse_target(redis_server.url)
        with pytest.raises(StreamInUse):
            claim_stream(target, "teleprinter:busy")
        # a run with no entry for live_within seconds is taken to be dead: replaced, not refused
        assert "unfinished run" in (claim_stream(target, "teleprinter:busy", live_within=0) or "")
    finally:
        live.close()


def test_watch_says_it_waits_for_a_stream_that_does_not_exist_yet(redis_server: RedisServer, tmp_path: Path) -> None:
    watcher = TtyWatcher(redis_server.url, "nokey")
    watcher.wait_for("waiting for teleprinter:nokey to start")
    assert ask(tmp_path, redis_server.url, "nokey", FIRST).returncode == 0
    assert watcher.finish() == (0, FIRST)  # the status went to the terminal, never into stdout


def test_watch_from_now_on_an_ended_run_says_so_and_shows_the_next_run(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    assert ask(tmp_path, redis_server.url, "k2", FIRST).returncode == 0
    watcher = TtyWatcher(redis_server.url, "k2", "--from-now")
    watcher.wait_for("the run on teleprinter:k2 already ended (done); waiting for a new run on it")
    assert ask(tmp_path, redis_server.url, "k2", SECOND).returncode == 0
    assert watcher.finish() == (0, SECOND)


def test_doctor_online_pings_redis_with_the_credentials(tmp_path: Path) -> None:
    users = ("default off", "teller on >s3cret-pass ~teleprinter:* +@all")
    server = RedisServer(tmp_path / "redis", users=users).start()
    try:
        base = f"127.0.0.1:{server.port}/0"
        ok = check_redis_online(_settings(f"redis://teller:s3cret-pass@{base}"), timeout=2)
        wrong = check_redis_online(_settings(f"redis://teller:wrong-pass@{base}"), timeout=2)
        assert ok.status == OK and ok.detail.startswith(f"redis://teller:****@{base}: PING")
        assert wrong.status == FAIL and "authentication failed" in wrong.detail and "wrong-pass" not in wrong.detail
        doctor = run_cli(["doctor", "--skip-model", "--online", "--provider", "replay"], cwd=tmp_path, timeout=60,
                         env=cli_env(XDG_DATA_HOME=str(tmp_path / "data"),
                                     TELEPRINTER_REDIS_URL=f"redis://teller:wrong-pass@{base}"))
        [line] = [line for line in doctor.stdout.splitlines() if "redis online" in line]
        assert "authentication failed" in line and "wrong-pass" not in doctor.stdout + doctor.stderr
        assert doctor.returncode != 0
        # watch with the password on its command line warns like ask --publish does, the password masked
        assert ask(tmp_path, f"redis://teller:s3cret-pass@{base}", "pw", FIRST).returncode == 0
        watched = run_cli(["watch", f"redis://teller:s3cret-pass@{base}", "pw"], timeout=60)
        assert (watched.returncode, watched.stdout) == (0, FIRST)
        assert "process list" in watched.stderr and "s3cret-pass" not in watched.stderr
        assert len(watched.stderr.splitlines()) == 1
    finally:
        server.stop()
    unreachable = check_redis_online(_settings(f"redis://u:gone-secret@127.0.0.1:{free_port()}/0"), timeout=2)
    assert unreachable.status == FAIL and "cannot connect" in unreachable.detail
    assert "gone-secret" not in unreachable.detail and "\n" not in unreachable.detail


def _settings(url: str) -> Settings:
    return Settings({"TELEPRINTER_REDIS_URL": url}, {"TELEPRINTER_REDIS_URL": "environment"})


@pytest.mark.parametrize("earlier", ["none", "finished"])
def test_runs_claiming_one_key_at_once_let_exactly_one_publish(
    redis_server: RedisServer, tmp_path: Path, earlier: str
) -> None:
    """The look-then-delete is one Lua script: of ten claims at the same moment one wins, nine are refused."""
    import asyncio

    from teleprinter.relay import claim_stream_async

    if earlier == "finished":
        assert ask(tmp_path, redis_server.url, "race", FIRST).returncode == 0
    target = parse_target(redis_server.url)

    async def claims() -> list[object]:
        tries = [claim_stream_async(target, "teleprinter:race") for _ in range(10)]
        return await asyncio.gather(*tries, return_exceptions=True)

    results = asyncio.run(claims())
    assert sum(isinstance(result, StreamInUse) for result in results) == 9, results
    winner = [result for result in results if not isinstance(result, BaseException)]
    assert winner == ([None] if earlier == "none" else ["replacing the finished run (done) on stream teleprinter:race"])
    publisher = RedisPublisher(redis_server.url, "race")  # the winner's run follows its claim entry
    run = uuid4()
    for event in (RunStarted(run), Token(run, "won"), RunEnded(run)):
        publisher.handle(event)
    publisher.close()
    events = run_cli(["watch", redis_server.url, "race", "--events", "jsonl"], timeout=30)
    assert events.returncode == 0 and '"won"' in events.stdout
    assert "claim" not in events.stdout  # the relay's marker is not part of the run

"""``ask --publish`` and ``teleprinter watch`` as a user runs them, against a real redis-server."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

from teleprinter import ReplayChatModel
from teleprinter.answer import build_messages, stream_answer
from teleprinter.codec import decode
from teleprinter.events import RunEnded, RunStarted, Token
from teleprinter.relay import RedisPublisher
from tests.conftest import TELEPRINTER, cli_env, run_cli
from tests.redis_server import RedisServer

ANSWER = "".join(f"Paragraph {n}: streamed over Redis, ünïcode ✓.\n" for n in range(30))


def replay_file(tmp_path: Path) -> Path:
    path = tmp_path / "answer.txt"
    path.write_text(ANSWER, encoding="utf-8")
    return path


def ask(tmp_path: Path, url: str, key: str, *extra: str) -> list[str]:
    replay = replay_file(tmp_path)
    return ["ask", "q", "--provider", "replay", "--replay", str(replay), "--chunk-size", "4", "--speed", "max",
            "--publish", url, "--stream-key", key, *extra]


def when_stream_grows(url: str, key: str, entries: int, action: Callable[[], None]) -> threading.Thread:
    """Run ``action`` on a thread once the stream holds ``entries`` entries: mid-run, whatever the start-up time."""
    import redis

    def wait_then_act() -> None:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and client.xlen(f"teleprinter:{key}") < entries:
            time.sleep(0.01)
        client.close()
        action()

    thread = threading.Thread(target=wait_then_act)
    thread.start()
    return thread


def test_a_watcher_on_another_process_prints_exactly_what_ask_printed(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    watcher = subprocess.Popen(
        [*TELEPRINTER, "watch", redis_server.url, "demo"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, encoding="utf-8", env=cli_env(),
    )
    asked = run_cli(ask(tmp_path, redis_server.url, "demo", "--delay", "0.002"))
    out, err = watcher.communicate(timeout=60)
    assert asked.returncode == 0 and asked.stdout == ANSWER and asked.stderr == ""
    assert (watcher.returncode, out, err) == (0, ANSWER, "")


def test_watch_events_jsonl_prints_the_codec_objects(redis_server: RedisServer, tmp_path: Path) -> None:
    import redis

    assert run_cli(ask(tmp_path, redis_server.url, "raw", "--stream-ttl", "120")).returncode == 0
    with redis.Redis.from_url(redis_server.url) as client:
        assert 0 < client.ttl("teleprinter:raw") <= 120
    watched = run_cli(["watch", redis_server.url, "raw", "--events", "jsonl"])
    records = [json.loads(line) for line in watched.stdout.splitlines()]
    events = [decode(record) for record in records if not record["event"].startswith("relay.")]
    assert watched.returncode == 0 and records[-1] == {"event": "relay.end", "value": "done"}
    assert records[0]["v"] == 2 and "".join(getattr(event, "text", "") for event in events) == ANSWER


def test_watch_exits_with_the_outcome_at_the_source(redis_server: RedisServer) -> None:
    failing = ReplayChatModel.from_text("half an answer", chunk_size=2).model_copy(
        update={"error": "model fell over", "fail_after": 3}
    )
    publisher = RedisPublisher(redis_server.url, "failed")
    try:
        stream_answer(failing, build_messages("q"), [publisher])
    except Exception:
        pass
    finally:
        publisher.close()
    stopped = RedisPublisher(redis_server.url, "stopped")
    stopped.close("interrupted")
    failed = run_cli(["watch", redis_server.url, "failed"])
    assert failed.returncode == 1 and failed.stdout == "half a"
    assert failed.stderr == "teleprinter: error: the run failed at the source: model fell over\n"
    assert run_cli(["watch", redis_server.url, "stopped"]).returncode == 130


def test_a_redis_outage_during_ask_publish_keeps_the_answer_and_warns_once(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis", aof=True).start()
    try:
        outage = when_stream_grows(server.url, "outage", 30, lambda: server.restart(pause=0.5))
        asked = run_cli(ask(tmp_path, server.url, "outage", "--delay", "0.008"))
        outage.join()
        warnings = [line for line in asked.stderr.splitlines() if line]
        assert asked.returncode == 0 and asked.stdout == ANSWER
        assert len(warnings) == 1 and "warning:" in warnings[0] and "cannot connect" in warnings[0]
        watched = run_cli(["watch", server.url, "outage"])
        assert watched.returncode == 0 and watched.stdout == ANSWER  # the missed events followed, once
    finally:
        server.stop()


def test_redis_gone_for_good_leaves_the_answer_and_says_the_stream_is_incomplete(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis").start()
    gone = when_stream_grows(server.url, "gone", 30, server.stop)
    started = time.monotonic()
    asked = run_cli(ask(tmp_path, server.url, "gone", "--delay", "0.008"))
    gone.join()
    assert asked.returncode == 0 and asked.stdout == ANSWER
    assert "incomplete" in asked.stderr.splitlines()[-1] and time.monotonic() - started < 30


def test_bad_urls_and_unreachable_servers_are_one_line_with_the_password_masked(tmp_path: Path) -> None:
    secret = "pa55-w0rd-never-shown"
    cases = [
        (["watch", f"http://me:{secret}@host", "k"], 2),
        (["watch", f"redis://me:{secret}@host:99999/0", "k"], 2),
        (["watch", f"redis://me:{secret}@127.0.0.1:1/0", "k"], 1),
        (ask(tmp_path, f"redis://me:{secret}@127.0.0.1:1/0", "k"), 1),
        (["watch", "k"], 2),  # no URL anywhere
    ]
    for args, code in cases:
        done = run_cli(args)
        errors = [line for line in done.stderr.splitlines() if "error:" in line]
        assert done.returncode == code, done.stderr
        assert len(errors) == 1 and "Traceback" not in done.stderr and secret not in done.stderr + done.stdout
        assert done.stdout == ""


def test_a_password_on_the_command_line_works_but_is_warned_about_and_the_environment_is_quiet(
    tmp_path: Path,
) -> None:
    users = ("default off", "teller on >s3cret-pass ~teleprinter:* +@all")
    server = RedisServer(tmp_path / "redis", users=users).start()
    try:
        url = f"redis://teller:s3cret-pass@127.0.0.1:{server.port}/0"
        on_line = run_cli(ask(tmp_path, url, "acl"))
        assert on_line.returncode == 0 and on_line.stdout == ANSWER
        assert "process list" in on_line.stderr and "s3cret-pass" not in on_line.stderr
        quiet = run_cli(["watch", "acl"], env=cli_env(TELEPRINTER_REDIS_URL=url))
        assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, ANSWER, "")
        apart = cli_env(
            TELEPRINTER_REDIS_URL=f"redis://127.0.0.1:{server.port}/0",
            TELEPRINTER_REDIS_USERNAME="teller",
            TELEPRINTER_REDIS_PASSWORD="s3cret-pass",
        )
        assert run_cli(["watch", "acl"], env=apart).stdout == ANSWER  # credentials apart from the URL
        wrong = run_cli(["watch", "acl"], env=cli_env(TELEPRINTER_REDIS_URL=url.replace("s3cret", "wrong")))
        assert wrong.returncode == 1 and "authentication failed" in wrong.stderr and "wrong-pass" not in wrong.stderr
    finally:
        server.stop()


def test_chat_publish_sends_every_answer_to_one_stream(redis_server: RedisServer, tmp_path: Path) -> None:
    from tests.conftest import ROOT

    script = f"{ROOT / 'tests' / 'chat' / 'responders.py'}:answer"
    chat = run_cli(
        ["chat", "--replay-script", script, "--delay", "0", "--publish", redis_server.url, "--stream-key", "talk"],
        input="remember 5\nwhat number?\n",
        cwd=tmp_path,
    )
    watched = run_cli(["watch", redis_server.url, "talk"])
    assert chat.returncode == 0 and watched.returncode == 0
    assert "OK, I will remember 5." in watched.stdout and "You told me 5." in watched.stdout


def test_run_publish_sends_an_agent_graph_and_watch_prints_the_same_answer(redis_server: RedisServer) -> None:
    from tests.conftest import ROOT

    graph = f"{ROOT / 'examples' / 'agent.py'}:graph"
    ran = run_cli(["run", graph, "What is 17 * 23?", "--publish", redis_server.url, "--stream-key", "agent"])
    watched = run_cli(["watch", redis_server.url, "agent"])
    raw = run_cli(["watch", redis_server.url, "agent", "--events", "jsonl"])
    kinds = {json.loads(line)["event"] for line in raw.stdout.splitlines()}
    assert ran.returncode == 0 and watched.returncode == 0 and ran.stdout.strip()
    assert watched.stdout == ran.stdout
    assert {"tool_start", "tool_end", "node_start"} <= kinds  # the agent's events travel too


def test_watch_says_when_the_answer_was_cut_at_the_source(redis_server: RedisServer) -> None:
    """The token limit's notice reaches the watcher too: a cut answer is never silent."""
    cut = RedisPublisher(redis_server.url, "why-cut")
    run = uuid4()
    for event in (RunStarted(run, "m"), Token(run, "A cut ans"), RunEnded(run, None, "length")):
        cut.handle(event)
    cut.close()
    watched = run_cli(["watch", redis_server.url, "why-cut"])
    assert watched.returncode == 0 and watched.stdout == "A cut ans"
    assert watched.stderr.startswith("teleprinter: answer cut at the token limit (finish_reason=length)")
    assert watched.stderr.count("\n") == 1


def test_a_reader_closing_the_pipe_ends_the_published_run_as_interrupted(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    import shlex

    command = shlex.join([*TELEPRINTER, *ask(tmp_path, redis_server.url, "closed", "--delay", "0.01")])
    asked = subprocess.run(["bash", "-c", f"{command} | head -c 10"], capture_output=True, env=cli_env(), timeout=60)
    assert (asked.returncode, asked.stdout, asked.stderr) == (0, ANSWER.encode()[:10], b"")
    watched = run_cli(["watch", redis_server.url, "closed", "--events", "jsonl"])
    assert watched.stdout.splitlines()[-1] == '{"event": "relay.end", "value": "interrupted"}'


def test_a_new_stream_key_is_printed_with_the_watch_command_that_shows_it(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    import shlex

    asked = run_cli(["ask", "q", "--provider", "replay", "--replay", str(replay_file(tmp_path)), "--speed", "max",
                     "--publish", redis_server.url])
    assert asked.returncode == 0 and asked.stdout == ANSWER
    line = asked.stderr.strip()
    assert line.startswith("teleprinter: publishing to stream run-") and len(asked.stderr.splitlines()) == 1
    command = shlex.split(line.split("watch it with: ", 1)[1])
    assert command[:2] == ["teleprinter", "watch"]
    assert run_cli(command[1:]).stdout == ANSWER


def test_a_stream_key_without_publish_or_an_empty_one_is_a_usage_error(tmp_path: Path) -> None:
    replay = ["ask", "q", "--provider", "replay", "--replay", str(replay_file(tmp_path))]
    alone = run_cli([*replay, "--stream-key", "zz"])
    assert (alone.returncode, alone.stdout) == (2, "")
    assert alone.stderr == "teleprinter: error: --stream-key names the stream --publish writes to (add --publish [URL])\n"  # noqa: E501
    empty = run_cli([*replay, "--publish", "redis://127.0.0.1:1", "--stream-key", " "])
    assert (empty.returncode, empty.stdout) == (2, "") and "--stream-key is empty" in empty.stderr

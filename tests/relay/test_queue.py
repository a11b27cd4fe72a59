"""Distributed batch over a real redis-server: workers, exactly-once answers, a worker killed mid-answer."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from teleprinter import ReplayChatModel
from teleprinter.batch import BatchItem
from teleprinter.batch.queue import BatchKeys, QueueOptions, arun_queued, batch_id
from teleprinter.batch.worker import Finished, Worker, WorkerOptions
from teleprinter.relay import parse_target
from tests.conftest import TELEPRINTER, cli_env, run_cli
from tests.redis_server import RedisServer


def answer_to(prompt: str) -> str:
    return f"The answer to «{prompt}» is {len(prompt)}.\nSecond line.\n"


def responder(messages: Any) -> str:
    text = messages[-1].text
    if "fail" in text:
        raise RuntimeError("this prompt always fails")
    return answer_to(text)


async def consumers_ready(url: str, count: int) -> None:
    """Wait until ``count`` workers have joined the consumer group (they do as they start)."""
    import redis.asyncio
    from redis.exceptions import ResponseError

    client = redis.asyncio.Redis.from_url(url)
    try:
        for _ in range(1000):
            try:
                if len(await client.xinfo_consumers("teleprinter:queue", "workers")) >= count:
                    return
            except ResponseError:  # the queue or the group does not exist yet
                pass
            await asyncio.sleep(0.02)
        raise AssertionError("the workers did not start")
    finally:
        await client.aclose()


async def test_three_workers_answer_sixty_prompts_each_exactly_once(redis_server: RedisServer, tmp_path: Path) -> None:
    target = parse_target(redis_server.url)
    items = [BatchItem(f"q{n:02d}", f"question number {n}") for n in range(60)]
    reports: list[Finished] = []
    model = ReplayChatModel(responder=responder, delays=[0.002])
    workers = [
        Worker(target, model, WorkerOptions(concurrency=2, idle_exit=1.0, name=f"w{n}"), report=reports.append)
        for n in range(3)
    ]
    running = [asyncio.create_task(worker.run()) for worker in workers]
    await consumers_ready(redis_server.url, 3)
    outcomes = await arun_queued(items, target, QueueOptions(out_dir=tmp_path / "out"))
    answered = await asyncio.gather(*running)
    assert [o.status for o in outcomes] == ["ok"] * 60
    assert sorted(r.item_id for r in reports if r.status == "ok") == [i.id for i in items]  # once each
    assert all(n > 0 for n in answered) and sum(answered) == 60  # all three took part
    for item in items:
        assert (tmp_path / "out" / f"{item.id}.txt").read_text(encoding="utf-8") == answer_to(item.prompt)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"{i.id}.txt" for i in items]
    import redis.asyncio

    client = redis.asyncio.Redis.from_url(redis_server.url)
    try:
        assert await client.xlen("teleprinter:queue") == 0  # acknowledged and deleted
        assert await client.hlen(f"teleprinter:{BatchKeys(batch_id(items, None)).results}") == 60
    finally:
        await client.aclose()
    again = await arun_queued(items, target, QueueOptions(out_dir=tmp_path / "out"))  # resumable: nothing to do
    assert [o.status for o in again] == ["skipped"] * 60


async def test_a_failing_prompt_is_reported_failed_and_the_rest_succeed(redis_server: RedisServer) -> None:
    target = parse_target(redis_server.url)
    items = [BatchItem("good", "fine question"), BatchItem("bad", "please fail")]
    worker = Worker(target, ReplayChatModel(responder=responder), WorkerOptions(idle_exit=0.5))
    running = asyncio.create_task(worker.run())
    outcomes = await arun_queued(items, target, QueueOptions())
    await running
    assert [(o.item.id, o.status) for o in outcomes] == [("good", "ok"), ("bad", "failed")]
    assert "always fails" in (outcomes[1].error or "")


def test_a_worker_killed_mid_answer_is_replaced_and_the_answer_is_stored_once(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    import redis

    prompts, book = tmp_path / "prompts.jsonl", tmp_path / "book.json"
    prompts.write_text(json.dumps({"id": "long", "prompt": "tell me a long story"}) + "\n")
    story = "".join(f"Chapter {n}. Once upon a time.\n" for n in range(40))
    book.write_text(json.dumps({"answers": {"tell me a long story": story}}))
    out = tmp_path / "out"
    worker_args = ["worker", redis_server.url, "--provider", "replay", "--replay", str(book), "--claim-after", "1"]
    coordinator = subprocess.Popen(
        [*TELEPRINTER, "batch", str(prompts), "--queue", redis_server.url, "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(),
    )
    doomed = subprocess.Popen([*TELEPRINTER, *worker_args, "--delay", "0.05"], env=cli_env(), stderr=subprocess.DEVNULL)
    client = redis.Redis.from_url(redis_server.url, decode_responses=True)
    keys = BatchKeys(batch_id([BatchItem("long", "tell me a long story")], None))
    answer = f"teleprinter:{keys.answer('long')}"
    deadline = time.monotonic() + 60
    while client.xlen(answer) < 10 and time.monotonic() < deadline:
        time.sleep(0.02)
    doomed.send_signal(signal.SIGKILL)  # mid-answer: about 10 of 80 pieces published
    doomed.wait(10)
    rescuer = run_cli([*worker_args, "--delay", "0", "--idle-exit", "2"])
    _, errors = coordinator.communicate(timeout=60)
    assert coordinator.returncode == 0, errors
    assert rescuer.returncode == 0 and "[long] ok" in rescuer.stderr
    assert (out / "long.txt").read_text(encoding="utf-8") == story  # complete and single
    results = client.hgetall(f"teleprinter:{keys.results}")
    assert list(results) == ["long"] and json.loads(results["long"])["text"] == story
    watched = run_cli(["watch", redis_server.url, answer.removeprefix("teleprinter:"), "--events", "jsonl"])
    kinds = [json.loads(line)["event"] for line in watched.stdout.splitlines()]
    assert "relay.restart" in kinds and kinds[-1] == "relay.end"  # viewers saw the restart
    client.close()


async def test_batch_queue_on_the_command_line_exits_1_when_a_prompt_failed(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text('{"id": "good", "prompt": "fine question"}\n{"id": "bad", "prompt": "please fail"}\n')
    coordinator = await asyncio.create_subprocess_exec(
        *TELEPRINTER, "batch", str(prompts), "--queue", redis_server.url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=cli_env(),
    )
    worker = Worker(parse_target(redis_server.url), ReplayChatModel(responder=responder), WorkerOptions())
    running = asyncio.create_task(worker.run())
    out, err = await asyncio.wait_for(coordinator.communicate(), 120)
    running.cancel()  # a worker serves until stopped
    await asyncio.gather(running, return_exceptions=True)
    assert coordinator.returncode == 1
    assert out.decode() == "".join(f"[good] {line}\n" for line in answer_to("fine question").splitlines())
    assert "1 ok, 1 failed" in err.decode() and "always fails" in err.decode()

"""Distributed batch through Redis outages, on a real redis-server without persistence.

Redis restarting mid-batch loses the queue: workers recreate the group, the coordinator queues
the unanswered prompts again. A worker says once that Redis is down and once that it is back,
and the outage counts towards ``--idle-exit``. A coordinator with no worker says so once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from teleprinter import ReplayChatModel
from teleprinter.batch import BatchItem
from teleprinter.batch.queue import QueueOptions, arun_queued
from teleprinter.batch.runner import Monitor
from teleprinter.batch.worker import Finished, Worker, WorkerOptions
from teleprinter.relay import parse_target
from tests.redis_server import RedisServer
from tests.relay.test_queue import answer_to, consumers_ready, responder


class Notices(Monitor):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def notice(self, text: str) -> None:
        self.lines.append(text)


async def restart_when(redis_server: RedisServer, ready: Any) -> None:
    """Restart the server (its data lost) once ``ready()`` says the batch is under way."""
    for _ in range(500):
        if await ready():
            break
        await asyncio.sleep(0.01)
    await asyncio.get_running_loop().run_in_executor(None, redis_server.restart)


async def test_redis_losing_its_data_mid_batch_is_survived_and_every_prompt_answered(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    import redis.asyncio

    target = parse_target(redis_server.url)
    items = [BatchItem(f"q{n}", f"question number {n}") for n in range(8)]
    warnings: list[str] = []
    reports: list[Finished] = []
    model = ReplayChatModel(responder=responder, delays=[0.01])
    worker = Worker(target, model, WorkerOptions(idle_exit=3.0, name="w"), report=reports.append,
                    on_warning=warnings.append)
    running = asyncio.create_task(worker.run())
    await consumers_ready(redis_server.url, 1)
    notices = Notices()
    coordinator = asyncio.create_task(
        arun_queued(items, target, QueueOptions(out_dir=tmp_path / "out", check_every=0.2), monitor=notices)
    )

    async def two_answered() -> bool:
        return sum(r.status == "ok" for r in reports) >= 2

    await restart_when(redis_server, two_answered)
    outcomes = await asyncio.wait_for(coordinator, 30)
    await asyncio.wait_for(running, 30)
    assert [o.status for o in outcomes] == ["ok"] * 8
    for item in items:
        assert (tmp_path / "out" / f"{item.id}.txt").read_text(encoding="utf-8") == answer_to(item.prompt)
    assert sum("created them again" in w for w in warnings) == 1, warnings
    lost = [line for line in notices.lines if "queued them again" in line]
    assert len(lost) == 1, notices.lines
    assert sum("reachable again" in line for line in notices.lines) <= 1  # the restart may be too quick to see
    client = redis.asyncio.Redis.from_url(redis_server.url)
    try:
        assert await client.xlen("teleprinter:queue") == 0
    finally:
        await client.aclose()


async def test_a_worker_says_once_redis_is_down_and_once_back_and_the_outage_counts_as_idle(
    redis_server: RedisServer,
) -> None:
    target = parse_target(redis_server.url)
    warnings: list[str] = []
    worker = Worker(target, ReplayChatModel(responder=responder), WorkerOptions(idle_exit=2.5),
                    on_warning=warnings.append)
    running = asyncio.create_task(worker.run())
    await consumers_ready(redis_server.url, 1)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, redis_server.stop)
    await asyncio.sleep(1.2)
    await loop.run_in_executor(None, redis_server.start)
    await asyncio.wait_for(running, 10)  # idle_exit counted the outage
    down = [w for w in warnings if "retrying until it is back" in w]
    back = [w for w in warnings if "reachable again" in w]
    assert len(down) == 1 and len(back) == 1, warnings
    assert warnings.index(down[0]) < warnings.index(back[0])


async def test_a_worker_whose_redis_stays_down_exits_at_idle_exit(redis_server: RedisServer) -> None:
    target = parse_target(redis_server.url)
    warnings: list[str] = []
    worker = Worker(target, ReplayChatModel(responder=responder), WorkerOptions(idle_exit=1.0),
                    on_warning=warnings.append)
    running = asyncio.create_task(worker.run())
    await consumers_ready(redis_server.url, 1)
    await asyncio.get_running_loop().run_in_executor(None, redis_server.stop)
    assert await asyncio.wait_for(running, 10) == 0
    assert sum("retrying until it is back" in w for w in warnings) == 1, warnings


async def test_a_batch_with_no_worker_says_so_once(redis_server: RedisServer) -> None:
    target = parse_target(redis_server.url)
    notices = Notices()
    options = QueueOptions(no_worker_after=0.5)
    coordinator = asyncio.create_task(arun_queued([BatchItem("a", "alpha")], target, options, monitor=notices))
    await asyncio.sleep(1.5)
    assert not coordinator.done()
    assert len(notices.lines) == 1 and "no worker has taken a prompt" in notices.lines[0], notices.lines
    assert f"teleprinter worker {redis_server.url}" in notices.lines[0]
    worker = Worker(target, ReplayChatModel(responder=responder), WorkerOptions(idle_exit=0.5))
    running = asyncio.create_task(worker.run())
    outcomes = await asyncio.wait_for(coordinator, 20)
    await asyncio.wait_for(running, 10)
    assert [o.status for o in outcomes] == ["ok"] and len(notices.lines) == 1


async def test_a_coordinator_says_once_redis_is_down_and_back_then_requeues_for_a_new_worker(
    redis_server: RedisServer,
) -> None:
    target = parse_target(redis_server.url)
    items = [BatchItem("a", "alpha"), BatchItem("b", "beta")]
    notices = Notices()
    options = QueueOptions(check_every=0.2, no_worker_after=60)
    coordinator = asyncio.create_task(arun_queued(items, target, options, monitor=notices))
    loop = asyncio.get_running_loop()
    await asyncio.sleep(0.5)
    await loop.run_in_executor(None, redis_server.stop)
    await asyncio.sleep(1.0)
    await loop.run_in_executor(None, redis_server.start)  # empty: the queue is gone
    worker = Worker(target, ReplayChatModel(responder=responder), WorkerOptions(idle_exit=1.0))
    running = asyncio.create_task(worker.run())
    outcomes = await asyncio.wait_for(coordinator, 20)
    await asyncio.wait_for(running, 10)
    assert [o.status for o in outcomes] == ["ok", "ok"]
    assert [sum(key in line for line in notices.lines) for key in ("come back", "reachable again", "queued")] == [
        1, 1, 1
    ], notices.lines

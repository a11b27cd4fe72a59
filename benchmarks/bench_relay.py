"""The Redis relay: publish-to-render latency, events/s on one stream, batch throughput per worker count.

Everything runs against a real ``redis-server`` started here on a free loopback port.

* **latency**: a producer thread feeds tokens at a steady pace to :class:`RedisPublisher`; a
  :func:`watch` in the main thread decodes each and hands it to a renderer (a ``PlainRenderer``
  on a buffer). Latency is from ``handle()`` to the renderer returning, per event, on one clock.
  Baseline: bare redis-py, one ``XADD`` per event and an ``XREAD BLOCK`` reader, no encoding.
* **events/s**: one stream, events published as fast as the producer can, until a watcher has
  read them all. Baseline: bare redis-py pipelines of 1,000 ``XADD``\\ s, read back the same way.
* **batch**: N prompts on the queue, answered by 1, 2 and 4 ``teleprinter worker`` processes on
  the replay provider at full speed (CPU-bound), timed from enqueue to the last result.
  Baseline: the local ``batch`` runner in one process.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.harness import TELEPRINTER, Row, make_row

NAME = "relay"
RAW = "bare redis-py"
LOCAL = "local batch (1 process)"
PACE = 0.002  # seconds between events in the latency case: 500 events/s, faster than any model streams
ANSWER_CHUNKS = 400
"""Pieces per replayed answer: about 40 ms of LangChain and callback work, so a prompt is CPU-bound."""
WAITING_PIECES, WAIT = 40, 0.005
"""The waiting case: 40 pieces 5 ms apart, 0.2 s per prompt spent waiting like a remote model."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def redis_server() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
    with tempfile.TemporaryDirectory() as folder:
        port = _free_port()
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", folder, "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            import redis

            client = redis.Redis(port=port)
            for _ in range(200):
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.02)
            client.close()
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(10)


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# -- latency -----------------------------------------------------------------------------------------


def latency_teleprinter(url: str, count: int, key: str) -> list[float]:
    import io
    from uuid import uuid4

    from teleprinter.events import RunEnded, RunStarted, Token
    from teleprinter.relay import RedisPublisher, watch
    from teleprinter.render.plain import PlainRenderer

    sent: dict[int, float] = {}
    latencies: list[float] = []
    run = uuid4()

    def produce() -> None:
        publisher = RedisPublisher(url, key)
        publisher.handle(RunStarted(run, "bench"))
        for index in range(count):
            time.sleep(PACE)
            sent[index] = time.perf_counter()
            publisher.handle(Token(run, "token ", index))
        publisher.handle(RunEnded(run))
        publisher.close()

    async def consume() -> None:
        renderer = PlainRenderer(io.StringIO(), flush_each=False)
        async for event in watch(url, key):
            renderer.handle(event)
            if type(event) is Token:
                latencies.append(time.perf_counter() - sent[event.index])

    producer = threading.Thread(target=produce)
    producer.start()
    asyncio.run(consume())
    producer.join()
    return latencies


def latency_raw(url: str, count: int, key: str) -> list[float]:
    import redis

    latencies: list[float] = []

    def produce() -> None:
        client = redis.Redis.from_url(url)
        for index in range(count):
            time.sleep(PACE)
            client.xadd(key, {"i": index, "t": repr(time.perf_counter())})
        client.xadd(key, {"end": 1})
        client.close()

    producer = threading.Thread(target=produce)
    producer.start()
    client = redis.Redis.from_url(url, decode_responses=True)
    last, done = "0-0", False
    while not done:
        for _key, entries in client.xread({key: last}, block=1000) or []:
            for entry_id, fields in entries:
                last = entry_id
                if "end" in fields:
                    done = True
                else:
                    latencies.append(time.perf_counter() - float(fields["t"]))
    client.close()
    producer.join()
    return latencies


# -- throughput ----------------------------------------------------------------------------------------


def throughput_teleprinter(url: str, count: int, key: str) -> float:
    from uuid import uuid4

    from teleprinter.events import Token
    from teleprinter.relay import RedisPublisher, watch

    run = uuid4()

    async def read_all() -> int:
        return sum([1 async for event in watch(url, key) if type(event) is Token])

    start = time.perf_counter()
    reader = threading.Thread(target=lambda: result.append(asyncio.run(read_all())))
    result: list[int] = []
    reader.start()
    publisher = RedisPublisher(url, key, maxlen=count * 2)
    for index in range(count):
        publisher.handle(Token(run, "token ", index))
    publisher.close(timeout=60)
    reader.join()
    assert result == [count]
    return count / (time.perf_counter() - start)


def throughput_raw(url: str, count: int, key: str) -> float:
    import redis

    start = time.perf_counter()
    client = redis.Redis.from_url(url)
    for first in range(0, count, 1000):
        pipe = client.pipeline(transaction=False)
        for index in range(first, min(count, first + 1000)):
            pipe.xadd(key, {"e": json.dumps({"event": "token", "text": "token ", "index": index})})
        pipe.execute()
    read, last = 0, "0-0"
    while read < count:
        for _key, entries in client.xread({key: last}, count=1000) or []:
            read += len(entries)
            last = entries[-1][0]
    client.close()
    return count / (time.perf_counter() - start)


# -- batch ---------------------------------------------------------------------------------------------


def _book(folder: Path, prompts: int, pieces: int = ANSWER_CHUNKS) -> tuple[Path, list[Any]]:
    from teleprinter.batch import BatchItem

    items = [BatchItem(f"p{n:03d}", f"prompt {n}") for n in range(prompts)]
    answer = " ".join(f"w{n}" for n in range(pieces))
    book = folder / "book.json"
    book.write_text(json.dumps({"answers": {}, "default": answer}))
    return book, items


def batch_workers(url: str, workers: int, prompts: int, folder: Path, tag: str, delay: float | None = None) -> float:
    """Prompts per second with ``workers`` worker processes (timed once all are waiting on the queue).

    ``delay``: seconds the replayed model waits per piece (a model behind a network), else none.
    """
    import redis

    from teleprinter.batch.queue import GROUP, QueueOptions, arun_queued
    from teleprinter.relay import parse_target

    book, items = _book(folder, prompts, WAITING_PIECES if delay else ANSWER_CHUNKS)
    prefix = f"bench-{tag}:"
    pace = ["--delay", str(delay)] if delay else ["--speed", "max"]
    command = [sys.executable, "-m", "teleprinter", "worker", url, "--provider", "replay", "--replay", str(book),
               *pace, "--idle-exit", "60", "--key-prefix", prefix]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEPRINTER_", "OPENAI_", "AZURE_"))}
    processes = [
        subprocess.Popen([*command, "--name", f"w{n}"], env=env, stderr=subprocess.DEVNULL) for n in range(workers)
    ]
    client = redis.Redis.from_url(url, decode_responses=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if len(client.xinfo_consumers(f"{prefix}queue", GROUP)) >= workers:
                break
        except redis.ResponseError:
            pass
        time.sleep(0.05)
    client.close()
    start = time.perf_counter()
    outcomes = asyncio.run(arun_queued(items, parse_target(url, prefix=prefix), QueueOptions(batch=tag)))
    elapsed = time.perf_counter() - start
    for process in processes:  # done: stop them rather than wait for their idle exit
        process.terminate()
        process.wait(60)
    assert all(outcome.status == "ok" for outcome in outcomes)
    return prompts / elapsed


def batch_local(prompts: int, folder: Path) -> float:
    import io

    from teleprinter.batch import BatchOptions, LineWriter, arun_batch
    from teleprinter.providers import ModelOptions, create_model

    book, items = _book(folder, prompts)
    model = create_model(ModelOptions(provider="replay", replay_path=str(book), speed=float("inf")))
    start = time.perf_counter()
    writer = LineWriter(io.StringIO())
    outcomes = asyncio.run(arun_batch(items, model, BatchOptions(concurrency=1), writer=writer))
    assert all(outcome.status == "ok" for outcome in outcomes)
    return prompts / (time.perf_counter() - start)


# -- the rows ------------------------------------------------------------------------------------------


def run(quick: bool, smoke: bool = False) -> list[Row]:
    events = 20 if smoke else 300 if quick else 2000
    burst = 200 if smoke else 20_000 if quick else 100_000
    prompts = 4 if smoke else 24 if quick else 80
    repeats = 1 if smoke or quick else 3
    worker_counts = (1,) if smoke else (1, 2, 4)
    rows: list[Row] = []
    with redis_server() as url, tempfile.TemporaryDirectory() as tmp:
        ours = [s * 1000 for s in latency_teleprinter(url, events, "lat")]
        raw = [s * 1000 for s in latency_raw(url, events, "lat-raw")]
        for name, fraction in (("p50", 0.5), ("p99", 0.99)):
            target = {"target": "< 5 ms", "met": _percentile(ours, 0.99) < 5.0} if name == "p99" else {}
            rows.append(make_row(NAME, f"publish->render {name}", TELEPRINTER, "latency", "ms",
                                 [_percentile(ours, fraction)], **target))
            rows.append(make_row(NAME, f"publish->render {name}", RAW, "latency", "ms", [_percentile(raw, fraction)]))
        note = f"{events} events at {1 / PACE:.0f}/s on loopback; mean {statistics.mean(ours):.2f} ms"
        rows[-2]["note"] = note
        rows.append(make_row(NAME, "one stream", TELEPRINTER, "events/s", "events/s",
                             [throughput_teleprinter(url, burst, "burst")]))
        raw_rate = throughput_raw(url, burst, "burst-raw")
        rows.append(make_row(NAME, "one stream", RAW, "events/s", "events/s", [raw_rate]))
        folder = Path(tmp)
        local = [batch_local(prompts, folder) for _ in range(repeats)]
        for workers in worker_counts:
            rates = [batch_workers(url, workers, prompts, folder, f"w{workers}r{n}") for n in range(repeats)]
            rows.append(make_row(NAME, f"batch {workers} worker(s)", TELEPRINTER, "prompts/s", "prompts/s", rates,
                                 baseline=LOCAL, ratio=statistics.median(rates) / statistics.median(local)))
        if not smoke:
            for workers in worker_counts:
                rate = batch_workers(url, workers, prompts // 2, folder, f"wait{workers}", delay=WAIT)
                alone = 1 / (WAITING_PIECES * WAIT)  # one prompt at a time with no overhead at all
                rows.append(make_row(NAME, f"batch {workers} worker(s), waiting model", TELEPRINTER, "prompts/s",
                                     "prompts/s", [rate], baseline="one prompt at a time, no overhead",
                                     ratio=rate / alone))
            rows.append(make_row(NAME, "batch, waiting model", "one prompt at a time, no overhead", "prompts/s",
                                 "prompts/s", [1 / (WAITING_PIECES * WAIT)]))
        rows.append(make_row(NAME, "batch", LOCAL, "prompts/s", "prompts/s", local,
                             note=f"{prompts} prompts of {ANSWER_CHUNKS} replayed pieces; load average "
                                  f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end"))
    return rows

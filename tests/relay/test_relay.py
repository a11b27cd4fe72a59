"""The Redis relay against a real redis-server: publish, watch, resume, outages."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from teleprinter import ReplayChatModel
from teleprinter.answer import build_messages, stream_answer
from teleprinter.events import Custom, Event, Token
from teleprinter.relay import RESTARTED, RedisPublisher, RelayError, watch
from teleprinter.relay.target import parse_target
from tests.redis_server import RedisServer

TEXT = "".join(f"line {n}: the quick brown fox, ünïcode ✓ and\ttabs\n" for n in range(40))


def publish(url: str, key: str, *, chunk: int = 5, delay: float = 0.0, **options: Any) -> RedisPublisher:
    model = ReplayChatModel.from_text(TEXT, chunk_size=chunk, delay=delay)
    publisher = RedisPublisher(url, key, **options)
    try:
        stream_answer(model, build_messages("q"), [publisher])
    finally:
        publisher.close()
    return publisher


def text_of(events: list[Event]) -> str:
    return "".join(event.text for event in events if type(event) is Token)


async def collect(url: str, key: str, **options: Any) -> tuple[str, str | None]:
    stream = watch(url, key, **options)
    events = [event async for event in stream]
    return text_of(events), stream.outcome


async def test_fifty_concurrent_watchers_each_get_the_exact_text(redis_server: RedisServer) -> None:
    watchers = [asyncio.create_task(collect(redis_server.url, "fifty")) for _ in range(50)]
    await asyncio.sleep(0.2)  # all of them are waiting before the first event
    await asyncio.to_thread(publish, redis_server.url, "fifty", delay=0.001)
    results = await asyncio.gather(*watchers)
    assert results == [(TEXT, "done")] * 50


async def test_a_watcher_started_after_the_end_replays_it_and_from_now_skips_it(redis_server: RedisServer) -> None:
    await asyncio.to_thread(publish, redis_server.url, "late")
    assert await collect(redis_server.url, "late") == (TEXT, "done")
    late = asyncio.create_task(collect(redis_server.url, "late", from_now=True))
    await asyncio.sleep(0.2)
    assert not late.done()  # nothing new was published: it waits
    late.cancel()


async def test_the_stream_is_capped_and_expires_after_its_end(redis_server: RedisServer) -> None:
    from redis.asyncio import Redis

    await asyncio.to_thread(publish, redis_server.url, "capped", chunk=1, maxlen=100, ttl=60)
    client = Redis.from_url(redis_server.url)
    try:
        length, ttl = await client.xlen("teleprinter:capped"), await client.ttl("teleprinter:capped")
    finally:
        await client.aclose()
    assert 100 <= length < len(TEXT)  # MAXLEN ~ trims whole macro nodes, so a little above the cap
    assert 0 < ttl <= 60


async def test_a_watcher_resumes_after_a_redis_restart_and_after_its_own_disconnect(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis", aof=True).start()
    try:
        first = watch(server.url, "restart")
        seen: list[Event] = []
        publishing = asyncio.create_task(asyncio.to_thread(publish, server.url, "restart", chunk=3, delay=0.004))
        async for event in first:  # a watcher that leaves mid-run...
            seen.append(event)
            if len(seen) == 40:
                break
        resumed = watch(server.url, "restart", after=first.last_id)  # ...and comes back from its last entry id
        restarted = threading.Timer(0.15, server.restart, kwargs={"pause": 0.3})
        restarted.start()  # redis-server goes away mid-run and comes back with its AOF
        seen += [event async for event in resumed]
        await publishing
        restarted.join()
        assert text_of(seen) == TEXT
        assert resumed.outcome == "done" and resumed.reconnects > 0
        tokens = [event for event in seen if type(event) is Token]
        assert [token.index for token in tokens] == list(range(len(tokens)))  # nothing twice, nothing lost
    finally:
        server.stop()


async def test_a_restart_marker_reaches_watchers_as_a_custom_event(redis_server: RedisServer) -> None:
    publisher = RedisPublisher(redis_server.url, "again")
    publisher.restart(2)
    publisher.close("failed")
    stream = watch(redis_server.url, "again")
    events = [event async for event in stream]
    assert [(type(e), getattr(e, "name", None)) for e in events] == [(Custom, RESTARTED)]
    assert stream.outcome == "failed"


def test_an_outage_mid_run_is_one_warning_and_the_missed_events_follow(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis", aof=True).start()
    warnings: list[str] = []
    try:
        restarted = threading.Timer(0.1, server.restart, kwargs={"pause": 0.5})
        restarted.start()
        publisher = publish(server.url, "outage", chunk=2, delay=0.002, on_warning=warnings.append)
        restarted.join()
        text, outcome = asyncio.run(collect(server.url, "outage"))
        assert (text, outcome) == (TEXT, "done")
        assert len(warnings) == 1 and "cannot connect" in warnings[0] and publisher.outcome == "done"
    finally:
        server.stop()


def test_unreachable_and_malformed_urls_fail_at_once_with_the_password_masked() -> None:
    from teleprinter.errors import ConfigError

    with pytest.raises(RelayError) as unreachable:
        RedisPublisher("redis://alice:s3cr3t-passw0rd@127.0.0.1:1/0", "k")
    assert "s3cr3t" not in str(unreachable.value) and "alice:****@" in str(unreachable.value)
    with pytest.raises(ConfigError) as malformed:
        parse_target("redis://bob:s3cr3t-passw0rd@host:notaport/0")
    assert "s3cr3t" not in str(malformed.value)
    for bad in ("http://host", "redis://", "redis://host/db"):
        with pytest.raises(ConfigError):
            parse_target(bad)


def test_after_a_lost_reply_only_the_entries_that_did_not_land_are_sent_again(redis_server: RedisServer) -> None:
    from teleprinter.relay import Link
    from teleprinter.relay.link import Command

    link = Link(parse_target(redis_server.url)).start()
    try:
        for n in range(5):
            link.xadd("teleprinter:lost", {"e": f"entry {n}"}, None)
        assert link.flush(10)
        # as if a pipeline of entries 4..7 had been applied up to entry 5 when the connection broke:
        fields = {n: {"e": f"entry {n}", "p": link.id, "n": str(n)} for n in (4, 5, 6, 7)}
        batch = [Command("teleprinter:lost", fields[n], seq=n) for n in fields]
        kept = asyncio.run_coroutine_threadsafe(link._unsent(batch), link._loop).result(10)
    finally:
        link.close()
    assert [command.seq for command in kept] == [6, 7]


async def test_the_stream_of_a_publisher_that_died_mid_run_still_expires(redis_server: RedisServer) -> None:
    from uuid import uuid4

    from redis.asyncio import Redis

    publisher = RedisPublisher(redis_server.url, "orphan", ttl=90)
    publisher.handle(Token(uuid4(), "half an answer"))
    assert await asyncio.to_thread(publisher.link.flush, 10)  # no close(): as if the process was killed here
    client = Redis.from_url(redis_server.url)
    try:
        assert 0 < await client.ttl("teleprinter:orphan") <= 90
    finally:
        await client.aclose()
        publisher.link.close()


async def test_a_watcher_of_a_stream_that_expires_before_its_end_stops_with_an_error(
    redis_server: RedisServer,
) -> None:
    from uuid import uuid4

    publisher = RedisPublisher(redis_server.url, "short-lived", ttl=1)
    publisher.handle(Token(uuid4(), "never finished"))
    assert await asyncio.to_thread(publisher.link.flush, 10)
    publisher.link.close()  # the publisher dies: no end entry; the stream expires a second later
    stream = watch(redis_server.url, "short-lived")
    seen: list[Event] = []
    with pytest.raises(RelayError, match="gone before its end"):
        async for event in stream:
            seen.append(event)
    assert text_of(seen) == "never finished" and stream.outcome is None

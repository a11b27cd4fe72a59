"""The stream guard on its own: plain generators stand in for a network stream that breaks at a chosen point."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import openai
import pytest
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

from teleprinter.errors import ProviderError
from teleprinter.providers.reliability import FailureContext, backoff, guarded_stream

CONTEXT = FailureContext(
    service="Azure OpenAI",
    endpoint="https://example.openai.azure.com/",
    endpoint_setting="AZURE_OPENAI_ENDPOINT",
    key_setting="AZURE_OPENAI_API_KEY",
    masked_key="****WXYZ",
    not_found="deployment 'd'",
    not_found_hint="check AZURE_OPENAI_DEPLOYMENT_NAME",
    timeout=5.0,
    retries=2,
)
REQUEST = httpx2.Request("POST", "https://example.openai.azure.com/openai/deployments/d/chat/completions")


def chunk(text: str, finish: str | None = None) -> ChatGenerationChunk:
    info = {"finish_reason": finish} if finish else None
    return ChatGenerationChunk(message=AIMessageChunk(content=text), generation_info=info)


def dropped() -> openai.APIConnectionError:
    return openai.APIConnectionError(request=REQUEST)


class Stream:
    """Each call to ``start`` is one attempt; ``plans[n]`` is what attempt n sends before breaking (or ending)."""

    def __init__(self, *plans: tuple[list[ChatGenerationChunk], BaseException | None]) -> None:
        self.plans = list(plans)
        self.attempts = 0

    def start(self) -> Iterator[ChatGenerationChunk]:
        chunks, error = self.plans[self.attempts]
        self.attempts += 1
        yield from chunks
        if error is not None:
            raise error


def texts(stream: Stream) -> list[str]:
    return [str(piece.message.content) for piece in guarded_stream(stream.start, CONTEXT, sleep=lambda _: None)]


def test_a_break_after_empty_chunks_is_retried_and_the_answer_is_shown_once() -> None:
    stream = Stream(([chunk("")], dropped()), ([chunk(""), chunk("Hi"), chunk("!", "stop")], None))
    assert "".join(texts(stream)) == "Hi!"
    assert stream.attempts == 2


def test_a_break_after_text_is_never_retried() -> None:
    stream = Stream(([chunk("Hi")], dropped()), ([chunk("Hi"), chunk("!", "stop")], None))
    shown: list[str] = []
    with pytest.raises(ProviderError, match="dropped mid-stream after 1 chunk"):
        for piece in guarded_stream(stream.start, CONTEXT, sleep=lambda _: None):
            shown.append(str(piece.message.content))
    assert shown == ["Hi"] and stream.attempts == 1


def test_a_failure_before_any_chunk_is_left_to_the_client_retries() -> None:
    stream = Stream(([], dropped()), ([chunk("never", "stop")], None))
    with pytest.raises(ProviderError, match="cannot connect"):
        texts(stream)
    assert stream.attempts == 1


def test_the_retry_budget_is_kept() -> None:
    stream = Stream(*[([chunk("")], dropped())] * 3)
    with pytest.raises(ProviderError):
        texts(stream)
    assert stream.attempts == 3  # the first try and CONTEXT.retries == 2 retries


def test_a_consumer_that_stops_early_is_not_an_error() -> None:
    stream = Stream(([chunk("a"), chunk("b"), chunk("c", "stop")], None))
    guarded = guarded_stream(stream.start, CONTEXT)
    assert str(next(guarded).message.content) == "a"
    guarded.close()  # GeneratorExit passes through untouched
    assert stream.attempts == 1


def test_a_clean_end_without_a_finish_reason_is_reported() -> None:
    with pytest.raises(ProviderError, match="ended before the answer was complete"):
        texts(Stream(([chunk("Hi")], None)))


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]

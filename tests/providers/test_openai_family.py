"""The azure / openai / openai-compatible providers through the real langchain-openai client and a real SSE server."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel

from teleprinter.answer import build_messages, stream_answer
from teleprinter.config import load_settings
from teleprinter.errors import ProviderError
from teleprinter.events import Event, RunFailed
from teleprinter.providers import ModelOptions, create_model
from teleprinter.sinks.accumulate import Accumulation
from teleprinter.sinks.stats import Stats
from tests.servers.sse import API_VERSION, DEPLOYMENT, Reply, SSEServer

WHOLE = "Hello, world!"


@dataclass
class Outcome:
    text: str
    stats: Stats
    events: list[Event] = field(default_factory=list)
    error: ProviderError | None = None


class Events:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def handle(self, event: Event) -> None:
        self.events.append(event)


def azure(server: SSEServer, env: dict[str, str] | None = None, **options: Any) -> BaseChatModel:
    settings = load_settings(environ=server.azure_env(**(env or {})))
    return create_model(ModelOptions(provider="azure", settings=settings, **options))


def run(model: BaseChatModel, prompt: str = "hello there") -> Outcome:
    accumulation, stats, events = Accumulation(), Stats(), Events()
    error = None
    try:
        stream_answer(model, build_messages(prompt), [events], stats=stats, accumulation=accumulation)
    except ProviderError as caught:
        error = caught
    return Outcome(accumulation.text(), stats, events.events, error)


def test_normal_stream_counts_tokens_from_the_service_usage(server: SSEServer) -> None:
    server.script(Reply(tokens=["The", " sky", " is", " blue", "."],
                        usage={"prompt_tokens": 11, "completion_tokens": 23, "total_tokens": 34}))
    outcome = run(azure(server))
    assert outcome.error is None
    assert outcome.text == "The sky is blue."
    assert outcome.stats.last.output_tokens == 23  # the service's count, not the 5 chunks
    assert outcome.stats.last.input_tokens == 11


def test_request_uses_the_seed_variables_and_asks_for_usage(server: SSEServer) -> None:
    run(azure(server))
    (request,) = server.chat_requests()
    assert request.path == f"/openai/deployments/{DEPLOYMENT}/chat/completions"
    assert request.query["api-version"] == API_VERSION
    assert request.headers["api-key"] == server.api_key
    assert request.body["stream"] is True
    assert request.body["stream_options"] == {"include_usage": True}


def test_deployment_flag_overrides_the_setting(server: SSEServer) -> None:
    with SSEServer(deployments=("other",)) as other:
        outcome = run(azure(other, deployment="other"))
        assert outcome.error is None and outcome.text == WHOLE
        assert other.chat_requests()[0].path == "/openai/deployments/other/chat/completions"


def test_content_filter_chunk_with_empty_choices_first_is_skipped(server: SSEServer) -> None:
    server.script(Reply(filter_first=True))
    outcome = run(azure(server))
    assert outcome.error is None
    assert outcome.text == WHOLE


def test_disconnect_after_tokens_keeps_the_partial_answer_and_is_not_retried(server: SSEServer) -> None:
    server.script(Reply(tokens=["one", " two", " three", " four"], disconnect_after=2), Reply())
    outcome = run(azure(server))
    assert outcome.text == "one two"
    assert outcome.error is not None
    assert "dropped" in outcome.error.message and "incomplete" in outcome.error.message
    assert len(server.chat_requests()) == 1
    assert isinstance(outcome.events[-1], RunFailed)


def test_429_with_retry_after_then_success_shows_the_answer_once(server: SSEServer) -> None:
    server.script(Reply.failure(429, "slow down", retry_after=1), Reply())
    outcome = run(azure(server))
    assert outcome.error is None
    assert outcome.text == WHOLE
    first, second = server.chat_requests()
    assert second.time - first.time >= 0.9  # Retry-After: 1 was honoured


def test_500_then_success(server: SSEServer) -> None:
    server.script(Reply.failure(500, "boom"), Reply())
    outcome = run(azure(server))
    assert outcome.error is None and outcome.text == WHOLE
    assert len(server.chat_requests()) == 2


def test_500_every_time_fails_after_the_retry_budget(server: SSEServer) -> None:
    server.script(*[Reply.failure(503, "overloaded")] * 3)
    outcome = run(azure(server, retries=1))
    assert outcome.error is not None
    assert "503" in outcome.error.message and "2 attempts" in outcome.error.message
    assert len(server.chat_requests()) == 2


def test_401_names_the_key_setting_and_masks_the_key(server: SSEServer) -> None:
    wrong = "sk-wrong-0123456789abcdefWXYZ"
    outcome = run(azure(server, {"AZURE_OPENAI_API_KEY": wrong}))
    assert outcome.error is not None
    text = str(outcome.error)
    assert "AZURE_OPENAI_API_KEY" in text and "401" in text
    assert wrong not in text  # the server echoed it; we masked it
    assert "****WXYZ" in text
    assert wrong not in str(outcome.events[-1].error)  # type: ignore[union-attr]


def test_403_names_the_key_and_endpoint_settings(server: SSEServer) -> None:
    server.script(Reply.failure(403, "Public access is disabled for this resource"))
    outcome = run(azure(server))
    assert outcome.error is not None
    assert "403" in outcome.error.message and "****" in outcome.error.message
    hint = outcome.error.hint or ""
    assert "AZURE_OPENAI_API_KEY" in hint and "AZURE_OPENAI_ENDPOINT" in hint
    assert server.api_key not in str(outcome.error)


def test_429_with_a_long_retry_after_is_not_waited_out_but_reported(server: SSEServer) -> None:
    server.script(Reply.failure(429, "quota exceeded", retry_after=3600))
    outcome = run(azure(server))
    assert outcome.error is not None and "429" in outcome.error.message
    assert "3600 s" in (outcome.error.hint or "")
    assert len(server.chat_requests()) == 1


def test_404_names_the_deployment_setting(server: SSEServer) -> None:
    outcome = run(azure(server, {"AZURE_OPENAI_DEPLOYMENT_NAME": "missing-deployment"}))
    assert outcome.error is not None
    assert "missing-deployment" in outcome.error.message
    assert "AZURE_OPENAI_DEPLOYMENT_NAME" in (outcome.error.hint or "")


def test_malformed_sse_line_fails_with_a_clear_message_and_keeps_the_text(server: SSEServer) -> None:
    server.script(Reply(malformed_after=2))
    outcome = run(azure(server))
    assert outcome.text == "Hello,"
    assert outcome.error is not None and "malformed" in outcome.error.message


def test_stall_after_tokens_times_out(server: SSEServer) -> None:
    server.script(Reply(stall_after=2))
    outcome = run(azure(server, timeout=1.0, retries=0))
    assert outcome.text == "Hello,"
    assert outcome.error is not None and "stalled" in outcome.error.message
    assert "--timeout" in (outcome.error.hint or "")


def test_break_before_the_first_token_is_retried(server: SSEServer) -> None:
    server.script(Reply(filter_first=True, disconnect_after=0), Reply(filter_first=True))
    outcome = run(azure(server))
    assert outcome.error is None and outcome.text == WHOLE
    assert len(server.chat_requests()) == 2


def test_stream_ending_without_a_finish_reason_is_reported_incomplete(server: SSEServer) -> None:
    server.script(Reply(finish_reason=None, done=False))
    outcome = run(azure(server))
    assert outcome.text == WHOLE
    assert outcome.error is not None and "ended before the answer was complete" in outcome.error.message


def test_content_filter_finish_reason_is_reported(server: SSEServer) -> None:
    server.script(Reply(tokens=["Partial", " answer"], finish_reason="content_filter"))
    outcome = run(azure(server))
    assert outcome.text == "Partial answer"
    assert outcome.error is not None and "content filter" in outcome.error.message


def test_prompt_rejected_by_the_content_filter(server: SSEServer) -> None:
    server.script(Reply.failure(400, "The response was filtered", code="content_filter"))
    outcome = run(azure(server))
    assert outcome.error is not None and "content filter rejected the prompt" in outcome.error.message


def test_connection_refused_names_the_endpoint_setting() -> None:
    with SSEServer() as gone:
        env = gone.azure_env()
    settings = load_settings(environ=env)
    model = create_model(ModelOptions(provider="azure", settings=settings, retries=0, timeout=2))
    outcome = run(model)
    assert outcome.error is not None
    assert "cannot connect" in outcome.error.message
    assert "AZURE_OPENAI_ENDPOINT" in (outcome.error.hint or "")


async def test_async_stream_is_guarded_too(server: SSEServer) -> None:
    server.script(Reply.failure(429, retry_after=0.2), Reply(tokens=["a", "b", "c"], disconnect_after=2))
    model = azure(server)
    pieces: list[str] = []
    with pytest.raises(ProviderError, match="dropped"):
        async for chunk in model.astream("hi"):
            pieces.append(str(chunk.content))
    assert "".join(pieces) == "ab"
    assert len(server.chat_requests()) == 2


def test_openai_provider_uses_bearer_key_and_model(server: SSEServer) -> None:
    settings = load_settings(environ={"OPENAI_API_KEY": server.api_key, "OPENAI_BASE_URL": server.url + "/v1"})
    model = create_model(ModelOptions(provider="openai", settings=settings, model="gpt-test"))
    outcome = run(model)
    assert outcome.error is None and outcome.text == WHOLE
    (request,) = server.chat_requests()
    assert request.path == "/v1/chat/completions"
    assert request.headers["Authorization"] == f"Bearer {server.api_key}"
    assert request.body["model"] == "gpt-test"


def test_openai_401_names_openai_api_key(server: SSEServer) -> None:
    wrong = {"OPENAI_API_KEY": "sk-not-the-right-one-9876", "OPENAI_BASE_URL": server.url + "/v1"}
    settings = load_settings(environ=wrong)
    outcome = run(create_model(ModelOptions(provider="openai", settings=settings)))
    assert outcome.error is not None
    assert "OPENAI_API_KEY" in str(outcome.error) and "sk-not-the-right-one-9876" not in str(outcome.error)


def test_openai_compatible_needs_no_key_and_accepts_a_stream_without_finish_reason() -> None:
    with SSEServer(api_key=None) as open_server:
        open_server.script(Reply(finish_reason=None))
        options = ModelOptions(
            provider="openai-compatible", settings=load_settings(environ={}), base_url=open_server.url + "/v1",
            model="llama3",
        )
        outcome = run(create_model(options))
        assert outcome.error is None and outcome.text == WHOLE
        assert open_server.chat_requests()[0].body["model"] == "llama3"

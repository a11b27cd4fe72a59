"""Ctrl-C on the embedded model stops llama.cpp itself, not just the display."""

from __future__ import annotations

import io

import pytest

from teleprinter.chat.controller import Chat, ModelInfo
from teleprinter.chat.session import ChatSession
from tests.chat.test_chat import InterruptingRenderer

pytestmark = pytest.mark.model


async def test_interrupt_stops_generation_and_frees_the_model() -> None:
    from teleprinter.providers.local import LocalChatModel

    model = LocalChatModel(max_tokens=200, temperature=0.0)
    out = io.StringIO()
    chat = Chat(
        ChatSession(), model, ModelInfo("local", model.model_name), out=out, err=io.StringIO(),
        make_renderer=lambda name: InterruptingRenderer(chat, out, 3),
    )
    reply = await chat.ask("Write a long story about a lighthouse keeper.")
    assert reply.status == "interrupted"
    assert reply.stats is not None and 3 <= reply.stats.chunks < 10
    lock = model._llama().lock
    assert lock.acquire(blocking=False), "the generation thread still holds the model"
    lock.release()
    chat.make_renderer = lambda name: InterruptingRenderer(chat, out, None)
    second = await chat.ask("What is the capital of France?")
    assert second.status == "complete" and second.text.strip()

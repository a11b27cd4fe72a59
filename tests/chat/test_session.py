"""The conversation model: what the model is told, and how /retry, /reset and failures change it."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from teleprinter.chat.session import ChatSession, Turn


def test_messages_carry_system_prompt_then_every_turn_then_the_question() -> None:
    session = ChatSession("Be brief.")
    session.record(Turn("hi", "hello"))
    messages = session.messages("and now?")
    assert [type(m) for m in messages] == [SystemMessage, HumanMessage, AIMessage, HumanMessage]
    assert [m.text for m in messages] == ["Be brief.", "hi", "hello", "and now?"]


def test_interrupted_answer_is_remembered_and_marked() -> None:
    session = ChatSession()
    session.record(Turn("tell a story", "Once upon", status="interrupted"))
    ai = session.messages()[-1]
    assert ai.text == "Once upon"
    assert ai.response_metadata["status"] == "interrupted"


def test_failed_turn_stays_out_of_the_conversation_until_retried() -> None:
    session = ChatSession()
    session.record(Turn("first", "one"))
    assert session.record(Turn("second", "", status="failed", error="boom")) == -1
    assert [m.text for m in session.messages()] == ["first", "one"]
    assert session.retry_question() == "second"
    assert session.pending is None


def test_retry_without_failure_regenerates_the_last_answer() -> None:
    session = ChatSession()
    session.record(Turn("a", "1"))
    session.record(Turn("b", "2"))
    assert session.retry_question() == "b"
    assert [t.user for t in session.turns] == ["a"]
    assert ChatSession().retry_question() is None


def test_reset_forgets_turns_but_keeps_the_system_prompt() -> None:
    session = ChatSession("sys")
    session.record(Turn("a", "1"))
    session.reset()
    assert [m.text for m in session.messages("q")] == ["sys", "q"]


"""A small agent graph on the embedded model: a router, a real calculator tool, two models in parallel.

The router reads the question; when it holds arithmetic it calls the ``calculator`` tool (a
real LangChain tool, run by LangGraph's ``ToolNode``). Then two model nodes run in parallel:
``answer`` gives a short answer using the tool's result, ``summary`` a one-line summary of the
question. Nodes report progress with ``get_stream_writer()``. Stream it with teleprinter:

    teleprinter run examples/agent.py:graph "What is 17 * 23?"
    python examples/agent.py [--replay] ["What is 17 * 23?"]

Needs langgraph: ``pip install 'teleprinter[graph]'``.
"""

from __future__ import annotations

import ast
import operator
import re
import sys
from typing import Annotated, Any, TypedDict

from _model import chat_model
from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph, add_messages
from langgraph.prebuilt import ToolNode

_ARITHMETIC = re.compile(r"\d[\d\s.()+\-*/%]*[\d)]")
_OPERATORS: dict[type, Any] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.Mod: operator.mod, ast.USub: operator.neg, ast.UAdd: operator.pos,
}


@tool
def calculator(expression: str) -> str:
    """Evaluate an arithmetic expression (+, -, *, /, %, parentheses) and return the result."""
    return format(_evaluate(ast.parse(expression, mode="eval").body), "g")


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return float(_OPERATORS[type(node.op)](_evaluate(node.left), _evaluate(node.right)))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
        return float(_OPERATORS[type(node.op)](_evaluate(node.operand)))
    raise ValueError("only arithmetic is allowed")


class State(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


def _question(messages: list[BaseMessage]) -> str:
    return next((m.text for m in reversed(messages) if isinstance(m, HumanMessage)), "")


def _tool_result(messages: list[BaseMessage]) -> str | None:
    return next((m.text for m in reversed(messages) if isinstance(m, ToolMessage)), None)


def _replayed_answer(messages: list[BaseMessage]) -> str:
    prompt = messages[-1].text
    found = re.search(r"calculator says (\S+)\.", prompt)
    return f"The answer is {found.group(1)}." if found else "I can only answer arithmetic offline."


ANSWER_MODEL = chat_model(_replayed_answer, max_tokens=24)
SUMMARY_MODEL = chat_model("A question about multiplying two numbers.", max_tokens=24)


def router(state: State) -> dict[str, Any]:
    """Call the calculator when the question holds arithmetic; otherwise go straight to the models."""
    writer = get_stream_writer()
    writer({"status": "routing the question"})
    found = _ARITHMETIC.search(_question(state["messages"]))
    if found is None:
        return {"messages": [AIMessage("")]}
    writer({"status": f"calling the calculator: {found.group().strip()}"})
    call = {"name": "calculator", "args": {"expression": found.group().strip()}, "id": "call_calculator"}
    return {"messages": [AIMessage("", tool_calls=[call])]}


def needs_tool(state: State) -> list[str]:
    last = state["messages"][-1]
    return ["tools"] if isinstance(last, AIMessage) and last.tool_calls else ["answer", "summary"]


def answer(state: State) -> dict[str, Any]:
    get_stream_writer()({"status": "answering"})
    result = _tool_result(state["messages"])
    facts = f" The calculator says {result}." if result is not None else ""
    prompt = f"Question: {_question(state['messages'])}{facts} Answer in one short sentence."
    return {"messages": [ANSWER_MODEL.invoke([HumanMessage(prompt)])]}


def summary(state: State) -> dict[str, Any]:
    get_stream_writer()({"status": "summarising"})
    prompt = f"Summarise this question in one line: {_question(state['messages'])}"
    return {"messages": [SUMMARY_MODEL.invoke([HumanMessage(prompt)])]}


def build() -> Any:
    builder = StateGraph(State)
    builder.add_node("router", router)
    builder.add_node("tools", ToolNode([calculator]))
    builder.add_node("answer", answer)
    builder.add_node("summary", summary)
    builder.add_edge(START, "router")
    builder.add_conditional_edges("router", needs_tool, ["tools", "answer", "summary"])
    builder.add_edge("tools", "answer")
    builder.add_edge("tools", "summary")
    builder.add_edge("answer", END)
    builder.add_edge("summary", END)
    return builder.compile()


graph = build()


def main() -> None:
    import teleprinter
    from teleprinter.events import RunEnded, RunStarted, Token, ToolEnded, ToolStarted

    question = next((a for a in sys.argv[1:] if not a.startswith("--")), "What is 17 * 23?")
    nodes: dict[Any, str] = {}
    texts: dict[str, str] = {}
    for event in teleprinter.stream(graph, {"messages": [HumanMessage(question)]}):
        if isinstance(event, RunStarted):
            nodes[event.run_id] = event.node or "?"
        elif isinstance(event, Token):
            texts[nodes[event.run_id]] = texts.get(nodes[event.run_id], "") + event.text
        elif isinstance(event, ToolStarted):
            print(f"[tool] {event.name}({event.input})")
        elif isinstance(event, ToolEnded):
            print(f"[tool] = {event.output}")
        elif isinstance(event, RunEnded):
            print(f"[{nodes[event.run_id]}] {texts.get(nodes[event.run_id], '').strip()}")


if __name__ == "__main__":
    main()

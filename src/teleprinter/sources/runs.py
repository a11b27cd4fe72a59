"""What LangChain says about a run besides its output: model name, usage, LangGraph node and namespace.

Shared by the callback and ``astream_events`` sources. LangGraph puts a run's place in the graph
in its metadata (``langgraph_node``, ``langgraph_checkpoint_ns``) and tags the chain run of each
node ``graph:step:N``; LangChain puts the model name in ``ls_model_name``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.outputs import LLMResult

from teleprinter.events import Namespace


def model_name(serialized: dict[str, Any] | None, metadata: dict[str, Any] | None) -> str:
    """Best human name for the model: LangChain's ``ls_model_name``, else the class name."""
    if metadata and metadata.get("ls_model_name"):
        return str(metadata["ls_model_name"])
    if not serialized:
        return ""
    kwargs = serialized.get("kwargs") or {}
    for key in ("model_name", "model", "deployment_name", "azure_deployment"):
        if kwargs.get(key):
            return str(kwargs[key])
    name = serialized.get("name") or (serialized.get("id") or [""])[-1]
    return str(name)


def usage_of(response: LLMResult) -> tuple[dict[str, Any] | None, str | None]:
    """Usage metadata and finish reason from a finished LLM result, when the provider gave them."""
    usage: dict[str, Any] | None = None
    finish: str | None = None
    for generations in response.generations:
        for generation in generations:
            message = getattr(generation, "message", None)
            found = getattr(message, "usage_metadata", None)
            if found:
                usage = dict(found)
            info = generation.generation_info or {}
            metadata = getattr(message, "response_metadata", None) or {}
            finish = info.get("finish_reason") or metadata.get("finish_reason") or finish
    if usage is None and response.llm_output:
        token_usage = response.llm_output.get("token_usage") or response.llm_output.get("usage")
        if isinstance(token_usage, dict) and token_usage:
            usage = {
                "input_tokens": token_usage.get("prompt_tokens", 0),
                "output_tokens": token_usage.get("completion_tokens", 0),
                "total_tokens": token_usage.get("total_tokens", 0),
            }
    return usage, finish


def namespace_of(metadata: dict[str, Any] | None) -> Namespace:
    """LangGraph namespace of a run from its metadata: the checkpoint namespace minus its own task.

    ``langgraph_checkpoint_ns`` is ``"parent:<task>|node:<task>"``; the run belongs to the graph
    whose tasks are all but the last, the path ``subgraphs=True`` stream modes report.
    """
    if not metadata:
        return ()
    path = metadata.get("langgraph_checkpoint_ns") or metadata.get("checkpoint_ns")
    if not path or not isinstance(path, str):
        return ()
    return tuple(path.split("|")[:-1])


def node_of(metadata: dict[str, Any] | None) -> str | None:
    node = metadata.get("langgraph_node") if metadata else None
    return str(node) if node else None


def is_graph_node(name: str | None, tags: Sequence[str] | None, metadata: dict[str, Any] | None) -> bool:
    """True for the chain run LangGraph starts for a node (tagged ``graph:step:N``, named as the node)."""
    node = node_of(metadata)
    return node is not None and name == node and any(tag.startswith("graph:step:") for tag in tags or ())


def tool_output(output: Any) -> Any:
    """What a tool returned: a ``ToolMessage``'s content, else the value itself."""
    if getattr(output, "type", None) == "tool" and hasattr(output, "content"):
        return output.content
    return output

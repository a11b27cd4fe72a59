"""What a chat turn did besides answering: its reasoning and its tool calls, kept for /thinking and /save.

A sink beside the renderer. Reasoning is kept apart from the answer, so the conversation sent
back to the model holds only the answer; tool calls are assembled per call id from the model's
streamed arguments, then joined with their tool run's output or error when the tool ran.
Hidden (``nostream``) runs are left out, as on the screen.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from teleprinter.events import Event, Reasoning, RunStarted, ToolCallDelta, ToolEnded, ToolStarted


class TurnActivity:
    """Collects one turn's reasoning text and tool calls (``{"name", "args", "output"/"error"}``)."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.calls: dict[str, dict[str, Any]] = {}
        self._runs: dict[UUID, dict[str, Any]] = {}  # tool run id -> its call
        self._hidden: set[UUID] = set()

    @property
    def reasoning(self) -> str:
        return "".join(self.pieces)

    @property
    def tools(self) -> list[dict[str, Any]]:
        return [dict(call) for call in self.calls.values()]

    def handle(self, event: Event) -> None:
        if isinstance(event, Reasoning):
            if event.run_id not in self._hidden:
                self.pieces.append(event.text)
        elif isinstance(event, ToolCallDelta):
            if event.run_id not in self._hidden:
                call = self.calls.setdefault(event.call_id or str(event.index), {"name": event.name, "args": ""})
                call["args"] += event.args
        elif isinstance(event, RunStarted):
            if event.hidden:
                self._hidden.add(event.run_id)
        elif isinstance(event, ToolStarted):
            self._tool_started(event)
        elif isinstance(event, ToolEnded):
            self._tool_ended(event)

    def _tool_started(self, event: ToolStarted) -> None:
        call = self.calls.get(event.call_id or "")
        if call is None:
            call = self.calls.setdefault(event.call_id or str(event.run_id), {"name": event.name, "args": event.input})
        self._runs[event.run_id] = call

    def _tool_ended(self, event: ToolEnded) -> None:
        call = self._runs.pop(event.run_id, None)
        if call is None:
            return
        if event.error is not None:
            call["error"] = event.error
        else:
            from teleprinter.render.tools import output_text

            call["output"] = output_text(event.output)

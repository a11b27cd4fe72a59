"""What the display shows of an agent run besides the answer: ``--reasoning``, ``--tools``, ``--progress``.

Defaults are the terminal's: reasoning in a bounded box that collapses to one line
(``summary``), one line per tool call and result (``summary``), one line per finished node
(``nodes``). On a pipe stdout carries only the answer; what else is shown goes to stderr and
only when asked for explicitly (``explicit`` lists the options the user gave).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ReasoningMode = Literal["summary", "show", "hide"]
ToolsMode = Literal["summary", "full", "hide"]
ProgressMode = Literal["nodes", "none"]

REASONING_MODES: tuple[ReasoningMode, ...] = ("summary", "show", "hide")
TOOLS_MODES: tuple[ToolsMode, ...] = ("summary", "full", "hide")
PROGRESS_MODES: tuple[ProgressMode, ...] = ("nodes", "none")


@dataclass(frozen=True, slots=True)
class DisplayOptions:
    """How reasoning, tool calls and graph progress are shown (see the module docstring)."""

    reasoning: ReasoningMode = "summary"
    tools: ToolsMode = "summary"
    progress: ProgressMode = "nodes"
    explicit: frozenset[str] = frozenset()
    """Names of the options given on the command line (``"reasoning"``, ``"tools"``, ``"progress"``)."""

    def on_pipe(self, name: str) -> bool:
        """Whether the part ``name`` goes to stderr when stdout is a pipe: only when asked for.

        Reasoning goes there only with ``--reasoning show``; tool lines and node lines only when
        ``--tools``/``--progress`` were given and do not say ``hide``/``none``.
        """
        if name == "reasoning":
            return self.reasoning == "show"
        if name == "tools":
            return "tools" in self.explicit and self.tools != "hide"
        return "progress" in self.explicit and self.progress != "none"
